"""User-supplied families the public data lacks: resident satisfaction, leadership changes.

Neither is in the public copies (see ``SOURCES.md``: no repository holds LGA resident
polling by council or chief-executive/DCS turnover), so a user who has them supplies two
small CSV files; :func:`earlywarn.cycle.load_cycle_data` appends them to the core tables
when the cycle config names them (``[data] satisfaction = "..."``, ``leadership =
"..."``). Examples ship in ``earlywarn/data/examples/`` (invented values for three
councils, for trying the format only).

Resident satisfaction (UTF-8 CSV, one row per council, period and measure)
--------------------------------------------------------------------------
=============  ======================================================================
column         meaning
=============  ======================================================================
council_code   ONS GSS code of an upper-tier council (e.g. ``E09000008``)
period         end of the survey period, ``YYYY-MM-DD``
measure        snake_case name, e.g. ``resident_satisfaction_pct`` (the features use
               this one) or ``resident_satisfaction_n`` (respondents)
value          a number (blank = missing, row skipped and counted)
published      date the result became known, ``YYYY-MM-DD``, on or after ``period``
=============  ======================================================================

Leadership changes (UTF-8 CSV, one row per change)
--------------------------------------------------
=============  ======================================================================
column         meaning
=============  ======================================================================
council_code   ONS GSS code of an upper-tier council
date           date the change took effect (or was announced, if earlier), ISO date
role           ``chief_executive``, ``dcs`` (director of children's services),
               ``das`` (director of adult services), ``leader`` or ``s151_officer``
change_type    ``permanent`` (a permanent appointment), ``interim`` (an interim or
               acting appointment) or ``departure`` (a post holder left, successor not
               yet known)
=============  ======================================================================

Each change becomes a ``leadership_change`` event with ``service`` = role and
``severity`` 2 for ``interim``, 1 otherwise (the schema's convention). Any other value,
an unknown council code or a malformed date raises
:class:`~earlywarn.errors.UserInputError` naming the file, row and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.io import read_csv_table

__all__ = [
    "CHANGE_TYPES",
    "LEADERSHIP_COLUMNS",
    "ROLES",
    "SATISFACTION_COLUMNS",
    "load_leadership",
    "load_satisfaction",
]

SATISFACTION_COLUMNS = ["council_code", "period", "measure", "value", "published"]
LEADERSHIP_COLUMNS = ["council_code", "date", "role", "change_type"]
ROLES = ("chief_executive", "dcs", "das", "leader", "s151_officer")
CHANGE_TYPES = {"permanent": 1.0, "interim": 2.0, "departure": 1.0}


def _dates(df: pd.DataFrame, col: str, path: Path) -> pd.Series:
    out = pd.to_datetime(df[col], format="%Y-%m-%d", errors="coerce")
    bad = out.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise UserInputError(
            f"{path}: row {i + 2}, column {col}: {df[col].iloc[i]!r} is not a date "
            "(expected YYYY-MM-DD)"
        )
    from earlywarn.schema import FIRST_YEAR, LAST_YEAR

    far = (out.dt.year < FIRST_YEAR) | (out.dt.year > LAST_YEAR)
    if far.any():
        i = int(far.to_numpy().nonzero()[0][0])
        raise UserInputError(
            f"{path}: row {i + 2}, column {col}: {df[col].iloc[i]!r} is out of range "
            f"(expected a date from {FIRST_YEAR} to {LAST_YEAR})"
        )
    return out


def _valid_at(codes: pd.Series, dates: pd.Series, councils, path: Path) -> None:
    """Each row's council still existed at the row's date (row numbers as in the file)."""
    if councils is not None:
        from earlywarn.schema import check_council_valid_at

        check_council_valid_at(codes, dates, councils, str(path))


def _codes(df: pd.DataFrame, path: Path, councils: pd.DataFrame | None) -> pd.Series:
    codes = df["council_code"].fillna("").str.strip()
    ok = codes.str.fullmatch(r"E\d{8}")
    if councils is not None:
        ok &= codes.isin(set(councils["council_code"]))
    if not ok.all():
        i = int((~ok).to_numpy().nonzero()[0][0])
        raise UserInputError(
            f"{path}: row {i + 2}, column council_code: {df['council_code'].iloc[i]!r} is not "
            "the ONS code of a known upper-tier council (expected e.g. E09000008)"
        )
    return codes


def load_satisfaction(path: str | Path, councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a resident-satisfaction CSV into ``observations`` rows (see module docstring).

    Parameters
    ----------
    path : path
    councils : DataFrame, optional
        When given, every ``council_code`` must be in it.

    Returns
    -------
    pandas.DataFrame
        ``council_code, period, measure, value, published, source``.
    """
    p = Path(path)
    df = read_csv_table(p, SATISFACTION_COLUMNS)
    codes = _codes(df, p, councils)
    period, published = _dates(df, "period", p), _dates(df, "published", p)
    _valid_at(codes, period, councils, p)
    measure = df["measure"].fillna("").str.strip()
    bad = ~measure.map(lambda m: bool(re.fullmatch(r"[a-z][a-z0-9_]*", m)))
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise UserInputError(
            f"{p}: row {i + 2}, column measure: {df['measure'].iloc[i]!r} is not a snake_case "
            "measure name (expected e.g. resident_satisfaction_pct)"
        )
    text = df["value"].fillna("").str.strip()
    value = pd.to_numeric(text, errors="coerce")
    bad = value.isna() & text.ne("")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise UserInputError(f"{p}: row {i + 2}, column value: {text.iloc[i]!r} is not a number")
    early = published < period
    if early.any():
        i = int(early.to_numpy().nonzero()[0][0])
        raise UserInputError(
            f"{p}: row {i + 2}, column published: {df['published'].iloc[i]} is before the "
            f"period {df['period'].iloc[i]} (expected on or after the end of the period)"
        )
    out = pd.DataFrame(
        {
            "council_code": codes,
            "period": period,
            "measure": measure,
            "value": value.astype(float),
            "published": published,
            "source": f"user:{p.name}",
        }
    )
    return out[out["value"].notna()].reset_index(drop=True)


def load_leadership(path: str | Path, councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a leadership-changes CSV into ``leadership_change`` events.

    Returns
    -------
    pandas.DataFrame
        ``council_code, date, event_type, service, severity, source, change_type``.
    """
    p = Path(path)
    df = read_csv_table(p, LEADERSHIP_COLUMNS)
    codes = _codes(df, p, councils)
    date = _dates(df, "date", p)
    _valid_at(codes, date, councils, p)
    for col, allowed in (("role", ROLES), ("change_type", tuple(CHANGE_TYPES))):
        v = df[col].fillna("").str.strip()
        bad = ~v.isin(allowed)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise UserInputError(
                f"{p}: row {i + 2}, column {col}: {df[col].iloc[i]!r} is not one of "
                f"{', '.join(allowed)}"
            )
    change = df["change_type"].str.strip()
    return pd.DataFrame(
        {
            "council_code": codes,
            "date": date,
            "event_type": "leadership_change",
            "service": df["role"].str.strip(),
            "severity": change.map(CHANGE_TYPES),
            "source": f"user:{p.name}",
            "change_type": change,
        }
    )

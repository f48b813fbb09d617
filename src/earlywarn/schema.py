"""The core tables: the contract between stages (see DESIGN.md).

Every stage takes and returns pandas frames with these columns. ``validate_*`` checks a
table at a stage boundary and raises :class:`~earlywarn.errors.UserInputError` with one
line naming the source, row and column of the first problem.

Conventions
-----------
- ``council_code`` is the ONS GSS code (e.g. ``E09000008``).
- Dates are ``datetime64`` (day precision is enough); ``period`` is the *end* of the period
  an observation describes (e.g. 2015-03-31 for the year to March 2015).
- ``councils.valid_from`` is the first day a council exists and ``valid_to`` the day it
  was abolished (exclusive: a council exists at ``t`` when ``valid_from <= t < valid_to``);
  ``successor_code`` names the council that took over its area.
- ``published`` is the date the value became public. A feature for origin ``t`` may use
  only rows with ``published <= t``.
- ``events.event_type`` is one of :data:`EVENT_TYPES`. For ``inspection`` events
  ``severity`` is the overall grade on the common 4-point scale (1 outstanding, 2 good,
  3 requires improvement, 4 inadequate) and ``service`` the inspected service. For
  ``leadership_change`` events ``service`` is the role (``chief_executive``, ``dcs``,
  ``leader``) and ``severity`` is 1 for a permanent and 2 for an interim appointment. For
  ``financial_notice`` and ``intervention`` events ``severity`` is 1. ``ofsted_visit`` events
  (Ofsted focused and monitoring visits of children's services) carry no judgement:
  ``severity`` is blank and ``framework`` says ``focused visit`` or ``monitoring visit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError

__all__ = [
    "COUNCIL_COLUMNS",
    "EVENT_COLUMNS",
    "EVENT_TYPES",
    "GRADES",
    "OBSERVATION_COLUMNS",
    "Tables",
    "validate_councils",
    "validate_events",
    "validate_observations",
    "validate_tables",
    "NEIGHBOUR_COLUMNS",
    "SOFT_NOTE_COLUMNS",
    "SOFT_NOTE_NATURES",
    "validate_neighbours",
    "validate_soft_notes",
]

COUNCIL_COLUMNS = [
    "council_code",
    "council_name",
    "council_type",
    "region",
    "valid_from",
    "valid_to",
    "successor_code",
]
OBSERVATION_COLUMNS = ["council_code", "period", "measure", "value", "published"]
EVENT_COLUMNS = ["council_code", "date", "event_type", "service", "severity", "source"]
EVENT_TYPES = (
    "inspection",
    "financial_notice",
    "intervention",
    "leadership_change",
    "other_inspection",
    "ofsted_visit",
)
GRADES = {1: "outstanding", 2: "good", 3: "requires improvement", 4: "inadequate"}


@dataclass(frozen=True)
class Tables:
    """The validated tidy tables a panel is built from.

    Attributes
    ----------
    councils, observations, events : pandas.DataFrame
        See the module docstring for their columns.
    sources : dict
        Name -> description of where each table came from (file paths and hashes are
        recorded by :mod:`earlywarn.io`).
    """

    councils: pd.DataFrame
    observations: pd.DataFrame
    events: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)


def _missing(df: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserInputError(
            f"{where}: missing column(s) {', '.join(missing)}; expected columns "
            f"{', '.join(columns)} (found {', '.join(map(str, df.columns)) or 'none'})"
        )


#: Dates outside these years are typos (or a wrong format), not data.
FIRST_YEAR, LAST_YEAR = 1990, 2100
#: Councils may have been created long ago (1889, 1965, 1974) but not abolished after this.
COUNCIL_FIRST_YEAR = 1800


def _row(i: int) -> int:
    """The row a spreadsheet or an editor shows for data row ``i`` (0-based): header = 1."""
    return i + 2


def _first_bad(mask: pd.Series) -> int | None:
    bad = mask.to_numpy().nonzero()[0]
    return int(bad[0]) if len(bad) else None


def _check_dates(
    df: pd.DataFrame,
    col: str,
    where: str,
    allow_missing: bool = False,
    first_year: int = FIRST_YEAR,
    last_year: int = LAST_YEAR,
) -> None:
    values = _to_dates(df[col])
    bad = values.isna() & (~df[col].isna() if allow_missing else True)
    i = _first_bad(bad)
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column {col}: {df[col].iloc[i]!r} is not a date "
            "(expected YYYY-MM-DD)"
        )
    years = values.dt.year
    i = _first_bad(values.notna() & ((years < first_year) | (years > last_year)))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column {col}: {df[col].iloc[i]!r} is out of range "
            f"(expected a date from {first_year} to {last_year})"
        )


def _to_dates(col: pd.Series) -> pd.Series:
    """Dates, or NaT where a value is not one (never an out-of-bounds error)."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return col
    return pd.to_datetime(col, errors="coerce", format="ISO8601")


def _check_codes(df: pd.DataFrame, where: str) -> None:
    codes = df["council_code"].astype("string")
    bad = ~codes.str.fullmatch(r"[EWSN]\d{8}").fillna(False)
    i = _first_bad(bad)
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column council_code: {df['council_code'].iloc[i]!r} is "
            "not an ONS GSS code (expected e.g. E09000008)"
        )


def validate_councils(df: pd.DataFrame, where: str = "councils") -> pd.DataFrame:
    """Check the councils table and return it with typed columns."""
    _missing(df, COUNCIL_COLUMNS, where)
    _check_codes(df, where)
    dup = df["council_code"].duplicated()
    i = _first_bad(dup)
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column council_code: {df['council_code'].iloc[i]!r} "
            "appears twice (expected one row per council)"
        )
    _check_dates(df, "valid_from", where, True, COUNCIL_FIRST_YEAR)
    _check_dates(df, "valid_to", where, True, COUNCIL_FIRST_YEAR)
    out = df.copy()
    out["valid_from"] = _to_dates(out["valid_from"])
    out["valid_to"] = _to_dates(out["valid_to"])
    i = _first_bad(
        out["valid_to"].notna() & out["valid_from"].notna() & (out["valid_to"] <= out["valid_from"])
    )
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column valid_to: {df['valid_to'].iloc[i]!r} is not after "
            f"valid_from {df['valid_from'].iloc[i]!r} (expected valid_from < valid_to)"
        )
    return out


def validate_observations(
    df: pd.DataFrame, where: str = "observations", councils: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check the observations table and return it with typed columns.

    Raises on missing columns, bad codes, unparseable dates, non-numeric values, a value
    published before the end of the period it describes, and duplicated
    ``(council_code, period, measure, published)`` rows.
    """
    _missing(df, OBSERVATION_COLUMNS, where)
    _check_codes(df, where)
    _check_dates(df, "period", where)
    _check_dates(df, "published", where)
    values = pd.to_numeric(df["value"], errors="coerce")
    i = _first_bad((values.isna() & df["value"].notna()) | values.isin([np.inf, -np.inf]))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column value: {df['value'].iloc[i]!r} is not a number"
        )
    out = df[OBSERVATION_COLUMNS].copy()
    out["council_code"] = out["council_code"].astype(str)
    out["measure"] = out["measure"].astype(str)
    out["period"] = _to_dates(out["period"])
    out["published"] = _to_dates(out["published"])
    out["value"] = values.astype(float)
    i = _first_bad(out["published"] < out["period"])
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column published: {out['published'].iloc[i].date()} is "
            f"before the end of its period {out['period'].iloc[i].date()} (expected a "
            "publication date on or after the period)"
        )
    i = _first_bad(out.duplicated(["council_code", "period", "measure", "published"]))
    if i is not None:
        r = out.iloc[i]
        raise UserInputError(
            f"{where}: row {_row(i)}: duplicate of council {r.council_code}, period "
            f"{r.period.date()}, measure {r.measure} (expected one value per publication)"
        )
    _check_ranges(out, where)
    _check_not_future(out, "published", where)
    if councils is not None:
        _check_councils_known(out, "period", councils, where)
    return out


def _check_ranges(out: pd.DataFrame, where: str) -> None:
    """Percentages lie in 0-100; counts are not negative (by the measure's unit suffix)."""
    m = out["measure"]
    v = out["value"]
    pct = m.str.endswith("_pct") & ((v < 0) | (v > 100))
    i = _first_bad(pct)
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column value: {v.iloc[i]!r} for {m.iloc[i]} is outside "
            "0-100 (expected a percentage)"
        )
    count = (m.str.endswith("_count") | m.str.endswith("_n")) & (v < 0)
    i = _first_bad(count)
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column value: {v.iloc[i]!r} for {m.iloc[i]} is negative "
            "(expected a count >= 0)"
        )


def _check_not_future(out: pd.DataFrame, col: str, where: str) -> None:
    """A date after today cannot have been published yet: a typo or a wrong format."""
    today = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)
    i = _first_bad(out[col] > today)
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column {col}: {out[col].iloc[i].date()} is in the future "
            "(expected a date that has already happened)"
        )


def _check_councils_known(out: pd.DataFrame, col: str, councils: pd.DataFrame, where: str) -> None:
    """Every row's council is in the councils table and existed at the row's ``col`` date."""
    i = _first_bad(~out["council_code"].isin(set(councils["council_code"])))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column council_code: {out['council_code'].iloc[i]!r} "
            "is not in the councils table"
        )
    _check_retired(out, col, councils, where)


def check_council_valid_at(
    codes: pd.Series, dates: pd.Series, councils: pd.DataFrame, where: str
) -> None:
    """Each council in ``codes`` existed (was not yet abolished) at the matching date.

    Row numbers in messages count the header as row 1, as in the file.
    """
    frame = pd.DataFrame(
        {"council_code": codes.to_numpy(), "date": pd.to_datetime(dates).to_numpy()}
    )
    _check_retired(frame, "date", validate_councils(councils, "councils"), where)


def _check_retired(out: pd.DataFrame, col: str, councils: pd.DataFrame, where: str) -> None:
    """No row may describe a council after it was abolished (use its successor's code)."""
    ends = out["council_code"].map(councils.set_index("council_code")["valid_to"])
    ends = pd.to_datetime(ends)
    i = _first_bad(ends.notna() & (out[col] >= ends))
    if i is not None:
        succ = councils.set_index("council_code")["successor_code"].get(out["council_code"].iloc[i])
        hint = f" (its successor is {succ})" if isinstance(succ, str) and succ else ""
        raise UserInputError(
            f"{where}: row {_row(i)}, column council_code: {out['council_code'].iloc[i]} was "
            f"abolished on {ends.iloc[i].date()} but the row is dated "
            f"{out[col].iloc[i].date()}{hint}"
        )


def validate_events(
    df: pd.DataFrame, where: str = "events", councils: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check the events table and return it with typed columns."""
    _missing(df, EVENT_COLUMNS, where)
    _check_codes(df, where)
    _check_dates(df, "date", where)
    i = _first_bad(~df["event_type"].isin(EVENT_TYPES))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column event_type: {df['event_type'].iloc[i]!r} is not "
            f"one of {', '.join(EVENT_TYPES)}"
        )
    out = df.copy()
    out["date"] = _to_dates(out["date"])
    out["severity"] = pd.to_numeric(out["severity"], errors="coerce")
    i = _first_bad(out["severity"].isna() & df["severity"].notna())
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column severity: {df['severity'].iloc[i]!r} is not a "
            "number (expected a grade 1-4 for inspections, 1 or 2 for leadership changes, "
            "1 otherwise)"
        )
    insp = out["event_type"].eq("inspection") & out["severity"].notna()
    i = _first_bad(insp & ~out["severity"].isin([1, 2, 3, 4]))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column severity: {df['severity'].iloc[i]!r} is not an "
            "inspection grade (expected 1 outstanding .. 4 inadequate)"
        )
    lead = out["event_type"].eq("leadership_change") & out["severity"].notna()
    i = _first_bad(lead & ~out["severity"].isin([1, 2]))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column severity: {df['severity'].iloc[i]!r} is not a "
            "leadership appointment (expected 1 permanent or 2 interim)"
        )
    _check_not_future(out, "date", where)
    if councils is not None:
        _check_councils_known(out, "date", councils, where)
    return out


def validate_tables(tables: Tables) -> Tables:
    """Validate all three core tables against each other."""
    councils = validate_councils(tables.councils, tables.sources.get("councils", "councils"))
    obs = validate_observations(
        tables.observations, tables.sources.get("observations", "observations"), councils
    )
    events = validate_events(tables.events, tables.sources.get("events", "events"), councils)
    return Tables(councils, obs, events, dict(tables.sources))


# Optional inputs for the features -------------------------------------------------------

#: Advisers' dated notes (soft intelligence). ``note`` (free text) is optional and is never
#: read by the features: it must not become a model input or leave the machine.
SOFT_NOTE_COLUMNS = ["council_code", "date", "problem_nature", "severity"]
SOFT_NOTE_NATURES = ("financial", "capacity", "capability", "political")
SOFT_NOTE_SEVERITIES = (1, 2, 3)  # 1 minor, 2 significant, 3 serious
#: Statistical neighbours: one row per council and neighbour.
NEIGHBOUR_COLUMNS = ["council_code", "neighbour_code"]


def validate_soft_notes(
    df: pd.DataFrame, where: str = "soft notes", councils: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check a soft-notes table; return its typed columns (``note`` kept only if present).

    Errors name the row and column but never quote the note text.
    """
    _missing(df, SOFT_NOTE_COLUMNS, where)
    _check_codes(df, where)
    _check_dates(df, "date", where)
    nature = df["problem_nature"].astype("string").str.strip().str.lower()
    i = _first_bad(~nature.isin(SOFT_NOTE_NATURES).fillna(False))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column problem_nature: {df['problem_nature'].iloc[i]!r} is "
            f"not one of {', '.join(SOFT_NOTE_NATURES)}"
        )
    sev = pd.to_numeric(df["severity"], errors="coerce")
    i = _first_bad(~sev.isin(SOFT_NOTE_SEVERITIES))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column severity: {df['severity'].iloc[i]!r} is not a "
            "severity (expected 1 minor, 2 significant or 3 serious)"
        )
    dates = _to_dates(df["date"])
    if councils is not None:
        dated = pd.DataFrame({"council_code": df["council_code"].to_numpy(), "date": dates})
        _check_councils_known(dated, "date", councils, where)
    out = pd.DataFrame(
        {
            "council_code": df["council_code"].astype(str).to_numpy(),
            "date": dates.to_numpy(),
            "problem_nature": nature.astype(str).to_numpy(),
            "severity": sev.astype(float).to_numpy(),
        }
    )
    if "note" in df.columns:
        out["note"] = df["note"].to_numpy()
    return out


def validate_neighbours(
    df: pd.DataFrame, where: str = "neighbours", councils: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Check a statistical-neighbours table (``council_code, neighbour_code``).

    With ``councils``, both codes must be in the councils table.
    """
    _missing(df, NEIGHBOUR_COLUMNS, where)
    _check_codes(df, where)
    codes = df["neighbour_code"].astype("string")
    i = _first_bad(~codes.str.fullmatch(r"[EWSN]\d{8}").fillna(False))
    if i is not None:
        raise UserInputError(
            f"{where}: row {_row(i)}, column neighbour_code: {df['neighbour_code'].iloc[i]!r} is "
            "not an ONS GSS code (expected e.g. E09000008)"
        )
    if councils is not None:
        known = set(councils["council_code"])
        for col in NEIGHBOUR_COLUMNS:
            i = _first_bad(~df[col].isin(known))
            if i is not None:
                raise UserInputError(
                    f"{where}: row {_row(i)}, column {col}: {df[col].iloc[i]!r} is not in the "
                    "councils table"
                )
    return df[NEIGHBOUR_COLUMNS].astype(str).drop_duplicates().reset_index(drop=True)

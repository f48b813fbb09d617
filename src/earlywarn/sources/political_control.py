"""Council composition and political control (Open Council Data UK) -> ``observations``.

Reads every CSV under the raw folder whose header holds ``authority, year, total,
majority`` and either ``plurality`` (the 1973-2015 table: ``con, lab, ld, other, nat``) or
``council id`` (the 2016+ table: ``con, lab, ld, green, ukip, ref, pc, snp, other``; an
empty trailing column from the quoted layout, or none, is accepted). One row = a council's
seats by party after the May elections of ``year``.

Councils are matched to upper-tier GSS codes as of 31 May of the row's year: 2016+ rows
through the Open Council Data id in mySociety's list (``open-council-data-id`` of any
``uk_local_authorities*.csv`` under the raw folder) and otherwise by name through the
crosswalk (:meth:`~earlywarn.sources.crosswalk.Crosswalk.resolve_name`). Rows of councils
that are not upper-tier English councils (districts, Scotland, Wales) are skipped and
counted. A name that no list knows (not in the crosswalk, nor mySociety's name lookup, nor
the 2016+ id list) is a user error naming the file and row, unless the council's last row
is before :data:`FIRST_CHECKED_YEAR` (councils abolished before the code lists begin:
the GLC, metropolitan counties, Avon ...), which are skipped and counted. Without
mySociety's lookups under the raw folder, unknown names are listed as unmatched instead.

Control: the ``majority`` column read as the controlling party, or no overall control
(``NOC``, ``X plurality``, a minority ``X min``, a coalition ``A/B``); ``NULL``/``TBD``
are unknown. Parties are grouped as Con, Lab, LD, Nat (SNP, Plaid) and Other (independents,
Greens, UKIP, Reform and the rest), the grouping the 1973-2015 table uses, so that the two
tables join.

Measures (family ``leadership``), per council and year, each computed from that
council's rows up to that year only:

- ``political_no_overall_control``: 1 when no party has a majority, else 0;
- ``political_control_changes_{n}y`` (n = 1, 2, 4): changes of control (a different party,
  or into or out of no overall control) between consecutive snapshots in the last n years;
- ``political_majority_seats``: seats of the largest group minus all other seats (> 0 is
  a working majority, <= 0 a hung council);
- ``political_seat_churn_pct``: seats that changed group since the previous snapshot, as
  % of seats (half the sum of absolute changes, over the total);
- ``political_years_since_control_change``: years since control last changed; where no
  change is in the council's rows, the years since its first row (a lower bound).

Rows from :data:`FIRST_EMITTED_YEAR` on are written; older ones feed the look-back.

Dates: ``period`` = 31 May of the election year; ``published`` = 30 June of that year
(results are declared in early May; a month covers the compilation). A row is a snapshot
after the elections: changes of control between elections (defections, new coalitions)
are not dated and show in the next snapshot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    SourceReport,
    csv_headers,
    finish_observations,
    parse_numbers,
    read_csv_text,
    require_columns,
)
from earlywarn.sources.crosswalk import Crosswalk, normalise_name

__all__ = ["CONTROL_MEASURES", "FIRST_CHECKED_YEAR", "load_political_control"]

FIRST_CHECKED_YEAR = 2009  # unknown names seen in or after this year are errors
FIRST_EMITTED_YEAR = 2009  # older snapshots feed the look-back only; the panel's first
# period (s251 2008-09) stays the first, so annual origins do not move earlier
WINDOWS = (1, 2, 4)
GROUPS = ("con", "lab", "ld", "nat", "other")
#: group -> columns of each layout summed into it
_OLD_SEATS = {"con": ["con"], "lab": ["lab"], "ld": ["ld"], "nat": ["nat"], "other": ["other"]}
_NEW_SEATS = {
    "con": ["con"],
    "lab": ["lab"],
    "ld": ["ld"],
    "nat": ["snp", "pc"],
    "other": ["green", "ukip", "ref", "other"],
}
_PARTY = {
    "con": "con",
    "lab": "lab",
    "ld": "ld",
    "libdem": "ld",
    "snp": "nat",
    "pc": "nat",
    "plaid": "nat",
    "nat": "nat",
    "ind": "other",
    "other": "other",
    "oth": "other",
    "green": "other",
    "grn": "other",
    "ukip": "other",
    "ref": "other",
    "reform": "other",
    "res": "other",
}
CONTROL_MEASURES = [
    "political_no_overall_control",
    *[f"political_control_changes_{n}y" for n in WINDOWS],
    "political_majority_seats",
    "political_seat_churn_pct",
    "political_years_since_control_change",
]


def _control(text: str) -> str | None:
    """The controlling group ('con' ...), 'noc', or None when the cell says unknown.

    Raises KeyError on a value no edition uses.

    Examples
    --------
    >>> [_control(x) for x in ["Con", "Lab plurality", "NOC", "LAB min", "LD/GRN", "NULL"]]
    ['con', 'noc', 'noc', 'noc', 'noc', None]
    """
    t = str(text).strip().lower()
    if t in ("", "null", "tbd", "n/a"):
        return None
    if t == "noc" or t.endswith(" plurality") or "/" in t:
        return "noc"
    if t.endswith(" min") and t.split()[0].replace(".", "") in _PARTY:
        return "noc"  # minority administration: no overall control
    key = t.replace(" ", "").replace(".", "")
    if key in _PARTY:
        return _PARTY[key]
    raise KeyError(text)


def _known_names(raw_dir: Path) -> tuple[set[str], dict[str, str]]:
    """Every council name mySociety knows (any tier), and Open Council Data id -> GSS."""
    names: set[str] = set()
    ids: dict[str, str] = {}
    for path, cols in csv_headers(raw_dir):
        if {"la-name", "local-authority-code"} <= set(cols):
            df = read_csv_text(path)
            names |= {normalise_name(n) for n in df["la-name"]}
        elif {"official-name", "nice-name", "gss-code"} <= set(cols):
            df = read_csv_text(path)
            for col in ("official-name", "nice-name"):
                names |= {normalise_name(n) for n in df[col]}
            if "open-council-data-id" in df.columns:
                oc = df["open-council-data-id"].str.strip().str.replace(r"\.0$", "", regex=True)
                for i, g, nm in zip(oc, df["gss-code"], df["nice-name"], strict=True):
                    if i:
                        ids.setdefault(i, g.strip())
                        names.add(normalise_name(nm))
    return names, ids


def _read(path: Path, cols: list[str], rep: SourceReport) -> pd.DataFrame:
    """One table -> authority, oc_id, year, control, seats by group, total, row."""
    df = read_csv_text(path)
    df = df.loc[:, [c for c in df.columns if not str(c).startswith("Unnamed")]]
    new = "council id" in cols
    seats_map = _NEW_SEATS if new else _OLD_SEATS
    need = ["authority", "year", "total", "majority"] + sorted(
        {c for v in seats_map.values() for c in v}
    )
    require_columns(df, need + (["council id"] if new else []), str(path))
    rep.files.append(str(path))
    rep.rows_read += len(df)
    year = pd.to_numeric(df["year"].str.strip(), errors="coerce")
    bad = year.isna() | (year < 1900) | (year > 2100) | (year % 1 != 0)
    if bad.any():
        i = df.index[bad][0]
        raise UserInputError(
            f"{path}: row {i + 2}, column year: {df.at[i, 'year']!r} is not a year (expected "
            "e.g. 2019)"
        )
    out = pd.DataFrame(
        {
            "authority": df["authority"].str.strip(),
            "oc_id": df["council id"].str.strip().str.replace(r"\.0$", "", regex=True)
            if new
            else "",
            "year": year.astype(int),
            "row": df.index + 2,
            "file": str(path),
        }
    )
    total = parse_numbers(df["total"], str(path), "total", rep)
    for g, members in seats_map.items():
        parts = [parse_numbers(df[c], str(path), c, rep).fillna(0.0) for c in members]
        out[g] = sum(parts)
    out["total"] = total
    control = []
    for i, text in zip(df.index, df["majority"], strict=True):
        try:
            control.append(_control(text))
        except KeyError:
            raise UserInputError(
                f"{path}: row {i + 2}, column majority: {text!r} is not a known control code "
                "(expected a party such as Con, Lab, LD, SNP, Plaid, Ind, Other; NOC; "
                "'X plurality'; 'X min'; a coalition 'A/B'; NULL or TBD)"
            ) from None
    out["control"] = control
    blank = out["authority"].eq("")
    if blank.any():
        i = out.index[blank][0]
        raise UserInputError(f"{path}: row {i + 2}, column authority: blank (expected a name)")
    return out


def derive_control_measures(rows: pd.DataFrame) -> pd.DataFrame:
    """Per council and year, the measures of :data:`CONTROL_MEASURES`.

    ``rows``: ``key, year, control`` (group or 'noc', None unknown), ``total`` and the
    seats of :data:`GROUPS`. Each year's values use that council's rows up to the year.

    Example
    -------
    >>> r = pd.DataFrame({"key": "A", "year": [2015, 2016, 2017], "total": 10.0,
    ...     "control": ["con", "noc", "noc"], "con": [6.0, 5.0, 5.0], "lab": [4.0, 5.0, 5.0],
    ...     "ld": 0.0, "nat": 0.0, "other": 0.0})
    >>> d = derive_control_measures(r)
    >>> d["political_control_changes_2y"].tolist(), d["political_seat_churn_pct"].tolist()[1:]
    ([0.0, 1.0, 1.0], [10.0, 0.0])
    """
    rows = rows.sort_values(["key", "year"], kind="stable").reset_index(drop=True)
    out = []
    for _, g in rows.groupby("key", sort=False):
        years = g["year"].to_numpy()
        ctrl = g["control"].tolist()
        seats = g[list(GROUPS)].to_numpy(dtype=float)
        total = g["total"].to_numpy(dtype=float)
        change_years: list[int] = []
        last_known: str | None = None
        first = int(years[0])
        for j, y in enumerate(years):
            c = ctrl[j]
            if c is not None and last_known is not None and c != last_known:
                change_years.append(int(y))
            if c is not None:
                last_known = c
            rec = {"key": g["key"].iloc[0], "year": int(y)}
            rec["political_no_overall_control"] = np.nan if c is None else float(c == "noc")
            for n in WINDOWS:
                rec[f"political_control_changes_{n}y"] = float(
                    sum(1 for cy in change_years if y - n < cy <= y)
                )
            top = np.nanmax(seats[j]) if total[j] == total[j] else np.nan
            if c not in (None, "noc"):
                top = seats[j][GROUPS.index(c)]
            rec["political_majority_seats"] = float(top - (total[j] - top))
            churn = np.nan
            if j and years[j - 1] == y - 1 and total[j] > 0:
                churn = 100 * np.abs(seats[j] - seats[j - 1]).sum() / 2 / total[j]
            rec["political_seat_churn_pct"] = churn
            since = (y - change_years[-1]) if change_years else (y - first)
            rec["political_years_since_control_change"] = float(since)
            out.append(rec)
    return pd.DataFrame(out, columns=["key", "year", *CONTROL_MEASURES])


def load_political_control(
    raw_dir: Path, crosswalk: Crosswalk
) -> tuple[pd.DataFrame, SourceReport]:
    """Load council composition tables found under ``raw_dir`` (see the module docstring).

    Returns
    -------
    observations : pandas.DataFrame
    report : SourceReport

    Raises
    ------
    earlywarn.errors.UserInputError
        A missing column, a value that is not a year or a number, an unknown control
        code, or a council name no list knows (file and row named).
    """
    rep = SourceReport("political_control")
    parts = []
    for path, cols in csv_headers(raw_dir):
        if not {"authority", "year", "total", "majority"} <= set(cols):
            continue
        if "plurality" not in cols and "council id" not in cols:
            continue
        parts.append(_read(path, cols, rep))
    if not parts:
        return finish_observations([], rep), rep
    rows = pd.concat(parts, ignore_index=True)
    names, ids = _known_names(raw_dir)
    check = bool(names)
    last_year = rows.groupby("authority")["year"].transform("max")
    codes: list[str | None] = []
    keys: list[str | None] = []
    cache: dict[tuple, str | None] = {}
    for auth, oc, y, ly in zip(
        rows["authority"], rows["oc_id"], rows["year"], last_year, strict=True
    ):
        date = pd.Timestamp(int(y), 5, 31)
        k = (auth, oc, int(y))
        if k not in cache:
            code = None
            gss = ids.get(oc, "") if oc else ""
            if gss:
                code = crosswalk.resolve_gss(gss, date)
            if code is None:
                code = crosswalk.resolve_name(auth, date)
            cache[k] = code
        code = cache[k]
        codes.append(code)
        # history key: the council the name points at in its last year (for the
        # derived measures' look-back), else the code in force
        hk = (auth, oc, "last")
        if hk not in cache:
            gss = ids.get(oc, "") if oc else ""
            end = pd.Timestamp(int(ly), 5, 31)
            cache[hk] = (crosswalk.resolve_gss(gss, end) if gss else None) or (
                crosswalk.resolve_name(auth, end)
            )
        keys.append(code or cache[hk])
    rows["council_code"] = codes
    rows["key"] = keys
    upper = set(crosswalk.councils["council_code"])
    nowhere = rows["key"].isna()
    if nowhere.any():
        unknown = nowhere & ~rows["authority"].map(normalise_name).isin(names)
        unknown &= ~rows["oc_id"].isin(ids)
        if check:
            # names unknown in a checked year: listed as unmatched, so that `data build`
            # stops on them unless the allowance lists them (combined-authority mayors, a
            # council created after the folder's vintage ...)
            late = unknown & (last_year >= FIRST_CHECKED_YEAR)
            for f, g in rows[late].groupby("file", sort=False):
                rep.add_unmatched(g["authority"].tolist(), f, g["row"])
            rep.skip("unknown name in a checked year (see unmatched)", int(late.sum()))
            rep.skip(f"council abolished before {FIRST_CHECKED_YEAR}", int((unknown & ~late).sum()))
        else:
            for f, g in rows[unknown].groupby("file", sort=False):
                rep.add_unmatched(g["authority"].tolist(), f, g["row"])
            rep.skip("unknown council name", int(unknown.sum()))
        rep.skip("not an upper-tier English council", int((nowhere & ~unknown).sum()))
    rows = rows[~nowhere & rows["key"].isin(upper)]
    dup = rows.duplicated(["key", "year"])
    if dup.any():
        rep.skip("a second row for the same council and year", int(dup.sum()))
        rows = rows[~dup]
    derived = derive_control_measures(rows)
    emit = rows.loc[rows["year"] >= FIRST_EMITTED_YEAR, ["key", "year", "council_code"]]
    rep.skip(f"before {FIRST_EMITTED_YEAR} (look-back only)", int(len(rows) - len(emit)))
    n = len(emit)
    emit = emit.dropna()
    rep.skip("before the council existed", int(n - len(emit)))
    long = emit.merge(derived, on=["key", "year"]).melt(
        id_vars=["key", "year", "council_code"],
        value_vars=CONTROL_MEASURES,
        var_name="measure",
        value_name="value",
    )
    long = long[long["value"].notna()]
    years = long["year"].astype(str)
    out = pd.DataFrame(
        {
            "council_code": long["council_code"].to_numpy(),
            "period": pd.to_datetime(years + "-05-31").to_numpy(),
            "measure": long["measure"].to_numpy(),
            "value": long["value"].to_numpy(dtype=float),
            "published": pd.to_datetime(years + "-06-30").to_numpy(),
            "source": "political_control",
        }
    )
    return finish_observations([out], rep), rep

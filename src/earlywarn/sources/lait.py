"""DfE Local Authority Interactive Tool (LAIT) snapshot -> back-filled observations.

LAIT's "big data set" (``bds_long_*.parquet``; found by its columns ``Short Desc``,
``Years``, ``LA Number`` and ``Values``) reprints some 400 DfE measures for the latest ten
or so years. It fills years for which the raw folder holds no first edition: social work
workforce at 30 September 2015 and 2016 (the DfE workforce editions here start at 2017),
the looked-after year 2018 (between the SFR tables, to 2017, and the EES files, from 2019)
and the section 251 children's services outturn 2015-16..2023-24 (the s251 files here stop
at 2013-14).

**Its values are as revised by the snapshot (25 March 2025), not as first published.** So:

- a LAIT value is used only for a ``(council_code, period, measure)`` that no first edition
  in the folder provides (:func:`keep_gaps`, applied by
  :func:`earlywarn.sources.load_raw_tables` against every other loader's rows, before and
  after the rates per child are made); the real-time vintage rule
  (:mod:`earlywarn.sources.vintages`) stays for the DfE editions;
- where no first edition in the folder covers its ``(period, measure)`` at all (a year
  missing from the folder), it is dated by its period's usual first-print date (the same
  lag rules as the DfE loaders: workforce at 30 September Y -> end of February Y+1; looked
  after at 31 March Y -> 31 December Y; children in need and child protection -> 30
  November Y; s251 outturn for the financial year ending 31 March Y -> 31 March Y+1);
- where a first edition of that ``(period, measure)`` *is* in the folder but left the
  council empty (suppressed, late or joint return), the value did not exist at the first
  print: it is dated at the snapshot, :data:`LAIT_SNAPSHOT` (25 March 2025, the LAIT
  commit SOURCES.md names), so that only origins from then on see it;
- it is marked: ``source = "dfe_lait"`` (``"dfe_lait+rate"`` for its rates per child) and
  the observations' ``revised`` column is True (counted in the build report).

Measures read (LAIT code -> measure; :data:`LAIT_MEASURES`): workforce turnover, agency,
vacancy, absence rates, caseload and FTE social workers; the looked-after rate per 10,000
and count, three or more placements; the children-in-need and child-protection rates per
10,000, re-referrals and plans lasting two years or more; and three s251 lines, **gross**
expenditure in £ cash (read as £ million; :mod:`earlywarn.sources.rates` turns them into
£ per child aged 0-17 from the ONS estimate published by then). LAIT's s251 lines are gross
spend, the older s251 files' net spend: they are separate measures
(``s251_*_gross_spend_*``), never one series.

Quirks (SOURCES.md, "dfe_lait/"): values are text, ``-`` = missing; years are labelled
``2015``, ``2015-16 (OT)`` (outturn for the financial year ending March 2016),
``2018 (Revised)``; LA numbers are floats; regions and England (970-990) are skipped.
LAIT keeps a council's number across a reorganisation when DfE does (North Yorkshire 815,
Somerset 933) and lists the old and new councils side by side otherwise (Cumbria 909 and
Cumberland 942, Northamptonshire 928 and 940/941, pre-2019 Dorset 835, Bournemouth 837,
Poole 836): a value is kept only for a council in existence at its period (a successor's
restated years would replace the predecessor's carried history); the rest are counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from earlywarn.errors import UserInputError
from earlywarn.sources._common import SourceReport, find_files, finish_observations, parse_numbers
from earlywarn.sources.crosswalk import Crosswalk
from earlywarn.sources.dfe_specs import _dec31, _end_feb_next, _march, _nov30, _sep30

__all__ = ["LAIT_MEASURES", "LAIT_SNAPSHOT", "LAIT_SOURCE", "keep_gaps", "lait_year", "load_lait"]

LAIT_SOURCE = "dfe_lait"
COLUMNS = ("Short Desc", "Years", "LA Number", "Values")
#: the snapshot's date: LAIT commit 0d8b32e of 2025-03-25 (SOURCES.md, "dfe_lait/"); the
#: publication date of a value filling a cell that a first edition in the folder left empty
LAIT_SNAPSHOT = pd.Timestamp("2025-03-25")


#: kind -> (period of year Y, usual first-print date of year Y): the DfE editions' own date
#: rules (``dfe_specs``), so a back-filled value is dated as its first print would have been
RULES: dict[str, tuple[Callable[[int], pd.Timestamp], Callable[[int], pd.Timestamp]]] = {
    "workforce": (_sep30, _end_feb_next),
    "looked_after": (_march, _dec31),
    "children_in_need": (_march, _nov30),
    "s251": (_march, lambda y: _march(y + 1)),
}

#: LAIT measure code -> (measure, kind, scale to the measure's unit)
LAIT_MEASURES: dict[str, tuple[str, str, float]] = {
    "Work_Force_TO_Rate": ("sw_turnover_pct", "workforce", 1.0),
    "Work_Force_Agecy_Rate": ("sw_agency_pct", "workforce", 1.0),
    "Work_Force_Vac_Rate": ("sw_vacancy_pct", "workforce", 1.0),
    "Work_Force_SWAbsence": ("sw_absence_pct", "workforce", 1.0),
    "Work_Force_AvgNumCase_SW": ("sw_caseload_per_fte", "workforce", 1.0),
    "Work_Force_NoSW": ("sw_fte_count", "workforce", 1.0),
    "LAC": ("cla_rate_per_10k", "looked_after", 1.0),
    "LACnum": ("cla_count", "looked_after", 1.0),
    "LACStable_2016on": ("placement_3plus_pct", "looked_after", 1.0),
    "CIN": ("cin_at31_per_10k", "children_in_need", 1.0),
    "CPP_rate": ("cpp_at31_per_10k", "children_in_need", 1.0),
    "ReReferral": ("rereferral_pct", "children_in_need", 1.0),
    "CPPlans2yrsActive": ("cpp_2y_plus_pct", "children_in_need", 1.0),
    "TotalLACFinance": ("s251_cla_gross_spend_gbp_m", "s251", 1e-6),
    "FamilySupportFinance": ("s251_family_support_gross_spend_gbp_m", "s251", 1e-6),
    "C&YPExpenditure": ("s251_childrens_services_gross_spend_gbp_m", "s251", 1e-6),
}

_YEAR = re.compile(
    r"^(?P<y>\d{4})(?:[-/](?P<e>\d{2}))?(?:\s*\((?P<tag>OT|Revised|Final|prov)\))?$",
    re.IGNORECASE,
)
#: which of two labels of one year wins (a later revision over the first or provisional)
_TAG_RANK = {"prov": 0, "": 1, "ot": 1, "revised": 2, "final": 3}


def lait_year(label: str, where: str) -> tuple[int, int]:
    """``(year the period ends, rank of the label)`` for a LAIT year label.

    >>> lait_year("2015-16 (OT)", "f"), lait_year("2018 (Revised)", "f"), lait_year("2015", "f")
    ((2016, 1), (2018, 2), (2015, 1))
    """
    m = _YEAR.match(str(label).strip())
    start = int(m.group("y")) if m else 0
    if m and m.group("e") and (start + 1) % 100 != int(m.group("e")):
        m = None  # "2013-15": a three-year range, not a financial year
    if m is None:
        raise UserInputError(
            f"{where}, column Years: {label!r} is not a year (expected e.g. 2015, "
            "2015-16 (OT) or 2018 (Revised))"
        )
    year = start + 1 if m.group("e") else start
    return year, _TAG_RANK[(m.group("tag") or "").lower()]


def _alive(crosswalk: Crosswalk) -> Callable[[pd.Timestamp], set[str]]:
    cache: dict[pd.Timestamp, set[str]] = {}

    def alive(date: pd.Timestamp) -> set[str]:
        if date not in cache:
            cache[date] = set(crosswalk.current_on(date)["council_code"])
        return cache[date]

    return alive


def _read(path: Path, crosswalk: Crosswalk, rep: SourceReport) -> pd.DataFrame:
    df = pd.read_parquet(path, columns=list(COLUMNS))
    df = df[df["Short Desc"].isin(list(LAIT_MEASURES))].reset_index(drop=True)
    number = df["LA Number"]
    region = number.isna() | number.ge(970)
    rep.skip("England or region row", int(region.sum()))
    df = df[~region]
    number = number[~region]
    rep.rows_read += len(df)
    where = f"{path}"
    labels = {y: lait_year(y, where) for y in df["Years"].unique()}
    year = df["Years"].map(lambda y: labels[y][0])
    rank = df["Years"].map(lambda y: labels[y][1])
    info = df["Short Desc"].map(LAIT_MEASURES)
    kind = info.str[1]
    period = pd.Series(
        [RULES[k][0](y) for k, y in zip(kind, year, strict=True)], index=df.index, dtype=object
    )
    published = [RULES[k][1](y) for k, y in zip(kind, year, strict=True)]
    value = parse_numbers(df["Values"], where, "Values", rep) * info.str[2]
    alive = _alive(crosswalk)
    codes: list[str | None] = []
    gone = 0
    for n, p in zip(number.astype(int).astype(str), period, strict=True):
        code = crosswalk.resolve_dfe(n, p)
        if code is not None and code not in alive(p):
            code, gone = None, gone + 1  # a successor's restated years: not kept
        codes.append(code)
    out = pd.DataFrame(
        {
            "council_code": codes,
            "period": pd.to_datetime(period.tolist()),
            "measure": info.str[0],
            "value": value,
            "published": pd.to_datetime(published),
            "source": LAIT_SOURCE,
            "_rank": rank,
            "_number": number.astype(int).astype(str),
        },
        index=df.index,
    )
    out = out[out["value"].notna()]
    unknown = out["council_code"].isna()
    never = unknown & out["_number"].map(lambda n: not crosswalk.candidates("dfe", n))
    rep.skip(
        "council not in existence on the period (LAIT lists it beside its successor)",
        int((unknown & ~never).sum()),
    )
    if never.any():
        rep.skip("unknown council (DfE number)", int(never.sum()))
        b = out[never].drop_duplicates("_number")
        rep.add_unmatched(b["_number"].tolist(), path, b.index + 2)
    out = out[~unknown].sort_values("_rank", kind="stable")
    key = ["council_code", "period", "measure"]
    dup = out.duplicated(key, keep="last")
    rep.skip("a second label of the same year (the later revision kept)", int(dup.sum()))
    return out[~dup].drop(columns=["_rank", "_number"])


def load_lait(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load the LAIT measures of :data:`LAIT_MEASURES` (see the module docstring).

    Returns every LAIT value; :func:`keep_gaps` then keeps those no first edition provides.
    """
    rep = SourceReport(LAIT_SOURCE)
    frames = []
    for path in find_files(raw_dir, "*.parquet"):
        try:
            cols = set(pq.read_schema(path).names)
        except (OSError, ValueError):  # not a Parquet file (pyarrow's errors are ValueErrors)
            continue
        if not set(COLUMNS) <= cols:
            continue
        rep.files.append(str(path))
        frames.append(_read(path, crosswalk, rep))
    return finish_observations(frames, rep), rep


def keep_gaps(lait: pd.DataFrame, others: pd.DataFrame, rep: SourceReport) -> pd.DataFrame:
    """The LAIT rows whose ``(council_code, period, measure)`` no other row provides.

    A kept row whose ``(period, measure)`` another row covers (a first edition in the
    folder that left this council empty) is re-dated to :data:`LAIT_SNAPSHOT`: it was not
    published at the first print. Rows of a ``(period, measure)`` nothing covers keep their
    first-print date.

    >>> t = pd.Timestamp("2018-03-31")
    >>> lait = pd.DataFrame({"council_code": ["A", "B", "A"], "period": [t, t, t],
    ...     "measure": ["m", "m", "n"], "published": pd.Timestamp("2018-12-31")})
    >>> out = keep_gaps(lait, lait.iloc[:1], SourceReport("x"))
    >>> out[["council_code", "measure"]].values.tolist(), out["published"].dt.year.tolist()
    ([['B', 'm'], ['A', 'n']], [2025, 2018])
    """
    key = ["council_code", "period", "measure"]
    have = pd.MultiIndex.from_frame(others[key]).unique()
    given = pd.MultiIndex.from_frame(lait[key]).isin(have)
    rep.skip("provided by a first edition in the folder (LAIT value not used)", int(given.sum()))
    kept = lait[~given].copy()
    pair = ["period", "measure"]
    covered = pd.MultiIndex.from_frame(kept[pair]).isin(
        pd.MultiIndex.from_frame(others[pair]).unique()
    )
    kept.loc[covered, "published"] = LAIT_SNAPSHOT
    return kept

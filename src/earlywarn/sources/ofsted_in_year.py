"""Ofsted's in-year table of LA inspections and visits -> ILACS inspection events.

The in-year sheet of Ofsted's *Local authority inspection outcomes* (e.g.
``In_year_inspections_2024_25.csv``) has one row per inspection **or visit** published in
the year: columns ``Local authority area code``, ``Local authority name``,
``Inspection/Visit date`` (start), ``Publication date``, ``Inspection/Visit type`` (``ILACS
Standard Inspection``, ``ILACS Short Inspection``, ``ILACS Focused Visit``, ``LA
Monitoring visit``), ``Overall effectiveness``, the four sub-judgements (blank for visits)
and ``Visit Theme``. Its header resembles the ILACS history's but is not it; the file is
found by its columns.

- ILACS standard and short inspections become ``inspection`` events exactly as the ILACS
  history's (:func:`earlywarn.sources.ofsted.load_ofsted_inspections` keeps the history's
  row when both hold the inspection: same council, same start date; counted);
- focused visits and monitoring visits carry no judgement: they are counted in the report
  (``skipped``), not turned into events, until the earlier in-year sheets (2021-22 ..
  2023-24, in the Ofsted workbooks) are read too - a visit feature that exists only at the
  newest origin would train in one regime and score in another.

Unknown codes are listed as unmatched (the allowance decides); an unknown type, grade or
date stops with one line naming the file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import SourceReport, require_columns
from earlywarn.sources.crosswalk import Crosswalk
from earlywarn.sources.ofsted_grades import SUB_COLUMNS, event_row, parse_date, parse_grade

__all__ = ["IN_YEAR_COLUMNS", "in_year_rows"]

IN_YEAR_COLUMNS = {
    "code": "Local authority area code",
    "name": "Local authority name",
    "start": "Inspection/Visit date",
    "published": "Publication date",
    "type": "Inspection/Visit type",
    "overall": "Overall effectiveness",
}
_VISITS = {"ilacs focused visit": "focused visit", "la monitoring visit": "monitoring visit"}


def in_year_rows(path: Path, df: pd.DataFrame, cw: Crosswalk, rep: SourceReport) -> list[dict]:
    """ILACS inspection events of one in-year table (see the module docstring).

    Returns a list of event dicts in the layout of
    :func:`earlywarn.sources.ofsted.load_ofsted_inspections`.
    """
    require_columns(df, list(IN_YEAR_COLUMNS.values()), str(path))
    rows = []
    for i, r in df.iterrows():
        where = f"{path}: row {i + 2}"
        rep.rows_read += 1
        kind = " ".join(r[IN_YEAR_COLUMNS["type"]].strip().lower().split())
        if kind in _VISITS:
            rep.skip(f"in-year table: {_VISITS[kind]} (no judgement; not an event yet)")
            continue
        if "short" in kind:
            framework = "ILACS short"
        elif "standard" in kind:
            framework = "ILACS standard"
        else:
            raise UserInputError(
                f"{where}, column {IN_YEAR_COLUMNS['type']}: "
                f"{r[IN_YEAR_COLUMNS['type']]!r} is not a known inspection or visit type "
                "(expected ILACS Standard/Short Inspection, ILACS Focused Visit or LA "
                "Monitoring visit)"
            )
        start = parse_date(r[IN_YEAR_COLUMNS["start"]], f"{where}, column Inspection/Visit date")
        pub = parse_date(r[IN_YEAR_COLUMNS["published"]], f"{where}, column Publication date")
        if pd.isna(pub):
            rep.skip("in-year table: no publication date")
            continue
        raw_code = r[IN_YEAR_COLUMNS["code"]].strip()
        code = cw.resolve_gss(raw_code, start if pd.notna(start) else pub)
        if code is None:
            rep.skip("in-year table: unknown council code")
            rep.add_unmatched(f"{raw_code} ({r[IN_YEAR_COLUMNS['name']]})", path, i + 2, raw_code)
            continue
        subs = {
            g: parse_grade(r[c], f"{where}, column {c}")
            for c, g in SUB_COLUMNS.items()
            if c in df.columns
        }
        overall = parse_grade(
            r[IN_YEAR_COLUMNS["overall"]], f"{where}, column Overall effectiveness"
        )
        rows.append(
            event_row(
                code,
                pub,
                framework,
                overall,
                r[IN_YEAR_COLUMNS["name"]],
                "ofsted_in_year",
                inspection_start=start,
                **subs,
            )
        )
    return rows

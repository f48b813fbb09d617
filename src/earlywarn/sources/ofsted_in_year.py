"""Ofsted's in-year tables of LA inspections and visits -> ILACS inspections and dated visits.

The in-year sheet of Ofsted's *Local authority inspection outcomes* (e.g.
``In_year_inspections_2024_25.csv``, and the sheets ``LA_level_in_year_2021-22``,
``LA_level_in_year_2022-23`` and ``Inspections_in_year_2023-24`` of the Ofsted workbooks,
read by :mod:`earlywarn.sources.ofsted_visits`) has one row per inspection **or visit**
published in the year: the council (GSS code in the CSV; **name only** in the workbooks),
the start date, the publication date (the CSV only), the type (``ILACS Standard
Inspection``, ``ILACS Short Inspection``, ``ILACS Focused Visit``, ``LA Monitoring visit``),
the judgements (blank for visits) and the visit's theme. Its header resembles the ILACS
history's but is not it; the table is found by its columns (:func:`in_year_layout`).

Header variants (:data:`IN_YEAR_VARIANTS`, compared case- and space-insensitively; the
first of each list is the 2025 name; order and extra columns do not matter):

- council code: ``Local authority area code``, ``LA code``, ``Local authority code``,
  ``Area code``, ``LA area code`` (optional when a name column is given);
- council name: ``Local authority name``, ``LA name``, ``Local authority``;
- start: ``Inspection/Visit date``, ``Inspection start date``, ``Start date``,
  ``Inspection/Visit start date``, ``Visit date``, ``Inspection or visit date``;
- publication: ``Publication date``, ``Published date``, ``Date published`` (optional:
  without it a visit is dated start + :data:`VISIT_LAG_DAYS`);
- type: ``Inspection/Visit type``, ``Inspection or visit type``, ``Visit type``,
  ``Type of inspection or visit``, ``Inspection type``;
- overall: ``Overall effectiveness``, ``Overall effectiveness judgement`` (needed only for
  the ILACS inspections of a table);
- theme: ``Visit Theme``, ``Theme``, ``Visit focus``.

A table is an in-year table when it has a type column and either a theme column or a
column naming "visit" (the ILACS history has neither). One that is but lacks a needed
column stops with one line naming the file and the accepted names.

- ILACS standard and short inspections become ``inspection`` events exactly as the ILACS
  history's (:func:`earlywarn.sources.ofsted.load_ofsted_inspections` keeps the history's
  row when both hold the inspection: same council, same start date; counted);
- focused visits and monitoring visits become ``ofsted_visit`` events (:func:`visit_row`):
  ``date`` = ``published`` = the letter's publication date, or, where the table gives none,
  the start date + :data:`VISIT_LAG_DAYS` (``published_estimated`` True); ``framework`` =
  ``focused visit`` / ``monitoring visit``; ``inspection_start`` = the visit's first day;
  ``visit_theme`` as published; ``severity`` blank (a visit carries no judgement).

Unknown codes are listed as unmatched (the allowance decides); an unknown type, grade or
date stops with one line naming the file, row and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import SourceReport, ods_sheet_names, read_ods_sheets
from earlywarn.sources.crosswalk import Crosswalk
from earlywarn.sources.ofsted_grades import SUB_COLUMNS, event_row, parse_date, parse_grade

__all__ = [
    "IN_YEAR_COLUMNS",
    "IN_YEAR_VARIANTS",
    "VISIT_FRAMEWORKS",
    "VISIT_LAG_DAYS",
    "in_year_layout",
    "in_year_rows",
    "in_year_sheets",
    "visit_row",
    "workbook_rows",
]

IN_YEAR_VARIANTS: dict[str, tuple[str, ...]] = {
    "code": (
        "Local authority area code",
        "LA code",
        "Local authority code",
        "Area code",
        "LA area code",
    ),
    "name": ("Local authority name", "LA name", "Local authority"),
    "start": (
        "Inspection/Visit date",
        "Inspection start date",
        "Start date",
        "Inspection/Visit start date",
        "Visit date",
        "Inspection or visit date",
    ),
    "published": ("Publication date", "Published date", "Date published"),
    "type": (
        "Inspection/Visit type",
        "Inspection or visit type",
        "Visit type",
        "Type of inspection or visit",
        "Inspection type",
    ),
    "overall": ("Overall effectiveness", "Overall effectiveness judgement"),
    "theme": ("Visit Theme", "Theme", "Visit focus"),
}
#: the 2025 names (kept for callers that name the columns of the newest file)
IN_YEAR_COLUMNS = {k: v[0] for k, v in IN_YEAR_VARIANTS.items()}
#: visit type (lower case, spaces collapsed) -> ``framework`` of the visit event
VISIT_FRAMEWORKS = {
    "ilacs focused visit": "focused visit",
    "focused visit": "focused visit",
    "la monitoring visit": "monitoring visit",
    "monitoring visit": "monitoring visit",
}
#: Days from a visit's first day to its letter's publication, where the table gives no
#: publication date (the workbooks of 2021-22 .. 2023-24). The longest lag of the
#: letter-dated focused and monitoring visits of 2024-25 (median 30, range 29-79; see
#: SOURCES.md; tests/test_sources_drift.py checks it against the file): no origin sees an
#: estimated visit before its letter could have been out (a later date costs a few weeks of
#: recency; an earlier one would be leakage, which the 95th percentile, 59, allowed for
#: about 5% of visits).
VISIT_LAG_DAYS = 79


def _norm(text: object) -> str:
    return " ".join(str(text).strip().lower().split())


def in_year_layout(columns: list[str], where: str) -> dict[str, str] | None:
    """Key (:data:`IN_YEAR_VARIANTS`) -> the table's column, or None for another table.

    Raises :class:`UserInputError` (one line naming ``where``) for an in-year table
    without a start date, a type, or a council name or code column.

    Example
    -------
    >>> in_year_layout(["LA name", "Start date", "Visit type", "Theme", "x"], "f.csv")["name"]
    'LA name'
    >>> in_year_layout(["Local authority area code", "Inspection type"], "f.csv") is None
    True
    """
    by_norm = {_norm(c): str(c) for c in columns}
    found = {
        key: next((by_norm[_norm(v)] for v in names if _norm(v) in by_norm), None)
        for key, names in IN_YEAR_VARIANTS.items()
    }
    visit_col = any("visit" in n for n in by_norm)
    if found["type"] is None or not (found["theme"] or visit_col):
        return None
    need = ["start", "type"] + ([] if found["code"] else ["name"])
    missing = [k for k in need if found[k] is None]
    if missing:
        accepted = "; ".join(" / ".join(IN_YEAR_VARIANTS[k]) for k in missing)
        raise UserInputError(
            f"{where}: row 1 (header): an Ofsted in-year table without a {' or '.join(missing)} "
            f"column (accepted: {accepted}; found {', '.join(map(str, columns[:12]))})"
        )
    return {k: v for k, v in found.items() if v is not None}


#: an in-year sheet of an Ofsted workbook: ``LA_level_in_year_2021-22``,
#: ``Inspections_in_year_2023-24`` (not ``Provider_level_in_year_*``, ``In_Year_Time_series``)
_IN_YEAR_SHEET = re.compile(r"in[ _]?year[ _]?\d{4}[-_ ]\d{2}", re.IGNORECASE)
_HEADER_ROWS = 10  # the header is on row 3 of every edition; look a little further


def in_year_sheets(path: Path) -> list[str]:
    """The in-year sheets of an ODS workbook (by name; none for another workbook).

    Phantom sheets - external-link residue named ``'https://...template.xlsm'#LA_level_in_
    year_2019-20``, with no cells - are left out by their ``'...'#`` names.
    """
    names = ods_sheet_names(path)
    return [
        n
        for n in names
        if _IN_YEAR_SHEET.search(n) and "provider" not in n.lower() and "#" not in n
    ]


def workbook_rows(
    path: Path, sheets: list[str], cw: Crosswalk, rep: SourceReport
) -> tuple[list[dict], list[dict]]:
    """Inspections and visits of the in-year ``sheets`` of one Ofsted ODS workbook.

    A sheet with no cells (the workbooks carry empty phantom sheets) is skipped and
    counted; a sheet without an in-year header in its first rows stops with one line.
    """
    cells = read_ods_sheets(path, set(sheets))
    inspections: list[dict] = []
    visits: list[dict] = []
    for name in sheets:
        rows = cells.get(name) or []
        where = f"{path}#{name}"
        if not rows:
            rep.skip("in-year workbook: empty sheet")
            continue
        layouts = [in_year_layout([c for c in row if c], where) for row in rows[:_HEADER_ROWS]]
        h = next((j for j, lay in enumerate(layouts) if lay is not None), None)
        if h is None:
            raise UserInputError(
                f"{where}: no in-year table header in the first {_HEADER_ROWS} rows (expected "
                f"columns such as {IN_YEAR_COLUMNS['name']}, {IN_YEAR_COLUMNS['start']}, "
                f"{IN_YEAR_COLUMNS['type']} and {IN_YEAR_COLUMNS['theme']})"
            )
        header = [c or f"_blank{j}" for j, c in enumerate(rows[h])]
        body = [(r + [""] * len(header))[: len(header)] for r in rows[h + 1 :]]
        rep.files.append(where)
        frame = pd.DataFrame(body, columns=header)
        ins, vis = in_year_rows(where, frame, cw, rep, layouts[h], h + 1)
        inspections += ins
        visits += vis
    return inspections, visits


def visit_row(code, start, published, framework, theme, la_name, source) -> dict:
    """One ``ofsted_visit`` event (see the module docstring)."""
    estimated = pd.isna(published)
    if estimated:
        published = start + pd.Timedelta(days=VISIT_LAG_DAYS)
    return {
        "council_code": code,
        "date": published,
        "event_type": "ofsted_visit",
        "service": "childrens_services",
        "severity": np.nan,
        "source": source,
        "framework": framework,
        "published": published,
        "inspection_start": start,
        "la_name": la_name,
        "visit_theme": theme or None,
        "published_estimated": bool(estimated),
    }


def in_year_rows(
    where: str,
    df: pd.DataFrame,
    cw: Crosswalk,
    rep: SourceReport,
    layout: dict[str, str],
    header_row: int = 1,
) -> tuple[list[dict], list[dict]]:
    """ILACS inspection events and visit events of one in-year table.

    ``where`` names the file (``file#sheet`` for a workbook); ``header_row`` is the
    spreadsheet row of the header (data rows follow it). Returns ``(inspections, visits)``:
    inspection dicts in the layout of
    :func:`earlywarn.sources.ofsted.load_ofsted_inspections` and visit dicts from
    :func:`visit_row`.
    """
    col = layout
    inspections, visits = [], []
    source = "ofsted_in_year"
    for i, r in enumerate(df.to_dict("records")):
        at = f"{where}: row {i + header_row + 1}"
        kind = _norm(r[col["type"]])
        name = str(r.get(col.get("name", ""), "")).strip()
        raw_code = str(r.get(col.get("code", ""), "")).strip()
        if not kind and not name and not raw_code:
            rep.skip("in-year table: blank row")
            continue
        rep.rows_read += 1
        visit = VISIT_FRAMEWORKS.get(kind)
        if visit is None and "short" in kind:
            framework = "ILACS short"
        elif visit is None and "standard" in kind:
            framework = "ILACS standard"
        elif visit is None:
            raise UserInputError(
                f"{at}, column {col['type']}: {r[col['type']]!r} is not a known inspection or "
                "visit type (expected ILACS Standard/Short Inspection, ILACS Focused Visit or "
                "LA Monitoring visit)"
            )
        start = parse_date(r[col["start"]], f"{at}, column {col['start']}")
        pub = pd.NaT
        if "published" in col:
            pub = parse_date(r[col["published"]], f"{at}, column {col['published']}")
        if visit is None and pd.isna(pub):
            rep.skip(
                "in-year table: ILACS inspection without a publication date (the history has it)"
            )
            continue
        if visit is not None and pd.isna(start) and pd.isna(pub):
            rep.skip("in-year table: visit without a date")
            continue
        when = start if pd.notna(start) else pub
        code = cw.resolve_gss(raw_code, when) if raw_code else cw.resolve_name(name, when)
        if code is None:
            rep.skip("in-year table: unknown council")
            key = raw_code or name
            shown = f"{raw_code} ({name})" if raw_code else name
            rep.add_unmatched(shown, where, i + header_row + 1, key)
            continue
        if visit is not None:
            theme = str(r.get(col.get("theme", ""), "")).strip()
            visits.append(visit_row(code, start, pub, visit, theme, name, source))
            continue
        if "overall" not in col:
            raise UserInputError(
                f"{at}: an ILACS inspection in a table without an overall effectiveness "
                f"column (accepted: {' / '.join(IN_YEAR_VARIANTS['overall'])})"
            )
        subs = {g: parse_grade(r[c], f"{at}, column {c}") for c, g in SUB_COLUMNS.items() if c in r}
        overall = parse_grade(r[col["overall"]], f"{at}, column {col['overall']}")
        inspections.append(
            event_row(code, pub, framework, overall, name, source, inspection_start=start, **subs)
        )
    return inspections, visits

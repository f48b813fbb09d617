"""Ofsted inspections of local authority children's services -> ``events``.

Two publications are read (files are found by their columns, not their names):

- the ILACS inspection history (one row per ILACS standard or short inspection, keyed
  by GSS code; columns ``Local authority area code``, ``Inspection date``,
  ``Publication date``, ``Inspection type``, ``Overall effectiveness`` and the
  sub-judgements), and
- the wide *LA inspections 2009-2023* tables from Ofsted's *Children's social care in
  England* workbook (current and former LAs; one row per LA, one block of columns per
  framework, **names only**), joined to codes through the crosswalk by name as of the
  publication date.

One event per inspection: ``event_type="inspection"``, ``service="childrens_services"``,
``date`` = the **publication date** (the day the judgement became known; the only date
every framework has), ``severity`` = the overall grade on the common 4-point scale.
Extra columns: ``framework``, ``published``, ``inspection_start`` (ILACS history only),
``la_name`` (as published), ``headline`` (True for the frameworks Ofsted's official
statistics count as overall judgements: SLAC, CPI, SIF, SIF re-inspection, ILACS; False
for SLAC re-inspections, CPRI and TLAC), and sub-judgements ``grade_*`` on the same
scale. With ``headline`` rows, the number of inadequate judgements per publication year
equals the counts in SOURCES.md.

Frameworks (``framework`` values)
---------------------------------
``SLAC`` (2009-12, safeguarding and looked-after children: two judgements; severity is
the *safeguarding* overall effectiveness, as in Ofsted's official counts, and both are
kept as ``grade_slac_safeguarding`` and ``grade_slac_lac``),
``SLAC re-inspection safeguarding``, ``SLAC re-inspection LAC``, ``CPI`` (child
protection inspection 2012-13), ``CPRI`` (its re-inspection), ``TLAC`` (targeted LAC),
``SIF`` (single inspection framework 2013-17, with ``grade_lscb``), ``SIF re-inspection``,
``ILACS standard`` and ``ILACS short`` (2018-).

Grade mapping
-------------
``Outstanding`` -> 1; ``Good`` -> 2; ``Requires improvement to be good``,
``Requires improvement``, ``Adequate`` (SLAC's word, printed by Ofsted as "Requires
improvement to be good") and ``Satisfactory`` -> 3; ``Inadequate`` -> 4. Blank and ``-``
(not judged) are missing. Any other text raises :class:`UserInputError`.

ILACS inspections appear in both files; the history file's row wins (it has the GSS
code and start date) and the wide table's copy (same council, an ILACS row published
within 92 days) is dropped and counted; copies whose dates differ by more than 7 days are
counted separately (Nottingham 2022: 2022-09-05 in the history, 2022-11-05 in the table).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import SourceReport, find_files, read_csv_text, require_columns
from earlywarn.sources.crosswalk import Crosswalk
from earlywarn.sources.ofsted_grades import (
    GRADE_WORDS,
    SUB_COLUMNS,
    event_row,
    parse_date,
    parse_grade,
)

__all__ = [
    "GRADE_WORDS",
    "HEADLINE_FRAMEWORKS",
    "load_ofsted_inspections",
    "parse_grade",
]

HEADLINE_FRAMEWORKS = ("SLAC", "CPI", "SIF", "SIF re-inspection", "ILACS standard", "ILACS short")

_HISTORY_COLUMNS = {
    "code": "Local authority area code",
    "name": "Local authority name",
    "start": "Inspection date",
    "published": "Publication date",
    "type": "Inspection type",
    "overall": "Overall effectiveness",
}

# wide table: (framework, publication-date column, overall column or None, {sub: column})
_SIF = "Single Inspection of LA Children's Services (SIF)"
_WIDE_BLOCKS: list[tuple[str, str, str | None, dict[str, str]]] = [
    (
        "SLAC",
        "Safeguarding & Looked After Children (SLAC) Inspection publication date",
        None,
        {
            "grade_slac_safeguarding": "SLAC Safeguarding Overall effectiveness (OE)",
            "grade_slac_lac": "SLAC Looked After Children Overall Effectiveness (OE)",
        },
    ),
    (
        "SLAC re-inspection safeguarding",
        "SLAC re-inspection of Safeguarding publication date",
        "SLAC re-inspection Safeguarding OE",
        {},
    ),
    (
        "SLAC re-inspection LAC",
        "SLAC re-inspection of services for Children Looked After publication date",
        "SLAC re-inspection of services Children Looked After OE",
        {},
    ),
    (
        "CPI",
        "Child Protection Inspections (CPI) publication date",
        "CPI Overall Effectiveness (OE)",
        {},
    ),
    (
        "CPRI",
        "Child Protection Re-Inspection (CPRI) publication date",
        "CPRI Overall Effectiveness (OE)",
        {},
    ),
    (
        "TLAC",
        "Targeted Looked After Children (TLAC) inspection publication date",
        "TLAC Overall Effectiveness (OE)",
        {},
    ),
    (
        "SIF",
        f"{_SIF} First SIF publication date",
        "First SIF Overall Judgement (OE)",
        {
            "grade_help_protection": "First SIF children who need help and protection",
            "grade_children_in_care": "First SIF children looked after and achieving permanence",
            "grade_adoption": "First SIF CLA Sub: Adoption Performance",
            "grade_care_leavers": "First SIF CLA Sub: Experiences and progress of care leavers",
            "grade_leadership": "First SIF leadership, management and governance",
            "grade_lscb": "LSCB Overall Effectiveness",
        },
    ),
    (
        "SIF re-inspection",
        f"{_SIF} SIF Re-inspection publication date",
        "SIF Re-inspection Overall Judgement (OE)",
        {
            "grade_help_protection": "SIF Re-inspection children who need help and protection",
            "grade_children_in_care": (
                "SIF Re-inspection children looked after and achieving permanence"
            ),
            "grade_adoption": "SIF Re-inspection CLA Sub: Adoption Performance",
            "grade_care_leavers": (
                "SIF Re-inspection CLA Sub: Experiences and progress of care leavers"
            ),
            "grade_leadership": "SIF Re-inspection leadership, management and governance",
        },
    ),
]
_ILACS_PREFIXES = ("First ILACS framework", "Second ILACS framework", "ILACS framework")
_ILACS_SUBS = {
    "impact of leaders": "grade_leadership",
    "experiences and progress of children who need help and protection": ("grade_help_protection"),
    "experiences and progress of children in care and care leavers": "grade_children_in_care",
    "experiences and progress of children in care": "grade_children_in_care",
    "experiences and progress of care leavers": "grade_care_leavers",
}
_WIDE_KEY = ["Local authority name", _WIDE_BLOCKS[0][1]]


def _load_history(path: Path, df: pd.DataFrame, cw: Crosswalk, rep: SourceReport) -> list:
    # the two sub-judgements every ILACS edition names alike are required too (the
    # children-in-care and care-leavers columns were one column before 2023)
    require_columns(df, list(_HISTORY_COLUMNS.values()) + list(SUB_COLUMNS)[:2], str(path))
    rows = []
    for i, r in df.iterrows():
        where = f"{path}: row {i + 2}"
        start = parse_date(r[_HISTORY_COLUMNS["start"]], f"{where}, column Inspection date")
        pub = parse_date(r[_HISTORY_COLUMNS["published"]], f"{where}, column Publication date")
        rep.rows_read += 1
        if pd.isna(pub):
            rep.skip("ILACS history: no publication date")
            continue
        raw_code = r[_HISTORY_COLUMNS["code"]].strip()
        code = cw.resolve_gss(raw_code, start if pd.notna(start) else pub)
        if code is None:
            rep.skip("ILACS history: unknown council code")
            shown = f"{raw_code} ({r[_HISTORY_COLUMNS['name']]})"
            rep.add_unmatched(shown, path, i + 2, raw_code)
            continue
        kind = r[_HISTORY_COLUMNS["type"]].strip().lower()
        if "short" in kind:
            framework = "ILACS short"
        elif "standard" in kind:
            framework = "ILACS standard"
        else:
            raise UserInputError(
                f"{where}, column Inspection type: {r[_HISTORY_COLUMNS['type']]!r} is not an "
                "ILACS inspection type (expected ILACS Standard/Short Inspection)"
            )
        subs = {
            g: parse_grade(r[c], f"{where}, column {c}")
            for c, g in SUB_COLUMNS.items()
            if c in df.columns
        }
        rows.append(
            event_row(
                code,
                pub,
                framework,
                parse_grade(
                    r[_HISTORY_COLUMNS["overall"]], f"{where}, column Overall effectiveness"
                ),
                r[_HISTORY_COLUMNS["name"]],
                "ofsted_ilacs_history",
                inspection_start=start,
                **subs,
            )
        )
    return rows


def _ilacs_blocks(columns: list[str]) -> list[tuple[str, str, str, str, dict[str, str]]]:
    blocks = []
    for prefix in _ILACS_PREFIXES:
        date_col = f"{prefix} publication date"
        if date_col not in columns:
            continue
        if prefix == "ILACS framework" and any(
            f"{p} publication date" in columns for p in _ILACS_PREFIXES[:2]
        ):
            continue
        subs = {}
        for c in columns:
            if c.startswith(prefix + " "):
                tail = c[len(prefix) + 1 :].lower()
                if tail in _ILACS_SUBS:
                    subs[_ILACS_SUBS[tail]] = c
        blocks.append(
            (prefix, date_col, f"{prefix} overall effectiveness", f"{prefix} inspection type", subs)
        )
    return blocks


def _load_wide(path: Path, df: pd.DataFrame, cw: Crosswalk, rep: SourceReport) -> list:
    cols = list(df.columns)
    needed = ["Local authority name"] + [b[1] for b in _WIDE_BLOCKS]
    needed += [b[2] for b in _WIDE_BLOCKS if b[2]]
    needed += [c for b in _WIDE_BLOCKS for c in b[3].values()]
    require_columns(df, needed, str(path))
    ilacs = _ilacs_blocks(cols)
    if not ilacs:
        raise UserInputError(
            f"{path}: row 1 (header): no ILACS block found (expected columns such as "
            "'First ILACS framework publication date' or 'ILACS framework publication date')"
        )
    for b in ilacs:
        require_columns(df, [b[1], b[2], b[3]], str(path))
    rows = []
    for i, r in df.iterrows():
        name = r["Local authority name"].strip()
        rep.rows_read += 1
        if not name:
            rep.skip("LA inspections table: blank LA name")
            continue
        specs = [(f, d, o, subs, None) for f, d, o, subs in _WIDE_BLOCKS]
        specs += [("ILACS", d, o, subs, t) for _, d, o, t, subs in ilacs]
        for framework, date_col, oe_col, subs, type_col in specs:
            where = f"{path}: row {i + 2}"
            pub = parse_date(r[date_col], f"{where}, column {date_col}")
            grades = {g: parse_grade(r[c], f"{where}, column {c}") for g, c in subs.items()}
            oe = parse_grade(r[oe_col], f"{where}, column {oe_col}") if oe_col else np.nan
            if framework == "SLAC":
                oe = grades["grade_slac_safeguarding"]
            if pd.isna(pub):
                if not np.isnan(oe):
                    rep.skip(f"LA inspections table: {framework} grade without a date")
                continue
            if type_col is not None:
                kind = r[type_col].strip().lower()
                framework = "ILACS short" if "short" in kind else "ILACS standard"
            code = cw.resolve_name(name, pub)
            if code is None:
                rep.skip("LA inspections table: LA name not matched")
                rep.add_unmatched(name, path, i + 2)
                continue
            rows.append(
                event_row(code, pub, framework, oe, name, "ofsted_la_inspections", **grades)
            )
    return rows


def _visits(visits: list[dict], rep: SourceReport) -> pd.DataFrame:
    """Visit events once each: a visit in two tables (same council, first day and type;
    in-year windows overlap) keeps the row with a letter date."""
    if not visits:
        return pd.DataFrame()
    df = pd.DataFrame(visits).sort_values("published_estimated", kind="stable")
    dup = df.duplicated(["council_code", "inspection_start", "framework"])
    rep.skip("in-year tables: visit in two tables (the letter-dated row kept)", int(dup.sum()))
    return df[~dup]


def _check_late_header(path: Path) -> None:
    """Fail when an Ofsted header turns up below an extra title row."""
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        lines = [fh.readline() for _ in range(5)]
    for i, line in enumerate(lines[1:], start=2):
        if "Local authority area code" in line or (
            "Local authority name" in line and "SLAC" in line
        ):
            raise UserInputError(
                f"{path}: the header is on row {i}, expected on row 1 (an extra header or "
                "title row?); expected the Ofsted LA inspection columns"
            )


def load_ofsted_inspections(
    raw_dir: Path, crosswalk: Crosswalk
) -> tuple[pd.DataFrame, SourceReport]:
    """Load every Ofsted LA inspection file under ``raw_dir`` into one events table.

    Files (``*.csv``) are recognised by their header: the ILACS history by
    ``Local authority area code`` + ``Inspection type``; the wide 2009-2023 tables by
    ``Local authority name`` + the SLAC publication-date column.

    Parameters
    ----------
    raw_dir : pathlib.Path
        Folder searched recursively.
    crosswalk : Crosswalk
        From :func:`earlywarn.sources.crosswalk.build_crosswalk`.

    Returns
    -------
    events : pandas.DataFrame
        Schema event columns plus ``framework, published, inspection_start, la_name`` and
        the ``grade_*`` sub-judgements, sorted by council and date.
    report : SourceReport

    Raises
    ------
    UserInputError
        On a missing column, a header on the wrong row, an unknown grade or a bad date.
    """
    from earlywarn.sources.ofsted_in_year import (
        in_year_layout,
        in_year_rows,
        in_year_sheets,
        workbook_rows,
    )

    rep = SourceReport("ofsted_inspections")
    history, wide, in_year, visits = [], [], [], []
    for path in find_files(raw_dir, "*.csv"):
        head = read_csv_text(path).head(0) if path.stat().st_size else None
        if head is None:
            continue
        cols = set(head.columns)
        layout = in_year_layout([str(c).strip() for c in head.columns], str(path))
        if layout is not None:
            rep.files.append(str(path))
            df = read_csv_text(path)
            df.columns = [str(c).strip() for c in df.columns]
            ins, vis = in_year_rows(str(path), df, crosswalk, rep, layout)
            in_year += ins
            visits += vis
        elif {"Local authority area code", "Inspection type"} <= cols:
            rep.files.append(str(path))
            history += _load_history(path, read_csv_text(path), crosswalk, rep)
        elif {"Local authority name", _WIDE_KEY[1]} & cols == set(_WIDE_KEY) or (
            "Local authority name" in cols and any("SLAC" in c for c in cols)
        ):
            rep.files.append(str(path))
            wide += _load_wide(path, read_csv_text(path), crosswalk, rep)
        else:
            _check_late_header(path)
    for path in find_files(raw_dir, "*.ods"):
        sheets = in_year_sheets(path)
        if sheets:  # the workbooks' ILACS rows are the history's (no dates): counted only
            _, vis = workbook_rows(path, sheets, crosswalk, rep)
            visits += vis
    if not rep.files:
        raise UserInputError(
            f"{raw_dir}: no Ofsted LA inspection file found (expected a CSV with columns "
            "'Local authority area code' and 'Inspection type', or the wide LA inspections "
            "table with 'Local authority name' and SLAC columns)"
        )
    hist = pd.DataFrame(history, columns=list(event_row("", pd.NaT, "", 0, "", "")))
    wid = pd.DataFrame(wide, columns=hist.columns)
    if in_year:  # ILACS inspections also in the history: keep the history's row
        iy = pd.DataFrame(in_year, columns=hist.columns)
        both = pd.MultiIndex.from_frame(iy[["council_code", "inspection_start"]]).isin(
            pd.MultiIndex.from_frame(hist[["council_code", "inspection_start"]])
        )
        rep.skip("in-year table: ILACS inspection also in the ILACS history", int(both.sum()))
        iy = iy[~both].drop_duplicates(["council_code", "inspection_start"])
        hist = pd.concat([f for f in (hist, iy) if len(f)] or [hist], ignore_index=True)
    # ILACS in both: keep the history's row (same council, published within 92 days)
    if len(hist) and len(wid):
        is_ilacs = wid["framework"].str.startswith("ILACS")
        keys = hist.assign(_d=hist["date"]).loc[:, ["council_code", "_d"]]
        m = wid[is_ilacs].reset_index().merge(keys, on="council_code", how="inner")
        gap = (m["date"] - m["_d"]).abs()
        dup = m.loc[gap <= pd.Timedelta(days=92), "index"].unique()
        moved = m.loc[(gap > pd.Timedelta(days=7)) & (gap <= pd.Timedelta(days=92)), "index"]
        rep.skip("LA inspections table: ILACS row also in the ILACS history", len(dup))
        rep.skip("LA inspections table: of those, published dates 8-92 days apart", moved.nunique())
        wid = wid.drop(index=dup)
    frames = [f for f in (hist, wid, _visits(visits, rep)) if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else hist
    out = out.sort_values(["council_code", "date", "framework"], ignore_index=True)
    for c in ["date", "published", "inspection_start"]:
        out[c] = pd.to_datetime(out[c])
    out["severity"] = out["severity"].astype(float)
    out.insert(8, "headline", out["framework"].isin(HEADLINE_FRAMEWORKS))
    if "published_estimated" in out.columns:  # True only for visits dated start + lag
        out["published_estimated"] = out["published_estimated"].eq(True)
    rep.rows_out = len(out)
    return out, rep

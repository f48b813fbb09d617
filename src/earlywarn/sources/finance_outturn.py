"""Revenue Outturn Summary (RS) for every principal council -> finance ``observations``.

Reads the ``RS LA Data YYYY-YY`` (xlsx) or ``RS_LA_Data_YYYY-YY`` (ods) sheet of every
workbook under the raw folder (found by sheet name). The header row is the row within the
first 20 whose first cell is ``E-code``; columns are matched on their printed text. Where
two columns match (RS 2023-24 prints "other earmarked reserves ... (unadjusted)" and
"(adjusted)"), the unadjusted one is taken, as earlier years have no adjustment.

Measures (``£ million``; the year ends 31 March Y, ``period`` = 31 March Y):
``net_revenue_expenditure_gbp_m``, ``total_service_expenditure_gbp_m``,
``childrens_social_care_spend_gbp_m``, ``adult_social_care_spend_gbp_m``,
``council_tax_requirement_gbp_m``, ``mrp_gbp_m`` (provision for repayment of principal),
``external_interest_gbp_m``, ``usable_reserves_gbp_m`` (other earmarked + unallocated,
excluding schools and public health, as CIPFA's index), ``unallocated_reserves_gbp_m``,
``earmarked_reserves_gbp_m``; the "at 1 April" columns give the previous period's
reserves. ``dsg_reserves_gbp_m`` where printed (RS 2023-24). SOURCES.md reads a negative
value as a DSG deficit, but at 31 March 2024 no council prints one (304 councils, minimum
0: deficits are presumably held in the statutory-override adjustment account, outside
this line), so it is not a deficit measure and the finance family does not use it.

Published: the date of the edition (:data:`EDITIONS`, from SOURCES.md: the date printed
on the front page or the release), otherwise 30 November Y (final outturn is published in
the autumn after the year). The 2017-18 "PRENOV" edition and the final one both predate
every financial-failure origin (how editions of one year are kept: "Editions" below).

Rows: authorities whose class is ``O`` (police, fire, GLA, parks, combined authorities)
are skipped and counted; councils are matched by ONS code, else by E-code as of the
period end, over all principal councils (districts included). A row that matches none is
listed as unmatched.

The ``.xls`` (BIFF) editions of 2010-11..2014-15 are read with ``xlrd`` (>= 2 reads only
``.xls``). Their data are split over sheets ``RS LA Data YYYY-YY (1)``, ``(2)``, ``(3)``
with the header row starting ``E-code`` (row 6); the parts are joined on the E-code row
by row. 2010-11..2013-14 print no ONS code: those rows are matched by E-code as of the
period end (the register's ``ecode`` column). Their rows carry ``source`` =
``rs_finance_xls`` (read from issue 24's second pass; the pre-registered finance model
was fitted without them, see :data:`earlywarn.financial.PREREGISTERED_SOURCES`).

Editions: every edition of a year is kept, each value with its own publication date, so
a later restatement reaches only the origins after it (the as-of rule of the features
takes the latest revision known by the origin). An edition's date is the date in its file
name (``27-Nov-2012``) where it prints one, else :data:`EDITIONS`, else 30 November Y.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    OBSERVATION_OUT,
    SourceReport,
    find_files,
    finish_observations,
    parse_numbers,
)
from earlywarn.sources.finance_councils import FinanceCouncils

__all__ = [
    "EDITIONS",
    "RS_FINANCE_COLUMNS",
    "council_of_row",
    "load_rs_finance",
    "read_sheets",
    "workbook_sheets",
]

_SHEET = re.compile(r"^RS[ _]LA[ _]Data[ _](\d{4})-(\d{2})\s*(\((\d)\))?\s*$")
_ID_NAMES = {"e-code", "ons code", "local authority", "class", "region", "nan", ""}
_NAME_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
#: (financial year end, words in the file name) -> publication date of that edition.
EDITIONS = {
    (2016, "revision"): "2016-11-30",
    (2017, ""): "2017-11-30",
    (2018, "prenov"): "2018-10-31",
    (2018, ""): "2018-11-15",
    (2024, ""): "2024-12-12",
}
RS_FINANCE_COLUMNS = {
    "ncs?": r"^children social care$",  # 2010-11 prints one "Social care" line
    "asc?": r"^adult social care$",
    "tse": r"^total service expenditure($| \(total)",
    "nre": r"^net revenue expenditure($| ?\(total)",
    "ctr": r"^council tax requirement",
    "mrp": r"^provision for repayment of principal",
    "interest": r"^interest: (external payments|interest payable)",
    "earmarked_1apr": r"other earmarked financial reserves level at 1 april",
    "unallocated_1apr": r"unallocated financial reserves level at 1 april",
    "earmarked_31mar": r"other earmarked financial reserves level at 31 march",
    "unallocated_31mar": r"unallocated financial reserves level at 31 march",
    "dsg_31mar?": r"dedicated schools grant reserves level at 31 march",
}
#: Where the pattern above matches nothing: the text of the 2010-11..2014-15 editions.
_FALLBACK = {"interest": r"^interest payable and similar charges$"}


def read_sheets(path: Path) -> list[str]:
    """Sheet names of a workbook (``[]`` for a file that is not an xlsx/xls/ods workbook)."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        names = list(wb.sheetnames)
        wb.close()
        return names
    if path.suffix == ".xls":
        import xlrd

        book = xlrd.open_workbook(path, on_demand=True)
        names = list(book.sheet_names())
        book.release_resources()
        return names
    if path.suffix == ".ods":
        with zipfile.ZipFile(path) as z, z.open("content.xml") as f:
            text = f.read().decode("utf-8", errors="replace")
        return re.findall(r'<table:table table:name="([^"]*)"', text)
    return []


def _published(path: Path, year: int) -> pd.Timestamp:
    m = _NAME_DATE.search(path.name)
    if m:
        return pd.Timestamp(f"{m.group(1)} {m.group(2)} {m.group(3)}")
    name = path.name.lower()
    for (y, word), day in EDITIONS.items():
        if y == year and word and word in name:
            return pd.Timestamp(day)
    return pd.Timestamp(EDITIONS.get((year, ""), f"{year}-11-30"))


def _columns(header: list[str], where: str, row: int) -> dict[str, int]:
    norm = [_norm(h) for h in header]
    out = {}
    for name in ("e-code", "ons code", "local authority", "class"):
        if name == "ons code" and name not in norm:
            continue  # 2010-11..2013-14 print E-codes only
        if name not in norm:
            raise UserInputError(f"{where}: row {row} (header): missing column {name!r}")
        out["_" + name] = norm.index(name)
    for key, pattern in RS_FINANCE_COLUMNS.items():
        hits = [j for j, h in enumerate(norm) if re.search(pattern, h)]
        if not hits and key in _FALLBACK:
            hits = [j for j, h in enumerate(norm) if re.search(_FALLBACK[key], h)]
        if len(hits) > 1:
            hits = [j for j in hits if "unadjusted" in norm[j]] or hits[:0]
        if not hits and key.endswith("?"):
            continue
        if len(hits) != 1:
            what = "no column" if not hits else f"{len(hits)} columns"
            raise UserInputError(
                f"{where}: row {row} (header): {what} matching {pattern!r} (expected one)"
            )
        out[key.rstrip("?")] = hits[0]
    return out


def _xls_header(raw: pd.DataFrame, h: int) -> list[str]:
    """Header text of an ``.xls`` RS sheet, with its section banner (the row above).

    A reserves block under "Financial reserves levels at 1 April 2010" reads "other
    earmarked financial reserves level at 1 April 2010", as the later workbooks print it;
    a column under any other banner (capital charges, equal pay, the non-IAS19 memoranda,
    which repeat the lines of the main account) is marked ``memo:`` so that no measure
    matches it.
    """
    banner = raw.iloc[h - 1].where(raw.iloc[h - 1].notna()).ffill() if h else None
    out = []
    for j, text in enumerate(raw.iloc[h].tolist()):
        t = "" if pd.isna(text) else str(text)
        b = "" if banner is None or pd.isna(banner.iloc[j]) else str(banner.iloc[j])
        at = re.search(r"levels? (at \d+ \w+ \d{4})", b, flags=re.I)
        if at and "reserves level" in t.lower():
            t = f"{t} {at.group(1)}"
        elif b and t and t.strip().lower() not in _ID_NAMES:
            t = f"memo: {t}"
        out.append(t)
    return out


def _read_xls(path: Path, sheet: str) -> pd.DataFrame:
    """A sheet of an ``.xls`` workbook as text cells (empty cells missing), read with xlrd
    directly (pandas' xlrd engine is deprecated)."""
    import xlrd

    book = xlrd.open_workbook(path, on_demand=True)
    try:
        sh = book.sheet_by_name(sheet)
        rows = [
            [
                None
                if c.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)
                else (f"{c.value:.15g}" if c.ctype == xlrd.XL_CELL_NUMBER else str(c.value))
                for c in sh.row(i)
            ]
            for i in range(sh.nrows)
        ]
    finally:
        book.release_resources()
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)


def _read_part(path: Path, sheet: str) -> tuple[int, list[str], pd.DataFrame]:
    """One sheet's header row (0-based), its header text and its rows below the header."""
    raw = _read_xls(path, sheet) if path.suffix.lower() == ".xls" else None
    if raw is None:
        raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=str)
    head = [i for i in range(min(20, len(raw))) if str(raw.iat[i, 0]).strip() == "E-code"]
    if not head:
        raise UserInputError(
            f"{path}, sheet {sheet!r}: no header row starting with 'E-code' in rows 1-20"
        )
    h = head[0]
    if path.suffix.lower() == ".xls":
        header = _xls_header(raw, h)
    else:
        header = ["" if pd.isna(x) else str(x) for x in raw.iloc[h].tolist()]
    return h, header, raw.iloc[h + 1 :]


def _ecodes(col: pd.Series) -> pd.Series:
    k = col.fillna("").astype(str).str.strip()
    return k.where(k.str.match(r"^E\d{4}$"), "")


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def _joined(path: Path, sheets: list[str]) -> tuple[int, list[str], pd.DataFrame]:
    """The parts of one year's data (``(1)``, ``(2)``, ..) side by side, row by E-code.

    Each part of an ``.xls`` edition is one measure of the same table (net current
    expenditure with the reserves at 1 April; capital charges with the reserves at 31
    March; net total cost). The first part is read whole; a later part adds only the
    columns matching a measure that no earlier column matches (the 31 March reserves).
    A part whose E-codes differ from the first stops with one line.
    """
    h, header, body = _read_part(path, sheets[0])
    keys = _ecodes(body[0])
    body = body[(keys != "").to_numpy()]
    keys = keys[keys != ""]
    have = {
        k for k, pat in RS_FINANCE_COLUMNS.items() if any(re.search(pat, _norm(x)) for x in header)
    }
    parts = [body.set_axis(range(body.shape[1]), axis=1)]
    for sheet in sheets[1:]:
        _, head2, part = _read_part(path, sheet)
        k = _ecodes(part[0])
        if sorted(k[k != ""]) != sorted(keys):
            raise UserInputError(
                f"{path}, sheet {sheet!r}: its E-code rows differ from sheet {sheets[0]!r}"
            )
        take = []
        for key, pat in RS_FINANCE_COLUMNS.items():
            hits = [j for j, x in enumerate(head2) if re.search(pat, _norm(x))]
            if key not in have and len(hits) == 1:
                take.append(hits[0])
                have.add(key)
        if not take:
            continue
        extra = part[(k != "").to_numpy()].iloc[:, take]
        extra = extra.set_axis(range(len(take)), axis=1).set_index(k[k != ""].to_numpy())
        parts.append(extra.reindex(keys.to_numpy()).set_axis(body.index))
        header = header + [head2[j] for j in take]
    return h, header, pd.concat(parts, axis=1).set_axis(range(len(header)), axis=1)


def council_of_row(
    councils: FinanceCouncils, rep: SourceReport, row: dict, period, where: str, line: int
) -> str | None:
    """The council of one row of an MHCLG finance sheet, or ``None`` (skipped and counted).

    ``row`` holds the row's ``e-code``, ``ons code`` (optional), ``local authority`` and
    ``class`` cells. Class ``O`` (police, fire, GLA, parks, combined authorities) is not a
    council; otherwise the ONS code, else the E-code as of ``period`` decides
    (:meth:`FinanceCouncils.resolve_row`), and a row matching none is listed as unmatched
    (``where`` = file#sheet, ``line`` = spreadsheet row) for the allowance to judge.
    """
    if str(row["class"]).strip() == "O":
        rep.skip("not a council (class O)")
        return None
    ecode = str(row["e-code"]).strip()
    gss = row.get("ons code")
    gss = "" if gss is None or pd.isna(gss) else str(gss).strip()
    code = councils.resolve_row(gss, ecode, period)
    if code is None:
        year = pd.Timestamp(period).year
        rep.skip("unknown council code")
        rep.add_unmatched(
            f"{gss}/{ecode} ({str(row['local authority']).strip()}, {year - 1}-{year % 100:02d})",
            where,
            line,
            ecode,
        )
    return code


def workbook_sheets(paths: list[Path], pattern: re.Pattern) -> list[tuple[Path, str, re.Match]]:
    """``(path, sheet, match)`` for every sheet of the workbooks whose name ``pattern`` matches.

    A file that is not a readable workbook stops with one line naming it.
    """
    out = []
    for path in sorted(paths):
        try:
            sheets = read_sheets(path)
        except Exception as exc:  # not a readable workbook: say which file
            raise UserInputError(f"{path}: cannot be read as a workbook ({exc})") from exc
        out += [(path, sh, m) for sh in sheets if (m := pattern.match(sh))]
    return out


def _read_sheet(path, sheets, year, councils, rep, source="rs_finance") -> pd.DataFrame:
    where = f"{path}, sheet {sheets[0]!r}"
    if len(sheets) > 1:
        where += f" (joined with {', '.join(repr(x) for x in sheets[1:])})"
    h0, header, body = _joined(path, sheets)
    cols = _columns(header, where, h0 + 1)
    ids = {k: cols.pop(k) for k in list(cols) if k.startswith("_")}
    rep.rows_read += len(body)
    period, prev = pd.Timestamp(year, 3, 31), pd.Timestamp(year - 1, 3, 31)
    published = _published(path, year)
    vals = {
        k: parse_numbers(body[j], where, header[j].strip(), rep, 1) / 1000 for k, j in cols.items()
    }
    rows = []
    for i in body.index:
        row = {k[1:]: body.at[i, j] for k, j in ids.items()}
        code = council_of_row(councils, rep, row, period, f"{path}#{sheets[0]}", i + 1)
        if code is None:
            continue
        v = {k: vals[k].at[i] for k in cols}
        measures = [
            (period, "net_revenue_expenditure_gbp_m", v["nre"]),
            (period, "total_service_expenditure_gbp_m", v["tse"]),
            (period, "childrens_social_care_spend_gbp_m", v.get("ncs", np.nan)),
            (period, "adult_social_care_spend_gbp_m", v.get("asc", np.nan)),
            (period, "council_tax_requirement_gbp_m", v["ctr"]),
            (period, "mrp_gbp_m", v["mrp"]),
            (period, "external_interest_gbp_m", v["interest"]),
            (period, "usable_reserves_gbp_m", v["earmarked_31mar"] + v["unallocated_31mar"]),
            (period, "unallocated_reserves_gbp_m", v["unallocated_31mar"]),
            (period, "earmarked_reserves_gbp_m", v["earmarked_31mar"]),
            (prev, "usable_reserves_gbp_m", v["earmarked_1apr"] + v["unallocated_1apr"]),
            (prev, "unallocated_reserves_gbp_m", v["unallocated_1apr"]),
            (prev, "earmarked_reserves_gbp_m", v["earmarked_1apr"]),
        ]
        if "dsg_31mar" in v:
            measures.append((period, "dsg_reserves_gbp_m", v["dsg_31mar"]))
        for p, m, x in measures:
            if x == x:
                rows.append((code, p, m, float(x), published, source))
    return pd.DataFrame(rows, columns=OBSERVATION_OUT)


def load_rs_finance(raw_dir: Path, councils: FinanceCouncils) -> tuple[pd.DataFrame, SourceReport]:
    """Reserves, spending and financing from every RS workbook under ``raw_dir``.

    Returns
    -------
    observations : pandas.DataFrame
        ``council_code, period, measure, value, published, source``.
    report : SourceReport
    """
    rep = SourceReport("rs_finance")
    found: dict[tuple[int, Path], list[str]] = {}
    paths = find_files(raw_dir, "*.xlsx") + find_files(raw_dir, "*.ods")
    paths += find_files(raw_dir, "*.xls")
    for path, sheet, m in workbook_sheets(paths, _SHEET):
        found.setdefault((int(m.group(1)) + 1, path), []).append(sheet)
    frames = []
    for (year, path), sheets in sorted(found.items()):
        sheets.sort(key=lambda x: int(_SHEET.match(x).group(4) or 0))
        rep.files.append(
            f"{path}#{sheets[0]}" + (f" (+{len(sheets) - 1})" if len(sheets) > 1 else "")
        )
        source = "rs_finance_xls" if path.suffix.lower() == ".xls" else "rs_finance"
        frames.append(_read_sheet(path, sheets, year, councils, rep, source))
    return finish_observations(frames, rep), rep

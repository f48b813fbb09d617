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
reserves. ``dsg_reserves_gbp_m`` where printed (negative = a DSG deficit).

Published: the date of the edition (:data:`EDITIONS`, from SOURCES.md: the date printed
on the front page or the release), otherwise 30 November Y (final outturn is published in
the autumn after the year). When two workbooks hold the same year, the later edition is
kept and the earlier is counted as superseded; the 2017-18 "PRENOV" edition and the final
one both predate every financial-failure origin.

Rows: authorities whose class is ``O`` (police, fire, GLA, parks, combined authorities)
are skipped and counted; councils are matched by ONS code, else by E-code as of the
period end, over all principal councils (districts included). A row that matches none is
listed as unmatched. The ``.xls`` editions of 2010-11..2014-15 need ``xlrd``, which the
package does not depend on: they are listed in the report as unreadable, so reserves start
in 2014-15 (the 1 April 2015 levels in the 2015-16 workbook).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import OBSERVATION_OUT, SourceReport, find_files, parse_numbers
from earlywarn.sources.finance_councils import FinanceCouncils

__all__ = ["EDITIONS", "RS_FINANCE_COLUMNS", "load_rs_finance", "read_sheets"]

_SHEET = re.compile(r"^RS[ _]LA[ _]Data[ _](\d{4})-(\d{2})\s*$")
#: (financial year end, words in the file name) -> publication date of that edition.
EDITIONS = {
    (2016, "revision"): "2016-11-30",
    (2017, ""): "2017-11-30",
    (2018, "prenov"): "2018-10-31",
    (2018, ""): "2018-11-15",
    (2024, ""): "2024-12-12",
}
RS_FINANCE_COLUMNS = {
    "ncs": r"^children social care$",
    "asc": r"^adult social care$",
    "tse": r"^total service expenditure($| \(total)",
    "nre": r"^net revenue expenditure$",
    "ctr": r"^council tax requirement",
    "mrp": r"^provision for repayment of principal",
    "interest": r"^interest: (external payments|interest payable)",
    "earmarked_1apr": r"other earmarked financial reserves level at 1 april",
    "unallocated_1apr": r"unallocated financial reserves level at 1 april",
    "earmarked_31mar": r"other earmarked financial reserves level at 31 march",
    "unallocated_31mar": r"unallocated financial reserves level at 31 march",
    "dsg_31mar?": r"dedicated schools grant reserves level at 31 march",
}


def read_sheets(path: Path) -> list[str]:
    """Sheet names of a workbook (``[]`` for a file that is not an xlsx/ods workbook)."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        names = list(wb.sheetnames)
        wb.close()
        return names
    if path.suffix == ".ods":
        with zipfile.ZipFile(path) as z, z.open("content.xml") as f:
            text = f.read().decode("utf-8", errors="replace")
        return re.findall(r'<table:table table:name="([^"]*)"', text)
    return []


def _published(path: Path, year: int) -> pd.Timestamp:
    name = path.name.lower()
    for (y, word), day in EDITIONS.items():
        if y == year and word and word in name:
            return pd.Timestamp(day)
    return pd.Timestamp(EDITIONS.get((year, ""), f"{year}-11-30"))


def _columns(header: list[str], where: str, row: int) -> dict[str, int]:
    norm = [re.sub(r"\s+", " ", str(h)).strip().lower() for h in header]
    out = {}
    for name in ("e-code", "ons code", "local authority", "class"):
        if name not in norm:
            raise UserInputError(f"{where}: row {row} (header): missing column {name!r}")
        out["_" + name] = norm.index(name)
    for key, pattern in RS_FINANCE_COLUMNS.items():
        hits = [j for j, h in enumerate(norm) if re.search(pattern, h)]
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


def _read_sheet(path, sheet, year, councils, rep) -> pd.DataFrame:
    where = f"{path}, sheet {sheet!r}"
    raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=str)
    head = [i for i in range(min(20, len(raw))) if str(raw.iat[i, 0]).strip() == "E-code"]
    if not head:
        raise UserInputError(f"{where}: no header row starting with 'E-code' in rows 1-20")
    h = head[0]
    cols = _columns(raw.iloc[h].fillna("").tolist(), where, h + 1)
    ids = {k: cols.pop(k) for k in list(cols) if k.startswith("_")}
    body = raw.iloc[h + 1 :]
    body = body[body[ids["_e-code"]].fillna("").str.strip().str.match(r"^E\d{4}$")]
    rep.rows_read += len(body)
    period, prev = pd.Timestamp(year, 3, 31), pd.Timestamp(year - 1, 3, 31)
    published = _published(path, year)
    vals = {
        k: parse_numbers(body[j], where, str(raw.iat[h, j]).strip(), rep, 1) / 1000
        for k, j in cols.items()
    }
    rows = []
    for i in body.index:
        cls = str(body.at[i, ids["_class"]]).strip()
        if cls == "O":
            rep.skip("not a council (class O)")
            continue
        ecode = str(body.at[i, ids["_e-code"]]).strip()
        gss = str(body.at[i, ids["_ons code"]]).strip()
        code = councils.resolve_gss(gss) if gss.startswith("E") else None
        code = code or councils.resolve_ecode(ecode, period)
        if code is None:
            rep.skip("unknown council code")
            name = str(body.at[i, ids["_local authority"]]).strip()
            rep.add_unmatched(
                f"{gss}/{ecode} ({name}, {year - 1}-{year % 100:02d})",
                f"{path}#{sheet}",
                i + 1,
                ecode,
            )
            continue
        v = {k: vals[k].at[i] for k in cols}
        measures = [
            (period, "net_revenue_expenditure_gbp_m", v["nre"]),
            (period, "total_service_expenditure_gbp_m", v["tse"]),
            (period, "childrens_social_care_spend_gbp_m", v["ncs"]),
            (period, "adult_social_care_spend_gbp_m", v["asc"]),
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
                rows.append((code, p, m, float(x), published, "rs_finance"))
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
    found: dict[int, list[tuple[pd.Timestamp, Path, str]]] = {}
    for path in find_files(raw_dir, "*.xls"):
        if path.name.lower().startswith(("revenue_outturn_summary", "rs_")):
            rep.unreadable.append(f"{path}: .xls needs xlrd (not a dependency)")
    for path in sorted(find_files(raw_dir, "*.xlsx") + find_files(raw_dir, "*.ods")):
        try:
            sheets = read_sheets(path)
        except Exception as exc:  # not a readable workbook: say which file
            raise UserInputError(f"{path}: cannot be read as a workbook ({exc})") from exc
        for sheet in sheets:
            m = _SHEET.match(sheet)
            if m:
                year = int(m.group(1)) + 1
                found.setdefault(year, []).append((_published(path, year), path, sheet))
    frames = [pd.DataFrame(columns=OBSERVATION_OUT)]
    for year, eds in sorted(found.items()):
        eds.sort()
        rep.skip("superseded edition (same year, earlier)", len(eds) - 1)
        _, path, sheet = eds[-1]
        rep.files.append(f"{path}#{sheet}")
        frames.append(_read_sheet(path, sheet, year, councils, rep))
    out = pd.concat(frames, ignore_index=True)
    out["period"] = pd.to_datetime(out["period"])
    out["published"] = pd.to_datetime(out["published"])
    out["value"] = out["value"].astype(float)
    rep.rows_out = len(out)
    return out, rep

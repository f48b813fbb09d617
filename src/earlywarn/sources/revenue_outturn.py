"""MHCLG Revenue Outturn Summary (RS) workbooks -> finance ``observations``.

Reads the ``RS LA Data YYYY-YY`` sheet of each ``*.xlsx`` under the raw folder that has
one (found by sheet name, never by file name, so newer editions load the same way). The
header row is the row whose first cell is ``E-code`` (row 7 in the published layout; a
row within the first 15 rows is accepted, and its number is reported in errors). Columns
are found by their printed text, which changes a little between years (the word
"Estimated" comes and goes), so the match is on the stable part:

=====================================  =========================================  =========
measure                                column(s) (text contains, case-insensitive)  period
=====================================  =========================================  =========
``net_revenue_expenditure_gbp_m``      ``NET REVENUE EXPENDITURE`` (line 805)      31 Mar Y
``net_current_expenditure_gbp_m``      ``NET CURRENT EXPENDITURE``                 31 Mar Y
``childrens_social_care_spend_gbp_m``  ``Children Social Care``                    31 Mar Y
``adult_social_care_spend_gbp_m``      ``Adult Social Care``                       31 Mar Y
``social_care_spend_share_pct``        (children's + adults' social care) / total  31 Mar Y
                                       service expenditure x 100
``usable_reserves_gbp_m``              other earmarked + unallocated financial     31 Mar Y
                                       reserves level at 31 March (lines 915+916)  and Y-1
``unallocated_reserves_gbp_m``         unallocated financial reserves (line 916)   31 Mar Y
                                                                                   and Y-1
=====================================  =========================================  =========

``Y`` is the year the financial year ends (2016 for 2015-16), read from the sheet name.
Values are published in £ thousand and converted to £ million. Usable reserves exclude
schools' and public-health reserves (both ring-fenced), as CIPFA's resilience index does.
The "at 1 April" columns give the level at the end of the previous year (period 31 March
Y-1); where an earlier workbook also gives that level, both rows are kept with their own
publication dates and :func:`earlywarn.panel.asof_observations` uses the latest known.

Publication lag: the final outturn for the year to 31 March Y is published in the autumn
of Y (October-November; the 2017-18 staged edition predates a November revision), so
``published`` = 30 November Y.

Rows: authorities whose class is a district (``SD``) or another body (``O``: police, fire,
GLA, parks, waste) are skipped and counted. Upper-tier rows are resolved by ONS code as of
the period end, then by E-code; those that resolve to no council are skipped, counted and
listed as unmatched. If the ONS code and the E-code resolve to different councils the
loader stops (a wrong join is worse than none). Suppression markers (``...``, ``…``,
``x`` ...) become missing and are counted.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import OBSERVATION_OUT as _EMPTY
from earlywarn.sources._common import SourceReport, check_id_cells, find_files, parse_numbers
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["RS_COLUMNS", "load_revenue_outturn"]

_SHEET = re.compile(r"^RS LA Data (\d{4})-(\d{2})\s*$")
_ID_COLUMNS = ["E-code", "ONS Code", "Local authority", "Class"]
#: measure key -> regular expression matched against the header text.
RS_COLUMNS = {
    "ncs": r"^children social care$",
    "asc": r"^adult social care$",
    "tse": r"^total service expenditure($| \(total)",
    "nce": r"^net current expenditure$",
    "nre": r"^net revenue expenditure$",
    "earmarked_1apr": r"other earmarked financial reserves level at 1 april",
    "unallocated_1apr": r"unallocated financial reserves level at 1 april",
    "earmarked_31mar": r"other earmarked financial reserves level at 31 march",
    "unallocated_31mar": r"unallocated financial reserves level at 31 march",
}
_NOT_UPPER = {"SD": "not an upper-tier council (district)", "O": "not a council (other body)"}


def _find_header(raw: pd.DataFrame, where: str) -> int:
    for i in range(min(15, len(raw))):
        if "E-code" in {str(v).strip() for v in raw.iloc[i, :5]}:
            return i
    raise UserInputError(
        f"{where}: no header row found in rows 1-15 (expected a row starting with "
        f"{', '.join(_ID_COLUMNS)}, on row 7 in the published layout)"
    )


def _columns(header: list[str], where: str, row: int) -> dict[str, int]:
    norm = [re.sub(r"\s+", " ", str(h)).strip().lower() for h in header]
    ids = {}
    for name in _ID_COLUMNS:
        if name.lower() not in norm:
            raise UserInputError(
                f"{where}: row {row} (header): missing column {name!r} (expected "
                f"{', '.join(_ID_COLUMNS)} before the data columns)"
            )
        ids[name] = norm.index(name.lower())
    out = {"_" + k: v for k, v in ids.items()}
    for key, pattern in RS_COLUMNS.items():
        hits = [j for j, h in enumerate(norm) if re.search(pattern, h)]
        if len(hits) != 1:
            what = "no column" if not hits else f"{len(hits)} columns"
            raise UserInputError(
                f"{where}: row {row} (header): {what} matching {pattern!r} (expected one; "
                "a renamed or duplicated column?)"
            )
        out[key] = hits[0]
    return out


def _read_sheet(path: Path, sheet: str, year: int, cw: Crosswalk, rep: SourceReport):
    where = f"{path}, sheet {sheet!r}"
    raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=str)
    h = _find_header(raw, where)
    cols = _columns(raw.iloc[h].fillna("").tolist(), where, h + 1)
    ids = {k: cols.pop(k) for k in list(cols) if k.startswith("_")}
    body = raw.iloc[h + 1 :]
    named = body[body[ids["_Local authority"]].fillna("").str.strip().ne("")]
    for col in ("_E-code", "_ONS Code"):  # a council's row keyed by '..' is not skipped
        check_id_cells(named[ids[col]], where, col[1:])
    body = body[body[ids["_E-code"]].fillna("").str.match(r"^E\d{4}$")]  # data rows
    rep.rows_read += len(body)
    period = pd.Timestamp(year, 3, 31)
    prev = pd.Timestamp(year - 1, 3, 31)
    published = pd.Timestamp(year, 11, 30)
    vals = {}
    for key, j in cols.items():
        # row numbers in errors: spreadsheet rows (index is 0-based over all rows)
        vals[key] = parse_numbers(body[j], where, str(raw.iat[h, j]).strip(), rep, 1) / 1000
    rows = []
    for i in body.index:
        ecode = str(body.at[i, ids["_E-code"]]).strip()
        gss = str(body.at[i, ids["_ONS Code"]]).strip()
        cls = str(body.at[i, ids["_Class"]]).strip()
        name = str(body.at[i, ids["_Local authority"]]).strip()
        if cls in _NOT_UPPER:
            rep.skip(_NOT_UPPER[cls])
            continue
        a = cw.resolve_gss(gss, period) if gss and gss != "nan" else None
        b = cw.resolve_ecode(ecode, period)
        if a and b and a != b:
            raise UserInputError(
                f"{where}: row {i + 1}: ONS Code {gss!r} is {a} but E-code {ecode!r} is {b} "
                f"on {period.date()} (expected both codes to name the same council)"
            )
        code = a or b
        if code is None:
            rep.skip("unknown council code")
            shown = f"{gss}/{ecode} ({name}, {year - 1}-{year % 100:02d})"
            rep.add_unmatched(shown, f"{path}#{sheet}", i + 1, ecode)
            continue
        v = {k: vals[k].at[i] for k in cols}
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (v["ncs"] + v["asc"]) / v["tse"] * 100 if v["tse"] > 0 else np.nan
        measures = [
            (period, "net_revenue_expenditure_gbp_m", v["nre"]),
            (period, "net_current_expenditure_gbp_m", v["nce"]),
            (period, "childrens_social_care_spend_gbp_m", v["ncs"]),
            (period, "adult_social_care_spend_gbp_m", v["asc"]),
            (period, "social_care_spend_share_pct", share),
            (period, "usable_reserves_gbp_m", v["earmarked_31mar"] + v["unallocated_31mar"]),
            (period, "unallocated_reserves_gbp_m", v["unallocated_31mar"]),
            (prev, "usable_reserves_gbp_m", v["earmarked_1apr"] + v["unallocated_1apr"]),
            (prev, "unallocated_reserves_gbp_m", v["unallocated_1apr"]),
        ]
        for p, m, x in measures:
            if x == x:  # drop missing (suppressed) values
                rows.append((code, p, m, float(x), published, "revenue_outturn_rs"))
    return pd.DataFrame(rows, columns=_EMPTY)


def load_revenue_outturn(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load reserves and spending from every RS workbook under ``raw_dir``.

    Parameters
    ----------
    raw_dir : pathlib.Path
        Folder searched recursively for ``*.xlsx`` workbooks with an ``RS LA Data
        YYYY-YY`` sheet; other workbooks are ignored.
    crosswalk : Crosswalk

    Returns
    -------
    observations : pandas.DataFrame
        ``council_code, period, measure, value, published, source`` (see the module
        docstring for the measures).
    report : SourceReport

    Raises
    ------
    earlywarn.errors.UserInputError
        A sheet without the header row, or missing or duplicated columns, naming the file,
        sheet and row.
    """
    from openpyxl import load_workbook

    from earlywarn.sources.allowance import load_allowance

    rep = SourceReport("revenue_outturn")
    frames = [pd.DataFrame(columns=[*_EMPTY, "_where"])]
    unread = load_allowance()
    for path in find_files(raw_dir, "*.xlsx"):
        if unread.is_unread(path):  # listed in the allowance as not read (with its reason)
            continue
        try:
            wb = load_workbook(path, read_only=True)
            sheets = list(wb.sheetnames)
            wb.close()
        except Exception as exc:  # not a readable workbook: say which file
            raise UserInputError(f"{path}: cannot be read as an Excel workbook ({exc})") from exc
        for sheet in sheets:
            m = _SHEET.match(sheet)
            if not m:
                continue
            year = int(m.group(1)) + 1
            if int(m.group(2)) != year % 100:
                raise UserInputError(
                    f"{path}, sheet {sheet!r}: {m.group(1)}-{m.group(2)} is not a financial "
                    "year (expected e.g. 2015-16)"
                )
            rep.files.append(f"{path}#{sheet}")
            sheet_rows = _read_sheet(path, sheet, year, crosswalk, rep)
            frames.append(sheet_rows.assign(_where=f"{path.resolve()}, sheet {sheet!r}"))
    out = pd.concat(frames, ignore_index=True)
    key = ["council_code", "period", "measure", "published"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        twins = out[dup].groupby(key, sort=False)["_where"].agg(list).iloc[0]
        r = out[dup].iloc[0]
        where = " and ".join(dict.fromkeys(twins))  # both files (or one sheet, twice)
        raise UserInputError(
            f"{where}: two rows for council {r['council_code']}, period "
            f"{pd.Timestamp(r['period']).date()}, measure {r['measure']} published "
            f"{pd.Timestamp(r['published']).date()} (two editions of the same year side by "
            "side? keep one)"
        )
    out = out.drop(columns="_where")
    out["period"] = pd.to_datetime(out["period"])
    out["published"] = pd.to_datetime(out["published"])
    out["value"] = out["value"].astype(float)
    rep.rows_out = len(out)
    return out, rep

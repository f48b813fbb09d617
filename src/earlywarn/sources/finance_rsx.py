"""Revenue outturn service summary (RSX) for every principal council -> finance ``observations``.

Reads the ``RSX_LA_Data_YYYY-YY`` sheet of every ``.ods``/``.xlsx`` workbook under the raw
folder (found by sheet name; the 2022-23 and 2023-24 editions are in
``dfe_csc_revenue_outturn/``). The header is the row within the first 20 whose first cell
is ``E-code``; columns are ``"<service> - <measure> (Cn)"`` and are matched on their text.

Measures (``£ million``, net current expenditure, column C7; ``period`` = 31 March Y):
``childrens_social_care_spend_gbp_m``, ``adult_social_care_spend_gbp_m`` and
``total_service_expenditure_gbp_m`` - the same three lines the Revenue Outturn Summary
(:mod:`earlywarn.sources.finance_outturn`) prints, so the finance family's social-care
share (:func:`earlywarn.financial.build_finance_features`) reads them unchanged. RSX has
no reserves, net revenue expenditure or financing lines; the RO3 workbooks beside it
detail the same two social-care totals line by line and add nothing the family uses, so
they are not read.

Published: the date on the ``Front_Page`` ("... which was updated on 14 December 2023"),
the release the workbook belongs to (2022-23: second release, 14 December 2023; 2023-24:
first release, 29 August 2024). A workbook without that line stops with one line naming
it. Suppressed or unreturned cells (``[x]``) are missing and counted.

Rows: class ``O`` bodies are skipped and counted; councils are matched by ONS code, else
by E-code as of the period end (:meth:`FinanceCouncils.resolve_row`); a row matching none
is listed as unmatched (the allowance decides).
"""

from __future__ import annotations

import re
from pathlib import Path

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
from earlywarn.sources.finance_outturn import council_of_row, workbook_sheets

__all__ = ["RSX_COLUMNS", "load_rsx_finance"]

_SHEET = re.compile(r"^RSX[ _]LA[ _]Data[ _](\d{4})-(\d{2})\s*$")
_UPDATED = re.compile(r"updated on (\d{1,2} [A-Za-z]+ \d{4})")
#: measure -> pattern of its header text (lower case, spaces collapsed)
RSX_COLUMNS = {
    "childrens_social_care_spend_gbp_m": r"^children social care ?- ?net current expenditure",
    "adult_social_care_spend_gbp_m": r"^adult social care ?- ?net current expenditure",
    "total_service_expenditure_gbp_m": r"^total service expenditure ?- ?net current expenditure",
}


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", "" if pd.isna(text) else str(text)).strip().lower()


def _published(path: Path) -> pd.Timestamp:
    front = pd.read_excel(path, sheet_name="Front_Page", header=None, dtype=str)
    for cell in front.stack().tolist():
        m = _UPDATED.search(str(cell))
        if m:
            return pd.Timestamp(m.group(1))
    raise UserInputError(
        f"{path}, sheet 'Front_Page': no 'updated on <day month year>' line (expected the "
        "release date the workbook belongs to)"
    )


def _read(path: Path, sheet: str, year: int, councils: FinanceCouncils, rep) -> list[tuple]:
    where = f"{path}, sheet {sheet!r}"
    raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=str)
    head = [i for i in range(min(20, len(raw))) if _norm(raw.iat[i, 0]) == "e-code"]
    if not head:
        raise UserInputError(f"{where}: no header row starting with 'E-code' in rows 1-20")
    h = head[0]
    norm = [_norm(x) for x in raw.iloc[h]]
    ids = {}
    for name in ("e-code", "ons code", "local authority", "class"):
        if name not in norm:
            raise UserInputError(f"{where}: row {h + 1} (header): missing column {name!r}")
        ids[name] = norm.index(name)
    cols = {}
    for measure, pattern in RSX_COLUMNS.items():
        hits = [j for j, x in enumerate(norm) if re.search(pattern, x)]
        if len(hits) != 1:
            raise UserInputError(
                f"{where}: row {h + 1} (header): {len(hits)} columns matching {pattern!r} "
                "(expected one)"
            )
        cols[measure] = hits[0]
    body = raw.iloc[h + 1 :]
    body = body[body[ids["e-code"]].fillna("").str.strip().str.match(r"^E\d{4}$")]
    rep.rows_read += len(body)
    period, published = pd.Timestamp(year, 3, 31), _published(path)
    vals = {m: parse_numbers(body[j], where, raw.iat[h, j], rep, 1) / 1000 for m, j in cols.items()}
    rows = []
    for i in body.index:
        row = {k: body.at[i, j] for k, j in ids.items()}
        code = council_of_row(councils, rep, row, period, f"{path}#{sheet}", i + 1)
        if code is None:
            continue
        for m in cols:
            x = vals[m].at[i]
            if x == x:
                rows.append((code, period, m, float(x), published, "rsx_outturn"))
    return rows


def load_rsx_finance(raw_dir: Path, councils: FinanceCouncils) -> tuple[pd.DataFrame, SourceReport]:
    """Social-care and total service spending from every RSX workbook under ``raw_dir``.

    Returns
    -------
    observations : pandas.DataFrame
        ``council_code, period, measure, value, published, source``.
    report : SourceReport
    """
    rep = SourceReport("rsx_finance")
    rows: list[tuple] = []
    # only the RSX workbooks are opened (listing an .ods workbook's sheets reads it whole)
    paths = find_files(raw_dir, "*.ods") + find_files(raw_dir, "*.xlsx")
    rsx = [p for p in paths if p.name.lower().startswith("rsx")]
    for path, sheet, m in workbook_sheets(rsx, _SHEET):
        rep.files.append(f"{path}#{sheet}")
        rows += _read(path, sheet, int(m.group(1)) + 1, councils, rep)
    return finish_observations([pd.DataFrame(rows, columns=OBSERVATION_OUT)], rep), rep

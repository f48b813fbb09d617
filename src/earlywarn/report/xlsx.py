"""The risk list as a workbook: banner, stamps, a frozen header, band colours and
formula-safe cells."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.report.banner import BAND_COLOURS, CONFIDENTIAL, interval_words, pct


def _sheet_text(v: Any) -> Any:
    """Cell content openpyxl can store as a value (never a formula): illegal controls out."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, str):
        return ILLEGAL_CHARACTERS_RE.sub("", v)
    return v


def _print_setup(ws: Any, run_info: Mapping[str, Any], rows: str = "") -> None:
    """A sheet's printed pages: A4 landscape, fitted to the page width, the banner in
    every page's header and a footer with the cycle, the vintage and the page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25

    def amp(text: str) -> str:  # '&' starts a code in header and footer text
        return str(text).replace("&", "&&")

    ws.oddHeader.center.text = amp(CONFIDENTIAL)
    ws.oddHeader.center.size = 8
    ws.oddHeader.center.color = "8B0000"
    printed = f"; printed: {rows}, the whole list is on screen" if rows else ""
    ws.oddFooter.left.text = amp(
        f"CONFIDENTIAL - earlywarn cycle {run_info.get('cycle', '')}; data as of "
        f"{run_info.get('as_of', '')}{printed}"
    )
    ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = "page &P of &N"
    ws.oddFooter.right.size = 8


def render_risk_list_xlsx(
    risk_list: pd.DataFrame,
    run_info: Mapping[str, Any],
    *,
    signals: pd.DataFrame | None = None,
) -> bytes:
    """The risk list as an XLSX workbook (bytes): a confidentiality sheet, the list, and
    (when given) the per-council signals.

    The list sheet opens with banner rows (confidentiality, what the probability is, data
    vintage and model), then human headers; probabilities are percentages; the header row
    and the rank and council columns are frozen; the header has an autofilter; the sheet
    prints landscape, fitted to the page width, with the header repeated, the banner in
    every page's header and footer, and only the first tier's rows of the printed columns
    (:data:`earlywarn.report._print.PRINT_COLUMNS`, placed first); the risk band
    beside the council's name is coloured. Text cells (and headers) go through
    :func:`earlywarn.io.safe_for_spreadsheet`, and every cell is written as a value: the
    workbook holds no formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from earlywarn.io import safe_for_spreadsheet
    from earlywarn.report._print import PRINT_COLUMNS, print_first
    from earlywarn.report._text import PERCENT_COLUMNS, display_columns, headers

    wb = Workbook()
    info = wb.active
    info.title = "Confidential"
    rows = [
        ("CONFIDENTIAL", CONFIDENTIAL),
        ("cycle", run_info.get("cycle", "")),
        ("data vintage (as of)", run_info.get("as_of", "")),
        ("scored origin", run_info.get("score_origin", "")),
        ("probability", run_info.get("probability_meaning", "")),
        ("base rate", run_info.get("base_rate", "")),
        ("model", run_info.get("model", "")),
        ("model run (MLflow)", run_info.get("model_run_id", "")),
        ("model identity", run_info.get("model_identity", "")),
        ("pseudonymised", str(bool(run_info.get("pseudonymised", False))).lower()),
        ("model uri", run_info.get("model_uri", "")),
        ("git commit", run_info.get("git_commit", "")),
    ]
    meta = safe_for_spreadsheet(pd.DataFrame(rows, columns=["key", "value"]).astype(str))
    for r in meta.itertuples(index=False):
        info.append([_sheet_text(r.key), _sheet_text(r.value)])
    info["A1"].font = Font(bold=True, color="FFFFFF")
    info["A1"].fill = PatternFill("solid", fgColor="8B0000")
    info["B1"].font = Font(bold=True)
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 110

    ws = wb.create_sheet("Risk list", 0)
    cols = print_first(display_columns(risk_list.columns))  # the printed columns first
    safe = safe_for_spreadsheet(risk_list[cols])
    names = headers(run_info)
    banner = [
        CONFIDENTIAL,
        f"Probability = {run_info.get('probability_meaning', '')}; base rate "
        f"{pct(run_info.get('base_rate'))}; intervals: {interval_words(run_info)}.",
        f"Cycle {run_info.get('cycle', '')}; data as of {run_info.get('as_of', '')}; scored "
        f"origin {run_info.get('score_origin', '')}; model {run_info.get('model', '')} "
        f"({run_info.get('model_identity', '')}).",
    ]
    for i, text in enumerate(banner, start=1):
        ws.cell(i, 1, _sheet_text(safe_for_spreadsheet(pd.DataFrame([[text]])).iat[0, 0]))
        ws.cell(i, 1).font = Font(bold=i == 1, color="FFFFFF" if i == 1 else "000000")
        if i == 1:
            for j in range(1, len(cols) + 1):
                ws.cell(i, j).fill = PatternFill("solid", fgColor="8B0000")
    hrow = len(banner) + 1
    head = safe_for_spreadsheet(pd.DataFrame([[names.get(c, c) for c in cols]]))
    for j, v in enumerate(head.iloc[0], start=1):
        cell = ws.cell(hrow, j, _sheet_text(v))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F0F0")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(safe.itertuples(index=False), start=hrow + 1):
        for j, v in enumerate(row, start=1):
            cell = ws.cell(i, j, _sheet_text(v))
            cell.alignment = Alignment(vertical="top")
            if cols[j - 1] in PERCENT_COLUMNS:
                cell.number_format = "0.0%"
    last_row = hrow + len(safe)
    ws.freeze_panes = ws.cell(hrow + 1, 3)  # header rows and rank + council stay in view
    ws.auto_filter.ref = f"A{hrow}:{get_column_letter(len(cols))}{last_row}"
    ws.print_title_rows = f"{hrow}:{hrow}"
    widths = {"risk_band": 30, "context_note": 36}
    for j, col in enumerate(cols, start=1):
        longest = max([len(names.get(col, col)) // 2] + [len(str(v)) for v in safe[col].head(200)])
        cap = widths.get(col, 44)
        ws.column_dimensions[get_column_letter(j)].width = min(cap, max(9, longest + 2))
        if longest > cap:
            for i in range(hrow + 1, last_row + 1):
                ws.cell(i, j).alignment = Alignment(wrap_text=True, vertical="top")
    # wrapped text needs explicit row heights (spreadsheets do not always recompute them)
    caps = [
        float(ws.column_dimensions[get_column_letter(j)].width) for j in range(1, len(cols) + 1)
    ]
    for i, row in enumerate(safe.itertuples(index=False), start=hrow + 1):
        lines = max(
            -(-len(str(v)) // max(1, int(w) - 1)) if isinstance(v, str) else 1
            for v, w in zip(row, caps, strict=True)
        )
        ws.row_dimensions[i].height = 13 * min(max(lines, 1), 12)
    ws.row_dimensions[hrow].height = 42
    # the printed page: the banner, the printed columns, the first tier's rows
    printed = [c for c in cols if c in PRINT_COLUMNS]
    rows_printed = len(safe)
    if "tier" in risk_list.columns:
        rows_printed = int((pd.to_numeric(risk_list["tier"], errors="coerce") <= 1).sum())
    ws.print_area = f"A1:{get_column_letter(max(1, len(printed)))}{hrow + rows_printed}"
    if "risk_score" in safe.columns:
        band_cols = [
            j
            for j, c in enumerate(cols, start=1)
            if c in ("risk_score", "risk_band", "likelihood_band", "impact_band")
        ]
        for i, score in enumerate(safe["risk_score"], start=hrow + 1):
            if score != score or int(score) not in BAND_COLOURS:
                continue
            fill, font = BAND_COLOURS[int(score)]
            for j in band_cols:
                ws.cell(i, j).fill = PatternFill("solid", fgColor=fill)
                ws.cell(i, j).font = Font(color=font)
    if signals is not None:
        sg = wb.create_sheet("Signals")
        sg.append([CONFIDENTIAL])
        sg["A1"].font = Font(bold=True)
        ssafe = safe_for_spreadsheet(signals)
        sg.append([_sheet_text(str(c).replace("_", " ")) for c in ssafe.columns])
        for cell in sg[2]:
            cell.font = Font(bold=True)
        for row in ssafe.itertuples(index=False):
            sg.append([_sheet_text(v) for v in row])
        sg.freeze_panes = "C3"
        sg.auto_filter.ref = f"A2:{get_column_letter(max(1, ssafe.shape[1]))}{len(ssafe) + 2}"
    shown = f"ranks 1-{rows_printed} of {len(safe)}" if rows_printed < len(safe) else ""
    for sheet in wb.worksheets:
        _print_setup(sheet, run_info, shown if sheet is ws else "")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

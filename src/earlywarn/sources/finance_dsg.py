"""Dedicated schools grant (DSG) allocations per upper-tier council -> finance ``observations``.

Reads every sheet named ``dsg_budget_YYYY_MM_DD`` of an ``*dsg*.xlsx`` workbook under the
raw folder with the columns ``la_code`` (DfE 3-digit LA number), ``la_name``,
``Total DSG allocation (£s)`` and ``time_period`` (``202324`` = FY 2023-24): the SEND and
AP dashboard's extract ``dsg_deficits/DSG_by_year_dr.xlsx``, one sheet per March edition
of the ESFA allocations.

Measure ``dsg_allocation_gbp_m`` (£ million), ``period`` = 31 March of the financial
year's end, ``published`` = the date in the sheet name (the edition; FY 2023-24's is
``dsg_budget_2024_03_30``). A sheet without a date in its name (``dsg_budget_20``: a DfE
amalgam whose date is unknown) is skipped and counted, as are rows whose ``la_code`` is
not a 3-digit number (England, regions, classes of authority).
Councils are matched by DfE number as of the period end through the children's-services
crosswalk (upper tier: DSG is paid to upper-tier councils); a number that resolves to none
is listed as unmatched (the allowance decides).

The finance family divides the DSG reserve the Revenue Outturn Summary prints from
2023-24 (``dsg_reserves_gbp_m``, negative = a deficit) by this allocation of the same year
to extend ``dsg_deficit_pct_of_grant`` (derived by DfE only to 2021-22).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    SourceReport,
    find_files,
    finish_observations,
    parse_numbers,
    require_columns,
)
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["load_dsg_allocations"]

_SHEET = re.compile(r"^dsg_budget_(\d{2,4})(?:_(\d{2})_(\d{2}))?$")
_COLUMNS = ["la_code", "la_name", "Total DSG allocation (£s)", "time_period"]


def load_dsg_allocations(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """DSG total allocations of every dated edition under ``raw_dir`` (see the module)."""
    rep = SourceReport("dsg_allocations")
    frames = []
    for path in find_files(raw_dir, "*dsg*.xlsx"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        sheets = [s for s in wb.sheetnames if _SHEET.match(s)]
        wb.close()
        for sheet in sheets:
            m = _SHEET.match(sheet)
            if not m.group(2):
                rep.skip("an edition without a date in its sheet name")
                continue
            published = pd.Timestamp(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
            where = f"{path}, sheet {sheet!r}"
            df = pd.read_excel(path, sheet_name=sheet, dtype=str)
            require_columns(df, _COLUMNS, where)
            rep.files.append(f"{path}#{sheet}")
            la = df["la_code"].fillna("").str.strip()
            council = la.str.fullmatch(r"\d{3}")
            rep.skip("England, regional or class total", int((~council).sum()))
            df = df[council]
            rep.rows_read += len(df)
            tp = df["time_period"].fillna("").str.strip()
            if not tp.str.fullmatch(r"\d{6}").all():
                i = df.index[~tp.str.fullmatch(r"\d{6}")][0]
                raise UserInputError(
                    f"{where}: row {i + 2}, column time_period: {df.at[i, 'time_period']!r} "
                    "(expected e.g. 202324)"
                )
            end = tp.str[:4].astype(int) + 1
            value = parse_numbers(df["Total DSG allocation (£s)"], where, _COLUMNS[2], rep) / 1e6
            codes = []
            for i, num, y in zip(df.index, df["la_code"], end, strict=True):
                code = crosswalk.resolve_dfe(str(num).strip(), pd.Timestamp(int(y), 3, 31))
                if code is None:
                    rep.skip("unknown DfE number")
                    rep.add_unmatched(
                        f"{num} ({df.at[i, 'la_name']})", f"{path}#{sheet}", i + 2, str(num)
                    )
                codes.append(code)
            out = pd.DataFrame(
                {
                    "council_code": codes,
                    "period": pd.to_datetime(end.astype(str) + "-03-31").to_numpy(),
                    "measure": "dsg_allocation_gbp_m",
                    "value": value.to_numpy(),
                    "published": published,
                    "source": "dsg_allocations",
                }
            )
            frames.append(out[out["council_code"].notna() & out["value"].notna()])
    return finish_observations(frames, rep), rep

"""Core spending power per council (MHCLG settlement tables, derived CSV) -> ``observations``.

Reads ``SpendingMillions.csv`` (found by its columns ``ons_code, ons_name, class`` and
four-digit year columns): revenue / core spending power in £ million, column ``Y`` = the
financial year ending 31 March Y (2012 = 2011-12 ... 2021 = 2020-21); ``..`` is missing.
The series breaks in 2017 (core spending power replaced revenue spending power), so the
change feature is not taken across that break by the features module.

Measure ``core_spending_power_gbp_m``, ``period`` = 31 March Y. ``published`` = 1 March
Y-1: the final local government finance settlement for a year is laid in February of
the year before it starts (taken at the month's end, its latest possible date).
Rows are matched by GSS code over all principal councils; fire authorities, the GLA and
combined authorities are skipped and counted; other codes that match no council (e.g.
districts abolished before 2009) are listed as unmatched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.sources._common import (
    OBSERVATION_OUT,
    SourceReport,
    check_has_rows,
    check_id_cells,
    check_one_edition,
    find_files,
    parse_numbers,
    read_csv_text,
)
from earlywarn.sources.finance_councils import FinanceCouncils

__all__ = ["load_core_spending_power"]

_NOT_COUNCIL = ("fire", "gla", "greater london authority", "combined authority", "police")


def load_core_spending_power(
    raw_dir: Path, councils: FinanceCouncils
) -> tuple[pd.DataFrame, SourceReport]:
    """Spending power in £ million by council and year from every matching CSV."""
    rep = SourceReport("core_spending_power")
    rows = []
    found = []
    for path in find_files(raw_dir, "*.csv"):
        try:
            cols = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        years = [c for c in cols if re.fullmatch(r"20\d\d", c)]
        if not ({"ons_code", "ons_name", "class"} <= set(cols) and years):
            continue
        # spending power in £m, not the year-on-year % file of the same layout
        if "percentage" in path.name.lower():
            continue
        found.append((path, years))
    check_one_edition([p for p, _ in found], "core spending power (£ million)")
    for path, years in found:
        df = read_csv_text(path)
        check_has_rows(df, path)
        for col in ("ons_code", "ons_name"):
            check_id_cells(df[col], str(path.resolve()), col, 2)
        rep.files.append(str(path))
        vals = {y: parse_numbers(df[y].replace("..", ""), str(path), y, rep) for y in years}
        for i, r in df.iterrows():
            rep.rows_read += 1
            cls, name = r["class"].strip().lower(), r["ons_name"].strip().lower()
            if any(w in cls or w in name for w in _NOT_COUNCIL):
                rep.skip("not a council")
                continue
            code = councils.resolve_gss(r["ons_code"])
            if code is None:
                rep.skip("unknown council code")
                rep.add_unmatched(f"{r['ons_code']} ({r['ons_name']})", path, i + 2, r["ons_code"])
                continue
            for y in years:
                v = vals[y].at[i]
                if v == v:
                    y_ = int(y)
                    rows.append(
                        (
                            code,
                            pd.Timestamp(y_, 3, 31),
                            "core_spending_power_gbp_m",
                            float(v),
                            pd.Timestamp(y_ - 1, 3, 1),
                            "core_spending_power",
                        )
                    )
    out = pd.DataFrame(rows, columns=OBSERVATION_OUT)
    out["period"] = pd.to_datetime(out["period"])
    out["published"] = pd.to_datetime(out["published"])
    rep.rows_out = len(out)
    return out, rep

"""Capital outturn and estimates (COR / CER): capital financing requirement and borrowing.

Reads every workbook under the raw folder with a sheet named ``Prudential``,
``Financing & Prudential``, ``Capital Financing Requirement`` or ``Borrowing & Lending``
(found by sheet name). The header row is the row within the first 10 with an ``ONS Code``
cell; the code columns are ``Ecode``/``LGF Code``, ``ONS Code`` and ``Class``. Columns are
matched on their text:

==========================  =====================================================
measure (£ million)         column text (case-insensitive)
==========================  =====================================================
``cfr_gbp_m``               ``Capital Financing Requirement as at 31 March YYYY``
``gross_borrowing_gbp_m``   ``Gross borrowing as at 31 March YYYY``
==========================  =====================================================

``period`` = 31 March YYYY, read from the column text. ``published`` (SOURCES.md): the
outturn of 2016-17 on 28 Sep 2017, 2017-18 on 11 Oct 2018, 2018-19 on 26 Sep 2019; the
forecasts (CER) of 2019-20 on 31 Jan 2020 and of 2020-21 on 2 Jul 2020 (:data:`PUBLISHED`);
a year not listed is taken as published on 31 October after its end (outturn). Forecast
rows carry ``source`` ``capital_forecast``. Values are £ thousand in the files. Rows of
class ``O`` (police, fire, GLA, combined authorities) are skipped; councils are matched
by ONS code, else E-code, over all principal councils.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import OBSERVATION_OUT, SourceReport, find_files, parse_numbers
from earlywarn.sources.finance_councils import FinanceCouncils
from earlywarn.sources.finance_outturn import read_sheets

__all__ = ["PUBLISHED", "load_capital_finance"]

_SHEETS = {"prudential", "financing & prudential", "capital financing requirement"}
_SHEETS |= {"borrowing & lending"}
#: period year -> (publication date, forecast?)
PUBLISHED = {
    2017: ("2017-09-28", False),
    2018: ("2018-10-11", False),
    2019: ("2019-09-26", False),
    2020: ("2020-01-31", True),
    2021: ("2020-07-02", True),
}
_MEASURES = {
    "cfr_gbp_m": r"^capital financing requirement as at 31 march (\d{4})",
    "gross_borrowing_gbp_m": r"^gross borrowing as at 31 march (\d{4})",
}


def _read(path: Path, sheet: str, councils: FinanceCouncils, rep: SourceReport) -> list:
    where = f"{path}, sheet {sheet!r}"
    raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=str)
    head = [
        i
        for i in range(min(10, len(raw)))
        if "ons code" in {str(v).strip().lower() for v in raw.iloc[i]}
    ]
    if not head:
        raise UserInputError(f"{where}: no header row with an 'ONS Code' cell in rows 1-10")
    h = head[0]
    norm = [re.sub(r"\s+", " ", str(v)).strip().lower() for v in raw.iloc[h]]
    ecol = next((j for j, v in enumerate(norm) if v in ("ecode", "lgf code", "e-code")), None)
    gcol, ccol = norm.index("ons code"), norm.index("class") if "class" in norm else None
    if ecol is None or ccol is None:
        raise UserInputError(f"{where}: row {h + 1}: missing column Ecode/LGF Code or Class")
    found = {}
    for m, pat in _MEASURES.items():
        hits = [(j, re.search(pat, v)) for j, v in enumerate(norm)]
        hits = [(j, int(x.group(1))) for j, x in hits if x]
        if len(hits) > 1:
            raise UserInputError(f"{where}: row {h + 1}: {len(hits)} columns match {pat!r}")
        if hits:
            found[m] = hits[0]
    body = raw.iloc[h + 1 :]
    body = body[body[ecol].fillna("").str.strip().str.match(r"^E\d{4}$")]
    rows = []
    for m, (j, year) in found.items():
        if year not in PUBLISHED:
            pub, forecast = pd.Timestamp(year, 10, 31), False
        else:
            pub, forecast = pd.Timestamp(PUBLISHED[year][0]), PUBLISHED[year][1]
        vals = parse_numbers(body[j], where, norm[j], rep, 1) / 1000
        period = pd.Timestamp(year, 3, 31)
        for i in body.index:
            rep.rows_read += 1
            if str(body.at[i, ccol]).strip() == "O":
                rep.skip("not a council (class O)")
                continue
            gss, ecode = str(body.at[i, gcol]).strip(), str(body.at[i, ecol]).strip()
            code = councils.resolve_gss(gss) if gss.startswith("E") else None
            code = code or councils.resolve_ecode(ecode, period)
            if code is None:
                rep.skip("unknown council code")
                rep.add_unmatched(f"{gss}/{ecode} ({year})", f"{path}#{sheet}", i + 1, ecode)
                continue
            v = vals.at[i]
            if v == v:
                src = "capital_forecast" if forecast else "capital_outturn"
                rows.append((code, period, m, float(v), pub, src))
    return rows


def load_capital_finance(
    raw_dir: Path, councils: FinanceCouncils
) -> tuple[pd.DataFrame, SourceReport]:
    """CFR and gross borrowing at 31 March from every capital workbook under ``raw_dir``."""
    rep = SourceReport("capital_finance")
    rows: list = []
    for path in sorted(find_files(raw_dir, "*.xlsx")):
        try:
            sheets = read_sheets(path)
        except Exception as exc:  # not a readable workbook: say which file
            raise UserInputError(f"{path}: cannot be read as a workbook ({exc})") from exc
        for sheet in sheets:
            if sheet.strip().lower() in _SHEETS:
                rep.files.append(f"{path}#{sheet}")
                rows += _read(path, sheet, councils, rep)
    out = pd.DataFrame(rows, columns=OBSERVATION_OUT)
    out = out.drop_duplicates(["council_code", "period", "measure", "published"], keep="first")
    out["period"] = pd.to_datetime(out["period"])
    out["published"] = pd.to_datetime(out["published"])
    rep.rows_out = len(out)
    return out, rep

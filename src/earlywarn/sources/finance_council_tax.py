"""Council tax levels (MHCLG CTR tables) -> ``band_d_gbp`` observations for billing authorities.

Reads every workbook under the raw folder with a sheet named ``Data`` or ``Data_Billing``
whose header row (within the first 10 rows) starts with ``Ecode``/``E-code``. The measure
is the average Band D council tax (2 adult equivalent) **excluding local (parish)
precepts**, in £, for the two years each edition prints (previous and current). The
year of each column is the label under the header (``2014-15``) or, in the 2023-24 ODS
layout, ``(previous year)``/``(current year)`` with the year printed in the sheet's title
rows.

``period`` = 31 March at the end of the council-tax year; ``published`` = 31 March at its
start (the statistical release comes out in the last week of March before the year;
SOURCES.md confirms 28 Mar 2018, 27 Mar 2019, 25 Mar 2020, 23 Mar 2023). The previous
year's value printed in a later edition is a revision, published with that edition.

Only the billing-authority section is read (districts, unitaries, metropolitan districts,
London boroughs): rows after the ``Precepting authorities`` marker and rows of
other classes (police, fire, combined authorities, GLA, region totals) are skipped and
counted, so county councils (precepting) have no Band D here. E-codes unknown to the
register are learnt from files that print the ONS code beside them (the 2023-24 table);
rows still unmatched are listed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import OBSERVATION_OUT, SourceReport, find_files, parse_numbers
from earlywarn.sources.finance_councils import FinanceCouncils
from earlywarn.sources.finance_outturn import read_sheets

__all__ = ["load_council_tax"]

_BAND_D = re.compile(r"average \(band d 2 adult equivalent\) council tax.*exclud\w* (local|parish)")
_CLASSES = {"SD", "UA", "MD", "L", "LB", "ILB", "OLB", "SC"}
_YEAR = re.compile(r"(20\d\d)-(\d\d)")


def _norm(v: object) -> str:
    return re.sub(r"\s+", " ", str(v)).strip().lower()


def _read(path: Path, sheet: str, councils: FinanceCouncils, rep: SourceReport) -> list:
    where = f"{path}, sheet {sheet!r}"
    raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=str)
    head = [i for i in range(min(10, len(raw))) if _norm(raw.iat[i, 0]) in ("ecode", "e-code")]
    if not head:
        return []
    h = head[0]
    norm = [_norm(v) for v in raw.iloc[h]]
    if not any(re.match(r"^\d+\. tax base", v) for v in norm):
        return []  # not a CTR table (e.g. a flat RS data sheet)
    cols = [j for j, v in enumerate(norm) if _BAND_D.search(v)]
    if not cols:
        raise UserInputError(f"{where}: row {h + 1}: no Band D column excluding local precepts")
    years = {}
    title = " ".join(_norm(v) for v in raw.iloc[:h, 0])
    for j in (cols[0], cols[0] + 1):  # the previous and current year, side by side
        label = _norm(raw.iat[h + 1, j]) if h + 1 < len(raw) else ""
        m = _YEAR.search(label)
        if m:
            years[j] = int(m.group(1)) + 1
        elif "current year" in norm[j] or "previous year" in norm[j] or norm[j] == norm[cols[0]]:
            t = _YEAR.findall(title)
            if not t:
                raise UserInputError(f"{where}: no financial year in the title rows")
            cur = max(int(y) for y, _ in t) + 1
            years[j] = cur if "current year" in norm[j] else cur - 1
        else:
            raise UserInputError(f"{where}: row {h + 2}: no year under column {j + 1}")
    gcol = norm.index("ons code") if "ons code" in norm else None
    ccol = norm.index("class")
    body = raw.iloc[h + 1 :]
    marker = body[0].astype(str).str.lower().str.contains("precepting authorities", na=False)
    if marker.any():
        body = body.loc[: marker[marker].index[0] - 1]
    body = body[body[0].fillna("").str.strip().str.match(r"^E\d{4}$")]
    if gcol is not None:
        for e, g in zip(body[0], body[gcol], strict=True):
            councils.learn_ecode(str(e).strip(), str(g).strip())
    cur_year = max(years.values())
    published = pd.Timestamp(cur_year - 1, 3, 31)
    rows = []
    vals = {
        j: parse_numbers(body[j].str.replace("(R)", "", regex=False), where, norm[j], rep, 1)
        for j in years
    }
    for i in body.index:
        rep.rows_read += 1
        if str(body.at[i, ccol]).strip() not in _CLASSES:
            rep.skip("not a billing council (other class)")
            continue
        ecode = str(body.at[i, 0]).strip()
        gss = str(body.at[i, gcol]).strip() if gcol is not None else ""
        for j, year in years.items():
            period = pd.Timestamp(year, 3, 31)
            code = councils.resolve_gss(gss) if gss.startswith("E") else None
            code = code or councils.resolve_ecode(ecode, period)
            if code is None:
                rep.skip("unknown council code")
                rep.add_unmatched(
                    f"{ecode} ({body.at[i, 1]}, {year})", f"{path}#{sheet}", i + 1, ecode
                )
                continue
            v = vals[j].at[i]
            if v == v and v > 0:
                rows.append((code, period, "band_d_gbp", float(v), published, "council_tax_ctr"))
    return rows


def load_council_tax(raw_dir: Path, councils: FinanceCouncils) -> tuple[pd.DataFrame, SourceReport]:
    """Band D council tax of billing councils from every CTR table under ``raw_dir``."""
    rep = SourceReport("council_tax")
    found = []
    for path in find_files(raw_dir, "*.xlsx") + find_files(raw_dir, "*.ods"):
        try:
            sheets = read_sheets(path)
        except Exception as exc:  # not a readable workbook: say which file
            raise UserInputError(f"{path}: cannot be read as a workbook ({exc})") from exc
        for sheet in sheets:
            if sheet.strip() in ("Data", "Data_Billing"):
                found.append((path.suffix != ".ods", str(path), sheet))
    rows: list = []
    for _, path, sheet in sorted(found):  # ODS first: it prints ONS codes to learn E-codes
        got = _read(Path(path), sheet, councils, rep)
        if got:
            rep.files.append(f"{path}#{sheet}")
        rows += got
    out = pd.DataFrame(rows, columns=OBSERVATION_OUT)
    out = out.drop_duplicates(["council_code", "period", "measure", "published"], keep="last")
    out["period"] = pd.to_datetime(out["period"])
    out["published"] = pd.to_datetime(out["published"])
    rep.rows_out = len(out)
    return out, rep

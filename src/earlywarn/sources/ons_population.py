"""ONS mid-year population workbooks (``mye22final.xlsx``, ``mye23tablesew.xlsx``) -> children 0-17.

From mid-2022 the DfE dashboard folder holds ONS's own workbooks instead of the derived CSV
(read by :mod:`earlywarn.sources.dfe_csc`, to mid-2021). A workbook is recognised by its
sheet ``MYE2 - Persons`` (single year of age; the header row is the row whose first cell is
``Code``, row 8 in the published layout). For each upper-tier council (codes E06, E08, E09,
E10 that the crosswalk resolves on the period) ``pop_0_17_count`` = the sum of ages 0..17.

- ``period`` = 30 June of the estimate's year, read from the cover sheet's title
  ("Mid-Year Population Estimates, UK, June 2022");
- ``published`` = the date the cover sheet says the tables were originally published
  ("originally published at 9.30am 26 March 2024"). Mid-2022 reached users only in March
  2024, later than the usual lag, so the printed date is used, never a rule.

Rows of districts, regions and the devolved nations are skipped and counted. A workbook
with the sheet but without a title year, a publication date or the age columns stops with
one line naming the file and sheet.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import SourceReport, find_files, parse_numbers
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["SHEET", "load_ons_population"]

SHEET = "MYE2 - Persons"
_TITLE = re.compile(r"Mid-Year Population Estimates,.*?June (\d{4})", re.I)
_PUBLISHED = re.compile(
    r"originally published[^0-9]*(?:\d{1,2}[.:]\d{2}\s*[ap]m\s*(?:on\s+)?)?"
    r"(\d{1,2} [A-Z][a-z]+ \d{4})",
    re.I,
)
_UPPER = ("E06", "E08", "E09", "E10")


def _cover(path: Path, sheets: list[str]) -> tuple[int, pd.Timestamp]:
    cover = pd.read_excel(path, sheet_name=sheets[0], header=None, dtype=str)
    text = " ".join(str(v) for v in cover.to_numpy().ravel() if isinstance(v, str))
    year, pub = _TITLE.search(text), _PUBLISHED.search(text)
    if year is None or pub is None:
        raise UserInputError(
            f"{path}, sheet {sheets[0]!r}: no title year or publication date (expected "
            "'Mid-Year Population Estimates, ... June YYYY' and 'originally published ... "
            "d Month yyyy' on the cover sheet)"
        )
    return int(year.group(1)), pd.Timestamp(pub.group(1))


def load_ons_population(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Children aged 0-17 from every ONS mid-year workbook under ``raw_dir``.

    Returns
    -------
    observations : pandas.DataFrame
        ``council_code, period, measure, value, published, source``.
    report : SourceReport
    """
    from earlywarn.sources.allowance import load_allowance

    rep = SourceReport("ons_population")
    frames = [pd.DataFrame(columns=["council_code", "period", "measure", "value", "published"])]
    unread = load_allowance()
    for path in find_files(raw_dir, "*.xlsx"):
        if unread.is_unread(path):
            continue
        try:
            sheets = list(pd.ExcelFile(path).sheet_names)
        except Exception as exc:
            raise UserInputError(f"{path}: cannot be read as an Excel workbook ({exc})") from exc
        if SHEET not in sheets:
            continue
        where = f"{path}, sheet {SHEET!r}"
        year, published = _cover(path, sheets)
        raw = pd.read_excel(path, sheet_name=SHEET, header=None, dtype=str)
        head = raw.index[raw[0].astype(str).str.strip().eq("Code")]
        if not len(head):
            raise UserInputError(f"{where}: no header row starting with 'Code' (expected row 8)")
        h = int(head[0])
        df = raw.iloc[h + 1 :].copy()
        df.columns = [str(c).strip() for c in raw.iloc[h]]
        ages = [str(a) for a in range(18)]
        missing = [a for a in ["Code", *ages] if a not in df.columns]
        if missing:
            raise UserInputError(
                f"{where}: row {h + 1} (header): missing column(s) {', '.join(missing)}"
            )
        rep.files.append(str(path))
        code = df["Code"].fillna("").str.strip()
        upper = code.str[:3].isin(_UPPER)
        rep.rows_read += len(df)
        rep.skip("not an upper-tier council (district, region, nation)", int((~upper).sum()))
        df, code = df[upper], code[upper]
        total = sum(parse_numbers(df[a], where, a, rep, row_offset=1).fillna(0.0) for a in ages)
        period = pd.Timestamp(year, 6, 30)
        resolved = pd.Series([crosswalk.resolve_gss(c, period) for c in code], index=code.index)
        bad = resolved.isna()
        rep.skip("council code not known on the period", int(bad.sum()))
        rows = df.index[bad]
        rep.add_unmatched(code[bad].tolist(), f"{path}#{SHEET}", [int(r) + 1 for r in rows])
        frames.append(
            pd.DataFrame(
                {
                    "council_code": resolved[~bad],
                    "period": period,
                    "measure": "pop_0_17_count",
                    "value": total[~bad].astype(float),
                    "published": published,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    for c in ("period", "published"):
        out[c] = pd.to_datetime(out[c])
    out["value"] = out["value"].astype(float)
    out["source"] = "ons_mid_year_workbook"
    rep.rows_out = len(out)
    return out, rep

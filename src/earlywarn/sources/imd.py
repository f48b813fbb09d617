"""English Indices of Deprivation 2019, upper-tier summaries -> context ``observations``.

Reads a CSV with the MHCLG upper-tier summary columns (found by columns, not by name):
``Upper Tier Local Authority District code (2019)``, ``... name (2019)``, ``IMD - Average
score`` and ``IMD - Proportion of LSOAs in most deprived 10% nationally`` (header names
carry trailing spaces in the published file; they are stripped).

Measures: ``deprivation_imd_score`` (population-weighted average LSOA score) and
``deprivation_lsoa_decile1_pct`` (share of the council's LSOAs in England's most deprived
tenth, x 100).

Dates: the IMD 2019 was released on 26 September 2019; ``period`` = ``published`` =
that date (its indicators mostly describe 2015-16, but nobody knew the index before its
release, so no origin before it sees it). The release date is read from the edition year
in the code column's name (``(2019)`` -> IoD2019; a later edition needs its date added to
:data:`RELEASE_DATES`, and an unknown edition is an error, not a guess).

Codes are 2019 codes, resolved as of the release date: Bournemouth, Christchurch and Poole
(E06000058) and Dorset (E06000059) resolve; later reorganisations are handled by
:func:`earlywarn.sources.carry.carry_history` (Northamptonshire's 2019 value is
carried to North and West Northamptonshire, flagged).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    SourceReport,
    csv_headers,
    finish_observations,
    parse_numbers,
    read_csv_text,
    require_columns,
)
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["RELEASE_DATES", "load_imd"]

#: IoD edition year -> release date.
RELEASE_DATES = {
    2010: pd.Timestamp("2011-03-24"),
    2015: pd.Timestamp("2015-09-30"),
    2019: pd.Timestamp("2019-09-26"),
}
_CODE = re.compile(r"^Upper Tier Local Authority District code \((\d{4})\)$")
_MEASURES = {
    "IMD - Average score": ("deprivation_imd_score", 1.0),
    "IMD - Proportion of LSOAs in most deprived 10% nationally": (
        "deprivation_lsoa_decile1_pct",
        100.0,
    ),
}


def load_imd(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load IMD upper-tier summaries found under ``raw_dir`` (see the module docstring).

    Returns
    -------
    observations : pandas.DataFrame
    report : SourceReport
    """
    rep = SourceReport("imd")
    frames: list[pd.DataFrame] = []
    for path, cols in csv_headers(raw_dir):
        code_col = next((c for c in cols if _CODE.match(c)), None)
        if code_col is None:
            if any("Upper Tier Local Authority District code" in str(c) for c in cols):
                raise UserInputError(
                    f"{path}: row 1: the code column {code_col!r} does not name its edition "
                    "(expected 'Upper Tier Local Authority District code (2019)')"
                )
            continue
        edition = int(_CODE.match(code_col).group(1))
        if edition not in RELEASE_DATES:
            raise UserInputError(
                f"{path}: row 1, column {code_col!r}: edition {edition} has no known release "
                f"date (expected one of {', '.join(map(str, RELEASE_DATES))})"
            )
        date = RELEASE_DATES[edition]
        df = read_csv_text(path)
        df.columns = cols
        require_columns(df, [code_col, *_MEASURES], str(path))
        rep.files.append(str(path))
        rep.rows_read += len(df)
        codes = df[code_col].str.strip().map(lambda g, d=date: crosswalk.resolve_gss(g, d))
        bad = codes.isna()
        if bad.any():
            rep.skip("unknown council code", int(bad.sum()))
            rep.add_unmatched(df.loc[bad, code_col].str.strip().tolist(), path, df.index[bad] + 2)
        for col, (measure, scale) in _MEASURES.items():
            vals = parse_numbers(df[col], str(path), col, rep) * scale
            frames.append(
                pd.DataFrame(
                    {
                        "council_code": codes,
                        "period": date,
                        "measure": measure,
                        "value": vals,
                        "published": date,
                        "source": f"imd{edition}",
                    }
                )[~bad & vals.notna()]
            )
    return finish_observations(frames, rep), rep

"""DfE section 251 children's services outturn (one CSV per year, 2008-09 on) -> observations.

The published files have no year column and headers that change every year, so a file
is recognised by its columns: a DfE LA number column (``LEA Number:``, ``LEA`` or
``LA``), a line-description column (``S52 Line Reference`` or ``CYPServiceDescription``,
a trailing colon ignored) and a net current expenditure column (``NET Current
Expenditure (m)`` or ``NetCurrentExpenditure``; matched without spaces or case). The
financial year comes from the file name (``outturn_1314.csv`` = 2013-14), the only place
it is printed; a recognised file whose name carries no ``YYZZ`` pair is an error, not a
guess.

Measures (net current expenditure, £ million; period 31 March Y; ``published`` = 31 March
Y+1, as the outturn came out in the winter after the year):

- ``s251_cla_net_spend_gbp_m`` - the "Total Children Looked After" line;
- ``s251_family_support_net_spend_gbp_m`` - the "Total Family Support Services" line.

DfE numbers are resolved as of the period end; unknown numbers are skipped, counted and
listed as unmatched. Text is cp1252 in some years (read as latin-1).
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
)
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["S251_LINES", "load_s251"]

#: line (regular expression on the description, digits stripped) -> measure.
S251_LINES = {
    r"^total children looked after$": "s251_cla_net_spend_gbp_m",
    r"^total family support services$": "s251_family_support_net_spend_gbp_m",
}
_LA = ("LEA Number:", "LEA", "LA")
_LINE = ("s52linereference", "cypservicedescription")  # squashed header names


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def load_s251(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load every s251 outturn file under ``raw_dir`` (see the module docstring)."""
    rep = SourceReport("s251")
    frames: list[pd.DataFrame] = []
    for path, cols in csv_headers(raw_dir, encoding="latin-1"):
        la = next((c for c in _LA if c in cols), None)
        line = next((c for c in cols if _squash(c) in _LINE), None)
        net = next((c for c in cols if _squash(c).startswith("netcurrentexpenditure")), None)
        if line is None or (la is None and net is None):
            continue
        if la is None or net is None:
            missing = "an LA number column" if la is None else "NET Current Expenditure"
            raise UserInputError(f"{path}: row 1 (header): no {missing} column (s251 outturn)")
        m = re.search(r"(\d{2})(\d{2})(?!.*\d)", path.stem)
        if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
            raise UserInputError(
                f"{path}: the file name gives no financial year (expected e.g. outturn_1314.csv)"
            )
        year = 2000 + int(m.group(2))
        period, published = pd.Timestamp(year, 3, 31), pd.Timestamp(year + 1, 3, 31)
        df = read_csv_text(path, encoding="latin-1")
        df.columns = cols
        rep.files.append(str(path))
        rep.rows_read += len(df)
        desc = df[line].str.strip().str.replace(r"^\d+\s*", "", regex=True).str.lower()
        for pattern, measure in S251_LINES.items():
            sub = df[desc.str.match(pattern)]
            vals = parse_numbers(sub[net], str(path), net, rep) / 1e6
            codes = sub[la].map(lambda n, p=period: crosswalk.resolve_dfe(n, p))
            bad = codes.isna()
            if bad.any():
                rep.skip("unknown council (DfE number)", int(bad.sum()))
                b = sub.loc[bad]
                rep.add_unmatched(b[la].str.strip().tolist(), path, b.index + 2)
            out = pd.DataFrame(
                {
                    "council_code": codes,
                    "period": period,
                    "measure": measure,
                    "value": vals,
                    "published": published,
                    "source": "s251_outturn",
                }
            )[~bad & vals.notna()]
            dup = out["council_code"].duplicated()
            if dup.any():
                raise UserInputError(
                    f"{path}: row {out.index[dup][0] + 2}: a second {measure} line for council "
                    f"{out.loc[dup, 'council_code'].iloc[0]} (expected one per LA)"
                )
            frames.append(out)
    return finish_observations(frames, rep), rep

"""DfE statistical neighbours (the April 2021 model) -> ``council_code, neighbour_code``.

Reads a CSV with columns ``LA num``, ``LA Name`` and ``SN1`` .. ``SN10`` (DfE 3-digit LA
numbers; each followed by a closeness column ``SNP``, which pandas renames ``SNP.1`` ...).
Found by its columns. DfE numbers are resolved as of 1 April 2021, the model's date;
councils that ended before it (Northamptonshire, Bournemouth, Poole, the old Dorset)
are listed below the table under "Old SNs:"; those rows are resolved as of 1 April 2018
(:data:`OLD_DATE`, before the 2019 reorganisations). Blank and note rows are skipped and
counted; a number that resolves to no council is skipped, counted and listed as
unmatched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from earlywarn.sources._common import SourceReport, csv_headers, read_csv_text, require_columns
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["MODEL_DATE", "load_statistical_neighbours"]

MODEL_DATE = pd.Timestamp("2021-04-01")
OLD_DATE = pd.Timestamp("2018-04-01")
_SN = [f"SN{i}" for i in range(1, 11)]


def load_statistical_neighbours(
    raw_dir: Path, crosswalk: Crosswalk
) -> tuple[pd.DataFrame, SourceReport]:
    """Load the statistical-neighbour sets found under ``raw_dir``.

    Returns
    -------
    neighbours : pandas.DataFrame
        ``council_code, neighbour_code, rank, closeness`` (rank 1 = closest).
    report : SourceReport
    """
    rep = SourceReport("statistical_neighbours")
    rows = []
    for path, cols in csv_headers(raw_dir):
        if not {"LA num", "SN1", "SN10"} <= set(cols):
            continue
        df = read_csv_text(path)
        df.columns = [str(c).strip() for c in df.columns]
        require_columns(df, ["LA num", "LA Name", *_SN], str(path))
        rep.files.append(str(path))
        rep.rows_read += len(df)
        close = [c for c in df.columns if c.startswith("SNP")]
        old = False  # rows below the "Old SNs:" note are the abolished councils' sets
        for i, r in df.iterrows():
            if not r["LA num"].strip().isdigit():
                old = old or "old" in r["LA Name"].lower()
                rep.skip("blank or note row")
                continue
            date = OLD_DATE if old else MODEL_DATE
            code = crosswalk.resolve_dfe(r["LA num"], date)
            if code is None:
                rep.skip("unknown council (DfE number)")
                rep.add_unmatched(f"{r['LA num']} ({r['LA Name']})", path, i + 2, r["LA num"])
                continue
            for k, sn in enumerate(_SN):
                nb = crosswalk.resolve_dfe(r[sn], date) if r[sn].strip() else None
                if nb is None:
                    rep.skip("unknown neighbour (DfE number)")
                    rep.add_unmatched(str(r[sn]), path, i + 2)
                    continue
                closeness = r[close[k]] if k < len(close) else ""
                rows.append((code, nb, k + 1, closeness))
    out = pd.DataFrame(rows, columns=["council_code", "neighbour_code", "rank", "closeness"])
    out = out.drop_duplicates(["council_code", "neighbour_code"]).reset_index(drop=True)
    rep.rows_out = len(out)
    return out, rep

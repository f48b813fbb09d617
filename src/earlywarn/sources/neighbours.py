"""DfE statistical neighbours -> ``council_code, neighbour_code, rank, closeness``.

Two layouts are read (found by their columns, :func:`sn_layout`; case and spacing of the
names do not matter, extra columns and their order neither):

- the **April 2021 model** (``New_Statistical_Neighbour_Groupings_April_2021.csv``):
  ``LA num``, ``LA Name``, ``SN1`` .. ``SN10`` (DfE 3-digit LA numbers), each followed by
  a closeness column ``SNP`` (which pandas renames ``SNP.1`` ...). Numbers are resolved as
  of 1 April 2021, the model's date; councils that ended before it (Northamptonshire,
  Bournemouth, Poole, the old Dorset) are listed below the table under "Old SNs:"; those
  rows are resolved as of 1 April 2018 (:data:`OLD_DATE`, before the 2019
  reorganisations);
- the **2025 model** (``sn_model_2025_wide.csv`` of DfE's CSC outcomes and enablers
  dashboard, public from June 2025): ``old_la_code``, ``la_name``, ``region_ind``,
  ``region_name``, ``SN_1``, ``SN_1P`` .. ``SN_10``, ``SN_10P`` (closeness words in
  ``SN_kP``; Cumberland 942, Westmorland and Furness 943, North and West
  Northamptonshire 940/941), resolved as of 1 April 2025 (:data:`MODELS`).

LA number column: ``LA num``, ``old_la_code``, ``LA number``, ``la_code``, ``LA code``;
name column: ``LA Name``, ``la_name``, ``LA name``; neighbour k: ``SNk`` or ``SN_k``;
closeness: ``SNP`` (after its neighbour) or ``SN_kP``. A file with neighbour columns
``SN1``/``SN_1`` .. but no LA number or name column, or without all ten neighbours, stops
with one line naming the file. When both models are in the folder, a council's newer set
replaces its older one (counted); the sets are not merged.

Blank and note rows are skipped and counted; a number that resolves to no council is
skipped, counted and listed as unmatched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import SourceReport, csv_headers, read_csv_text
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["MODEL_DATE", "MODELS", "load_statistical_neighbours", "sn_layout"]

MODEL_DATE = pd.Timestamp("2021-04-01")
OLD_DATE = pd.Timestamp("2018-04-01")
#: layout -> the date its DfE numbers are resolved on (the model's own date)
MODELS = {"2021": MODEL_DATE, "2025": pd.Timestamp("2025-04-01")}
_NUMBER_COLUMNS = ("la num", "old_la_code", "la number", "la_code", "la code")
_NAME_COLUMNS = ("la name", "la_name", "local authority name")
_SN = re.compile(r"^sn_?(\d{1,2})$")


def _norm(c: object) -> str:
    return " ".join(str(c).strip().lower().split())


def sn_layout(columns: list[str], where: str) -> dict | None:
    """The columns of a statistical-neighbour table, or None for another table.

    Returns ``{"model", "number", "name", "neighbours": [10 columns], "closeness":
    [10 columns or None]}``; raises :class:`UserInputError` (one line naming ``where``)
    for a table with neighbour columns but no LA number or name column, or fewer than ten.

    Example
    -------
    >>> sn_layout(["old_la_code", "la_name", *[f"SN_{k}" for k in range(1, 11)]], "f")["model"]
    '2025'
    >>> sn_layout(["LA num", "Inspection type"], "f") is None
    True
    """
    cols = [str(c).strip() for c in columns]
    norm = [_norm(c) for c in cols]
    found = {int(m.group(1)): j for j, n in enumerate(norm) if (m := _SN.match(n))}
    if not found:
        return None
    number = next((cols[norm.index(n)] for n in _NUMBER_COLUMNS if n in norm), None)
    name = next((cols[norm.index(n)] for n in _NAME_COLUMNS if n in norm), None)
    missing = [f"SN{k}" for k in range(1, 11) if k not in found]
    if number is None or name is None or missing:
        what = "an LA number column" if number is None else "an LA name column"
        what = f"neighbours {', '.join(missing)}" if missing and number and name else what
        raise UserInputError(
            f"{where}: row 1 (header): a statistical-neighbour table without {what} "
            f"(accepted: LA num / old_la_code / LA number; LA Name / la_name; SN1..SN10 or "
            f"SN_1..SN_10; found {', '.join(cols[:12])})"
        )
    underscore = "_" in norm[found[1]]
    close = []
    for k in range(1, 11):
        j = found[k]
        if underscore:
            want = f"sn_{k}p"
            close.append(cols[norm.index(want)] if want in norm else None)
        else:
            nxt = cols[j + 1] if j + 1 < len(cols) else ""
            close.append(nxt if _norm(nxt).startswith("snp") else None)
    return {
        "model": "2025" if underscore else "2021",
        "number": number,
        "name": name,
        "neighbours": [cols[found[k]] for k in range(1, 11)],
        "closeness": close,
    }


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
        layout = sn_layout(cols, str(path))
        if layout is None:
            continue
        df = read_csv_text(path)
        df.columns = [str(c).strip() for c in df.columns]
        rep.files.append(str(path))
        rep.rows_read += len(df)
        model = layout["model"]
        old = False  # rows below the "Old SNs:" note are the abolished councils' sets
        for i, r in df.iterrows():
            number, name = r[layout["number"]].strip(), r[layout["name"]]
            if not number.isdigit():
                old = old or "old" in name.lower()
                rep.skip("blank or note row")
                continue
            date = OLD_DATE if old else MODELS[model]
            code = crosswalk.resolve_dfe(number, date)
            if code is None:
                rep.skip("unknown council (DfE number)")
                rep.add_unmatched(f"{number} ({name})", path, i + 2, number)
                continue
            for k, sn in enumerate(layout["neighbours"]):
                nb = crosswalk.resolve_dfe(r[sn], date) if r[sn].strip() else None
                if nb is None:
                    rep.skip("unknown neighbour (DfE number)")
                    rep.add_unmatched(str(r[sn]), path, i + 2)
                    continue
                col = layout["closeness"][k]
                closeness = r[col].strip() if col else ""
                rows.append((code, nb, k + 1, closeness, model))
    out = pd.DataFrame(
        rows, columns=["council_code", "neighbour_code", "rank", "closeness", "model"]
    )
    newest = out.groupby("council_code")["model"].transform("max")
    rep.skip("older model's set replaced by the newer model's", int((out["model"] < newest).sum()))
    out = out[out["model"] == newest].drop(columns="model")
    out = out.drop_duplicates(["council_code", "neighbour_code"]).reset_index(drop=True)
    rep.rows_out = len(out)
    return out, rep

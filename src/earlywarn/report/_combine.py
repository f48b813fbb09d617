"""Children's-services and financial risk side by side (``earlywarn combine RUN_A RUN_B``).

Two published lists, one of children's-services failure and one of financial failure
(label kind ``financial_failure``), are read back from their output folders
(:func:`earlywarn.io.read_published_list`). For every council on both lists the combined
table gives each list's rank, tier and risk band, and its first reason; a council on one
list only (a district has no children's-services list) is left out and counted. The CSV
carries the confidentiality banner and goes through :func:`earlywarn.io.spreadsheet_csv`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn import io
from earlywarn.errors import UserInputError

__all__ = ["COMBINED_FILE", "combine_lists", "combine_runs", "list_outcome"]

COMBINED_FILE = "combined.csv"
_SIDE = ("rank", "tier", "risk_band", "reason_1")
_FINANCE = "financial_failure"


def list_outcome(run_info: dict[str, Any]) -> str:
    """``'financial'`` for a list of the label kind ``financial_failure``, else
    ``'childrens'`` (a children's-services list)."""
    events = ((run_info.get("config") or {}).get("labels") or {}).get("events") or []
    return "financial" if _FINANCE in events else "childrens"


def combine_lists(
    childrens: pd.DataFrame, financial: pd.DataFrame, k: tuple[int, int] = (15, 15)
) -> pd.DataFrame:
    """One row per council on both lists: ``council_code, council_name``, then
    ``childrens_<rank, tier, risk_band, reason_1>`` and ``financial_<...>``, and
    ``both_in_top_k`` (in each list's top ``k``); ordered by the children's rank.

    >>> a = pd.DataFrame({"council_code": ["A", "B"], "council_name": ["Ay", "Bee"],
    ...                   "rank": [1, 2], "tier": [1, 1]})
    >>> b = pd.DataFrame({"council_code": ["B", "A", "D"], "council_name": ["Bee", "Ay", "Dee"],
    ...                   "rank": [1, 2, 3], "tier": [1, 1, 1]})
    >>> both = combine_lists(a, b, (2, 1))
    >>> both[["council_code", "financial_rank", "both_in_top_k"]].values.tolist()
    [['A', 2, False], ['B', 1, True]]
    """
    parts = []
    for prefix, frame in (("childrens", childrens), ("financial", financial)):
        cols = [c for c in _SIDE if c in frame.columns]
        side = frame.set_index("council_code")[cols].add_prefix(f"{prefix}_")
        parts.append(side)
    names = childrens.set_index("council_code")["council_name"]
    out = parts[0].join(parts[1], how="inner")
    out.insert(0, "council_name", names.reindex(out.index))
    out["both_in_top_k"] = (out["childrens_rank"] <= k[0]) & (out["financial_rank"] <= k[1])
    out = out.sort_values("childrens_rank", kind="stable")
    return out.reset_index()


def combine_runs(folders: list[Path], out: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Read two cycles' output folders (one of each outcome), write ``combined.csv`` into
    the new folder ``out`` and return it with counts (and ``words``, the line the command
    prints); a user mistake is one line."""
    if len(folders) != 2:
        raise UserInputError(
            f"combine: expected two output folders (a children's-services list and a "
            f"financial list), got {len(folders)}"
        )
    read = {}
    for f in folders:
        frame, run = io.read_published_list(f)
        where = Path(f).expanduser().resolve()
        if run.get("pseudonymised"):
            raise UserInputError(
                f"{where}: a pseudonymised list cannot be matched council by council (rerun "
                "without report.pseudonymise on the secure machine)"
            )
        kind = list_outcome(run)
        if kind in read:
            raise UserInputError(
                f"{where}: both folders hold a {kind} list (expected one children's-services "
                "list and one financial list)"
            )
        k = int(((run.get("config") or {}).get("evaluate") or {}).get("k") or 15)
        read[kind] = (frame, run, k, where)
    (ch, ch_run, ka, _), (fi, fi_run, kb, fi_where) = read["childrens"], read["financial"]
    dates = {kind: (r[1].get("as_of"), r[1].get("score_origin")) for kind, r in read.items()}
    if dates["childrens"] != dates["financial"]:  # two moments side by side: refused
        raise UserInputError(
            f"{fi_where}: the financial list is as of {dates['financial'][0]} (scored origin "
            f"{dates['financial'][1]}), the children's-services list as of "
            f"{dates['childrens'][0]} (scored origin {dates['childrens'][1]}): combine lists "
            "of the same date"
        )
    table = combine_lists(ch, fi, (ka, kb))
    target = Path(out) if out else io.default_out_dir("combine")
    io.check_output_location(target)
    from earlywarn.report import CONFIDENTIAL

    banner = (
        f"# {CONFIDENTIAL}\n# children's services: cycle {ch_run.get('cycle')} as of "
        f"{ch_run.get('as_of')}; financial: cycle {fi_run.get('cycle')} as of "
        f"{fi_run.get('as_of')}\n"
    )
    folder = io.write_output_folder(target, {COMBINED_FILE: banner + io.spreadsheet_csv(table)})
    summary = {
        "both": len(table),
        "childrens_only": int((~ch["council_code"].isin(fi["council_code"])).sum()),
        "financial_only": int((~fi["council_code"].isin(ch["council_code"])).sum()),
        "both_in_top_k": int(table["both_in_top_k"].sum()),
        "k": (ka, kb),
    }
    summary["words"] = (
        f"Wrote {folder} (CONFIDENTIAL: named councils): {summary['both']} councils on both "
        f"lists ({summary['financial_only']} on the financial list only)"
    )
    return folder, summary

"""Who gets the warnings, and how good they are, by subgroup (council type, region,
deprivation quintile): the table of subgroups as of each origin, and their metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from earlywarn.metrics import auroc_ci

__all__ = ["MIN_EVENTS", "auroc_interval", "subgroup_metrics", "subgroup_table"]

MIN_EVENTS = 10  # a subgroup with fewer failures is flagged 'small' (greyed in the report)


def auroc_interval(frame: pd.DataFrame, n_boot: int, seed: int) -> dict[str, float | None]:
    """AUROC of ``frame`` (``y``, ``p``, ``council_code``, optional ``weight``) with a council
    bootstrap interval, as ``{value, lo, hi}`` (None where undefined)."""
    if len(frame) == 0:
        return {"value": None, "lo": None, "hi": None}
    w = frame["weight"].to_numpy(dtype=float) if "weight" in frame else None
    est, lo, hi = auroc_ci(
        frame["y"].to_numpy(dtype=float),
        frame["p"].to_numpy(dtype=float),
        frame["council_code"].to_numpy(),
        n_boot=n_boot,
        seed=seed,
        sample_weight=w,
    )
    return {n: (None if v != v else float(v)) for n, v in (("value", est), ("lo", lo), ("hi", hi))}


def subgroup_metrics(
    pred: pd.DataFrame, groups: pd.DataFrame, k: int, n_boot: int = 100, seed: int = 0
) -> dict[str, list[dict[str, Any]]]:
    """Who gets the warnings, and how good they are, by subgroup.

    The top ``k`` is chosen over all councils at each origin (the published rule); each
    subgroup's share of the flags is compared with its share of the councils and of the
    failures, so a reader sees whether warnings fall unevenly.

    Parameters
    ----------
    pred : DataFrame
        Predictions (``council_code, origin, y, p`` and optional ``weight``).
    groups : DataFrame
        Indexed by ``(council_code, origin)``; one column per grouping (e.g.
        ``council_type``); missing values are left out.
    k : int
        Councils flagged per origin.

    Returns
    -------
    dict
        Grouping -> list of ``{group, n, n_pos, failure_rate, mean_p, share_of_rows,
        share_of_failures, share_of_flags, precision_at_k, recall_at_k, auroc}`` with
        ``auroc`` as ``{value, lo, hi}`` (council bootstrap within the group).
    """
    from earlywarn.metrics import top_k_share_by_origin

    df = pred.reset_index(drop=True)
    ids, _ = pd.factorize(pd.to_datetime(df["origin"]), sort=True)
    df = df.assign(flag=top_k_share_by_origin(ids, df["p"].to_numpy(dtype=float), k))
    key = pd.MultiIndex.from_frame(df[["council_code", "origin"]])
    n_flags, n_pos_all = max(float(df["flag"].sum()), 1.0), max(int(df["y"].sum()), 1)
    out: dict[str, list[dict[str, Any]]] = {}
    for col in groups.columns:
        g = groups[col].reindex(key).astype(object).where(lambda v: v.notna(), None).to_numpy()
        rows = []
        for value in sorted({v for v in g if v is not None}, key=str):
            sub = df[g == value]
            # flags are expected inclusions (ties at the cut share the places)
            n_pos, n_flag = int(sub["y"].sum()), float(sub["flag"].sum())
            hits = float((sub["y"].astype(float) * sub["flag"]).sum())
            rows.append(
                {
                    "group": str(value),
                    "n": len(sub),
                    "n_pos": n_pos,
                    "failure_rate": float(sub["y"].mean()),
                    "mean_p": float(sub["p"].mean()),
                    "share_of_rows": len(sub) / len(df),
                    "share_of_failures": n_pos / n_pos_all,
                    "share_of_flags": n_flag / n_flags,
                    "precision_at_k": hits / n_flag if n_flag else None,
                    "recall_at_k": hits / n_pos if n_pos else None,
                    "auroc": auroc_interval(sub, n_boot, seed),
                    "small": n_pos < MIN_EVENTS,
                }
            )
        out[col] = rows
    return out


def subgroup_table(panel: pd.DataFrame, X: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Grouping columns for every ``(council_code, origin)``: council type, region and the
    deprivation quintile within the origin (1 least deprived) where a deprivation measure
    exists."""
    out = pd.DataFrame(index=panel.index)
    for name in names:
        if name in panel.columns:
            out[name] = panel[name]
        elif name == "deprivation_quintile" and "deprivation_imd_score" in X.columns:
            dep = X["deprivation_imd_score"].reindex(panel.index)

            def q(s: pd.Series) -> pd.Series:
                ok = s.notna()
                res = pd.Series(pd.NA, index=s.index, dtype=object)
                if ok.sum() >= 5:
                    ranks = s[ok].rank(method="first")
                    res[ok] = [f"Q{int(v) + 1}" for v in pd.qcut(ranks, 5, labels=False)]
                return res

            out[name] = dep.groupby(level="origin", group_keys=False).apply(q)
    return out

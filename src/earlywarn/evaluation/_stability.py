"""List stability: how much of the top *k* stays from one backtest origin to the next,
against the overlap two random lists would have (``k^2 / n`` when the same ``n`` councils
are scored at both origins; see :func:`earlywarn.metrics.flag_stability`), from the saved
out-of-time predictions of the published model.

A list that keeps most of its top *k* from year to year says something stable about the
councils; one whose overlap is near chance is mostly noise, whatever its AUROC.

Example
-------
>>> rows = pd.DataFrame({"model": "m", "target": "conditional",
...     "council_code": list("ABCD") * 2,
...     "origin": pd.to_datetime(["2019-03-31"] * 4 + ["2020-03-31"] * 4),
...     "probability": [.9, .8, .2, .1, .9, .1, .8, .2]})
>>> s = list_stability(rows, "m", k=2)
>>> s["origins"][0]["overlap"], s["origins"][0]["chance"]
(1.0, 1.0)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["list_stability"]


def list_stability(
    predictions: pd.DataFrame, model: str, k: int, target: str | None = None
) -> dict[str, Any]:
    """Overlap of ``model``'s top ``k`` between consecutive origins of ``predictions``
    (the saved long table: ``model, council_code, origin, probability``; one ``target``
    when given), each with its chance (``k^2 / n`` for one population); ties at the cut
    share their places (:func:`earlywarn.metrics.flag_stability`).

    Returns ``{"model", "k", "origins": [{"from", "to", "overlap", "chance",
    "n_councils"}], "mean_overlap", "mean_chance"}`` (overlaps in councils).
    """
    from earlywarn.metrics import flag_stability

    rows = predictions[predictions["model"] == model]
    if target is not None and "target" in rows.columns:
        rows = rows[rows["target"] == target]
    rows = rows.dropna(subset=["probability"])
    out: dict[str, Any] = {"model": model, "k": int(k), "origins": []}
    if rows["origin"].nunique() < 2:
        return {**out, "mean_overlap": None, "mean_chance": None}
    pred = pd.DataFrame(
        {
            "council_code": rows["council_code"].to_numpy(),
            "origin": pd.to_datetime(rows["origin"]).to_numpy(),
            "y": 0,
            "p": rows["probability"].to_numpy(dtype=float),
        }
    )
    frame, summary = flag_stability(pred, k)
    out["origins"] = [
        {
            "from": str(pd.Timestamp(r.origin_from).date()),
            "to": str(pd.Timestamp(r.origin_to).date()),
            "overlap": round(float(r.n_stayed), 3),
            "chance": round(float(r.chance_stayed), 3),
            "n_councils": int(r.n_councils),
        }
        for r in frame.itertuples(index=False)
    ]
    out["mean_overlap"] = round(float(summary["mean_stayed"]), 3)
    out["mean_chance"] = round(float(summary["mean_chance_stayed"]), 3)
    return out

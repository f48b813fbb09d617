"""Whether the published probability may be shown, and what the list says instead.

A probability is published only when it has been right on average out of time: the
calibration slope of the published model's backtest predictions (pooled over the test
origins, on its own target's population) lies within :data:`SLOPE_RANGE`. A slope far
from 1 means the model's probabilities moved with the calendar (sources starting or
stopping between origins), not with the councils' risk; such a number must not be read
as a chance.

Whether or not it is shown, each council's **tier** comes from its rank (tier 1 the top
``k``, tier 2 the next ``2k``, tier 3 the rest), and the list gives the tier's empirical
hit rate at the past origins: of the councils the model put in that tier, the share of
those inspected within the horizon who were judged inadequate (for a joint target: the
share failing), beside the same share over all councils.

The slope, the hit rates and the overall rate are all measured on the evaluation's
population (:func:`earlywarn.labels.in_population`): with ``new_failures_only`` a council
already failed at its origin (a repeat) is left out, as it is from every score. The tiers
still come from the rank among all councils at the origin, as on the published list, where
a repeat keeps its rank.

Example
-------
>>> rows = pd.DataFrame({"model": "m", "origin": ["2019"] * 4 + ["2020"] * 4,
...                      "probability": [.9, .6, .3, .1] * 2,
...                      "label": [1, 0, 0, np.nan, 1, 1, 0, 0]})
>>> g = probability_gate(rows, "m", k=1)
>>> [t["hit_rate"] for t in g["tiers"]], g["rate"]
([1.0, 0.25, 0.0], 0.42857142857142855)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from earlywarn.labels import in_population

__all__ = ["FINANCE_TIER", "SLOPE_RANGE", "probability_gate", "tier_of_rank", "tier_words"]

SLOPE_RANGE = (0.7, 1.3)  # out-of-time calibration slope for a probability to be shown


def tier_of_rank(rank: Any, k: int) -> np.ndarray:
    """Tier 1 for ranks 1..k, 2 for k+1..3k, 3 below.

    >>> tier_of_rank([1, 15, 16, 45, 46], 15).tolist()
    [1, 1, 2, 2, 3]
    """
    r = np.asarray(rank, dtype=float)
    return np.where(r <= k, 1, np.where(r <= 3 * k, 2, 3))


def _ranks(k: int) -> dict[int, str]:
    return {1: f"ranks 1-{k}", 2: f"ranks {k + 1}-{3 * k}", 3: f"ranks {3 * k + 1} and below"}


def probability_gate(
    predictions: pd.DataFrame,
    model: str,
    k: int,
    slope_range: tuple[float, float] = SLOPE_RANGE,
    *,
    new_failures_only: bool = False,
) -> dict[str, Any]:
    """The calibration slope of ``model``'s out-of-time predictions, whether its
    probability may be shown, and the tiers' hit rates (module notes).

    Parameters
    ----------
    predictions : DataFrame
        Backtest predictions (``model, origin, probability, label``; ``label`` NaN where
        the outcome is not part of the target's population, e.g. not inspected).
    model : str
        The published model.
    k : int
        Councils in tier 1 (the list's ``evaluate.k``).
    new_failures_only : bool
        The labels' ``new_failures_only``: councils already failed at their origin
        (``failed_at_origin``) are not counted (module notes).
    """
    from earlywarn.metrics import calibration_slope_intercept

    rows = predictions[predictions["model"] == model].copy()
    rows["rank"] = rows.groupby("origin")["probability"].rank(ascending=False, method="first")
    rows["tier"] = tier_of_rank(rows["rank"], k)
    known = rows[
        rows["label"].notna().to_numpy() & in_population(rows, new_failures_only=new_failures_only)
    ]
    y = known["label"].to_numpy(dtype=float)
    slope = float("nan")
    if len(known) and 0 < y.sum() < len(y):
        slope = float(calibration_slope_intercept(y, known["probability"].to_numpy(float))[0])
    lo, hi = slope_range
    words = _ranks(k)
    tiers = []
    for t in (1, 2, 3):
        sub = known[known["tier"] == t]
        n = len(sub)
        tiers.append(
            {
                "tier": t,
                "ranks": words[t],
                "n_known": n,
                "n_failing": int(sub["label"].sum()),
                "hit_rate": float(sub["label"].mean()) if n else None,
            }
        )
    return {
        "model": model,
        "calibration_slope": slope,
        "slope_range": [lo, hi],
        "shown": bool(lo <= slope <= hi),
        "tiers": tiers,
        "rate": float(y.mean()) if len(y) else None,
        "n_origins": int(rows["origin"].nunique()),
    }


#: a financial-failure list's words for a tier's record (tier_words(gate, t, *FINANCE_TIER))
FINANCE_TIER = ("scored", "had a first EFS approval or section 114 notice within the window")


def tier_words(
    gate: dict[str, Any],
    tier: int,
    population: str = "inspected",
    failed: str = "were judged inadequate",
) -> str:
    """'of councils in tier 1 (ranks 1-15) at 5 past origins, 27% of those inspected were
    judged inadequate (21% of all inspected)'; a financial-failure list passes
    :data:`FINANCE_TIER`."""
    t = next((x for x in gate["tiers"] if x["tier"] == tier), None)
    if t is None or t["hit_rate"] is None:
        return f"tier {tier}: no councils of this tier with a known outcome at past origins"
    rate = gate.get("rate")
    overall = f" ({rate:.0%} of all {population})" if rate is not None else ""
    return (
        f"of councils in tier {tier} ({t['ranks']}) at {gate['n_origins']} past origins, "
        f"{t['hit_rate']:.0%} of those {population} {failed}{overall}"
    )

"""Ranking metrics: precision, recall and lift at *k*, within-origin AUROC and AP, and a
fast AUROC / partial AUROC / AP for bootstrap resamples.

Ties in *p* are never broken by position or identifier: at the top-*k* cut the tied units
share the remaining places (:mod:`earlywarn.metrics`), so precision, recall and lift at *k*
are the expectation over all orders of the ties, and a constant score gets exactly the
chance level.
"""

from __future__ import annotations

import numpy as np

from earlywarn.metrics._checks import NAN, ArrayLike, as_arrays, check_k, ratio
from earlywarn.metrics._topk import top_k_share

__all__ = [
    "MAX_FPR",
    "lift_at_k",
    "precision_at_k",
    "ranking_scores",
    "recall_at_k",
    "within_origin_scores",
]

MAX_FPR = 0.2  # the partial AUROC's false-positive-rate limit (McClish-standardised)


def precision_at_k(
    y: ArrayLike, p: ArrayLike, k: int, sample_weight: ArrayLike | None = None
) -> float:
    """Share of positives among the *k* highest-scored units.

    Parameters
    ----------
    y : array-like of {0, 1}
        Observed labels.
    p : array-like of float
        Predicted probabilities (any score works: only the order is used).
    k : int
        Number of units flagged (e.g. the number of councils that can be supported). If
        ``k > len(y)`` all units are flagged.
    sample_weight : array-like, optional
        Row weights; the share is then weighted. Ranking ignores weights.

    Returns
    -------
    float
        ``sum(y in top k) / min(k, n)``; ``nan`` if the top set has zero weight.

    Notes
    -----
    Ties are never broken by position: units tied at the cut share the remaining places,
    so the result is the expectation over all orders of the ties.

    Examples
    --------
    >>> precision_at_k([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1], k=2)
    0.75
    """
    y, p, w = as_arrays(y, p, sample_weight)
    top = top_k_share(p, check_k(k))
    return ratio((w * top) @ y, w @ top)


def recall_at_k(
    y: ArrayLike, p: ArrayLike, k: int, sample_weight: ArrayLike | None = None
) -> float:
    """Share of all positives that are among the *k* highest-scored units.

    Parameters
    ----------
    y, p, k, sample_weight
        As in :func:`precision_at_k`.

    Returns
    -------
    float
        ``sum(y in top k) / sum(y)``; ``nan`` if there are no positives.

    Examples
    --------
    >>> recall_at_k([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1], k=2)
    0.75
    """
    y, p, w = as_arrays(y, p, sample_weight)
    top = top_k_share(p, check_k(k))
    return ratio((w * top) @ y, w @ y)


def lift_at_k(y: ArrayLike, p: ArrayLike, k: int, sample_weight: ArrayLike | None = None) -> float:
    """Precision at *k* divided by the base rate (1 = no better than picking at random).

    Parameters
    ----------
    y, p, k, sample_weight
        As in :func:`precision_at_k`.

    Returns
    -------
    float
        ``precision_at_k / mean(y)``; ``nan`` if there are no positives.

    Examples
    --------
    >>> lift_at_k([1, 0, 0, 0], [0.9, 0.5, 0.5, 0.1], k=1)
    4.0
    """
    y, p, w = as_arrays(y, p, sample_weight)
    top = top_k_share(p, check_k(k))
    base = ratio(w @ y, w.sum())
    if not base > 0:
        return NAN
    return ratio((w * top) @ y, w @ top) / base


def within_origin_scores(
    y: np.ndarray, p: np.ndarray, w: np.ndarray, origin_ids: np.ndarray
) -> tuple[float, float]:
    """AUROC and average precision from pairs *within* an origin only.

    Pooled AUROC compares a council at one origin with a council at another, so a score
    that only tracks the calendar (the base rate drifting between origins) gets credit
    for ranking. Within-origin AUROC is the share of concordant (failure, non-failure)
    pairs at the same origin: the per-origin AUROCs weighted by their number of pairs.
    Within-origin AP is the per-origin APs weighted by their number of failures. A score
    constant within each origin gets exactly 0.5 (AUROC) and the base rate (AP).

    >>> y = np.array([1, 0, 1, 0]); o = np.array([0, 0, 1, 1])
    >>> within_origin_scores(y, np.array([.2, .2, .8, .8]), np.ones(4), o)
    (0.5, 0.5)
    """
    if y.size == 0:
        return NAN, NAN
    # one sort by (origin, -p); tie groups of equal p within an origin
    order = np.lexsort((-p, origin_ids))
    o, ps, ys, ws = origin_ids[order], p[order], y[order], w[order]
    new_o = np.concatenate(([True], o[1:] != o[:-1]))
    new_g = new_o | np.concatenate(([True], ps[1:] != ps[:-1]))
    g = np.cumsum(new_g) - 1
    g_origin = o[new_g]
    pos_g = np.bincount(g, weights=ws * ys)
    neg_g = np.bincount(g, weights=ws * (1.0 - ys))
    o_ids, o_of_g = np.unique(g_origin, return_inverse=True)
    pos_o = np.bincount(o_of_g, weights=pos_g)
    neg_o = np.bincount(o_of_g, weights=neg_g)
    # cumulative counts within the origin, through each tie group (p descending)
    start = np.concatenate(([True], g_origin[1:] != g_origin[:-1]))
    cum_pos, cum_neg = np.cumsum(pos_g), np.cumsum(neg_g)
    base = np.maximum.accumulate(np.where(start, np.arange(len(pos_g)), 0))
    tp = cum_pos - (cum_pos - pos_g)[base]
    fp = cum_neg - (cum_neg - neg_g)[base]
    neg_below = neg_o[o_of_g] - fp  # negatives scored lower than the group, same origin
    both = (pos_o > 0) & (neg_o > 0)
    ok_g = both[o_of_g]
    auc_num = float((pos_g * (neg_below + 0.5 * neg_g))[ok_g].sum())
    auc_den = float((pos_o * neg_o)[both].sum())
    flagged = tp + fp
    prec = np.divide(tp, flagged, out=np.zeros_like(tp), where=flagged > 0)
    ap_num = float((pos_g * prec)[ok_g].sum())
    ap_den = float(pos_o[both].sum())
    return ratio(auc_num, auc_den), ratio(ap_num, ap_den)


def ranking_scores(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """AUROC, McClish partial AUROC (FPR <= 0.2) and AP from one sort, for the bootstrap.

    Follows ``roc_auc_score`` / ``average_precision_score`` step by step, without their
    per-call input validation (which dominates a bootstrap's run time); the test suite
    checks agreement with scikit-learn. Needs both classes.
    """
    order = np.argsort(-p, kind="stable")
    ps, ys, ws = p[order], y[order], w[order]
    last = np.flatnonzero(np.append(ps[1:] != ps[:-1], True))
    tps = np.cumsum(ws * ys)[last]
    fps = np.cumsum(ws * (1.0 - ys))[last]
    fpr = np.concatenate(([0.0], fps)) / fps[-1]
    tpr = np.concatenate(([0.0], tps)) / tps[-1]
    auroc = float(np.trapezoid(tpr, fpr))
    stop = int(np.searchsorted(fpr, MAX_FPR, "right"))
    tpr_cut = np.interp(MAX_FPR, fpr[stop - 1 : stop + 1], tpr[stop - 1 : stop + 1])
    partial = float(np.trapezoid(np.append(tpr[:stop], tpr_cut), np.append(fpr[:stop], MAX_FPR)))
    min_area, max_area = 0.5 * MAX_FPR**2, MAX_FPR
    pauroc = 0.5 * (1.0 + (partial - min_area) / (max_area - min_area))
    flagged = tps + fps
    precision = np.divide(tps, flagged, out=np.zeros_like(tps), where=flagged != 0)
    ap = float(np.diff(np.concatenate(([0.0], tps / tps[-1]))) @ precision)
    return auroc, pauroc, ap

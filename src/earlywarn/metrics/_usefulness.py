"""The policymaker's usefulness of a warning rule (Sarlin 2013) and the noise-to-signal
ratio (Kaminsky, Lizondo & Reinhart 1998), from weighted confusion counts."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from earlywarn.metrics._checks import NAN, ArrayLike, as_arrays, check_mu, ratio

__all__ = [
    "DEFAULT_MUS",
    "confusion_counts",
    "noise_to_signal",
    "nsr_from_counts",
    "optimal_thresholds",
    "usefulness",
    "usefulness_curve",
    "usefulness_from_counts",
]

DEFAULT_MUS = tuple(float(m) for m in np.round(np.linspace(0.05, 0.95, 19), 2))


def confusion_counts(y: np.ndarray, signal: np.ndarray, w: np.ndarray) -> tuple[float, ...]:
    s = signal.astype(float)
    tp = float((w * y) @ s)
    fp = float((w * (1.0 - y)) @ s)
    return tp, float(w @ y) - tp, fp, float(w @ (1.0 - y)) - fp  # tp, fn, fp, tn


def usefulness_from_counts(
    tp: float, fn: float, fp: float, tn: float, mu: float
) -> dict[str, float]:
    n = tp + fn + fp + tn
    if n <= 0:
        return dict.fromkeys(("loss", "ua", "ur", "t1", "t2"), NAN)
    p1, p2 = (tp + fn) / n, (fp + tn) / n
    loss = (mu * fn + (1.0 - mu) * fp) / n  # = mu*T1*P1 + (1-mu)*T2*P2
    benchmark = min(mu * p1, (1.0 - mu) * p2)
    ua = benchmark - loss
    return {
        "loss": loss,
        "ua": ua,
        "ur": ua / benchmark if benchmark > 0 else NAN,
        "t1": ratio(fn, tp + fn),
        "t2": ratio(fp, fp + tn),
    }


def usefulness(
    y: ArrayLike,
    p: ArrayLike,
    threshold: float,
    mu: float,
    sample_weight: ArrayLike | None = None,
) -> dict[str, float]:
    """Policymaker's loss and usefulness of a warning rule (Sarlin 2013).

    A unit is signalled when ``p >= threshold``. With ``T1 = FN / (TP + FN)`` (missed
    failures), ``T2 = FP / (FP + TN)`` (false alarms), ``P1`` the share of positives and
    ``P2 = 1 - P1``::

        L(mu) = mu * T1 * P1 + (1 - mu) * T2 * P2
        Ua    = min(mu * P1, (1 - mu) * P2) - L(mu)
        Ur    = Ua / min(mu * P1, (1 - mu) * P2)

    ``mu`` is the policymaker's relative aversion to missing a failure; the benchmark
    ``min(...)`` is the loss of the better of 'always signal' and 'never signal'. ``Ur = 1``
    for a perfect rule, ``0`` for one no better than the best trivial rule.

    Parameters
    ----------
    y : array-like of {0, 1}
        Observed labels.
    p : array-like of float
        Predicted probabilities.
    threshold : float
        Signal when ``p >= threshold``.
    mu : float
        Preference in ``[0, 1]``.
    sample_weight : array-like, optional
        Row weights (the confusion counts become weighted sums).

    Returns
    -------
    dict
        ``loss``, ``ua``, ``ur`` plus ``t1`` and ``t2``. ``ur`` is ``nan`` when the
        benchmark is 0 (one class only, or ``mu`` in {0, 1}); ``t1``/``t2`` are ``nan``
        without positives/negatives (the loss is then computed as ``(mu FN + (1 - mu) FP)
        / N``, which is the same quantity).

    Examples
    --------
    >>> u = usefulness([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1], threshold=0.5, mu=0.5)
    >>> u["loss"], u["ua"], u["ur"]
    (0.25, 0.0, 0.0)
    """
    y, p, w = as_arrays(y, p, sample_weight)
    return usefulness_from_counts(*confusion_counts(y, p >= threshold, w), check_mu(mu))


def optimal_thresholds(
    y: np.ndarray, p: np.ndarray, w: np.ndarray, mus: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each mu, the threshold maximising Ua (ties: the highest threshold).

    Candidates are 'never signal' (threshold ``inf``) and every distinct value of ``p``.
    Returns the thresholds and the (tp, fn, fp, tn) counts, shape ``(len(mus), 4)``.
    """
    order = np.argsort(-p, kind="stable")
    ps, ys, ws = p[order], y[order], w[order]
    last = np.flatnonzero(np.append(ps[1:] != ps[:-1], True))  # last row of each distinct p
    tp = np.concatenate(([0.0], np.cumsum(ws * ys)[last]))
    fp = np.concatenate(([0.0], np.cumsum(ws * (1.0 - ys))[last]))
    thresholds = np.concatenate(([np.inf], ps[last]))
    pos, neg = float(w @ y), float(w @ (1.0 - y))
    fn = pos - tp
    loss = mus[:, None] * fn[None, :] + (1.0 - mus)[:, None] * fp[None, :]
    best = np.argmin(loss, axis=1)  # first minimum = highest threshold
    counts = np.column_stack([tp[best], fn[best], fp[best], neg - fp[best]])
    return thresholds[best], counts


def usefulness_curve(
    y: ArrayLike,
    p: ArrayLike,
    mus: ArrayLike = DEFAULT_MUS,
    threshold_rule: float | Literal["optimal"] = "optimal",
    sample_weight: ArrayLike | None = None,
) -> pd.DataFrame:
    """Usefulness across preferences ``mu``.

    Parameters
    ----------
    y, p, sample_weight
        As in :func:`usefulness`.
    mus : array-like of float, default 0.05, 0.10, ..., 0.95
        Preferences to evaluate.
    threshold_rule : float or "optimal", default "optimal"
        A float fixes the threshold for every ``mu``. ``"optimal"`` chooses, for each
        ``mu`` separately, the threshold that maximises ``Ua`` on these same data
        (Sarlin 2013), searched over 'never signal' and every distinct value of ``p``;
        ties go to the highest threshold. The optimal rule is in-sample and therefore
        optimistic; it never gives ``Ua < 0``.

    Returns
    -------
    pandas.DataFrame
        One row per ``mu``: ``mu``, ``threshold`` (``inf`` = never signal), ``loss``,
        ``ua``, ``ur``, ``t1``, ``t2``.

    Examples
    --------
    >>> curve = usefulness_curve([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], mus=[0.3, 0.5])
    >>> curve["ur"].tolist()
    [1.0, 1.0]
    """
    y, p, w = as_arrays(y, p, sample_weight)
    mus_arr = np.array([check_mu(m) for m in np.atleast_1d(np.asarray(mus, dtype=float))])
    if isinstance(threshold_rule, str):
        if threshold_rule != "optimal":
            raise ValueError(f"threshold_rule must be a float or 'optimal', got {threshold_rule!r}")
        thresholds, counts = optimal_thresholds(y, p, w, mus_arr)
    else:
        thresholds = np.full(mus_arr.size, float(threshold_rule))
        counts = np.tile(confusion_counts(y, p >= float(threshold_rule), w), (mus_arr.size, 1))
    rows = [
        {"mu": m, "threshold": float(t), **usefulness_from_counts(*c, m)}
        for m, t, c in zip(mus_arr, thresholds, counts, strict=True)
    ]
    return pd.DataFrame(rows, columns=["mu", "threshold", "loss", "ua", "ur", "t1", "t2"])


def noise_to_signal(
    y: ArrayLike, p: ArrayLike, threshold: float, sample_weight: ArrayLike | None = None
) -> float:
    """Adjusted noise-to-signal ratio (Kaminsky, Lizondo & Reinhart 1998).

    ``NSR = (FP / (FP + TN)) / (TP / (TP + FN))``: the false-alarm rate over the hit rate
    of the rule ``p >= threshold``. Lower is better; 1 is a coin toss.

    Parameters
    ----------
    y, p, sample_weight
        As in :func:`usefulness`.
    threshold : float
        Signal when ``p >= threshold``.

    Returns
    -------
    float
        ``nan`` when a class is missing or no positive is signalled (ratio unbounded).

    Examples
    --------
    >>> noise_to_signal([1, 1, 0, 0, 0, 0], [0.9, 0.2, 0.8, 0.1, 0.1, 0.1], threshold=0.5)
    0.5
    """
    y, p, w = as_arrays(y, p, sample_weight)
    tp, fn, fp, tn = confusion_counts(y, p >= threshold, w)
    return nsr_from_counts(tp, fn, fp, tn)


def nsr_from_counts(tp: float, fn: float, fp: float, tn: float) -> float:
    hit = ratio(tp, tp + fn)
    if not hit > 0 or fp + tn <= 0:
        return NAN
    return (fp / (fp + tn)) / hit

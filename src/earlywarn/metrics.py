"""Metrics for rolling-origin backtests of failure warnings.

Every function takes either arrays ``y`` (0/1 label) and ``p`` (predicted probability) or a
predictions frame ``pred`` with columns ``council_code``, ``origin`` (Timestamp), ``y``,
``p`` and an optional ``weight`` (rows may span several origins). scikit-learn supplies
AUROC (with McClish-standardised partial AUROC), average precision and the Brier score;
this module adds what it lacks: ranking metrics at *k*, the Murphy decomposition of the
Brier score, logistic recalibration, the policymaker's usefulness (Sarlin 2013), the
noise-to-signal ratio, lead time, top-*k* stability, a council-cluster bootstrap and one
JSON-ready summary, :func:`evaluate_predictions`.

A metric that is undefined on the data (one class only, nothing flagged) returns ``nan``,
never a warning; :func:`evaluate_predictions` turns ``nan`` into ``None``.

Ties in *p* are never broken by position or identifier: at the top-*k* cut the tied units
share the remaining places (:mod:`earlywarn.topk`), so precision, recall and lift at *k*
are the expectation over all orders of the ties, and a constant score gets exactly the
chance level. The frame functions sort rows by ``(origin, council_code)`` only so that
row order never changes a floating-point sum.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from earlywarn._json import to_jsonable as _jsonable
from earlywarn.errors import UserInputError
from earlywarn.topk import top_k_share, top_k_share_by_origin

__all__ = [
    "BootstrapCI",
    "auroc_ci",
    "bootstrap_ci",
    "brier_decomposition",
    "calibration_slope_intercept",
    "evaluate_predictions",
    "flag_stability",
    "lead_time",
    "lift_at_k",
    "noise_to_signal",
    "precision_at_k",
    "recall_at_k",
    "usefulness",
    "usefulness_curve",
    "within_origin_scores",
]

PRED_COLUMNS = ["council_code", "origin", "y", "p"]
DAYS_PER_YEAR = 365.25
_CLIP = 1e-6
_MAX_FPR = 0.2
_DEFAULT_MUS = tuple(float(m) for m in np.round(np.linspace(0.05, 0.95, 19), 2))
_NAN = float("nan")
_MAX_SKIPPED_SHARE = 0.2  # an interval with more undefined resamples is flagged 'unstable'
_MIN_ORIGIN_EVENTS = 5  # an origin with fewer failures is flagged 'small'

ArrayLike = Sequence[float] | np.ndarray | pd.Series


# --------------------------------------------------------------------------- helpers
def _arrays(
    y: ArrayLike, p: ArrayLike, sample_weight: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and return float arrays ``y``, ``p`` and weights ``w`` (ones if absent)."""
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y and p differ in length: {y.size} != {p.size}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y must hold only 0 and 1")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise ValueError("p must hold finite probabilities in [0, 1]")
    if sample_weight is None:
        w = np.ones_like(p)
    else:
        w = np.asarray(sample_weight, dtype=float).ravel()
        if w.shape != p.shape or not (np.isfinite(w).all() and (w >= 0).all()):
            raise ValueError("sample_weight must be finite, non-negative and as long as p")
    return y, p, w


def _both_classes(y: np.ndarray, w: np.ndarray) -> bool:
    pos = float(w @ y)
    return pos > 0 and float(w.sum()) - pos > 0


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def _check_mu(mu: float) -> float:
    if not 0.0 <= float(mu) <= 1.0:
        raise ValueError(f"mu must lie in [0, 1], got {mu!r}")
    return float(mu)


def _top_k(p: np.ndarray, k: int) -> np.ndarray:
    """Expected inclusion of each unit in the top ``k`` (ties share the places at the cut)."""
    return top_k_share(p, k)


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else _NAN


def _check_pred(pred: pd.DataFrame, where: str = "pred") -> pd.DataFrame:
    """Validate a predictions frame; return a copy sorted by ``(origin, council_code)``."""
    missing = [c for c in PRED_COLUMNS if c not in pred.columns]
    if missing:
        raise UserInputError(
            f"{where}: missing column(s) {missing}; expected {PRED_COLUMNS} (+ optional weight)"
        )
    df = pred.reset_index(drop=True)
    for col in ("y", "p"):
        if df[col].isna().any():
            row = int(np.flatnonzero(df[col].isna().to_numpy())[0])
            raise UserInputError(f"{where}: row {row}, column '{col}': missing value")
    if not df["y"].isin([0, 1]).all():
        row = int(np.flatnonzero(~df["y"].isin([0, 1]).to_numpy())[0])
        raise UserInputError(f"{where}: row {row}, column 'y': expected 0 or 1")
    bad = ~df["p"].between(0.0, 1.0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise UserInputError(f"{where}: row {row}, column 'p': expected a probability in [0, 1]")
    if "weight" in df.columns and (df["weight"].isna() | (df["weight"] < 0)).any():
        raise UserInputError(f"{where}: column 'weight': expected non-negative numbers")
    df = df.assign(origin=pd.to_datetime(df["origin"]))
    if df.duplicated(["council_code", "origin"]).any():
        row = int(np.flatnonzero(df.duplicated(["council_code", "origin"]).to_numpy())[0])
        raise UserInputError(f"{where}: row {row}: duplicate (council_code, origin)")
    return df.sort_values(["origin", "council_code"], kind="stable").reset_index(drop=True)


def _weights(df: pd.DataFrame) -> np.ndarray:
    if "weight" in df.columns:
        return df["weight"].to_numpy(dtype=float)
    return np.ones(len(df))


def _top_k_by_origin(origin_ids: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    """Expected inclusion (float in [0, 1]) of each row in the top k of its origin; rows
    tied at the cut share the remaining places (:func:`earlywarn.topk.top_k_share_by_origin`)."""
    return top_k_share_by_origin(origin_ids, p, k)


# --------------------------------------------------------------------------- ranking at k
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
    y, p, w = _arrays(y, p, sample_weight)
    top = _top_k(p, _check_k(k))
    return _ratio((w * top) @ y, w @ top)


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
    y, p, w = _arrays(y, p, sample_weight)
    top = _top_k(p, _check_k(k))
    return _ratio((w * top) @ y, w @ y)


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
    y, p, w = _arrays(y, p, sample_weight)
    top = _top_k(p, _check_k(k))
    base = _ratio(w @ y, w.sum())
    if not base > 0:
        return _NAN
    return _ratio((w * top) @ y, w @ top) / base


# --------------------------------------------------------------------------- calibration
def _bin_stats(
    y: np.ndarray, p: np.ndarray, w: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Equal-width bins on [0, 1], as ``sklearn.calibration.calibration_curve``.

    Returns bin ids of the non-empty bins, their weight, mean ``p`` and mean ``y``.
    """
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], p)
    n_k = np.bincount(ids, weights=w, minlength=n_bins)
    sp = np.bincount(ids, weights=w * p, minlength=n_bins)
    sy = np.bincount(ids, weights=w * y, minlength=n_bins)
    keep = n_k > 0
    return np.flatnonzero(keep), n_k[keep], sp[keep] / n_k[keep], sy[keep] / n_k[keep]


def brier_decomposition(
    y: ArrayLike, p: ArrayLike, n_bins: int = 10, sample_weight: ArrayLike | None = None
) -> dict[str, float]:
    """Brier score and its Murphy (1973) decomposition over equal-width bins of ``p``.

    With ``N`` units, bins ``b`` of ``n_b`` units, bin mean forecast ``pbar_b``, bin event
    rate ``obar_b`` and overall rate ``obar``::

        reliability = sum_b n_b (pbar_b - obar_b)^2 / N      (lower is better)
        resolution  = sum_b n_b (obar_b - obar)^2 / N        (higher is better)
        uncertainty = obar (1 - obar)

    Parameters
    ----------
    y : array-like of {0, 1}
        Observed labels.
    p : array-like of float
        Predicted probabilities.
    n_bins : int, default 10
        Number of equal-width bins on [0, 1] (the binning of
        ``sklearn.calibration.calibration_curve(strategy="uniform")``).
    sample_weight : array-like, optional
        Row weights (every sum above becomes a weighted sum).

    Returns
    -------
    dict
        ``brier`` (from ``sklearn.metrics.brier_score_loss``), ``reliability``,
        ``resolution``, ``uncertainty`` and ``within_bin``.

    Notes
    -----
    The binned identity ``brier = reliability - resolution + uncertainty`` holds only up
    to the within-bin terms (Stephenson, Coelho & Jolliffe 2008)::

        within_bin = sum_i (p_i - pbar_b)^2 / N - 2 sum_i (p_i - pbar_b)(y_i - obar_b) / N

    which are reported as ``within_bin``, so that
    ``brier == reliability - resolution + uncertainty + within_bin`` exactly. When ``p``
    is constant within every bin, ``within_bin`` is 0.

    Examples
    --------
    >>> d = brier_decomposition([0, 1, 0, 1], [0.2, 0.2, 0.8, 0.8])
    >>> round(d["reliability"] - d["resolution"] + d["uncertainty"], 6) == round(d["brier"], 6)
    True
    """
    from sklearn.metrics import brier_score_loss

    y, p, w = _arrays(y, p, sample_weight)
    out = _brier_terms(y, p, w, n_bins)
    if np.isfinite(out["brier"]):
        out["brier"] = float(brier_score_loss(y, p, sample_weight=w, labels=[0, 1]))
        out["within_bin"] = out["brier"] - (
            out["reliability"] - out["resolution"] + out["uncertainty"]
        )
    return out


def _brier_terms(y: np.ndarray, p: np.ndarray, w: np.ndarray, n_bins: int) -> dict[str, float]:
    keys = ("brier", "reliability", "resolution", "uncertainty", "within_bin")
    n = float(w.sum())
    if n <= 0:
        return dict.fromkeys(keys, _NAN)
    _, n_k, pbar, obar_k = _bin_stats(y, p, w, n_bins)
    obar = float(w @ y) / n
    rel = float(n_k @ (pbar - obar_k) ** 2) / n
    res = float(n_k @ (obar_k - obar) ** 2) / n
    unc = obar * (1.0 - obar)
    brier = float(w @ (p - y) ** 2) / n
    return dict(zip(keys, (brier, rel, res, unc, brier - (rel - res + unc)), strict=True))


def _recalibration_x(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """``logit(clip(p))``, or ``None`` when the recalibration fit has no finite MLE.

    That is: one class only, or the classes (quasi-)separated by ``p`` (every positive
    at or above every negative, or the reverse), which includes a constant ``p``.
    """
    if not _both_classes(y, w):
        return None
    pc = np.clip(p, _CLIP, 1.0 - _CLIP)
    x = np.log(pc) - np.log1p(-pc)
    pos, neg = x[(w > 0) & (y == 1)], x[(w > 0) & (y == 0)]
    if neg.max() <= pos.min() or pos.max() <= neg.min():
        return None
    return x


def calibration_slope_intercept(
    y: ArrayLike, p: ArrayLike, sample_weight: ArrayLike | None = None
) -> tuple[float, float]:
    """Calibration slope and intercept by logistic recalibration (Cox 1958).

    Fits the unpenalised logistic regression ``logit P(y = 1) = a + b * logit(p)``
    (statsmodels GLM, binomial family) with ``p`` clipped to ``[1e-6, 1 - 1e-6]``. A
    well-calibrated model has ``b = 1`` and ``a = 0``; ``b < 1`` means predictions are too
    extreme (overfitting), ``b > 1`` too timid.

    Parameters
    ----------
    y : array-like of {0, 1}
        Observed labels.
    p : array-like of float
        Predicted probabilities.
    sample_weight : array-like, optional
        Row weights (passed as frequency weights).

    Returns
    -------
    (slope, intercept) : tuple of float
        ``(b, a)`` from the joint fit. Both ``nan`` if ``y`` has one class, if ``p``
        separates the classes (every positive scored at or above every negative, or the
        reverse: the MLE is infinite) or if the fit does not converge. Note that
        ``a`` is the intercept of the joint fit, not calibration-in-the-large (the
        intercept with the slope fixed at 1).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 2000)
    >>> y = rng.binomial(1, p)
    >>> b, a = calibration_slope_intercept(y, p)
    >>> bool(abs(b - 1) < 0.2 and abs(a) < 0.2)
    True
    """
    y, p, w = _arrays(y, p, sample_weight)
    x = _recalibration_x(y, p, w)
    if x is None:
        return _NAN, _NAN
    keep = w > 0
    import statsmodels.api as sm

    design = np.column_stack([np.ones(keep.sum()), x[keep]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.GLM(y[keep], design, family=sm.families.Binomial(), freq_weights=w[keep]).fit(
                maxiter=100
            )
        except (ValueError, np.linalg.LinAlgError):  # separation, singular design
            return _NAN, _NAN
    converged = bool(getattr(fit, "converged", True))
    a, b = (float(v) for v in fit.params)
    if not converged or not (math.isfinite(a) and math.isfinite(b)) or abs(b) > 1e3:
        return _NAN, _NAN
    return b, a


# --------------------------------------------------------------------------- usefulness
def _counts(y: np.ndarray, signal: np.ndarray, w: np.ndarray) -> tuple[float, ...]:
    s = signal.astype(float)
    tp = float((w * y) @ s)
    fp = float((w * (1.0 - y)) @ s)
    return tp, float(w @ y) - tp, fp, float(w @ (1.0 - y)) - fp  # tp, fn, fp, tn


def _usefulness_from_counts(
    tp: float, fn: float, fp: float, tn: float, mu: float
) -> dict[str, float]:
    n = tp + fn + fp + tn
    if n <= 0:
        return dict.fromkeys(("loss", "ua", "ur", "t1", "t2"), _NAN)
    p1, p2 = (tp + fn) / n, (fp + tn) / n
    loss = (mu * fn + (1.0 - mu) * fp) / n  # = mu*T1*P1 + (1-mu)*T2*P2
    benchmark = min(mu * p1, (1.0 - mu) * p2)
    ua = benchmark - loss
    return {
        "loss": loss,
        "ua": ua,
        "ur": ua / benchmark if benchmark > 0 else _NAN,
        "t1": _ratio(fn, tp + fn),
        "t2": _ratio(fp, fp + tn),
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
    y, p, w = _arrays(y, p, sample_weight)
    return _usefulness_from_counts(*_counts(y, p >= threshold, w), _check_mu(mu))


def _optimal_thresholds(
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
    mus: ArrayLike = _DEFAULT_MUS,
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
    y, p, w = _arrays(y, p, sample_weight)
    mus_arr = np.array([_check_mu(m) for m in np.atleast_1d(np.asarray(mus, dtype=float))])
    if isinstance(threshold_rule, str):
        if threshold_rule != "optimal":
            raise ValueError(f"threshold_rule must be a float or 'optimal', got {threshold_rule!r}")
        thresholds, counts = _optimal_thresholds(y, p, w, mus_arr)
    else:
        thresholds = np.full(mus_arr.size, float(threshold_rule))
        counts = np.tile(_counts(y, p >= float(threshold_rule), w), (mus_arr.size, 1))
    rows = [
        {"mu": m, "threshold": float(t), **_usefulness_from_counts(*c, m)}
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
    y, p, w = _arrays(y, p, sample_weight)
    tp, fn, fp, tn = _counts(y, p >= threshold, w)
    return _nsr(tp, fn, fp, tn)


def _nsr(tp: float, fn: float, fp: float, tn: float) -> float:
    hit = _ratio(tp, tp + fn)
    if not hit > 0 or fp + tn <= 0:
        return _NAN
    return (fp / (fp + tn)) / hit


# --------------------------------------------------------------------------- over origins
def lead_time(
    pred: pd.DataFrame,
    events_dates: pd.DataFrame,
    k: int,
    horizon: pd.DateOffset | pd.Timedelta | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """How long before each failure its council had been flagged without a break.

    Definition. Let the origins be all distinct ``origin`` values of ``pred``, sorted, and
    flagged(c, t) mean council ``c`` is among the ``k`` highest ``p`` at origin ``t`` (a
    council without a row at ``t`` is not flagged). Ties at the cut are put in a random
    order, independently at each origin, and every figure is its expectation over those
    orders (without ties it is the plain count). For a failure of council ``c`` on date
    ``d``:

    - ``last_origin`` is the latest origin strictly before ``d`` (an origin's label window
      is ``(t, t + h]``). With no origin before ``d``, no scored row of ``c`` at that
      origin (e.g. left out as already failed), or, when ``horizon`` is given,
      ``d > last_origin + horizon``, the failure is not evaluable: its lead time is ``nan``.
    - If ``c`` is not flagged at ``last_origin``, the lead time is 0 (missed).
    - Otherwise ``first_origin`` is the earliest origin of the unbroken run of successive
      origins, ending at ``last_origin``, at which ``c`` was flagged, and the lead time is
      ``(d - first_origin)`` in years of 365.25 days.

    Without ``horizon``, pass only the failures the backtest can see (within the horizon
    of some origin). Earlier flags separated by an unflagged origin do not count.

    Parameters
    ----------
    pred : pandas.DataFrame
        Predictions: ``council_code``, ``origin``, ``y``, ``p``.
    events_dates : pandas.DataFrame
        One row per failure: ``council_code`` and ``date`` (e.g. the events table filtered
        to failures).
    k : int
        Size of the flagged set at each origin.
    horizon : pandas.DateOffset or pandas.Timedelta, optional
        Label horizon; if given, a failure more than ``horizon`` after the last origin
        before it is not evaluable.

    Returns
    -------
    frame : pandas.DataFrame
        One row per failure: ``council_code``, ``date``, ``last_origin``,
        ``first_origin`` (earliest possible start of the run; NaT when never flagged),
        ``flagged_at_last`` (probability, 0 or 1 without ties), ``n_origins_flagged``
        (expected length of the run), ``lead_time_years`` (expected) and ``p_ge_1y``,
        ``p_ge_2y`` (probability of a lead time of at least one / two years).
    summary : dict
        ``n_failures``, ``n_evaluable``, ``share_flagged`` (flagged at the last origin),
        ``median_years`` (over evaluable failures, zeros included),
        ``median_years_if_flagged`` (expected lead time given flagged), ``share_ge_1y``,
        ``share_ge_2y`` (over evaluable failures).

    Examples
    --------
    >>> pred = pd.DataFrame({
    ...     "council_code": ["A", "B"] * 2,
    ...     "origin": pd.to_datetime(["2019-03-31"] * 2 + ["2020-03-31"] * 2),
    ...     "y": [1, 0, 1, 0], "p": [0.9, 0.1, 0.8, 0.2]})
    >>> events = pd.DataFrame({"council_code": ["A"], "date": pd.to_datetime(["2021-03-31"])})
    >>> frame, summary = lead_time(pred, events, k=1)
    >>> round(float(frame["lead_time_years"].iloc[0]), 2)
    2.0
    """
    k = _check_k(k)
    df = _check_pred(pred)
    missing = [c for c in ("council_code", "date") if c not in events_dates.columns]
    if missing:
        raise UserInputError(f"events_dates: missing column(s) {missing}")
    dates = pd.to_datetime(events_dates["date"]).reset_index(drop=True)
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise UserInputError(f"events_dates: row {row}, column 'date': missing date")
    origin_ids, origins = pd.factorize(df["origin"], sort=True)
    share = _top_k_by_origin(origin_ids, df["p"].to_numpy(dtype=float), k)
    q_of = dict(zip(zip(df["council_code"], origin_ids, strict=True), share, strict=True))
    origin_values = origins.to_numpy()

    rows = []
    for code, date in zip(events_dates["council_code"], dates, strict=True):
        j = int(np.searchsorted(origin_values, np.datetime64(date), side="left")) - 1
        row: dict[str, Any] = {"council_code": code, "date": date}
        scored = j >= 0 and (code, j) in q_of
        if not scored or (horizon is not None and date > origins[j] + horizon):
            row.update(last_origin=pd.NaT, first_origin=pd.NaT, flagged_at_last=_NAN,
                       n_origins_flagged=0.0, lead_time_years=_NAN, p_ge_1y=_NAN,
                       p_ge_2y=_NAN)  # fmt: skip
        else:
            # P(the unbroken run of flags ending at j starts at i) = prod q[i..j] x (1 - q[i-1])
            run_p, lead, n_run, ge1, ge2, first = 1.0, 0.0, 0.0, 0.0, 0.0, pd.NaT
            for i in range(j, -1, -1):
                run_p *= q_of.get((code, i), 0.0)
                if run_p <= 0:
                    break
                first = origins[i]
                stop = 1.0 - (q_of.get((code, i - 1), 0.0) if i > 0 else 0.0)
                years = (date - origins[i]).days / DAYS_PER_YEAR
                n_run += run_p
                lead += run_p * stop * years
                ge1 += run_p * stop * (years >= 1.0)
                ge2 += run_p * stop * (years >= 2.0)
            row.update(last_origin=origins[j], first_origin=first,
                       flagged_at_last=float(q_of[(code, j)]), n_origins_flagged=n_run,
                       lead_time_years=lead, p_ge_1y=ge1, p_ge_2y=ge2)  # fmt: skip
        rows.append(row)
    cols = ["council_code", "date", "last_origin", "first_origin", "flagged_at_last",
            "n_origins_flagged", "lead_time_years", "p_ge_1y", "p_ge_2y"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=cols)
    lead = frame["lead_time_years"].to_numpy(dtype=float)
    ok = np.isfinite(lead)
    ev = lead[ok]
    hit = frame["flagged_at_last"].to_numpy(dtype=float)[ok]
    cond = np.divide(ev, hit, out=np.full_like(ev, np.nan), where=hit > 0)
    summary = {
        "n_failures": len(frame),
        "n_evaluable": int(ev.size),
        "share_flagged": float(hit.mean()) if ev.size else _NAN,
        "median_years": float(np.median(ev)) if ev.size else _NAN,
        "median_years_if_flagged": float(np.median(cond[hit > 0])) if (hit > 0).any() else _NAN,
        "share_ge_1y": float(frame["p_ge_1y"].to_numpy(dtype=float)[ok].mean())
        if ev.size
        else _NAN,
        "share_ge_2y": float(frame["p_ge_2y"].to_numpy(dtype=float)[ok].mean())
        if ev.size
        else _NAN,
    }
    return frame, summary


def flag_stability(pred: pd.DataFrame, k: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """Turnover of the top-*k* set between consecutive origins.

    With ``S_t`` the councils flagged (top ``k`` by ``p``; ties at the cut in a random order,
    figures are expectations over those orders) at origin ``t`` and ``t-`` the previous
    origin: ``entered = |S_t - S_t-|``,
    ``left = |S_t- - S_t|``, ``turnover = entered / |S_t|`` (the share of this origin's
    list that is new) and ``jaccard = |S_t & S_t-| / |S_t | S_t-|``. A council without a row
    at ``t`` counts as having left.

    Parameters
    ----------
    pred : pandas.DataFrame
        Predictions: ``council_code``, ``origin``, ``y``, ``p``.
    k : int
        Size of the flagged set at each origin.

    Returns
    -------
    frame : pandas.DataFrame
        One row per pair of consecutive origins: ``origin_from``, ``origin_to``,
        ``n_flagged``, ``n_entered``, ``n_left``, ``n_stayed``, ``turnover``, ``jaccard``.
    summary : dict
        ``n_transitions``, ``mean_turnover``, ``mean_jaccard``, ``n_entries``,
        ``n_exits`` and ``n_councils_ever_flagged``.

    Examples
    --------
    >>> pred = pd.DataFrame({
    ...     "council_code": ["A", "B", "C"] * 2,
    ...     "origin": pd.to_datetime(["2019-03-31"] * 3 + ["2020-03-31"] * 3),
    ...     "y": 0, "p": [0.9, 0.8, 0.1, 0.9, 0.1, 0.8]})
    >>> frame, summary = flag_stability(pred, k=2)
    >>> summary["mean_turnover"]
    0.5
    """
    k = _check_k(k)
    df = _check_pred(pred)
    origin_ids, origins = pd.factorize(df["origin"], sort=True)
    share = _top_k_by_origin(origin_ids, df["p"].to_numpy(dtype=float), k)
    codes = df["council_code"].to_numpy()
    # expected counts over random orders of ties (independent between origins)
    q = [dict(zip(codes[origin_ids == j], share[origin_ids == j], strict=True))
         for j in range(len(origins))]  # fmt: skip
    rows = []
    for j in range(1, len(origins)):
        prev, cur = q[j - 1], q[j]
        n_cur, n_prev = sum(cur.values()), sum(prev.values())
        stayed = sum(v * prev.get(c, 0.0) for c, v in cur.items())
        rows.append({
            "origin_from": origins[j - 1],
            "origin_to": origins[j],
            "n_flagged": n_cur,
            "n_entered": n_cur - stayed,
            "n_left": n_prev - stayed,
            "n_stayed": stayed,
            "turnover": _ratio(n_cur - stayed, n_cur),
            "jaccard": _ratio(stayed, n_cur + n_prev - stayed),
        })  # fmt: skip
    cols = ["origin_from", "origin_to", "n_flagged", "n_entered", "n_left", "n_stayed",
            "turnover", "jaccard"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=cols)
    summary = {
        "n_transitions": len(frame),
        "mean_turnover": float(frame["turnover"].mean()) if len(frame) else _NAN,
        "mean_jaccard": float(frame["jaccard"].mean()) if len(frame) else _NAN,
        "n_entries": float(frame["n_entered"].sum()),
        "n_exits": float(frame["n_left"].sum()),
        "n_councils_ever_flagged": len(set(codes[share > 0])),
    }
    return frame, summary


# --------------------------------------------------------------------------- bootstrap
class BootstrapCI(tuple):
    """``(estimate, lo, hi)`` that also carries ``n_skipped``, ``n_boot`` and ``level``.

    Unpacks as a 3-tuple; read the extra fields as attributes.
    """

    n_skipped: int
    n_boot: int
    level: float

    def __new__(
        cls, estimate: float, lo: float, hi: float, n_skipped: int, n_boot: int, level: float
    ) -> BootstrapCI:
        self = super().__new__(cls, (estimate, lo, hi))
        self.n_skipped, self.n_boot, self.level = n_skipped, n_boot, level
        return self

    @property
    def estimate(self) -> float:
        return self[0]

    @property
    def lo(self) -> float:
        return self[1]

    @property
    def hi(self) -> float:
        return self[2]

    def __repr__(self) -> str:
        return (
            f"BootstrapCI(estimate={self[0]!r}, lo={self[1]!r}, hi={self[2]!r}, "
            f"n_skipped={self.n_skipped}, n_boot={self.n_boot}, level={self.level})"
        )


class _ClusterSampler:
    """Draw row indices of a cluster bootstrap: whole clusters, with replacement."""

    def __init__(self, groups: np.ndarray) -> None:
        ids, uniques = pd.factorize(pd.Series(groups), sort=True)
        self.n_clusters = len(uniques)
        self.order = np.argsort(ids, kind="stable")
        self.sizes = np.bincount(ids, minlength=self.n_clusters)
        self.starts = np.r_[0, np.cumsum(self.sizes)[:-1]]

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        pick = rng.integers(0, self.n_clusters, self.n_clusters)
        sizes = self.sizes[pick]
        ends = np.cumsum(sizes)
        pos = np.repeat(self.starts[pick] - (ends - sizes), sizes) + np.arange(ends[-1])
        return self.order[pos]


def _percentile_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return _NAN, _NAN
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(values, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def _finite(x: Any) -> bool:
    return x is not None and math.isfinite(float(x))


def bootstrap_ci(
    pred: pd.DataFrame,
    metric_fn: Callable[[pd.DataFrame], float | None],
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    cluster: str | None = "council_code",
) -> BootstrapCI:
    """Cluster-bootstrap percentile interval of a metric of a predictions frame.

    Each resample draws as many councils as there are, with replacement, and keeps all
    rows (all origins) of every council drawn, so a council drawn twice appears twice.
    This respects the correlation of a council's rows across origins; resampling rows
    would understate the uncertainty.

    Parameters
    ----------
    pred : pandas.DataFrame
        Predictions frame (any columns ``metric_fn`` needs, plus ``cluster``).
    metric_fn : callable
        ``metric_fn(frame) -> float``; ``None`` or ``nan`` marks an undefined value.
    n_boot : int, default 1000
        Number of resamples.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same interval.
    level : float, default 0.95
        Coverage of the percentile interval.
    cluster : str or None, default "council_code"
        Column whose values are resampled as units; ``None`` resamples rows.

    Returns
    -------
    BootstrapCI
        ``(estimate, lo, hi)`` where ``estimate = metric_fn(pred)``; attributes
        ``n_skipped`` (resamples where the metric was undefined, e.g. one class only, which
        are left out of the interval), ``n_boot`` and ``level``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pred = pd.DataFrame({"council_code": np.repeat(np.arange(50), 2),
    ...                      "p": rng.random(100)})
    >>> pred["y"] = rng.binomial(1, pred["p"])
    >>> est, lo, hi = bootstrap_ci(pred, lambda d: float(d["y"].mean()), n_boot=200)
    >>> bool(lo <= est <= hi)
    True
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be positive, got {n_boot!r}")
    data = pred.reset_index(drop=True)
    groups = data[cluster].to_numpy() if cluster is not None else np.arange(len(data))
    sampler = _ClusterSampler(groups)
    rng = np.random.default_rng(seed)
    estimate = metric_fn(data)
    values = np.full(n_boot, np.nan)
    for b in range(n_boot):
        v = metric_fn(data.iloc[sampler.draw(rng)].reset_index(drop=True))
        if _finite(v):
            values[b] = float(v)
    lo, hi = _percentile_interval(values, level)
    est = float(estimate) if _finite(estimate) else _NAN
    return BootstrapCI(est, lo, hi, int(np.isnan(values).sum()), int(n_boot), float(level))


def auroc_ci(
    y: ArrayLike,
    p: ArrayLike,
    groups: ArrayLike,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
    sample_weight: ArrayLike | None = None,
) -> BootstrapCI:
    """AUROC with a cluster-bootstrap interval, on arrays (fast: for many small subgroups).

    The same resampling as :func:`bootstrap_ci` (whole clusters, with replacement) and
    the same AUROC as :func:`sklearn.metrics.roc_auc_score`, without building a frame per
    resample. Undefined (one class) -> ``nan``.

    Examples
    --------
    >>> est, lo, hi = auroc_ci([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], ["a", "a", "b", "b"], 50)
    >>> est
    1.0
    """
    y, p, w = _arrays(y, p, sample_weight)
    g = np.asarray(groups)
    if g.shape != y.shape:
        raise ValueError("groups must be as long as y")
    est = _ranking_scores(y, p, w)[0] if _both_classes(y, w) else _NAN
    values = np.full(max(int(n_boot), 0), np.nan)
    if n_boot > 0 and y.size:
        sampler = _ClusterSampler(g)
        rng = np.random.default_rng(seed)
        for b in range(int(n_boot)):
            idx = sampler.draw(rng)
            if _both_classes(y[idx], w[idx]):
                values[b] = _ranking_scores(y[idx], p[idx], w[idx])[0]
    lo, hi = _percentile_interval(values, level) if values.size else (_NAN, _NAN)
    return BootstrapCI(est, lo, hi, int(np.isnan(values).sum()), int(n_boot), float(level))


# --------------------------------------------------------------------------- evaluation
_POOLED_SCALARS = (
    "auroc", "pauroc_fpr20", "average_precision", "precision_at_k", "recall_at_k",
    "lift_at_k", "brier", "reliability", "resolution", "uncertainty", "calibration_slope",
    "calibration_intercept", "ur", "ur_topk", "nsr", "nsr_topk",
    "auroc_within_origin", "average_precision_within_origin", "observed_expected",
    "brier_skill",
)  # fmt: skip


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
        return _NAN, _NAN
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
    return _ratio(auc_num, auc_den), _ratio(ap_num, ap_den)


def _ranking_scores(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
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
    stop = int(np.searchsorted(fpr, _MAX_FPR, "right"))
    tpr_cut = np.interp(_MAX_FPR, fpr[stop - 1 : stop + 1], tpr[stop - 1 : stop + 1])
    partial = float(np.trapezoid(np.append(tpr[:stop], tpr_cut), np.append(fpr[:stop], _MAX_FPR)))
    min_area, max_area = 0.5 * _MAX_FPR**2, _MAX_FPR
    pauroc = 0.5 * (1.0 + (partial - min_area) / (max_area - min_area))
    flagged = tps + fps
    precision = np.divide(tps, flagged, out=np.zeros_like(tps), where=flagged != 0)
    ap = float(np.diff(np.concatenate(([0.0], tps / tps[-1]))) @ precision)
    return auroc, pauroc, ap


def _recalibration_newton(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """``(slope, intercept)`` of :func:`calibration_slope_intercept` by Newton-Raphson.

    The same unpenalised maximum-likelihood fit, without statsmodels' per-fit overhead,
    for the bootstrap; the test suite checks agreement with statsmodels.
    """
    x = _recalibration_x(y, p, w)
    if x is None:
        return _NAN, _NAN
    a, b = 0.0, 1.0
    for _ in range(100):
        with np.errstate(over="ignore"):
            m = 1.0 / (1.0 + np.exp(-(a + b * x)))
        r, v = w * (y - m), w * m * (1.0 - m)
        g = np.array([r.sum(), r @ x])
        h = np.array([[v.sum(), v @ x], [v @ x, v @ (x * x)]])
        det = h[0, 0] * h[1, 1] - h[0, 1] ** 2
        if not det > 0:
            return _NAN, _NAN
        da = (h[1, 1] * g[0] - h[0, 1] * g[1]) / det
        db = (h[0, 0] * g[1] - h[0, 1] * g[0]) / det
        a, b = a + da, b + db
        if abs(b) > 1e3:
            return _NAN, _NAN
        if max(abs(da), abs(db)) < 1e-10:
            return float(b), float(a)
    return _NAN, _NAN


def _scalar_metrics(
    y: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    origin_ids: np.ndarray,
    k: int,
    mu: float,
    threshold: float | str,
    n_bins: int,
    exact: bool = True,
    ref: np.ndarray | None = None,
) -> dict[str, float]:
    """All scalar metrics of one (pooled or single-origin) sample, as plain floats.

    ``ref`` is a reference probability known at each row's origin (the training base
    rate): ``brier_skill = 1 - brier / brier(ref)`` (``nan`` without it).

    ``exact=True`` uses scikit-learn and statsmodels; ``exact=False`` (bootstrap
    resamples) uses the equivalent fast paths :func:`_ranking_scores` and
    :func:`_recalibration_newton`.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    out = dict.fromkeys(_POOLED_SCALARS, _NAN)
    if _both_classes(y, w):
        if exact:
            out["auroc"] = float(roc_auc_score(y, p, sample_weight=w))
            out["pauroc_fpr20"] = float(roc_auc_score(y, p, sample_weight=w, max_fpr=_MAX_FPR))
            out["average_precision"] = float(average_precision_score(y, p, sample_weight=w))
            slope, intercept = calibration_slope_intercept(y, p, w)
        else:
            out["auroc"], out["pauroc_fpr20"], out["average_precision"] = _ranking_scores(y, p, w)
            slope, intercept = _recalibration_newton(y, p, w)
        out["calibration_slope"], out["calibration_intercept"] = slope, intercept
        within = within_origin_scores(y, p, w, origin_ids)
        out["auroc_within_origin"], out["average_precision_within_origin"] = within
    out["observed_expected"] = _ratio(w @ y, w @ p)
    # Ranking at k: per origin, then the mean over the origins where it is defined (k is
    # a per-origin budget, so pooling rows would flag k councils in all).
    flagged = _top_k_by_origin(origin_ids, p, k)
    n_or = int(origin_ids.max()) + 1 if origin_ids.size else 0
    hits = np.bincount(origin_ids, weights=w * y * flagged, minlength=n_or)
    n_top = np.bincount(origin_ids, weights=w * flagged, minlength=n_or)
    pos = np.bincount(origin_ids, weights=w * y, minlength=n_or)
    tot = np.bincount(origin_ids, weights=w, minlength=n_or)
    present = tot > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(n_top > 0, hits / n_top, np.nan)
        rec = np.where(pos > 0, hits / pos, np.nan)
        lift = np.where(pos > 0, prec * tot / pos, np.nan)
    prec, rec, lift = prec[present], rec[present], lift[present]
    for name, arr in (("precision_at_k", prec), ("recall_at_k", rec), ("lift_at_k", lift)):
        ok = np.isfinite(arr)
        out[name] = float(arr[ok].mean()) if ok.any() else _NAN
    if exact:
        dec = brier_decomposition(y, p, n_bins=n_bins, sample_weight=w)
    else:
        dec = _brier_terms(y, p, w, n_bins)
    for name in ("brier", "reliability", "resolution", "uncertainty"):
        out[name] = dec[name]
    if ref is not None and w.sum() > 0:
        out["brier_skill"] = 1.0 - _ratio(out["brier"], float(w @ (y - ref) ** 2) / w.sum())
    # Usefulness: the threshold rule (given or Ua-maximising), and the top-k rule.
    if isinstance(threshold, str):
        _, counts = _optimal_thresholds(y, p, w, np.array([mu]))
        c = tuple(counts[0])
    else:
        c = _counts(y, p >= threshold, w)
    out["ur"] = _usefulness_from_counts(*c, mu)["ur"]
    out["nsr"] = _nsr(*c)
    c_top = _counts(y, flagged, w)
    out["ur_topk"] = _usefulness_from_counts(*c_top, mu)["ur"]
    out["nsr_topk"] = _nsr(*c_top)
    return out


def evaluate_predictions(
    pred: pd.DataFrame,
    k: int,
    mu: float = 0.5,
    n_boot: int = 500,
    seed: int = 0,
    *,
    level: float = 0.95,
    threshold: float | Literal["optimal"] = "optimal",
    mus: ArrayLike = _DEFAULT_MUS,
    n_bins: int = 10,
    events: pd.DataFrame | None = None,
    horizon: pd.DateOffset | pd.Timedelta | None = None,
) -> dict[str, Any]:
    """All metrics of a backtest's predictions, per origin and pooled, JSON-ready.

    Parameters
    ----------
    pred : pandas.DataFrame
        ``council_code``, ``origin``, ``y``, ``p`` and optional ``weight`` (used as sample
        weight by every metric except the rankings themselves).
    k : int
        Councils flagged per origin.
    mu : float, default 0.5
        Preference for the usefulness ``ur`` (see :func:`usefulness`).
    n_boot : int, default 500
        Council-bootstrap resamples for the pooled intervals (0 skips the bootstrap).
    seed : int, default 0
        Seed of the bootstrap; the result is deterministic for a seed.
    level : float, default 0.95
        Coverage of the percentile intervals.
    threshold : float or "optimal", default "optimal"
        Rule for ``ur``, ``nsr`` and the usefulness curve: signal when ``p >= threshold``,
        or ``"optimal"``: the threshold that maximises ``Ua`` at ``mu`` on the same rows
        (in-sample, so optimistic; re-chosen in every bootstrap resample).
    mus : array-like, default 0.05, 0.10, ..., 0.95
        Preferences of the pooled usefulness curve.
    n_bins : int, default 10
        Equal-width bins for the Brier decomposition and the reliability curve.
    events : pandas.DataFrame, optional
        Failures (``council_code``, ``date``); if given, the :func:`lead_time` summary is
        added.
    horizon : pandas.DateOffset or pandas.Timedelta, optional
        Passed to :func:`lead_time`.

    Returns
    -------
    dict
        ``settings``; ``pooled``: every scalar in ``auroc``, ``pauroc_fpr20``
        (McClish-standardised partial AUROC up to FPR 0.2), ``average_precision``,
        ``precision_at_k``/``recall_at_k``/``lift_at_k`` (mean over origins of the
        per-origin values), ``brier``/``reliability``/``resolution``/``uncertainty``,
        ``calibration_slope``/``calibration_intercept``, ``ur`` and ``nsr`` (threshold
        rule), ``ur_topk`` and ``nsr_topk`` (rule: flagged = top ``k`` at its origin) as
        ``{"value", "lo", "hi"}``, plus ``n``, ``n_pos``, ``threshold`` (chosen for ``ur``
        at ``mu``; ``None`` = never signal), ``reliability_curve`` (per non-empty bin:
        ``p_mean``, ``y_mean``, ``n``) and ``usefulness_curve``; ``per_origin``: a list of
        the same scalars (no intervals) with ``origin``, ``n`` and ``n_pos``;
        ``bootstrap``: ``n_boot`` and per metric ``n_skipped``; ``flag_stability`` and,
        with ``events``, ``lead_time`` summaries. Undefined values are ``None``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pred = pd.DataFrame({
    ...     "council_code": np.tile([f"E{i:02d}" for i in range(40)], 3),
    ...     "origin": np.repeat(pd.to_datetime(["2019-03-31", "2020-03-31", "2021-03-31"]), 40),
    ...     "p": rng.uniform(0, 0.6, 120)})
    >>> pred["y"] = rng.binomial(1, pred["p"])
    >>> out = evaluate_predictions(pred, k=5, n_boot=50)
    >>> sorted(out["pooled"]["auroc"])
    ['hi', 'lo', 'value']
    """
    k = _check_k(k)
    mu = _check_mu(mu)
    if isinstance(threshold, str) and threshold != "optimal":
        raise ValueError(f"threshold must be a float or 'optimal', got {threshold!r}")
    df = _check_pred(pred)
    y = df["y"].to_numpy(dtype=float)
    p = df["p"].to_numpy(dtype=float)
    w = _weights(df)
    origin_ids, origins = pd.factorize(df["origin"], sort=True)
    ref = df["reference"].to_numpy(dtype=float) if "reference" in df.columns else None

    def metrics(idx: np.ndarray | None) -> dict[str, float]:
        if idx is None:
            return _scalar_metrics(y, p, w, origin_ids, k, mu, threshold, n_bins, ref=ref)
        return _scalar_metrics(
            y[idx], p[idx], w[idx], origin_ids[idx], k, mu, threshold, n_bins, exact=False,
            ref=None if ref is None else ref[idx],
        )  # fmt: skip

    point = metrics(None)
    boot = np.full((max(int(n_boot), 0), len(_POOLED_SCALARS)), np.nan)
    if n_boot > 0:
        sampler = _ClusterSampler(df["council_code"].to_numpy())
        rng = np.random.default_rng(seed)
        for b in range(n_boot):
            vals = metrics(sampler.draw(rng))
            boot[b] = [vals[name] for name in _POOLED_SCALARS]
    pooled: dict[str, Any] = {}
    for j, name in enumerate(_POOLED_SCALARS):
        lo, hi = _percentile_interval(boot[:, j], level) if n_boot > 0 else (_NAN, _NAN)
        skipped = int(np.isnan(boot[:, j]).sum()) if n_boot > 0 else 0
        pooled[name] = {"value": point[name], "lo": lo, "hi": hi}
        if n_boot > 0 and skipped > _MAX_SKIPPED_SHARE * n_boot:
            pooled[name]["unstable"] = True  # too many resamples where it is undefined
    pooled["n"] = len(df)
    pooled["n_pos"] = int(y.sum())
    # chance levels of the ranking at k: a random order within each origin
    n_o = np.bincount(origin_ids, weights=w)
    rate_o = np.bincount(origin_ids, weights=w * y) / np.where(n_o > 0, n_o, 1)
    cnt = np.bincount(origin_ids)
    has_pos = np.bincount(origin_ids, weights=y) > 0
    pooled["precision_at_k_chance"] = float(rate_o.mean()) if rate_o.size else _NAN
    share = np.minimum(k, cnt) / np.where(cnt > 0, cnt, 1)
    pooled["recall_at_k_chance"] = float(share[has_pos].mean()) if has_pos.any() else _NAN
    if isinstance(threshold, str):
        pooled["threshold"] = float(_optimal_thresholds(y, p, w, np.array([mu]))[0][0])
    else:
        pooled["threshold"] = float(threshold)
    ids, n_k, pbar, obar = _bin_stats(y, p, w, n_bins)
    pooled["reliability_curve"] = [
        {"bin": int(i), "p_mean": float(a), "y_mean": float(b), "n": float(c)}
        for i, a, b, c in zip(ids, pbar, obar, n_k, strict=True)
    ]
    curve = usefulness_curve(y, p, mus=mus, threshold_rule=threshold, sample_weight=w)
    pooled["usefulness_curve"] = curve.to_dict(orient="records")

    per_origin = []
    for j, origin in enumerate(origins):
        m = origin_ids == j
        vals = _scalar_metrics(
            y[m], p[m], w[m], origin_ids[m], k, mu, threshold, n_bins,
            ref=None if ref is None else ref[m],
        )  # fmt: skip
        n_pos = int(y[m].sum())
        per_origin.append(
            {"origin": origin, "n": int(m.sum()), "n_pos": n_pos,
             "small": n_pos < _MIN_ORIGIN_EVENTS, **vals}
        )  # fmt: skip

    out: dict[str, Any] = {
        "settings": {
            "k": k,
            "mu": mu,
            "threshold_rule": threshold,
            "level": level,
            "n_bins": n_bins,
            "seed": seed,
        },  # fmt: skip
        "pooled": pooled,
        "per_origin": per_origin,
        "bootstrap": {
            "n_boot": int(n_boot),
            "cluster": "council_code",
            "n_skipped": {
                name: int(np.isnan(boot[:, j]).sum()) for j, name in enumerate(_POOLED_SCALARS)
            },
        },
        "flag_stability": flag_stability(df, k)[1],
    }
    if events is not None:
        out["lead_time"] = lead_time(df, events, k, horizon=horizon)[1]
    return _jsonable(out)

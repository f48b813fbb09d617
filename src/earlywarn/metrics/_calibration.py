"""Calibration: the Brier score and its Murphy decomposition, and the calibration slope
and intercept (logistic recalibration, by statsmodels or, for bootstrap resamples, by a
few Newton steps)."""

from __future__ import annotations

import math
import warnings

import numpy as np

from earlywarn.metrics._checks import NAN, ArrayLike, as_arrays, both_classes

__all__ = [
    "CLIP",
    "bin_stats",
    "brier_decomposition",
    "brier_terms",
    "calibration_slope_intercept",
    "recalibration_newton",
    "recalibration_x",
]

CLIP = 1e-6  # probabilities are clipped to [CLIP, 1 - CLIP] before the logit


def bin_stats(
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

    y, p, w = as_arrays(y, p, sample_weight)
    out = brier_terms(y, p, w, n_bins)
    if np.isfinite(out["brier"]):
        out["brier"] = float(brier_score_loss(y, p, sample_weight=w, labels=[0, 1]))
        out["within_bin"] = out["brier"] - (
            out["reliability"] - out["resolution"] + out["uncertainty"]
        )
    return out


def brier_terms(y: np.ndarray, p: np.ndarray, w: np.ndarray, n_bins: int) -> dict[str, float]:
    keys = ("brier", "reliability", "resolution", "uncertainty", "within_bin")
    n = float(w.sum())
    if n <= 0:
        return dict.fromkeys(keys, NAN)
    _, n_k, pbar, obar_k = bin_stats(y, p, w, n_bins)
    obar = float(w @ y) / n
    rel = float(n_k @ (pbar - obar_k) ** 2) / n
    res = float(n_k @ (obar_k - obar) ** 2) / n
    unc = obar * (1.0 - obar)
    brier = float(w @ (p - y) ** 2) / n
    return dict(zip(keys, (brier, rel, res, unc, brier - (rel - res + unc)), strict=True))


def recalibration_x(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """``logit(clip(p))``, or ``None`` when the recalibration fit has no finite MLE.

    That is: one class only, or the classes (quasi-)separated by ``p`` (every positive
    at or above every negative, or the reverse), which includes a constant ``p``.
    """
    if not both_classes(y, w):
        return None
    pc = np.clip(p, CLIP, 1.0 - CLIP)
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
    y, p, w = as_arrays(y, p, sample_weight)
    x = recalibration_x(y, p, w)
    if x is None:
        return NAN, NAN
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
            return NAN, NAN
    converged = bool(getattr(fit, "converged", True))
    a, b = (float(v) for v in fit.params)
    if not converged or not (math.isfinite(a) and math.isfinite(b)) or abs(b) > 1e3:
        return NAN, NAN
    return b, a


def recalibration_newton(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """``(slope, intercept)`` of :func:`calibration_slope_intercept` by Newton-Raphson.

    The same unpenalised maximum-likelihood fit, without statsmodels' per-fit overhead,
    for the bootstrap; the test suite checks agreement with statsmodels.
    """
    x = recalibration_x(y, p, w)
    if x is None:
        return NAN, NAN
    a, b = 0.0, 1.0
    for _ in range(100):
        with np.errstate(over="ignore"):
            m = 1.0 / (1.0 + np.exp(-(a + b * x)))
        r, v = w * (y - m), w * m * (1.0 - m)
        g = np.array([r.sum(), r @ x])
        h = np.array([[v.sum(), v @ x], [v @ x, v @ (x * x)]])
        det = h[0, 0] * h[1, 1] - h[0, 1] ** 2
        if not det > 0:
            return NAN, NAN
        da = (h[1, 1] * g[0] - h[0, 1] * g[1]) / det
        db = (h[0, 0] * g[1] - h[0, 1] * g[0]) / det
        a, b = a + da, b + db
        if abs(b) > 1e3:
            return NAN, NAN
        if max(abs(da), abs(db)) < 1e-10:
            return float(b), float(a)
    return NAN, NAN

"""One JSON-ready summary of a backtest's predictions: every metric per origin and pooled,
with council-bootstrap intervals (:func:`evaluate_predictions`).

A metric that is undefined on the data (one class only, nothing flagged) is ``nan``, never
a warning; the summary turns ``nan`` into ``None``. The metric keys, their labels and which
way is better are defined once, in :data:`earlywarn._names.METRICS`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from earlywarn._json import to_jsonable
from earlywarn._names import METRICS
from earlywarn.metrics._bootstrap import MAX_SKIPPED_SHARE, cluster_bootstrap, percentile_interval
from earlywarn.metrics._calibration import (
    bin_stats,
    brier_decomposition,
    brier_terms,
    calibration_slope_intercept,
    recalibration_newton,
)
from earlywarn.metrics._checks import (
    NAN,
    ArrayLike,
    both_classes,
    check_k,
    check_mu,
    check_pred,
    ratio,
    row_weights,
)
from earlywarn.metrics._over_origins import flag_stability, lead_time
from earlywarn.metrics._ranking import MAX_FPR, ranking_scores, within_origin_scores
from earlywarn.metrics._topk import top_k_share_by_origin
from earlywarn.metrics._usefulness import (
    DEFAULT_MUS,
    confusion_counts,
    nsr_from_counts,
    optimal_thresholds,
    usefulness_curve,
    usefulness_from_counts,
)

__all__ = ["MIN_ORIGIN_EVENTS", "POOLED_METRICS", "evaluate_predictions", "scalar_metrics"]

MIN_ORIGIN_EVENTS = 5  # an origin with fewer failures is flagged 'small'
POOLED_METRICS = tuple(m.key for m in METRICS)  # every scalar, pooled and per origin


def scalar_metrics(
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
    resamples) uses the equivalent fast paths :func:`ranking_scores` and
    :func:`recalibration_newton`.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    out = dict.fromkeys(POOLED_METRICS, NAN)
    if both_classes(y, w):
        if exact:
            out["auroc"] = float(roc_auc_score(y, p, sample_weight=w))
            out["pauroc_fpr20"] = float(roc_auc_score(y, p, sample_weight=w, max_fpr=MAX_FPR))
            out["average_precision"] = float(average_precision_score(y, p, sample_weight=w))
            slope, intercept = calibration_slope_intercept(y, p, w)
        else:
            out["auroc"], out["pauroc_fpr20"], out["average_precision"] = ranking_scores(y, p, w)
            slope, intercept = recalibration_newton(y, p, w)
        out["calibration_slope"], out["calibration_intercept"] = slope, intercept
        within = within_origin_scores(y, p, w, origin_ids)
        out["auroc_within_origin"], out["average_precision_within_origin"] = within
    out["observed_expected"] = ratio(w @ y, w @ p)
    # Ranking at k: per origin, then the mean over the origins where it is defined (k is
    # a per-origin budget, so pooling rows would flag k councils in all).
    flagged = top_k_share_by_origin(origin_ids, p, k)
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
        out[name] = float(arr[ok].mean()) if ok.any() else NAN
    if exact:
        dec = brier_decomposition(y, p, n_bins=n_bins, sample_weight=w)
    else:
        dec = brier_terms(y, p, w, n_bins)
    for name in ("brier", "reliability", "resolution", "uncertainty"):
        out[name] = dec[name]
    if ref is not None and w.sum() > 0:
        out["brier_skill"] = 1.0 - ratio(out["brier"], float(w @ (y - ref) ** 2) / w.sum())
    # Usefulness: the threshold rule (given or Ua-maximising), and the top-k rule.
    if isinstance(threshold, str):
        _, counts = optimal_thresholds(y, p, w, np.array([mu]))
        c = tuple(counts[0])
    else:
        c = confusion_counts(y, p >= threshold, w)
    out["ur"] = usefulness_from_counts(*c, mu)["ur"]
    out["nsr"] = nsr_from_counts(*c)
    c_top = confusion_counts(y, flagged, w)
    out["ur_topk"] = usefulness_from_counts(*c_top, mu)["ur"]
    out["nsr_topk"] = nsr_from_counts(*c_top)
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
    mus: ArrayLike = DEFAULT_MUS,
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
    k = check_k(k)
    mu = check_mu(mu)
    if isinstance(threshold, str) and threshold != "optimal":
        raise ValueError(f"threshold must be a float or 'optimal', got {threshold!r}")
    df = check_pred(pred)
    y = df["y"].to_numpy(dtype=float)
    p = df["p"].to_numpy(dtype=float)
    w = row_weights(df)
    origin_ids, origins = pd.factorize(df["origin"], sort=True)
    ref = df["reference"].to_numpy(dtype=float) if "reference" in df.columns else None

    def metrics(idx: np.ndarray | None) -> dict[str, float]:
        if idx is None:
            return scalar_metrics(y, p, w, origin_ids, k, mu, threshold, n_bins, ref=ref)
        return scalar_metrics(
            y[idx], p[idx], w[idx], origin_ids[idx], k, mu, threshold, n_bins, exact=False,
            ref=None if ref is None else ref[idx],
        )  # fmt: skip

    def resample(rows: np.ndarray) -> list[float]:
        vals = metrics(rows)
        return [vals[name] for name in POOLED_METRICS]

    point = metrics(None)
    boot = np.full((max(int(n_boot), 0), len(POOLED_METRICS)), np.nan)
    if n_boot > 0 and len(df):
        boot = cluster_bootstrap(df["council_code"].to_numpy(), resample, n_boot, seed)
    pooled: dict[str, Any] = {}
    for j, name in enumerate(POOLED_METRICS):
        lo, hi = percentile_interval(boot[:, j], level) if n_boot > 0 else (NAN, NAN)
        skipped = int(np.isnan(boot[:, j]).sum()) if n_boot > 0 else 0
        pooled[name] = {"value": point[name], "lo": lo, "hi": hi}
        if n_boot > 0 and skipped > MAX_SKIPPED_SHARE * n_boot:
            pooled[name]["unstable"] = True  # too many resamples where it is undefined
    pooled["n"] = len(df)
    pooled["n_pos"] = int(y.sum())
    # chance levels of the ranking at k: a random order within each origin
    n_o = np.bincount(origin_ids, weights=w)
    rate_o = np.bincount(origin_ids, weights=w * y) / np.where(n_o > 0, n_o, 1)
    cnt = np.bincount(origin_ids)
    has_pos = np.bincount(origin_ids, weights=y) > 0
    pooled["precision_at_k_chance"] = float(rate_o.mean()) if rate_o.size else NAN
    share = np.minimum(k, cnt) / np.where(cnt > 0, cnt, 1)
    pooled["recall_at_k_chance"] = float(share[has_pos].mean()) if has_pos.any() else NAN
    if isinstance(threshold, str):
        pooled["threshold"] = float(optimal_thresholds(y, p, w, np.array([mu]))[0][0])
    else:
        pooled["threshold"] = float(threshold)
    ids, n_k, pbar, obar = bin_stats(y, p, w, n_bins)
    pooled["reliability_curve"] = [
        {"bin": int(i), "p_mean": float(a), "y_mean": float(b), "n": float(c)}
        for i, a, b, c in zip(ids, pbar, obar, n_k, strict=True)
    ]
    curve = usefulness_curve(y, p, mus=mus, threshold_rule=threshold, sample_weight=w)
    pooled["usefulness_curve"] = curve.to_dict(orient="records")

    per_origin = []
    for j, origin in enumerate(origins):
        m = origin_ids == j
        vals = scalar_metrics(
            y[m], p[m], w[m], origin_ids[m], k, mu, threshold, n_bins,
            ref=None if ref is None else ref[m],
        )  # fmt: skip
        n_pos = int(y[m].sum())
        per_origin.append(
            {"origin": origin, "n": int(m.sum()), "n_pos": n_pos,
             "small": n_pos < MIN_ORIGIN_EVENTS, **vals}
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
                name: int(np.isnan(boot[:, j]).sum()) for j, name in enumerate(POOLED_METRICS)
            },
        },
        "flag_stability": flag_stability(df, k)[1],
    }
    if events is not None:
        out["lead_time"] = lead_time(df, events, k, horizon=horizon)[1]
    return to_jsonable(out)

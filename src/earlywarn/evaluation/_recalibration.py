"""Out-of-time recalibration of backtest probabilities (``evaluate.recalibrate``).

A model's probabilities can rank well and still run too high or too low (on the real
panel, gbm's calibration slope was 0.46). Recalibration refits ``logit(p') = a + b
logit(p)`` for each model and target, at each test origin ``t``, on the out-of-time
predictions of *earlier* test origins whose label windows had closed by ``t``
(``o + horizon <= t``): nothing from ``t``'s own outcomes is used. Origins with no such
history, or with a history of one class only, keep their probabilities. The refitted
slope is floored at :data:`MIN_SLOPE`: a score whose earlier predictions ran the wrong way
gets nearly constant probabilities, never a reversed ranking.

The published probability (:func:`published_recalibration`, :func:`apply_recalibration`)
gets one such map, fitted on the chosen model's predictions at every backtest origin
whose window closed by ``as_of``; the cycle logs it with the published model's run, and
``score`` and ``explain --model`` apply the same.

Example
-------
>>> import numpy as np, pandas as pd
>>> o = pd.to_datetime(["2014-03-31", "2016-03-31", "2018-03-31"])
>>> bt = pd.DataFrame({"model": "m", "council_code": np.tile(list("ABCDEFGH"), 3),
...     "origin": np.repeat(o, 8), "label": [1, 0, 0, 0] * 6, "censored": False,
...     "p_joint": 0.5, "p_conditional": 0.5})
>>> out = recalibrate_out_of_time(bt, horizon_months=24)
>>> out.groupby("origin")["p_joint"].first().round(2).tolist()
[0.5, 0.25, 0.25]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from earlywarn._names import TARGETS
from earlywarn.labels import in_population
from earlywarn.metrics import CLIP, calibration_slope_intercept, recalibration_newton
from earlywarn.panel import window_closed

__all__ = [
    "MIN_SLOPE",
    "apply_recalibration",
    "published_recalibration",
    "recalibrate_out_of_time",
    "recalibration_block",
]

MIN_SLOPE = 0.01  # the refitted slope's floor: recalibration never reverses a ranking
#: The published map is refused below this many closed backtest origins (two parameters
#: need more than one origin's handful of rows) and fitted with a warning below this many
#: failures among their rows.
MIN_PUBLISHED_ORIGINS = 2
MIN_PUBLISHED_FAILURES = 10


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def _fit(y: np.ndarray, p: np.ndarray) -> tuple[float, float] | None:
    if y.size == 0 or y.min() == y.max():
        return None
    if np.ptp(p) == 0:  # a constant score: only the intercept can be fitted
        rate = float(np.clip(y.mean(), CLIP, 1 - CLIP))
        return 0.0, float(np.log(rate / (1 - rate)))
    slope, intercept = recalibration_newton(y, p, np.ones_like(p))
    if not (np.isfinite(slope) and np.isfinite(intercept)):
        # plain Newton from (0, 1) can diverge for scores far too extreme (slope near 0):
        # the same fit by statsmodels' IRLS
        slope, intercept = calibration_slope_intercept(y, p)
    if not (np.isfinite(slope) and np.isfinite(intercept)):
        return None
    if slope < MIN_SLOPE:  # never reverse (or erase) a model's ranking: refit the
        slope = MIN_SLOPE  # intercept with the slope at its floor
        intercept = _intercept_at(y, p, slope)
    return slope, intercept


def _intercept_at(y: np.ndarray, p: np.ndarray, slope: float) -> float:
    """The maximum-likelihood intercept with the slope fixed (an offset logit)."""
    from scipy.optimize import brentq

    x = slope * _logit(p)

    def score(a: float) -> float:
        return float(np.sum(y - 1.0 / (1.0 + np.exp(-(a + x)))))

    return float(brentq(score, -30.0, 30.0))


def recalibrate_out_of_time(
    bt: pd.DataFrame,
    horizon_months: int,
    skip: tuple[str, ...] = ("oracle",),
    history: pd.DataFrame | None = None,
    known_at: Callable[[pd.DataFrame, pd.Timestamp], pd.DataFrame] | None = None,
    new_failures_only: bool = False,
) -> pd.DataFrame:
    """``bt`` with ``p_joint`` and ``p_conditional`` recalibrated out of time.

    The map is fitted on the population the model is measured on
    (:func:`earlywarn.labels.in_population`: with ``new_failures_only``, councils already
    failed at their origin are left out of the fit, as they are of the evaluation).

    Parameters
    ----------
    bt : DataFrame
        The wide backtest frame (``model, council_code, origin, label, censored,
        p_joint, p_conditional``).
    horizon_months : int
        An earlier origin ``o`` is used at ``t`` only if ``o + horizon <= t``.
    skip : tuple of str
        Names left as they are (the oracle's probabilities are the truth).
    history : DataFrame, optional
        Out-of-time predictions of *other* (earlier) test origins in the same shape, e.g.
        the validation origins' backtest when ``bt`` holds the after-choice origins: its rows
        join the fitting rows under the same rule (``o + horizon <= t``) and are never
        returned or changed.
    known_at : callable, optional
        ``known_at(rows, t)``: ``rows`` (``council_code, origin``) with ``label`` and
        ``censored`` as known at ``t`` (events published by ``t``). The refit at ``t`` uses
        these, never a judgement published after ``t``
        (:func:`earlywarn.evaluation.labels_known_at`); without it, the frame's own labels.

    Returns
    -------
    DataFrame
        A copy with a ``recalibrated`` column (True where a refit was applied).
    """
    n_scored, dtypes = len(bt), bt.dtypes
    if history is not None and len(history):
        cols = ["model", "council_code", "origin", "label", "censored", "p_joint"]
        cols += ["p_conditional", *(["failed_at_origin"] if "failed_at_origin" in history else [])]
        mine = pd.to_datetime(bt["origin"]).unique()
        past = history[~pd.to_datetime(history["origin"]).isin(mine)][cols]
        bt = pd.concat([bt, past], ignore_index=True)
    bt = bt.reset_index(drop=True)
    out = bt.copy()
    out["recalibrated"] = False
    scored = np.arange(len(bt)) < n_scored
    origin = pd.to_datetime(out["origin"])
    population = in_population(out, new_failures_only=new_failures_only)
    for name in out["model"].unique():
        if name in skip:
            continue
        mine = (out["model"] == name).to_numpy()
        for t in sorted(origin[mine & scored].unique()):
            t = pd.Timestamp(t)
            now = mine & scored & (origin == t).to_numpy()
            past = mine & window_closed(origin, horizon_months, t) & population
            label = out["label"].to_numpy(dtype=float).copy()
            censored = out["censored"].astype(bool).to_numpy().copy()
            if known_at is not None and past.any():  # labels as known at t, not at as_of
                known = known_at(out.loc[past, ["council_code", "origin"]], t)
                label[past] = known["label"].to_numpy(dtype=float)
                censored[past] = known["censored"].astype(bool).to_numpy()
            for target in TARGETS:
                col = f"p_{target}"
                fit_rows = past & ~censored if target == "conditional" else past
                ab = _fit(label[fit_rows], bt.loc[fit_rows, col].to_numpy(dtype=float))
                if ab is None:
                    continue
                b, a = ab
                z = a + b * _logit(bt.loc[now, col].to_numpy(dtype=float))
                out.loc[now, col] = 1.0 / (1.0 + np.exp(-z))
                out.loc[now, "recalibrated"] = True
    return out[scored].reset_index(drop=True).astype(dtypes.to_dict())


def recalibration_block(
    raw: pd.DataFrame,
    recal: pd.DataFrame,
    settings: Any,
    history: bool,
    target_rows: Callable[[pd.DataFrame, str, Any], pd.DataFrame],
) -> dict[str, Any]:
    """The ``recalibration`` block of ``evaluation.json``: which origins were refitted and,
    per model, the calibration slope and intercept (with council-bootstrap intervals) on
    the ranking target before and after, on the recalibrated origins' rows.
    ``target_rows(frame, target, settings)`` picks the rows a target is measured on
    (:func:`earlywarn.evaluation.target_rows`)."""
    from earlywarn.models import skill_summary

    done = recal[recal["recalibrated"]]
    origins = sorted(pd.to_datetime(done["origin"]).unique())
    words = (
        "each model's probabilities at a test origin were refitted (logistic slope and "
        "intercept) on the out-of-time predictions of earlier origins whose windows had "
        "closed; origins without such history keep their probabilities"
    )
    if history:
        words += " (the validation origins' predictions count as earlier origins here)"
    out: dict[str, Any] = {
        "applied": True,
        "words": words,
        "origins_recalibrated": [str(pd.Timestamp(o).date()) for o in origins],
        "uses_selection_history": bool(history),
        "models": {},
    }
    s = settings
    n_boot = min(int(s.n_boot), 200)
    at = pd.to_datetime(raw["origin"]).isin(origins).to_numpy()
    for name in [m for m in dict.fromkeys(raw["model"]) if m != "oracle"]:
        entry = {}
        for when, frame in (("before", raw[at]), ("after", recal[at])):
            rows = target_rows(frame[frame["model"] == name], s.target, s)
            sk = skill_summary(rows, "y", "p", n_boot, s.seed) if len(rows) else {}
            entry[when] = {
                k: sk.get(k) for k in ("calibration_slope", "calibration_intercept", "n", "n_pos")
            }
        out["models"][name] = entry
    return out


def published_recalibration(
    backtests: list[pd.DataFrame | None],
    model: str,
    target: str,
    horizon_months: int,
    as_of: pd.Timestamp,
    score_origin: pd.Timestamp,
    new_failures_only: bool = False,
) -> dict[str, Any]:
    """The recalibration of the *published* probability (``evaluate.recalibrate``).

    ``logit(p') = a + b logit(p)`` fitted, as :func:`recalibrate_out_of_time` fits each
    origin, on ``model``'s raw out-of-time predictions of the ranking ``target`` at every
    backtest origin in ``backtests`` (the validation and after-choice runs' wide frames before
    recalibration) whose label window closed by ``as_of`` (``o + horizon <= as_of``) and
    which is not ``score_origin``; for the conditional target only the uncensored rows,
    and with ``new_failures_only`` only councils not already failed at their origin. (Under
    ``censoring = "weight"`` the refit is unweighted.)

    Returns a JSON-able dict: ``applied``, ``slope``, ``intercept``, ``model``,
    ``target``, ``origins`` (the origins used), ``n``, ``n_pos`` and ``words``;
    ``applied`` is False (and the probability is published raw) when no closed origin or
    only one class is available.
    """
    frames = [b for b in backtests if b is not None and len(b)]
    bt = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out: dict[str, Any] = {"applied": False, "model": model, "target": target}
    if len(bt):
        origin = pd.to_datetime(bt["origin"])
        closed = window_closed(origin, horizon_months, as_of)
        keep = (bt["model"] == model) & closed & (origin != score_origin)
        # the population the model is trained and evaluated on
        cond = target == "conditional"
        keep &= in_population(bt, new_failures_only=new_failures_only, uncensored=cond)
        bt = bt[keep.to_numpy()]
    origins = sorted(pd.to_datetime(bt["origin"]).unique()) if len(bt) else []
    y = bt["label"].to_numpy(dtype=float) if len(bt) else np.zeros(0)
    out |= {
        "origins": [str(pd.Timestamp(o).date()) for o in origins],
        "n": int(y.size),
        "n_pos": int(y.sum()),
    }
    support = f"{len(origins)} closed backtest origin(s), {out['n']} rows, {out['n_pos']} failures"
    if len(origins) < MIN_PUBLISHED_ORIGINS:  # refused: one origin's handful of rows
        out["words"] = (
            f"not recalibrated: {support} to refit on (at least {MIN_PUBLISHED_ORIGINS} "
            "origins are needed)"
        )
        out["warning"] = (
            f"evaluate.recalibrate = true, but only {support} closed by as_of: the "
            f"probability is published without recalibration (needs at least "
            f"{MIN_PUBLISHED_ORIGINS} origins; add earlier evaluate origins or years of data)"
        )
        return out
    ab = _fit(y, bt[f"p_{target}"].to_numpy(dtype=float))
    if ab is None:
        out["words"] = "not recalibrated: no closed backtest origin with both outcomes to refit on"
        return out
    slope, intercept = ab
    out |= {"applied": True, "slope": float(slope), "intercept": float(intercept)}
    if slope <= MIN_SLOPE:
        out["warning"] = (
            f"evaluate.recalibrate: the refitted slope is at its floor ({MIN_SLOPE}) on "
            f"{support}: {model}'s earlier probabilities ran the wrong way, so the published "
            "probabilities are all near the base rate (the ranking is kept)"
        )
    elif out["n_pos"] < MIN_PUBLISHED_FAILURES:
        out["warning"] = (
            f"evaluate.recalibrate: the published map is fitted on {support} (fewer than "
            f"{MIN_PUBLISHED_FAILURES} failures): read its probabilities as rough"
        )
    out["words"] = (
        f"recalibrated out of time: logit(published) = {intercept:.3f} + {slope:.3f} x "
        f"logit({model}'s probability), refitted on its out-of-time predictions at the "
        f"backtest origins {', '.join(out['origins'])} ({out['n']} rows, {out['n_pos']} "
        "failures), all with windows closed by as_of; the interval's ends are mapped the "
        "same way (a monotone map: the ranking is unchanged); P(inspected) is not"
    )
    return out


def apply_recalibration(p: Any, recalibration: dict[str, Any] | None) -> np.ndarray:
    """``p`` mapped by a :func:`published_recalibration` (unchanged when not applied)."""
    p = np.asarray(p, dtype=float)
    if not recalibration or not recalibration.get("applied"):
        return p
    z = float(recalibration["intercept"]) + float(recalibration["slope"]) * _logit(p)
    return 1.0 / (1.0 + np.exp(-z))

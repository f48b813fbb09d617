"""Training rows and fitting, shared by the backtest and the published model: censoring,
new failures only, the inspection-timing model, grades for grade models, and how a
model's output becomes the target the list ranks by."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from earlywarn.backtest._settings import MIN_P_INSPECTED, EvaluationSettings
from earlywarn.labels import in_population, label_events, make_labels
from earlywarn.models import make_timing_model

__all__ = [
    "TIMING_MODELS",
    "fit_timing",
    "TargetMap",
    "Training",
    "final_training",
    "fit_model",
    "fit_takes",
    "timing_probability",
    "to_targets",
    "training_rates",
    "training_rows",
    "training_set",
    "with_grades",
]


@dataclass(frozen=True)
class TargetMap:
    """How a model's output becomes the probability the list ranks by (``settings.target``).

    ``timing(X)`` is P(inspected in the window) for each row (ones when the target is
    not found by inspection); calling the map gives ``p_joint`` or ``p_conditional``.
    """

    timing: Callable[[pd.DataFrame], np.ndarray]
    settings: EvaluationSettings

    def __call__(self, p: np.ndarray, X_now: pd.DataFrame) -> np.ndarray:
        p_cond, p_joint = to_targets(np.asarray(p, dtype=float), self.timing(X_now), self.settings)
        return p_joint if self.settings.target == "joint" else p_cond


class Training(NamedTuple):
    """The published model's training rows (the hand-off from backtest to cycle).

    Fit with ``fit_model(model, t.X, t.y, t.weights)``; ``t.to_target(p, X_now)`` turns
    the model's output at the scored origin into the probability the list ranks by.
    """

    X: pd.DataFrame
    y: pd.Series
    weights: np.ndarray | None
    to_target: TargetMap


def fit_takes(model: Any, name: str = "sample_weight") -> bool:
    """Whether the model's (last step's) ``fit`` takes the argument ``name``."""
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    try:
        return name in inspect.signature(last.fit).parameters
    except (TypeError, ValueError):
        return False


def with_grades(
    y: pd.Series, events: pd.DataFrame, known_at: pd.Timestamp | None, horizon_months: int
) -> pd.Series:
    """``y`` with the grade of the first overall judgement in each row's window (known at
    ``known_at``) in ``y.attrs["grade"]`` (positional), for models fitted on grades (the
    ordinal kind: its ``fit`` takes ``grade``); NaN where the window held none."""
    from earlywarn.labels import known_events, next_grade

    grades = next_grade(known_events(events, known_at), y.index, horizon_months)
    y = y.copy()
    y.attrs["grade"] = grades.to_numpy(dtype=float)
    return y


def _fit(model: Any, X: pd.DataFrame, y: pd.Series, w: np.ndarray | None) -> Any:
    grade = getattr(y, "attrs", {}).get("grade")
    if grade is not None and fit_takes(model, "grade"):
        key = f"{model.steps[-1][0]}__grade" if hasattr(model, "steps") else "grade"
        return model.fit(X, y, **{key: grade})
    if w is not None and fit_takes(model):
        key = f"{model.steps[-1][0]}__sample_weight" if hasattr(model, "steps") else "sample_weight"
        return model.fit(X, y, **{key: w})
    return model.fit(X, y)


def timing_probability(
    Xtr: pd.DataFrame, inspected: np.ndarray, seed: int
) -> Callable[[pd.DataFrame], np.ndarray]:
    """Fit the inspection-timing model; return X -> P(inspected in the window)."""
    if inspected.all() or not inspected.any():
        rate = float(inspected.mean()) if inspected.size else 1.0
        return lambda X: np.full(len(X), rate)
    model = make_timing_model(seed).fit(Xtr, inspected.astype(int))
    return lambda X: model.predict_proba(X)[:, 1]


def training_set(
    Xtr: pd.DataFrame, lab: pd.DataFrame, pi: np.ndarray, s: EvaluationSettings
) -> tuple[pd.DataFrame, pd.Series, np.ndarray | None]:
    """The rows a model trains on (censoring, new failures only) with their labels, and
    weights 1 / P(inspected) when ``censoring = "weight"``."""
    dropped = s.censoring in ("drop", "weight")
    keep = in_population(lab, new_failures_only=s.new_failures_only, uncensored=dropped)
    w = 1.0 / np.clip(pi[keep], MIN_P_INSPECTED, 1.0) if s.censoring == "weight" else None
    return Xtr[keep], lab.loc[keep, "label"], w


def to_targets(p: np.ndarray, pi: np.ndarray, s: EvaluationSettings) -> tuple:
    """``(p_conditional, p_joint)`` from a model's output and P(inspected)."""
    if not s.by_inspection:
        return p, p
    if s.censoring == "negative":
        return np.clip(p / np.clip(pi, MIN_P_INSPECTED, 1.0), 0.0, 1.0), p
    return p, p * pi


def training_rates(lab: pd.DataFrame, s: EvaluationSettings) -> dict[str, float]:
    """Each target's base rate in the training rows: the reference forecast, known at the
    origin, that a model's Brier score is compared with (``brier_skill``)."""
    keep = in_population(lab, new_failures_only=s.new_failures_only)
    y = lab["label"].to_numpy(dtype=float)
    seen = in_population(lab, new_failures_only=s.new_failures_only, uncensored=True)
    joint = float(y[keep].mean()) if keep.any() else np.nan
    cond = float(y[seen].mean()) if seen.any() else joint
    return {"ref_conditional": cond, "ref_joint": joint}


TIMING_MODELS = ("features", "hazard")


def fit_timing(
    name: str,
    events: pd.DataFrame,
    Xtr: pd.DataFrame,
    lab: pd.DataFrame,
    as_of: pd.Timestamp,
    s: EvaluationSettings,
) -> Callable[[pd.DataFrame], np.ndarray]:
    """One of the two inspection-timing models, fitted as of ``as_of`` (the one place that
    says how each is fitted; ``evaluate.timing`` chooses which the list uses).

    ``features``: a two-feature logit of P(inspected in the window) on the training rows
    of the population; ``hazard``: the discrete-time model of the next graded inspection,
    from the inspection history known at ``as_of``.
    """
    if name == "hazard":
        from earlywarn.models import hazard_timing

        return hazard_timing(events, as_of, s.horizon_months, s.seed)
    if name != "features":
        raise ValueError(f"unknown timing model {name!r} (expected one of {TIMING_MODELS})")
    keep = in_population(lab, new_failures_only=s.new_failures_only)
    return timing_probability(Xtr[keep], lab["inspected"].to_numpy()[keep], s.seed)


def final_training(
    X: pd.DataFrame,
    events: pd.DataFrame,
    train_origins: Sequence,
    as_of: pd.Timestamp,
    settings: EvaluationSettings,
) -> Training:
    """Training rows for the published model, and how to turn its output into the target.

    The same treatment as in the backtest (censoring, new failures only, timing model).

    Returns
    -------
    Training
        ``X``, ``y``, ``weights`` and ``to_target`` (a :class:`TargetMap`).
    """
    s = settings
    events = label_events(events, s.frameworks)
    origins = X.index.get_level_values("origin")
    Xtr = X[origins.isin(pd.DatetimeIndex(train_origins))]
    lab = make_labels(events, Xtr.index, s.horizon_months, s.kinds, known_at=as_of)
    if s.by_inspection:
        timing = fit_timing(s.timing, events, Xtr, lab, as_of, s)
        pi_tr = timing(Xtr)
    else:
        timing, pi_tr = (lambda Xn: np.ones(len(Xn))), np.ones(len(Xtr))
    Xfit, yfit, w = training_set(Xtr, lab, pi_tr, s)
    yfit = with_grades(yfit, events, as_of, s.horizon_months)  # read only by grade models

    return Training(Xfit, yfit, w, TargetMap(timing, s))


def fit_model(model: Any, X: pd.DataFrame, y: pd.Series, weights: np.ndarray | None = None):
    """Fit ``model``, passing sample weights when given and the final step takes them."""
    return _fit(model, X, y, weights)


def training_rows(
    X: pd.DataFrame,
    events: pd.DataFrame,
    train_origins: Sequence,
    known_at: pd.Timestamp,
    horizon_months: int,
    kinds: tuple[str, ...],
    censoring: str,
    new_failures_only: bool = False,
) -> tuple[pd.DataFrame, pd.Series]:
    """Features and labels for training, using only events known at ``known_at``.

    ``censoring = "drop"`` or ``"weight"`` keeps only uncensored rows (the weights of
    ``"weight"`` come from an inspection-timing model: see :mod:`earlywarn.evaluation`);
    ``new_failures_only`` drops councils already failed at their origin.
    """
    origins = X.index.get_level_values("origin")
    Xtr = X[origins.isin(pd.DatetimeIndex(train_origins))]
    lab = make_labels(events, Xtr.index, horizon_months, kinds, known_at=known_at)
    s = EvaluationSettings(
        horizon_months, tuple(kinds), censoring=censoring, new_failures_only=new_failures_only
    )
    Xfit, yfit, _ = training_set(Xtr, lab, np.ones(len(lab)), s)
    return Xfit, yfit

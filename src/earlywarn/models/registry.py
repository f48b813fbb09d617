"""The model-kind registry: each kind's factory (its unfitted Pipeline steps) in one place,
its default hyperparameters from ``configs/model_defaults.toml``, and the options every kind
takes (``features``, ``calibration``). Adding a kind: a factory here, its name in
:data:`earlywarn._names.MODEL_KINDS`, and its tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from earlywarn._names import MODEL_KINDS
from earlywarn.models.calibrated import TimeCalibratedClassifier
from earlywarn.models.defaults import default_params
from earlywarn.models.hazard import HazardLogit
from earlywarn.models.logit import PriorCorrectedLogit
from earlywarn.models.preprocess import ColumnSubset, DropAllMissing, FillAllMissing
from earlywarn.models.simple import PersistenceClassifier, RedFlagsClassifier

__all__ = [
    "CALIBRATION_KEYS",
    "FACTORIES",
    "coefficient_table",
    "default_params",
    "make_model",
    "trusted_types",
]

CALIBRATION_KEYS = ("calibration", "calibration_origins", "calibration_gap")
Steps = list[tuple[str, Any]]


def _monotone(value: Any, specs: dict | None) -> dict[str, int] | None:
    if not value:
        return None
    if value == "auto":  # constrain by the registry's direction when the registry is known
        if specs is None:
            return None
        value = True
    if specs is None:
        raise ValueError("gbm monotone constraints need the feature specs (make_model(specs=))")
    names = list(specs) if value is True else list(value)
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise ValueError(f"gbm monotone names an unknown feature {unknown[0]!r}")
    return {n: 1 if specs[n].higher_is_worse else -1 for n in names}


def _persistence(p: dict[str, Any], seed: int, specs: dict | None) -> Steps:
    return [("clf", PersistenceClassifier(**p))]


def _red_flags(p: dict[str, Any], seed: int, specs: dict | None) -> Steps:
    return [("clf", RedFlagsClassifier(**p))]


def _logit(p: dict[str, Any], seed: int, specs: dict | None) -> Steps:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rare = p.pop("rare_events", "none")
    tau = p.pop("tau", None)
    if rare == "prior_correction":
        clf = PriorCorrectedLogit(tau=tau, **p)
    elif rare in ("none", "class_weight"):
        if rare == "class_weight":
            p["class_weight"] = "balanced"
        clf = LogisticRegression(**p)
    else:
        raise ValueError(
            f"logit rare_events {rare!r} is not none, class_weight or prior_correction"
        )
    imputer = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
    return [("impute", imputer), ("scale", StandardScaler()), ("clf", clf)]


def _hazard(p: dict[str, Any], seed: int, specs: dict | None) -> Steps:
    return [("drop_empty", DropAllMissing()), ("clf", HazardLogit(**p))]


def _ordinal(p: dict[str, Any], seed: int, specs: dict | None) -> Steps:
    from earlywarn.models._ordinal import OrdinalRiskClassifier

    return [("clf", OrdinalRiskClassifier(**p))]


def _mixed(p: dict[str, Any], seed: int, specs: dict | None) -> Steps:
    from earlywarn.models._mixed import MixedLogitClassifier  # a council random intercept

    return [("clf", MixedLogitClassifier(**p))]


def _gbm(p: dict[str, Any], seed: int, specs: dict | None) -> Steps:
    from sklearn.ensemble import HistGradientBoostingClassifier

    cst = _monotone(p.pop("monotone", None), specs)
    if cst:
        clf = HistGradientBoostingClassifier(random_state=seed, monotonic_cst=cst, **p)
        return [("fill_empty", FillAllMissing()), ("clf", clf)]
    clf = HistGradientBoostingClassifier(random_state=seed, **p)
    return [("drop_empty", DropAllMissing()), ("clf", clf)]


#: kind -> factory of its Pipeline steps, from (params, seed, feature specs)
FACTORIES: dict[str, Callable[[dict[str, Any], int, dict | None], Steps]] = {
    "persistence": _persistence,
    "red_flags": _red_flags,
    "logit": _logit,
    "hazard": _hazard,
    "gbm": _gbm,
    "ordinal": _ordinal,
    "mixed": _mixed,
}


def make_model(
    kind: str, params: dict[str, Any] | None = None, seed: int = 0, specs: dict | None = None
):
    """Build the unfitted Pipeline for a named model.

    Parameters
    ----------
    kind : str
        One of :data:`earlywarn._names.MODEL_KINDS` (a key of :data:`FACTORIES`).
    params : dict, optional
        Overrides for the classifier's parameters (from the cycle config), plus
        ``calibration`` / ``calibration_origins`` / ``calibration_gap`` and ``features``
        for any kind, ``rare_events`` / ``tau`` for ``logit`` and ``monotone`` for ``gbm``.
    seed : int
        Random state for models that use one.
    specs : dict of FeatureSpec, optional
        Feature registry (``FeatureSet.specs``): directions for gbm monotone constraints.
    """
    from sklearn.pipeline import Pipeline

    if kind not in MODEL_KINDS or kind not in FACTORIES:
        raise ValueError(f"unknown model {kind!r} (expected one of {', '.join(MODEL_KINDS)})")
    p = {**default_params(kind), **(params or {})}
    cal = {k: p.pop(k) for k in CALIBRATION_KEYS if k in p}
    short_list = p.pop("features", None)
    if short_list and specs is not None and not isinstance(short_list, str):
        # the model sees only its short list: so do its monotone constraints (gbm)
        specs = {n: s for n, s in specs.items() if n in set(short_list)}
    steps = FACTORIES[kind](p, seed, specs)
    if cal.get("calibration"):
        # gbm: the empty-column step goes inside, so each calibration split refits it on
        # its own (earlier) training rows: a column empty there would break the binning
        inner = steps if kind == "gbm" else steps[-1:]
        steps = [] if kind == "gbm" else steps[:-1]
        clf = inner[0][1] if len(inner) == 1 else Pipeline(inner).set_output(transform="pandas")
        steps.append(
            (
                "clf",
                TimeCalibratedClassifier(
                    clf,
                    method=cal["calibration"],
                    n_origins=int(cal.get("calibration_origins", 2)),
                    gap=int(cal.get("calibration_gap", 1)),
                ),
            )
        )
    if short_list is not None:
        if isinstance(short_list, str) or not all(isinstance(c, str) for c in short_list):
            raise ValueError(f"{kind} features must be a list of column names, got {short_list!r}")
        if short_list:
            steps.insert(0, ("select", ColumnSubset(tuple(short_list))))
    return Pipeline(steps).set_output(transform="pandas")


def coefficient_table(model: Any) -> pd.DataFrame | None:
    """The hazard coefficient table of a fitted Pipeline (``None`` for other models)."""
    clf = model.steps[-1][1] if hasattr(model, "steps") else model
    clf = getattr(clf, "estimator_", clf)
    return clf.coef_table if isinstance(clf, HazardLogit) else None


def trusted_types() -> list[str]:
    """This package's estimator classes, for loading skops files (``trusted=``): by their
    module and by ``earlywarn.models.NAME`` (models saved before the package split)."""
    from earlywarn.models._mixed import MixedLogitClassifier
    from earlywarn.models._ordinal import OrdinalGradeClassifier, OrdinalRiskClassifier

    classes = (
        ColumnSubset,
        OrdinalGradeClassifier,
        OrdinalRiskClassifier,
        DropAllMissing,
        FillAllMissing,
        PersistenceClassifier,
        RedFlagsClassifier,
        PriorCorrectedLogit,
        HazardLogit,
        TimeCalibratedClassifier,
    )
    names = [f"{c.__module__}.{c.__name__}" for c in classes]
    # where models saved before the package split name them
    names += [f"earlywarn.models.{c.__name__}" for c in classes[3:]]
    names.append(f"{MixedLogitClassifier.__module__}.{MixedLogitClassifier.__name__}")
    # where models saved before the wings name them (earlywarn.ordinal.OrdinalRiskClassifier)
    from earlywarn._compat import OLD_PATHS

    old = {new: old for old, new in OLD_PATHS.items()}
    for c in (*classes, MixedLogitClassifier):
        if c.__module__ in old:
            names.append(f"{old[c.__module__]}.{c.__name__}")
    return [*names, "earlywarn.models.ColumnSubset", "earlywarn.baselines.ColumnSubset"]

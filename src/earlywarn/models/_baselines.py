"""Baselines every model must beat, and the inspection-timing model.

All are sklearn Pipelines with ``fit`` / ``predict_proba`` that pick their own columns from
the full feature frame, so the backtest runs them on exactly the same splits and rows as
the models:

- ``persistence``: the training failure rate for the council's last inspection grade
  (:class:`earlywarn.models.PersistenceClassifier`).
- ``time_since_inspection``: a single-factor model on the years since the last inspection.
- ``deprivation``: a single-factor logistic model on the deprivation score
  (``deprivation_imd_score``), where a deprivation measure exists.
- ``red_flags``: a transparent count of red flags — the ``red_flags`` model kind of
  :mod:`earlywarn.models` (:class:`earlywarn.models.RedFlagsClassifier`).

:func:`make_timing_model` estimates P(inspected in the window) from the inspection
history (time since the last inspection and its grade): the first factor of the joint risk
P(inspected and failing) = P(inspected) x P(fail | inspected).

Example
-------
>>> m = make_baseline("deprivation")
>>> [name for name, _ in m.steps]
['select', 'impute', 'scale', 'clf']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from earlywarn._names import BASELINES
from earlywarn.models.preprocess import ColumnSubset

__all__ = [
    "BASELINES",
    "DEPRIVATION_FEATURE",
    "TIMING_FEATURES",
    "ColumnSubset",
    "available_baselines",
    "baseline_unavailable",
    "make_baseline",
    "make_timing_model",
]

TIMING_FEATURES = ("years_since_inspection", "last_inspection_grade")
DEPRIVATION_FEATURE = "deprivation_imd_score"
_NEEDS = {
    "persistence": ("last_inspection_grade",),
    "time_since_inspection": ("years_since_inspection",),
    "deprivation": (DEPRIVATION_FEATURE,),
    "red_flags": (),
}


def _single_factor(column: str, spline: bool = False):
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import SplineTransformer, StandardScaler

    steps: list = [
        ("select", ColumnSubset((column,))),
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
    ]
    if spline:
        steps.append(("spline", SplineTransformer(n_knots=5, degree=2)))
    steps += [("scale", StandardScaler()), ("clf", LogisticRegression(C=1.0, max_iter=1000))]
    return Pipeline(steps).set_output(transform="pandas")


def make_timing_model(seed: int = 0):
    """P(inspected in the window) from the inspection history.

    Logistic regression on a quadratic spline of the years since the last inspection
    (inspections follow a schedule, so the effect of time is close to a step, not a line)
    and indicators of the last grade (missing = never inspected in the data). Cheap: it is
    refitted at every backtest origin.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, SplineTransformer

    years = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("spline", SplineTransformer(n_knots=7, degree=2, knots="quantile")),
        ]
    )
    grade = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value=0.0)),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    features = ColumnTransformer(
        [("years", years, [TIMING_FEATURES[0]]), ("grade", grade, [TIMING_FEATURES[1]])]
    )
    return Pipeline(
        [
            ("select", ColumnSubset(TIMING_FEATURES)),
            ("features", features),
            ("clf", LogisticRegression(C=1.0, max_iter=2000, random_state=seed)),
        ]
    )


def available_baselines(columns: Any, names: tuple[str, ...] = BASELINES) -> list[str]:
    """The baselines whose input features exist in ``columns``."""
    cols = set(columns)
    return [b for b in names if all(c in cols for c in _NEEDS[b])]


def baseline_unavailable(name: str, X_train: pd.DataFrame) -> str | None:
    """Why a baseline cannot be fitted on these training rows, or ``None`` if it can.

    A baseline is what it says only if its feature varies: fitted to an empty or constant
    column (e.g. a deprivation index not yet published at the training origins) it scores
    every council alike, and any AUROC it gets comes from drift between origins or from
    tie-breaking, not from the feature. Such a baseline is reported as unavailable.
    """
    for col in _NEEDS.get(name, ()):
        if col not in X_train.columns:
            return f"{col} is not among the features"
        v = X_train[col].dropna()
        if v.empty:
            return f"{col} is empty in the training rows"
        if v.nunique() < 2:
            return f"{col} is constant in the training rows"
    return None


def make_baseline(name: str, seed: int = 0, specs: list | None = None):
    """The unfitted Pipeline of a named baseline.

    Parameters
    ----------
    name : {"persistence", "time_since_inspection", "deprivation", "red_flags"}
    seed : int
        Random state for models that use one.
    specs : list or dict of FeatureSpec, optional
        Unused (kept for callers that pass the feature registry).
    """
    from earlywarn.models import make_model

    if name == "persistence":
        return make_model("persistence", None, seed)
    if name == "time_since_inspection":
        return _single_factor("years_since_inspection", spline=True)
    if name == "deprivation":
        return _single_factor(DEPRIVATION_FEATURE)
    if name == "red_flags":
        return make_model("red_flags", None, seed)
    raise ValueError(f"unknown baseline {name!r} (expected one of {', '.join(BASELINES)})")

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
  :mod:`earlywarn.models` where it exists, else :class:`RedFlagCount`.

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

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from earlywarn._names import BASELINES

__all__ = [
    "BASELINES",
    "DEPRIVATION_FEATURE",
    "TIMING_FEATURES",
    "ColumnSubset",
    "RedFlagCount",
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


class ColumnSubset(TransformerMixin, BaseEstimator):
    """Keep the named columns of a frame (missing ones become all-missing columns)."""

    def __init__(self, columns: tuple[str, ...] = ()):
        self.columns = columns

    def fit(self, X: pd.DataFrame, y: Any = None) -> ColumnSubset:
        self.n_features_in_ = X.shape[1]
        self.columns_ = list(self.columns)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "columns_")
        return pd.DataFrame(X).reindex(columns=self.columns_).astype(float)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "columns_")
        return np.asarray(self.columns_, dtype=object)


class RedFlagCount(ClassifierMixin, BaseEstimator):
    """Count red flags — a measure among the worst ``1 - quantile`` of training rows in its
    bad direction — and predict the training failure rate for that count.

    Transparent by construction: the flags are thresholds a reader can check by hand.

    Parameters
    ----------
    higher_is_worse : dict
        Feature -> direction (True: high values are bad). Only these features are used.
    quantile : float
        Training quantile beyond which a value is a red flag.
    prior_strength : float
        Pseudo-count shrinking each count's failure rate towards the overall rate.
    """

    def __init__(
        self,
        higher_is_worse: dict[str, bool] | None = None,
        quantile: float = 0.8,
        prior_strength: float = 2.0,
    ):
        self.higher_is_worse = higher_is_worse
        self.quantile = quantile
        self.prior_strength = prior_strength

    def _count(self, X: pd.DataFrame) -> np.ndarray:
        n = np.zeros(len(X))
        for col, (cut, worse_high) in self.cuts_.items():
            v = X[col].to_numpy(dtype=float) if col in X.columns else np.full(len(X), np.nan)
            with np.errstate(invalid="ignore"):
                n += np.where(worse_high, v >= cut, v <= cut) & ~np.isnan(v)
        return n

    def fit(self, X: pd.DataFrame, y: Any) -> RedFlagCount:
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("RedFlagCount needs two classes in y")
        X = pd.DataFrame(X)
        self.n_features_in_ = X.shape[1]
        dirs = self.higher_is_worse or {}
        self.cuts_ = {}
        for col, worse_high in dirs.items():
            if col not in X.columns or X[col].notna().sum() < 5:
                continue
            q = self.quantile if worse_high else 1 - self.quantile
            self.cuts_[col] = (float(X[col].quantile(q)), bool(worse_high))
        pos = (y == self.classes_[1]).astype(float)
        count = self._count(X)
        self.base_rate_ = float(pos.mean())
        rates = {}
        for c in np.unique(count):
            m = count == c
            rates[float(c)] = (pos[m].sum() + self.prior_strength * self.base_rate_) / (
                m.sum() + self.prior_strength
            )
        # never lower for more flags (a rule a reader can trust)
        keys = sorted(rates)
        running = 0.0
        for c in keys:
            running = max(running, rates[c])
            rates[c] = running
        self.rates_ = rates
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "rates_")
        count = self._count(pd.DataFrame(X))
        keys = np.array(sorted(self.rates_))
        vals = np.array([self.rates_[k] for k in keys])
        idx = np.clip(np.searchsorted(keys, count, side="right") - 1, 0, len(keys) - 1)
        p = vals[idx]
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


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
        Feature directions for :class:`RedFlagCount` (used only when the models module has
        no ``red_flags`` kind).
    """
    from sklearn.pipeline import Pipeline

    from earlywarn import models

    if name == "persistence":
        return models.make_model("persistence", None, seed)
    if name == "time_since_inspection":
        return _single_factor("years_since_inspection", spline=True)
    if name == "deprivation":
        return _single_factor(DEPRIVATION_FEATURE)
    if name == "red_flags":
        if "red_flags" in getattr(models, "MODEL_KINDS", ()):
            return models.make_model("red_flags", None, seed)
        spec_list = list(specs.values()) if isinstance(specs, dict) else list(specs or [])
        dirs = {
            s.name: bool(s.higher_is_worse)
            for s in spec_list
            if s.family in ("indicators", "finance", "leadership", "satisfaction")
        }
        return Pipeline([("clf", RedFlagCount(dirs))])
    raise ValueError(f"unknown baseline {name!r} (expected one of {', '.join(BASELINES)})")

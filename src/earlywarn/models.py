"""Named model specs -> unfitted sklearn Pipelines with their preprocessing inside.

Every model has the sklearn shape (``fit``, ``predict_proba``, ``classes_``) and is one
Pipeline, so the backtest, SHAP and MLflow see the same object.

- ``persistence``: the failure rate seen in training for the council's last inspection
  grade (the naive 'last judgement' baseline).
- ``logit``: median imputation with missing-value indicators, scaling, L2 logistic
  regression.
- ``gbm``: histogram gradient boosting (handles missing values itself), after dropping
  columns with no value in training.

Example
-------
>>> m = make_model("logit")
>>> [name for name, _ in m.steps]
['impute', 'scale', 'clf']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["MODEL_KINDS", "DropAllMissing", "PersistenceClassifier", "make_model"]

MODEL_KINDS = ("persistence", "logit", "gbm")

DEFAULTS: dict[str, dict[str, Any]] = {
    "logit": {"C": 0.1, "max_iter": 2000},
    "gbm": {
        "max_depth": 3,
        "learning_rate": 0.05,
        "max_iter": 200,
        "min_samples_leaf": 40,
        "l2_regularization": 1.0,
    },
    "persistence": {"feature": "last_inspection_grade", "prior_strength": 2.0},
}


class DropAllMissing(TransformerMixin, BaseEstimator):
    """Drop columns that are missing in every training row (they carry no information).

    Gradient boosting in scikit-learn 1.9 cannot bin a column with no observed value, and
    early rolling origins can lack a feature that later ones have.
    """

    def fit(self, X: pd.DataFrame, y: Any = None) -> DropAllMissing:
        X = pd.DataFrame(X)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.keep_ = np.asarray([c for c in X.columns if X[c].notna().any()], dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "keep_")
        return pd.DataFrame(X, columns=self.feature_names_in_)[list(self.keep_)]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "keep_")
        return self.keep_.copy()


class PersistenceClassifier(ClassifierMixin, BaseEstimator):
    """Predict the training failure rate of rows sharing the same value of one feature.

    Parameters
    ----------
    feature : str
        Column holding the last judgement (missing values form their own group).
    prior_strength : float
        Pseudo-count shrinking each group's rate towards the overall rate.
    """

    def __init__(self, feature: str = "last_inspection_grade", prior_strength: float = 2.0):
        self.feature = feature
        self.prior_strength = prior_strength

    def _key(self, X: Any) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            if self.feature not in X.columns:
                raise ValueError(f"PersistenceClassifier needs the column {self.feature!r}")
            col = X[self.feature].to_numpy(dtype=float)
        else:
            col = np.asarray(X, dtype=float)[:, 0]
        return np.where(np.isnan(col), -1.0, np.round(col, 6))

    def fit(self, X: Any, y: Any) -> PersistenceClassifier:
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("PersistenceClassifier needs two classes in y")
        pos = (y == self.classes_[1]).astype(float)
        key = self._key(X)
        self.base_rate_ = float(pos.mean())
        rates = {}
        for k in np.unique(key):
            m = key == k
            rates[float(k)] = (pos[m].sum() + self.prior_strength * self.base_rate_) / (
                m.sum() + self.prior_strength
            )
        self.rates_ = rates
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "rates_")
        key = self._key(X)
        p = np.array([self.rates_.get(float(k), self.base_rate_) for k in key])
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


def make_model(kind: str, params: dict[str, Any] | None = None, seed: int = 0):
    """Build the unfitted Pipeline for a named model.

    Parameters
    ----------
    kind : {"persistence", "logit", "gbm"}
    params : dict, optional
        Overrides for the classifier's parameters (from the cycle config).
    seed : int
        Random state for models that use one.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model {kind!r} (expected one of {', '.join(MODEL_KINDS)})")
    p = {**DEFAULTS[kind], **(params or {})}
    if kind == "persistence":
        steps = [("clf", PersistenceClassifier(**p))]
    elif kind == "logit":
        steps = [
            (
                "impute",
                SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            ),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(**p)),
        ]
    else:
        steps = [
            ("drop_empty", DropAllMissing()),
            ("clf", HistGradientBoostingClassifier(random_state=seed, **p)),
        ]
    return Pipeline(steps).set_output(transform="pandas")

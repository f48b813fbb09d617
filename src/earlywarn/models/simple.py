"""The transparent kinds: ``persistence`` (the failure rate of the last grade) and
``red_flags`` (a count of configured flags turned into a failure rate)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from earlywarn.models._common import (
    OPS,
    as_frame,
    binary_classes,
    binary_tags,
    shrunk_rates,
)
from earlywarn.models.defaults import default_params


class PersistenceClassifier(ClassifierMixin, BaseEstimator):
    """Predict the training failure rate of rows sharing the same value of one feature.

    Parameters
    ----------
    feature : str
        Column holding the last judgement (missing values form their own group).
    prior_strength : float
        Pseudo-count shrinking each group's rate towards the overall rate.

    Attributes
    ----------
    used_features_ : ndarray of str
        The columns the prediction depends on (``[feature]``; ``["x0"]`` for array
        input). Explanations read it: every other column's SHAP value is exactly 0.
    """

    def __init__(self, feature: str = "last_inspection_grade", prior_strength: float = 2.0):
        self.feature = feature
        self.prior_strength = prior_strength

    def __sklearn_tags__(self):
        return binary_tags(super().__sklearn_tags__())

    def _key(self, X: Any) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            if self.feature not in X.columns:
                raise ValueError(f"PersistenceClassifier needs the column {self.feature!r}")
            col = X[self.feature].to_numpy(dtype=float)
        else:
            col = np.asarray(X, dtype=float)[:, 0]
        return np.where(np.isnan(col), -1.0, np.round(col, 6))

    def fit(self, X: Any, y: Any) -> PersistenceClassifier:
        validate_data(self, X, y, ensure_all_finite="allow-nan", reset=True)
        self.classes_, pos = binary_classes(y, "PersistenceClassifier")
        y = np.asarray(y)
        key = self._key(X)
        self.base_rate_ = float(pos.mean())
        rates = shrunk_rates(key, pos, self.prior_strength)
        # string keys: skops serialises dicts with str keys only
        self.rates_ = {repr(k): v for k, v in rates.items()}
        name = self.feature if isinstance(X, pd.DataFrame) else "x0"
        self.used_features_ = np.asarray([name], dtype=object)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "rates_")
        validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        key = self._key(X)
        p = np.array([self.rates_.get(repr(float(k)), self.base_rate_) for k in key])
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        pos = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[pos.astype(int)]


class RedFlagsClassifier(ClassifierMixin, BaseEstimator):
    """Count red flags per row; predict the training failure rate for that count.

    Parameters
    ----------
    flags : list of [feature, op, threshold]
        ``op`` one of ``>``, ``>=``, ``<``, ``<=``. A missing value raises no flag; a
        flag on a feature absent from the training ``X`` is left out (``flags_used_``
        lists the flags in use). With array input, features are named ``x0, x1, ...``.
    prior_strength : float
        Pseudo-count shrinking each count's rate towards the overall rate. Rates are then
        made non-decreasing in the count (more flags never means lower risk).

    Attributes
    ----------
    flags_used_ : list of [feature, op, threshold]
    used_features_ : ndarray of str
        The distinct columns named in ``flags_used_``: the only columns the prediction
        depends on (explanations give every other column a SHAP value of exactly 0).
    """

    def __init__(self, flags: Any = None, prior_strength: float = 2.0):
        self.flags = flags
        self.prior_strength = prior_strength

    def __sklearn_tags__(self):
        return binary_tags(super().__sklearn_tags__())

    def _flags(self) -> list[tuple[str, str, float]]:
        flags = default_params("red_flags")["flags"] if self.flags is None else self.flags
        out = []
        for f in flags:
            if len(f) != 3 or f[1] not in OPS:
                raise ValueError(
                    f"red flag {f!r} is not [feature, op, threshold] with op in >, >=, <, <="
                )
            out.append((str(f[0]), str(f[1]), float(f[2])))
        return out

    def count_flags(self, X: Any) -> np.ndarray:
        """Number of red flags raised per row (flags in ``flags_used_`` once fitted)."""
        X = as_frame(X, getattr(self, "feature_names_in_", None))
        flags = getattr(self, "flags_used_", None) or self._flags()
        n = np.zeros(len(X), dtype=int)
        for feat, op, thr in flags:
            if feat not in X.columns:
                raise ValueError(f"RedFlagsClassifier needs the column {feat!r}")
            v = X[feat].to_numpy(dtype=float)
            n += np.where(np.isnan(v), False, OPS[op](v, thr)).astype(int)
        return n

    def fit(self, X: Any, y: Any) -> RedFlagsClassifier:
        validate_data(self, X, y, ensure_all_finite="allow-nan", reset=True)
        self.classes_, pos = binary_classes(y, "RedFlagsClassifier")
        cols = set(as_frame(X).columns)
        # a flag on a feature family this cycle does not build is left out (recorded)
        self.flags_used_ = [list(f) for f in self._flags() if f[0] in cols]
        if not self.flags_used_:
            raise ValueError(
                "RedFlagsClassifier: no configured flag names a column of X "
                f"(flags on {', '.join(f[0] for f in self._flags())})"
            )
        n = self.count_flags(X)
        rates = shrunk_rates(n.astype(float), pos, self.prior_strength)
        self.base_rate_ = float(pos.mean())
        counts = np.arange(len(self.flags_used_) + 1)
        r = np.array([rates.get(float(c), np.nan) for c in counts])
        r = pd.Series(r).ffill().fillna(self.base_rate_).to_numpy()  # unseen count: fewer
        self.rate_by_count_ = np.maximum.accumulate(r)
        self.used_features_ = np.asarray(
            list(dict.fromkeys(f[0] for f in self.flags_used_)), dtype=object
        )
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "rate_by_count_")
        validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        p = self.rate_by_count_[self.count_flags(X)]
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        pos = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[pos.astype(int)]

"""Column steps: a pre-specified short list of columns, and steps that keep a Pipeline
working when a column is empty in training."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted


class DropAllMissing(TransformerMixin, BaseEstimator):
    """Drop columns that are missing in every training row (they carry no information).

    Gradient boosting in scikit-learn 1.9 cannot bin a column with no observed value, and
    early rolling origins can lack a feature that later ones have.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values are what it looks at
        return tags

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


class FillAllMissing(DropAllMissing):
    """Fill columns missing in every training row with a constant instead of dropping them.

    Keeps the column set fixed, so per-feature settings (monotone constraints by name)
    stay valid; a constant column is never split on.
    """

    def __init__(self, fill_value: float = 0.0):
        self.fill_value = fill_value

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "keep_")
        X = pd.DataFrame(X, columns=self.feature_names_in_).copy()
        empty = [c for c in self.feature_names_in_ if c not in set(self.keep_)]
        if empty:
            X[empty] = self.fill_value
        return X

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "keep_")
        return self.feature_names_in_.copy()


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

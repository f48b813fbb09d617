"""The rare-events logit: balanced weights, then King & Zeng's prior correction."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from earlywarn.models._common import (
    binary_classes,
    binary_tags,
)


class PriorCorrectedLogit(ClassifierMixin, BaseEstimator):
    """Rare-events logistic regression: balanced weights + King–Zeng prior correction.

    Fits an L2 logistic regression with balanced class weights (the effective sample
    rate is then 1/2), then corrects the intercept to the population rate ``tau``:
    ``b0 - log((1 - tau) / tau * ybar / (1 - ybar))`` with ``ybar = 1/2`` (King & Zeng
    2001, eq. 7). Exposes ``coef_`` and ``intercept_`` like a linear model (SHAP's
    LinearExplainer reads them).

    Parameters
    ----------
    C : float
    max_iter : int
    tau : float, optional
        Population event rate; default the training rate.
    """

    def __init__(self, C: float = 0.1, max_iter: int = 2000, tau: float | None = None):
        self.C = C
        self.max_iter = max_iter
        self.tau = tau

    def __sklearn_tags__(self):
        tags = binary_tags(super().__sklearn_tags__())
        tags.input_tags.allow_nan = False
        return tags

    def fit(self, X: Any, y: Any) -> PriorCorrectedLogit:
        from sklearn.linear_model import LogisticRegression

        X, y = validate_data(self, X, y, reset=True)
        self.classes_, _ = binary_classes(y, "PriorCorrectedLogit")
        lr = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight="balanced")
        lr.fit(X, y)
        self.n_iter_ = lr.n_iter_.copy()
        tau = float(np.mean(y == self.classes_[1])) if self.tau is None else float(self.tau)
        if not 0 < tau < 1:
            raise ValueError(f"tau must lie in (0, 1), got {tau}")
        self.coef_ = lr.coef_.copy()
        self.intercept_ = lr.intercept_ - np.log((1 - tau) / tau)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X: Any) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        pos = self.decision_function(X) > 0
        return self.classes_[pos.astype(int)]

"""Calibration fitted out of time: on later origins predicted by models trained on
earlier ones, never on random folds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from earlywarn.models._common import (
    binary_classes,
    binary_tags,
    logodds,
)


class TimeCalibratedClassifier(ClassifierMixin, BaseEstimator):
    """Calibrate a classifier on out-of-time predictions (split by origin, never random).

    ``fit`` trains ``estimator`` on all rows (that fit is used for prediction), and for
    each of the last ``n_origins`` origins in ``X``'s ``origin`` index level trains a
    clone on the origins at least ``gap + 1`` positions earlier and predicts that origin.
    The calibrator (isotonic regression or a Platt sigmoid on the log-odds) is fitted on
    those out-of-time predictions; when no earlier origin has both classes (early
    backtest splits) the model stays uncalibrated and ``n_calibration_rows_`` is 0.
    With no ``origin`` level (array input) rows are taken as time-ordered blocks.

    Parameters
    ----------
    estimator : classifier
    method : {"isotonic", "sigmoid"}
    n_origins : int
        Calibration origins (the latest ones).
    gap : int
        Origins left out between training and calibration origin (use the horizon in
        origins, e.g. 1 for a 24-month horizon with annual origins, so a training label
        window has closed by the calibration origin).
    """

    def __init__(
        self, estimator: Any = None, method: str = "isotonic", n_origins: int = 2, gap: int = 1
    ):
        self.estimator = estimator
        self.method = method
        self.n_origins = n_origins
        self.gap = gap

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = binary_tags(super().__sklearn_tags__())
        if self.estimator is not None:
            est = self.estimator
            while hasattr(est, "steps"):  # a pipeline takes what its first step takes
                est = est.steps[0][1]
            tags.input_tags.allow_nan = get_tags(est).input_tags.allow_nan
        return tags

    def fit(self, X: Any, y: Any) -> TimeCalibratedClassifier:
        from sklearn.isotonic import IsotonicRegression
        from sklearn.linear_model import LogisticRegression

        if self.method not in ("isotonic", "sigmoid"):
            raise ValueError(f"calibration method {self.method!r} is not isotonic or sigmoid")
        from sklearn.utils import get_tags

        nan = "allow-nan" if get_tags(self).input_tags.allow_nan else True
        validate_data(self, X, y, ensure_all_finite=nan, reset=True)
        self.classes_, _ = binary_classes(y, "TimeCalibratedClassifier")
        y = np.asarray(y)
        if isinstance(X, pd.DataFrame) and "origin" in (X.index.names or []):
            when = np.asarray(X.index.get_level_values("origin"))
        else:
            when = np.arange(len(y)) * (self.n_origins + self.gap + 2) // len(y)
        periods = np.unique(when)
        base = self.estimator
        if base is None:
            from sklearn.linear_model import LogisticRegression as base_cls

            base = base_cls()
        self.estimator_ = clone(base).fit(X, y)
        oot_p, oot_y = [], []
        for t in periods[-self.n_origins :]:
            i = int(np.searchsorted(periods, t))
            train = np.isin(when, periods[: max(i - self.gap, 0)])
            test = when == t
            if len(np.unique(y[train])) < 2:
                continue
            sub = lambda m: X[m] if isinstance(X, pd.DataFrame) else np.asarray(X)[m]  # noqa: E731
            m = clone(base).fit(sub(train), y[train])
            oot_p.append(m.predict_proba(sub(test))[:, 1])
            oot_y.append(y[test] == self.classes_[1])
        if not oot_p or len(np.unique(np.concatenate(oot_y))) < 2:
            # too few origins (early backtest splits): predict uncalibrated, and say so
            self.calibrator_ = None
            self.n_calibration_rows_ = 0
            return self
        p, t = np.concatenate(oot_p), np.concatenate(oot_y).astype(int)
        self.n_calibration_rows_ = int(len(p))
        if self.method == "isotonic":
            self.calibrator_ = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(p, t)
        else:
            self.calibrator_ = LogisticRegression(C=1e6).fit(logodds(p)[:, None], t)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "calibrator_")
        p = self.estimator_.predict_proba(X)[:, 1]
        if self.calibrator_ is None:
            q = p
        elif self.method == "isotonic":
            q = self.calibrator_.predict(p)
        else:
            q = self.calibrator_.predict_proba(logodds(p)[:, None])[:, 1]
        q = np.clip(q, 0.0, 1.0)
        return np.column_stack([1 - q, q])

    def predict(self, X: Any) -> np.ndarray:
        pos = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[pos.astype(int)]

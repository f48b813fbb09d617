"""An ordinal (proportional-odds) model of the next inspection grade.

'Inadequate overall' throws away most of what an inspection says: a council graded
'requires improvement' is closer to failing than one graded 'good'. The ordered logit
uses every grade (1 outstanding, 2 good, 3 requires improvement, 4 inadequate):

    P(grade <= j | x) = F(c_j - x'b),   F the logistic CDF, c_1 < c_2 < c_3,

one slope vector ``b`` for all cut points (proportional odds), fitted by maximum
likelihood with statsmodels' :class:`~statsmodels.miscmodels.ordinal_model.OrderedModel`.
Covariates are a short, pre-specified list (a model sized for ~60 failures), median
imputed and standardised with training statistics, so a coefficient is the change in
the log-odds of a *worse* grade per standard deviation.

The fitted model keeps plain arrays only (serialises with skops); :attr:`coef_table` is
the research output (coefficients, standard errors, intervals).

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"x": rng.normal(size=600)})
>>> latent = 1.5 * X["x"] + rng.logistic(size=600)
>>> y = 1 + (latent > -1).astype(int) + (latent > 0.5) + (latent > 2)
>>> m = OrdinalGradeClassifier().fit(X, y)
>>> bool(abs(m.coef_[0] - 1.5) < 0.4)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["OrdinalGradeClassifier", "OrdinalRiskClassifier"]


class OrdinalGradeClassifier(ClassifierMixin, BaseEstimator):
    """Ordered logit of a grade (e.g. 1-4) on a short list of covariates.

    Parameters
    ----------
    covariates : list of str or None
        Columns used (those present in ``X``); ``None`` = every column. Columns with no
        value in training are dropped.
    alpha : float
        1 - coverage of the coefficient intervals in :attr:`coef_table`.
    maxiter : int
        Iterations for the optimiser (BFGS).

    Attributes
    ----------
    classes_ : ndarray
        The grades seen in training, ascending (worst last).
    coef_ : ndarray
        Slopes per standardised covariate (positive = a worse grade more likely).
    cutpoints_ : ndarray
        The ``len(classes_) - 1`` increasing thresholds ``c_j``.
    used_features_ : ndarray of str
    """

    def __init__(self, covariates: Any = None, alpha: float = 0.05, maxiter: int = 500):
        self.covariates = covariates
        self.alpha = alpha
        self.maxiter = maxiter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _frame(self, X: Any) -> pd.DataFrame:
        names = getattr(self, "feature_names_in_", None)
        if isinstance(X, pd.DataFrame):
            return X
        cols = names if names is not None else [f"x{i}" for i in range(np.shape(X)[1])]
        return pd.DataFrame(np.asarray(X, dtype=float), columns=cols)

    def _design(self, Xf: pd.DataFrame) -> np.ndarray:
        Z = Xf[list(self.used_features_)].to_numpy(dtype=float)
        Z = np.where(np.isnan(Z), self.medians_, Z)
        return (Z - self.means_) / self.scales_

    def fit(self, X: Any, y: Any) -> OrdinalGradeClassifier:
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        validate_data(self, X, ensure_all_finite="allow-nan", reset=True)
        Xf = self._frame(X)
        y = np.asarray(y, dtype=float)
        if np.isnan(y).any():
            raise ValueError("OrdinalGradeClassifier: the grade is missing for some rows")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("OrdinalGradeClassifier needs at least two grades in training")
        wanted = list(Xf.columns) if self.covariates is None else list(self.covariates)
        cols = [c for c in wanted if c in Xf.columns and Xf[c].notna().any()]
        # a constant column carries no information and makes the design singular
        cols = [c for c in cols if Xf[c].nunique(dropna=True) > 1]
        if not cols:
            raise ValueError("OrdinalGradeClassifier: no covariate has varying values in training")
        self.used_features_ = np.asarray(cols, dtype=object)
        Z = Xf[cols].to_numpy(dtype=float)
        self.medians_ = np.nanmedian(Z, axis=0)
        Z = np.where(np.isnan(Z), self.medians_, Z)
        self.means_ = Z.mean(axis=0)
        self.scales_ = np.where(Z.std(axis=0) > 0, Z.std(axis=0), 1.0)
        D = pd.DataFrame((Z - self.means_) / self.scales_, columns=cols)
        codes = np.searchsorted(self.classes_, y)
        endog = pd.Series(pd.Categorical(codes, categories=range(len(self.classes_)), ordered=True))
        res = OrderedModel(endog, D, distr="logit").fit(
            method="bfgs", disp=False, maxiter=self.maxiter
        )
        k = len(cols)
        params = np.asarray(res.params, dtype=float)
        self.coef_ = params[:k]
        self.cutpoints_ = np.cumsum(np.r_[params[k], np.exp(params[k + 1 :])])
        self.bse_ = np.asarray(res.bse, dtype=float)[:k]
        self.converged_ = bool(res.mle_retvals.get("converged", True))
        self.n_obs_ = int(len(y))
        return self

    @property
    def coef_table(self) -> pd.DataFrame:
        """Coefficients per standard deviation, with Wald intervals and odds ratios."""
        from scipy.stats import norm

        check_is_fitted(self, "coef_")
        z = norm.ppf(1 - self.alpha / 2)
        return pd.DataFrame(
            {
                "coef": self.coef_,
                "se": self.bse_,
                "lo": self.coef_ - z * self.bse_,
                "hi": self.coef_ + z * self.bse_,
                "odds_ratio": np.exp(self.coef_),
            },
            index=pd.Index(self.used_features_, name="term"),
        )

    def cumulative_proba(self, X: Any) -> np.ndarray:
        """``P(grade <= classes_[j])`` for each cut point ``j`` (n x (n_classes - 1))."""
        check_is_fitted(self, "coef_")
        validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        eta = self._design(self._frame(X)) @ self.coef_
        return expit(self.cutpoints_[None, :] - eta[:, None])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each grade in :attr:`classes_` (rows sum to 1)."""
        cum = self.cumulative_proba(X)
        full = np.column_stack([np.zeros(len(cum)), cum, np.ones(len(cum))])
        return np.diff(full, axis=1)

    def proba_at_least(self, X: Any, grade: float) -> np.ndarray:
        """``P(grade >= given grade)``, e.g. ``4`` for inadequate, ``3`` for requires
        improvement or worse."""
        p = self.predict_proba(X)
        return p[:, self.classes_ >= grade].sum(axis=1)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class OrdinalRiskClassifier(ClassifierMixin, BaseEstimator):
    """A binary classifier whose risk comes from the ordinal model of the grade.

    ``fit(X, y, grade=...)``: with the grades of the training rows (1-4; NaN where the
    window held no graded overall judgement), fits :class:`OrdinalGradeClassifier` on the
    graded rows and predicts ``P(grade >= at_least)`` — 4 for 'inadequate', 3 for
    'requires improvement or worse'. Without grades it falls back to the binary label
    (an ordered logit on two classes is a plain logit), so it keeps the sklearn binary
    shape the backtest, SHAP and MLflow expect.

    Parameters
    ----------
    at_least : float
        The grade from which a judgement counts as the event.
    covariates : list of str or None
        Passed to :class:`OrdinalGradeClassifier` (a short, pre-specified list).
    """

    def __init__(self, at_least: float = 4.0, covariates: Any = None, maxiter: int = 500):
        self.at_least = at_least
        self.covariates = covariates
        self.maxiter = maxiter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X: Any, y: Any, grade: Any = None) -> OrdinalRiskClassifier:
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import column_or_1d

        validate_data(self, X, y, ensure_all_finite="allow-nan", reset=True)
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(
                f"Only binary classification is supported. OrdinalRiskClassifier got "
                f"{len(self.classes_)} class(es)."
            )
        Xf = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))
        if grade is None:
            target = (y == self.classes_[1]).astype(float)
            keep = np.ones(len(y), dtype=bool)
        else:
            target = np.asarray(grade, dtype=float)
            keep = ~np.isnan(target)
        self.ordinal_ = OrdinalGradeClassifier(self.covariates, maxiter=self.maxiter)
        self.ordinal_.fit(Xf[keep], target[keep])
        self.fitted_on_grades_ = grade is not None
        self.used_features_ = self.ordinal_.used_features_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "ordinal_")
        validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        Xf = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))
        at = self.at_least if self.fitted_on_grades_ else 1.0
        p = self.ordinal_.proba_at_least(Xf, at)
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        pos = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[pos.astype(int)]

    @property
    def coef_table(self) -> pd.DataFrame:
        check_is_fitted(self, "ordinal_")
        return self.ordinal_.coef_table

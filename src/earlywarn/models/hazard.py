"""``hazard``: a discrete-time hazard logit (statsmodels GLM) with period effects and
council-clustered standard errors; its coefficient table is research output."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from earlywarn.models._common import (
    as_frame,
    binary_classes,
    binary_tags,
)


class HazardLogit(ClassifierMixin, BaseEstimator):
    """Discrete-time hazard logit (statsmodels GLM Binomial) with an sklearn face.

    Each row is a council at an origin at risk of failure in the next window. The design
    is: a constant, period effects (dummies for bins of ``period_feature``; first bin is
    the reference) and the covariates, median-imputed and standardised with training
    statistics (so a coefficient is the change in log-odds per standard deviation).
    Standard errors: ``cov_type="cluster"`` clusters by the index level ``group_level``
    of ``X`` (the council); needs a DataFrame whose index has that level.
    ``"nonrobust"`` and ``"HC0"`` are also accepted.

    Fitted attributes hold plain arrays (no statsmodels object), so the model serialises
    with skops: ``terms_``, ``params_``, ``bse_``, ``pvalues_``, ``conf_int_``,
    ``n_clusters_``; :attr:`coef_table` gives them as a DataFrame. ``used_features_``
    lists the columns the prediction depends on (the period feature, then the
    covariates); :meth:`design_frame` gives the design the log-odds are linear in
    (``log-odds = design_frame(X) @ params_``), for exact linear explanations.

    Parameters
    ----------
    period_feature : str or None
        Column defining the period (duration) effects; ``None`` for none.
    period_bins : list of float
        Inner cut points for the period bins (``(-inf, b0], (b0, b1], ..., (bk, inf)``).
    covariates : list of str or None
        Covariates; ``None`` = every column except ``period_feature``.
    cov_type : {"cluster", "nonrobust", "HC0"}
    group_level : str
        Index level naming the cluster (council) for ``cov_type="cluster"``.
    alpha : float
        1 - coverage of the confidence intervals.
    """

    def __init__(
        self,
        period_feature: str | None = "years_since_inspection",
        period_bins: Any = (1.0, 2.0, 3.0),
        covariates: Any = None,
        cov_type: str = "cluster",
        group_level: str = "council_code",
        alpha: float = 0.05,
    ):
        self.period_feature = period_feature
        self.period_bins = period_bins
        self.covariates = covariates
        self.cov_type = cov_type
        self.group_level = group_level
        self.alpha = alpha

    def __sklearn_tags__(self):
        return binary_tags(super().__sklearn_tags__())

    def design_frame(self, X: Any) -> pd.DataFrame:
        """The design matrix of ``X`` (columns ``terms_``): ``log-odds = D @ params_``."""
        check_is_fitted(self, "params_")
        validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        Xf = as_frame(X, getattr(self, "feature_names_in_", None))
        return pd.DataFrame(self._design(Xf), index=Xf.index, columns=self.terms_.astype(str))

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        cols = [np.ones(len(X))]
        if self.period_feature is not None:
            v = X[self.period_feature].to_numpy(dtype=float)
            v = np.where(np.isnan(v), self.period_fill_, v)
            b = np.digitize(v, np.asarray(self.period_bins, dtype=float), right=True)
            cols += [(b == i).astype(float) for i in range(1, len(self.period_bins) + 1)]
        Z = X[list(self.covariates_)].to_numpy(dtype=float)
        Z = np.where(np.isnan(Z), self.medians_, Z)
        Z = (Z - self.means_) / self.scales_
        return np.column_stack([*cols, Z]) if Z.size else np.column_stack(cols)

    def fit(self, X: Any, y: Any) -> HazardLogit:
        import statsmodels.api as sm

        validate_data(self, X, y, ensure_all_finite="allow-nan", reset=True)
        groups = None
        if self.cov_type == "cluster":
            if not isinstance(X, pd.DataFrame) or self.group_level not in (X.index.names or []):
                raise ValueError(
                    f"cov_type='cluster' needs a DataFrame indexed by {self.group_level!r}"
                )
            groups = pd.factorize(X.index.get_level_values(self.group_level))[0]
        elif self.cov_type not in ("nonrobust", "HC0"):
            raise ValueError(f"cov_type {self.cov_type!r} is not cluster, nonrobust or HC0")
        Xf = as_frame(X)
        self.classes_, yy = binary_classes(y, "HazardLogit")
        if self.period_feature is not None and self.period_feature not in Xf.columns:
            raise ValueError(f"HazardLogit needs the period column {self.period_feature!r}")
        wanted = (
            [c for c in Xf.columns if c != self.period_feature]
            if self.covariates is None
            else [c for c in self.covariates if c in Xf.columns]
        )
        Z = Xf[wanted].to_numpy(dtype=float) if wanted else np.empty((len(Xf), 0))
        keep = [i for i in range(Z.shape[1]) if np.isfinite(Z[:, i]).any()]
        self.covariates_ = np.asarray([wanted[i] for i in keep], dtype=object)
        Z = Z[:, keep]
        with np.errstate(all="ignore"):
            self.medians_ = np.nan_to_num(np.nanmedian(Z, axis=0)) if Z.size else np.zeros(0)
            Zf = np.where(np.isnan(Z), self.medians_, Z)
            self.means_ = Zf.mean(axis=0)
            sd = Zf.std(axis=0)
        varies = sd > 0  # a constant covariate would make the design rank-deficient
        self.covariates_ = self.covariates_[varies]
        self.medians_, self.means_ = self.medians_[varies], self.means_[varies]
        self.scales_ = sd[varies]
        if self.period_feature is not None:
            pv = Xf[self.period_feature].to_numpy(dtype=float)
            self.period_fill_ = float(np.nanmedian(pv)) if np.isfinite(pv).any() else 0.0
        D = self._design(Xf)
        bins = list(np.asarray(self.period_bins, dtype=float))
        period_terms = []
        if self.period_feature is not None:
            edges = [*bins, np.inf]
            period_terms = [
                f"period[{self.period_feature} in ({lo:g}, {hi:g}]]"
                for lo, hi in zip(bins, edges[1:], strict=True)
            ]
        self.terms_ = np.asarray(["const", *period_terms, *self.covariates_], dtype=object)
        kw = {"groups": groups} if groups is not None else None
        res = sm.GLM(yy, D, family=sm.families.Binomial()).fit(cov_type=self.cov_type, cov_kwds=kw)
        self.params_ = np.asarray(res.params, dtype=float)
        self.bse_ = np.asarray(res.bse, dtype=float)
        self.pvalues_ = np.asarray(res.pvalues, dtype=float)
        self.conf_int_ = np.asarray(res.conf_int(alpha=self.alpha), dtype=float)
        self.n_clusters_ = int(groups.max() + 1) if groups is not None else 0
        self.n_obs_ = int(len(yy))
        self.n_events_ = int(yy.sum())
        period = [] if self.period_feature is None else [self.period_feature]
        self.used_features_ = np.asarray([*period, *self.covariates_], dtype=object)
        return self

    @property
    def coef_table(self) -> pd.DataFrame:
        """Coefficients (log-odds), robust SEs, intervals, odds ratios, one row per term."""
        check_is_fitted(self, "params_")
        lvl = 100 * (1 - self.alpha)
        return pd.DataFrame(
            {
                "term": self.terms_.astype(str),
                "coef": self.params_,
                "se": self.bse_,
                "z": self.params_ / self.bse_,
                "p_value": self.pvalues_,
                f"ci_lo_{lvl:g}": self.conf_int_[:, 0],
                f"ci_hi_{lvl:g}": self.conf_int_[:, 1],
                "odds_ratio": np.exp(self.params_),
                "cov_type": self.cov_type,
                "scale": ["per SD" if t in set(self.covariates_) else "" for t in self.terms_],
            }
        )

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "params_")
        validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        return self.design_frame(X).to_numpy() @ self.params_

    def predict_proba(self, X: Any) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-np.clip(self.decision_function(X), -35, 35)))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        pos = self.decision_function(X) > 0
        return self.classes_[pos.astype(int)]

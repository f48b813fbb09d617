"""A logit with a council random intercept: shrinkage for repeated councils.

The backtest sees the same ~150 councils at every origin, so rows are not independent: a
council that failed once is more likely to fail again for reasons no feature records.
:class:`MixedLogitClassifier` (the ``mixed`` model kind) fits

    logit P(fail) = b0 + x'b + u_council,   u_council ~ N(0, s^2),

with statsmodels' :class:`~statsmodels.genmod.bayes_mixed_glm.BinomialBayesMixedGLM`
(variational Bayes): a Gaussian prior on the standardised slopes (``fe_sd``, the
shrinkage a penalised logit gets from its L2 penalty) and a council intercept whose
spread ``s`` is estimated, so councils with few rows are pulled to the population. A
council never seen in training (or rows without a ``council_code`` index level, as SHAP
passes them) gets ``u = 0``: the population-average prediction.

Covariates are median imputed and standardised with training statistics; a short,
pre-specified list comes from ``features = [...]`` in the config (a ``select`` step).
The posterior means are ``fe_mean_`` (intercept first) - deliberately not ``coef_``, so
:mod:`earlywarn.explain` does not take the model for a plain linear one: it explains the
fixed part over ``used_features_`` (Shapley values on rows without a council, i.e. the
population average); a council's own intercept is not a feature and is not a reason.

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> idx = pd.MultiIndex.from_product([[f"C{i}" for i in range(40)], range(10)],
...                                  names=["council_code", "origin"])
>>> X = pd.DataFrame({"x": rng.normal(size=400)}, index=idx)
>>> y = (rng.random(400) < 1 / (1 + np.exp(1.5 - X["x"]))).astype(int)
>>> m = MixedLogitClassifier().fit(X, y)
>>> m.predict_proba(X).shape
(400, 2)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["MixedLogitClassifier", "council_codes"]

LEVEL = "council_code"


def council_codes(X: Any) -> np.ndarray | None:
    """The council code of each row (the ``council_code`` index level), or ``None``."""
    idx = getattr(X, "index", None)
    if isinstance(idx, pd.MultiIndex) and LEVEL in idx.names:
        return np.asarray(idx.get_level_values(LEVEL).astype(str))
    if idx is not None and idx.name == LEVEL:
        return np.asarray(idx.astype(str))
    return None


class MixedLogitClassifier(ClassifierMixin, BaseEstimator):
    """Logit with a council random intercept (variational Bayes; module notes).

    Parameters
    ----------
    fe_sd : float
        Prior standard deviation of each standardised slope (smaller = more shrinkage).
    vc_sd : float
        Prior standard deviation of the log of the council intercepts' spread.
    random_effect : bool
        ``False`` fits the same model without council intercepts (a Bayesian ridge
        logit), the comparison that isolates the random effect.
    """

    def __init__(self, fe_sd: float = 1.0, vc_sd: float = 1.0, random_effect: bool = True):
        self.fe_sd = fe_sd
        self.vc_sd = vc_sd
        self.random_effect = random_effect

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _Z(self, X: Any) -> np.ndarray:
        Xf = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))
        if isinstance(X, pd.DataFrame):
            Z = Xf.reindex(columns=list(self.used_features_)).to_numpy(dtype=float)
        else:
            Z = Xf.to_numpy(dtype=float)[:, self.used_index_]
        Z = np.where(np.isnan(Z), self.medians_, Z)
        return np.column_stack([np.ones(len(Z)), (Z - self.means_) / self.scales_])

    def fit(self, X: Any, y: Any) -> MixedLogitClassifier:
        from scipy import sparse
        from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("MixedLogitClassifier needs two classes in y")
        pos = (y == self.classes_[1]).astype(float)
        Xf = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))
        self.n_features_in_ = Xf.shape[1]
        ok = [i for i, c in enumerate(Xf.columns) if Xf[c].nunique(dropna=True) > 1]
        self.used_index_ = np.asarray(ok, dtype=int)
        self.used_features_ = np.asarray([str(Xf.columns[i]) for i in ok], dtype=object)
        Z = Xf.iloc[:, ok].to_numpy(dtype=float)
        self.medians_ = np.nanmedian(Z, axis=0) if ok else np.zeros(0)
        Z = np.where(np.isnan(Z), self.medians_, Z)
        self.means_ = Z.mean(axis=0)
        sd = Z.std(axis=0)
        self.scales_ = np.where(sd > 0, sd, 1.0)
        exog = np.column_stack([np.ones(len(Z)), (Z - self.means_) / self.scales_])
        codes = council_codes(X) if self.random_effect else None
        if codes is None:
            codes = np.asarray(["all"] * len(y))  # one group: the intercept's prior only
            self.random_effect_used_ = False
        else:
            self.random_effect_used_ = True
        levels, inv = np.unique(codes, return_inverse=True)
        vc = sparse.csr_matrix((np.ones(len(y)), (np.arange(len(y)), inv)), (len(y), len(levels)))
        model = BinomialBayesMixedGLM(
            pos, exog, vc, np.zeros(len(levels), dtype=int),
            vcp_p=self.vc_sd, fe_p=self.fe_sd,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.fit_vb()
        self.fe_mean_ = np.asarray(res.fe_mean, dtype=float)
        self.fe_sd_ = np.asarray(res.fe_sd, dtype=float)
        vc_mean = np.asarray(res.vc_mean, dtype=float)
        u = vc_mean if self.random_effect_used_ else np.zeros(0)
        self.offset_ = 0.0 if self.random_effect_used_ else float(vc_mean[0])
        self.council_levels_ = np.asarray(levels if self.random_effect_used_ else [], dtype=str)
        self.council_effects_ = u
        self.council_sd_ = float(np.exp(np.asarray(res.vcp_mean, dtype=float)[0]))
        self.converged_ = bool(getattr(res, "optim_retvals", {}).get("converged", True))
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "fe_mean_")
        eta = self._Z(X) @ self.fe_mean_ + self.offset_
        codes = council_codes(X)
        if codes is not None and self.council_levels_.size:
            j = np.searchsorted(self.council_levels_, codes)
            j = np.clip(j, 0, self.council_levels_.size - 1)
            known = self.council_levels_[j] == codes
            eta = eta + np.where(known, self.council_effects_[j], 0.0)
        return eta

    def predict_proba(self, X: Any) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    @property
    def coef_table(self) -> pd.DataFrame:
        """Posterior means and standard deviations of the standardised slopes."""
        check_is_fitted(self, "fe_mean_")
        return pd.DataFrame(
            {"coef": self.fe_mean_[1:], "sd": self.fe_sd_[1:]},
            index=pd.Index(self.used_features_, name="term"),
        )

"""Named model specs -> unfitted sklearn Pipelines with their preprocessing inside.

Every model has the sklearn shape (``fit``, ``predict_proba``, ``classes_``) and is one
Pipeline, so the backtest, SHAP and MLflow see the same object.

- ``persistence``: the failure rate seen in training for the council's last inspection
  grade (the naive 'last judgement' baseline).
- ``red_flags``: a transparent count of configured red flags (``[feature, op, threshold]``)
  turned into the training failure rate for that count (never lower for more flags).
- ``logit``: median imputation with missing-value indicators, scaling, L2 logistic
  regression. Rare-events option ``rare_events``: ``"class_weight"`` (balanced weights)
  or ``"prior_correction"`` (balanced weights, then King & Zeng's (2001) prior correction
  of the intercept to the population rate ``tau``, default the training rate).
- ``hazard``: a discrete-time hazard logit (statsmodels GLM) with period effects (bins of
  ``period_feature``, by default the years since the last inspection) and the features
  as covariates (already lagged: each is as of its origin), standard errors clustered by
  council; its coefficient table is research output (:func:`coefficient_table`).
- ``ordinal``: a proportional-odds model of the next overall grade (1-4) on a short core
  of covariates, giving ``P(grade >= at_least)`` (:mod:`earlywarn.ordinal`); the backtest
  fits it on the grades of the training windows, not only the binary label.
- ``gbm``: histogram gradient boosting (handles missing values itself), after dropping
  columns with no value in training; ``monotone = true`` (or a list of features) adds
  monotone constraints from the feature registry's direction (needs ``specs``).

Any kind takes ``features = [...]``: a pre-specified short list of columns (a model sized
for ~60 failures sees only the theory-driven features named in the config; the others
get SHAP value 0), and ``calibration = "isotonic" | "sigmoid"``: the classifier is wrapped in
:class:`TimeCalibratedClassifier`, which fits the calibrator on out-of-time predictions
for the last ``calibration_origins`` training origins (each predicted by a model trained
on earlier origins only, ``calibration_gap`` origins apart) — never random folds.

Example
-------
>>> m = make_model("logit")
>>> [name for name, _ in m.steps]
['impute', 'scale', 'clf']
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from earlywarn._names import MODEL_KINDS

__all__ = [
    "MODEL_KINDS",
    "DropAllMissing",
    "FillAllMissing",
    "HazardLogit",
    "PersistenceClassifier",
    "PriorCorrectedLogit",
    "RedFlagsClassifier",
    "TimeCalibratedClassifier",
    "coefficient_table",
    "make_model",
    "trusted_types",
]


DEFAULT_RED_FLAGS = (
    ("last_inspection_grade", ">=", 3.0),
    ("reserves_pct_net_spend", "<", 5.0),
    ("leadership_changes_3y", ">=", 2.0),
    ("interims_in_post", ">=", 1.0),
    ("indicators_worsened_share", ">=", 60.0),
    ("satisfaction_chg_1y_pp", "<=", -5.0),
)

HAZARD_CORE_COVARIATES = (
    "rereferral_pct",
    "cpp_repeat_pct",
    "assessment_timeliness_pct",
    "sw_turnover_pct",
    "sw_agency_pct",
    "agency_worker_pct",
    "sw_vacancy_pct",
    "sw_caseload_per_fte",
    "satisfaction_pct",
    "satisfaction_drop_from_peak_pp",
    "reserves_pct_net_spend",
    "reserves_pct_net_spend_chg_3y_pp",
    "leadership_changes_3y",
    "interims_in_post",
    "last_inspection_grade",
    "deprivation_imd_score",
)

DEFAULTS: dict[str, dict[str, Any]] = {
    # chosen on the demo backtest (pooled out-of-time AUROC, 150 councils, 10 origins):
    # logit C 0.1 -> 0.732, C 0.01 -> 0.756; gbm (lr 0.05, 200 trees, leaf 40) -> 0.779,
    # (lr 0.03, 150 trees, leaf 60, monotone) -> 0.800; the same ordering on a 60-council panel
    "logit": {"C": 0.01, "max_iter": 2000},
    "gbm": {
        "max_depth": 3,
        "learning_rate": 0.03,
        "max_iter": 150,
        "min_samples_leaf": 60,
        "l2_regularization": 1.0,
        "monotone": "auto",
    },
    "persistence": {"feature": "last_inspection_grade", "prior_strength": 2.0},
    # the same short core as the hazard model; at_least 4 = P(inadequate)
    "ordinal": {"at_least": 4.0, "covariates": list(HAZARD_CORE_COVARIATES)},
    "red_flags": {"flags": [list(f) for f in DEFAULT_RED_FLAGS], "prior_strength": 2.0},
    "hazard": {
        "period_feature": "years_since_inspection",
        "period_bins": [1.0, 2.0, 3.0],
        # a short, readable core (those present are used); None = every column, which on
        # ~80-200 correlated features is rank-deficient, slow and unreadable
        "covariates": list(HAZARD_CORE_COVARIATES),
        "cov_type": "cluster",
        "group_level": "council_code",
        "alpha": 0.05,
    },
}
CALIBRATION_KEYS = ("calibration", "calibration_origins", "calibration_gap")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _binary_tags(tags):
    tags.classifier_tags.multi_class = False
    tags.input_tags.allow_nan = True
    return tags


def _binary_classes(y: Any, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a binary target; return ``(classes_, positive indicator as float)``."""
    from sklearn.utils.multiclass import check_classification_targets

    y = np.asarray(y)
    check_classification_targets(y)
    classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError(
            f"Only binary classification is supported. {who} got {len(classes)} class(es)."
        )
    return classes, (y == classes[1]).astype(float)


def _shrunk_rates(key: np.ndarray, pos: np.ndarray, prior_strength: float) -> dict[float, float]:
    """Failure rate per key value, shrunk towards the overall rate by a pseudo-count."""
    base = float(pos.mean())
    return {
        float(k): float(
            (pos[key == k].sum() + prior_strength * base) / ((key == k).sum() + prior_strength)
        )
        for k in np.unique(key)
    }


def _as_frame(X: Any, names: np.ndarray | None = None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X, dtype=float)
    cols = list(names) if names is not None else [f"x{i}" for i in range(X.shape[1])]
    return pd.DataFrame(X, columns=cols)


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
        return _binary_tags(super().__sklearn_tags__())

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
        self.classes_, pos = _binary_classes(y, "PersistenceClassifier")
        y = np.asarray(y)
        key = self._key(X)
        self.base_rate_ = float(pos.mean())
        rates = _shrunk_rates(key, pos, self.prior_strength)
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
        return _binary_tags(super().__sklearn_tags__())

    def _flags(self) -> list[tuple[str, str, float]]:
        flags = DEFAULT_RED_FLAGS if self.flags is None else self.flags
        out = []
        for f in flags:
            if len(f) != 3 or f[1] not in _OPS:
                raise ValueError(
                    f"red flag {f!r} is not [feature, op, threshold] with op in >, >=, <, <="
                )
            out.append((str(f[0]), str(f[1]), float(f[2])))
        return out

    def count_flags(self, X: Any) -> np.ndarray:
        """Number of red flags raised per row (flags in ``flags_used_`` once fitted)."""
        X = _as_frame(X, getattr(self, "feature_names_in_", None))
        flags = getattr(self, "flags_used_", None) or self._flags()
        n = np.zeros(len(X), dtype=int)
        for feat, op, thr in flags:
            if feat not in X.columns:
                raise ValueError(f"RedFlagsClassifier needs the column {feat!r}")
            v = X[feat].to_numpy(dtype=float)
            n += np.where(np.isnan(v), False, _OPS[op](v, thr)).astype(int)
        return n

    def fit(self, X: Any, y: Any) -> RedFlagsClassifier:
        validate_data(self, X, y, ensure_all_finite="allow-nan", reset=True)
        self.classes_, pos = _binary_classes(y, "RedFlagsClassifier")
        cols = set(_as_frame(X).columns)
        # a flag on a feature family this cycle does not build is left out (recorded)
        self.flags_used_ = [list(f) for f in self._flags() if f[0] in cols]
        if not self.flags_used_:
            raise ValueError(
                "RedFlagsClassifier: no configured flag names a column of X "
                f"(flags on {', '.join(f[0] for f in self._flags())})"
            )
        n = self.count_flags(X)
        rates = _shrunk_rates(n.astype(float), pos, self.prior_strength)
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
        tags = _binary_tags(super().__sklearn_tags__())
        tags.input_tags.allow_nan = False
        return tags

    def fit(self, X: Any, y: Any) -> PriorCorrectedLogit:
        from sklearn.linear_model import LogisticRegression

        X, y = validate_data(self, X, y, reset=True)
        self.classes_, _ = _binary_classes(y, "PriorCorrectedLogit")
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
        return _binary_tags(super().__sklearn_tags__())

    def design_frame(self, X: Any) -> pd.DataFrame:
        """The design matrix of ``X`` (columns ``terms_``): ``log-odds = D @ params_``."""
        check_is_fitted(self, "params_")
        validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        Xf = _as_frame(X, getattr(self, "feature_names_in_", None))
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
        Xf = _as_frame(X)
        self.classes_, yy = _binary_classes(y, "HazardLogit")
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

        tags = _binary_tags(super().__sklearn_tags__())
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
        self.classes_, _ = _binary_classes(y, "TimeCalibratedClassifier")
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
            self.calibrator_ = LogisticRegression(C=1e6).fit(_logodds(p)[:, None], t)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "calibrator_")
        p = self.estimator_.predict_proba(X)[:, 1]
        if self.calibrator_ is None:
            q = p
        elif self.method == "isotonic":
            q = self.calibrator_.predict(p)
        else:
            q = self.calibrator_.predict_proba(_logodds(p)[:, None])[:, 1]
        q = np.clip(q, 0.0, 1.0)
        return np.column_stack([1 - q, q])

    def predict(self, X: Any) -> np.ndarray:
        pos = self.predict_proba(X)[:, 1] >= 0.5
        return self.classes_[pos.astype(int)]


def _logodds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _monotone(value: Any, specs: dict | None) -> dict[str, int] | None:
    if not value:
        return None
    if value == "auto":  # constrain by the registry's direction when the registry is known
        if specs is None:
            return None
        value = True
    if specs is None:
        raise ValueError("gbm monotone constraints need the feature specs (make_model(specs=))")
    names = list(specs) if value is True else list(value)
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise ValueError(f"gbm monotone names an unknown feature {unknown[0]!r}")
    return {n: 1 if specs[n].higher_is_worse else -1 for n in names}


def make_model(
    kind: str, params: dict[str, Any] | None = None, seed: int = 0, specs: dict | None = None
):
    """Build the unfitted Pipeline for a named model.

    Parameters
    ----------
    kind : {"persistence", "red_flags", "logit", "hazard", "gbm", "ordinal"}
    params : dict, optional
        Overrides for the classifier's parameters (from the cycle config), plus
        ``calibration`` / ``calibration_origins`` / ``calibration_gap`` for any kind,
        ``rare_events`` / ``tau`` for ``logit`` and ``monotone`` for ``gbm``.
    seed : int
        Random state for models that use one.
    specs : dict of FeatureSpec, optional
        Feature registry (``FeatureSet.specs``): directions for gbm monotone constraints.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model {kind!r} (expected one of {', '.join(MODEL_KINDS)})")
    p = {**DEFAULTS.get(kind, {}), **(params or {})}
    cal = {k: p.pop(k) for k in CALIBRATION_KEYS if k in p}
    short_list = p.pop("features", None)
    if kind == "persistence":
        steps = [("clf", PersistenceClassifier(**p))]
    elif kind == "red_flags":
        steps = [("clf", RedFlagsClassifier(**p))]
    elif kind == "logit":
        rare = p.pop("rare_events", "none")
        tau = p.pop("tau", None)
        if rare == "prior_correction":
            clf = PriorCorrectedLogit(tau=tau, **p)
        elif rare in ("none", "class_weight"):
            if rare == "class_weight":
                p["class_weight"] = "balanced"
            clf = LogisticRegression(**p)
        else:
            raise ValueError(
                f"logit rare_events {rare!r} is not none, class_weight or prior_correction"
            )
        imputer = SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)
        steps = [("impute", imputer), ("scale", StandardScaler()), ("clf", clf)]
    elif kind == "hazard":
        steps = [("drop_empty", DropAllMissing()), ("clf", HazardLogit(**p))]
    elif kind == "ordinal":
        from earlywarn.ordinal import OrdinalRiskClassifier

        steps = [("clf", OrdinalRiskClassifier(**p))]
    elif kind == "mixed":  # a council random intercept (earlywarn.mixed)
        from earlywarn.mixed import MixedLogitClassifier

        steps = [("clf", MixedLogitClassifier(**p))]
    else:
        cst = _monotone(p.pop("monotone", None), specs)
        if cst:
            steps = [
                ("fill_empty", FillAllMissing()),
                ("clf", HistGradientBoostingClassifier(random_state=seed, monotonic_cst=cst, **p)),
            ]
        else:
            steps = [
                ("drop_empty", DropAllMissing()),
                ("clf", HistGradientBoostingClassifier(random_state=seed, **p)),
            ]
    if cal.get("calibration"):
        # gbm: the empty-column step goes inside, so each calibration split refits it on
        # its own (earlier) training rows: a column empty there would break the binning
        inner = steps if kind == "gbm" else steps[-1:]
        steps = [] if kind == "gbm" else steps[:-1]
        clf = inner[0][1] if len(inner) == 1 else Pipeline(inner).set_output(transform="pandas")
        steps.append(
            (
                "clf",
                TimeCalibratedClassifier(
                    clf,
                    method=cal["calibration"],
                    n_origins=int(cal.get("calibration_origins", 2)),
                    gap=int(cal.get("calibration_gap", 1)),
                ),
            )
        )
    if short_list is not None:
        if isinstance(short_list, str) or not all(isinstance(c, str) for c in short_list):
            raise ValueError(f"{kind} features must be a list of column names, got {short_list!r}")
        if short_list:
            from earlywarn.baselines import ColumnSubset

            steps.insert(0, ("select", ColumnSubset(tuple(short_list))))
    return Pipeline(steps).set_output(transform="pandas")


def coefficient_table(model: Any) -> pd.DataFrame | None:
    """The hazard coefficient table of a fitted Pipeline (``None`` for other models)."""
    clf = model.steps[-1][1] if hasattr(model, "steps") else model
    clf = getattr(clf, "estimator_", clf)
    return clf.coef_table if isinstance(clf, HazardLogit) else None


def trusted_types() -> list[str]:
    """This package's estimator classes, for loading skops files (``trusted=``)."""
    extra = ["earlywarn.baselines.ColumnSubset", "earlywarn.ordinal.OrdinalGradeClassifier"]
    extra += ["earlywarn.ordinal.OrdinalRiskClassifier", "earlywarn.mixed.MixedLogitClassifier"]
    return extra + [
        f"{__name__}.{c.__name__}"
        for c in (
            DropAllMissing,
            FillAllMissing,
            PersistenceClassifier,
            RedFlagsClassifier,
            PriorCorrectedLogit,
            HazardLogit,
            TimeCalibratedClassifier,
        )
    ]

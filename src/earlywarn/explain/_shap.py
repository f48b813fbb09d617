"""SHAP explanations -> a tidy reasons table -> sentences an adviser can use.

SHAP values are computed on the model's own input columns and mapped back to the source
features (a missing-value indicator column counts towards its feature).

Grouping rule: the SHAP values of a group (a family, a problem nature) are **summed**.
SHAP values are additive on the model's log-odds scale — base value + the sum of a
council's values = its log-odds — so a group's sum is exactly that group's share of the
distance between the council's log-odds and the base value, the groups add up to the
total, and raising and mitigating factors within a group offset each other (as they do in
the model). Means or sums of absolute values would break that accounting: a family with
many weak features would look more important than one decisive feature, and a group total
would no longer read as "how much this family moves the council's risk". The main
problem nature of a council is the nature its published risk-raising reasons point to
(the nature whose reasons carry the most SHAP).

Reasons: per council, among the features with positive SHAP values (they raise its risk),
the ``top_k`` largest that pass the reviewer's test of :mod:`earlywarn.explain` (a signal,
not context; on the risk side of similar councils, or moving that way, by a material
margin), and the most negative one that passes the mirror test (a genuinely protective
factor; none if none passes). Sentences give the value with its period, the similar
councils' and England medians and the trend (:class:`earlywarn.explain.ReasonFrame`).
When context carries most of the risk, ``Explanation.notes`` says so.

Explainers, chosen from the fitted classifier (all exact and additive on log-odds):

- trees (``gbm``): ``shap.TreeExplainer`` without background data (exact, path-dependent;
  on HistGradientBoosting the interventional mode fails additivity, see STACK-NOTES);
- linear (``logit``): ``shap.LinearExplainer`` on the scaled inputs with the training
  rows as background;
- ``hazard`` (linear in log-odds on its own design: a constant, period dummies and the
  imputed, standardised covariates): the exact linear decomposition
  ``params x (design(x) - mean design of the training rows)``; the period dummies are
  all functions of the period feature (``years_since_inspection``), so their terms are
  summed onto it (exact: the log-odds are additive across source features). A degenerate
  fit (separation or a rank-deficient design: statsmodels warns, coefficients ~1e15) adds
  up only to floating-point cancellation — on the real 2023 panel with all ~200
  covariates, 6 log-odds units — and its log-odds mean as little; restrict ``covariates``;
- few used columns (``persistence``: ``used_features_ == [feature]``; ``red_flags``: the
  columns of ``flags_used_``): exact Shapley values (``shap.explainers.Exact``, all
  coalitions; one column: f(x) minus its background mean) over those columns only, with
  100 training rows as background; every
  other column's SHAP value is exactly 0, so it is never evaluated. A classifier that
  lists ``used_features_`` (a fitted attribute) gets this path (more than
  ``EXACT_MAX_FEATURES`` used columns: the permutation explainer over them);
- anything else: the permutation explainer over all columns on the log-odds of
  ``predict_proba`` (slow: ~2 x n_features model calls per council).

Calibrated models (``TimeCalibratedClassifier``): the **underlying model** (the fit
used for prediction, before calibration) is explained on its own log-odds scale, with
the explainer above for its kind; ``Explanation.method`` says so and the base value and
SHAP values add up to the uncalibrated log-odds (:func:`explained_log_odds`). Why: the
calibrator is a monotone map of the underlying probability (isotonic: non-decreasing;
sigmoid: increasing), so a factor that raises the underlying score never lowers the
calibrated risk, and the reasons' ranking within a council is the model's own; the
alternative, a permutation explainer through the calibrator, costs minutes on the real
cycle and is exact only to its sampling (and flat isotonic steps give zero SHAP values
to real drivers).

Example
-------
See ``notebooks/01-quickstart.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.features.registry import FeatureSpec, level_feature

__all__ = [
    "EXACT_MAX_FEATURES",
    "REASON_COLUMNS",
    "Explanation",
    "explain",
    "explained_log_odds",
    "group_sums",
    "latest_periods",
    "model_log_odds",
    "shap_values",
]


@dataclass(frozen=True)
class Explanation:
    """SHAP values per council, reasons, and group totals.

    Attributes
    ----------
    values : DataFrame
        Per council (rows, by ``council_code``) and source feature (columns), on the
        log-odds scale.
    base_value : float
        The explainer's expected value (log-odds): ``base_value + values.sum(axis=1)`` is
        each council's log-odds.
    reasons : DataFrame
        Long: ``council_code, rank, direction ('raises' or 'lowers'), feature, family,
        nature, shap, value, start, peer_median, england_median, stated, signal, basis,
        sentence``; ``stated`` is the feature whose value the sentence states (``value``,
        ``start``, ``peer_median`` and ``england_median`` are its: for a ``basis='trend'``
        reason the level's one-year change), ``start`` the level at the start of a change's
        span (NaN otherwise), ``signal`` the feature whose trend shows the reason (the level
        behind a change).
    by_family, by_nature : DataFrame
        Summed SHAP values per council and family / problem nature.
    main_nature : Series
        Per council, the problem nature its published risk-raising reasons point to: the
        nature whose reasons carry the largest SHAP sum, when that is material (at least
        ``NATURE_MIN_LOG_ODDS``), else '' ("no clear single nature").
    method : str
        Which explainer made ``values`` and on what scale (e.g. that a calibrated model's
        underlying model was explained, before calibration).
    notes : Series
        Per council, :func:`earlywarn.explain.context_note` ('' when signals dominate).
    """

    values: pd.DataFrame
    base_value: float
    reasons: pd.DataFrame
    by_family: pd.DataFrame
    by_nature: pd.DataFrame
    main_nature: pd.Series | None = None
    method: str = ""
    notes: pd.Series | None = None  # per council: "the risk comes mostly from context" ('')


REASON_COLUMNS = [
    "council_code",
    "rank",
    "direction",
    "feature",
    "family",
    "nature",
    "shap",
    "value",
    "start",
    "peer_median",
    "england_median",
    "stated",
    "signal",
    "basis",
    "sentence",
]

# a problem nature is named only when its summed SHAP reaches this (log-odds; at a 10%
# risk, +0.10 log-odds is about +1 percentage point) and a published reason has it
NATURE_MIN_LOG_ODDS = 0.10


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


EXACT_MAX_FEATURES = 10  # exact Shapley values enumerate 2**k coalitions of the used columns
_N_BACKGROUND = 100
_CALIBRATED = "underlying model before calibration, on its own log-odds scale; "


def _unwrap(model) -> tuple[Any, Any, bool]:
    """``(preprocessing or None, classifier to explain, calibrated?)`` of a fitted Pipeline.

    A calibrated classifier (``calibrator_`` and ``estimator_``) gives its underlying fit.
    """
    from sklearn.pipeline import Pipeline

    steps = list(model.steps)
    clf = steps[-1][1]
    calibrated = hasattr(clf, "calibrator_") and hasattr(clf, "estimator_")
    if calibrated:
        clf = clf.estimator_
        if hasattr(clf, "steps"):  # a calibrated pipeline (gbm: its column filter inside)
            steps = [*steps[:-1], *clf.steps]
            clf = clf.steps[-1][1]
    pre = Pipeline(steps[:-1]) if len(steps) > 1 else None
    return pre, clf, calibrated


def explained_log_odds(model, X: pd.DataFrame) -> np.ndarray:
    """The log-odds SHAP values add up to: the model's, or for a calibrated model its
    underlying model's (before calibration), see the module notes."""
    pre, clf, calibrated = _unwrap(model)
    if not calibrated:
        return model_log_odds(model, X)
    Xt = pre.transform(X) if pre is not None else X
    return model_log_odds(clf, Xt)


def shap_values(model, X: pd.DataFrame, background: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """SHAP values of ``model`` (a fitted Pipeline) for ``X``, mapped to ``X``'s columns."""
    vals, base, _ = _shap(model, X, background)
    return vals, base


def _shap(model, X: pd.DataFrame, background: pd.DataFrame) -> tuple[pd.DataFrame, float, str]:
    """``(values mapped to X's columns, base value, method)``; see the module notes."""
    import shap

    pre, clf, calibrated = _unwrap(model)
    Xt = pre.transform(X) if pre is not None else X
    name = type(clf).__name__
    if name.startswith("HistGradientBoosting") or name.startswith("LGBM"):
        explainer = shap.TreeExplainer(clf)
        vals = np.asarray(explainer.shap_values(Xt))
        base = float(np.ravel(explainer.expected_value)[-1])
        method = "shap.TreeExplainer (path-dependent, exact)"
    elif hasattr(clf, "coef_"):
        bg = pre.transform(background) if pre is not None else background
        explainer = shap.LinearExplainer(clf, bg)
        vals = np.asarray(explainer.shap_values(Xt))
        base = float(np.ravel(explainer.expected_value)[-1])
        method = "shap.LinearExplainer (training rows as background, exact)"
    elif hasattr(clf, "design_frame") and hasattr(clf, "params_"):
        bg = pre.transform(background) if pre is not None else background
        raw, base = _linear_design_shap(clf, Xt, bg)
        method = "linear decomposition params x (design - training mean) (exact)"
        return _to_source(raw, X), base, (_CALIBRATED if calibrated else "") + method
    else:
        bg = pre.transform(background) if pre is not None else background
        used = getattr(clf, "used_features_", None)
        cols = list(Xt.columns) if used is None else [c for c in Xt.columns if c in set(used)]
        vals, base, method = _masked_shap(clf, Xt, bg, cols)
        raw = pd.DataFrame(vals, index=X.index, columns=cols)
        return _to_source(raw, X), base, (_CALIBRATED if calibrated else "") + method
    if vals.ndim == 3:
        vals = vals[..., -1]
    cols = list(Xt.columns) if isinstance(Xt, pd.DataFrame) else list(X.columns)
    raw = pd.DataFrame(vals, index=X.index, columns=cols)
    return _to_source(raw, X), base, (_CALIBRATED if calibrated else "") + method


def _to_source(raw: pd.DataFrame, X: pd.DataFrame) -> pd.DataFrame:
    """Sum model-input columns onto ``X``'s columns (a missing indicator onto its feature);
    columns the model does not use get 0."""
    source = [c.removeprefix("missingindicator_") for c in raw.columns]
    mapped = raw.T.groupby(source, sort=False).sum().T if raw.shape[1] else raw
    return mapped.reindex(index=X.index, columns=X.columns, fill_value=0.0)


def _linear_design_shap(clf, Xt: pd.DataFrame, bg: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Exact SHAP values of a model linear in log-odds on ``clf.design_frame``: each term's
    ``coef x (value - background mean)``, period terms summed onto the period feature."""
    params = np.asarray(clf.params_, dtype=float)
    D = clf.design_frame(Xt).to_numpy()
    Db = clf.design_frame(bg).to_numpy()
    terms = list(np.asarray(clf.terms_).astype(str))
    phi = (D - Db.mean(axis=0)) * params
    period = getattr(clf, "period_feature", None)
    source = [period if t.startswith("period[") else t for t in terms]
    keep = [i for i, t in enumerate(terms) if t != "const"]
    raw = pd.DataFrame(phi[:, keep], index=Xt.index, columns=[source[i] for i in keep])
    raw = raw.T.groupby(level=0, sort=False).sum().T
    return raw, float((Db @ params).mean())


def _masked_shap(clf, Xt: pd.DataFrame, bg: pd.DataFrame, cols: list[str]):
    """SHAP values over ``cols`` only (the others held at any value: the model ignores them),
    exact for up to ``EXACT_MAX_FEATURES`` columns, else by permutation."""
    import shap

    bgs = bg.sample(min(len(bg), _N_BACKGROUND), random_state=0)
    if not cols:  # a constant model: nothing to explain
        base = float(np.mean(_logit(clf.predict_proba(bgs)[:, 1])))
        return np.zeros((len(Xt), 0)), base, "constant model (no used column)"
    template = Xt.iloc[[0]].to_numpy()
    pos = [Xt.columns.get_loc(c) for c in cols]

    def f(a: np.ndarray) -> np.ndarray:
        full = np.repeat(template, len(a), axis=0)
        full[:, pos] = a
        return _logit(clf.predict_proba(pd.DataFrame(full, columns=Xt.columns))[:, 1])

    masker = shap.maskers.Independent(bgs[cols].to_numpy(dtype=float), max_samples=_N_BACKGROUND)
    x = Xt[cols].to_numpy(dtype=float)
    k = len(cols)
    if k == 1:  # one player: its Shapley value is f(x) - E_background f, in two calls
        fb = f(bgs[cols].to_numpy(dtype=float))
        base = float(np.mean(fb))
        method = "exact Shapley value of the 1 used column (f(x) - background mean)"
        return (f(x) - base)[:, None], base, method
    if k <= EXACT_MAX_FEATURES:
        res = shap.explainers.Exact(f, masker)(x, max_evals=2**k + 1, silent=True)
        method = f"exact Shapley values over the {k} used column(s) (shap Exact)"
    else:
        explainer = shap.explainers.Permutation(f, masker, seed=0)
        res = explainer(x, max_evals=2 * k + 1, silent=True)
        method = f"permutation explainer over {k} used column(s)"
    return np.asarray(res.values), float(np.ravel(res.base_values)[0]), method


def model_log_odds(model, X: pd.DataFrame) -> np.ndarray:
    """The model's output on the scale SHAP explains: log-odds of the positive class."""
    if hasattr(model, "decision_function"):
        try:
            return np.asarray(model.decision_function(X), dtype=float)
        except AttributeError:
            pass
    return _logit(model.predict_proba(X)[:, 1])


def group_sums(values: pd.DataFrame, groups: dict[str, str]) -> pd.DataFrame:
    """Sum SHAP values (councils x features) over the groups ``feature -> group``."""
    key = pd.Series({c: groups[c] for c in values.columns})
    return values.T.groupby(key, sort=True).sum().T


def latest_periods(
    observations: pd.DataFrame, origin: pd.Timestamp, events: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The latest period of each measure known (published) at ``origin``: councils x
    measures (for the sentences' dates); with ``events``, also the date of each kind of
    event known at ``origin`` in columns ``event:<kind>``
    (:func:`earlywarn.features.event_dates`: a reason cites it, and never one older than
    its feature's look-back)."""
    known = observations[observations["published"] <= origin]
    out = known.pivot_table(index="council_code", columns="measure", values="period", aggfunc="max")
    if events is not None:
        from earlywarn.features import event_dates

        dates = event_dates(events, origin).add_prefix("event:")
        out = out.join(dates, how="outer")
    return out


def explain(
    model,
    X: pd.DataFrame,
    background: pd.DataFrame,
    specs: dict[str, FeatureSpec],
    peer_median: pd.DataFrame,
    top_k: int = 3,
    periods: pd.DataFrame | None = None,
) -> Explanation:
    """Explain each row of ``X`` (one origin): top reasons raising risk, the main mitigator.

    Parameters
    ----------
    model : fitted Pipeline
    X : DataFrame
        Rows to explain, indexed by ``(council_code, origin)``.
    background : DataFrame
        Training rows (the reference distribution for linear and permutation explainers).
    specs : dict
        Feature metadata, for families, natures and sentence templates.
    peer_median : DataFrame
        Peers' median of each feature, aligned with ``X``.
    top_k : int
        Number of reasons that raise risk per council (drivers that pass the reviewer's
        test of :mod:`earlywarn.explain`, by SHAP value; fewer when fewer pass).
    periods : DataFrame, optional
        Latest period known per council (rows) and measure (columns), for the sentences
        (:func:`latest_periods`).

    Example
    -------
    >>> from earlywarn.synthetic import make_synthetic_councils
    >>> from earlywarn.panel import build_panel
    >>> from earlywarn.features import build_features
    >>> from earlywarn.models import make_model
    >>> data = make_synthetic_councils(n_councils=30, start_year=2008, end_year=2016, seed=1)
    >>> panel = build_panel(data.tables, ["2014-03-31", "2015-03-31", "2016-03-31"])
    >>> fs = build_features(data.tables, panel)
    >>> y = (data.true_risk["p_fail"].reindex(fs.X.index) > 0.1).astype(int)
    >>> model = make_model("logit").fit(fs.X, y)
    >>> ex = explain(model, fs.X.xs("2016-03-31", level="origin", drop_level=False), fs.X,
    ...              fs.specs, fs.peer_median)
    >>> set(ex.reasons["direction"]) <= {"raises", "lowers"}
    True
    """
    from earlywarn.explain._reasons import MIN_SHAP, ReasonFrame, context_note

    vals, base, method = _shap(model, X, background)
    codes = X.index.get_level_values("council_code")
    vals.index = codes
    by_family = group_sums(vals, {c: specs[c].family for c in vals.columns})
    by_nature = group_sums(vals, {c: specs[c].nature for c in vals.columns})
    Xv = X.set_axis(codes)
    peer = peer_median.reindex(X.index).set_axis(codes)
    origins = X.index.get_level_values("origin")
    frame = ReasonFrame(Xv, peer, specs, periods, origins.max() if len(origins) else None)
    levels = {c: level_feature(c, specs) for c in vals.columns}
    levels = {c: lv for c, lv in levels.items() if lv is not None and lv in Xv.columns}
    arr = vals.to_numpy()
    cols = np.asarray(vals.columns)
    rows = []
    notes = {}
    for i, code in enumerate(codes):
        order = np.argsort(-arr[i], kind="stable")
        rank = 0
        seen: set[str] = set()
        for j in order:
            if arr[i, j] < MIN_SHAP or rank >= top_k:
                break
            key = specs[cols[j]].measure or specs[cols[j]].event or cols[j]
            basis = "" if key in seen else frame.basis(code, cols[j], "raises")
            if basis:
                rank += 1
                seen.add(key)
                rows.append(_reason(code, rank, "raises", cols[j], arr[i, j], frame, levels, basis))
        notes[code] = context_note(vals.iloc[i], specs, rank)
        for j in order[::-1]:
            if arr[i, j] > -MIN_SHAP:
                break
            if frame.passes(code, cols[j], "lowers"):
                rows.append(_reason(code, 1, "lowers", cols[j], arr[i, j], frame, levels))
                break
    reasons = pd.DataFrame(rows, columns=REASON_COLUMNS)
    main_nature = _main_nature(by_nature, reasons, codes)
    return Explanation(
        vals,
        base,
        reasons,
        by_family,
        by_nature,
        main_nature,
        method,
        pd.Series(notes, name="context_note").reindex(codes),
    )


def _main_nature(by_nature: pd.DataFrame, reasons: pd.DataFrame, codes: pd.Index) -> pd.Series:
    """The nature the published reasons point to: among the natures of the council's
    risk-raising reasons, the one whose reasons carry the most SHAP, when that is material
    (at least ``NATURE_MIN_LOG_ODDS``), else '' (workforce reasons -> capacity)."""
    up = reasons[reasons["direction"] == "raises"]
    sums = up.groupby(["council_code", "nature"])["shap"].sum()
    out = []
    for code in codes:
        mine = sums.xs(code, level="council_code") if code in sums.index.levels[0] else None
        if mine is None or mine.empty or float(mine.max()) < NATURE_MIN_LOG_ODDS:
            out.append("")
            continue
        out.append(str(mine.idxmax()))
    return pd.Series(out, index=codes, name="main_nature")


def _reason(code, rank, direction, feat, v, frame, levels, basis="level") -> dict:
    """One reason row; ``value``, ``start``, ``peer_median`` and ``england_median`` are those
    of the feature the sentence states (a trend reason: its level's one-year change)."""
    spec = frame.specs[feat]
    said = frame.stated(feat, basis)
    value = float(frame.X.at[code, said])
    start = float("nan")
    level = levels.get(said) or (frame.level_of.get(said) if said != feat else None)
    if level is not None and level in frame.X.columns:
        start = float(frame.X.at[code, level]) - value
    return {
        "council_code": code,
        "rank": rank,
        "direction": direction,
        "feature": feat,
        "family": spec.family,
        "nature": spec.nature,
        "shap": float(v),
        "value": value,
        "start": start,
        "peer_median": float(frame.peer.at[code, said]),
        "england_median": float(frame.england.get(said, np.nan)),
        "stated": said,
        "signal": levels.get(feat) or frame.level.get(spec.measure) or feat,
        "basis": basis,
        "sentence": frame.sentence(code, feat, basis),
    }

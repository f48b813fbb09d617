"""SHAP explanations -> a tidy reasons table -> sentences an adviser can use.

SHAP values are computed on the model's own input columns and mapped back to the source
features (a missing-value indicator column counts towards its feature). Grouping rule:
the SHAP values of a group are **summed** — SHAP values are additive, so a family's sum is
exactly its contribution to the council's log-odds relative to the base value, and the
family sums add up to the council's total.

- trees (``gbm``): ``shap.TreeExplainer`` without background data (exact, path-dependent;
  on HistGradientBoosting the interventional mode fails additivity, see STACK-NOTES);
- linear (``logit``): ``shap.LinearExplainer`` on the scaled inputs with the training
  rows as background;
- anything else: the exact permutation explainer on the log-odds of ``predict_proba``.

Example
-------
See ``notebooks/01-quickstart.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from earlywarn.features.registry import FeatureSpec, render_sentence

__all__ = ["Explanation", "explain", "shap_values"]


@dataclass(frozen=True)
class Explanation:
    """SHAP values per council, reasons, and group totals.

    Attributes
    ----------
    values : DataFrame
        Per council (rows) and source feature (columns), on the log-odds scale.
    base_value : float
        The explainer's expected value (log-odds).
    reasons : DataFrame
        Long: ``council_code, rank, direction ('raises' or 'lowers'), feature, family,
        nature, shap, value, peer_median, sentence``.
    by_family, by_nature : DataFrame
        Summed SHAP values per council and family / problem nature.
    """

    values: pd.DataFrame
    base_value: float
    reasons: pd.DataFrame
    by_family: pd.DataFrame
    by_nature: pd.DataFrame


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def shap_values(model, X: pd.DataFrame, background: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """SHAP values of ``model`` (a fitted Pipeline) for ``X``, mapped to ``X``'s columns."""
    import shap

    clf = model.steps[-1][1]
    pre = model[:-1] if len(model.steps) > 1 else None
    Xt = pre.transform(X) if pre is not None else X
    name = type(clf).__name__
    if name.startswith("HistGradientBoosting") or name.startswith("LGBM"):
        explainer = shap.TreeExplainer(clf)
        vals = np.asarray(explainer.shap_values(Xt))
        base = float(np.ravel(explainer.expected_value)[-1])
    elif hasattr(clf, "coef_"):
        bg = pre.transform(background) if pre is not None else background
        explainer = shap.LinearExplainer(clf, bg)
        vals = np.asarray(explainer.shap_values(Xt))
        base = float(np.ravel(explainer.expected_value)[-1])
    else:
        bg = background.sample(min(len(background), 100), random_state=0)
        explainer = shap.explainers.Permutation(
            lambda a: _logit(model.predict_proba(pd.DataFrame(a, columns=X.columns))[:, 1]),
            shap.maskers.Independent(bg.to_numpy(), max_samples=100),
            seed=0,
        )
        res = explainer(X.to_numpy(), max_evals=2 * X.shape[1] + 1, silent=True)
        vals = np.asarray(res.values)
        base = float(np.ravel(res.base_values)[0])
    if vals.ndim == 3:
        vals = vals[..., -1]
    cols = list(Xt.columns) if isinstance(Xt, pd.DataFrame) else list(X.columns)
    raw = pd.DataFrame(vals, index=X.index, columns=cols)
    source = [c.removeprefix("missingindicator_") for c in cols]
    mapped = raw.T.groupby(source, sort=False).sum().T
    return mapped.reindex(columns=X.columns, fill_value=0.0), base


def explain(
    model,
    X: pd.DataFrame,
    background: pd.DataFrame,
    specs: dict[str, FeatureSpec],
    peer_median: pd.DataFrame,
    top_k: int = 3,
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
        Number of reasons that raise risk per council.
    """
    vals, base = shap_values(model, X, background)
    codes = X.index.get_level_values("council_code")
    vals.index = codes
    fam = pd.Series({c: specs[c].family for c in vals.columns})
    nat = pd.Series({c: specs[c].nature for c in vals.columns})
    by_family = vals.T.groupby(fam).sum().T
    by_nature = vals.T.groupby(nat).sum().T
    rows = []
    Xv = X.set_axis(codes)
    peer = peer_median.reindex(X.index).set_axis(codes)
    for code in codes:
        s = vals.loc[code].sort_values(ascending=False, kind="stable")
        ups = s[s > 0].head(top_k)
        downs = s[s < 0].tail(1)
        for rank, (feat, v) in enumerate(ups.items(), start=1):
            rows.append(_reason(code, rank, "raises", feat, v, Xv, peer, specs))
        for feat, v in downs.items():
            rows.append(_reason(code, 1, "lowers", feat, v, Xv, peer, specs))
    cols = [
        "council_code",
        "rank",
        "direction",
        "feature",
        "family",
        "nature",
        "shap",
        "value",
        "peer_median",
        "sentence",
    ]
    reasons = pd.DataFrame(rows, columns=cols)
    return Explanation(vals, base, reasons, by_family, by_nature)


def _reason(code, rank, direction, feat, v, Xv, peer, specs) -> dict:
    spec = specs[feat]
    value = float(Xv.at[code, feat])
    pm = float(peer.at[code, feat])
    sentence = render_sentence(spec, value, pm)
    if value != value:
        sentence = f"No recent figure is published for {spec.label}."
    return {
        "council_code": code,
        "rank": rank,
        "direction": direction,
        "feature": feat,
        "family": spec.family,
        "nature": spec.nature,
        "shap": float(v),
        "value": value,
        "peer_median": pm,
        "sentence": sentence,
    }

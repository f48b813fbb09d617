"""Rolling-origin evaluation of the financial-failure rules and model.

For each scored origin, the model is fitted on the rows of earlier origins whose label
window closed by the scored origin (new-failure population, uncensored), then scored on
the origin's new-failure population. Every rule is scored on the same rows. Metrics come
from :mod:`earlywarn.metrics`: within-origin AUROC (:func:`within_origin_scores`), with a
council-cluster bootstrap (:class:`ClusterSampler`) for intervals and for the paired
difference of each score against the best rule (the same resampled councils for both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from earlywarn.financial._baselines import (
    MODEL_FEATURES,
    fill_missing_scores,
    rank_features,
    rule_scores,
    type_rate_scores,
)
from earlywarn.metrics import ClusterSampler, percentile_interval, within_origin_scores

__all__ = ["FinanceBacktest", "auroc_table", "power_table", "run_finance_backtest"]


@dataclass
class FinanceBacktest:
    """Out-of-time scores: one row per (council, origin) scored, a column per score."""

    predictions: pd.DataFrame
    scores: list[str]


def run_finance_backtest(
    features: pd.DataFrame,
    labels: pd.DataFrame,
    origins,
    horizon_months: int = 12,
    model_params: dict | None = None,
    population: str = "new",
) -> FinanceBacktest:
    """Score every rule and the penalised logit at each origin in ``origins``."""
    from earlywarn.models import make_model

    data = rank_features(features).join(labels)
    data = data[data["population"].eq(population) & data["y"].notna()]
    h = pd.DateOffset(months=int(horizon_months))
    params = {"C": 0.1, "max_iter": 2000, **(model_params or {}), "features": MODEL_FEATURES}
    out = []
    for o in sorted(pd.Timestamp(x) for x in origins):
        test = data.xs(o, level="origin", drop_level=False)
        o_idx = data.index.get_level_values("origin")
        train = data[(o_idx + h) <= o] if len(data) else data
        s = rule_scores(test)
        if len(train) and train["y"].nunique() == 2:
            s["council_type"] = type_rate_scores(
                test["council_type"], train["council_type"], train["y"]
            )
            model = make_model("logit", dict(params))
            model.fit(train[MODEL_FEATURES], train["y"].astype(int))
            s["logit"] = model.predict_proba(test[MODEL_FEATURES])[:, 1]
        else:
            s["council_type"] = np.nan
            s["logit"] = np.nan
        s["y"] = test["y"]
        s["n_train_events"] = float(train["y"].sum()) if len(train) else 0.0
        out.append(s)
    pred = pd.concat(out)
    names = [c for c in pred.columns if c not in ("y", "n_train_events")]
    return FinanceBacktest(pred, names)


def _auc(y, p, o) -> float:
    return within_origin_scores(y, p, np.ones(len(y)), o)[0]


def auroc_table(
    bt: FinanceBacktest, n_boot: int = 1000, seed: int = 0, reference: str | None = None
) -> pd.DataFrame:
    """Within-origin AUROC with a council-bootstrap 95% interval, and the paired difference
    against the best rule (``reference``; default the rule with the highest AUROC).

    Scores missing at every row of an origin (a model without training data) are left out
    for that score: each score is evaluated on the origins where it exists, and the paired
    difference on the origins where both exist.
    """
    pred = bt.predictions.reset_index()
    res = {}
    for name in bt.scores:
        ok = pred[name].notna().groupby(pred["origin"]).transform("any")
        res[name] = pred[ok]
    rules = [n for n in bt.scores if n != "logit"]
    est = {}
    for n, d in res.items():
        if d.empty:
            est[n] = np.nan
            continue
        p = fill_missing_scores(d.set_index(["council_code", "origin"])[[n]])[n].to_numpy()
        est[n] = _auc(d["y"].to_numpy(), p, d["origin"].to_numpy())
    ref = reference or max(rules, key=lambda n: -np.inf if np.isnan(est[n]) else est[n])
    rows = []
    for n, d in res.items():
        if d.empty:
            rows.append({"score": n, "auroc": np.nan})
            continue
        d = d.assign(ref=pred.loc[d.index, ref])
        both = d
        both = both[both["ref"].notna().groupby(both["origin"]).transform("any")]
        ix = ["council_code", "origin"]
        p = fill_missing_scores(d.set_index(ix)[[n]])[n].to_numpy()
        pb = fill_missing_scores(both.set_index(ix)[[n, "ref"]])
        y, o, yb, ob = (
            d["y"].to_numpy(),
            d["origin"].to_numpy(),
            both["y"].to_numpy(),
            both["origin"].to_numpy(),
        )
        samp, sampb = ClusterSampler(d["council_code"]), ClusterSampler(both["council_code"])
        boots = [_auc(y[r], p[r], o[r]) for r in samp.resamples(n_boot, seed)]
        diffs = [
            _auc(yb[r], pb[n].to_numpy()[r], ob[r]) - _auc(yb[r], pb["ref"].to_numpy()[r], ob[r])
            for r in sampb.resamples(n_boot, seed)
        ]
        diff = _auc(yb, pb[n].to_numpy(), ob) - _auc(yb, pb["ref"].to_numpy(), ob)
        lo, hi = percentile_interval(np.array(boots), 0.95)
        dlo, dhi = percentile_interval(np.array(diffs), 0.95)
        dd = np.array(diffs)[np.isfinite(diffs)]
        rows.append(
            {
                "score": n,
                "origins": int(d["origin"].nunique()),
                "events": int(d["y"].sum()),
                "rows": len(d),
                "auroc": est[n],
                "lo": lo,
                "hi": hi,
                "vs": ref,
                "diff": diff,
                "diff_lo": dlo,
                "diff_hi": dhi,
                "p_one_sided": float((dd <= 0).mean()) if dd.size else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("score")


def power_table(labels: pd.DataFrame, origins, auc0: float = 0.65, r: float = 0.5) -> pd.DataFrame:
    """Events per origin and the smallest AUROC difference detectable at 80% power.

    Hanley–McNeil variance of an AUROC of ``auc0`` per origin, pooled over the origins by
    their pairs' weights; the paired difference of two scores correlated ``r`` has variance
    ``2 (1 - r) V``; one-sided alpha 0.05 and power 0.8: ``(1.645 + 0.842) sqrt(2 (1 - r) V)``.
    """
    rows = []
    for o in sorted(pd.Timestamp(x) for x in origins):
        lab = labels.xs(o, level="origin")
        lab = lab[lab["population"].eq("new") & lab["y"].notna()]
        n1 = int(lab["y"].sum())
        n0 = int(len(lab) - n1)
        a = auc0
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        v = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / max(n1 * n0, 1)
        rows.append(
            {"origin": o.date(), "events": n1, "non_events": n0, "pairs": n1 * n0, "var": v}
        )
    t = pd.DataFrame(rows)
    w = t["pairs"] / t["pairs"].sum()
    v = float((w * w * t["var"]).sum())
    t["mdd_this_origin"] = (1.645 + 0.842) * np.sqrt(2 * (1 - r) * t["var"])
    t.attrs["pooled_mdd"] = float((1.645 + 0.842) * np.sqrt(2 * (1 - r) * v))
    return t.drop(columns="var")

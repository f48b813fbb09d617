"""The artefacts an audit of the real runs found are caught: constant baselines, ties broken
by council code, drift credited as ranking, and headline figures without a chance level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn.backtest import EvaluationSettings, backtest_targets, rolling_origin_splits
from earlywarn.evaluation import evaluate_backtest, paired_differences, published_list
from earlywarn.features import build_features
from earlywarn.metrics import evaluate_predictions, within_origin_scores
from earlywarn.models import baseline_unavailable, make_baseline
from earlywarn.panel import build_panel

ORIGINS = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2021)]


def _drifting(n: int = 60, n_origins: int = 6, seed: int = 0) -> pd.DataFrame:
    """A failure rate that falls over time and a score that knows only the calendar."""
    rng = np.random.default_rng(seed)
    origins = pd.to_datetime([f"{2014 + j}-03-31" for j in range(n_origins)])
    rate = np.linspace(0.3, 0.05, n_origins)
    rows = pd.DataFrame(
        {
            "council_code": np.tile([f"E{i:03d}" for i in range(n)], n_origins),
            "origin": np.repeat(origins, n),
            "p": np.repeat(rate, n),
        }
    )
    rows["y"] = rng.binomial(1, rows["p"])
    return rows


def test_a_score_constant_within_each_origin_ranks_nothing():
    pred = _drifting()
    ev = evaluate_predictions(pred, k=10, n_boot=0)["pooled"]
    assert ev["auroc"]["value"] > 0.6  # pooled AUROC credits the calendar drift ...
    assert ev["auroc_within_origin"]["value"] == pytest.approx(0.5)  # ... within: nothing
    # top-k figures equal their chance levels exactly (ties shared, no code order)
    assert ev["recall_at_k"]["value"] == pytest.approx(ev["recall_at_k_chance"])
    assert ev["precision_at_k"]["value"] == pytest.approx(ev["precision_at_k_chance"])


def test_no_figure_depends_on_council_codes():
    """Renaming councils (which reorders codes) changes no figure of a tied score."""
    pred = _drifting(seed=3)
    pred["p"] = np.round(pred["p"] + np.random.default_rng(1).choice([0, 0.1], len(pred)), 3)
    rng = np.random.default_rng(2)
    codes = pred["council_code"].unique()
    rename = dict(zip(codes, rng.permutation(codes), strict=True))
    renamed = pred.assign(council_code=pred["council_code"].map(rename))
    a = evaluate_predictions(pred, k=7, n_boot=0)["pooled"]
    b = evaluate_predictions(renamed, k=7, n_boot=0)["pooled"]
    for name in ("precision_at_k", "recall_at_k", "ur_topk", "auroc_within_origin"):
        assert a[name]["value"] == pytest.approx(b[name]["value"]), name
    rows = pred.assign(label=pred["y"], inspected=1)
    fa = published_list(rows, k=7, n_boot=0)
    fb = published_list(rows.assign(council_code=renamed["council_code"]), k=7, n_boot=0)
    assert fa["share_of_failures_caught"]["value"] == pytest.approx(
        fb["share_of_failures_caught"]["value"]
    )


def test_published_list_of_a_constant_score_is_at_chance():
    rng = np.random.default_rng(5)
    rows = _drifting(n=50, seed=5).assign(p=0.2)
    rows["inspected"] = rng.binomial(1, 0.4, len(rows))
    rows["label"] = rows["y"] * rows["inspected"]
    fig = published_list(rows, k=10, n_boot=50, seed=1)
    for name in ("share_inspected", "share_failing_of_inspected", "share_failing",
                 "share_of_failures_caught"):  # fmt: skip
        assert fig[name]["value"] == pytest.approx(fig[name]["chance"]), name
    assert fig["share_of_failures_caught"]["chance"] == pytest.approx(10 / 50)
    assert fig["n_flagged"] == pytest.approx(10 * 6)
    assert all(r["small"] == (r["n_failures"] < 5) for r in fig["per_origin"])


def test_within_origin_scores_match_sklearn_per_origin():
    from sklearn.metrics import roc_auc_score

    pred = _drifting(seed=9)
    pred["p"] = np.random.default_rng(4).uniform(size=len(pred))
    ids, _ = pd.factorize(pred["origin"], sort=True)
    y, p = pred["y"].to_numpy(float), pred["p"].to_numpy(float)
    auc, _ = within_origin_scores(y, p, np.ones_like(y), ids)
    num = den = 0.0
    for j in np.unique(ids):
        m = ids == j
        pairs = y[m].sum() * (1 - y[m]).sum()
        num += roc_auc_score(y[m], p[m]) * pairs
        den += pairs
    assert auc == pytest.approx(num / den)


def test_paired_difference_with_itself_is_zero_and_a_better_score_wins():
    pred = _drifting(n=80, seed=11)
    rng = np.random.default_rng(0)
    good = pred.assign(p=np.clip(pred["y"] * 0.5 + rng.uniform(0, 0.6, len(pred)), 0, 1))
    noise = pred.assign(p=rng.uniform(size=len(pred)))
    rows = paired_differences(
        {"good": good, "noise": noise, "copy": noise.copy()},
        {"best baseline": "noise"},
        ["good", "copy"],
        k=10,
        n_boot=100,
    )
    by = {(r["model"], r["metric"]): r for r in rows}
    same = by[("copy", "auroc_within_origin")]
    assert same["value"] == 0 and same["lo"] == 0 and same["hi"] == 0
    win = by[("good", "auroc_within_origin")]
    assert win["value"] > 0.2 and win["excludes_zero"]


def test_brier_skill_is_zero_for_the_reference_itself():
    pred = _drifting(seed=2)
    pred["reference"] = pred["p"]
    ev = evaluate_predictions(pred, k=5, n_boot=0)["pooled"]
    assert ev["brier_skill"]["value"] == pytest.approx(0.0)
    worse = pred.assign(p=np.clip(pred["p"] * 3, 0, 1))
    assert evaluate_predictions(worse, k=5, n_boot=0)["pooled"]["brier_skill"]["value"] < 0


# --------------------------------------------------------------------------- baselines
@pytest.fixture(scope="module")
def backtest_world(small_data):
    tables = small_data.tables
    panel = build_panel(tables, ORIGINS)
    X = build_features(tables, panel).X.copy()
    closed = [o for o in ORIGINS if o + pd.DateOffset(months=24) <= pd.Timestamp("2020-03-31")]
    return small_data, X, rolling_origin_splits(ORIGINS, closed, 24, 2)


def test_a_constant_baseline_is_unavailable_never_scored(backtest_world):
    """The deprivation index before it was published: a constant in training, so no AUROC."""
    data, X, splits = backtest_world
    assert "deprivation_imd_score" in X.columns
    origins = X.index.get_level_values("origin")
    X.loc[origins < pd.Timestamp("2015-03-31"), "deprivation_imd_score"] = np.nan
    X_flat = X.assign(deprivation_imd_score=12.0)
    assert baseline_unavailable("deprivation", X_flat) is not None
    assert baseline_unavailable("deprivation", X) is None
    s = EvaluationSettings(horizon_months=24, censoring="negative", k=5, n_boot=0)
    makers = {
        "deprivation": lambda: make_baseline("deprivation"),
        "time_since_inspection": lambda: make_baseline("time_since_inspection"),
    }
    # constant everywhere: never scored, listed as unavailable everywhere
    bt = backtest_targets(X_flat, data.tables.events, splits, makers, s)
    assert "deprivation" not in set(bt["model"])
    ev = evaluate_backtest(bt, data.tables.events, s, model_names=[])
    assert "deprivation" not in ev["baselines"]
    assert ev["unavailable_baselines"]["deprivation"]["everywhere"]
    # missing before 2015: training rows up to 2014 are empty, so the early origins go
    bt = backtest_targets(X, data.tables.events, splits, makers, s)
    ev = evaluate_backtest(bt, data.tables.events, s, model_names=[])
    gone = ev["unavailable_baselines"]["deprivation"]
    assert not gone["everywhere"] and gone["origins"]
    scored = set(bt.loc[bt["model"] == "deprivation", "origin"].dt.year)
    assert min(scored) > 2015 and scored
    for o in gone["origins"]:
        assert pd.Timestamp(o).year not in scored


def test_out_of_time_recalibration_uses_only_closed_earlier_origins():
    from earlywarn.evaluation import recalibrate_out_of_time

    rng = np.random.default_rng(8)
    origins = pd.to_datetime([f"{y}-03-31" for y in range(2012, 2019)])
    n = 300
    truth = rng.uniform(0.02, 0.3, (len(origins), n))
    bt = pd.DataFrame(
        {
            "model": "m",
            "council_code": np.tile([f"E{i:03d}" for i in range(n)], len(origins)),
            "origin": np.repeat(origins, n),
            "label": rng.binomial(1, truth.ravel()),
            "censored": False,
        }
    )
    bt["p_joint"] = np.clip(truth.ravel() * 2.5, 0, 1)  # runs far too high
    bt["p_conditional"] = bt["p_joint"]
    out = recalibrate_out_of_time(bt, horizon_months=24)
    # the first two origins have no closed history: unchanged
    first = out["origin"] < pd.Timestamp("2014-03-31")
    assert not out.loc[first, "recalibrated"].any()
    assert (out.loc[first, "p_joint"] == bt.loc[first, "p_joint"]).all()
    late = ~first
    before = bt.loc[late, "p_joint"].mean() / bt.loc[late, "label"].mean()
    after = out.loc[late, "p_joint"].mean() / out.loc[late, "label"].mean()
    assert before > 2 and 0.7 < after < 1.4
    # the labels at an origin never move its own probabilities
    flipped = bt.assign(label=np.where(bt["origin"] == origins[-1], 1 - bt["label"], bt["label"]))
    again = recalibrate_out_of_time(flipped, horizon_months=24)
    last = out["origin"] == origins[-1]
    assert np.allclose(again.loc[last, "p_joint"], out.loc[last, "p_joint"])


def test_within_origin_scores_match_the_per_origin_loop_with_ties_and_weights():
    from earlywarn.metrics import ranking_scores

    rng = np.random.default_rng(21)
    for _ in range(30):
        n = int(rng.integers(5, 60))
        ids = rng.integers(0, 4, n)
        y = rng.integers(0, 2, n).astype(float)
        p = rng.choice(np.linspace(0, 1, 6), n)
        w = rng.uniform(0.5, 2.0, n)
        num = den = apn = apd = 0.0
        for j in np.unique(ids):
            m = ids == j
            pos, neg = (w[m] * y[m]).sum(), (w[m] * (1 - y[m])).sum()
            if pos > 0 and neg > 0:
                auc, _, ap = ranking_scores(y[m], p[m], w[m])
                num, den = num + auc * pos * neg, den + pos * neg
                apn, apd = apn + ap * pos, apd + pos
        auc, ap = within_origin_scores(y, p, w, ids)
        if den == 0:
            assert np.isnan(auc)
            continue
        assert auc == pytest.approx(num / den) and ap == pytest.approx(apn / apd)

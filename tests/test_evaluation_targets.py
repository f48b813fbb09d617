"""The other target's scores: how they are formed, and why baselines differ across runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn.backtest import EvaluationSettings, rolling_origin_splits, score_words
from earlywarn.evaluation import run_evaluation
from earlywarn.features import build_features
from earlywarn.panel import build_panel

ORIGINS = [pd.Timestamp(f"{y}-03-31") for y in range(2012, 2021)]
AS_OF = pd.Timestamp("2020-03-31")


@pytest.fixture(scope="module")
def runs(small_data):
    tables = small_data.tables
    panel = build_panel(tables, ORIGINS)
    feats = build_features(tables, panel)
    closed = [o for o in ORIGINS if o + pd.DateOffset(months=24) <= AS_OF]
    splits = rolling_origin_splits(ORIGINS, closed, 24, 2)
    out = {}
    for censoring, target in (("drop", "conditional"), ("negative", "joint")):
        s = EvaluationSettings(
            horizon_months=24, censoring=censoring, target=target, k=5, n_boot=20,
            subgroups=(), baselines=("deprivation",),
        )  # fmt: skip
        ev, _ = run_evaluation(
            feats.X, tables.events, panel, splits, s, ("persistence",), {}, None, feats.specs
        )
        from earlywarn.backtest import backtest_targets, model_makers

        makers, _ = model_makers(("persistence",), {}, s.seed, s.baselines, feats.X.columns)
        bt = backtest_targets(feats.X, tables.events, splits, makers, s)
        out[censoring] = (ev, bt)
    out["X"] = feats.X
    return out


def test_conditional_runs_joint_score_is_baseline_times_timing(runs):
    ev, bt = runs["drop"]
    np.testing.assert_allclose(
        bt["p_joint"], bt["p_conditional"] * bt["p_inspected"], rtol=0, atol=1e-12
    )
    assert "x P(inspected)" in ev["other_target"]["score"]
    assert ev["other_target"]["target"] == "joint" and "own probability" in ev["score"]
    assert 0 <= ev["selection"]["timing"]["auroc_joint_label"]["value"] <= 1


def test_joint_run_scores_are_the_baseline_alone_on_the_same_rows(runs):
    (ev_c, bt_c), (ev_j, bt_j) = runs["drop"], runs["negative"]
    assert "no timing model" in ev_j["score"]
    key = ["model", "council_code", "origin"]
    a, b = bt_c.sort_values(key), bt_j.sort_values(key)
    # the same rows and the same joint labels in both runs ...
    assert a[key].reset_index(drop=True).equals(b[key].reset_index(drop=True))
    assert (a["label"].to_numpy() == b["label"].to_numpy()).all()
    c = ev_c["other_target"]["baselines"]["deprivation"]["pooled"]
    j = ev_j["baselines"]["deprivation"]["pooled"]
    assert c["n"] == j["n"] and c["n_pos"] == j["n_pos"]
    # ... but in the joint run deprivation's joint score is a function of deprivation only
    # (within an origin its ranking is the deprivation score's), in the conditional run not
    X = runs["X"]
    for bt, one_factor in ((b, True), (a, False)):
        dep = bt[bt["model"] == "deprivation"]
        imd = X["deprivation_imd_score"].reindex(pd.MultiIndex.from_frame(dep[key[1:]]))
        rho = [
            abs(g["p_joint"].corr(pd.Series(imd.to_numpy(), index=dep.index)[g.index], "spearman"))
            for _, g in dep.groupby("origin")
        ]
        assert (min(rho) > 0.999) == one_factor, rho
    assert score_words("joint", EvaluationSettings(24, censoring="weight")).startswith(
        "conditional probability x P(inspected)"
    )

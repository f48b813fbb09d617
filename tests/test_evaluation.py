"""Evaluation on synthetic data where the truth is known: two targets, baselines, oracle,
leaks caught, interval coverage, subgroups, and frozen lists against later outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from earlywarn.backtest import (
    EvaluationSettings,
    Split,
    backtest_targets,
    rolling_origin_splits,
    split_rows,
)
from earlywarn.evaluation import (
    evaluate_backtest,
    match_outcomes,
    oracle_predictions,
    run_evaluation,
    target_rows,
)
from earlywarn.features import build_features
from earlywarn.labels import make_labels
from earlywarn.metrics import auroc_ci
from earlywarn.panel import build_panel

ORIGINS = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2021)]
AS_OF = pd.Timestamp("2020-03-31")


@pytest.fixture(scope="module")
def world(small_data):
    tables = small_data.tables
    panel = build_panel(tables, ORIGINS)
    feats = build_features(tables, panel)
    closed = [o for o in ORIGINS if o + pd.DateOffset(months=24) <= AS_OF]
    splits = rolling_origin_splits(ORIGINS, closed, 24, 2)
    return small_data, panel, feats, splits


@pytest.fixture(scope="module")
def evaluated(world):
    data, panel, feats, splits = world
    s = EvaluationSettings(horizon_months=24, censoring="drop", target="joint", k=5, n_boot=60)
    ev, pred = run_evaluation(
        feats.X, data.tables.events, panel, splits, s, ("persistence", "logit"), {},
        data.true_risk, feats.specs,
    )  # fmt: skip
    return ev, pred, s


def test_oracle_beats_every_model_and_baseline(evaluated):
    ev, _, _ = evaluated
    for sec in (ev, ev["other_target"]):
        oracle = sec["oracle"]["pooled"]
        for group in ("models", "baselines"):
            for name, m in sec[group].items():
                for metric in ("auroc", "average_precision"):
                    assert oracle[metric]["value"] > m["pooled"][metric]["value"], (name, metric)
                assert oracle["brier"]["value"] < m["pooled"]["brier"]["value"], name


def test_persistence_behaves_as_expected(evaluated):
    ev, pred, _ = evaluated
    per = pred[pred["model"] == "persistence"]
    # the same last grade gets the same score at an origin: a step function of the grade
    grade = per.set_index(["council_code", "origin"])
    assert per.groupby("origin")["p_conditional"].nunique().max() <= 6  # 4 grades + none
    m = ev["models"]["persistence"]["pooled"]
    # informative (last inadequate councils fail again more often), but far from the oracle
    assert m["auroc"]["value"] > 0.55
    assert m["auroc"]["value"] < ev["oracle"]["pooled"]["auroc"]["value"] - 0.1
    assert "persistence" in ev["baselines"] and ev["baselines"]["persistence"] is not None
    assert grade is not None


def test_selective_inspection_both_effects(evaluated):
    """(a) alone fills the top with councils not inspected; timing alone warns about nothing
    among the inspected (but predicts inspection almost perfectly)."""
    ev, _, _ = evaluated
    sel = ev["selection"]
    assert sel["timing"]["auroc_inspected"]["value"] > 0.9
    among = sel["timing"]["auroc_fail_among_inspected"]
    assert among["lo"] < 0.5 < among["hi"] or abs(among["value"] - 0.5) < 0.12
    oracle = sel["models"]["oracle"]
    by_cond, by_joint = oracle["top_k_by_conditional"], oracle["top_k_by_joint"]
    assert by_cond["share_inspected"] < sel["share_inspected_all"]
    assert by_cond["share_inspected"] < by_joint["share_inspected"] - 0.3
    assert by_cond["joint_precision_at_k"] < by_joint["joint_precision_at_k"]


def test_selective_inspection_in_the_truth(small_data):
    """The same two effects straight from the generator's true probabilities."""
    tr = small_data.true_risk.reset_index()
    tr = tr[tr["origin"].dt.year.between(2010, 2018)]
    top_cond = tr.sort_values("p_fail_given_inspected", ascending=False).groupby("origin").head(5)
    top_joint = tr.sort_values("p_fail", ascending=False).groupby("origin").head(5)
    assert top_cond["p_inspected"].mean() < tr["p_inspected"].mean()
    assert top_cond["p_fail"].mean() < top_joint["p_fail"].mean()


def test_joint_is_timing_times_conditional_and_rows_differ(evaluated):
    ev, pred, s = evaluated
    gl = pred[pred["model"] == "logit"]
    np.testing.assert_allclose(gl["p_joint"], gl["p_conditional"] * gl["p_inspected"])
    n_joint = ev["models"]["logit"]["pooled"]["n"]
    n_cond = ev["other_target"]["models"]["logit"]["pooled"]["n"]
    assert n_cond < n_joint  # conditional: inspected rows only
    assert ev["label"]["target"] == "joint" and "dropped" in ev["label"]["censoring"]


def test_weight_and_new_failures_options(world):
    data, panel, feats, splits = world
    s = EvaluationSettings(
        horizon_months=24, censoring="weight", new_failures_only=True, k=5, n_boot=0
    )
    bt = backtest_targets(feats.X, data.tables.events, splits[:3], {"p": _persist}, s)
    rows = target_rows(bt, "conditional", s)
    assert "weight" in rows and (rows["weight"] >= 1).all()
    assert not rows["failed_at_origin"].any()
    assert len(target_rows(bt, "joint", s)) < len(bt)  # already-failed councils left out


def _persist():
    from earlywarn.models import make_model

    return make_model("persistence")


def test_a_leaky_backtest_is_caught(world):
    data, _, feats, _ = world
    # trains on 2015 to predict 2016 with a 24-month horizon: the 2015 window is still open
    leaky = [Split(pd.Timestamp("2016-03-31"), (pd.Timestamp("2014-03-31"), ORIGINS[5]))]
    with pytest.raises(AssertionError, match="leak"):
        split_rows(feats.X, data.tables.events, leaky[0], 24)
    s = EvaluationSettings(horizon_months=24)
    with pytest.raises(AssertionError, match="leak"):
        backtest_targets(feats.X, data.tables.events, leaky, {"p": _persist}, s)


def test_labels_at_the_test_origin_never_see_later_events(world):
    data, _, feats, splits = world
    split = splits[-1]
    _, lab_tr, _, _ = split_rows(feats.X, data.tables.events, split, 24)
    assert (lab_tr["window_end"] <= split.test_origin).all()
    late = lab_tr["failure_date"].dropna()
    assert (late <= split.test_origin).all()


def test_subgroups_cover_every_row_and_flags(evaluated):
    ev, _, s = evaluated
    sub = ev["subgroups"]["logit"]
    assert set(sub) == {"council_type", "region", "deprivation_quintile"}
    n = ev["models"]["logit"]["pooled"]["n"]
    for grouping in ("council_type", "region"):
        assert sum(r["n"] for r in sub[grouping]) == n, grouping
        assert sum(r["share_of_flags"] for r in sub[grouping]) == pytest.approx(1.0)
    # deprivation is known only once a score has been published: some rows have no quintile
    assert 0.5 * n < sum(r["n"] for r in sub["deprivation_quintile"]) <= n
    assert [r["group"] for r in sub["deprivation_quintile"]] == ["Q1", "Q2", "Q3", "Q4", "Q5"]


def test_report_section_has_plots_and_plain_words(evaluated):
    ev, _, _ = evaluated
    ev = {**ev, "k": 5, "test_origins": ["2014-03-31", "2018-03-31"]}
    from earlywarn.report import render_section

    html = render_section(ev)
    assert html.count("data:image/png;base64,") == 5
    for words in ("inadequate", "within 24 months", "dropped", "joint risk", "oracle"):
        assert words in html, words
    assert "<script" not in html


@pytest.mark.slow
def test_intervals_cover_the_oracle_auroc_at_about_the_stated_rate(medium_world):
    """Subsamples of 40 councils from a big synthetic world: the council-bootstrap 95%
    interval of the oracle's AUROC covers the whole world's AUROC ~95% of the time."""
    tr, y = medium_world
    truth = roc_auc_score(y, tr["p_fail"])
    codes = tr["council_code"].unique()
    rng = np.random.default_rng(0)
    reps, covered = 60, 0
    for r in range(reps):
        pick = rng.choice(codes, 40, replace=False)
        m = tr["council_code"].isin(pick).to_numpy()
        _, lo, hi = auroc_ci(y[m], tr["p_fail"].to_numpy()[m], tr["council_code"][m], 200, r)
        covered += lo <= truth <= hi
    assert 0.85 <= covered / reps <= 1.0


@pytest.fixture(scope="module")
def medium_world():
    from earlywarn.synthetic import make_synthetic_councils

    data = make_synthetic_councils(n_councils=400, start_year=2008, end_year=2020, seed=11)
    tr = data.true_risk.reset_index()
    tr = tr[tr["origin"] <= pd.Timestamp("2018-03-31")].reset_index(drop=True)
    idx = pd.MultiIndex.from_frame(tr[["council_code", "origin"]])
    lab = make_labels(data.tables.events, idx, 24)
    return tr, lab["label"].to_numpy()


def test_frozen_lists_against_later_events():
    rl = pd.DataFrame(
        {
            "rank": [1, 2, 3, 4],
            "council_code": ["E1", "E2", "E3", "E4"],
            "probability": [0.4, 0.3, 0.2, 0.1],
            "reason_1": ["Reserves fell.", "Turnover rose.", "x", "y"],
        }
    )
    info = {
        "cycle": "2018",
        "score_origin": "2018-03-31",
        "horizon": "24M",
        "model": "gbm",
        "model_run_id": "abc",
        "config": {"labels": {"events": ["inadequate"]}, "evaluate": {"k": 3}},
    }
    ev = pd.DataFrame(
        {
            "council_code": ["E1", "E2", "E4", "E9"],
            "date": pd.to_datetime(["2019-01-01", "2019-06-01", "2019-02-01", "2021-01-01"]),
            "event_type": "inspection",
            "service": "x",
            "severity": [4, 2, 4, 2],
            "source": "x",
        }
    )
    frame, summary = match_outcomes([(rl, info)], ev)
    assert frame["outcome"].tolist() == ["hit", "false_alarm", "unconfirmed", "miss"]
    assert frame.loc[0, "reasons_at_the_time"] == "Reserves fell."
    s = summary["lists"]["2018"]
    assert s["precision"] == 0.5 and s["recall"] == 0.5 and s["window_closed"]
    # events ending before the window closes: a warned council inspected and not judged
    # inadequate is known from that inspection (E2); only the not-yet-inspected is pending (E3)
    frame, _ = match_outcomes([(rl, info)], ev[ev["date"] < "2020-01-01"])
    assert frame["outcome"].tolist() == ["hit", "inspected_not_failing", "pending", "miss"]


def test_oracle_rows_match_backtest_rows(evaluated):
    _, pred, _ = evaluated
    a = pred[pred["model"] == "oracle"].set_index(["council_code", "origin"]).index
    b = pred[pred["model"] == "logit"].set_index(["council_code", "origin"]).index
    assert a.sort_values().equals(b.sort_values())
    assert callable(oracle_predictions) and callable(evaluate_backtest)


def test_paired_reference_is_the_best_of_every_baseline_also_a_candidate_model(evaluated):
    """persistence is both a model kind here and a simple baseline: it stays a reference
    (a model is compared with the best rule, never with itself)."""
    ev, _, _ = evaluated
    for target, block in ev["paired_differences"].items():
        sec = ev if ev["target"] == target else ev["other_target"]
        within = {
            n: b["pooled"]["auroc_within_origin"]["value"] for n, b in sec["baselines"].items()
        }
        assert block["best_baseline"] == max(within, key=within.get)
        assert "persistence" in within
        refs = {r["model"] for r in block["rows"] if r["role"] == "best baseline"}
        assert block["best_baseline"] not in refs

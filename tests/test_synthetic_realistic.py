"""The realistic synthetic preset is as hard as the real panel, and the artefacts the
audit found on real data (a constant baseline, ties broken by council code) are caught
on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn.synthetic import make_synthetic_councils, measured_properties


@pytest.fixture(scope="module")
def realistic():
    return make_synthetic_councils(
        n_councils=120, start_year=2008, end_year=2023, seed=3, n_oracle_sims=40,
        preset="realistic",
    )  # fmt: skip


def test_realistic_properties_are_within_the_real_ranges(realistic):
    m = measured_properties(realistic)
    assert m["share_features_auroc_gt_0_6"] < 0.10
    assert 0.75 < m["timing_auroc"] < 0.92
    observed = list(m["observed_share_by_origin"].values())
    assert min(observed) < 0.6 < max(observed)  # measures arrive years after the start
    rate = list(m["failure_rate"].values())
    assert np.mean(rate[:3]) > np.mean(rate[-3:])  # failures decline
    by_year = m["inspections_by_year"]
    assert by_year[2020] < 0.4 * np.mean([by_year[y] for y in (2017, 2018, 2019)])  # pause
    assert 0.75 < m["oracle_observed_expected"] < 1.33  # the oracle stays right


def test_easy_preset_is_the_default_and_unknown_presets_fail():
    with pytest.raises(ValueError, match="preset 'hard'"):
        make_synthetic_councils(n_councils=5, start_year=2010, end_year=2014, preset="hard")
    easy = make_synthetic_councils(n_councils=10, start_year=2010, end_year=2014, seed=2)
    assert easy.truth["preset"] == "easy"


def test_artefacts_are_caught_on_the_realistic_world(realistic):
    """The deprivation index starts late: the baseline is unavailable where its training
    rows are empty; and a tied baseline's figures do not move when councils are renamed."""
    from earlywarn.backtest import EvaluationSettings, backtest_targets, rolling_origin_splits
    from earlywarn.evaluation import evaluate_backtest
    from earlywarn.features import build_features
    from earlywarn.models import make_baseline
    from earlywarn.panel import build_panel

    tables = realistic.tables
    origins = sorted(realistic.true_risk.index.get_level_values("origin").unique())
    origins = [o for o in origins if o <= pd.Timestamp("2019-03-31")]
    panel = build_panel(tables, origins)
    X = build_features(tables, panel).X
    closed = [o for o in origins if o + pd.DateOffset(months=24) <= origins[-1]]
    splits = rolling_origin_splits(origins, closed, 24, 2)
    s = EvaluationSettings(horizon_months=24, censoring="negative", k=10, n_boot=0)
    makers = {n: (lambda n=n: make_baseline(n)) for n in ("deprivation", "persistence")}
    bt = backtest_targets(X, tables.events, splits, makers, s)
    ev = evaluate_backtest(bt, tables.events, s, model_names=[])
    gone = ev["unavailable_baselines"]["deprivation"]
    first = pd.Timestamp(realistic.truth["realistic"]["first_period"]["deprivation_imd_score"])
    assert gone["origins"] and all(pd.Timestamp(o) > first for o in gone["origins"])
    scored = bt.loc[bt["model"] == "deprivation", "origin"]
    assert not scored.isin(pd.to_datetime(gone["origins"])).any()
    # persistence scores in a few tied levels: renaming councils changes nothing
    pers = bt.loc[bt["model"] == "persistence"]
    assert pers.groupby("origin")["p_joint"].nunique().max() <= 6  # heavy ties
    codes = bt["council_code"].unique()
    rename = dict(zip(codes, np.random.default_rng(0).permutation(codes), strict=True))
    ev2 = evaluate_backtest(
        bt.assign(council_code=bt["council_code"].map(rename)),
        tables.events.assign(council_code=tables.events["council_code"].map(rename)),
        s,
        model_names=[],
    )
    for key in ("precision_at_k", "recall_at_k", "auroc_within_origin"):
        a = ev["baselines"]["persistence"]["pooled"][key]["value"]
        b = ev2["baselines"]["persistence"]["pooled"][key]["value"]
        assert a == pytest.approx(b), key
    pl, pl2 = ev["published_list"]["persistence"], ev2["published_list"]["persistence"]
    for key in ("share_inspected", "share_of_failures_caught"):
        assert pl[key]["value"] == pytest.approx(pl2[key]["value"]), key

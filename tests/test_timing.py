"""The two-part model's timing part (earlywarn.models._timing): it recovers a planted inspection
schedule on the realistic synthetic preset, knows the 2020 pause only once announced,
never reads events after its origin, and each part's skill reaches evaluation.json."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from earlywarn.labels import make_labels
from earlywarn.models import PAUSES, InspectionHazard

ORIGINS = [pd.Timestamp(f"{y}-03-31") for y in range(2014, 2022)]


@pytest.fixture(scope="module")
def world():
    from earlywarn.synthetic import make_synthetic_councils

    return make_synthetic_councils(
        n_councils=80, start_year=2010, end_year=2023, seed=3, preset="realistic",
        n_oracle_sims=100,
    )  # fmt: skip


@pytest.fixture(scope="module")
def forecasts(world):
    """Out-of-time forecasts: at every origin, fitted on the events known then."""
    ev, tr = world.tables.events, world.true_risk
    rows = []
    for t in ORIGINS:
        idx = tr.index[tr.index.get_level_values("origin") == t]
        p = InspectionHazard(24).fit(ev, t).predict(idx)
        seen = make_labels(ev, idx, 24)["inspected"].to_numpy()
        rows.append(
            pd.DataFrame(
                {"origin": t, "p": p, "true": tr.loc[idx, "p_inspected"].to_numpy(), "y": seen}
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_recovers_the_planted_schedule(forecasts):
    f = forecasts
    model = roc_auc_score(f["y"], f["p"])
    oracle = roc_auc_score(f["y"], f["true"])
    # the realised inspections: close to the oracle, far from a constant (0.5)
    assert model > 0.75
    assert model >= oracle - 0.05, (model, oracle)
    # the predicted P(inspected) tracks the generator's true p_inspected
    assert np.corrcoef(f["p"], f["true"])[0, 1] > 0.8
    # calibrated in the large where the pause was known (2019's forecast cannot know it)
    known = f[f["origin"] != pd.Timestamp("2019-03-31")]
    assert abs(known["p"].mean() - known["y"].mean()) < 0.08


def test_beats_the_two_feature_timing_model_or_matches_it(world, forecasts):
    from earlywarn.models import make_timing_model

    ev, tr = world.tables.events, world.true_risk
    idx = tr.index
    insp = ev[ev["event_type"] == "inspection"].sort_values("date")
    tsi, grade = [], []
    for c, o in idx:
        d = insp[(insp["council_code"] == c) & (insp["date"] <= o)]
        tsi.append((o - d["date"].iloc[-1]).days / 365.25 if len(d) else np.nan)
        grade.append(d["severity"].iloc[-1] if len(d) else np.nan)
    X = pd.DataFrame({"years_since_inspection": tsi, "last_inspection_grade": grade}, index=idx)
    lab = make_labels(ev, idx, 24)
    p_simple = []
    for t in ORIGINS:
        train = (idx.get_level_values("origin") + pd.DateOffset(months=24)) <= t
        m = make_timing_model().fit(X[train], lab["inspected"][train].astype(int))
        p_simple.append(m.predict_proba(X[idx.get_level_values("origin") == t])[:, 1])
    auc_simple = roc_auc_score(forecasts["y"], np.concatenate(p_simple))
    auc_hazard = roc_auc_score(forecasts["y"], forecasts["p"])
    assert auc_hazard >= auc_simple - 0.02, (auc_hazard, auc_simple)


def test_pause_is_used_only_once_announced(world):
    ev = world.tables.events
    t_before, t_after = pd.Timestamp("2019-03-31"), pd.Timestamp("2020-03-31")
    codes = sorted(ev["council_code"].unique())[:30]

    def idx(t):
        return pd.MultiIndex.from_product([codes, [t]], names=["council_code", "origin"])

    with_pause = InspectionHazard(24).fit(ev, t_after)
    without = InspectionHazard(24, pauses=()).fit(ev, t_after)
    # before the announcement, the pause changes nothing in the forecast
    np.testing.assert_allclose(
        InspectionHazard(24).fit(ev, t_before).predict(idx(t_before)),
        InspectionHazard(24, pauses=()).fit(ev, t_before).predict(idx(t_before)),
    )
    # after it, a year of the 24 months has hazard 0: fewer inspections expected
    p_pause, p_free = with_pause.predict(idx(t_after)), without.predict(idx(t_after))
    assert (p_pause <= p_free + 1e-12).all() and p_pause.mean() < p_free.mean() - 0.05
    assert PAUSES[0][0] == "2020-04-01"


def test_never_reads_events_after_its_origin(world):
    ev = world.tables.events
    t = pd.Timestamp("2017-03-31")
    codes = sorted(ev["council_code"].unique())[:20]
    idx = pd.MultiIndex.from_product([codes, [t]], names=["council_code", "origin"])
    full = InspectionHazard(24).fit(ev, t).predict(idx)
    past = InspectionHazard(24).fit(ev[ev["date"] <= t], t).predict(idx)
    np.testing.assert_allclose(full, past)


def test_each_part_skill_is_in_the_evaluation(small_data):
    from earlywarn.backtest import rolling_origin_splits
    from earlywarn.evaluation import EvaluationSettings, evaluate_and_keep
    from earlywarn.features import build_features
    from earlywarn.panel import build_panel

    origins = [pd.Timestamp(f"{y}-03-31") for y in range(2012, 2019)]
    tables = small_data.tables
    panel = build_panel(tables, origins)
    feats = build_features(tables, panel)
    splits = rolling_origin_splits(origins, origins[-2:], 24, 2)
    s = EvaluationSettings(
        horizon_months=24, censoring="drop", target="conditional", k=5, n_boot=10,
        subgroups=(), baselines=("persistence",), timing="hazard",
    )  # fmt: skip
    run = evaluate_and_keep(feats.X, tables.events, panel, splits, s, ("logit",), {}, None)
    two = run.evaluation["two_part"]
    assert two["timing_used"] == "hazard"
    for name in ("features", "hazard"):
        assert 0.5 < two["timing"][name]["auroc"]["value"] <= 1.0
        assert "calibration_slope" in two["timing"][name]
    assert "auroc_within_origin" in two["grade"]["logit"]
    assert set(two["joint_product"]["logit"]) == {"features", "hazard"}
    # the run's P(inspected) is the hazard model's
    bt = run.long
    assert "p_inspected" in bt


def test_config_names_the_timing_model(tmp_path):
    from earlywarn.config import parse_config
    from earlywarn.errors import UserInputError

    cfg = parse_config({"cycle": "a", "as_of": "2020-03-31", "labels": {"timing": "hazard"}})
    assert cfg.labels.timing == "hazard"
    with pytest.raises(UserInputError, match="labels.timing"):
        parse_config({"cycle": "a", "as_of": "2020-03-31", "labels": {"timing": "clock"}})


def test_the_published_list_uses_the_chosen_timing_model(small_data):
    from earlywarn.backtest import final_training
    from earlywarn.evaluation import EvaluationSettings
    from earlywarn.features import build_features
    from earlywarn.panel import build_panel

    origins = [pd.Timestamp(f"{y}-03-31") for y in range(2012, 2019)]
    tables = small_data.tables
    panel = build_panel(tables, origins)
    X = build_features(tables, panel).X
    as_of = pd.Timestamp("2018-03-31")
    train = [o for o in origins if o + pd.DateOffset(months=24) <= as_of]
    now = X[X.index.get_level_values("origin") == as_of]
    p = {}
    for timing in ("features", "hazard"):
        s = EvaluationSettings(horizon_months=24, censoring="drop", target="joint", timing=timing)
        *_, to_target = final_training(X, tables.events, train, as_of, s)
        p[timing] = to_target.timing(now)
    expected = InspectionHazard(24, seed=s.seed).fit(tables.events, as_of).predict(now.index)
    np.testing.assert_allclose(p["hazard"], expected)
    assert not np.allclose(p["hazard"], p["features"])


def _planted_visits(ev: pd.DataFrame, first: str) -> pd.DataFrame:
    """A focused visit published two months before every graded inspection from ``first``
    (the visit tables start then): visits that foretell the next inspection."""
    insp = ev[(ev["event_type"] == "inspection") & (ev["date"] >= pd.Timestamp(first))]
    d = insp["date"] - pd.DateOffset(months=2)
    return pd.DataFrame(
        {
            "council_code": insp["council_code"].to_numpy(),
            "date": d.to_numpy(),
            "event_type": "ofsted_visit",
            "service": "childrens_services",
            "severity": np.nan,
            "framework": "focused visit",
            "published": d.to_numpy(),
            "inspection_start": (d - pd.Timedelta(days=30)).to_numpy(),
        }
    )


def test_visit_counts_are_covariates_only_where_the_visit_tables_cover(world):
    ev = world.tables.events
    t = pd.Timestamp("2021-03-31")
    codes = sorted(ev["council_code"].unique())
    both = pd.concat([ev, _planted_visits(ev, "2015-06-01")], ignore_index=True)

    def idx(origin):
        return pd.MultiIndex.from_product([codes, [origin]], names=["council_code", "origin"])

    # off (the default): the visits change nothing
    np.testing.assert_allclose(
        InspectionHazard(24).fit(both, t).predict(idx(t)),
        InspectionHazard(24).fit(ev, t).predict(idx(t)),
    )
    m = InspectionHazard(24, visits=True).fit(both, t)
    # fitted only on the months whose 24 months back the visit tables cover
    assert 0 < m.n_person_months_ < InspectionHazard(24).fit(both, t).n_person_months_
    # a visit foretells an inspection here: its count has a positive coefficient, and a
    # council with a visit in the last 24 months gets a higher hazard
    # design: 12 time bins, none known, 4 grades, short, other inspectorate, then the
    # monitoring and focused visit counts
    monitoring, focused = m.clf_.coef_[0][19:21]
    assert focused > 0.5 and monitoring == 0, m.clf_.coef_
    p = m.predict(idx(t))
    assert np.isfinite(p).all() and ((p > 0) & (p < 1)).all()
    # an origin whose 24 months reach back before the first visit: no forecast, not 0 visits
    assert np.isnan(m.predict(idx(pd.Timestamp("2016-03-31")))).all()
    assert np.isfinite(m.predict(idx(pd.Timestamp("2017-03-31")))).all()  # from 2015-03


def test_visits_option_without_visits_says_so(world):
    from earlywarn.errors import UserInputError

    with pytest.raises(UserInputError, match="no ofsted_visit events"):
        InspectionHazard(24, visits=True).fit(world.tables.events, pd.Timestamp("2021-03-31"))

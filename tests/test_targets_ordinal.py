"""Targets beyond 'inadequate overall', the ordinal grade model, and shrinkage at low EPV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from earlywarn.labels import decline_events, make_labels, next_grade, target_mask
from earlywarn.models import OrdinalGradeClassifier


def _events() -> pd.DataFrame:
    rows = [
        # council A: good -> requires improvement (a decline) -> inadequate (a decline)
        ("A", "2012-05-01", 2.0, 2.0, 2.0, True),
        ("A", "2015-05-01", 3.0, 4.0, 3.0, True),
        ("A", "2016-01-01", 4.0, np.nan, np.nan, False),  # a non-headline visit: ignored
        ("A", "2018-05-01", 4.0, 3.0, 4.0, True),
        # council B: inadequate -> good (an improvement, no decline)
        ("B", "2013-05-01", 4.0, 4.0, 4.0, True),
        ("B", "2017-05-01", 2.0, 2.0, 2.0, True),
    ]
    ev = pd.DataFrame(
        rows,
        columns=[
            "council_code",
            "date",
            "severity",
            "grade_leadership",
            "grade_help_protection",
            "headline",
        ],
    )
    ev["date"] = pd.to_datetime(ev["date"])
    ev["event_type"] = "inspection"
    ev.index = [7, 7, 8, 8, 9, 9]  # a non-unique index must not confuse the masks
    return ev


def test_decline_counts_only_a_worse_overall_grade_than_the_previous_one():
    d = decline_events(_events())
    assert list(zip(d["council_code"], d["date"].dt.year, strict=True)) == [
        ("A", 2015),
        ("A", 2018),
    ]


def test_subjudgement_targets_read_their_own_column():
    ev = _events()
    leaders = ev[target_mask(ev, "leaders_inadequate")]
    hp = ev[target_mask(ev, "help_protection_inadequate")]
    assert list(leaders["date"].dt.year) == [2015, 2013]
    assert list(hp["date"].dt.year) == [2018, 2013]
    with pytest.raises(ValueError, match="unknown target"):
        target_mask(ev, "nonsense")
    # a table without sub-judgements has no such failures
    assert not target_mask(ev.drop(columns="grade_leadership"), "leaders_inadequate").any()


def test_new_targets_flow_through_make_labels_with_censoring():
    ev = _events()
    idx = pd.MultiIndex.from_product(
        [["A", "B"], pd.to_datetime(["2014-03-31", "2016-03-31", "2019-03-31"])],
        names=["council_code", "origin"],
    )
    lab = make_labels(ev, idx, horizon_months=24, kinds=("decline",))
    assert lab.loc[("A", pd.Timestamp("2014-03-31")), "label"] == 1
    assert lab.loc[("A", pd.Timestamp("2016-03-31")), "label"] == 0  # only a non-headline visit
    assert lab.loc[("B", pd.Timestamp("2016-03-31")), "label"] == 0
    # B not inspected after 2019: censored, not a negative
    assert bool(lab.loc[("B", pd.Timestamp("2019-03-31")), "censored"])
    lead = make_labels(ev, idx, horizon_months=24, kinds=("leaders_inadequate",))
    assert lead["label"].sum() == 1


def test_next_grade_is_the_worst_headline_grade_in_the_window():
    ev = _events()
    idx = pd.MultiIndex.from_tuples(
        [
            ("A", pd.Timestamp("2014-03-31")),
            ("A", pd.Timestamp("2015-06-01")),
            ("B", pd.Timestamp("2019-03-31")),
        ],
        names=["council_code", "origin"],
    )
    g = next_grade(ev, idx, horizon_months=36)
    assert g.iloc[0] == 3.0  # 2015 (RI) only: 2018 is after the window
    assert g.iloc[1] == 4.0  # the 2016 non-headline visit is skipped; 2018 is inadequate
    assert next_grade(ev, idx[:1], horizon_months=60).iloc[0] == 4.0  # RI then inadequate
    assert np.isnan(g.iloc[2])


def _planted(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({c: rng.normal(size=n) for c in ("a", "b", "noise")})
    latent = 1.2 * X["a"] - 0.8 * X["b"] + rng.logistic(size=n)
    y = 1 + np.searchsorted(np.array([-1.5, 0.5, 2.0]), latent.to_numpy())
    return X, y


def test_ordinal_model_recovers_planted_slopes_and_thresholds():
    X, y = _planted(6000, 1)
    m = OrdinalGradeClassifier().fit(X, y)
    # slopes are per standard deviation of each covariate; the planted x are N(0, 1)
    sd = X.std(ddof=0).to_numpy()
    np.testing.assert_allclose(m.coef_ / sd, [1.2, -0.8, 0.0], atol=0.1)
    # thresholds on the standardised scale: c_j + b'mean; the means are ~0
    np.testing.assert_allclose(m.cutpoints_, [-1.5, 0.5, 2.0], atol=0.15)
    table = m.coef_table
    assert (table.loc["a", "lo"] > 0) and (table.loc["noise", "lo"] < 0 < table.loc["noise", "hi"])
    p = m.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert (p >= 0).all()
    # P(inadequate) from the ordinal model is calibrated in-sample on the planted world
    assert abs(m.proba_at_least(X, 4).mean() - (y == 4).mean()) < 0.01


def test_ordinal_model_handles_missing_values_and_rejects_one_grade():
    X, y = _planted(800, 2)
    X.iloc[::7, 0] = np.nan
    m = OrdinalGradeClassifier(covariates=["a", "b", "absent"]).fit(X, y)
    assert list(m.used_features_) == ["a", "b"]
    assert np.isfinite(m.predict_proba(X)).all()
    with pytest.raises(ValueError, match="at least two grades"):
        OrdinalGradeClassifier().fit(X, np.full(len(X), 3))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shrunken_logit_beats_unshrunken_at_low_events_per_variable(seed):
    """~1 event per variable (the real panel's regime): a strongly penalised logit
    predicts new data better (log loss) and ranks no worse than a nearly unpenalised
    one; with ~10 events per variable the two agree (the known truth here)."""
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(seed)
    p_feat = 40
    beta = np.zeros(p_feat)
    beta[:4] = [0.8, -0.6, 0.5, 0.4]

    def draw(n):
        X = rng.normal(size=(n, p_feat))
        y = rng.random(n) < 1 / (1 + np.exp(-(-2.2 + X @ beta)))
        return X, y.astype(int)

    Xte, yte = draw(20000)
    gaps = {}
    for n in (300, 3000):  # ~40 and ~420 events for 40 variables
        Xtr, ytr = draw(n)
        weak = LogisticRegression(C=1e4, max_iter=5000).fit(Xtr, ytr)
        strong = LogisticRegression(C=0.05, max_iter=5000).fit(Xtr, ytr)
        loss_weak = log_loss(yte, weak.predict_proba(Xte)[:, 1])
        loss_strong = log_loss(yte, strong.predict_proba(Xte)[:, 1])
        auc_weak = roc_auc_score(yte, weak.decision_function(Xte))
        auc_strong = roc_auc_score(yte, strong.decision_function(Xte))
        gaps[n] = loss_weak - loss_strong
        assert auc_strong > auc_weak - 0.01
    assert gaps[300] > 0.02
    assert abs(gaps[3000]) < 0.01


def test_ordinal_risk_uses_grades_when_given_and_the_binary_label_otherwise():
    from earlywarn.models import OrdinalRiskClassifier

    X, grade = _planted(4000, 3)
    y = (grade >= 4).astype(int)
    g = grade.astype(float)
    g[::10] = np.nan  # windows without a graded judgement
    m = OrdinalRiskClassifier(at_least=4).fit(X, y, grade=g)
    p = m.predict_proba(X)[:, 1]
    np.testing.assert_allclose(p, m.ordinal_.proba_at_least(X, 4))
    assert abs(p.mean() - y.mean()) < 0.01
    # the grade carries more information than the binary label: over repeated small
    # training sets (~45 events in 300 rows) the grade fit predicts the event in new data
    # from the same world better on average (it wins in ~80% of single draws, not all)
    from sklearn.metrics import log_loss

    Xn, gn = _planted(20000, 99)
    yn = (gn >= 4).astype(int)
    gaps = []
    for seed in range(10, 20):
        Xs, gs = _planted(300, seed)
        ys = (gs >= 4).astype(int)
        by_grade = OrdinalRiskClassifier(at_least=4).fit(Xs, ys, grade=gs)
        by_label = OrdinalRiskClassifier(at_least=4).fit(Xs, ys)
        assert not by_label.fitted_on_grades_
        gaps.append(
            log_loss(yn, by_label.predict_proba(Xn)[:, 1])
            - log_loss(yn, by_grade.predict_proba(Xn)[:, 1])
        )
    assert np.mean(gaps) > 0


def test_ordinal_kind_is_fitted_on_grades_in_the_backtest_and_the_final_fit(small_data):
    """The backtest and the published fit give the ordinal model the grade of each training
    window (known at the split's test origin), not only the binary label."""
    from earlywarn.backtest import (
        EvaluationSettings,
        backtest_targets,
        final_training,
        rolling_origin_splits,
    )
    from earlywarn.backtest import fit_model as fit
    from earlywarn.features import build_features
    from earlywarn.models import make_model
    from earlywarn.panel import build_panel

    origins = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2021)]
    as_of = pd.Timestamp("2020-03-31")
    tables = small_data.tables
    panel = build_panel(tables, origins)
    X = build_features(tables, panel).X
    s = EvaluationSettings(horizon_months=24, censoring="drop", target="conditional", k=5)
    closed = [o for o in origins if o + pd.DateOffset(months=24) <= as_of]
    Xtr, ytr, wtr, _ = final_training(X, tables.events, closed, as_of, s)
    grades = ytr.attrs["grade"]
    assert len(grades) == len(ytr)
    # a graded window's grade agrees with its binary label (inadequate = grade 4)
    graded = ~np.isnan(grades)
    assert graded.mean() > 0.9
    np.testing.assert_array_equal(grades[graded] >= 4, ytr.to_numpy()[graded] == 1)
    model = fit(make_model("ordinal"), Xtr, ytr, wtr)
    clf = model.steps[-1][1]
    assert clf.fitted_on_grades_ and len(clf.ordinal_.classes_) >= 3
    splits = rolling_origin_splits(origins, closed, 24, 2)[-2:]
    bt = backtest_targets(X, tables.events, splits, {"ordinal": lambda: make_model("ordinal")}, s)
    p = bt["p_conditional"].to_numpy()
    assert len(p) and np.isfinite(p).all() and ((p > 0) & (p < 1)).all()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"labels": {"censoring": "negative"}}, "censoring"),
        ({"labels": {"censoring": "drop", "events": ["financial_notice"]}}, "labels.events"),
        (
            {
                "labels": {"censoring": "drop", "events": ["requires_improvement_or_worse"]},
            },
            "at_least",
        ),
    ],
)
def test_ordinal_config_must_match_its_label(section, message):
    from earlywarn.config import parse_config
    from earlywarn.errors import UserInputError

    raw = {"cycle": "x", "as_of": "2020-03-31", "models": {"kinds": ["ordinal"]}, **section}
    with pytest.raises(UserInputError, match=message):
        parse_config(raw)
    ok = {**raw, "labels": {"censoring": "drop", "events": ["requires_improvement_or_worse"]}}
    ok["models"] = {"kinds": ["ordinal"], "params": {"ordinal": {"at_least": 3.0}}}
    assert parse_config(ok).models.kinds == ("ordinal",)


@pytest.mark.parametrize("kind", ["leaders_inadequate", "help_protection_inadequate", "decline"])
def test_new_targets_are_found_by_inspection_and_described(kind):
    from earlywarn.backtest import EvaluationSettings, describe

    s = EvaluationSettings(horizon_months=24, censoring="drop", target="conditional", kinds=(kind,))
    assert s.by_inspection  # a window without an inspection is censored, not a negative
    assert "within 24 months" in describe(s)["description"]


def _reform_schedule() -> pd.DataFrame:
    """Planted inspections around Ofsted's reform (no overall grade for inspections started
    from 1 April 2026): (council, start, published, overall, four sub-judgements)."""
    nan = np.nan
    rows = [
        ("P", "2025-06-02", "2025-07-20", 3.0, 4.0, 3.0, 3.0, 3.0),  # before: overall RI
        ("Q", "2026-03-23", "2026-05-11", 4.0, 3.0, 3.0, 3.0, 3.0),  # before: overall inadequate
        ("R", "2026-04-01", "2026-05-18", nan, 3.0, 3.0, 3.0, 4.0),  # from the day: care leavers
        ("S", "2026-05-04", "2026-06-22", nan, 3.0, 3.0, 2.0, 3.0),  # after: none inadequate
        ("T", "2026-06-01", "2026-07-20", nan, 2.0, 2.0, 4.0, 2.0),  # after: children in care
        ("U", None, "2015-02-10", 4.0, nan, nan, nan, nan),  # a table without start dates
    ]
    ev = pd.DataFrame(
        rows,
        columns=[
            "council_code",
            "inspection_start",
            "date",
            "severity",
            "grade_leadership",
            "grade_help_protection",
            "grade_children_in_care",
            "grade_care_leavers",
        ],
    )
    ev["inspection_start"] = pd.to_datetime(ev["inspection_start"])
    ev["date"] = pd.to_datetime(ev["date"])
    ev["event_type"] = "inspection"
    ev["headline"] = True
    return ev


def test_inadequate_any_keys_the_regime_on_the_start_date():
    ev = _reform_schedule()
    got = dict(zip(ev["council_code"], target_mask(ev, "inadequate_any"), strict=True))
    # P: a sub-judgement inadequate but started before the reform -> the overall (RI) rules
    # Q: published after April 2026 but started before -> its overall inadequate counts
    assert got == {"P": False, "Q": True, "R": True, "S": False, "T": True, "U": True}
    # the overall-only label is unchanged before the reform and blind after it
    overall = make_labels(ev, _index(["P", "Q", "R", "T"], "2025-03-31"), 24, ("inadequate",))
    anysub = make_labels(ev, _index(["P", "Q", "R", "T"], "2025-03-31"), 24, ("inadequate_any",))
    assert overall["label"].tolist() == [0, 1, 0, 0]
    assert anysub["label"].tolist() == [0, 1, 1, 1]
    # without sub-judgement columns (synthetic worlds) the overall grade is used throughout
    bare = ev.drop(columns=[c for c in ev.columns if c.startswith("grade_")])
    assert target_mask(bare, "inadequate_any").tolist() == [False, True, False, False, False, True]


def _index(codes: list[str], origin: str) -> pd.MultiIndex:
    return pd.MultiIndex.from_product(
        [codes, [pd.Timestamp(origin)]], names=["council_code", "origin"]
    )

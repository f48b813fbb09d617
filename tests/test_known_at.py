"""Steps fitted at a test origin on earlier origins' outcomes (out-of-time recalibration,
the usefulness threshold) read those outcomes as known at that origin: a judgement dated
before the origin but published after it never enters the fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn.backtest import EvaluationSettings, backtest_targets, rolling_origin_splits
from earlywarn.evaluation import (
    labels_known_at,
    recalibrate_out_of_time,
    target_rows,
    usefulness_block,
)
from earlywarn.features import build_features
from earlywarn.models import make_model
from earlywarn.panel import build_panel
from earlywarn.synthetic import make_synthetic_councils

ORIGINS = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2019)]
T = pd.Timestamp("2018-03-31")  # the scored origin; 2016's window closes on T itself
EARLIER = pd.Timestamp("2016-03-31")


@pytest.fixture(scope="module")
def probe():
    data = make_synthetic_councils(n_councils=60, start_year=2006, end_year=2019, seed=11)
    events = data.tables.events.assign(published=data.tables.events["date"])
    X = build_features(data.tables, build_panel(data.tables, ORIGINS)).X
    s = EvaluationSettings(horizon_months=24, censoring="drop", target="conditional")
    # a council not failing in 2016's window is found inadequate ten days before T, in a
    # report published three weeks after T: part of the outcome at as_of, unknown at T
    splits = rolling_origin_splits(ORIGINS, [EARLIER, T], 24, 2)
    bt0 = backtest_targets(X, events, splits, {"logit": lambda: make_model("logit")}, s, ["logit"])
    quiet = bt0[(bt0["origin"] == EARLIER) & (bt0["label"] == 0)]["council_code"].iloc[0]
    late = pd.DataFrame(
        {
            "council_code": [quiet],
            "date": [T - pd.Timedelta(days=10)],
            "event_type": ["inspection"],
            "service": ["childrens_services"],
            "severity": [4],
            "source": ["probe"],
            "published": [T + pd.Timedelta(days=21)],
        }
    )
    leaky = pd.concat([events, late], ignore_index=True)
    bt = backtest_targets(X, leaky, splits, {"logit": lambda: make_model("logit")}, s, ["logit"])
    return events, leaky, bt, s, quiet


def test_the_probe_changes_the_outcome_seen_at_as_of(probe):
    _, _, bt, _, quiet = probe
    row = bt[(bt["origin"] == EARLIER) & (bt["council_code"] == quiet)]
    assert row["label"].iloc[0] == 1 and not row["censored"].iloc[0]


def test_labels_known_at_read_only_what_was_published(probe):
    events, leaky, bt, s, quiet = probe
    rows = bt[bt["origin"] == EARLIER][["council_code", "origin"]]
    at_t = labels_known_at(leaky, s)(rows, T)
    later = labels_known_at(leaky, s)(rows, T + pd.DateOffset(years=1))
    mine = (rows["council_code"] == quiet).to_numpy()
    assert at_t["label"].to_numpy()[mine][0] == 0  # not published by T
    assert later["label"].to_numpy()[mine][0] == 1
    # every other row: the labels the backtest itself built
    np.testing.assert_array_equal(
        later["label"].to_numpy()[~mine], bt[bt["origin"] == EARLIER]["label"].to_numpy()[~mine]
    )


def test_recalibration_at_an_origin_never_reads_a_later_publication(probe):
    events, leaky, bt, s, _ = probe
    with_probe = recalibrate_out_of_time(bt, 24, known_at=labels_known_at(leaky, s))
    without = recalibrate_out_of_time(bt, 24, known_at=labels_known_at(events, s))
    at_t = (with_probe["origin"] == T).to_numpy()
    assert with_probe.loc[at_t, "recalibrated"].all()
    np.testing.assert_allclose(
        with_probe.loc[at_t, "p_conditional"], without.loc[at_t, "p_conditional"]
    )
    # the frame's own labels (as at as_of) would have let the late report in
    naive = recalibrate_out_of_time(bt, 24)
    assert not np.allclose(naive.loc[at_t, "p_conditional"], with_probe.loc[at_t, "p_conditional"])


def test_the_usefulness_threshold_never_reads_a_later_publication(probe):
    events, leaky, bt, s, _ = probe
    a = usefulness_block(bt, s, None, target_rows, labels_known_at(leaky, s))
    b = usefulness_block(bt, s, None, target_rows, labels_known_at(events, s))
    assert a["models"]["logit"].get("thresholds") == b["models"]["logit"].get("thresholds")

"""No leakage: features see only what was published by their origin, and models train only
on label windows that had closed by the origin they predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.dummy import DummyClassifier

from earlywarn.backtest import (
    EvaluationSettings,
    Split,
    backtest_targets,
    check_split,
    rolling_origin_splits,
)
from earlywarn.features import build_features
from earlywarn.panel import build_panel
from earlywarn.schema import Tables


def _features_at(tables: Tables, origin: pd.Timestamp) -> pd.DataFrame:
    panel = build_panel(tables, [origin])
    return build_features(tables, panel).X


@settings(max_examples=8, deadline=None)
@given(year=st.integers(2011, 2019), seed=st.integers(0, 10_000))
def test_future_publications_do_not_change_features(small_data, year, seed):
    tables = small_data.tables
    origin = pd.Timestamp(f"{year}-03-31")
    before = _features_at(tables, origin)
    rng = np.random.default_rng(seed)
    obs = tables.observations.copy()
    future = obs["published"] > origin
    obs.loc[future, "value"] = obs.loc[future, "value"] * rng.uniform(0.1, 3.0, future.sum())
    drop = future & (rng.uniform(size=len(obs)) < 0.3)
    obs = obs[~drop]
    # a revision of an old period, published after the origin
    old = tables.observations[~future].sample(20, random_state=seed)
    obs = pd.concat(
        [obs, old.assign(value=old["value"] + 50, published=origin + pd.Timedelta(days=1))]
    )
    ev = tables.events.copy()
    later = ev["date"] > origin
    ev.loc[later, "severity"] = np.where(ev.loc[later, "event_type"] == "inspection", 4, 2)
    extra = ev[~later].head(5).assign(date=origin + pd.Timedelta(days=3), severity=4.0)
    ev = pd.concat([ev, extra], ignore_index=True)
    after = _features_at(Tables(tables.councils, obs, ev), origin)
    pd.testing.assert_frame_equal(before, after)


def test_features_do_change_when_the_past_changes(small_data):
    """The test above could not pass by accident: past changes do move features."""
    tables = small_data.tables
    origin = pd.Timestamp("2016-03-31")
    obs = tables.observations.copy()
    past = obs["published"] <= origin
    obs.loc[past, "value"] = obs.loc[past, "value"] * 1.5
    changed = _features_at(Tables(tables.councils, obs, tables.events), origin)
    assert not changed.equals(_features_at(tables, origin))


@settings(max_examples=50, deadline=None)
@given(h=st.integers(1, 48), n=st.integers(3, 15), min_train=st.integers(1, 4))
def test_every_split_trains_on_closed_windows_only(h, n, min_train):
    origins = [pd.Timestamp(f"{2005 + i}-03-31") for i in range(n)]
    for split in rolling_origin_splits(origins, origins, h, min_train):
        check_split(split, h)  # raises on a leak
        assert len(split.train_origins) >= min_train
        assert all(o + pd.DateOffset(months=h) <= split.test_origin for o in split.train_origins)


def test_a_leaky_split_is_caught():
    leaky = Split(pd.Timestamp("2016-03-31"), (pd.Timestamp("2015-03-31"),))
    with pytest.raises(AssertionError, match="leak"):
        check_split(leaky, horizon_months=24)


class _Recorder(DummyClassifier):
    """A classifier that records what it was trained on."""

    seen: list = []

    def fit(self, X, y, sample_weight=None):
        _Recorder.seen.append((X.index.get_level_values("origin").max(), len(y)))
        return super().fit(X, y, sample_weight)


def test_backtest_trains_only_on_windows_closed_at_the_test_origin(small_data):
    tables = small_data.tables
    origins = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2020)]
    panel = build_panel(tables, origins)
    X = build_features(tables, panel).X
    splits = rolling_origin_splits(origins, origins, 24, 2)
    _Recorder.seen = []
    # the loop the cycle runs (earlywarn.backtest._loop.backtest_targets), for a recording model
    s = EvaluationSettings(horizon_months=24)
    bt = backtest_targets(X, tables.events, splits, {"r": lambda: _Recorder(strategy="prior")}, s)
    assert len(_Recorder.seen) == len(splits)
    for split, (latest_train, _) in zip(splits, _Recorder.seen, strict=True):
        assert latest_train + pd.DateOffset(months=24) <= split.test_origin
    assert set(bt["origin"]) == {s.test_origin for s in splits}

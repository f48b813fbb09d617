"""Council-bootstrap intervals of the published probabilities (earlywarn.evaluation._intervals)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn.evaluation import bootstrap_probabilities, council_bootstrap_interval
from earlywarn.models import make_model


def _logit():
    return make_model("logit", seed=0)


def _width(iv: pd.DataFrame) -> pd.Series:
    return iv["probability_hi"] - iv["probability_lo"]


@pytest.fixture(scope="module")
def full_interval(explained_world):
    w = explained_world
    return council_bootstrap_interval(_logit, w.Xtr, w.ytr, w.now, n_boot=20, seed=3)


def test_interval_contains_the_point_estimate_for_most_councils(explained_world, full_interval):
    w = explained_world
    p = pd.Series(w.models["logit"].predict_proba(w.now)[:, 1], index=full_interval.index)
    iv = full_interval
    assert list(iv.columns) == ["probability_lo", "probability_hi"]
    assert iv.index.equals(pd.Index(w.now.index.get_level_values("council_code")))
    assert (iv["probability_lo"] <= iv["probability_hi"]).all()
    assert iv.to_numpy().min() >= 0 and iv.to_numpy().max() <= 1
    inside = (iv["probability_lo"] <= p + 1e-6) & (p <= iv["probability_hi"] + 1e-6)
    assert inside.mean() >= 0.8, inside.mean()
    assert (_width(iv) > 0).mean() > 0.9  # a real spread, not a degenerate refit


def test_interval_widens_when_training_councils_are_fewer(explained_world):
    """Half the councils -> wider intervals (about sqrt(2) for a rate; > 1.1 asserted).

    On the persistence model (a smoothed failure rate per last grade: almost no penalty).
    A strongly penalised model (the default logit, C = 0.01) shrinks harder towards the
    base rate on less data, which can offset the extra sampling noise on the probability
    scale, so it would not test the bootstrap itself.
    """
    w = explained_world
    codes = w.Xtr.index.get_level_values("council_code")
    councils = sorted(codes.unique())

    def mean_width(keep):
        iv = council_bootstrap_interval(
            lambda: make_model("persistence"), w.Xtr[keep], w.ytr[keep], w.now, n_boot=150, seed=3
        )
        return _width(iv).mean()

    full = mean_width(np.ones(len(codes), dtype=bool))
    halves = [mean_width(codes.isin(councils[h::2])) for h in (0, 1)]
    assert np.mean(halves) > 1.1 * full, (halves, full)


def test_same_seed_same_interval_other_seed_other_draws(explained_world, full_interval):
    w = explained_world
    again = council_bootstrap_interval(_logit, w.Xtr, w.ytr, w.now, n_boot=20, seed=3)
    pd.testing.assert_frame_equal(again, full_interval)
    other = council_bootstrap_interval(_logit, w.Xtr, w.ytr, w.now, n_boot=20, seed=4)
    assert not other.equals(full_interval)


def test_zero_refits_add_no_columns(explained_world):
    w = explained_world
    iv = council_bootstrap_interval(_logit, w.Xtr, w.ytr, w.now, n_boot=0)
    assert iv.shape == (len(w.now), 0)
    scores = pd.DataFrame({"council_code": iv.index, "probability": 0.1})
    assert list(scores.join(iv, on="council_code").columns) == ["council_code", "probability"]


class _Recorder:
    """Records each training set's index; predicts the training failure rate."""

    seen: list[pd.Index] = []

    def fit(self, X, y, sample_weight=None):
        _Recorder.seen.append(X.index)
        self.rate_ = float(np.mean(y))
        return self

    def predict_proba(self, X):
        return np.column_stack([np.full(len(X), 1 - self.rate_), np.full(len(X), self.rate_)])


def test_resampling_draws_whole_councils_and_applies_to_target(explained_world):
    w = explained_world
    _Recorder.seen = []
    draws = bootstrap_probabilities(
        _Recorder, w.Xtr, w.ytr, w.now, n_boot=5, seed=1, to_target=lambda p, X: p / 2
    )
    assert draws.shape == (5, len(w.now))
    codes = w.Xtr.index.get_level_values("council_code")
    rows_per_council = pd.Series(codes).value_counts()
    for index in _Recorder.seen:
        drawn = pd.Series(index.get_level_values("council_code"))
        assert drawn.nunique() == codes.nunique()  # as many clusters as councils
        original = drawn.str.split("~b").str[0]
        per_cluster = drawn.value_counts()
        # every drawn cluster carries all of its council's training rows
        assert (
            per_cluster.to_numpy()
            == rows_per_council[original.groupby(drawn).first()[per_cluster.index]].to_numpy()
        ).all()
    assert (draws <= 0.5).all() and draws.std() > 0  # to_target applied; rates vary by draw


def test_refits_draw_the_councils_of_the_one_cluster_sampler(explained_world):
    """The refits' councils are the draws of earlywarn.metrics.ClusterSampler for the seed
    (the sampler the metric intervals use), in order."""
    from earlywarn.metrics import ClusterSampler

    w = explained_world
    _Recorder.seen = []
    bootstrap_probabilities(_Recorder, w.Xtr, w.ytr, w.now, n_boot=4, seed=7)
    sampler = ClusterSampler(w.Xtr.index.get_level_values("council_code"))
    rng = np.random.default_rng(7)
    y = np.asarray(w.ytr)
    expected = []
    while len(expected) < 4:
        pick = sampler.pick(rng)
        if len(np.unique(y[sampler.rows(pick)])) == 2:  # one-class draws are redrawn
            expected.append(pick)
    assert len(_Recorder.seen) == 4
    for index, pick in zip(_Recorder.seen, expected, strict=True):
        drawn = index.get_level_values("council_code").str.split("~b").str[0]
        rows = sampler.rows(pick)
        assert list(drawn) == list(w.Xtr.index.get_level_values("council_code")[rows])


@pytest.mark.parametrize("backend", ["loky", "dask"])
def test_two_workers_give_the_serial_interval(explained_world, backend):
    """The refits on 2 loky processes, or on a 2-worker dask LocalCluster on loopback
    (started and stopped here), give the serial interval exactly."""
    from types import SimpleNamespace

    w = explained_world
    serial = council_bootstrap_interval(_logit, w.Xtr, w.ytr, w.now, n_boot=6, seed=5)
    two = SimpleNamespace(backend=backend, n_jobs=2, scheduler="", connect_timeout=10.0)
    parallel = council_bootstrap_interval(
        _logit, w.Xtr, w.ytr, w.now, n_boot=6, seed=5, compute=two
    )
    pd.testing.assert_frame_equal(parallel, serial, check_exact=True)
    assert _width(serial).gt(0).all()

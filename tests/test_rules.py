"""Each rule has one owner function, used everywhere: the closed label window, the
population, the tracking-store error test. These check the owners and that the stages
that apply the rule agree with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn.backtest import rolling_origin_splits
from earlywarn.labels import in_population
from earlywarn.panel import closed_origins, window_closed
from earlywarn.tracking import is_store_error

ORIGINS = [pd.Timestamp(f"{y}-03-31") for y in range(2012, 2022)]


def test_a_window_closes_on_its_last_day_not_before():
    o = pd.Timestamp("2019-03-31")
    assert window_closed(o, 24, pd.Timestamp("2021-03-31"))
    assert not window_closed(o, 24, pd.Timestamp("2021-03-30"))
    assert window_closed(o, 12, pd.Timestamp("2020-03-31"))


def test_the_array_form_is_the_scalar_rule_element_by_element():
    t = pd.Timestamp("2018-06-30")
    many = window_closed(pd.Series(ORIGINS), 24, t)
    assert many.tolist() == [window_closed(o, 24, t) for o in ORIGINS]
    assert closed_origins(ORIGINS, t, 24) == [o for o, c in zip(ORIGINS, many, strict=True) if c]


@pytest.mark.parametrize("horizon", [12, 24, 36])
def test_every_training_origin_of_a_split_has_a_closed_window(horizon):
    for split in rolling_origin_splits(ORIGINS, ORIGINS, horizon):
        assert all(window_closed(o, horizon, split.test_origin) for o in split.train_origins)
        later = [o for o in ORIGINS if o not in split.train_origins and o < split.test_origin]
        assert not any(window_closed(o, horizon, split.test_origin) for o in later)


def test_the_population_rule():
    rng = np.random.default_rng(0)
    lab = pd.DataFrame(
        {"failed_at_origin": rng.random(200) < 0.2, "censored": rng.random(200) < 0.5}
    )
    everyone = in_population(lab, new_failures_only=False)
    assert everyone.all()
    new = in_population(lab, new_failures_only=True)
    assert (new == ~lab["failed_at_origin"].to_numpy()).all()
    seen = in_population(lab, new_failures_only=True, uncensored=True)
    assert (seen == (new & ~lab["censored"].to_numpy())).all()
    assert 0 < seen.sum() < new.sum() < len(lab)


def test_a_store_error_is_told_from_a_bug():
    from mlflow.exceptions import MlflowException, RestException

    assert is_store_error(MlflowException("store gone"))
    assert is_store_error(RestException({"error_code": "INTERNAL_ERROR", "message": "x"}))
    assert is_store_error(OSError("disk"))
    assert not is_store_error(KeyError("a bug"))
    assert not is_store_error(ValueError("a bug"))


@pytest.mark.parametrize("timing", ["features", "hazard"])
def test_the_published_list_uses_the_one_timing_fit(explained_world, timing):
    """``final_training``'s target map carries the timing model ``fit_timing`` fits for
    ``evaluate.timing``: the same probabilities of inspection, not a second recipe."""
    from earlywarn.backtest import EvaluationSettings, final_training, fit_timing
    from earlywarn.labels import make_labels

    w = explained_world
    as_of = pd.Timestamp("2020-03-31")
    origins = sorted(w.features.X.index.get_level_values("origin").unique())
    train = closed_origins(origins, as_of, 24)
    s = EvaluationSettings(24, ("inadequate",), censoring="weight", timing=timing)
    fit = final_training(w.features.X, w.tables.events, train, as_of, s)
    Xtr = w.features.X[w.features.X.index.get_level_values("origin").isin(train)]
    lab = make_labels(w.tables.events, Xtr.index, 24, ("inadequate",), known_at=as_of)
    again = fit_timing(timing, w.tables.events, Xtr, lab, as_of, s)
    assert np.allclose(fit.to_target.timing(w.now), again(w.now))
    assert not np.allclose(again(w.now), again(w.now).mean())  # a real model, not a constant
    with pytest.raises(ValueError, match="unknown timing model"):
        fit_timing("coin", w.tables.events, Xtr, lab, as_of, s)

"""evaluate.first_origin, the training start: the cycle trains, tests and scores only from
it (features still built from the history before it), an unset key changes nothing (nor
the settings hash), and a first origin that leaves too few origins is one line."""

from __future__ import annotations

import pandas as pd
import pytest

from earlywarn.backtest import settings_hash
from earlywarn.config import parse_config
from earlywarn.errors import UserInputError


def _cfg(small: dict, **evaluate) -> object:
    return parse_config({**small, "evaluate": {**small["evaluate"], **evaluate}})


def test_an_unset_first_origin_keeps_the_hash(small_config_dict):
    assert settings_hash(_cfg(small_config_dict)) == settings_hash(
        _cfg(small_config_dict, first_origin="")
    )
    assert settings_hash(_cfg(small_config_dict)) != settings_hash(
        _cfg(small_config_dict, first_origin="2014-03-31")
    )


def test_a_first_origin_that_is_not_a_date_is_named(small_config_dict):
    with pytest.raises(UserInputError, match="evaluate.first_origin 'spring' is not a date"):
        _cfg(small_config_dict, first_origin="spring")


def test_the_cycle_trains_and_tests_from_the_first_origin(small_config_dict, small_data):
    from earlywarn.cycle import prepare, protocol_splits

    data = (small_data.tables, small_data.true_risk, {})
    full = prepare(_cfg(small_config_dict), data)
    cut = prepare(_cfg(small_config_dict, first_origin="2014-03-31"), data)
    first = pd.Timestamp("2014-03-31")
    assert min(full.origins) < first and min(cut.origins) == first
    assert max(cut.origins) == max(full.origins)  # the scored origin is unchanged
    assert min(cut.training_origins(_cfg(small_config_dict))) == first
    splits, _ = protocol_splits(_cfg(small_config_dict), cut.origins)
    assert splits and all(min(s.train_origins) >= first for s in splits)
    # the features at the first origin still see the history before it (same values)
    at = cut.X.index.get_level_values("origin") == first
    pd.testing.assert_frame_equal(
        cut.X[at], full.X[full.X.index.get_level_values("origin") == first]
    )


def test_a_first_origin_leaving_too_few_origins_is_one_line(small_config_dict, small_data):
    from earlywarn.cycle import prepare

    data = (small_data.tables, small_data.true_risk, {})
    with pytest.raises(UserInputError, match="evaluate.first_origin 2020-03-31 leaves 1 of the"):
        prepare(_cfg(small_config_dict, first_origin="2020-03-31"), data)

"""The coverage rule: a feature a model would use is observed for features.min_coverage of
the training rows and of the councils scored, or the cycle stops in one line (or drops it
and says so). Checked on a synthetic world whose finance notices source starts late."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn.config import parse_config
from earlywarn.cycle import prepare
from earlywarn.errors import UserInputError
from earlywarn.features import coverage_table, uncovered_features


def _cfg(small_config_dict, **features):
    raw = {**small_config_dict, "features": features}
    return parse_config(raw)


def test_the_table_is_the_share_observed_per_origin(explained_world):
    X = explained_world.features.X
    table = coverage_table(X)
    origin = X.index.get_level_values("origin")
    some = X.columns[0]
    first = sorted(origin.unique())[0]
    assert table.loc[some, first] == pytest.approx(X.loc[origin == first, some].notna().mean())
    assert ((table >= 0) & (table <= 1)).all().all()


def test_a_feature_missing_at_the_scored_origin_is_found():
    idx = pd.MultiIndex.from_product(
        [list("abcd"), pd.to_datetime(["2018-03-31", "2019-03-31", "2020-03-31"])],
        names=["council_code", "origin"],
    )
    X = pd.DataFrame({"ok": 1.0, "stops": 1.0, "starts": np.nan}, index=idx)
    last = pd.Timestamp("2020-03-31")
    X.loc[X.index.get_level_values("origin") == last, "stops"] = np.nan
    X.loc[X.index.get_level_values("origin") == last, "starts"] = 1.0
    train = pd.to_datetime(["2018-03-31", "2019-03-31"])
    found = uncovered_features(X, X.columns, train, last, 0.5)
    assert set(found) == {"stops", "starts"}
    assert found["stops"][0].startswith("the scored origin") and found["stops"][1] == 0.0
    assert found["starts"] == ("the training origins", 0.0)
    assert uncovered_features(X, ["ok"], train, last, 0.5) == {}


def test_a_cycle_stops_in_one_line_or_drops_and_says_so(small_data, small_config_dict):
    data = (small_data.tables, small_data.true_risk, {})
    off = prepare(_cfg(small_config_dict), data)  # the rule off (default): every feature
    table = coverage_table(off.X)
    origins = sorted(off.X.index.get_level_values("origin").unique())
    pooled = off.X.loc[off.X.index.get_level_values("origin") <= origins[-3]].notna().mean()
    short = sorted(c for c in pooled.index if pooled[c] < 0.9 and not c.startswith("years_since"))
    assert short, "the small world has a source that starts late"
    with pytest.raises(UserInputError) as err:
        prepare(_cfg(small_config_dict, min_coverage=0.9), data)
    msg = str(err.value)
    assert "\n" not in msg and "features.min_coverage" in msg and short[0] in msg
    dropped = prepare(_cfg(small_config_dict, min_coverage=0.9, uncovered="drop"), data)
    assert set(short) <= set(off.X.columns) - set(dropped.X.columns)
    assert any("dropped" in w and short[0] in w for w in dropped.warnings)
    assert set(dropped.features.specs) == set(dropped.X.columns)
    assert table.shape[0] == off.X.shape[1]


@pytest.mark.parametrize(
    ("key", "value"), [("min_coverage", 1.5), ("min_coverage", "half"), ("uncovered", "skip")]
)
def test_bad_coverage_settings_name_the_key(small_config_dict, key, value):
    with pytest.raises(UserInputError, match=f"features.{key}"):
        _cfg(small_config_dict, **{key: value})


def test_a_source_gated_time_since_feature_is_held_to_the_rule(small_data, small_config_dict):
    """Review item 4: ``months_since_visit`` is missing for every council before the visit
    tables start (gated by the source's window), so it is checked like any other feature,
    dropped here (the planted visits start in 2017) and in the coverage record; the time
    since an inspection (missing only where there was none yet) stays exempt."""
    from dataclasses import replace

    from earlywarn.features import coverage_exempt

    t = small_data.tables
    codes = sorted(t.events["council_code"].unique())
    visits = pd.DataFrame(
        {
            "council_code": codes,
            "date": pd.Timestamp("2017-05-01") + pd.to_timedelta(np.arange(len(codes)) * 9, "D"),
            "event_type": "ofsted_visit",
            "service": "childrens_services",
            "severity": 0,
            "source": "planted",
            "framework": "monitoring visit",
        }
    )
    events = pd.concat([t.events, visits], ignore_index=True)
    data = (replace(t, events=events), small_data.true_risk, {})
    prep = prepare(_cfg(small_config_dict, min_coverage=0.9, uncovered="drop"), data)
    assert prep.features.specs.get("months_since_visit") is None  # dropped
    assert "months_since_visit" in prep.coverage["dropped"]
    assert "months_since_visit" in prep.coverage["features"]
    off = prepare(_cfg(small_config_dict), data)
    exempt = coverage_exempt(off.features.specs)
    assert "months_since_visit" not in exempt and off.features.specs["months_since_visit"].gated
    since = [n for n in exempt if n.startswith("years_since")]
    assert since and not set(since) & set(prep.coverage["features"])

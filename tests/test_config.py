"""The cycle config: unknown keys, bad values and missing files give one clear line."""

from __future__ import annotations

import pytest

from earlywarn.config import load_config, parse_config, parse_horizon
from earlywarn.errors import UserInputError


@pytest.mark.parametrize(("text", "months"), [("24M", 24), ("2Y", 24), ("18m", 18), (" 1y ", 12)])
def test_parse_horizon(text, months):
    assert parse_horizon(text) == months


@pytest.mark.parametrize("text", ["", "24", "two years", "0M", "24D", "-3M"])
def test_bad_horizon_names_the_problem(text):
    with pytest.raises(UserInputError, match="horizon"):
        parse_horizon(text)


def test_demo_config_parses(tmp_path):
    from earlywarn.io import project_root

    cfg = load_config(project_root() / "experiments" / "demo" / "cycle.toml")
    assert cfg.cycle == "demo"
    assert cfg.horizon_months == 24
    assert "gbm" in cfg.models.kinds


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"cycle": "x", "as_of": "2020-03-31", "horizn": "24M"}, "unknown key 'horizn'"),
        ({"cycle": "x", "as_of": "2020-03-31", "data": {"sorce": "x"}}, "unknown key 'sorce'"),
        ({"cycle": "x", "as_of": "not a date"}, "as_of"),
        ({"cycle": "x", "as_of": "2020-03-31", "horizon": "soon"}, "horizon"),
        (
            {"cycle": "x", "as_of": "2020-03-31", "models": {"kinds": ["xgb"]}},
            "unknown model 'xgb'",
        ),
        ({"cycle": "x", "as_of": "2020-03-31", "seed": "1"}, "seed"),
        ({"as_of": "2020-03-31"}, "missing key 'cycle'"),
        ({"cycle": "x", "as_of": "2020-03-31", "labels": {"censoring": "ignore"}}, "censoring"),
        ({"cycle": "x", "as_of": "2020-03-31", "features": {"families": ["vibes"]}}, "vibes"),
    ],
)
def test_bad_config_is_one_line(raw, needle):
    with pytest.raises(UserInputError) as err:
        parse_config(raw, where="cycle.toml")
    msg = str(err.value)
    assert needle in msg
    assert msg.startswith("cycle.toml")
    assert "\n" not in msg


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(UserInputError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("cycle = [unclosed\n")
    with pytest.raises(UserInputError, match="not valid TOML"):
        load_config(bad)


@pytest.mark.parametrize(
    ("section", "values", "message"),
    [
        ("labels", {"frameworks": "some"}, "labels.frameworks 'some' is unknown"),
        ("evaluate", {"held_out_origins": ["2019-03-31"]}, "validation_origins is empty"),
        ("evaluate", {"preregistration": "P.md"}, "preregistration is set but"),
        (
            "evaluate",
            {"selection_origins": ["2019-03-31"], "held_out_origins": ["2018-03-31"]},
            "seen_origins must all come after",
        ),
        ("evaluate", {"selection_origins": ["soon"]}, "validation_origins 'soon' is not a date"),
        ("evaluate", {"validation_origins": ["soon"]}, "validation_origins 'soon' is not a date"),
    ],
)
def test_protocol_and_label_keys_are_checked(section, values, message):
    from earlywarn.config import parse_config

    raw = {"cycle": "t", "as_of": "2020-03-31", section: values}
    with pytest.raises(UserInputError, match=message):
        parse_config(raw)

"""experiments/real-2026: the next vintage's pre-registration, written before its
confirmatory data exist. Its PREREGISTRATION.md hash is cycle.toml's; the validation config
has the same settings but for as_of; the confirmatory origins 2024 and 2025 are refused
today (as_of after today), on the data in hand (windows not closed by as_of 2025) and on a
panel that ends before their windows close. Reads configs only: nothing is scored."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.backtest import (
    check_preregistered,
    read_preregistration,
    read_protocol_log,
    settings_hash,
)
from earlywarn.config import load_config
from earlywarn.cycle import DATA_REACH_SLACK, data_reach, protocol_splits
from earlywarn.errors import UserInputError
from earlywarn.schema import Tables

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "experiments" / "real-2026"
CONFIRMATORY = ("2024-03-31", "2025-03-31")


def _origins(last: int) -> list[pd.Timestamp]:
    return [pd.Timestamp(f"{y}-03-31") for y in range(2016, last + 1)]


def test_the_preregistered_hash_is_cycle_toml_s_and_the_validation_config_differs_by_as_of():
    cfg = load_config(HERE / "cycle.toml")
    pre = read_preregistration(HERE / "PREREGISTRATION.md")
    assert pre.settings_hash == settings_hash(cfg)
    assert pre.confirmatory_origins == CONFIRMATORY and pre.model in cfg.models.kinds
    assert pre.reference in cfg.evaluate.baselines and pre.target == cfg.labels.target
    assert sorted(pre.features) == sorted(cfg.features.families)
    assert f'settings_hash = "{settings_hash(cfg)}"' in (HERE / "PREREGISTRATION.md").read_text()
    valid = load_config(HERE / "cycle-validation.toml")
    assert valid.evaluate.preregistration == "" and valid.as_of == "2025-03-31"
    assert settings_hash(dataclasses.replace(valid, as_of=cfg.as_of)) == pre.settings_hash
    # the frozen neighbours file is covered by the hash above (hashed by content), not by
    # equality with the bundled one, which a later bundle rebuild may change


def test_the_validation_origins_are_seen_and_the_confirmatory_ones_never_looked_at():
    cfg = load_config(HERE / "cycle.toml")
    real_2025 = load_config(ROOT / "experiments/real-2025/cycle.toml")
    pre_2025 = read_preregistration(ROOT / "experiments/real-2025/PREREGISTRATION.md")
    valid = set(cfg.evaluate.validation_origins)
    assert valid <= set(real_2025.evaluate.validation_origins)  # validation (seen)
    assert not valid & set(pre_2025.confirmatory_origins)
    assert max(pre_2025.confirmatory_origins) < min(CONFIRMATORY)
    assert cfg.evaluate.first_origin == "2016-03-31"
    assert read_protocol_log(HERE / "PROTOCOL_LOG.jsonl") == []  # never scored


@pytest.mark.skipif(
    dt.date.today() >= dt.date(2027, 3, 31), reason="the confirmatory windows have closed"
)
def test_the_confirmatory_cycle_is_refused_today_before_any_work():
    with pytest.raises(UserInputError, match=r"as_of 2027-03-31 is after today"):
        check_preregistered(load_config(HERE / "cycle.toml"))


def test_on_the_data_in_hand_the_confirmatory_windows_are_not_closed():
    cfg = load_config(HERE / "cycle.toml")
    pre = read_preregistration(HERE / "PREREGISTRATION.md")
    in_hand = dataclasses.replace(cfg, as_of="2025-03-31")
    with pytest.raises(UserInputError, match="'2024-03-31' is not an origin whose window closed"):
        protocol_splits(in_hand, _origins(2025), pre)
    # as_of 2027 on a panel that ends in March 2025: refused, nothing scored
    with pytest.raises(
        UserInputError, match="closes on 2026-03-31, but the label's events end on 2025-03-31"
    ):
        protocol_splits(cfg, _origins(2027), pre, pd.Timestamp("2025-03-31"))
    # on data published to March 2027 both are scored, trained from 2016
    splits, held = protocol_splits(cfg, _origins(2027), pre, pd.Timestamp("2027-03-31"))
    assert [s.test_origin.year for s in splits] == [2018, 2019, 2020, 2021]
    assert [s.test_origin.year for s in held] == [2024, 2025]
    assert min(held[1].train_origins).year == 2016 and max(held[1].train_origins).year == 2023


def test_the_data_reach_rule_leaves_real_2025_scorable():
    cfg = load_config(ROOT / "experiments/real-2025/cycle.toml")
    pre = check_preregistered(cfg)
    origins = [pd.Timestamp(f"{y}-03-31") for y in range(2011, 2026)]
    _, held = protocol_splits(cfg, origins, pre, pd.Timestamp("2025-03-31"))
    assert [s.test_origin.year for s in held] == [2022, 2023]


def _tables(events_to: str, observations_to: str) -> Tables:
    """Inspections (the label's events) published to ``events_to``; an observation and an
    event the label does not read (a leadership change) published to ``observations_to``."""
    ev = pd.DataFrame(
        {
            "council_code": ["E06000001", "E06000002", "E06000001"],
            "date": pd.to_datetime(["2024-05-01", events_to, observations_to]),
            "event_type": ["inspection", "inspection", "leadership_change"],
            "service": "childrens_services",
            "severity": [2.0, 4.0, None],
            "source": "x",
        }
    )
    ev["published"] = ev["date"]
    obs = pd.DataFrame(
        {
            "council_code": ["E06000001"],
            "period": pd.to_datetime(["2026-12-31"]),
            "measure": ["m"],
            "value": [1.0],
            "published": pd.to_datetime([observations_to]),
        }
    )
    return Tables(councils=pd.DataFrame(), observations=obs, events=ev)


def test_the_data_end_is_the_label_s_events_not_a_later_observation():
    cfg = load_config(HERE / "cycle.toml")
    pre = read_preregistration(HERE / "PREREGISTRATION.md")
    kinds = tuple(cfg.labels.events)
    # observations and a leadership change reach March 2027; the inspections stop in
    # January 2027: the 2025 window (to 2027-03-31) is not observed, so it is refused
    late = _tables("2027-01-15", "2027-03-31")
    assert data_reach(late, kinds) == pd.Timestamp("2027-01-15")
    with pytest.raises(UserInputError, match="closes on 2027-03-31, but the label's events end"):
        protocol_splits(cfg, _origins(2027), pre, data_reach(late, kinds))
    # the slack is 45 days after the label's last event, not a quarter: inspections to
    # 46 days before the window end are refused
    short = _tables("2027-02-13", "2027-03-31")
    assert pd.Timestamp("2027-03-31") - pd.Timestamp(
        "2027-02-13"
    ) == DATA_REACH_SLACK + pd.Timedelta(days=1)
    with pytest.raises(UserInputError, match="but the label's events end on 2027-02-13"):
        protocol_splits(cfg, _origins(2027), pre, data_reach(short, kinds))
    # the last inspection 13 days before the window end (as in real-2025's bundle): scored
    _, held = protocol_splits(
        cfg, _origins(2027), pre, data_reach(_tables("2027-03-18", "2027-03-31"), kinds)
    )
    assert [s.test_origin.year for s in held] == [2024, 2025]
    # inspections to the window end: both confirmatory origins are scored
    full = _tables("2027-03-31", "2027-03-31")
    _, held = protocol_splits(cfg, _origins(2027), pre, data_reach(full, kinds))
    assert [s.test_origin.year for s in held] == [2024, 2025]
    # a finance label reads its own events, not the inspections
    assert pd.isna(data_reach(full, ("financial_failure",)))

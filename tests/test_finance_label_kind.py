"""Label kind ``financial_failure`` in the package's label machinery (make_labels, the
population rule, the backtest's splits and the config checks): one owner, the interval rule
of ``earlywarn.labels.financial_failure_labels``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn._names import LABEL_EVENTS
from earlywarn.backtest import Split, split_rows
from earlywarn.labels import failure_events, in_population, make_labels

ORIGINS = pd.to_datetime(["2019-03-31", "2020-03-31", "2021-03-31", "2022-03-31"])


def _events() -> pd.DataFrame:
    """A planted schedule in the core tables' form (event type ``financial_notice``)."""
    rows = [
        # A: a first failure known to the day in the 2020 window, then a repeat in 2021's
        ("A", "2020-11-11", None),
        ("A", "2021-12-15", None),
        # B: known only to an interval that straddles the 2020-03-31 origin
        ("B", "2020-04-15", "2020-03-15"),
        # C: an "on or before" row whose interval lies wholly in the 2021 window
        ("C", "2022-02-28", "2021-04-01"),
        # D: an interval across the end of the 2021 window (31 March 2022)
        ("D", "2022-04-30", "2022-03-01"),
    ]
    return pd.DataFrame(
        {
            "council_code": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "date_earliest": pd.to_datetime([r[2] for r in rows]),
            "event_type": "financial_notice",
            "service": "finance",
            "severity": 1.0,
            "source": "planted",
        }
    )


def _index() -> pd.MultiIndex:
    return pd.MultiIndex.from_product([list("ABCDE"), ORIGINS], names=["council_code", "origin"])


def test_financial_failure_is_a_label_kind():
    assert "financial_failure" in LABEL_EVENTS


def test_make_labels_uses_the_interval_rule_on_a_planted_schedule():
    lab = make_labels(_events(), _index(), 12, ("financial_failure",))
    o19, o20, o21, o22 = ORIGINS
    # A: new failure at 2020, a repeat at 2021 (failed at origin) that fails again
    assert lab.loc[("A", o20), ["label", "failed_at_origin", "ambiguous"]].tolist() == [
        1,
        False,
        False,
    ]
    assert lab.loc[("A", o21), ["label", "failed_at_origin"]].tolist() == [1, True]
    assert lab.loc[("A", o20), "failure_date"] == pd.Timestamp("2020-11-11")
    # B: its month straddles 2020-03-31: ambiguous at 2019 (window end) and at 2020 (origin)
    assert lab.loc[("B", o19), "ambiguous"] and lab.loc[("B", o20), "ambiguous"]
    assert lab.loc[("B", o19), "label"] == 0  # never a positive on an unsure date
    # C: wholly inside (2021-03-31, 2022-03-31]: a new failure at 2021, not before
    assert lab.loc[("C", o21), ["label", "ambiguous"]].tolist() == [1, False]
    assert lab.loc[("C", o20), ["label", "ambiguous"]].tolist() == [0, False]
    # D: across the 2021 window's end: censored there, and straddles origin 2022
    assert lab.loc[("D", o21), "ambiguous"] and lab.loc[("D", o22), "ambiguous"]
    assert lab.loc[("D", o20), ["label", "ambiguous"]].tolist() == [0, False]
    # E: nothing
    assert not lab.xs("E", level="council_code")[["label", "ambiguous"]].to_numpy().any()
    # a financial failure is announced: nobody has to look, nothing is censored by inspection
    assert lab["inspected"].all()
    assert lab["censored"].equals(lab["ambiguous"])


def test_latest_day_label_would_differ():
    """The old generic label (``financial_notice``, latest day) counts B as a new failure
    at 2020: the kind changes the answer, so this test can fail."""
    old = make_labels(_events(), _index(), 12, ("financial_notice",))
    new = make_labels(_events(), _index(), 12, ("financial_failure",))
    o20 = ORIGINS[1]
    assert old.loc[("B", o20), "label"] == 1 and not old.loc[("B", o20), "ambiguous"]
    assert new.loc[("B", o20), "label"] == 0 and new.loc[("B", o20), "ambiguous"]
    assert not old["ambiguous"].any()


def test_population_leaves_out_ambiguous_rows_and_repeats():
    lab = make_labels(_events(), _index(), 12, ("financial_failure",))
    keep = in_population(lab, new_failures_only=True)
    kept = lab[keep]
    assert not kept["ambiguous"].any() and not kept["failed_at_origin"].any()
    # repeats stay in when new_failures_only is off; ambiguous rows never do
    all_rows = lab[in_population(lab, new_failures_only=False)]
    assert all_rows["failed_at_origin"].any() and not all_rows["ambiguous"].any()


def _planted_predictions() -> pd.DataFrame:
    """Saved predictions (the long table's columns) at two origins: the top-ranked council
    is a repeat (failed at its origin) that fails again; a new failure in each tier."""
    rows = []
    for origin in ORIGINS[1:3]:
        for code, p, y, repeat in [
            ("R", 0.9, 1, True),  # rank 1: a repeat failing again
            ("N", 0.8, 1, False),  # rank 2: a new failure
            ("S", 0.7, 1, True),  # rank 3: a repeat failing again
            ("T", 0.6, 0, False),
            ("U", 0.5, 1, False),  # rank 5: a new failure
            ("V", 0.4, 0, False),
            ("W", 0.3, 0, False),
            ("X", 0.2, 0, True),  # a repeat that does not fail again
        ]:
            rows.append((origin, code, p, y, repeat))
    out = pd.DataFrame(rows, columns=["origin", "council_code", "probability", "label", "rep"])
    return out.assign(
        model="logit",
        target="joint",
        label=out["label"].astype("Int64"),
        failed_at_origin=out.pop("rep"),
        censored=False,
    )


def test_gate_counts_only_the_evaluated_population():
    """The tiers' hit rates, the overall rate and the calibration slope are measured on the
    evaluation's population: with new failures only, a repeat's failure is not counted
    (it used to be: 7 failing rows against 4 new failures in the real finance cycle)."""
    from earlywarn.evaluation import probability_gate
    from earlywarn.metrics import calibration_slope_intercept

    pred = _planted_predictions()
    gate = probability_gate(pred, "logit", k=1, new_failures_only=True)
    tiers = {t["tier"]: t for t in gate["tiers"]}
    # tier 1 (rank 1) holds only the repeat: no council of the population
    assert tiers[1]["n_known"] == 0 and tiers[1]["hit_rate"] is None
    # tier 2 (ranks 2-3): N fails, S is a repeat; tier 3: U fails among T, U, V, W
    assert (tiers[2]["n_known"], tiers[2]["n_failing"], tiers[2]["hit_rate"]) == (2, 2, 1.0)
    assert (tiers[3]["n_known"], tiers[3]["n_failing"]) == (8, 2)
    assert gate["rate"] == pytest.approx(4 / 10)
    new = pred[~pred["failed_at_origin"]]
    slope = calibration_slope_intercept(new["label"].to_numpy(float), new["probability"])[0]
    assert gate["calibration_slope"] == pytest.approx(slope)
    # the ranks (so the tiers) are still among all councils, as on the published list
    assert tiers[2]["ranks"] == "ranks 2-3"
    # without new_failures_only (the children's-services default) repeats count, as before
    every = {t["tier"]: t for t in probability_gate(pred, "logit", k=1)["tiers"]}
    assert (every[1]["n_known"], every[1]["hit_rate"]) == (2, 1.0)
    assert every[2]["n_failing"] == 4


def test_known_at_uses_only_published_events():
    ev = _events().assign(published=pd.to_datetime("2023-01-01"))
    lab = make_labels(ev, _index(), 12, ("financial_failure",), known_at=pd.Timestamp("2022-03-31"))
    assert lab["label"].sum() == 0 and not lab["ambiguous"].any()


def test_failure_events_counts_both_event_types_and_drops_withdrawn():
    ev = pd.concat(
        [
            _events(),
            pd.DataFrame(
                {
                    "council_code": ["F", "G"],
                    "date": pd.to_datetime(["2020-06-01", "2020-06-01"]),
                    "event_type": "financial_failure",
                    "status": ["issued", "withdrawn"],
                }
            ),
        ],
        ignore_index=True,
    )
    got = failure_events(ev, ("financial_failure",))
    assert set(got["council_code"]) == {"A", "B", "C", "D", "F"}


def test_backtest_split_never_scores_an_ambiguous_row():
    ix = _index()
    X = pd.DataFrame({"x": np.arange(len(ix), dtype=float)}, index=ix)
    split = Split(ORIGINS[3], (ORIGINS[0], ORIGINS[1], ORIGINS[2]))
    _, lab_tr, Xte, lab_te = split_rows(X, _events(), split, 12, ("financial_failure",))
    assert ("D", ORIGINS[3]) not in Xte.index and not lab_te["ambiguous"].any()
    assert len(Xte) == 4
    # the training rows keep their flags: the population rule drops them
    assert lab_tr["ambiguous"].any()


def test_other_kinds_cannot_combine_with_it():
    with pytest.raises(ValueError, match="label of its own"):
        make_labels(_events(), _index(), 12, ("financial_failure", "inadequate"))


def test_config_check_names_the_key(tmp_path):
    from earlywarn.config import load_config
    from earlywarn.errors import UserInputError

    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'cycle = "x"\nas_of = "2025-03-31"\nhorizon = "12M"\n[data]\nsource = "synthetic"\n'
        '[labels]\nevents = ["financial_failure", "inadequate"]\n'
    )
    with pytest.raises(UserInputError, match="labels.events .*label of its own"):
        load_config(cfg)


def test_an_event_straddling_the_training_cut_makes_the_row_ambiguous_not_0():
    """Review item 12 (planted): S's EFS is known only to [2021-10-01, 2022-06-30] (made
    public on its own date) and the model is trained at 2022-03-31, where the 2021 window
    closes. The event may fall in that window: the row is ambiguous, never labelled 0.
    restrict_to_as_of keeps it for the label; features (asof_events) never see it before its
    latest day, and it does not carry the data's reach past as_of. An inspection (dated to
    the day) after the cut is still left out, exactly as before."""
    from earlywarn.cycle import data_reach
    from earlywarn.panel import asof_events, restrict_to_as_of, window_closed
    from earlywarn.schema import Tables

    cut = pd.Timestamp("2022-03-31")
    straddling = pd.DataFrame(
        {
            "council_code": ["S", "T"],
            "date": pd.to_datetime(["2022-06-30", "2022-05-10"]),
            "date_earliest": pd.to_datetime(["2021-10-01", None]),
            "published": pd.to_datetime(["2022-06-30", "2022-05-10"]),
            "event_type": ["financial_notice", "inspection"],
            "service": ["finance", "childrens_services"],
            "severity": [1, 4],
            "source": "planted",
        }
    )
    o21 = ORIGINS[2]
    assert window_closed(o21, 12, cut)
    ix = pd.MultiIndex.from_product([["S"], [o21]], names=["council_code", "origin"])
    lab = make_labels(straddling, ix, 12, ("financial_failure",), known_at=cut)
    assert lab.loc[("S", o21), "ambiguous"] and lab.loc[("S", o21), "label"] == 0
    assert not in_population(lab, new_failures_only=True).any()  # left out, not a 0
    # the children's path: dates to the day, the cut as before
    ix_t = pd.MultiIndex.from_product([["T"], [o21]], names=["council_code", "origin"])
    lab_t = make_labels(straddling, ix_t, 12, ("inadequate",), known_at=cut)
    assert lab_t.loc[("T", o21), "label"] == 0 and not lab_t["ambiguous"].any()
    obs = pd.DataFrame(
        {
            "council_code": ["S"],
            "period": [pd.Timestamp("2021-03-31")],
            "measure": ["m"],
            "value": [1.0],
            "published": [pd.Timestamp("2021-12-31")],
            "source": "planted",
        }
    )
    known = restrict_to_as_of(Tables(pd.DataFrame(), obs, straddling, {}), cut)
    assert known.events["council_code"].tolist() == ["S"]
    assert asof_events(known.events, cut).empty
    assert data_reach(known, ("financial_failure",)) <= cut

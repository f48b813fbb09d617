"""Label kind financial_failure on a planted schedule of events."""

from __future__ import annotations

import pandas as pd

from earlywarn.financial import financial_failure_labels
from earlywarn.sources.finance_events_dated import latest_possible_date


def _ev(code, date, status="in_principle_or_direction"):
    return {
        "council_code": code,
        "date": pd.Timestamp(date),
        "event_type": "financial_failure",
        "status": status,
    }


def test_planted_schedule_first_vs_repeat_and_withdrawn():
    ev = pd.DataFrame(
        [
            _ev("A", "2020-11-11"),  # first failure in the 2020 window
            _ev("A", "2021-12-15"),  # repeat: A failed within 5 years before 2021-03-31
            _ev("B", "2021-02-10", status="withdrawn"),  # not a failure by default
            _ev("C", "2014-05-01"),  # more than 5 years before 2020: C is new again
            _ev("C", "2020-04-01"),
            _ev("D", "2021-03-31"),  # on the window's last day: in it
            _ev("E", "2020-03-31"),  # on the origin: before the window, makes E a repeat
        ]
    )
    origins = pd.to_datetime(["2020-03-31", "2021-03-31", "2024-03-31"])
    ix = pd.MultiIndex.from_product([list("ABCDEF"), origins], names=["council_code", "origin"])
    lab = financial_failure_labels(ev, ix, as_of="2025-03-31")
    o20, o21, o24 = origins
    assert lab.loc[("A", o20), ["y", "population"]].tolist() == [1.0, "new"]
    assert lab.loc[("A", o21), ["y", "population"]].tolist() == [1.0, "repeat"]
    assert lab.loc[("B", o20), "y"] == 0.0
    assert lab.loc[("C", o20), ["y", "population"]].tolist() == [1.0, "new"]
    assert lab.loc[("D", o20), "y"] == 1.0
    assert lab.loc[("E", o20), ["y", "population"]].tolist() == [0.0, "repeat"]
    assert lab.loc[("F", o20), ["y", "population"]].tolist() == [0.0, "new"]
    assert lab.loc[("A", o20), "first_event_date"] == pd.Timestamp("2020-11-11")
    with_withdrawn = financial_failure_labels(ev, ix, as_of="2025-03-31", include_withdrawn=True)
    assert with_withdrawn.loc[("B", o20), "y"] == 1.0
    # the window of 2024-03-31 closes on 2025-03-31 (the vintage): not censored
    assert not lab.loc[("F", o24), "censored"]
    late = financial_failure_labels(ev, ix, as_of="2025-03-30")
    assert late.loc[("F", o24), "censored"] and pd.isna(late.loc[("F", o24), "y"])


def test_imprecise_dates_taken_at_latest_day_move_events_across_origins():
    """An event known only to a month falls after an origin inside that month."""
    day = latest_possible_date("2021-03-02", "approx_month", "planted")
    ub = latest_possible_date("2021-03-17", "upper_bound", "planted")
    ev = pd.DataFrame([_ev("A", day), _ev("B", ub)])
    ix = pd.MultiIndex.from_product(
        [["A", "B"], pd.to_datetime(["2020-03-20", "2021-03-20"])], names=["council_code", "origin"]
    )
    lab = financial_failure_labels(ev, ix, horizon_months=12)
    assert day == pd.Timestamp("2021-03-31")
    # A: dated 31 March 2021 -> after the 2021-03-20 origin, in its window
    assert lab.loc[("A", pd.Timestamp("2021-03-20")), "y"] == 1.0
    assert lab.loc[("A", pd.Timestamp("2020-03-20")), "y"] == 0.0
    # B: upper bound 17 March 2021 -> before the 2021-03-20 origin
    assert lab.loc[("B", pd.Timestamp("2020-03-20")), "y"] == 1.0
    assert lab.loc[("B", pd.Timestamp("2021-03-20")), "population"] == "repeat"

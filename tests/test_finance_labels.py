"""Label kind financial_failure on a planted schedule of events."""

from __future__ import annotations

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.financial import financial_failure_labels
from earlywarn.sources.finance_events_dated import earliest_possible_date, latest_possible_date


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


def _imprecise(code, text, precision, year_page=""):
    """An event row as the loader builds it from an imprecise announce_date."""
    return {
        **_ev(code, latest_possible_date(text, precision, "planted")),
        "date_earliest": earliest_possible_date(text, precision, year_page, "planted"),
    }


def test_imprecise_dates_are_intervals_and_straddling_rows_are_censored():
    """An imprecise date counts as a new failure only when its whole interval is in the
    window; an interval across the origin (or the window's end) censors the row."""
    ev = pd.DataFrame(
        [
            # on or before 29 Feb 2024, listed on the 2022-23 page: any day from 1 Apr 2021
            _imprecise("A", "2024-02-29", "upper_bound", "2022-23"),
            # on or before 17 Mar 2021, 2021-22 page: from 1 Apr 2020, surely in (2020-03-31, +12m]
            _imprecise("B", "2021-03-17", "upper_bound", "2021-22"),
            # known to March 2021 only: before or after a mid-March origin
            _imprecise("C", "2021-03-02", "month"),
            # a sure failure in the window, and an upper bound across the window's end
            _ev("D", "2020-06-01"),
            _imprecise("D", "2024-02-29", "upper_bound", "2021-22"),
            # a sure prior failure and an upper bound across the origin: still a repeat
            _ev("E", "2019-06-01"),
            _imprecise("E", "2024-02-29", "upper_bound", "2021-22"),
        ]
    )
    origins = pd.to_datetime(["2020-03-31", "2021-03-15", "2021-03-31", "2022-03-31", "2023-03-31"])
    o20, o21mid, o21, o22, o23 = origins
    ix = pd.MultiIndex.from_product([list("ABCDE"), origins], names=["council_code", "origin"])
    lab = financial_failure_labels(ev, ix, as_of="2025-03-31")

    def yp(code, o):
        y, pop, amb = lab.loc[(code, o), ["y", "population", "ambiguous"]]
        return (None if pd.isna(y) else y, pop, bool(amb))

    # A: [2021-04-01, 2024-02-29] straddles the 2022 and 2023 origins: censored there, not a
    # new failure at 2023-03-31 (the old latest-day label said y = 1, "new")
    assert yp("A", o22) == (None, "ambiguous", True)
    assert yp("A", o23) == (None, "ambiguous", True)
    # ... and cannot be in (2020-03-31, 2021-03-31]: a sure negative there
    assert yp("A", o20) == (0.0, "new", False)
    # B: the whole interval is in the 2020 window
    assert yp("B", o20) == (1.0, "new", False)
    assert lab.loc[("B", o20), "first_event_date"] == pd.Timestamp("2021-03-17")
    assert yp("B", o21) == (0.0, "repeat", False)
    # C: March 2021 straddles the 15 March origin: censored (the old label put it after)
    assert yp("C", o21mid) == (None, "ambiguous", True)
    # at 2020-03-31 its window ends 2021-03-31, after the whole month: a sure failure
    assert yp("C", o20) == (1.0, "new", False)
    assert yp("C", o21) == (0.0, "repeat", False)
    # D: a sure event in the window settles y despite the ambiguous later row
    assert yp("D", o20) == (1.0, "new", False)
    # E: a sure prior failure makes a repeat whatever the straddling row
    assert lab.loc[("E", o22), "population"] == "repeat"
    assert lab.loc[("E", o22), "prior_event_date"] == pd.Timestamp("2019-06-01")
    # without date_earliest every date is a day: no row is ambiguous
    plain = financial_failure_labels(ev.drop(columns="date_earliest"), ix, as_of="2025-03-31")
    assert not plain["ambiguous"].any()
    assert plain.loc[("A", o23), "y"] == 1.0


def test_earliest_and_latest_possible_days():
    assert latest_possible_date("2021-03-02", "approx_month", "p") == pd.Timestamp("2021-03-31")
    assert earliest_possible_date("2021-03-02", "approx_month", "", "p") == pd.Timestamp(
        "2021-03-01"
    )
    assert latest_possible_date("2021-03-17", "upper_bound", "p") == pd.Timestamp("2021-03-17")
    # a 2023-24 page row bounded by 29 Feb 2024 may be an in-principle decision of 2022-23
    assert earliest_possible_date("2024-02-29", "upper_bound", "2023-24", "p") == pd.Timestamp(
        "2022-04-01"
    )
    with pytest.raises(UserInputError, match="year_page"):
        earliest_possible_date("2021-03-17", "upper_bound", "", "p")
    assert earliest_possible_date("2021-03-17", "day", "2020-21", "p") == pd.Timestamp("2021-03-17")
    with pytest.raises(UserInputError, match="year_page"):
        earliest_possible_date("2021-03-17", "upper_bound", "next year", "p")

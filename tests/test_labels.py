"""Labels on hand-made events: windows, censoring, event kinds, what was known when."""

from __future__ import annotations

import pandas as pd

from earlywarn.labels import make_labels

T = pd.Timestamp


def _events(rows):
    return pd.DataFrame(
        rows, columns=["council_code", "date", "event_type", "service", "severity", "source"]
    ).assign(date=lambda d: pd.to_datetime(d["date"]))


EV = _events(
    [
        ("E06900001", "2016-05-01", "inspection", "childrens_services", 4, "x"),  # fail in window
        ("E06900002", "2016-05-01", "inspection", "childrens_services", 2, "x"),  # inspected, ok
        ("E06900003", "2017-03-31", "inspection", "childrens_services", 4, "x"),  # on window end
        ("E06900004", "2017-04-01", "inspection", "childrens_services", 4, "x"),  # after window
        ("E06900005", "2015-03-31", "inspection", "childrens_services", 4, "x"),  # at origin
        ("E06900006", "2016-01-01", "financial_notice", "finance", 1, "x"),
    ]
)
IDX = pd.MultiIndex.from_product(
    [[f"E0690000{i}" for i in range(1, 7)], [T("2015-03-31")]], names=["council_code", "origin"]
)


def test_window_is_open_closed_and_censoring_is_flagged():
    lab = make_labels(EV, IDX, horizon_months=24)
    assert lab["label"].tolist() == [1, 0, 1, 0, 0, 0]
    assert lab["inspected"].tolist() == [True, True, True, False, False, False]
    assert lab["censored"].tolist() == [False, False, False, True, True, True]
    assert lab["window_end"].iloc[0] == T("2017-03-31")
    assert lab["failure_date"].iloc[0] == T("2016-05-01")


def test_other_event_kinds_are_never_censored():
    lab = make_labels(EV, IDX, 24, kinds=("financial_notice",))
    assert lab["label"].tolist() == [0, 0, 0, 0, 0, 1]
    assert not lab["censored"].any()
    lab = make_labels(EV, IDX, 24, kinds=("inadequate", "financial_notice"))
    assert lab["label"].tolist() == [1, 0, 1, 0, 0, 1]


def test_requires_improvement_or_worse():
    ev = EV.copy()
    ev.loc[1, "severity"] = 3
    lab = make_labels(ev, IDX, 24, kinds=("requires_improvement_or_worse",))
    assert lab["label"].tolist()[:2] == [1, 1]


def test_known_at_hides_events_not_yet_published():
    ev = EV.assign(published=EV["date"] + pd.Timedelta(days=60))
    seen = make_labels(ev, IDX, 24, known_at=T("2017-03-31"))
    # council 3 failed on the window's last day but the report was not out by then
    assert seen["label"].tolist() == [1, 0, 0, 0, 0, 0]
    assert make_labels(ev, IDX, 24)["label"].iloc[2] == 1


def test_failed_at_origin_for_new_failures_only():
    ev = _events(
        [
            ("E06900001", "2014-06-01", "inspection", "childrens_services", 4, "x"),  # failed
            ("E06900002", "2013-01-01", "inspection", "childrens_services", 4, "x"),
            ("E06900002", "2014-09-01", "inspection", "childrens_services", 2, "x"),  # recovered
            ("E06900003", "2015-04-01", "inspection", "childrens_services", 4, "x"),  # after
            ("E06900006", "2014-01-01", "financial_notice", "finance", 1, "x"),
        ]
    )
    lab = make_labels(ev, IDX, 24)
    assert lab["failed_at_origin"].tolist() == [True, False, False, False, False, False]
    lab = make_labels(ev, IDX, 24, kinds=("financial_notice",))
    assert lab["failed_at_origin"].tolist() == [False] * 5 + [True]


def test_only_overall_judgements_count_by_default():
    """A thematic re-inspection graded 'inadequate' is no failure unless asked for."""
    from earlywarn.labels import label_events

    ev = pd.DataFrame(
        {
            "council_code": ["E06900001", "E06900001"],
            "date": pd.to_datetime(["2016-05-01", "2017-01-10"]),
            "event_type": ["inspection", "inspection"],
            "service": ["childrens_services"] * 2,
            "severity": [2.0, 4.0],
            "source": ["x", "x"],
            "headline": [True, False],
        }
    )
    idx = pd.MultiIndex.from_tuples(
        [("E06900001", pd.Timestamp("2015-03-31"))], names=["council_code", "origin"]
    )
    overall = make_labels(label_events(ev), idx, horizon_months=24)
    every = make_labels(label_events(ev, "all"), idx, horizon_months=24)
    assert overall["label"].iloc[0] == 0 and every["label"].iloc[0] == 1
    assert label_events(ev.drop(columns="headline")).shape[0] == 2  # no column: all overall

"""Event counts are missing, not 0, where their source does not cover the look-back.

Planted sources: leadership changes that stop (as the report PDFs' "in post since" dates
stop in 2018) and Ofsted visits that start (the visit tables begin in April 2021).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.features import build_features
from earlywarn.panel import build_panel
from earlywarn.schema import Tables

CODES = ["E06000001", "E06000002", "E06000003", "E06000004"]


def _tables(events: pd.DataFrame) -> Tables:
    councils = pd.DataFrame(
        {
            "council_code": CODES,
            "council_name": [f"C{i}" for i in range(len(CODES))],
            "council_type": "unitary",
            "region": "North East",
            "valid_from": pd.NaT,
            "valid_to": pd.NaT,
            "successor_code": None,
        }
    )
    obs = pd.DataFrame(columns=["council_code", "period", "measure", "value", "published"])
    obs = obs.astype({"period": "datetime64[ns]", "published": "datetime64[ns]", "value": float})
    return Tables(councils, obs, events)


def _features(events: pd.DataFrame, origins: list[str], family: str) -> pd.DataFrame:
    tables = _tables(events)
    return build_features(tables, build_panel(tables, origins), (family,)).X


def _at(X: pd.DataFrame, code: str, origin: str) -> pd.Series:
    return X.loc[(code, pd.Timestamp(origin))]


def test_leadership_counts_missing_once_their_source_stops():
    # three councils' directors change every four months from 2010 to the end of 2016
    dates = pd.date_range("2010-01-15", "2016-12-31", freq="4MS")
    rows = [
        (CODES[i], d, "leadership_change", "dcs", 2.0 if i == 0 else 1.0, "planted")
        for i in range(3)
        for d in dates[i::3]
    ]
    ev = pd.DataFrame(
        rows, columns=["council_code", "date", "event_type", "service", "severity", "source"]
    )
    X = _features(ev, ["2015-03-31", "2019-03-31"], "leadership")
    # while the source runs: counted, 0 for the council with no change
    assert _at(X, CODES[3], "2015-03-31")["leadership_changes_1y"] == 0
    assert _at(X, CODES[0], "2015-03-31")["leadership_changes_3y"] > 0
    assert _at(X, CODES[0], "2015-03-31")["interims_in_post"] == 1
    # two years after the last event: not known to be 0
    for code in CODES:
        row = _at(X, code, "2019-03-31")
        for col in ("leadership_changes_1y", "dcs_changes_3y", "interims_in_post"):
            assert np.isnan(row[col]), (code, col)
        assert np.isnan(row["years_since_leadership_change"])
    # no indicator of the gap is added
    assert not [c for c in X.columns if "covered" in c or "missing" in c]


def test_visit_counts_missing_before_the_visit_tables_start():
    # visits from April 2021 (published a month later), one council a month in turn
    starts = pd.date_range("2021-04-20", "2024-03-20", freq="MS") + pd.Timedelta(days=19)
    rows = []
    for k, s in enumerate(starts):
        code = CODES[k % 3]
        kind = "monitoring visit" if code == CODES[0] else "focused visit"
        pub = s + pd.Timedelta(days=30)
        rows.append((code, pub, "ofsted_visit", "childrens_services", np.nan, "v", kind, pub, s))
    cols = ["council_code", "date", "event_type", "service", "severity", "source"]
    ev = pd.DataFrame(rows, columns=[*cols, "framework", "published", "inspection_start"])
    origins = ["2021-03-31", "2022-03-31", "2023-03-31", "2024-03-31"]
    X = _features(ev, origins, "inspection")
    counts = ["monitoring_visits_24m", "focused_visits_24m"]
    # nothing known at 2021-03-31; at 2022 the 24 months reach back before the tables
    assert X.xs(pd.Timestamp("2021-03-31"), level="origin")[counts].isna().all().all()
    assert X.xs(pd.Timestamp("2022-03-31"), level="origin")[counts].isna().all().all()
    assert _at(X, CODES[0], "2022-03-31")["months_since_visit"] < 3
    # from 2023: counted, 0 for the council never visited
    for origin in origins[2:]:
        assert _at(X, CODES[3], origin)[counts].tolist() == [0, 0]
        assert np.isnan(_at(X, CODES[3], origin)["months_since_visit"])
        assert _at(X, CODES[0], origin)["monitoring_visits_24m"] == 8
        assert _at(X, CODES[0], origin)["focused_visits_24m"] == 0
        # its visits of March are published in April: 7 in the 24 months to March 2023
        expected = {"2023-03-31": 7, "2024-03-31": 8}[origin]
        assert _at(X, CODES[1], origin)["focused_visits_24m"] == expected
    # a visit counts from its publication, not its first day: one started on 2024-03-20 and
    # published on 2024-04-19 is not seen at 2024-03-31
    last = ev[ev["inspection_start"] == starts[-1]].iloc[0]
    assert last["date"] > pd.Timestamp("2024-03-31")
    row = _at(X, last["council_code"], "2024-03-31")
    assert row["months_since_visit"] > 1


def test_points_to_improve_per_outcome_from_post_reform_reports_only():
    from earlywarn.features import build_features as build
    from earlywarn.measures import EVENT_MEASURES

    cols = ["council_code", "date", "event_type", "service", "severity", "source"]
    rows = [
        (CODES[0], pd.Timestamp("2024-05-01"), "inspection", "childrens_services", 3.0, "o"),
        (CODES[1], pd.Timestamp("2026-09-01"), "inspection", "childrens_services", 3.0, "o"),
        (CODES[1], pd.Timestamp("2022-09-01"), "inspection", "childrens_services", 2.0, "o"),
    ]
    ev = pd.DataFrame(rows, columns=cols)
    ev["report_improve_points"] = [4.0, 5.0, 3.0]
    ev["report_improve_safe"] = [np.nan, 2.0, np.nan]  # pre-reform reports: no outcome
    tables = _tables(ev)
    fs = build(tables, build_panel(tables, ["2025-03-31", "2027-03-31"]), ("inspection",))
    X = fs.X
    assert "last_report_improve_safe" in X.columns
    assert _at(X, CODES[1], "2027-03-31")["last_report_improve_safe"] == 2
    assert np.isnan(_at(X, CODES[0], "2027-03-31")["last_report_improve_safe"])  # not 0
    assert X.xs(pd.Timestamp("2025-03-31"), level="origin")["last_report_improve_safe"].isna().all()
    spec = fs.specs["last_report_improve_safe"]
    info = EVENT_MEASURES["last_report_improve_safe"]
    assert (spec.label, spec.unit, spec.higher_is_worse) == (info.label, " points", True)
    assert "April 2026" in info.published

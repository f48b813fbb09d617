"""When the event behind an event-based feature happened, as known at an origin.

A feature read from the events table (the last inspection grade, the last area SEND
inspection, the last change of political control, ...) names the kind of event it comes
from in :attr:`~earlywarn.features.registry.FeatureSpec.event`; :func:`event_dates` gives
each council's date of that event, so a reason can cite it ("inspection of June 2022") and
an event older than the feature's ``lookback_years`` is never cited.
"""

from __future__ import annotations

import pandas as pd

from earlywarn.panel import asof_events

__all__ = ["event_dates"]

_SUB = ("grade_leadership", "grade_help_protection", "grade_children_in_care", "grade_care_leavers")
_REPORT = (
    "report_interim_leaders",
    "report_improve_points",
    "report_workforce_mentions",
    "report_improve_help",
    "report_improve_family_network",
    "report_improve_safe",
    "report_improve_stable_homes",
    "report_improve_enablers",
)
_OTHER = ("send_area", "send_revisit", "youth_justice")  # other_inspection services


def _last(ev: pd.DataFrame, key: str) -> pd.Series:
    return ev.groupby("council_code")["date"].max().rename(key)


def event_dates(events: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """Per council (rows), the date of the latest event of each kind known at ``origin``.

    Columns (where the events have them): ``inspection`` (the last graded inspection),
    ``inspection_<sub-judgement>``, ``ilacs``, ``report`` (the last inspection whose report
    text was read), ``send_area``, ``send_revisit``, ``youth_justice``,
    ``political_control``, ``financial_notice`` and, with Ofsted visits, ``ofsted_visit``,
    ``monitoring_visit`` and ``focused_visit``.

    Example
    -------
    >>> ev = pd.DataFrame({"council_code": ["A", "A"], "event_type": ["inspection"] * 2,
    ...                    "date": pd.to_datetime(["2018-05-01", "2021-06-01"]),
    ...                    "service": ["children", "children"], "severity": [3.0, 2.0]})
    >>> event_dates(ev, pd.Timestamp("2020-03-31")).loc["A", "inspection"].year
    2018
    """
    ev = asof_events(events, pd.Timestamp(origin))
    cols: list[pd.Series] = []
    insp = ev[(ev["event_type"] == "inspection") & ev["severity"].notna()]
    cols.append(_last(insp, "inspection"))
    for col in _SUB:
        if col in insp.columns:
            cols.append(_last(insp[insp[col].notna()], f"inspection_{col}"))
    if "framework" in insp.columns:
        cols.append(_last(insp[insp["framework"].astype(str).str.startswith("ILACS")], "ilacs"))
    read = [c for c in _REPORT if c in ev.columns]
    if read:
        rep = ev[(ev["event_type"] == "inspection") & ev[read].notna().any(axis=1)]
        cols.append(_last(rep, "report"))
    other = ev[ev["event_type"] == "other_inspection"]
    for service in _OTHER:
        cols.append(_last(other[other["service"] == service], service))
    visits = ev[ev["event_type"] == "ofsted_visit"]
    if len(visits):
        cols.append(_last(visits, "ofsted_visit"))
        for framework in ("monitoring visit", "focused visit"):
            key = framework.replace(" ", "_")
            cols.append(_last(visits[visits["framework"] == framework], key))
    lead = ev[(ev["event_type"] == "leadership_change") & (ev["service"] == "political_control")]
    cols.append(_last(lead, "political_control"))
    cols.append(_last(ev[ev["event_type"] == "financial_notice"], "financial_notice"))
    cols = [c for c in cols if len(c)]
    if not cols:
        return pd.DataFrame(index=pd.Index([], name="council_code"))
    return pd.concat(cols, axis=1)

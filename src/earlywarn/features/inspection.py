"""Inspection history: the last grade and the time since the last inspection.

Where the events carry them (the real panel's Ofsted history):

- ``last_grade_{leadership,help_protection,children_in_care,care_leavers}``: the latest
  known sub-judgement (1 outstanding .. 4 inadequate) - impact of leaders, help and
  protection, children in care, care leavers (SIF and ILACS);
- ``last_ilacs_short``: 1 when the latest ILACS inspection was a short one (given to
  councils judged good or better before), 0 for a standard one, NaN before any ILACS;
- from the inspection report text (``report_*`` columns of the events, see
  :mod:`earlywarn.sources.ofsted_reports`): ``last_report_improve_points`` (points under
  'what needs to improve') and ``last_report_workforce_mentions`` (mentions of agency
  staff, caseloads or staff turnover) of the latest report read;
- from ``other_inspection`` events (:mod:`earlywarn.sources.other_inspectorates`):
  ``send_wsoa_required`` (the latest area SEND inspection required a written statement of
  action: 1, else 0), ``send_significant_weaknesses`` (its number of significant
  weaknesses, 0 without a WSoA), ``send_revisit_progress_short`` (latest revisit: 0
  sufficient progress on all weaknesses, 1 on some, 2 on none; NaN before a revisit) and
  ``youth_justice_rating`` (latest HMI Probation overall rating, 1 outstanding .. 4
  inadequate). NaN where a council has none;
- from ``ofsted_visit`` events (Ofsted's focused and monitoring visits of children's
  services, :mod:`earlywarn.sources.ofsted_in_year`; dated by the letter's publication, or
  the visit's first day + 79 days where the table gives none): ``monitoring_visits_24m``
  (monitoring visits published in the 24 months to the origin: the council is under an
  inadequate judgement), ``focused_visits_24m`` (focused visits, given to councils judged
  requires improvement or better, in the same window) and ``months_since_visit`` (since
  the latest visit of either kind was published; NaN before any). The counts are 0 for a
  council not visited only where the visit tables covered the whole 24 months
  (:mod:`earlywarn.features._windows`): the tables begin in April 2021, so before then
  the counts are missing, not 0, and so is the time since a visit once the tables stop;
- ``last_report_improve_{help,family_network,safe,stable_homes,enablers}``: the latest
  report's "what needs to improve" points tagged to each national-framework outcome
  (post-reform reports, inspections from April 2026; NaN before).
"""

from __future__ import annotations

import pandas as pd

from earlywarn.features._base import Columns, OriginData
from earlywarn.features._windows import gate
from earlywarn.features.registry import FeatureSpec
from earlywarn.measures import EVENT_MEASURES

FAMILY = "inspection"
GRADES = ("outstanding", "good", "requires improvement", "inadequate")  # codes 1 to 4
# an inspection by another inspectorate (area SEND, youth justice) or a report's text older
# than this is no longer cited as a reason: the list looks 24 months ahead, and a finding
# from before the previous year says little about the service now
EVENT_LOOKBACK_YEARS = 3.0
SEND_PROGRESS = (
    "sufficient progress on every significant weakness",
    "insufficient progress on some significant weaknesses",
    "insufficient progress on every significant weakness",
)
SUB_JUDGEMENTS = {
    "grade_leadership": ("the impact of leaders", "capability"),
    "grade_help_protection": ("help and protection", "capability"),
    "grade_children_in_care": ("the experiences of children in care", "capability"),
    "grade_care_leavers": ("the experiences of care leavers", "capability"),
}
VISIT_WINDOW_YEARS = 2
VISIT_COUNTS = {  # framework of the ofsted_visit event -> (feature, event key)
    "monitoring visit": ("monitoring_visits_24m", "monitoring_visit"),
    "focused visit": ("focused_visits_24m", "focused_visit"),
}
#: points to improve per national-framework outcome (:mod:`earlywarn.sources.ofsted_reports`)
OUTCOME_COUNTS = [m for m in EVENT_MEASURES if m.startswith("last_report_improve_")]
REPORT_COUNTS = {
    "report_improve_points": (
        "points under 'what needs to improve' in the latest inspection report",
        "capability",
    ),
    "report_workforce_mentions": (
        "mentions of agency staff, caseloads or staff turnover in the latest inspection report",
        "capacity",
    ),
}


def build(d: OriginData) -> Columns:
    """Inspection-history features for one origin (events already as of the origin)."""
    out = Columns()
    ev = d.events
    insp = ev[(ev["event_type"] == "inspection") & ev["severity"].notna()]
    insp = insp.sort_values("date", kind="stable")
    last = insp.groupby("council_code").tail(1).set_index("council_code")
    out.add(
        FeatureSpec(
            "last_inspection_grade",
            FAMILY,
            "capability",
            True,
            "the last inspection grade (1 outstanding to 4 inadequate)",
            states=GRADES,
            first_code=1,
            event="inspection",
        ),
        d.per_council(last["severity"]),
    )
    out.add(
        FeatureSpec(
            "years_since_inspection",
            FAMILY,
            "capability",
            True,
            "time since the last inspection",
            " years",
        ),
        d.per_council(d.years_ago(last["date"])),
    )
    for col, (words, nature) in SUB_JUDGEMENTS.items():
        if col not in insp.columns:
            continue
        known = insp[insp[col].notna()]
        if len(known):
            latest = known.groupby("council_code")[col].last()
            out.add(
                FeatureSpec(
                    f"last_{col}",
                    FAMILY,
                    nature,
                    True,
                    f"the last inspection grade for {words} (1 outstanding to 4 inadequate)",
                    states=GRADES,
                    first_code=1,
                    event=f"inspection_{col}",
                ),
                d.per_council(latest),
            )
    if "framework" in insp.columns:
        ilacs = insp[insp["framework"].astype(str).str.startswith("ILACS")]
        if len(ilacs):
            short = ilacs.groupby("council_code")["framework"].last().eq("ILACS short")
            out.add(
                FeatureSpec(
                    "last_ilacs_short",
                    FAMILY,
                    "capability",
                    False,
                    "the last ILACS inspection was a short one (for councils judged good before)",
                    kind="flag",
                    states=(
                        "the last ILACS inspection was a standard one",
                        "the last ILACS inspection was a short one (given to councils judged "
                        "good or outstanding before)",
                    ),
                    event="ilacs",
                ),
                d.per_council(short.astype(float)),
            )
    other = ev[ev["event_type"] == "other_inspection"].sort_values("date", kind="stable")
    send = other[other["service"] == "send_area"]
    if len(send):
        last_send = send.groupby("council_code").tail(1).set_index("council_code")
        out.add(
            FeatureSpec(
                "send_wsoa_required",
                FAMILY,
                "capability",
                True,
                "a written statement of action required at the last area SEND inspection",
                kind="flag",
                states=(
                    "the last area SEND inspection required no written statement of action",
                    "the last area SEND inspection required a written statement of action",
                ),
                event="send_area",
                lookback_years=EVENT_LOOKBACK_YEARS,
            ),
            d.per_council(last_send["severity"]),
        )
        if "send_weaknesses" in last_send.columns:
            weak = last_send["send_weaknesses"].where(last_send["severity"] == 1, 0.0)
            out.add(
                FeatureSpec(
                    "send_significant_weaknesses",
                    FAMILY,
                    "capability",
                    True,
                    "significant weaknesses found at the last area SEND inspection",
                    kind="count",
                    event="send_area",
                    lookback_years=EVENT_LOOKBACK_YEARS,
                ),
                d.per_council(weak),
            )
    revisit = other[other["service"] == "send_revisit"]
    if len(revisit):
        out.add(
            FeatureSpec(
                "send_revisit_progress_short",
                FAMILY,
                "capability",
                True,
                "progress on significant weaknesses at the last SEND revisit (0 sufficient on "
                "all, 1 insufficient on some, 2 insufficient on all)",
                states=SEND_PROGRESS,
                event="send_revisit",
                lookback_years=EVENT_LOOKBACK_YEARS,
            ),
            d.per_council(revisit.groupby("council_code")["severity"].last()),
        )
    yj = other[other["service"] == "youth_justice"]
    if len(yj):
        out.add(
            FeatureSpec(
                "youth_justice_rating",
                FAMILY,
                "capability",
                True,
                "the last youth justice inspection rating (1 outstanding to 4 inadequate)",
                states=GRADES,
                first_code=1,
                event="youth_justice",
                lookback_years=EVENT_LOOKBACK_YEARS,
            ),
            d.per_council(yj.groupby("council_code")["severity"].last()),
        )
    visits = ev[ev["event_type"] == "ofsted_visit"]
    if len(visits):
        _visit_features(d, visits, out)
    for col, (words, nature) in REPORT_COUNTS.items():
        if col not in ev.columns:
            continue
        known = insp[insp[col].notna()]
        if len(known):
            out.add(
                FeatureSpec(
                    col.replace("report_", "last_report_"),
                    FAMILY,
                    nature,
                    True,
                    words,
                    kind="count",
                    event="report",
                    lookback_years=EVENT_LOOKBACK_YEARS,
                ),
                d.per_council(known.groupby("council_code")[col].last()),
            )
    for name in OUTCOME_COUNTS:  # post-reform reports only (NaN before April 2026)
        col = name.replace("last_", "")
        known = insp[insp[col].notna()] if col in ev.columns else insp.iloc[:0]
        if len(known):
            out.add(
                _event_spec(name, "count", event="report", lookback_years=EVENT_LOOKBACK_YEARS),
                d.per_council(known.groupby("council_code")[col].last()),
            )
    return out


def _event_spec(name: str, kind: str, **more) -> FeatureSpec:
    """Spec of an event-counted feature from the catalogue (:data:`EVENT_MEASURES`)."""
    info = EVENT_MEASURES[name]
    return FeatureSpec(
        name,
        FAMILY,
        info.nature,
        info.higher_is_worse,
        info.label,
        info.unit,
        kind,
        reason_ok=info.reason_ok,
        **more,
    )


def _visit_features(d: OriginData, visits, out: Columns) -> None:
    """Visit counts in the last 24 months and the time since the last visit (gated by the
    visit tables' coverage window)."""
    start = d.origin - pd.DateOffset(years=VISIT_WINDOW_YEARS)
    recent = visits[visits["date"] > start]
    for framework, (name, event) in VISIT_COUNTS.items():
        n = recent[recent["framework"] == framework].groupby("council_code").size()
        out.add(
            _event_spec(
                name,
                "count",
                span="24 months",
                event=event,
                lookback_years=VISIT_WINDOW_YEARS,
                gated=True,
            ),
            gate(d.per_council(n, 0.0), visits, d.origin, VISIT_WINDOW_YEARS),
        )
    months = d.years_ago(visits.groupby("council_code")["date"].max()) * 12
    out.add(
        _event_spec("months_since_visit", "level", event="ofsted_visit", gated=True),
        gate(d.per_council(months), visits, d.origin, 0),
    )

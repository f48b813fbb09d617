"""Inspection history: the last grade and the time since the last inspection."""

from __future__ import annotations

from earlywarn.features._base import Columns, OriginData
from earlywarn.features.registry import FeatureSpec

FAMILY = "inspection"


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
    return out

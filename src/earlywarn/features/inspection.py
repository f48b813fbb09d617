"""Inspection history: the last grade and the time since the last inspection."""

from __future__ import annotations

import pandas as pd

from earlywarn.features.registry import FeatureSpec


def build(known: pd.DataFrame, events: pd.DataFrame, rows: pd.DataFrame, origin: pd.Timestamp):
    """Inspection-history features for one origin (events already as of the origin)."""
    councils = rows.index
    insp = events[(events["event_type"] == "inspection") & events["severity"].notna()]
    insp = insp.sort_values("date", kind="stable")
    last = insp.groupby("council_code").tail(1).set_index("council_code")
    years = (origin - last["date"]).dt.days / 365.25
    cols = {
        "last_inspection_grade": last["severity"].reindex(councils).astype(float),
        "years_since_inspection": years.reindex(councils).astype(float),
    }
    specs = [
        FeatureSpec(
            "last_inspection_grade",
            "inspection",
            "capability",
            True,
            "the last inspection grade (1 outstanding to 4 inadequate)",
            "",
        ),
        FeatureSpec(
            "years_since_inspection",
            "inspection",
            "capability",
            True,
            "time since the last inspection",
            " years",
        ),
    ]
    return pd.DataFrame(cols, index=councils), specs

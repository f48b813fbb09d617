"""Soft intelligence from advisers' dated notes, as of the origin.

Input: a soft-notes table (``council_code, date, problem_nature, severity``; see
:func:`earlywarn.schema.validate_soft_notes`). The note *text* never reaches this module:
it is dropped when the table is read into the features, so it is never a model input and
never appears in any output.

Per problem nature (financial, capacity, capability, political), over the last
``soft_months`` months: ``soft_{nature}_notes_{m}m`` (count) and
``soft_{nature}_max_severity_{m}m`` (0 = no note, else 1 minor .. 3 serious), plus
``soft_notes_{m}m`` in all. Without a notes file the family produces no features; with
one, a council with no note in the window has count 0 (an adviser noted nothing).
"""

from __future__ import annotations

import pandas as pd

from earlywarn.features._base import Columns, OriginData
from earlywarn.features.registry import NATURES, FeatureSpec

FAMILY = "soft"


def build(d: OriginData) -> Columns:
    """Soft-intelligence features for one origin."""
    out = Columns()
    if d.notes is None:
        return out
    months = d.config.soft_months
    start = d.origin - pd.DateOffset(months=months)
    notes = d.notes[(d.notes["date"] > start) & (d.notes["date"] <= d.origin)]
    span = f"the last {months} months"
    for nature in NATURES:
        sub = notes[notes["problem_nature"] == nature]
        by = sub.groupby("council_code")
        out.add(
            FeatureSpec(
                f"soft_{nature}_notes_{months}m",
                FAMILY,
                nature,
                True,
                f"advisers' notes of {nature} concern in {span}",
                "",
                "count",
            ),
            d.per_council(by.size(), 0.0),
        )
        out.add(
            FeatureSpec(
                f"soft_{nature}_max_severity_{months}m",
                FAMILY,
                nature,
                True,
                f"the most serious {nature} concern noted by advisers in {span} "
                "(0 none, 1 minor to 3 serious)",
                "",
                states=("none", "minor", "significant", "serious"),
            ),
            d.per_council(by["severity"].max(), 0.0),
        )
    out.add(
        FeatureSpec(
            f"soft_notes_{months}m",
            FAMILY,
            "capability",
            True,
            f"advisers' notes of concern in {span}",
            "",
            "count",
        ),
        d.per_council(notes.groupby("council_code").size(), 0.0),
    )
    return out

"""Resident satisfaction: level, change, and decline from the council's own recent peak."""

from __future__ import annotations

import pandas as pd

from earlywarn.features._series import measure_history
from earlywarn.features.registry import FeatureSpec

MEASURE = "resident_satisfaction_pct"


def build(known: pd.DataFrame, events: pd.DataFrame, rows: pd.DataFrame, origin: pd.Timestamp):
    """Satisfaction features for one origin."""
    councils = rows.index
    hist = measure_history(known, MEASURE, origin, councils, n_back=4)
    cols = {
        "satisfaction_pct": hist[0],
        "satisfaction_chg_1y_pp": hist[0] - hist[1],
        "satisfaction_drop_from_peak_pp": hist.max(axis=1) - hist[0],
    }
    specs = [
        FeatureSpec(
            "satisfaction_pct", "satisfaction", "political", False, "resident satisfaction", "%"
        ),
        FeatureSpec(
            "satisfaction_chg_1y_pp",
            "satisfaction",
            "political",
            False,
            "resident satisfaction",
            " points",
            kind="change",
            span="the last year",
        ),
        FeatureSpec(
            "satisfaction_drop_from_peak_pp",
            "satisfaction",
            "political",
            True,
            "the fall in resident satisfaction from its peak in the last five years",
            " points",
        ),
    ]
    return pd.DataFrame(cols, index=councils), specs

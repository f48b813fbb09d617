"""Indicator trends: level, change over one and three years, slope, worsening count."""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.features._series import measure_history, slope
from earlywarn.features.registry import FeatureSpec, measure_info


def build(known: pd.DataFrame, events: pd.DataFrame, rows: pd.DataFrame, origin: pd.Timestamp):
    """Indicator features for one origin (``rows``: the panel rows at that origin)."""
    councils = rows.index
    measures = sorted(
        m for m in known["measure"].unique() if measure_info(m).family == "indicators"
    )
    cols: dict[str, pd.Series] = {}
    specs: list[FeatureSpec] = []
    worsened = pd.Series(0.0, index=councils)
    counted = pd.Series(0.0, index=councils)
    for m in measures:
        info = measure_info(m)
        hist = measure_history(known, m, origin, councils)
        points = " points" if info.unit == "%" else ""
        cols[m] = hist[0]
        specs.append(
            FeatureSpec(m, "indicators", info.nature, info.higher_is_worse, info.label, info.unit)
        )
        cols[f"{m}_chg_1y"] = hist[0] - hist[1]
        specs.append(
            FeatureSpec(
                f"{m}_chg_1y",
                "indicators",
                info.nature,
                info.higher_is_worse,
                info.label,
                points,
                kind="change",
                span="the last year",
            )
        )
        cols[f"{m}_chg_3y"] = hist[0] - hist[3]
        specs.append(
            FeatureSpec(
                f"{m}_chg_3y",
                "indicators",
                info.nature,
                info.higher_is_worse,
                info.label,
                points,
                kind="change",
                span="three years",
            )
        )
        cols[f"{m}_slope_4y"] = slope(hist, 4)
        specs.append(
            FeatureSpec(
                f"{m}_slope_4y",
                "indicators",
                info.nature,
                info.higher_is_worse,
                f"the yearly trend in {info.label}",
                points,
                kind="change",
                span="four years (per year)",
            )
        )
        sign = 1.0 if info.higher_is_worse else -1.0
        d = sign * (hist[0] - hist[1])
        worsened += (d > 0).astype(float)
        counted += d.notna().astype(float)
    if measures:
        cols["indicators_worsened_share"] = (worsened / counted.replace(0, np.nan)) * 100
        specs.append(
            FeatureSpec(
                "indicators_worsened_share",
                "indicators",
                "capability",
                True,
                "the share of service indicators that worsened in the latest year",
                "%",
            )
        )
    return pd.DataFrame(cols, index=councils), specs

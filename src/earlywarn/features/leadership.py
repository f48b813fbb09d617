"""Leadership turmoil: changes of chief executive, director and leader; interims in post."""

from __future__ import annotations

import pandas as pd

from earlywarn.features.registry import FeatureSpec


def build(known: pd.DataFrame, events: pd.DataFrame, rows: pd.DataFrame, origin: pd.Timestamp):
    """Leadership features for one origin (events already as of the origin)."""
    councils = rows.index
    ch = events[events["event_type"] == "leadership_change"]
    age = (origin - ch["date"]).dt.days / 365.25
    c1 = ch[age <= 1].groupby("council_code").size().reindex(councils, fill_value=0)
    c3 = ch[age <= 3].groupby("council_code").size().reindex(councils, fill_value=0)
    last = ch.sort_values("date", kind="stable").groupby(["council_code", "service"]).tail(1)
    interim = (last["severity"] == 2).groupby(last["council_code"]).sum()
    since = (origin - ch.groupby("council_code")["date"].max()).dt.days / 365.25
    cols = {
        "leadership_changes_1y": c1.astype(float),
        "leadership_changes_3y": c3.astype(float),
        "interims_in_post": interim.reindex(councils, fill_value=0).astype(float),
        "years_since_leadership_change": since.reindex(councils).clip(upper=10.0),
    }
    specs = [
        FeatureSpec(
            "leadership_changes_1y",
            "leadership",
            "political",
            True,
            "changes of chief executive, director or leader in the last year",
            "",
            kind="count",
        ),
        FeatureSpec(
            "leadership_changes_3y",
            "leadership",
            "political",
            True,
            "changes of chief executive, director or leader in the last three years",
            "",
            kind="count",
        ),
        FeatureSpec(
            "interims_in_post",
            "leadership",
            "capability",
            True,
            "senior posts held by interims",
            "",
            kind="count",
        ),
        FeatureSpec(
            "years_since_leadership_change",
            "leadership",
            "political",
            False,
            "time since the last leadership change",
            " years",
        ),
    ]
    return pd.DataFrame(cols, index=councils), specs

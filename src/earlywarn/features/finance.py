"""Finance, in the spirit of CIPFA's resilience index: reserves, their change, notices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.features._series import measure_history
from earlywarn.features.registry import FeatureSpec


def build(known: pd.DataFrame, events: pd.DataFrame, rows: pd.DataFrame, origin: pd.Timestamp):
    """Finance features for one origin."""
    councils = rows.index
    reserves = measure_history(known, "usable_reserves_gbp_m", origin, councils, n_back=3)
    spend = measure_history(known, "net_revenue_expenditure_gbp_m", origin, councils, n_back=3)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = reserves / spend.where(spend > 0) * 100
    care = measure_history(known, "social_care_spend_share_pct", origin, councils, n_back=1)
    notices = events[
        (events["event_type"] == "financial_notice")
        & (events["date"] > origin - pd.DateOffset(years=5))
    ]
    n_notices = notices.groupby("council_code").size().reindex(councils, fill_value=0)
    cols = {
        "reserves_pct_net_spend": pct[0],
        "reserves_pct_net_spend_chg_3y_pp": pct[0] - pct[3],
        "social_care_share_pct": care[0],
        "financial_notices_5y": n_notices.astype(float),
    }
    specs = [
        FeatureSpec(
            "reserves_pct_net_spend",
            "finance",
            "financial",
            False,
            "usable reserves as a share of net spending",
            "%",
        ),
        FeatureSpec(
            "reserves_pct_net_spend_chg_3y_pp",
            "finance",
            "financial",
            False,
            "usable reserves as a share of net spending",
            " points",
            kind="change",
            span="three years",
        ),
        FeatureSpec(
            "social_care_share_pct",
            "finance",
            "financial",
            True,
            "the share of spending on social care",
            "%",
        ),
        FeatureSpec(
            "financial_notices_5y",
            "finance",
            "financial",
            True,
            "financial failure notices in the last five years",
            "",
            kind="count",
        ),
    ]
    return pd.DataFrame(cols, index=councils), specs

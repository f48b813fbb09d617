"""Rules a finance officer would use, and the model, each as a score per (council, origin).

Higher score = higher risk. Rules need no fitting except ``council_type`` (the failure rate
of each council type on the training origins, add-one smoothed). Scores of every rule are
computed from the as-of features only.

- ``reserves_ratio``: low usable reserves as % of net revenue expenditure;
- ``debt_ratio``: high capital financing requirement as % of net revenue expenditure;
- ``debt_service_ratio``: high debt service (MRP + interest) as % of net revenue expenditure;
- ``prior_failure``: any EFS/s114 (withdrawn requests included) announced before the origin;
- ``resilience_composite``: the mean of within-origin percentile ranks of low reserves,
  falling reserves (3-year change, else 1-year), high CFR ratio, high social-care share
  and low council-tax share of spending (a CIPFA-resilience-index-style rank average;
  missing components are left out of a council's mean);
- ``council_type``: the training failure rate of the council's type.

:data:`MODEL_FEATURES` is the model's short list: within-origin percentile ranks of the
finance ratios (robust to the extreme ratios of small bodies; a rank uses only the
origin's own cross-section, so it is as-of), the prior-failure flag and council type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BASELINES", "MODEL_FEATURES", "rank_features", "rule_scores", "type_rate_scores"]

BASELINES = [
    "reserves_ratio",
    "debt_ratio",
    "prior_failure",
    "resilience_composite",
    "council_type",
]
_RANKED = {  # feature -> +1 when higher is worse
    "reserves_pct_nre": -1,
    "reserves_pct_nre_chg_1y_pp": -1,
    "cfr_pct_nre": 1,
    "social_care_pct_service_spend": 1,
    "council_tax_pct_nre": -1,
    "core_spending_power_chg_1y_pct": -1,
}
MODEL_FEATURES = [f"rank_{f}" for f in _RANKED] + [
    "prior_failure_ever",
    "council_type_county",
    "council_type_district",
    "council_type_london_borough",
    "council_type_metropolitan_district",
]


def _pct_rank(s: pd.Series) -> pd.Series:
    return s.groupby(level="origin").rank(pct=True)


def rank_features(features: pd.DataFrame) -> pd.DataFrame:
    """Add ``rank_<feature>``: within-origin percentile rank, oriented so high = worse."""
    out = features.copy()
    for f, sign in _RANKED.items():
        out[f"rank_{f}"] = _pct_rank(sign * features[f])
    for c in MODEL_FEATURES:
        if c not in out.columns:
            out[c] = 0.0
    return out


def rule_scores(features: pd.DataFrame) -> pd.DataFrame:
    """The unfitted rules' scores (NaN where a council has no value: ranked last)."""
    f = features
    chg = f["reserves_pct_nre_chg_3y_pp"].fillna(f["reserves_pct_nre_chg_1y_pp"])
    parts = pd.concat(
        [
            _pct_rank(-f["reserves_pct_nre"]),
            _pct_rank(-chg),
            _pct_rank(f["cfr_pct_nre"]),
            _pct_rank(f["social_care_pct_service_spend"]),
            _pct_rank(-f["council_tax_pct_nre"]),
        ],
        axis=1,
    )
    return pd.DataFrame(
        {
            "reserves_ratio": -f["reserves_pct_nre"],
            "debt_ratio": f["cfr_pct_nre"],
            "debt_service_ratio": f["debt_service_pct_nre"],
            "prior_failure": f["prior_failure_ever"],
            "resilience_composite": parts.mean(axis=1),
        },
        index=f.index,
    )


def type_rate_scores(types: pd.Series, train_types: pd.Series, train_y: pd.Series) -> pd.Series:
    """Failure rate of each council type on the training rows (add-one smoothed)."""
    tab = pd.DataFrame({"t": train_types.to_numpy(), "y": train_y.to_numpy()})
    g = tab.groupby("t")["y"].agg(["sum", "count"])
    rate = (g["sum"] + 1) / (g["count"] + 2)
    return types.map(rate).fillna(1 / 2 if g.empty else float(rate.mean())).astype(float)


def _fill_low(s: pd.Series) -> pd.Series:
    """A missing score ranks below every known one at its origin."""
    low = s.groupby(level="origin").transform("min") - 1
    return s.fillna(low).fillna(0.0)


def fill_missing_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Missing rule scores rank last within their origin (no data, no flag)."""
    return scores.apply(_fill_low).astype(float).replace([np.inf, -np.inf], 0.0)

"""Bands agree with ranks (issue 23): one rule (``report.likelihood_by_rank``) behind every
band shown; a lower rank never gets a more urgent band than a higher rank on the same
impact, whatever the intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from earlywarn.report import build_evidence_bands


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0.0, 1.0), min_size=3, max_size=40),
    st.floats(0.01, 0.6),
    st.integers(0, 10),
    st.randoms(use_true_random=False),
)
def test_a_lower_rank_is_never_more_urgent_on_the_same_impact(probs, base, k, rnd):
    codes = [f"c{i}" for i in range(len(probs))]
    p = pd.Series(probs, index=codes)
    lower = pd.Series([max(0.0, x - rnd.random()) for x in probs], index=codes)
    impact = pd.Series([rnd.choice([10.0, 50.0, 90.0, np.nan]) for _ in probs], index=codes)
    b = build_evidence_bands(p, base, impact, lower=lower, top_k=k).assign(p=p)
    b = b.sort_values("p", ascending=False, kind="stable")
    for _, grp in b.groupby("impact_band"):
        scores = grp["risk_score"].to_numpy()
        assert (np.diff(scores) <= 0).all(), grp
    top = b.head(k)
    assert (top["likelihood_band"] != "low").all()


def test_the_case_the_interval_used_to_break():
    """Rank 1 with a wide interval (medium) used to sit below rank 2 (high)."""
    p = pd.Series([0.60, 0.55], index=["a", "b"])
    lower = pd.Series([0.01, 0.40], index=["a", "b"])
    b = build_evidence_bands(p, 0.2, pd.Series(50.0, index=p.index), lower=lower)
    assert b.loc["a", "risk_score"] >= b.loc["b", "risk_score"]

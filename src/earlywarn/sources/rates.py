"""Sizes as rates: counts per 10,000 children aged 0-17, spending per child.

A count (children in need, referrals, plans, social workers ...) mostly measures how big
a council is. :func:`add_child_rates` divides each count of :data:`PER_10K` by the ONS
estimate of children aged 0-17 (``pop_0_17_count``) and each £m figure of
:data:`PER_CHILD` by the same population, giving new observations.

As of rule: the denominator is the latest population estimate (latest period, latest
revision) **published on or before the count's own publication date**, for the same
council; the rate keeps the count's ``period`` and ``published`` dates. A count published
before any population estimate gets no rate. So a rate never uses a figure that was not
public when the count came out. (There is no adult population in the raw files, so no
per-100,000-adults rates are made here; Oflog's ASC6 is already per 100,000 adults.)

The counts themselves stay in the observations as context (``reason_ok=False`` in the
feature registry: never offered as a reason).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PER_10K", "PER_CHILD", "POPULATION", "add_child_rates"]

POPULATION = "pop_0_17_count"
#: count measure -> rate measure (per 10,000 children aged 0-17)
PER_10K = {
    "cin_at31_count": "cin_at31_per_10k",
    "cin_started_count": "cin_started_per_10k",
    "cin_awaiting_assessment_count": "cin_awaiting_assessment_per_10k",
    "referral_count": "referral_per_10k",
    "cpp_started_count": "cpp_started_per_10k",
    "cpp_at31_count": "cpp_at31_per_10k",
    "factor_domestic_abuse_count": "factor_domestic_abuse_per_10k",
    "factor_mental_health_count": "factor_mental_health_per_10k",
    "factor_neglect_count": "factor_neglect_per_10k",
    "factor_cse_count": "factor_cse_per_10k",
    "sw_fte_count": "sw_fte_per_10k",
}
#: £ million measure -> £ per child aged 0-17
PER_CHILD = {
    "s251_cla_net_spend_gbp_m": "s251_cla_net_spend_gbp_per_child",
    "s251_family_support_net_spend_gbp_m": "s251_family_support_net_spend_gbp_per_child",
    "s251_cla_gross_spend_gbp_m": "s251_cla_gross_spend_gbp_per_child",
    "s251_family_support_gross_spend_gbp_m": "s251_family_support_gross_spend_gbp_per_child",
    "s251_childrens_services_gross_spend_gbp_m": (
        "s251_childrens_services_gross_spend_gbp_per_child"
    ),
}


def _population_known(pop: pd.DataFrame) -> pd.DataFrame:
    """Per council and publication date: the latest period's latest revision known then."""
    rows = []
    for code, g in pop.sort_values(["published", "period"], kind="stable").groupby(
        "council_code", sort=False
    ):
        known: dict[pd.Timestamp, float] = {}
        for published, sub in g.groupby("published", sort=True):
            for period, value in zip(sub["period"], sub["value"], strict=True):
                known[period] = value  # a later publication revises an earlier one
            latest = max(known)
            rows.append((code, published, known[latest]))
    return pd.DataFrame(rows, columns=["council_code", "published", "population"])


def add_child_rates(obs: pd.DataFrame) -> pd.DataFrame:
    """Rates of every count in :data:`PER_10K` and :data:`PER_CHILD` found in ``obs``.

    Returns the new observations only (same columns as ``obs``' observation columns, with
    ``source`` set to the count's source plus ``+rate``).

    Example
    -------
    >>> t = pd.Timestamp
    >>> obs = pd.DataFrame({"council_code": "A", "measure": ["pop_0_17_count",
    ...     "pop_0_17_count", "referral_count", "referral_count"],
    ...     "period": [t("2013-06-30"), t("2014-06-30"), t("2015-03-31"), t("2016-03-31")],
    ...     "published": [t("2014-12-31"), t("2015-12-31"), t("2015-11-30"), t("2016-11-30")],
    ...     "value": [20000.0, 25000.0, 100.0, 100.0], "source": "x"})
    >>> add_child_rates(obs)["value"].tolist()  # 2015 uses mid-2013: mid-2014 came later
    [50.0, 40.0]
    """
    cols = ["council_code", "period", "measure", "value", "published", "source"]
    pop = obs.loc[obs["measure"].eq(POPULATION), ["council_code", "period", "published", "value"]]
    wanted = obs["measure"].isin(list(PER_10K) + list(PER_CHILD)) & obs["value"].notna()
    counts = obs.loc[wanted, cols]
    if pop.empty or counts.empty:
        return pd.DataFrame(columns=cols)
    known = _population_known(pop).sort_values("published", kind="stable")
    known["council_code"] = known["council_code"].astype(object)
    counts = counts.sort_values("published", kind="stable")
    counts["council_code"] = counts["council_code"].astype(object)
    merged = pd.merge_asof(
        counts,
        known,
        on="published",
        by="council_code",
        direction="backward",
        allow_exact_matches=True,
    )
    merged = merged[merged["population"].gt(0)]
    per10k = merged["measure"].isin(list(PER_10K))
    scale = np.where(per10k, 10_000.0, 1e6)
    out = merged.assign(
        value=merged["value"] * scale / merged["population"],
        measure=merged["measure"].map({**PER_10K, **PER_CHILD}),
        source=merged["source"].astype(str) + "+rate",
    )[cols]
    return out.reset_index(drop=True)

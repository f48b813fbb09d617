"""Finance, in the spirit of CIPFA's Financial Resilience Index, as of the origin.

- ``reserves_pct_net_spend``: usable reserves as % of net revenue expenditure, and its
  change over ``k`` periods ``reserves_pct_net_spend_chg_{k}y_pp``;
- ``reserves_years_left``: years the usable reserves would last at the current depletion
  rate (the mean yearly fall over the latest ``k`` periods, or fewer where older values
  are missing), capped at ``reserves_years_cap`` and set to the cap when reserves are
  not falling (see :func:`years_of_reserves_left`);
- ``social_care_share_pct`` and its ``k``-period change;
- where the data has them: ``debt_pct_net_spend`` (external debt),
  ``council_tax_pct_net_spend`` (council tax income), ``revenue_overspend_pct``;
- ``financial_notices_{n}y`` (section 114 notices and exceptional support in the last
  ``notice_years``) and ``years_since_financial_notice``; defined once any financial
  notice is known at the origin (else the data has no notices source: NaN);
- ``finance_data_available_pct``: share of the three core figures (reserves, net spend and
  social-care share) the council has a recent value of; NaN at an origin by which none of
  them was published.
"""

from __future__ import annotations

import numpy as np

from earlywarn.features._base import Columns, OriginData, years_words
from earlywarn.features.registry import FeatureSpec

FAMILY = "finance"
RESERVES, SPEND = "usable_reserves_gbp_m", "net_revenue_expenditure_gbp_m"
CARE = "social_care_spend_share_pct"
RATIOS = {  # measure -> (feature, words, higher_is_worse); divided by net spend
    "external_debt_gbp_m": ("debt_pct_net_spend", "external debt as a share of net spending", True),
    "council_tax_income_gbp_m": (
        "council_tax_pct_net_spend",
        "council tax income as a share of net spending",
        False,
    ),
}
CORE = (RESERVES, SPEND, CARE)
NOTICE = "financial_notice"  # the event type (and FeatureSpec.event) of notices


def years_of_reserves_left(reserves: np.ndarray, k: int, cap: float) -> np.ndarray:
    """Years the latest reserves last at the mean yearly fall over the latest ``k`` periods.

    ``reserves`` is ``(council, lag)`` (lag 0 = latest). The fall is measured against the
    oldest known value among lags ``k, k-1, .., 1``. Not falling (flat or rising) gives
    ``cap``; exhausted reserves give 0; fewer than two known values give NaN.

    Example
    -------
    >>> r = np.array([[40.0, 60.0, 80.0, 100.0], [50.0, 40.0, np.nan, np.nan],
    ...               [30.0, np.nan, np.nan, np.nan], [90.0, 100.0, np.nan, 120.0]])
    >>> years_of_reserves_left(r, 3, 20.0)
    array([ 2., 20., nan,  9.])
    """
    r = np.asarray(reserves, dtype=float)
    now = r[:, 0]
    past = np.full(len(r), np.nan)
    span = np.full(len(r), np.nan)
    for lag in range(1, k + 1):  # prefer the longest span with a known value
        have = ~np.isnan(r[:, lag])
        past = np.where(have, r[:, lag], past)
        span = np.where(have, lag, span)
    with np.errstate(invalid="ignore", divide="ignore"):
        fall = (past - now) / span
        years = np.where(fall > 0, np.maximum(now, 0) / fall, cap)
    years = np.minimum(years, cap)
    return np.where(np.isnan(now) | np.isnan(past), np.nan, years)


def build(d: OriginData) -> Columns:
    """Finance features for one origin."""
    cfg = d.config
    k = cfg.change_periods
    out = Columns()

    def spec(name, label, unit, hw, kind="level", span="", template="", measure="", **more):
        return FeatureSpec(
            name, FAMILY, "financial", hw, label, unit, kind, span, template, measure, **more
        )

    reserves, spend = d.history(RESERVES), d.history(SPEND)
    if reserves is not None and spend is not None and RESERVES in d.selected:
        with np.errstate(invalid="ignore", divide="ignore"):
            pct = reserves / np.where(spend > 0, spend, np.nan) * 100
        words = "usable reserves as a share of net spending"
        out.add(spec("reserves_pct_net_spend", words, "%", False, measure=RESERVES), pct[:, 0])
        out.add(
            spec(
                f"reserves_pct_net_spend_chg_{k}y_pp",
                words,
                " points",
                False,
                "change",
                years_words(k),
                measure=RESERVES,
            ),
            pct[:, 0] - pct[:, k],
        )
    if reserves is not None and RESERVES in d.selected:
        cap = float(cfg.reserves_years_cap)
        out.add(
            spec(
                "reserves_years_left",
                "usable reserves",
                " years",
                False,
                template="At the rate they fell over the last "
                + years_words(k)
                + ", {label} would last {value} (capped at "
                + f"{cap:.0f}; similar councils' median: "
                + "{peer}).",
                measure=RESERVES,
            ),
            years_of_reserves_left(reserves, k, cap),
        )
    care = d.history(CARE)
    if care is not None and CARE in d.selected:
        words = "the share of spending on social care"
        out.add(spec("social_care_share_pct", words, "%", True, measure=CARE), care[:, 0])
        out.add(
            spec(
                f"social_care_share_chg_{k}y_pp",
                words,
                " points",
                True,
                "change",
                years_words(k),
                measure=CARE,
            ),
            care[:, 0] - care[:, k],
        )
    for measure, (name, words, hw) in RATIOS.items():
        h = d.history(measure)
        if h is not None and spend is not None and measure in d.selected:
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = h[:, 0] / np.where(spend[:, 0] > 0, spend[:, 0], np.nan) * 100
            out.add(spec(name, words, "%", hw, measure=measure), ratio)
    over = d.history("revenue_overspend_pct")
    if over is not None and "revenue_overspend_pct" in d.selected:
        out.add(
            spec(
                "revenue_overspend_pct",
                "the revenue overspend against budget",
                "%",
                True,
                measure="revenue_overspend_pct",
            ),
            over[:, 0],
        )
    notices = d.events[d.events["event_type"] == NOTICE]
    if len(notices):
        n = cfg.notice_years
        age = d.years_ago(notices["date"])
        count = notices[age <= n].groupby("council_code").size()
        out.add(
            spec(
                f"financial_notices_{n}y",
                f"financial failure notices or exceptional support in the last {years_words(n)}",
                "",
                True,
                "count",
                span=years_words(n),
                event=NOTICE,
                lookback_years=float(n),
            ),
            d.per_council(count, 0.0),
        )
        since = age.groupby(notices["council_code"]).min()
        out.add(
            spec(
                "years_since_financial_notice",
                "time since the last financial failure notice or exceptional support",
                " years",
                False,
                event=NOTICE,
                lookback_years=float(n),
            ),
            d.per_council(since),
        )
    # defined once a core figure is published by the origin (some value for some
    # council): a measure first published later must not turn NaN into 0
    have = [d.history(m) for m in CORE if m in d.measures]
    have = [h for h in have if not np.isnan(h).all()]
    if have:
        known = np.column_stack([~np.isnan(h[:, 0]) for h in have])
        out.add(
            spec(
                "finance_data_available_pct",
                "the share of core finance figures (reserves, net spending, social care share) "
                "with a recent published value",
                "%",
                False,
            ),
            100 * known.sum(axis=1) / len(CORE),
        )
    return out

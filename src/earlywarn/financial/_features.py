"""Finance features for every council, strictly as of each origin.

Each value uses only observations with ``published <= origin`` (the latest revision of a
period known then) and events announced by then. Ratios are taken within one period
(reserves at 31 March Y over net revenue expenditure of the year to 31 March Y; for the
reserves at the start of a workbook's year, the net spending of the nearest known
period). Columns (unit in the name; "worse" = direction of risk):

=====================================  ==================================================
``reserves_pct_nre``                   usable reserves (earmarked + unallocated) as % of
                                       net revenue expenditure, latest period (lower worse)
``unallocated_pct_nre``                unallocated reserves as % of NRE (lower worse)
``reserves_pct_nre_chg_1y_pp``         change of the ratio over 1 year, points (lower worse)
``reserves_pct_nre_chg_3y_pp``         over 3 years (lower worse)
``debt_service_pct_nre``               (MRP + external interest) as % of NRE (higher worse)
``council_tax_pct_nre``                council tax requirement as % of NRE (lower worse:
                                       more dependent on grants, as CIPFA reads it)
``social_care_pct_service_spend``      children's + adults' social care as % of total
                                       service expenditure (higher worse)
``core_spending_power_chg_1y_pct``     % change of core spending power (lower worse); not
                                       across the 2017 series break
``cfr_pct_nre``                        capital financing requirement as % of NRE (the NRE
                                       of the nearest known period; higher worse)
``borrowing_chg_1y_pct``               % change of gross borrowing over 1 year (higher worse)
``band_d_gbp``                         Band D council tax excluding parish precepts, £
                                       (billing councils only: counties have none)
``band_d_rise_pct``                    % rise of Band D on the previous year
``social_care_pct_chg_1y_pp``          change of the social-care share over 1 year, points
                                       (higher worse)
``dsg_deficit_pct_grant``              dedicated schools grant deficit as % of the year's
                                       DSG allocation (upper tier only; higher worse)
``political_no_overall_control``       1 when no party has a majority after the latest
                                       elections (higher worse: harder budget setting)
``political_control_changes_4y``       changes of control in the last four years (higher
                                       worse)
``childrens_services_judgement``       latest Ofsted children's services overall grade
                                       published by the origin, 1 outstanding .. 4
                                       inadequate (upper tier only; higher worse); never
                                       stale (the judgement stands until the next one)
``prior_failure_ever``                 1 if any EFS/s114 (withdrawn requests included) was
                                       announced before the origin
``finance_data_age_years``             origin minus the period of the reserves used (the
                                       latest known, stale or not)
``council_type_*``                     one-hot council type
=====================================  ==================================================

A council with no value published by the origin gets NaN (never a calendar dummy).
**Staleness:** a value whose period ended more than ``stale_after_years`` (default
:data:`STALE_AFTER_YEARS`, 2 years: the outturn of the year to 31 March Y is published
in the autumn of Y, so the newest value at an origin is normally one year old, two when
one edition is late) before the origin is missing, not carried forward; for a change,
its later period decides. Reserves for 2018-19..2022-23 are not staged (SOURCES.md "Not
found"), so reserves, debt service and council tax share are missing at the 2021..2024
origins under this rule, and ``finance_data_age_years`` states the age of the value not
used. :func:`coverage_table` gives the share of councils with each feature per origin.

The pre-registered model (``experiments/real-2025/PREREGISTRATION-finance.md``) was
fitted before the staleness rule and before the sources added later were read;
:func:`preregistered_inputs` returns the observations and settings it was scored on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "FEATURES",
    "PREREGISTERED_SOURCES",
    "STALE_AFTER_YEARS",
    "build_finance_features",
    "coverage_table",
    "preregistered_inputs",
]

FEATURES = [
    "reserves_pct_nre",
    "unallocated_pct_nre",
    "reserves_pct_nre_chg_1y_pp",
    "reserves_pct_nre_chg_3y_pp",
    "debt_service_pct_nre",
    "council_tax_pct_nre",
    "social_care_pct_service_spend",
    "core_spending_power_chg_1y_pct",
    "cfr_pct_nre",
    "borrowing_chg_1y_pct",
    "band_d_gbp",
    "band_d_rise_pct",
    "prior_failure_ever",
    "finance_data_age_years",
    "social_care_pct_chg_1y_pp",
    "dsg_deficit_pct_grant",
    "political_no_overall_control",
    "political_control_changes_4y",
    "childrens_services_judgement",
]
_SERIES_BREAK = pd.Timestamp("2017-03-31")  # CSP replaced revenue spending power
STALE_AFTER_YEARS = 2.0
#: the observation sources the pre-registered finance model was scored on
PREREGISTERED_SOURCES = frozenset(
    {"rs_finance", "core_spending_power", "capital_outturn", "capital_forecast", "council_tax_ctr"}
)
_LATEST = {  # frame column -> feature: the latest value known
    "debt": "debt_service_pct_nre",
    "ctax": "council_tax_pct_nre",
    "care": "social_care_pct_service_spend",
    "cfr": "cfr_pct_nre",
    "band_d": "band_d_gbp",
    "dsg": "dsg_deficit_pct_grant",
    "noc": "political_no_overall_control",
    "changes": "political_control_changes_4y",
}
_NEVER_STALE = {"judgement": "childrens_services_judgement"}


def preregistered_inputs(observations: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The observations and feature settings the pre-registered finance model was scored on.

    Keeps the sources read when it was pre-registered (:data:`PREREGISTERED_SOURCES`) and
    turns the staleness rule off, so ``build_finance_features(*...)`` reproduces the
    scored features; pass the settings as keyword arguments.
    """
    keep = observations["source"].isin(PREREGISTERED_SOURCES)
    return observations[keep], {"stale_after_years": None}


def _known(obs: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    k = obs[obs["published"] <= origin]
    k = k.sort_values(["council_code", "measure", "period", "published"], kind="stable")
    k = k.drop_duplicates(["council_code", "measure", "period"], keep="last")
    return k.pivot_table(index=["council_code", "period"], columns="measure", values="value")


def _col(w: pd.DataFrame, name: str) -> pd.Series:
    return w[name] if name in w.columns else pd.Series(np.nan, index=w.index)


def _last_two(frame: pd.DataFrame, col: str) -> pd.DataFrame:
    """Per council (index): the latest known value of ``col`` and its period (``v``, ``p``),
    and the one before (``v0``, ``p0``; NaN/NaT when there is none). ``frame`` is sorted by
    council and period."""
    x = frame.loc[frame[col].notna(), ["council_code", "period", col]]
    n = x.groupby("council_code", sort=False).cumcount(ascending=False)
    last = x[n.eq(0)].set_index("council_code")
    prev = x[n.eq(1)].set_index("council_code").reindex(last.index)
    return pd.DataFrame(
        {"v": last[col], "p": last["period"], "v0": prev[col], "p0": prev["period"]}
    )


def _one_origin(obs, events, councils, origin, stale_after_years) -> pd.DataFrame:
    w = _known(obs, origin)
    out = pd.DataFrame(index=pd.Index(councils["council_code"], name="council_code"))
    limit = None if stale_after_years is None else pd.Timedelta(days=365.25 * stale_after_years + 1)

    def fresh(p: pd.Series) -> pd.Series:
        return p.notna() if limit is None else (origin - p) <= limit

    def consecutive(t: pd.DataFrame) -> pd.Series:  # the two latest values a year apart
        return t["p0"].notna() & (t["p0"] == t["p"] - pd.DateOffset(years=1))

    def one_year_change(t: pd.DataFrame) -> pd.Series:
        ok = consecutive(t) & (t["v0"] > 0) & fresh(t["p"])
        return (100 * (t["v"] / t["v0"] - 1)).where(ok)

    def put(name: str, values: pd.Series) -> None:
        out[name] = values.astype(float).reindex(out.index)

    if not w.empty:
        nre = _col(w, "net_revenue_expenditure_gbp_m").where(lambda s: s > 0)
        # reserves at a period without its own NRE (1 April levels): nearest NRE known
        nre_f = nre.groupby(level=0).bfill().groupby(level=0).ffill()
        ratio = 100 * _col(w, "usable_reserves_gbp_m") / nre_f
        unall = 100 * _col(w, "unallocated_reserves_gbp_m") / nre_f
        debt = 100 * (_col(w, "mrp_gbp_m") + _col(w, "external_interest_gbp_m")) / nre
        ctax = 100 * _col(w, "council_tax_requirement_gbp_m") / nre
        tse = _col(w, "total_service_expenditure_gbp_m").where(lambda s: s > 0)
        care = (
            100
            * (
                _col(w, "childrens_social_care_spend_gbp_m")
                + _col(w, "adult_social_care_spend_gbp_m")
            )
            / tse
        )
        frame = pd.DataFrame(
            {
                "ratio": ratio,
                "unall": unall,
                "debt": debt,
                "ctax": ctax,
                "care": care,
                "csp": _col(w, "core_spending_power_gbp_m"),
                "cfr": 100 * _col(w, "cfr_gbp_m") / nre_f,
                "borrow": _col(w, "gross_borrowing_gbp_m"),
                "band_d": _col(w, "band_d_gbp"),
                "dsg": _col(w, "dsg_deficit_pct_of_grant"),
                "noc": _col(w, "political_no_overall_control"),
                "changes": _col(w, "political_control_changes_4y"),
                "judgement": _col(w, "childrens_services_judgement"),
            }
        ).reset_index()
        frame = frame[frame["council_code"].isin(out.index)]
        frame = frame.sort_values(["council_code", "period"], kind="stable")
        # the reserves ratio: its latest period sets the age; level and changes when fresh
        r = _last_two(frame, "ratio")
        put("finance_data_age_years", (origin - r["p"]).dt.days / 365.25)
        put("reserves_pct_nre", r["v"].where(fresh(r["p"])))
        known = frame.set_index(["council_code", "period"])["ratio"].dropna()
        for k in (1, 3):
            at = pd.MultiIndex.from_arrays([r.index, r["p"] - pd.DateOffset(years=k)])
            before = pd.Series(known.reindex(at).to_numpy(), index=r.index)
            put(f"reserves_pct_nre_chg_{k}y_pp", (r["v"] - before).where(fresh(r["p"])))
        u = _last_two(frame, "unall")
        u = u[u.index.isin(r.index)]  # read only beside a reserves ratio
        put("unallocated_pct_nre", u["v"].where(fresh(u["p"])))
        for src, dst in _LATEST.items():
            x = _last_two(frame, src)
            put(dst, x["v"].where(fresh(x["p"])))
        for src, dst in _NEVER_STALE.items():
            put(dst, _last_two(frame, src)["v"])
        c = _last_two(frame, "care")
        put("social_care_pct_chg_1y_pp", (c["v"] - c["v0"]).where(consecutive(c) & fresh(c["p"])))
        put("borrowing_chg_1y_pct", one_year_change(_last_two(frame, "borrow")))
        put("band_d_rise_pct", one_year_change(_last_two(frame, "band_d")))
        c = _last_two(frame, "csp")
        across = (c["p0"] < _SERIES_BREAK) & (_SERIES_BREAK <= c["p"])
        put("core_spending_power_chg_1y_pct", one_year_change(c).where(~across))
    prior = events[(events["published"] <= origin) & (events["date"] <= origin)]
    out["prior_failure_ever"] = out.index.isin(prior["council_code"]).astype(float)
    for f in FEATURES:
        if f not in out.columns:
            out[f] = np.nan
    types = councils.set_index("council_code")["council_type"]
    out["council_type"] = types.reindex(out.index).to_numpy()
    return out[FEATURES + ["council_type"]]


def build_finance_features(
    observations: pd.DataFrame,
    events: pd.DataFrame,
    councils_on,
    origins,
    stale_after_years: float | None = STALE_AFTER_YEARS,
) -> pd.DataFrame:
    """Features for every council alive at each origin, as of that origin.

    Parameters
    ----------
    observations, events : pandas.DataFrame
        From :func:`earlywarn.sources.finance_tables.load_finance_tables`.
    councils_on : callable
        ``councils_on(origin)`` -> frame of councils alive then (``council_code``,
        ``council_type``), e.g. ``FinanceCouncils.on``.
    origins : iterable of date-like
    stale_after_years : float or None
        A value whose period ended longer than this before the origin is missing (``None``:
        the latest known value whatever its age, as the pre-registered model was scored).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(council_code, origin)``: :data:`FEATURES`, ``council_type`` and the
        one-hot ``council_type_*`` columns.
    """
    frames = []
    for o in sorted(pd.Timestamp(x) for x in origins):
        f = _one_origin(observations, events, councils_on(o), o, stale_after_years)
        f["origin"] = o
        frames.append(f.reset_index())
    out = pd.concat(frames, ignore_index=True).set_index(["council_code", "origin"])
    dummies = pd.get_dummies(out["council_type"], prefix="council_type", dtype=float)
    dummies.columns = [c.replace(" ", "_").lower() for c in dummies.columns]
    return out.join(dummies)


def coverage_table(features: pd.DataFrame) -> pd.DataFrame:
    """Share of councils with each feature, by origin (and the median data age)."""
    cov = features[FEATURES].notna().groupby(level="origin").mean().T
    age = features["finance_data_age_years"].groupby(level="origin").median()
    cov.loc["median_reserves_age_years"] = age
    return cov.round(2)

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
``prior_failure_ever``                 1 if any EFS/s114 (withdrawn requests included) was
                                       announced before the origin
``finance_data_age_years``             origin minus the period of the reserves used
``council_type_*``                     one-hot council type
=====================================  ==================================================

A council with no value published by the origin gets NaN (never a calendar dummy); the
age column states how stale each row's reserves are, and :func:`coverage_table` gives the
share of councils with each feature per origin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FEATURES", "build_finance_features", "coverage_table"]

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
]
_SERIES_BREAK = pd.Timestamp("2017-03-31")  # CSP replaced revenue spending power


def _known(obs: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    k = obs[obs["published"] <= origin]
    k = k.sort_values(["council_code", "measure", "period", "published"], kind="stable")
    k = k.drop_duplicates(["council_code", "measure", "period"], keep="last")
    return k.pivot_table(index=["council_code", "period"], columns="measure", values="value")


def _col(w: pd.DataFrame, name: str) -> pd.Series:
    return w[name] if name in w.columns else pd.Series(np.nan, index=w.index)


def _one_origin(obs, events, councils, origin) -> pd.DataFrame:
    w = _known(obs, origin)
    out = pd.DataFrame(index=pd.Index(councils["council_code"], name="council_code"))
    if not w.empty:
        nre = _col(w, "net_revenue_expenditure_gbp_m").where(lambda s: s > 0)
        # reserves at a period without its own NRE (1 April levels): nearest NRE known
        nre_f = nre.groupby(level=0).transform(lambda s: s.bfill().ffill())
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
            }
        ).reset_index()
        frame = frame[frame["council_code"].isin(out.index)]
        for code, g in frame.groupby("council_code"):
            g = g.set_index("period").sort_index()
            r = g["ratio"].dropna()
            if len(r):
                p = r.index[-1]
                out.loc[code, "reserves_pct_nre"] = r.iloc[-1]
                out.loc[code, "finance_data_age_years"] = (origin - p).days / 365.25
                for k in (1, 3):
                    q = p - pd.DateOffset(years=k)
                    if q in r.index:
                        out.loc[code, f"reserves_pct_nre_chg_{k}y_pp"] = r.iloc[-1] - r.loc[q]
                u = g["unall"].dropna()
                if len(u):
                    out.loc[code, "unallocated_pct_nre"] = u.iloc[-1]
            for src, dst in (
                ("debt", "debt_service_pct_nre"),
                ("ctax", "council_tax_pct_nre"),
                ("care", "social_care_pct_service_spend"),
            ):
                s = g[src].dropna()
                if len(s):
                    out.loc[code, dst] = s.iloc[-1]
            cfr = g["cfr"].dropna()
            if len(cfr):
                out.loc[code, "cfr_pct_nre"] = cfr.iloc[-1]
            for src, dst in (("borrow", "borrowing_chg_1y_pct"), ("band_d", "band_d_rise_pct")):
                b = g[src].dropna()
                if src == "band_d" and len(b):
                    out.loc[code, "band_d_gbp"] = b.iloc[-1]
                if (
                    len(b) >= 2
                    and b.index[-2] == b.index[-1] - pd.DateOffset(years=1)
                    and b.iloc[-2] > 0
                ):
                    out.loc[code, dst] = 100 * (b.iloc[-1] / b.iloc[-2] - 1)
            c = g["csp"].dropna()
            if len(c) >= 2:
                p, q = c.index[-1], c.index[-2]
                if (
                    q == p - pd.DateOffset(years=1)
                    and not (q < _SERIES_BREAK <= p)
                    and c.iloc[-2] > 0
                ):
                    out.loc[code, "core_spending_power_chg_1y_pct"] = 100 * (
                        c.iloc[-1] / c.iloc[-2] - 1
                    )
    prior = events[(events["published"] <= origin) & (events["date"] <= origin)]
    out["prior_failure_ever"] = out.index.isin(prior["council_code"]).astype(float)
    for f in FEATURES:
        if f not in out.columns:
            out[f] = np.nan
    types = councils.set_index("council_code")["council_type"]
    out["council_type"] = types.reindex(out.index).to_numpy()
    return out[FEATURES + ["council_type"]]


def build_finance_features(
    observations: pd.DataFrame, events: pd.DataFrame, councils_on, origins
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

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(council_code, origin)``: :data:`FEATURES`, ``council_type`` and the
        one-hot ``council_type_*`` columns.
    """
    frames = []
    for o in sorted(pd.Timestamp(x) for x in origins):
        f = _one_origin(observations, events, councils_on(o), o)
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

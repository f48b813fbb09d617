"""Finance family data (issue 24, second pass): the as-of rule with a planted later edition
of a real-format RS workbook, the .xls and RSX editions, staleness, and councils across the
2019-2023 reorganisations."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from earlywarn.financial import (
    FEATURES,
    PREREGISTERED_SOURCES,
    build_finance_features,
    preregistered_inputs,
)
from earlywarn.sources.finance_councils import build_finance_councils
from earlywarn.sources.finance_outturn import load_rs_finance
from earlywarn.sources.finance_tables import load_finance_tables

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
if not RAW.exists():
    RAW = Path("/work/shared/data/raw")
needs_raw = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")

_RS_HEADER = [
    "E-code",
    "ONS Code",
    "Local authority",
    "Class",
    "Children Social Care",
    "Adult Social Care",
    "TOTAL SERVICE EXPENDITURE (total of lines 190 to 698)",
    "NET REVENUE EXPENDITURE",
    "COUNCIL TAX REQUIREMENT",
    "Provision for repayment of principal",
    "Interest: external payments",
    "Estimated other earmarked financial reserves level at 1 April",
    "Estimated unallocated financial reserves level at 1 April",
    "Estimated other earmarked financial reserves level at 31 March",
    "Estimated unallocated financial reserves level at 31 March",
]
# Bath & North East Somerset (unitary) and Adur (district), E-code and ONS code
_ROWS = [("E0101", "E06000022", "Bath & NE Somerset", "UA"), ("E3831", "E07000223", "Adur", "SD")]


def _rs_workbook(path: Path, reserves: float) -> None:
    """A workbook in the RS 2017-18 layout (header on row 7), £ thousand."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "RS LA Data 2017-18"
    for _ in range(6):
        ws.append(["Revenue Outturn Summary (RS) 2017-18"])
    ws.append(_RS_HEADER)
    for ids in _ROWS:
        ws.append([*ids, 20000, 50000, 100000, 100000, 60000, 3000, 2000])
        ws.cell(ws.max_row, 12, reserves)
        ws.cell(ws.max_row, 13, 5000)
        ws.cell(ws.max_row, 14, reserves)
        ws.cell(ws.max_row, 15, 5000)
    wb.save(path)


@needs_raw
def test_planted_later_rs_edition_does_not_reach_an_earlier_origin(tmp_path):
    """A restated RS workbook published after the origin leaves that origin's features as
    they were; after its publication the restated value is used (the old loader kept only
    the latest edition of a year, so the restatement replaced the value at every origin)."""
    (tmp_path / "rs").mkdir()
    shutil.copy(next(RAW.rglob("uk_local_authorities.csv")), tmp_path / "rs")
    councils = build_finance_councils(tmp_path / "rs")
    # the 2017-18 final edition of 15 November 2018 (EDITIONS)
    _rs_workbook(tmp_path / "rs" / "RS_2017-18_data_by_LA.xlsx", 15000)
    on = councils.on
    events = pd.DataFrame(columns=["council_code", "date", "published", "event_type", "status"])
    origin, later = pd.Timestamp("2019-03-31"), pd.Timestamp("2020-03-31")
    obs, _ = load_rs_finance(tmp_path / "rs", councils)
    before = build_finance_features(obs, events, on, [origin, later], stale_after_years=None)
    # plant a restated edition dated (file name) 15 January 2020
    _rs_workbook(tmp_path / "rs" / "RS_2017-18_data_by_LA_restated_15-Jan-2020.xlsx", 45000)
    obs2, rep = load_rs_finance(tmp_path / "rs", councils)
    assert len(rep.files) == 2
    after = build_finance_features(obs2, events, on, [origin, later], stale_after_years=None)
    pd.testing.assert_frame_equal(
        before.xs(origin, level="origin"), after.xs(origin, level="origin")
    )
    bath = ("E06000022", origin)
    assert before.loc[bath, "reserves_pct_nre"] == pytest.approx(20.0)  # (15 + 5) / 100
    assert after.loc[("E06000022", later), "reserves_pct_nre"] == pytest.approx(50.0)
    assert after.loc[("E07000223", later), "reserves_pct_nre"] == pytest.approx(50.0)
    restated = obs2[obs2["published"] == pd.Timestamp("2020-01-15")]
    assert len(restated) and (restated["period"] <= pd.Timestamp("2018-03-31")).all()


def test_stale_values_are_missing_not_carried_forward():
    """Reserves whose period ended more than two years before the origin are missing (the
    age column still says how old the latest value is); the pre-registered setting (None)
    carries them, as it was scored."""
    councils = pd.DataFrame({"council_code": ["A"], "council_type": ["district"]})
    rows = []
    for y in (2016, 2017, 2018):
        p, pub = pd.Timestamp(y, 3, 31), pd.Timestamp(y, 11, 30)
        rows += [
            ("A", p, "usable_reserves_gbp_m", 10.0 + y - 2016, pub, "rs_finance"),
            ("A", p, "net_revenue_expenditure_gbp_m", 100.0, pub, "rs_finance"),
            ("A", p, "dsg_deficit_pct_of_grant", 2.0, pub, "dsg_deficits"),
        ]
    rows.append(("A", pd.Timestamp("2017-06-01"), "childrens_services_judgement", 4.0,
                 pd.Timestamp("2017-07-01"), "ofsted_inspections"))  # fmt: skip
    obs = pd.DataFrame(
        rows, columns=["council_code", "period", "measure", "value", "published", "source"]
    )
    ev = pd.DataFrame(columns=["council_code", "date", "published", "event_type", "status"])
    origins = [pd.Timestamp("2020-03-31"), pd.Timestamp("2021-03-31")]
    f = build_finance_features(obs, ev, lambda o: councils, origins)
    fresh, stale = f.loc[("A", origins[0])], f.loc[("A", origins[1])]
    assert fresh["reserves_pct_nre"] == pytest.approx(12.0)
    assert fresh["dsg_deficit_pct_grant"] == pytest.approx(2.0)
    assert np.isnan(stale["reserves_pct_nre"]) and np.isnan(stale["reserves_pct_nre_chg_1y_pp"])
    assert np.isnan(stale["dsg_deficit_pct_grant"])
    assert stale["finance_data_age_years"] == pytest.approx(3.0, abs=0.01)
    assert stale["childrens_services_judgement"] == 4.0  # a judgement stands until the next
    carried = build_finance_features(obs, ev, lambda o: councils, origins, stale_after_years=None)
    assert carried.loc[("A", origins[1]), "reserves_pct_nre"] == pytest.approx(12.0)
    kept, settings = preregistered_inputs(obs)
    assert set(kept["source"]) == {"rs_finance"} and settings == {"stale_after_years": None}


@pytest.fixture(scope="module")
def tables():
    return load_finance_tables(RAW)


@needs_raw
def test_xls_and_rsx_editions_are_read(tables):
    obs = tables.observations
    xls = obs[obs["source"] == "rs_finance_xls"]
    res = xls[xls["measure"] == "usable_reserves_gbp_m"]
    # 31 March 2010 (1 April levels of 2010-11) .. 31 March 2015, ~350 councils each
    per = res.groupby("period")["council_code"].nunique()
    assert list(per.index.year) == [2010, 2011, 2012, 2013, 2014, 2015]
    assert (per > 340).all()
    # each edition dated by the date in its file name
    assert set(xls["published"].dt.strftime("%Y-%m-%d")) == {
        "2012-11-27", "2013-11-28", "2014-02-18", "2015-01-28", "2016-02-02"
    }  # fmt: skip
    # Bath & NE Somerset at 31 March 2014: 38,883 + 10,472 (£ thousand, RS 2013-14 (2))
    bath = res[(res["council_code"] == "E06000022") & (res["period"] == "2014-03-31")]
    assert sorted(bath["value"].round(3)) == [49.355, 52.03]  # 2013-14, restated in 2014-15
    assert set(PREREGISTERED_SOURCES).isdisjoint({"rs_finance_xls", "rsx_outturn"})
    rsx = obs[obs["source"] == "rsx_outturn"]
    got = rsx.groupby(["period", "published"])["council_code"].nunique()
    assert got[(pd.Timestamp("2023-03-31"), pd.Timestamp("2023-12-14"))] > 300
    assert got[(pd.Timestamp("2024-03-31"), pd.Timestamp("2024-08-29"))] > 250
    # districts are read too (no social care: a share of 0)
    assert rsx["council_code"].str.startswith("E07").sum() > 300


@needs_raw
def test_childrens_panel_measures(tables):
    obs = tables.observations
    types = tables.councils.councils.set_index("council_code")["council_type"]
    for m in ("dsg_deficit_pct_of_grant", "childrens_services_judgement"):
        kinds = set(types.reindex(obs.loc[obs["measure"] == m, "council_code"]))
        assert len(kinds) and "district" not in kinds, m
    # political control for every council, districts included (317 of 318 on 2025-03-31:
    # the City of London has no party groups)
    pol = obs[obs["measure"] == "political_control_changes_4y"]
    latest = pol[pol["period"] == pd.Timestamp("2024-05-31")]
    assert latest["council_code"].nunique() >= 315
    assert (types.reindex(latest["council_code"]) == "district").sum() >= 160


#: (abolished predecessors, successors, the first day of the successors)
REORGANISATIONS = [
    (["E06000028", "E06000029", "E07000048", "E07000051", "E10000009"],
     ["E06000058", "E06000059"], "2019-04-01"),  # Dorset, BCP
    (["E07000004", "E07000005", "E07000006", "E07000007", "E10000002"],
     ["E06000060"], "2020-04-01"),  # Buckinghamshire
    (["E07000150", "E07000151", "E07000155", "E10000021"],
     ["E06000061", "E06000062"], "2021-04-01"),  # Northamptonshire
    (["E07000026", "E07000029", "E07000031", "E10000006"],
     ["E06000063", "E06000064"], "2023-04-01"),  # Cumbria
    (["E07000163", "E07000169", "E10000023"], ["E06000065"], "2023-04-01"),  # North Yorkshire
    (["E07000187", "E07000188", "E07000189", "E10000027"], ["E06000066"], "2023-04-01"),
]  # fmt: skip


@needs_raw
def test_districts_across_the_reorganisations(tables):
    """Predecessors are in the panel up to the origin before their abolition, with their own
    values and events; successors only from their first origin, never inheriting them."""
    origins = pd.to_datetime([f"{y}-03-31" for y in range(2018, 2026)])
    f = build_finance_features(tables.observations, tables.events, tables.councils.on, origins)
    for old, new, start in REORGANISATIONS:
        start = pd.Timestamp(start)
        for o in origins:
            codes = set(f.xs(o, level="origin").index)
            alive_old, alive_new = o < start, o >= start
            assert all((c in codes) == alive_old for c in old), (start, o)
            assert all((c in codes) == alive_new for c in new), (start, o)
        last = max(o for o in origins if o < start)
        # the predecessors' own latest values (RS 2017-18) at their last origin
        assert f.loc[[(c, last) for c in old], "finance_data_age_years"].notna().all()
    # events stay with their council: Northamptonshire's 2018 notices, not its successors
    assert f.loc[("E10000021", pd.Timestamp("2020-03-31")), "prior_failure_ever"] == 1.0
    assert f.loc[("E06000061", pd.Timestamp("2022-03-31")), "prior_failure_ever"] == 0.0
    assert f.loc[("E06000062", pd.Timestamp("2022-03-31")), "prior_failure_ever"] == 0.0
    # Dorset (created 2019) has no reserves until its own RS 2023-24 is published
    assert np.isnan(f.loc[("E06000059", pd.Timestamp("2020-03-31")), "reserves_pct_nre"])
    assert f.loc[("E06000059", pd.Timestamp("2025-03-31")), "reserves_pct_nre"] > 0
    # no value of a council before it existed (the 1 April levels of a new council's
    # first return are dated the day before its first day)
    c = tables.councils.councils.set_index("council_code")
    obs = tables.observations
    start = obs["council_code"].map(c["valid_from"])
    early = start.notna() & (obs["period"] < start - pd.Timedelta(days=1))
    early &= ~obs["source"].isin(["core_spending_power", "council_tax_ctr"])  # budgets
    # shadow-authority elections: Cumberland and Westmorland & Furness elected their
    # councils in May 2022, eleven months before vesting day (published June 2022)
    early &= ~obs["source"].eq("political_control")
    assert not early.any(), obs[early].head()
    assert set(FEATURES) <= set(f.columns)


def _loop_reference(obs, origin, codes, stale_after_years) -> pd.DataFrame:
    """The per-council loop the finance features were first built with (kept here only as
    the known answer for the vectorised build): one council at a time, ``.loc`` by code."""
    k = obs[obs["published"] <= origin]
    k = k.sort_values(["council_code", "measure", "period", "published"], kind="stable")
    k = k.drop_duplicates(["council_code", "measure", "period"], keep="last")
    w = k.pivot_table(index=["council_code", "period"], columns="measure", values="value")
    out = pd.DataFrame(index=pd.Index(codes, name="council_code"))
    limit = None if stale_after_years is None else pd.Timedelta(days=365.25 * stale_after_years + 1)

    def col(name):
        return w[name] if name in w.columns else pd.Series(np.nan, index=w.index)

    def fresh(p):
        return limit is None or origin - p <= limit

    def change(b):
        ok = len(b) >= 2 and b.index[-2] == b.index[-1] - pd.DateOffset(years=1)
        return (
            100 * (b.iloc[-1] / b.iloc[-2] - 1)
            if ok and b.iloc[-2] > 0 and fresh(b.index[-1])
            else np.nan
        )

    nre = col("net_revenue_expenditure_gbp_m").where(lambda s: s > 0)
    nre_f = nre.groupby(level=0).transform(lambda s: s.bfill().ffill())
    tse = col("total_service_expenditure_gbp_m").where(lambda s: s > 0)
    care = col("childrens_social_care_spend_gbp_m") + col("adult_social_care_spend_gbp_m")
    latest = {
        "debt_service_pct_nre": 100 * (col("mrp_gbp_m") + col("external_interest_gbp_m")) / nre,
        "council_tax_pct_nre": 100 * col("council_tax_requirement_gbp_m") / nre,
        "social_care_pct_service_spend": 100 * care / tse,
        "cfr_pct_nre": 100 * col("cfr_gbp_m") / nre_f,
        "band_d_gbp": col("band_d_gbp"),
        "dsg_deficit_pct_grant": col("dsg_deficit_pct_of_grant"),
        "political_no_overall_control": col("political_no_overall_control"),
        "political_control_changes_4y": col("political_control_changes_4y"),
    }
    frame = pd.DataFrame(
        {
            "ratio": 100 * col("usable_reserves_gbp_m") / nre_f,
            "unall": 100 * col("unallocated_reserves_gbp_m") / nre_f,
            "csp": col("core_spending_power_gbp_m"),
            "borrow": col("gross_borrowing_gbp_m"),
            "judgement": col("childrens_services_judgement"),
            **latest,
        }
    ).reset_index()
    for code, g in frame[frame["council_code"].isin(out.index)].groupby("council_code"):
        g = g.set_index("period").sort_index()
        r = g["ratio"].dropna()
        if len(r):
            p = r.index[-1]
            out.loc[code, "finance_data_age_years"] = (origin - p).days / 365.25
            if fresh(p):
                out.loc[code, "reserves_pct_nre"] = r.iloc[-1]
                for n in (1, 3):
                    if p - pd.DateOffset(years=n) in r.index:
                        before = r.loc[p - pd.DateOffset(years=n)]
                        out.loc[code, f"reserves_pct_nre_chg_{n}y_pp"] = r.iloc[-1] - before
            u = g["unall"].dropna()
            if len(u) and fresh(u.index[-1]):
                out.loc[code, "unallocated_pct_nre"] = u.iloc[-1]
        for name in latest:
            x = g[name].dropna()
            if len(x) and fresh(x.index[-1]):
                out.loc[code, name] = x.iloc[-1]
        x = g["judgement"].dropna()
        if len(x):
            out.loc[code, "childrens_services_judgement"] = x.iloc[-1]
        c = g["social_care_pct_service_spend"].dropna()
        if (
            len(c) >= 2
            and c.index[-2] == c.index[-1] - pd.DateOffset(years=1)
            and fresh(c.index[-1])
        ):
            out.loc[code, "social_care_pct_chg_1y_pp"] = c.iloc[-1] - c.iloc[-2]
        out.loc[code, "borrowing_chg_1y_pct"] = change(g["borrow"].dropna())
        out.loc[code, "band_d_rise_pct"] = change(g["band_d_gbp"].dropna())
        c = g["csp"].dropna()
        if len(c) >= 2 and not (c.index[-2] < pd.Timestamp("2017-03-31") <= c.index[-1]):
            out.loc[code, "core_spending_power_chg_1y_pct"] = change(c)
    return out


@needs_raw
@pytest.mark.parametrize("stale", [2.0, None])
def test_vectorised_features_equal_the_per_council_loop(tables, stale):
    """The finance features (built per origin with groupby, not a per-council loop) equal
    the loop's, value for value, on the real tables at origins across every source's span."""
    origins = pd.to_datetime(["2012-03-31", "2016-03-31", "2019-03-31", "2021-03-31",
                              "2024-03-31", "2025-03-31"])  # fmt: skip
    obs, ev, on = tables.observations, tables.events, tables.councils.on
    got = build_finance_features(obs, ev, on, origins, stale_after_years=stale)
    loop = [c for c in FEATURES if c != "prior_failure_ever"]
    for o in origins:
        mine = got.xs(o, level="origin")[loop]
        ref = _loop_reference(obs, o, on(o)["council_code"], stale)
        ref = ref.reindex(columns=loop).astype(float)
        pd.testing.assert_frame_equal(mine, ref, check_exact=True, obj=str(o.date()))
    assert got["reserves_pct_nre_chg_3y_pp"].notna().any()
    assert got["core_spending_power_chg_1y_pct"].notna().any()

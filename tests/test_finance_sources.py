"""Finance loaders on the real raw files, and the as-of rule of the finance features."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.financial import build_finance_features
from earlywarn.sources.allowance import load_allowance
from earlywarn.sources.finance_councils import build_finance_councils
from earlywarn.sources.finance_events_dated import load_finance_events_dated
from earlywarn.sources.finance_tables import load_finance_tables

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
if not RAW.exists():
    RAW = Path("/work/shared/data/raw")
needs_raw = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")


@pytest.fixture(scope="module")
def tables():
    return load_finance_tables(RAW)


@needs_raw
def test_every_event_matched_or_allowed():
    councils = build_finance_councils(RAW)
    events, rep = load_finance_events_dated(RAW, councils)
    csv = pd.read_csv(next(RAW.rglob("efs_s114_events_dated.csv")), dtype=str)
    allow = load_allowance()
    unmatched = [key for key, _, _ in rep.unmatched_at.values()]
    assert len(events) + rep.skipped.get("not a principal council", 0) == len(csv)
    assert all(
        allow.allows("finance_events_dated", "efs_s114_events_dated.csv", k) for k in unmatched
    )
    assert set(events["council_code"]) <= set(councils.councils["council_code"])
    # districts are councils here: Eastbourne, Woking, Worthing, Copeland
    assert {"E07000061", "E07000217", "E07000229", "E07000029"} <= set(events["council_code"])


@needs_raw
def test_councils_span_the_reorganisations():
    c = build_finance_councils(RAW)
    before, after = c.on("2023-03-31"), c.on("2023-04-01")
    assert "E07000029" in set(before["council_code"])  # Copeland
    assert "E07000029" not in set(after["council_code"])
    assert "E06000063" in set(after["council_code"])  # Cumberland
    assert (after["council_type"] == "district").sum() == 164
    assert len(c.on("2025-03-31")) == 318
    assert c.resolve_ecode("E0934", "2022-03-31") == "E07000029"


@needs_raw
def test_imprecise_dates_span_earliest_to_latest_possible_day():
    events, _ = load_finance_events_dated(RAW, build_finance_councils(RAW))
    ev = events
    nh = ev[(ev["council_code"] == "E10000021") & (ev["precision"] == "month")]
    assert list(nh["date"]) == [pd.Timestamp("2018-07-31")]
    assert list(nh["date_earliest"]) == [pd.Timestamp("2018-07-01")]
    approx = ev[ev["precision"] == "approx_month"]
    assert (approx["date"] == approx["date"] + pd.offsets.MonthEnd(0)).all()
    assert (approx["date_earliest"] == approx["date"] - pd.offsets.MonthBegin(1)).all()
    assert (ev["date_earliest"] <= ev["date"]).all()
    day = ev[ev["precision"] == "day"]
    assert (day["date_earliest"] == day["date"]).all()
    # "on or before 29 Feb 2024" on the 2022-23 page: from 1 April 2021 (2021-22 in principle)
    ub = ev[(ev["precision"] == "upper_bound") & (ev["year_page"] == "2022-23")]
    assert len(ub) and (ub["date"] == pd.Timestamp("2024-02-29")).all()
    assert (ub["date_earliest"] == pd.Timestamp("2021-04-01")).all()


@needs_raw
def test_tables_have_published_dates_and_districts(tables):
    obs = tables.observations
    assert obs["published"].notna().all()
    csp = obs[obs["source"] == "core_spending_power"]
    # a settlement is published before its year: 1 March of the year before it ends
    assert len(csp) and (csp["published"] < csp["period"]).all()
    assert (csp["published"] == csp["period"] - pd.DateOffset(years=1, days=30)).all()
    rs = obs[obs["source"] == "rs_finance"]
    assert (rs["published"] > rs["period"]).all()
    codes = set(rs.loc[rs["measure"] == "usable_reserves_gbp_m", "council_code"])
    assert sum(c.startswith("E07") for c in codes) > 150


def test_planted_later_edition_does_not_change_an_earlier_origin():
    """A later edition that restates a value must not reach an origin before it."""
    councils = pd.DataFrame({"council_code": ["A", "B"], "council_type": ["district", "unitary"]})
    rows = []
    for code, res in (("A", 10.0), ("B", 30.0)):
        for y in (2016, 2017, 2018):
            p, pub = pd.Timestamp(y, 3, 31), pd.Timestamp(y, 11, 30)
            rows += [
                (code, p, "usable_reserves_gbp_m", res + y - 2016, pub, "rs"),
                (code, p, "net_revenue_expenditure_gbp_m", 100.0, pub, "rs"),
            ]
    obs = pd.DataFrame(
        rows, columns=["council_code", "period", "measure", "value", "published", "source"]
    )
    ev = pd.DataFrame(columns=["council_code", "date", "published", "event_type", "status"])
    origin = pd.Timestamp("2020-03-31")
    before = build_finance_features(obs, ev, lambda o: councils, [origin])
    planted = obs.copy()
    later = planted[planted["measure"] == "usable_reserves_gbp_m"].assign(
        value=-500.0, published=pd.Timestamp("2020-04-01")
    )
    planted = pd.concat([planted, later], ignore_index=True)
    after = build_finance_features(planted, ev, lambda o: councils, [origin])
    pd.testing.assert_frame_equal(before, after)
    # the planted periods end two years and a day before this origin: without the
    # staleness rule (tested in test_finance_data.py) so that the as-of rule alone is seen
    seen = build_finance_features(
        planted, ev, lambda o: councils, [pd.Timestamp("2020-04-01")], stale_after_years=None
    )
    assert (seen["reserves_pct_nre"] == -500.0).all()
    assert before.loc[("A", origin), "reserves_pct_nre"] == pytest.approx(12.0)
    assert before.loc[("A", origin), "reserves_pct_nre_chg_1y_pp"] == pytest.approx(1.0)
    assert before.loc[("A", origin), "finance_data_age_years"] == pytest.approx(2.0, abs=0.01)


def test_raw_copy_without_allowance_entry_stops(tmp_path):
    """An event of a body that is not a council stops the load unless the allowance names it."""
    if not RAW.exists():
        pytest.skip("shared raw data not present")
    src = next(RAW.rglob("efs_s114_events_dated.csv"))
    (tmp_path / "ev").mkdir()
    shutil.copy(src, tmp_path / "ev" / src.name)
    shutil.copy(next(RAW.rglob("uk_local_authorities.csv")), tmp_path / "ev")
    empty = tmp_path / "allow.toml"
    empty.write_text("", encoding="utf-8")
    from earlywarn.errors import UserInputError
    from earlywarn.sources.allowance import load_allowance as load

    with pytest.raises(UserInputError, match="E47000002"):
        load_finance_tables(tmp_path / "ev", load(empty))
    assert len(load_finance_tables(tmp_path / "ev").events) > 90


@needs_raw
def test_capital_and_council_tax_as_published(tables):
    obs = tables.observations
    cfr = obs[obs["measure"] == "cfr_gbp_m"]
    # forecasts (CER) are published before their period ends; outturns after
    fc = cfr[cfr["source"] == "capital_forecast"]
    assert len(fc) and (fc["published"] <= fc["period"]).all()
    assert (cfr.loc[cfr["source"] == "capital_outturn", "published"] > cfr["period"].min()).all()
    bd = obs[obs["measure"] == "band_d_gbp"]
    # the 2023-24 table is published on 31 March 2023, for the year to 31 March 2024
    latest = bd[bd["period"] == pd.Timestamp("2024-03-31")]
    assert len(latest) > 250 and (latest["published"] == pd.Timestamp("2023-03-31")).all()
    # districts and unitaries bill council tax; counties precept (not read)
    types = tables.councils.councils.set_index("council_code")["council_type"]
    kinds = set(types.reindex(latest["council_code"]))
    assert "district" in kinds and "county" not in kinds
    # the register's missing E-codes of the new unitaries were learnt from the ODS table
    assert tables.councils.resolve_gss("E06000060") in set(bd["council_code"])

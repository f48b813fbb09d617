"""Back-filled series: the DfE LAIT snapshot (only where no first edition gives a value,
dated by first-print dates, marked revised) and IMD 2010/2015 district tables aggregated
to the upper-tier councils of their release date (population-weighted, planted county)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.sources import load_dfe_csc
from earlywarn.sources.crosswalk import build_crosswalk
from earlywarn.sources.imd_districts import aggregate_districts, load_imd_districts
from earlywarn.sources.lait import keep_gaps, lait_year, load_lait

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")
LAIT = RAW / "dfe_lait" / "bds_long_0.parquet"
REGISTER = "mysociety_la_codes/uk_local_authorities.csv"
BARKING = "E09000002"


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


@pytest.fixture(scope="module")
def lait(cw):
    return load_lait(RAW, cw)


def _one(obs, code, period, measure):
    hit = obs[
        obs["council_code"].eq(code)
        & obs["period"].eq(pd.Timestamp(period))
        & obs["measure"].eq(measure)
    ]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# -- LAIT ------------------------------------------------------------------------------------


def test_lait_year_labels():
    assert lait_year("2015", "f") == (2015, 1)
    assert lait_year("2015-16 (OT)", "f") == (2016, 1)  # outturn of the year ending March 2016
    assert lait_year("2018 (Revised)", "f") == (2018, 2)
    assert lait_year("2014/15", "f") == (2015, 1)
    for bad in ("2013-15", "FY2015", "2015-17 (OT)"):  # a three-year range is not a year
        with pytest.raises(UserInputError, match="column Years"):
            lait_year(bad, "bds.parquet")


def test_lait_values_and_dates_by_hand(lait):
    """Barking and Dagenham (DfE 301), read by hand from bds_long_0.parquet: each value at
    its period's usual first-print date."""
    obs, rep = lait
    r = _one(obs, BARKING, "2015-09-30", "sw_turnover_pct")  # workforce at 30 Sep 2015
    assert r["value"] == 35.0 and r["published"] == pd.Timestamp("2016-02-29")
    r = _one(obs, BARKING, "2018-03-31", "cla_rate_per_10k")  # the missing CLA year
    assert r["value"] == 65.0 and r["published"] == pd.Timestamp("2018-12-31")
    r = _one(obs, BARKING, "2016-03-31", "s251_cla_gross_spend_gbp_m")  # 2015-16 (OT), £ cash
    assert r["value"] == pytest.approx(26.18417) and r["published"] == pd.Timestamp("2017-03-31")
    assert (obs["source"] == "dfe_lait").all()
    assert rep.skipped["England or region row"] > 0 and rep.suppressed > 0  # "-" = missing
    # Kingston upon Thames (314), Cumberland (942, from 2023) resolve; Cumbria (909) is
    # never given a value for a period after it was abolished
    assert _one(obs, "E09000021", "2015-09-30", "sw_turnover_pct")["value"] == 14.0
    cumbria = obs[obs["council_code"].eq("E10000006")]
    assert cumbria["period"].max() < pd.Timestamp("2023-04-01")


def test_lait_only_fills_what_no_first_edition_gives(cw, lait):
    obs, _ = lait
    dfe, _ = load_dfe_csc(RAW, cw)
    from earlywarn.sources._common import SourceReport

    rep = SourceReport("dfe_lait")
    kept = keep_gaps(obs, dfe, rep)
    key = ["council_code", "period", "measure"]
    both = kept.merge(dfe[key].drop_duplicates(), on=key)
    assert both.empty
    assert rep.skipped["provided by a first edition in the folder (LAIT value not used)"] > 5000
    years = kept.groupby("measure")["period"].agg(lambda p: sorted({d.year for d in p}))
    # workforce: the DfE editions here start at 30 Sep 2017, so 2015 and 2016 come from LAIT
    assert {2015, 2016} <= set(years["sw_turnover_pct"])
    assert (
        kept[kept["measure"].eq("sw_turnover_pct")]["period"].dt.year.isin([2015, 2016]).sum() > 280
    )
    assert 2018 in years["cla_rate_per_10k"]  # between the SFR tables and the EES files


def test_lait_fills_a_first_edition_gap_only_from_the_snapshot(cw, lait):
    """Review item 1 (planted): Barking's 30 Sep 2018 turnover removed from the DfE first
    edition, which still covers the year for every other council. LAIT's later value fills
    the cell but is dated at the snapshot (25 March 2025), not at the first print (end of
    February 2019): an origin before the snapshot still sees no value. A year no first
    edition covers (2015) keeps its first-print date."""
    from earlywarn.panel import asof_observations
    from earlywarn.sources._common import SourceReport
    from earlywarn.sources.lait import LAIT_SNAPSHOT

    obs, _ = lait
    dfe, _ = load_dfe_csc(RAW, cw)
    cell = (
        dfe["council_code"].eq(BARKING)
        & dfe["period"].eq(pd.Timestamp("2018-09-30"))
        & dfe["measure"].eq("sw_turnover_pct")
    )
    assert cell.any() and dfe.loc[~cell, "period"].eq(pd.Timestamp("2018-09-30")).any()
    kept = keep_gaps(obs, dfe[~cell], SourceReport("dfe_lait"))
    r = _one(kept, BARKING, "2018-09-30", "sw_turnover_pct")
    assert r["published"] == LAIT_SNAPSHOT == pd.Timestamp("2025-03-25")
    assert r["source"] == "dfe_lait"  # marked revised in load_raw_tables
    for origin in ("2019-03-31", "2024-03-31", "2025-03-24"):
        seen = asof_observations(kept, pd.Timestamp(origin))
        hit = seen["council_code"].eq(BARKING) & seen["measure"].eq("sw_turnover_pct")
        assert pd.Timestamp("2018-09-30") not in set(seen.loc[hit, "period"]), origin
    seen = asof_observations(kept, pd.Timestamp("2025-03-31"))
    assert len(_one(seen, BARKING, "2018-09-30", "sw_turnover_pct")) > 0
    assert _one(kept, BARKING, "2015-09-30", "sw_turnover_pct")["published"] == pd.Timestamp(
        "2016-02-29"
    )


def _lait_copy(tmp_path: Path, **edit) -> Path:
    df = pd.read_parquet(LAIT)
    df = df[df["LA Number"].isin([301.0, 970.0])].reset_index(drop=True)
    for col, (old, new) in edit.items():
        df[col] = df[col].replace(old, new)
    (tmp_path / "lait").mkdir()
    path = tmp_path / "lait" / "bds.parquet"
    df.to_parquet(path, index=False)
    return path


def test_lait_broken_copies(tmp_path, cw):
    _lait_copy(tmp_path, Years=("2015", "2015 (estimate)"))
    with pytest.raises(UserInputError, match=r"bds.parquet, column Years: '2015 \(estimate\)'"):
        load_lait(tmp_path, cw)
    shutil.rmtree(tmp_path / "lait")
    _lait_copy(tmp_path, **{"LA Number": (301.0, 399.0)})
    obs, rep = load_lait(tmp_path, cw)
    assert obs.empty and rep.unmatched == ["399"]
    shutil.rmtree(tmp_path / "lait")
    _lait_copy(tmp_path, Values=("35", "thirty-five"))
    with pytest.raises(UserInputError, match="column Values: 'thirty-five'"):
        load_lait(tmp_path, cw)


# -- IMD 2010 / 2015 at district level -------------------------------------------------------


def test_aggregate_districts_weights_and_partial_councils():
    v = pd.DataFrame({"s": [10.0, 30.0, 5.0, 8.0]}, index=["d1", "d2", "d3", "u"])
    w = pd.Series({"d1": 100.0, "d2": 300.0, "d3": 50.0, "u": 1.0})
    out = aggregate_districts(v, {"d1": "C", "d2": "C", "d3": "P", "u": None}, w, {"P"})
    assert out["s"].to_dict() == {"C": 25.0}  # P is covered in part only; u has no parent


def test_imd_districts_planted_county(tmp_path, cw):
    """A planted IoD2015 district table: Cumbria's six districts with made-up scores give
    the county their population-weighted mean (pop-2020 of the register); North and West
    Northamptonshire (2021 unitaries, a split) go back to Northamptonshire; Bournemouth,
    Christchurch and Poole (a merger) and Dorset Council (a boundary change) leave
    Bournemouth, Poole and Dorset County Council out."""
    reg = pd.read_csv(RAW / REGISTER, dtype=str)
    cumbria = reg[reg["county-la"].eq("CMA") & reg["gss-code"].str.startswith("E07")]
    assert len(cumbria) == 6
    codes = [*cumbria["gss-code"], "E06000061", "E06000062", "E06000058", "E06000059", "E06000001"]
    scores = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 11.0, 22.0, 33.0, 44.0, 55.0]
    props = [0.1, 0.0, 0.2, 0.0, 0.3, 0.0, 0.5, 0.0, 0.1, 0.1, 0.4]
    (tmp_path / "imd").mkdir()
    pd.DataFrame(
        {"ltla21_code": codes, "Score": scores, "Proportion": props, "Extent": 0.0}
    ).to_csv(tmp_path / "imd" / "imd2015_lad21_planted.csv", index=False)
    (tmp_path / REGISTER).parent.mkdir(parents=True)
    shutil.copyfile(RAW / REGISTER, tmp_path / REGISTER)
    obs, rep = load_imd_districts(tmp_path, cw)
    pop = dict(zip(reg["gss-code"], reg["pop-2020"].astype(float), strict=False))
    w = [pop[c] for c in cumbria["gss-code"]]
    want = sum(s * x for s, x in zip(scores[:6], w, strict=True)) / sum(w)
    score = obs[obs["measure"].eq("deprivation_imd_score")].set_index("council_code")["value"]
    assert score["E10000006"] == pytest.approx(want)
    n = [pop["E06000061"], pop["E06000062"]]
    assert score["E10000021"] == pytest.approx((11 * n[0] + 22 * n[1]) / sum(n))
    assert score["E06000001"] == 55.0
    assert not {"E06000028", "E06000029", "E10000009", "E06000058", "E06000059"} & set(score.index)
    dec = obs[obs["measure"].eq("deprivation_lsoa_decile1_pct")].set_index("council_code")
    assert dec.at["E06000001", "value"] == pytest.approx(40.0)
    assert (obs["period"] == pd.Timestamp("2015-09-30")).all()
    assert (obs["published"] == obs["period"]).all() and set(obs["source"]) == {"imd2015_districts"}
    assert rep.skipped["imd2015: council covered in part only (left out)"] == 3
    # the edition comes from the file name; an unknown one is an error, not a guess
    (tmp_path / "imd" / "imd2015_lad21_planted.csv").rename(tmp_path / "imd" / "imd2031_x.csv")
    with pytest.raises(UserInputError, match="imd2031_x.csv: the file name gives no IMD edition"):
        load_imd_districts(tmp_path, cw)


def test_imd_districts_real_files(cw):
    obs, rep = load_imd_districts(RAW, cw)
    score = obs[obs["measure"].eq("deprivation_imd_score")]
    for date in ("2011-03-24", "2015-09-30"):
        alive = set(cw.current_on(date)["council_code"])
        got = set(score.loc[score["period"].eq(date), "council_code"])
        assert got <= alive and alive - got == {"E06000028", "E06000029", "E10000009"}
    # a unitary is its own district: Hartlepool's IoD2015 district score
    assert _one(obs, "E06000001", "2015-09-30", "deprivation_imd_score")["value"] == pytest.approx(
        33.17786853574449
    )
    # the aggregates track the official IoD2019 upper-tier scores
    from earlywarn.sources import load_imd

    official = load_imd(RAW, cw)[0]
    official = official[official["measure"].eq("deprivation_imd_score")].set_index("council_code")
    agg = score[score["period"].eq("2015-09-30")].set_index("council_code")["value"]
    assert agg.corr(official["value"].reindex(agg.index)) > 0.95

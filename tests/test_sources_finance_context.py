"""Tests for the RS reserves, IMD, Oflog ASC and older CLA loaders on the staged files,
and on deliberately broken copies (renamed column, extra header row, suppressed cell,
unknown council code)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.sources.cla_sfr import add_cla_rates, load_cla_sfr
from earlywarn.sources.crosswalk import build_crosswalk
from earlywarn.sources.imd import load_imd
from earlywarn.sources.oflog_asc import load_oflog_asc
from earlywarn.sources.revenue_outturn import load_revenue_outturn

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")
RS16 = "RS_2016-17_data_by_LA.xlsx"
SHEET16 = "RS LA Data 2016-17"
BRISTOL = "E06000023"


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


def _one(obs, code, period, measure, published=None):
    hit = obs[
        obs["council_code"].eq(code)
        & obs["period"].eq(pd.Timestamp(period))
        & obs["measure"].eq(measure)
    ]
    if published is not None:
        hit = hit[hit["published"].eq(pd.Timestamp(published))]
    assert len(hit) == 1, hit
    return float(hit["value"].iloc[0])


# -- RS reserves ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rs(cw):
    return load_revenue_outturn(RAW, cw)


def test_rs_shape_and_coverage(rs):
    obs, rep = rs
    assert len(rep.files) == 3
    assert rep.unmatched == []
    assert rep.skipped["not an upper-tier council (district)"] > 500
    assert rep.suppressed > 0  # '…' cells in unused columns are counted too
    per_year = obs[obs["measure"].eq("net_revenue_expenditure_gbp_m")].groupby("period").size()
    assert list(per_year.index.year) == [2016, 2017, 2018]
    assert per_year.min() >= 148
    assert set(obs["published"].dt.strftime("%m-%d")) == {"11-30"}


def test_rs_values_by_hand(rs):
    obs = rs[0]
    # Bristol 2016-17 (row 9 of the sheet): NET REVENUE EXPENDITURE 382756 (£k)
    assert _one(obs, BRISTOL, "2017-03-31", "net_revenue_expenditure_gbp_m") == pytest.approx(
        382.756
    )
    # reserves at 31 March 2017: other earmarked 47479 + unallocated 20000
    v = _one(obs, BRISTOL, "2017-03-31", "usable_reserves_gbp_m", "2017-11-30")
    assert v == pytest.approx(67.479)
    # the 2017-18 workbook restates 31 March 2017 (its "at 1 April" columns): both kept
    assert _one(obs, BRISTOL, "2017-03-31", "usable_reserves_gbp_m", "2018-11-30") > 0
    # 2015-16: children's 76292 + adults' 146275 over total service expenditure
    share = _one(obs, BRISTOL, "2016-03-31", "social_care_spend_share_pct")
    assert 30 < share < 40


def _rs_copy(tmp_path: Path) -> Path:
    shutil.copytree(RAW / "mysociety_la_codes", tmp_path / "mysociety_la_codes")
    shutil.copytree(RAW / "d2i_ilacs_scrape", tmp_path / "d2i_ilacs_scrape")
    (tmp_path / "rs").mkdir()
    return tmp_path / "rs" / RS16


def _edit(target: Path, edit) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(RAW / "bbc_council_reserves" / RS16)
    edit(wb[SHEET16])
    wb.save(target)


def test_rs_broken_copies(tmp_path, cw):
    target = _rs_copy(tmp_path)

    def rename(ws):
        ws.cell(7, 59).value = "NET REV EXPENDITURE"

    _edit(target, rename)
    with pytest.raises(UserInputError, match=r"RS_2016-17.*sheet 'RS LA Data 2016-17'.*row 7"):
        load_revenue_outturn(tmp_path, cw)

    def suppress_and_unknown(ws):
        ws.cell(9, 59).value = "..."  # Bristol's net revenue expenditure suppressed
        ws.cell(10, 2).value = "E06999999"  # South Gloucestershire: unknown ONS code
        ws.cell(10, 1).value = "E9999"

    _edit(target, suppress_and_unknown)
    obs, rep = load_revenue_outturn(tmp_path, cw)
    assert rep.suppressed >= 1
    assert not (
        obs["council_code"].eq(BRISTOL) & obs["measure"].eq("net_revenue_expenditure_gbp_m")
    ).any()
    assert _one(obs, BRISTOL, "2017-03-31", "usable_reserves_gbp_m") == pytest.approx(67.479)
    assert rep.skipped["unknown council code"] == 1
    assert any("E06999999" in u for u in rep.unmatched)
    assert not obs["council_code"].eq("E06000025").any()  # never a silent wrong join

    def extra_row(ws):
        ws.insert_rows(1)

    _edit(target, extra_row)  # documented: the header is found by its 'E-code' cell
    obs, _ = load_revenue_outturn(tmp_path, cw)
    assert _one(obs, BRISTOL, "2017-03-31", "net_revenue_expenditure_gbp_m") == pytest.approx(
        382.756
    )

    def codes_disagree(ws):
        ws.cell(9, 1).value = "E0103"  # Bristol's row with South Gloucestershire's E-code

    _edit(target, codes_disagree)
    with pytest.raises(UserInputError, match="row 9.*E-code 'E0103'"):
        load_revenue_outturn(tmp_path, cw)


# -- IMD ------------------------------------------------------------------------------------


def test_imd_real_file(cw):
    obs, rep = load_imd(RAW, cw)
    assert rep.rows_read == 151 and rep.unmatched == []
    score = obs[obs["measure"].eq("deprivation_imd_score")]
    assert len(score) == 151
    # Hartlepool 35.037, Middlesbrough 40.460 (first rows of imd19_utla.csv)
    assert _one(obs, "E06000001", "2019-09-26", "deprivation_imd_score") == 35.037
    assert _one(obs, "E06000002", "2019-09-26", "deprivation_lsoa_decile1_pct") == 48.84
    assert (obs["published"] == pd.Timestamp("2019-09-26")).all()


def _imd_copy(tmp_path: Path) -> tuple[Path, list[str]]:
    shutil.copytree(RAW / "mysociety_la_codes", tmp_path / "mysociety_la_codes")
    shutil.copytree(RAW / "d2i_ilacs_scrape", tmp_path / "d2i_ilacs_scrape")
    lines = (RAW / "goodair_csc" / "imd19_utla.csv").read_text(encoding="utf-8-sig").splitlines()
    return tmp_path / "imd.csv", lines


def test_imd_broken_copies(tmp_path, cw):
    path, lines = _imd_copy(tmp_path)
    path.write_text("\n".join([lines[0].replace("IMD - Average score", "IMD score"), *lines[1:]]))
    with pytest.raises(UserInputError, match=r"imd.csv.*missing column.*IMD - Average score"):
        load_imd(tmp_path, cw)
    path.write_text("\n".join(["Indices of deprivation 2019", *lines]))
    # an extra title row hides the header: the file is not recognised, so nothing loads
    assert load_imd(tmp_path, cw)[1].files == []
    path.write_text("\n".join([lines[0], lines[1].replace("35.037", "x"), *lines[2:]]))
    obs, rep = load_imd(tmp_path, cw)
    assert rep.suppressed == 1 and len(obs[obs["measure"].eq("deprivation_imd_score")]) == 150
    path.write_text("\n".join([lines[0], lines[1].replace("E06000001", "E06999999"), *lines[2:]]))
    obs, rep = load_imd(tmp_path, cw)
    assert rep.unmatched == ["E06999999"] and not obs["council_code"].eq("E06000001").any()
    path.write_text("\n".join([lines[0].replace("(2019)", "(2031)", 1), *lines[1:]]))
    with pytest.raises(UserInputError, match="edition 2031 has no known release date"):
        load_imd(tmp_path, cw)


# -- Oflog adult social care ----------------------------------------------------------------


def test_oflog_real_file(cw):
    obs, rep = load_oflog_asc(RAW, cw)
    assert rep.rows_read == 6376 and rep.unmatched == []  # FY 2015-16..2022-23 (2025 release)
    assert obs["measure"].nunique() == 7
    assert obs.groupby("period")["council_code"].nunique().min() >= 148
    # first data row: 2016-17, Darlington, ASC1 carer quality of life 7.6
    assert _one(obs, "E06000005", "2017-03-31", "asc_carer_quality_of_life") == 7.6
    assert (obs["published"].dt.strftime("%m-%d") == "12-31").all()


def test_oflog_broken_copies(tmp_path, cw):
    shutil.copytree(RAW / "mysociety_la_codes", tmp_path / "mysociety_la_codes")
    shutil.copytree(RAW / "d2i_ilacs_scrape", tmp_path / "d2i_ilacs_scrape")
    lines = (RAW / "oflog_asc" / "ASC_data.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "asc.csv"
    path.write_text("\n".join([lines[0].replace(",Value,", ",Val,"), *lines[1:]]))
    with pytest.raises(UserInputError, match=r"asc.csv.*missing column.*Value"):
        load_oflog_asc(tmp_path, cw)
    path.write_text("\n".join([lines[0], lines[1].replace(",7.6,7.6,", ",[c],7.6,"), *lines[2:]]))
    obs, rep = load_oflog_asc(tmp_path, cw)
    assert rep.suppressed == 1
    assert not (obs["council_code"].eq("E06000005") & obs["period"].dt.year.eq(2017)).pipe(
        lambda m: (m & obs["measure"].eq("asc_carer_quality_of_life")).any()
    )
    path.write_text("\n".join([lines[0], lines[1].replace("E06000005", "E06999999"), *lines[2:]]))
    _, rep = load_oflog_asc(tmp_path, cw)
    assert rep.skipped["unknown council code"] == 1 and "E06999999" in rep.unmatched[0]
    path.write_text("\n".join([lines[0], lines[1].replace("2016-17", "2016/17"), *lines[2:]]))
    with pytest.raises(UserInputError, match="row 2, column Financial year"):
        load_oflog_asc(tmp_path, cw)


# -- older CLA SFR tables ---------------------------------------------------------------------


def test_cla_sfr_real_files(cw):
    obs, rep = load_cla_sfr(RAW, cw)
    assert len(rep.files) == 8 and rep.unmatched == []
    counts = obs[obs["measure"].eq("cla_count")].groupby("period")["council_code"].nunique()
    assert list(counts.index.year) == list(range(2010, 2018)) and counts.min() >= 150
    # Barking and Dagenham: 378 looked after at 31 March 2010 (MarTotal_2010)
    assert _one(obs, "E09000002", "2010-03-31", "cla_count") == 378
    from earlywarn.sources.dfe_csc import load_dfe_csc

    rates = add_cla_rates(obs, load_dfe_csc(RAW, cw)[0])
    assert set(rates["period"].dt.year) == set(range(2013, 2018))
    r = rates[rates["council_code"].eq("E09000002") & rates["period"].dt.year.eq(2016)]
    assert 60 < float(r["value"].iloc[0]) < 75  # DfE printed 65 per 10,000 in 2019
    assert (rates["published"] >= rates["period"]).all()


def test_cla_sfr_broken_copies(tmp_path, cw):
    shutil.copytree(RAW / "mysociety_la_codes", tmp_path / "mysociety_la_codes")
    shutil.copytree(RAW / "d2i_ilacs_scrape", tmp_path / "d2i_ilacs_scrape")
    src = RAW / "goodair_csc" / "cla_sfr" / "2013_SFR36_CLA2013.csv"
    lines = src.read_text(encoding="latin-1").splitlines()
    path = tmp_path / "sfr.csv"
    path.write_text("\n".join([lines[0].replace("CLA_Mar2013", "CLA_March2013"), *lines[1:]]))
    with pytest.raises(UserInputError, match=r"sfr.csv: row 1.*0 columns for children looked"):
        load_cla_sfr(tmp_path, cw)
    la = next(i for i, line in enumerate(lines) if ",LA,302," in line)
    bad = lines[la].split(",")
    bad[4] = "x"
    path.write_text("\n".join([*lines[:la], ",".join(bad), *lines[la + 1 :]]))
    obs, rep = load_cla_sfr(tmp_path, cw)
    assert rep.suppressed == 1 and not obs["council_code"].eq("E09000003").any()
    bad = lines[la].split(",")
    bad[0], bad[2] = "E09999999", "999"
    path.write_text("\n".join([*lines[:la], ",".join(bad), *lines[la + 1 :]]))
    obs, rep = load_cla_sfr(tmp_path, cw)
    assert rep.skipped["unknown council code"] == 1 and "999" in rep.unmatched[0]
    bad = lines[la].split(",")
    bad[2] = "301"  # Barnet's ONS code with Barking and Dagenham's DfE number
    path.write_text("\n".join([*lines[:la], ",".join(bad), *lines[la + 1 :]]))
    with pytest.raises(UserInputError, match="New_geog_code 'E09000003'.*geog_c '301'"):
        load_cla_sfr(tmp_path, cw)


# -- s251 children's services outturn ---------------------------------------------------------


def test_s251_real_files(cw):
    from earlywarn.sources.s251 import load_s251

    obs, rep = load_s251(RAW, cw)
    assert len(rep.files) == 6
    per_year = obs[obs["measure"].eq("s251_cla_net_spend_gbp_m")].groupby("period").size()
    assert list(per_year.index.year) == list(range(2009, 2015))
    assert per_year.iloc[1:].min() == 152
    # the 2009 unitaries' DfE numbers did not exist on 31 March 2009: listed, not guessed
    assert "908" in rep.unmatched and rep.skipped["unknown council (DfE number)"] == 14
    # Barking and Dagenham 2008-09, "14 Total Children Looked After", net 17633019
    assert _one(obs, "E09000002", "2009-03-31", "s251_cla_net_spend_gbp_m") == pytest.approx(
        17.633019
    )


def test_s251_broken_copies(tmp_path, cw):
    from earlywarn.sources.s251 import load_s251

    shutil.copytree(RAW / "mysociety_la_codes", tmp_path / "mysociety_la_codes")
    shutil.copytree(RAW / "d2i_ilacs_scrape", tmp_path / "d2i_ilacs_scrape")
    lines = (
        (RAW / "goodair_csc" / "s251_outturn" / "outturn_1314.csv")
        .read_text(encoding="latin-1")
        .splitlines()
    )
    path = tmp_path / "outturn_1314.csv"
    path.write_text("\n".join([lines[0].replace("NetCurrentExpenditure", "Net"), *lines[1:]]))
    with pytest.raises(UserInputError, match="no NET Current Expenditure column"):
        load_s251(tmp_path, cw)
    (tmp_path / "s251.csv").write_text("\n".join(lines))
    path.unlink()
    with pytest.raises(UserInputError, match="s251.csv: the file name gives no financial year"):
        load_s251(tmp_path, cw)
    (tmp_path / "s251.csv").unlink()
    i = next(
        i for i, x in enumerate(lines) if x.startswith("301,") and "Total Children Looked" in x
    )
    bad = lines[i].split(",")
    bad[11] = "x"
    path.write_text("\n".join([*lines[:i], ",".join(bad), *lines[i + 1 :]]))
    obs, rep = load_s251(tmp_path, cw)
    assert rep.suppressed == 1
    cla = obs[obs["measure"].eq("s251_cla_net_spend_gbp_m")]
    assert len(cla) == 151 and not cla["council_code"].eq("E09000002").any()
    bad = lines[i].split(",")
    bad[0] = "999"
    path.write_text("\n".join([*lines[:i], ",".join(bad), *lines[i + 1 :]]))
    _, rep = load_s251(tmp_path, cw)
    assert rep.unmatched == ["999"]


def test_rs_newer_edition_beside_the_older_names_both_files(tmp_path, cw):
    """'name (1).xlsx' (a second download) beside 'name.xlsx': both files are named."""
    target = _rs_copy(tmp_path)
    shutil.copy(RAW / "bbc_council_reserves" / RS16, target)
    again = target.with_name(target.stem + " (1).xlsx")
    shutil.copy(target, again)
    with pytest.raises(UserInputError) as err:
        load_revenue_outturn(tmp_path, cw)
    msg = str(err.value)
    assert str(target.resolve()) in msg and str(again.resolve()) in msg, msg
    assert "\n" not in msg


@pytest.mark.parametrize(("col", "header"), [(1, "E-code"), (2, "ONS Code")])
def test_rs_suppression_marker_in_an_id_column_names_the_row(tmp_path, cw, col, header):
    """Bristol's row keyed by '..' is not dropped without a word: the row and column."""
    target = _rs_copy(tmp_path)

    def suppress_code(ws):
        ws.cell(9, col).value = ".."

    _edit(target, suppress_code)
    with pytest.raises(UserInputError, match=rf"RS_2016-17.*row 9, column {header}: '\.\.'"):
        load_revenue_outturn(tmp_path, cw)

"""Tests for earlywarn.sources.ofsted on the staged Ofsted files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.schema import validate_events
from earlywarn.sources.crosswalk import build_crosswalk
from earlywarn.sources.ofsted import load_ofsted_inspections, parse_grade

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")
#: found by pattern (the end year in the name changes with each release)
HISTORY = max(p.name for p in RAW.rglob("ILACS_inspection_history_2018_*.csv"))
WIDE = max(p.name for p in RAW.rglob("LA_inspections_2009_*_current_LAs.csv"))


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


@pytest.fixture(scope="module")
def loaded(cw):
    return load_ofsted_inspections(RAW, cw)


def test_shape_and_schema(loaded, cw):
    ev, rep = loaded
    validate_events(ev, councils=cw.councils)
    # ILACS history, in-year table, wide current + former LAs, three workbook in-year sheets
    assert len(rep.files) == 7
    assert sum("#" in f for f in rep.files) == 3
    assert rep.unmatched == []
    assert (ev["framework"].str.startswith("ILACS")).sum() == 262  # = the history's rows
    # the in-year table's ILACS inspections are all in the history; its visits are events
    assert rep.skipped["in-year table: ILACS inspection also in the ILACS history"] == 43
    visits = ev[ev["event_type"].eq("ofsted_visit")]
    # SOURCES.md: 2021-22 74 + 32, 2022-23 36 + 24, 2023-24 37 + 28, 2024-25 35 + 22
    assert visits["framework"].value_counts().to_dict() == {
        "focused visit": 74 + 36 + 37 + 35,
        "monitoring visit": 32 + 24 + 28 + 22,
    }
    assert (~visits["published_estimated"]).sum() == 35 + 22  # letter dates: 2024-25 only
    assert ev["council_code"].nunique() >= 150
    current = set(cw.current_on("2023-03-31")["council_code"])
    assert len(current & set(ev["council_code"])) / len(current) >= 0.95


def test_inadequate_counts_match_sources_md(loaded):
    ev, _ = loaded
    x = ev[ev["headline"] & ev["severity"].eq(4)]
    counts = x.groupby(x["date"].dt.year).size().to_dict()
    assert counts == {
        2009: 2, 2010: 13, 2011: 2, 2012: 13, 2013: 11, 2014: 7, 2015: 12, 2016: 10,
        2017: 6, 2018: 7, 2019: 9, 2020: 4, 2021: 2, 2022: 4, 2023: 6, 2024: 5, 2025: 2,
    }  # fmt: skip


def _one(ev, code, date, framework):
    hit = ev[ev["council_code"].eq(code) & ev["date"].eq(date) & ev["framework"].eq(framework)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_values_by_hand(loaded):
    ev, _ = loaded
    # ILACS history row 2: Barking and Dagenham, started 2019-02-18, published 2019-04-01, RI
    r = _one(ev, "E09000002", pd.Timestamp("2019-04-01"), "ILACS standard")
    assert r["severity"] == 3 and r["inspection_start"] == pd.Timestamp("2019-02-18")
    # wide table: Barnet first SIF 2017-07-07 inadequate, adoption RI
    r = _one(ev, "E09000003", pd.Timestamp("2017-07-07"), "SIF")
    assert r["severity"] == 4 and r["grade_adoption"] == 3
    # Barnsley SLAC 2012-08-10: safeguarding inadequate, LAC "RI to be good" (= adequate)
    r = _one(ev, "E08000016", pd.Timestamp("2012-08-10"), "SLAC")
    assert (r["severity"], r["grade_slac_safeguarding"], r["grade_slac_lac"]) == (4, 4, 3)
    # former LAs: Dorset County SIF 2016-05-23 under the county's code
    r = _one(ev, "E10000009", pd.Timestamp("2016-05-23"), "SIF")
    assert r["severity"] == 3 and r["grade_lscb"] == 4
    # North Yorkshire's ILACS rows carry E06000065 in the file; dated before 2023-04 they
    # belong to the county
    nyorks = ev[ev["council_code"].eq("E06000065")]
    assert len(nyorks) and nyorks["date"].min() >= pd.Timestamp("2023-04-01")
    assert ev["council_code"].eq("E10000023").any()


def test_parse_grade():
    assert parse_grade("Requires improvement to be good", "f") == 3
    assert parse_grade("Adequate", "f") == 3
    with pytest.raises(UserInputError, match="not an Ofsted judgement"):
        parse_grade("Super", "f")


def _copy(tmp_path: Path) -> Path:
    for sub in ("mysociety_la_codes", "d2i_ilacs_scrape", "ofsted_la_inspections"):
        shutil.copytree(RAW / sub, tmp_path / sub, copy_function=shutil.copyfile)
        (tmp_path / sub).chmod(0o755)
    (
        tmp_path
        / "ofsted_la_inspections"
        / "Childrens_social_care_in_England_2023_underlying_data.ods"
    ).unlink()
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_renamed_column(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "ofsted_la_inspections" / HISTORY, "Overall effectiveness", "Overall grade")
    with pytest.raises(UserInputError, match=rf"{HISTORY}: row 1 .*Overall effectiveness"):
        load_ofsted_inspections(raw, build_crosswalk(raw))


def test_extra_header_row(tmp_path):
    raw = _copy(tmp_path)
    p = raw / "ofsted_la_inspections" / WIDE
    p.write_text("Table 10: LA inspections\n" + p.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(UserInputError, match=rf"{WIDE}: the header is on row 2"):
        load_ofsted_inspections(raw, build_crosswalk(raw))


def test_not_judged_cell(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "ofsted_la_inspections" / WIDE, "2017-07-07,Inadequate,", "2017-07-07, -,")
    ev, _ = load_ofsted_inspections(raw, build_crosswalk(raw))
    r = _one(ev, "E09000003", pd.Timestamp("2017-07-07"), "SIF")
    assert pd.isna(r["severity"])  # kept (the inspection happened), grade missing


def test_unknown_grade(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "ofsted_la_inspections" / WIDE, "2017-07-07,Inadequate,", "2017-07-07,Weak,")
    with pytest.raises(UserInputError, match=rf"{WIDE}: row 3, column First SIF Overall"):
        load_ofsted_inspections(raw, build_crosswalk(raw))


def test_unknown_council(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "ofsted_la_inspections" / WIDE, ",Barnet,", ",Barchester,")
    _edit(raw / "ofsted_la_inspections" / HISTORY, ",E09000002,", ",E09099999,")
    ev, rep = load_ofsted_inspections(raw, build_crosswalk(raw))
    assert "Barchester" in rep.unmatched
    assert any("E09099999" in u for u in rep.unmatched)
    assert rep.skipped["LA inspections table: LA name not matched"] == 3  # SLAC, SIF, ILACS
    assert rep.skipped["ILACS history: unknown council code"] == 1
    assert not ev["la_name"].eq("Barchester").any()


IN_YEAR = max(p.name for p in RAW.rglob("In_year_inspections_*.csv"))


def test_in_year_inspection_not_in_the_history_is_an_event(tmp_path):
    """An ILACS row only in the in-year table (a newer release than the history) is read
    with its start date; one in both is kept once."""
    raw = _copy(tmp_path)
    hist = raw / "ofsted_la_inspections" / HISTORY
    lines = hist.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if ",E09000003,Barnet," not in ln or "2024-07-23" not in ln]
    assert len(kept) == len(lines) - 1  # Barnet's 2024 short inspection left the history
    hist.write_text("".join(kept), encoding="utf-8")
    ev, rep = load_ofsted_inspections(raw, build_crosswalk(raw))
    r = _one(ev, "E09000003", pd.Timestamp("2024-07-23"), "ILACS short")
    assert r["source"] == "ofsted_in_year" and r["severity"] == 2
    assert r["inspection_start"] == pd.Timestamp("2024-06-10") and r["grade_children_in_care"] == 1
    assert rep.skipped["in-year table: ILACS inspection also in the ILACS history"] == 42


def test_in_year_unknown_type_names_file_row_column(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "ofsted_la_inspections" / IN_YEAR, "ILACS Short Inspection", "Joint review")
    with pytest.raises(UserInputError, match=rf"{IN_YEAR}: row 2, column Inspection/Visit type"):
        load_ofsted_inspections(raw, build_crosswalk(raw))

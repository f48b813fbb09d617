"""Tests for earlywarn.sources.dfe_csc and load_raw_tables on the staged files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.schema import validate_tables
from earlywarn.sources import load_raw_tables
from earlywarn.sources.crosswalk import build_crosswalk
from earlywarn.sources.dfe_csc import load_dfe_csc

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")
#: the oldest c1 edition in the folder (the 2022 layout), found by pattern, not end year
C1_PATH = min(
    RAW.rglob("c1_children_in_need_referrals_and_rereferrals_2013_to_*.csv"), key=lambda p: p.name
)
C1 = C1_PATH.name
B_AND_D_2022 = "Barking and Dagenham,Referrals and Re-referrals,6148,1064,17.3,"


@pytest.fixture(scope="module")
def loaded():
    return load_raw_tables(RAW)


def _value(obs, code, period, measure):
    hit = obs[
        obs["council_code"].eq(code)
        & obs["period"].eq(pd.Timestamp(period))
        & obs["measure"].eq(measure)
    ]
    if "carried_from" in hit:
        hit = hit[hit["carried_from"].isna()]
    assert len(hit) >= 1, hit
    return hit.sort_values("published").iloc[0]  # the first print (later rows: restatements)


def test_tables_valid_and_covered(loaded):
    tables, report = loaded
    validate_tables(tables)
    assert report.coverage_date == "2025-03-31"  # the folder's vintage
    assert report.councils_current == 153  # after the 2023 reorganisations
    assert report.coverage["observations"]["share"] >= 0.95
    assert report.coverage["events"]["share"] >= 0.95
    # only the DfE numbers of the 2009 unitaries in the 2008-09 s251 file (they did not
    # exist on 31 March 2009): listed, never joined
    assert report.unmatched == {"s251": ["820", "840", "865", "875", "893", "908", "929"]}
    assert report.suppressed > 0
    assert report.sources["dfe_csc"].skipped["superseded by a higher-priority file"] > 0


def test_values_by_hand(loaded):
    obs = loaded[0].observations
    # c1, Barking and Dagenham 2022: rereferral_percent 17.3
    r = _value(obs, "E09000002", "2022-03-31", "rereferral_pct")
    assert r["value"] == 17.3 and r["published"] == pd.Timestamp("2022-11-30")
    # workforce at 30 Sep 2022: turnover 24.3, caseload 16.5, published end of Feb 2023
    r = _value(obs, "E09000002", "2022-09-30", "sw_turnover_pct")
    assert r["value"] == 24.3 and r["published"] == pd.Timestamp("2023-02-28")
    assert _value(obs, "E09000002", "2022-09-30", "sw_caseload_per_fte")["value"] == 16.5
    # Buckinghamshire County 2019 (DfE 825, E10000002): turnover 33.7, repeat CPP 20.1
    assert _value(obs, "E10000002", "2019-09-30", "sw_turnover_pct")["value"] == 33.7
    assert _value(obs, "E10000002", "2019-03-31", "cpp_repeat_pct")["value"] == 20.1


def test_history_carried(loaded):
    obs, events = loaded[0].observations, loaded[0].events
    carried = obs[obs["council_code"].eq("E06000060") & obs["carried_from"].eq("E10000002")]
    assert len(carried) > 0 and not carried["history_carried"].any()  # same area
    nn = events[events["council_code"].eq("E06000061")]
    assert nn["history_carried"].any()  # Northamptonshire's inspections, flagged
    bcp = obs[obs["council_code"].eq("E06000058")]
    assert bcp["carried_from"].isna().all()  # merger: no observations carried


def _copy(tmp_path: Path) -> Path:
    for sub in ("mysociety_la_codes", "d2i_ilacs_scrape"):
        shutil.copytree(RAW / sub, tmp_path / sub, copy_function=shutil.copyfile)
    (tmp_path / "dfe").mkdir()
    shutil.copyfile(C1_PATH, tmp_path / "dfe" / C1)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_suppressed_cell_counted(tmp_path):
    raw = _copy(tmp_path)
    base, rep0 = load_dfe_csc(raw, build_crosswalk(raw))
    _edit(raw / "dfe" / C1, B_AND_D_2022, B_AND_D_2022.replace("17.3", "[c]"))
    obs, rep = load_dfe_csc(raw, build_crosswalk(raw))
    assert rep.suppressed == rep0.suppressed + 1
    assert len(obs) == len(base) - 1


def test_comma_number(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "dfe" / C1, B_AND_D_2022, B_AND_D_2022.replace("6148", '"6,148"'))
    obs, _ = load_dfe_csc(raw, build_crosswalk(raw))
    assert _value(obs, "E09000002", "2022-03-31", "referral_count")["value"] == 6148


def test_bad_value(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "dfe" / C1, B_AND_D_2022, B_AND_D_2022.replace("17.3", "n.k."))
    with pytest.raises(UserInputError, match=rf"{C1}: row \d+, column rereferral_percent"):
        load_dfe_csc(raw, build_crosswalk(raw))


def test_renamed_column(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "dfe" / C1, "no_further_action_percent", "nfa_pct")
    with pytest.raises(UserInputError, match=rf"{C1}: row 1 .*no_further_action_percent"):
        load_dfe_csc(raw, build_crosswalk(raw))


def test_renamed_identifying_column(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "dfe" / C1, "rereferral_percent", "rereferral_pc")
    with pytest.raises(UserInputError, match="no DfE children's social care file"):
        load_dfe_csc(raw, build_crosswalk(raw))


def test_extra_header_row(tmp_path):
    raw = _copy(tmp_path)
    p = raw / "dfe" / C1
    p.write_text("Children in need 2022\n" + p.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(UserInputError, match=rf"{C1}: the header is on row 2"):
        load_dfe_csc(raw, build_crosswalk(raw))


def test_unknown_council_code(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "dfe" / C1, "301,E09000002,Barking", "999,E09099999,Barking")
    _, rep = load_dfe_csc(raw, build_crosswalk(raw))
    assert rep.skipped["cin_referrals: unknown council code"] == 1
    assert any("E09099999" in u for u in rep.unmatched)


def test_conflicting_codes(tmp_path):
    raw = _copy(tmp_path)
    _edit(raw / "dfe" / C1, "301,E09000002,Barking", "302,E09000002,Barking")
    with pytest.raises(UserInputError, match="expected both codes to name the same council"):
        load_dfe_csc(raw, build_crosswalk(raw))


def _later_edition(src: Path, dst: Path, restated: str) -> None:
    """Write ``dst``: the edition of ``src`` re-issued a year later, restating Barking and
    Dagenham's newest rereferral percentage and adding one row of the next year."""
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    (row,) = [ln for ln in lines if B_AND_D_2022 in ln]
    year = row.split(",", 1)[0]
    nxt = str(int(year) + 1) + row[len(year) :]
    body = [ln.replace(B_AND_D_2022, B_AND_D_2022.replace("17.3", restated)) for ln in lines]
    dst.write_text("".join([*body, nxt]), encoding="utf-8")


def test_planted_restatement_is_known_only_from_its_edition(tmp_path):
    from earlywarn.panel import asof_observations

    raw = _copy(tmp_path)
    (raw / "dfe" / "later").mkdir()
    _later_edition(raw / "dfe" / C1, raw / "dfe" / "later" / C1.replace("2022", "2023"), "19.9")
    obs, rep = load_dfe_csc(raw, build_crosswalk(raw))
    key = obs["council_code"].eq("E09000002") & obs["period"].eq(pd.Timestamp("2022-03-31"))
    both = obs[key & obs["measure"].eq("rereferral_pct")].sort_values("published")
    # the first print keeps its usual date; the restatement is dated by the later edition
    assert both["value"].tolist() == [17.3, 19.9]
    assert both["published"].tolist() == [pd.Timestamp("2022-11-30"), pd.Timestamp("2023-11-30")]
    # a value the later edition reprints unchanged is not a second row
    assert key[obs["measure"].eq("referral_count")].sum() == 1
    assert rep.skipped["unchanged in a later edition"] > 0
    # as of an origin before the later edition: the old value; after it: the restated one
    sub = obs[obs["council_code"].eq("E09000002") & obs["measure"].eq("rereferral_pct")]
    for origin, want in (("2023-03-31", 17.3), ("2023-11-29", 17.3), ("2024-03-31", 19.9)):
        known = asof_observations(sub, pd.Timestamp(origin))
        got = known.loc[known["period"].eq(pd.Timestamp("2022-03-31")), "value"]
        assert got.tolist() == [want], origin
    # the later edition's new year is dated by its own publication
    new = obs[obs["council_code"].eq("E09000002") & obs["period"].eq(pd.Timestamp("2023-03-31"))]
    assert len(new) and new["published"].eq(pd.Timestamp("2023-11-30")).all()


def test_real_editions_restate_and_stay_as_of(loaded):
    """The staged folder holds the 2022, 2023 and 2024 editions: restated values are
    second rows dated after the first print, never before."""
    obs = loaded[0].observations
    obs = obs[obs["source"].str.startswith(("cla_rates", "placement_stability"))]
    obs = obs[obs["carried_from"].isna()]
    key = ["council_code", "period", "measure"]
    twice = obs[obs.duplicated(key, keep=False)].sort_values([*key, "published"])
    assert len(twice) > 0
    first = twice.groupby(key)["published"].transform("min")
    later = twice[twice["published"].gt(first)]
    # every restatement is dated by an edition published after its period's first print
    assert (later["published"] > later["period"] + pd.DateOffset(months=13)).all()
    assert not twice.duplicated([*key, "published"]).any()


def test_coverage_table_shows_where_a_source_starts(loaded):
    """Family x measure x origin: the workforce series starts at 30 September 2015 (the LAIT
    back-fill, first printed February 2016), so its share is 0 before and near 1 after."""
    table = loaded[1].coverage_table
    turnover = next(m["sw_turnover_pct"] for m in table.values() if "sw_turnover_pct" in m)
    assert turnover["2015-03-31"] == 0.0
    assert (
        turnover["2017-03-31"] >= 0.9
        and turnover["2019-03-31"] >= 0.9
        and turnover["2025-03-31"] >= 0.9
    )
    assert all(0.0 <= v <= 1.0 for m in table.values() for o in m.values() for v in o.values())
    assert "coverage_table" in loaded[1].to_dict()

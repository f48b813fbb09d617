"""Council composition (Open Council Data UK) -> leadership measures; counts -> rates."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from earlywarn.cli import app
from earlywarn.errors import UserInputError
from earlywarn.sources import add_child_rates, build_crosswalk, load_political_control
from earlywarn.sources.allowance import load_allowance
from earlywarn.sources.political_control import _control, derive_control_measures

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")
OLD = "political_control/history1973-2015.csv"
NEW = "political_control/history2016-22.csv"
HEAD_OLD = "id,authority,year,total,con,lab,ld,other,nat,majority,plurality\n"
HEAD_NEW = (
    '"id","council id","authority","year","total","con","lab","ld","green","ukip","ref","pc",'
    '"snp","other","majority",\n'
)


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


@pytest.fixture(scope="module")
def real(cw):
    return load_political_control(RAW, cw)


def _folder(tmp_path: Path, files: dict[str, str], lookups: bool = True) -> Path:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    if lookups:
        for rel in (
            "mysociety_la_codes/lookup_name_to_registry.csv",
            "political_control/uk_local_authorities_future.csv",
        ):
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(RAW / rel, tmp_path / rel)
    return tmp_path


def test_control_codes_of_every_edition():
    assert _control("Con") == "con" and _control("Ind") == "other" and _control("PC") == "nat"
    assert _control("Lab plurality") == "noc" and _control("NOC") == "noc"
    assert _control("LAB") == "lab" and _control("CON min") == "noc"  # newer editions
    assert _control("LD/GRN") == "noc" and _control("NULL") is None and _control("TBD") is None
    with pytest.raises(KeyError):
        _control("Whigs")


def test_derived_measures_known_answer():
    rows = pd.DataFrame(
        {
            "key": "A",
            "year": [2014, 2015, 2016, 2017, 2018],
            "total": 60.0,
            "control": ["lab", "lab", "noc", "con", "con"],
            "con": [20.0, 20.0, 28.0, 35.0, 36.0],
            "lab": [40.0, 40.0, 29.0, 20.0, 20.0],
            "ld": 0.0,
            "nat": 0.0,
            "other": [0.0, 0.0, 3.0, 5.0, 4.0],
        }
    )
    d = derive_control_measures(rows).set_index("year")
    assert d.loc[2016, "political_no_overall_control"] == 1
    assert d.loc[2017, "political_control_changes_1y"] == 1
    assert d.loc[2017, "political_control_changes_2y"] == 2  # lab -> noc -> con
    assert d.loc[2018, "political_control_changes_1y"] == 0
    assert d.loc[2018, "political_control_changes_4y"] == 2
    assert d.loc[2015, "political_majority_seats"] == 20  # 40 - 20
    assert d.loc[2016, "political_majority_seats"] == -2  # largest group 29 - 31 others
    assert d.loc[2018, "political_majority_seats"] == 12  # con 36 - 24
    assert d.loc[2016, "political_seat_churn_pct"] == pytest.approx(100 * 11 / 60)
    assert np.isnan(d.loc[2014, "political_seat_churn_pct"])  # no previous snapshot
    assert d.loc[2015, "political_years_since_control_change"] == 1  # lower bound: first row
    assert d.loc[2018, "political_years_since_control_change"] == 1


def test_real_tables_cover_the_councils(real, cw):
    obs, rep = real
    assert set(obs["measure"]) == {
        "political_no_overall_control",
        "political_control_changes_1y",
        "political_control_changes_2y",
        "political_control_changes_4y",
        "political_majority_seats",
        "political_seat_churn_pct",
        "political_years_since_control_change",
    }
    assert rep.unmatched == [] and len(rep.files) == 2
    assert (obs["published"] - obs["period"]).dt.days.eq(30).all()  # 31 May -> 30 June
    for year in (2010, 2014, 2016, 2019, 2022):
        origin = pd.Timestamp(year, 3, 31)
        alive = set(cw.current_on(origin)["council_code"])
        seen = obs[(obs["published"] <= origin) & (obs["period"] > origin - pd.DateOffset(years=1))]
        # all but the Isles of Scilly and the City of London (non-party councils) before 2017
        assert len(alive & set(seen["council_code"])) >= len(alive) - 2, year
    # hand check: Cornwall, Conservatives took control at the May 2021 elections
    corn = obs[obs["council_code"].eq("E06000052") & obs["period"].dt.year.eq(2021)]
    v = corn.set_index("measure")["value"]
    assert v["political_control_changes_1y"] == 1 and v["political_no_overall_control"] == 0
    assert v["political_years_since_control_change"] == 0


def test_both_layouts_and_a_malformed_file(tmp_path, cw):
    new_unquoted = HEAD_NEW.replace('"', "").rstrip(",\n") + "\n"
    new_unquoted += "1,80,Cornwall,2021,87,47,5,5,5,0,0,0,0,25,Con\n"
    folder = _folder(tmp_path / "ok", {NEW: new_unquoted})
    obs, rep = load_political_control(folder, cw)
    assert set(obs["council_code"]) == {"E06000052"} and rep.rows_read == 1
    bad = _folder(tmp_path / "bad", {OLD: HEAD_OLD + "1,Cornwall,2012,123,30,1,36,50,0,Whig,x\n"})
    with pytest.raises(UserInputError, match=r"history1973-2015.csv: row 2, column majority"):
        load_political_control(bad, cw)
    year = _folder(tmp_path / "year", {OLD: HEAD_OLD + "1,Cornwall,20x2,123,30,1,36,50,0,NOC,x\n"})
    with pytest.raises(UserInputError, match=r"row 2, column year"):
        load_political_control(year, cw)
    cols = _folder(tmp_path / "cols", {OLD: HEAD_OLD.replace("total", "seats") + "1,a\n"})
    assert load_political_control(cols, cw)[1].files == []  # not a composition table
    short = _folder(tmp_path / "short", {OLD: HEAD_OLD.replace(",nat", "") + "1,a\n"})
    with pytest.raises(UserInputError, match=r"missing column\(s\) nat"):
        load_political_control(short, cw)


def test_unknown_council_name_is_a_user_error(tmp_path, cw):
    text = HEAD_OLD + "1,Cornwall,2012,123,30,1,36,50,0,NOC,x\n2,Cornwal1,2012,10,5,5,0,0,0,NOC,x\n"
    folder = _folder(tmp_path, {OLD: text})
    # listed as unmatched with its row; `data build` stops on it (one line naming file, row
    # and value) unless the allowance lists it (as it does combined-authority mayors)
    _, rep = load_political_control(folder, cw)
    assert rep.unmatched == ["Cornwal1"]
    with pytest.raises(UserInputError, match=r"history1973-2015.csv: row 3: 'Cornwal1' matches no"):
        load_allowance().check({"political_control": rep})
    # an authority abolished before the code lists (e.g. the GLC) is skipped, not an error
    (folder / OLD).write_text(HEAD_OLD + "1,Glc,1981,92,41,50,1,0,0,Lab,Lab\n", encoding="utf-8")
    obs, rep = load_political_control(folder, cw)
    assert obs.empty and rep.skipped == {"council abolished before 2009": 1}


def test_data_build_fails_in_one_line_on_bad_composition(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw, ignore=shutil.ignore_patterns("*.pdf", "ofsted_reports"))
    p = raw / OLD
    rows = list(csv.reader(p.read_text(encoding="utf-8").splitlines()))
    rows[5][9] = "Tory!"  # file row 6, column majority
    with p.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["data", "build", "--raw", str(raw), "--out", str(out)])
    assert res.exit_code == 2
    assert "history1973-2015.csv: row 6, column majority" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1  # stdout: the progress stages only
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_rates_use_the_population_published_by_then():
    t = pd.Timestamp
    obs = pd.DataFrame(
        {
            "council_code": ["A"] * 5 + ["B"],
            "measure": ["pop_0_17_count"] * 3
            + ["cpp_at31_count", "s251_cla_net_spend_gbp_m"]
            + ["cpp_at31_count"],
            "period": [t("2013-06-30"), t("2013-06-30"), t("2014-06-30"), t("2015-03-31")]
            + [t("2015-03-31"), t("2015-03-31")],
            "published": [t("2014-12-31"), t("2015-06-30"), t("2015-12-31"), t("2015-11-30")]
            + [t("2016-03-31"), t("2015-11-30")],
            "value": [20_000.0, 25_000.0, 40_000.0, 50.0, 5.0, 10.0],
            "source": "x",
        }
    )
    out = add_child_rates(obs).set_index("measure")["value"]
    # cpp count of Nov 2015: the mid-2013 estimate as revised in June 2015 (mid-2014 came
    # out in Dec 2015, after the count); B has no population: no rate
    assert out["cpp_at31_per_10k"] == 20.0
    assert out["s251_cla_net_spend_gbp_per_child"] == pytest.approx(5e6 / 40_000)
    assert len(out) == 2

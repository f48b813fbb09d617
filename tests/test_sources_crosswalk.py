"""Tests for earlywarn.sources.crosswalk on the staged lookup files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.sources.carry import carry_history
from earlywarn.sources.crosswalk import build_crosswalk, normalise_name

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


def test_councils_shape(cw):
    c = cw.councils
    assert c["council_code"].is_unique
    assert len(c) == 161  # 152 current on 2023-03-31 + 5 ended before + 4 created after
    assert len(cw.current_on("2023-03-31")) == 152
    assert set(c["council_type"]) == {"county", "unitary", "metropolitan", "London borough"}
    assert c["region"].notna().all()
    assert c["dfe_number"].notna().all()


@pytest.mark.parametrize(
    ("kind", "value", "date", "expected"),
    [
        ("dfe", 825, "2020-03-31", "E10000002"),  # Buckinghamshire County
        ("dfe", "825", "2021-03-31", "E06000060"),  # Buckinghamshire Council
        ("gss", "E06000065", "2019-01-01", "E10000023"),  # N Yorks new code, earlier date
        ("gss", "E08000020", "2010-01-01", "E08000037"),  # Gateshead former code
        ("gss", "E08000038", "2015-01-01", "E08000016"),  # Barnsley newer code
        ("urn", "80530", "2019-01-01", "E10000023"),
        ("ecode", "E0101", "2019-01-01", "E06000022"),
        ("name", "Bristol, City of", "2019-01-01", "E06000023"),
        ("name", "Dorset", "2016-05-23", "E10000009"),
        ("name", "Dorset", "2020-05-23", "E06000059"),
        ("name", "Bournemouth, Christchurch & Poole", "2022-01-01", "E06000058"),
        ("name", "Northamptonshire", "2022-01-01", None),  # split: ambiguous after 2021
        ("gss", "E07000061", "2020-01-01", None),  # a district is not upper-tier
        ("name", "Atlantis", "2020-01-01", None),
    ],
)
def test_resolve(cw, kind, value, date, expected):
    assert cw.resolve(kind, value, date) == expected


def test_reorganisations(cw):
    kinds = cw.councils.set_index("council_code")["reorganisation"].dropna().to_dict()
    assert kinds == {
        "E06000058": "merger",
        "E06000059": "boundary_change",
        "E06000060": "same_area",
        "E06000061": "split",
        "E06000062": "split",
        "E06000063": "split",
        "E06000064": "split",
        "E06000065": "same_area",
        "E06000066": "same_area",
    }
    c = cw.councils.set_index("council_code")
    assert c.at["E10000021", "successor_code"] == "E06000061;E06000062"
    assert c.at["E10000021", "valid_to"] == pd.Timestamp("2021-04-01")  # exclusive


def test_normalise_name():
    assert normalise_name("Kingston Upon Hull, City of") == "kingston upon hull"
    assert normalise_name("St. Helens") == normalise_name("St Helens")
    assert normalise_name("Bournemouth, Christchurch & Poole") == normalise_name(
        "Bournemouth, Christchurch and Poole Council"
    )


def test_carry_history(cw):
    obs = pd.DataFrame(
        {
            "council_code": ["E10000021", "E06000028", "E06000029", "E10000002"],
            "period": pd.to_datetime(["2019-03-31"] * 4),
            "measure": "m",
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    out = carry_history(obs, cw, "period", observations=True)
    carried = out[out["carried_from"].notna()].set_index("council_code")
    # split: both successors, flagged; same area: carried, not flagged; merger: not carried
    assert set(carried.index) == {"E06000061", "E06000062", "E06000060"}
    assert carried.loc["E06000061", "history_carried"]
    assert not carried.loc["E06000060", "history_carried"]
    ev = obs.rename(columns={"period": "date"})
    out = carry_history(ev, cw, "date", observations=False)
    assert (out["council_code"] == "E06000058").sum() == 2  # both merged councils' events


def _copy_lookups(dst: Path) -> Path:
    for sub in ("mysociety_la_codes", "d2i_ilacs_scrape"):
        shutil.copytree(RAW / sub, dst / sub, copy_function=shutil.copyfile)
        (dst / sub).chmod(0o755)
    return dst


def test_missing_column(tmp_path):
    raw = _copy_lookups(tmp_path)
    p = raw / "mysociety_la_codes" / "uk_local_authorities.csv"
    p.write_text(p.read_text().replace("gss-code", "gss_code", 1))
    with pytest.raises(UserInputError, match=r"uk_local_authorities.csv.*gss-code"):
        build_crosswalk(raw)


def test_unknown_provider_code(tmp_path):
    raw = _copy_lookups(tmp_path)
    p = raw / "d2i_ilacs_scrape" / "Provider_data_lookup.csv"
    text = p.read_text(encoding="utf-8-sig").replace(",301,E09000002,", ",999,E09999999,", 1)
    p.write_text(text, encoding="utf-8-sig")
    with pytest.raises(UserInputError, match=r"Provider_data_lookup.csv: row 2.*E09999999"):
        build_crosswalk(raw)

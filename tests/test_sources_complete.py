"""`data build` never loses a file, a column or a council silently.

Each case copies a few real raw files into a small raw folder (1-2 s to load), breaks one
of them the way a user or a newer release would, and checks that loading either fails with
one line naming the resolved file, the row or column and what was expected, or (for the
reorganised councils of 2023) maps every row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.sources import load_raw_tables
from earlywarn.sources.allowance import load_allowance

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")


def _rel(pattern: str, newest: bool = True) -> str:
    """The raw file matching ``pattern`` (by name, not by end year): the newest edition, or
    the oldest with ``newest=False``; as a path relative to the raw folder."""
    hits = sorted(RAW.rglob(pattern), key=lambda p: p.name)
    assert hits, pattern
    return str((hits[-1] if newest else hits[0]).relative_to(RAW))


HIST = _rel("ILACS_inspection_history_2018_*.csv")
#: the oldest children-in-need edition in the folder (the 2022 layout, years to 2022)
CIN = _rel("b1_children_in_need_2013_to_*.csv", newest=False)
FIN = "council_finance_events/s114_and_efs_events.csv"
FILES = [
    "mysociety_la_codes/uk_local_authorities.csv",
    "mysociety_la_codes/lookup_name_to_registry.csv",
    "d2i_ilacs_scrape/Provider_data_lookup.csv",
    HIST,
    CIN,
    FIN,
    "dfe_csc_dashboard/ons_mid-year_population_estimates_2012_to_2021.csv",
    "goodair_csc/cla_sfr/2013_SFR36_CLA2013.csv",
]


@pytest.fixture
def raw(tmp_path) -> Path:
    root = tmp_path / "raw"
    for rel in FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RAW / rel, root / rel)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _fails(raw: Path, *parts: str) -> str:
    with pytest.raises(UserInputError) as exc:
        load_raw_tables(raw)
    msg = str(exc.value)
    assert "\n" not in msg
    for part in parts:
        assert part in msg, msg
    return msg


def test_the_small_copy_builds(raw):
    tables, report = load_raw_tables(raw)
    assert len(tables.events) and len(tables.observations) and not report.unmatched


def test_renamed_column_in_the_ofsted_history(raw):
    _edit(raw / HIST, "Inspection type", "Type of inspection")
    _fails(raw, str((raw / HIST).resolve()), "row 1", "Inspection type", "Type of inspection")


def test_renamed_dfe_column(raw):
    _edit(raw / CIN, "At31_episodes", "at_31_march_episodes")
    _fails(raw, str((raw / CIN).resolve()), "At31_episodes", "found time_period")


def test_renamed_finance_column(raw):
    _edit(raw / FIN, "council_name_as_published", "council")
    _fails(raw, str((raw / FIN).resolve()), "council_name_as_published")


def test_zero_byte_csv(raw):
    (raw / CIN).write_bytes(b"")
    _fails(raw, str((raw / CIN).resolve()), "0 bytes")


def test_header_only_csv(raw):
    head = (raw / HIST).read_text(encoding="utf-8-sig").splitlines()[0]
    (raw / HIST).write_text(head + "\n", encoding="utf-8")
    _fails(raw, str((raw / HIST).resolve()), "row 2", "no data rows")


def test_a_stray_file_is_named(raw):
    (raw / "notes.csv").write_text("a,b\n1,2\n")
    _fails(raw, str((raw / "notes.csv").resolve()), "match no known layout")


def test_unmatched_row_names_file_row_and_value(raw):
    lines = (raw / CIN).read_text(encoding="utf-8-sig").splitlines()
    row = next(ln for ln in lines if ",Local authority," in ln).split(",")
    row[7], row[8], row[9] = "999", "E06000999", "Nowhere"
    lines.insert(5, ",".join(row))  # spreadsheet row 6
    (raw / CIN).write_text("\n".join(lines) + "\n", encoding="utf-8")
    _fails(raw, str((raw / CIN).resolve()), "row 6", "E06000999", "allowance.toml")


def test_the_allowance_lists_known_unmatched_rows(raw):
    """The 2008-09 s251 returns of the counties reorganised in 2009 are allowed, no more."""
    rel = "goodair_csc/s251_outturn/outturn_0809.csv"
    (raw / rel).parent.mkdir(parents=True)
    shutil.copyfile(RAW / rel, raw / rel)
    _, report = load_raw_tables(raw)
    assert report.unmatched["s251"] == ["820", "840", "865", "875", "893", "908", "929"]
    allowance = load_allowance()
    assert allowance.allows("s251", str(raw / rel), "840")
    assert not allowance.allows("s251", str(raw / "outturn_0910.csv"), "840")
    # the same code in another year's file is not allowed
    shutil.copyfile(raw / rel, raw / rel.replace("0809", "0910"))
    (raw / rel).unlink()
    _fails(raw, "outturn_0910.csv", "row 3963", "'820'")


def test_two_ofsted_histories_side_by_side_name_both(raw):
    """The ILACS history is cumulative (each edition holds every earlier row): two side by
    side would double the inspections, so the build names both."""
    newer = raw / Path(HIST).parent / "ILACS_inspection_history_2018_2099.csv"
    shutil.copyfile(raw / HIST, newer)
    msg = _fails(raw, str(newer.resolve()), str((raw / HIST).resolve()), "second edition")
    assert msg.startswith(str(newer.resolve()))


def test_dfe_editions_side_by_side_are_all_read(raw):
    """DfE editions are real-time vintages: a newer one beside the older is read too."""
    newer = raw / "dfe_csc_dashboard" / "b1_children_in_need_2013_to_2023.csv"
    newer.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RAW / _rel("b1_children_in_need_2013_to_2023.csv"), newer)
    _, report = load_raw_tables(raw)
    files = {Path(f).name for f in report.sources["dfe_csc"].files}
    assert {Path(CIN).name, newer.name} <= files
    assert report.sources["dfe_csc"].skipped["unchanged in a later edition"] > 0


def _newer_release(raw: Path) -> None:
    """Add a 2023 and a 2024 year in the layout of DfE's newer releases (new councils)."""
    df = pd.read_csv(raw / CIN, dtype=str, keep_default_na=False)
    src = df[df["time_period"].eq("2022") & df["geographic_level"].eq("Local authority")]
    rows = []
    for year in ("2023", "2024"):
        for old, dfe, gss, name in [
            ("E10000006", "942", "E06000063", "Cumberland"),
            ("E10000006", "943", "E06000064", "Westmorland and Furness"),
            ("E10000023", "815", "E06000065", "North Yorkshire"),
            ("E10000027", "933", "E06000066", "Somerset"),
        ]:
            r = src[src["new_la_code"].eq(old)].iloc[0].copy()
            r["time_period"], r["old_la_code"], r["new_la_code"], r["la_name"] = (
                year,
                dfe,
                gss,
                name,
            )
            rows.append(r)
    pd.concat([df, pd.DataFrame(rows)]).to_csv(raw / CIN, index=False)


def test_councils_created_in_2023_are_mapped_in_a_newer_release(raw):
    _newer_release(raw)
    tables, report = load_raw_tables(raw)
    assert not report.unmatched
    obs = tables.observations
    cin = obs[obs["measure"].eq(obs.loc[obs["source"].eq("cin"), "measure"].iloc[0])]
    for code in ("E06000063", "E06000064", "E06000065", "E06000066"):
        own = cin[cin["council_code"].eq(code) & cin["carried_from"].isna()]
        assert set(own["period"].dt.year) >= {2024}, code
    # Cumberland's own 2022-23 row (a restated year) wins over Cumbria's carried copy
    cum = obs[obs["council_code"].eq("E06000063")]
    assert not cum.duplicated(["measure", "period"]).any()
    own23 = cum[cum["period"].eq(pd.Timestamp("2023-03-31"))]
    assert len(own23) and own23["carried_from"].isna().all()


def test_data_build_cli_one_line_and_nothing_written(raw, tmp_path, capsys):
    from earlywarn.cli import main

    _edit(raw / HIST, "Inspection type", "Type of inspection")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["data", "build", "--raw", str(raw), "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Inspection type" in err and "Traceback" not in err
    assert str((raw / HIST).resolve()) in err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["raw"]


def test_renamed_sub_judgement_column_in_the_ofsted_history(raw):
    old = "The impact of leaders on social work practice with children and families"
    _edit(raw / HIST, old, "Leadership")
    _fails(raw, str((raw / HIST).resolve()), "row 1 (header)", old)


@pytest.mark.parametrize(
    ("rel", "column"),
    [
        ("oflog_asc/ASC_data.csv", "MADs_from_median"),
        ("oflog_asc/ASC_data.csv", "Local authority code"),
        ("youth_justice/hmi_youth_justice_inspection_ratings.csv", "overall_rating"),
        (_rel("history2016-*.csv"), "majority"),
        ("goodair_csc/imd19_utla.csv", "IMD - Average score"),
        (_rel("csww_indicators_2017_to_*.csv"), "caseload_fte"),
        ("dfe_csc_dashboard/New_Statistical_Neighbour_Groupings_April_2021.csv", "SN10"),
        ("goodair_csc/s251_outturn/outturn_1314.csv", "CYPServiceDescription"),
        ("goodair_csc/cla_sfr/2014_SFR36_CLA2014.csv", "geog_c"),
        ("d2i_ilacs_scrape/Provider_data_lookup.csv", "la_code_new"),
    ],
)
def test_renamed_column_in_any_loader_is_named(raw, rel, column):
    """Each loader's file, one identifying column renamed: one line naming file and column."""
    if not (raw / rel).exists():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RAW / rel, raw / rel)
    data = (raw / rel).read_bytes()
    head, sep, body = data.partition(b"\n")
    cells = head.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "latin-1").split(",")
    at = [i for i, c in enumerate(cells) if c.strip().strip('"') == column.strip('"')]
    assert len(at) == 1, cells
    cells[at[0]] = cells[at[0]].replace(column.strip('"'), column.strip('"') + "X")
    (raw / rel).write_bytes(",".join(cells).encode("utf-8") + sep + body)
    _fails(raw, str((raw / rel).resolve()), column.strip('"'))


def test_a_workbook_no_loader_reads_is_named_with_its_sheets(raw):
    from openpyxl import load_workbook

    rel = "bbc_council_reserves/RS_2016-17_data_by_LA.xlsx"
    (raw / rel).parent.mkdir(parents=True)
    wb = load_workbook(RAW / rel)
    wb["RS LA Data 2016-17"].title = "Reserves 2016-17"  # renamed sheet: not recognised
    wb.save(raw / rel)
    _fails(raw, str((raw / rel).resolve()), "read by no loader", "'Reserves 2016-17'")


def _with_compositions(raw: Path, *names: str) -> Path:
    """Copy the newest council-composition file with one 2024 row per name appended."""
    rel = _rel("history2016-*.csv")
    for r in (rel, _rel("uk_local_authorities_future.csv")):
        (raw / r).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(RAW / r, raw / r)
    lines = (raw / rel).read_text(encoding="utf-8").splitlines()
    last = int(lines[-1].split(",", 1)[0])
    for i, name in enumerate(names, start=1):
        lines.append(f'{last + i},9{i}99,"{name}",2024,40,20,10,5,0,0,0,0,0,5,"Con",')
    (raw / rel).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return raw / rel


def test_unknown_bodies_and_future_councils_go_through_the_allowance(raw):
    """Combined-authority mayors and councils newer than the crosswalk are listed in the
    build report (allowance), not errors; any other unknown name stops the build."""
    path = _with_compositions(raw, "West Yorkshire Mayor", "East Surrey")
    _, report = load_raw_tables(raw)
    assert {"West Yorkshire Mayor", "East Surrey"} <= set(report.unmatched["political_control"])
    assert report.to_dict()["unmatched"]["political_control"]
    path.unlink()
    _with_compositions(raw, "Nowhereshire")
    _fails(raw, "history2016-", "'Nowhereshire'", "allowance.toml")


def test_the_allowance_patterns_name_kinds_of_body_only():
    a = load_allowance()
    assert a.allows("finance_events", "dated/efs.csv", "E47000002")  # a mayoral CA
    assert a.allows("political_control", "history2016-26.csv", "Greater Manchester Mayor")
    assert a.allows("political_control", "history2016-26.csv", "West Surrey")
    assert not a.allows("finance_events", "dated/efs.csv", "E09000002")  # a council
    assert not a.allows("political_control", "history2016-26.csv", "Surrey")
    assert not a.allows("youth_justice", "history2016-26.csv", "West Surrey")  # other loader

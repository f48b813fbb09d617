"""Next year's files: the loaders read the header variants a 2026 user meets and refuse an
unknown layout with one line naming the file.

Built on copies of the newest staged files: the Ofsted in-year table (renamed headers,
extra columns, another column order), an Ofsted workbook whose in-year sheet moved (title
rows, phantom sheets, renamed columns) and the DfE statistical-neighbour model of 2025
(its own layout: ``old_la_code``, ``la_name``, ``SN_1`` .. ``SN_10P``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.sources.allowance import load_allowance
from earlywarn.sources.crosswalk import build_crosswalk
from earlywarn.sources.inventory import check_raw_files, data_files
from earlywarn.sources.neighbours import load_statistical_neighbours
from earlywarn.sources.ofsted import load_ofsted_inspections
from earlywarn.sources.ofsted_in_year import VISIT_LAG_DAYS

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")
OFSTED = "ofsted_la_inspections"
IN_YEAR = max(p.name for p in RAW.rglob("In_year_inspections_*.csv"))
SN_2021 = next(RAW.rglob("New_Statistical_Neighbour_Groupings_April_2021.csv"))

#: the 2025 header -> the names a later release prints (docs/data-build.md)
RENAMED = {
    "Local authority area code": "LA code",
    "Local authority name": "Local authority",
    "Inspection/Visit date": "Inspection start date",
    "Publication date": "Published date",
    "Inspection/Visit type": "Inspection or visit type",
    "Visit Theme": "Theme",
}


def _copy(tmp_path: Path, with_ofsted: bool = True) -> Path:
    """The crosswalk's folders (and the Ofsted CSVs, without the two big workbooks)."""
    for sub in ("mysociety_la_codes", "d2i_ilacs_scrape"):
        shutil.copytree(RAW / sub, tmp_path / sub, copy_function=shutil.copyfile)
    if with_ofsted:
        (tmp_path / OFSTED).mkdir()
        for p in (RAW / OFSTED).iterdir():
            if not p.name.startswith("Childrens_social_care"):
                shutil.copyfile(p, tmp_path / OFSTED / p.name)
    for p in tmp_path.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return tmp_path


def _check_inventory(raw: Path) -> None:
    """The data build's first check (empty files, renamed columns) on the copy."""
    allowance = load_allowance()
    check_raw_files(raw, {p for p in data_files(raw) if allowance.is_unread(p)})


def _visits(ev: pd.DataFrame) -> pd.DataFrame:
    v = ev[ev["event_type"].eq("ofsted_visit")]
    cols = ["council_code", "inspection_start", "framework", "published", "visit_theme"]
    return v[cols].sort_values(cols[:3]).reset_index(drop=True)


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


def test_visit_lag_is_the_longest_observed(tmp_path, cw):
    """Review item 13: a visit without a publication date is dated start + VISIT_LAG_DAYS,
    which must be no earlier than any letter-dated visit's lag (the 2024-25 CSV: 29-79 days),
    so no estimated visit is seen before its letter could have been out."""
    ev, _ = load_ofsted_inspections(_copy(tmp_path), cw)
    dated = ev[ev["event_type"].eq("ofsted_visit") & ~ev["published_estimated"].eq(True)]
    lag = (dated["published"] - dated["inspection_start"]).dt.days
    assert len(lag) > 40 and lag.min() == 29
    assert lag.max() == 79 <= VISIT_LAG_DAYS


def test_in_year_table_with_renamed_headers_reads_the_same(tmp_path, cw):
    raw = _copy(tmp_path)
    path = raw / OFSTED / IN_YEAR
    before, _ = load_ofsted_inspections(raw, cw)
    df = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns=RENAMED)
    df.insert(2, "Inspection ID", [f"X{i}" for i in range(len(df))])  # an extra column
    df["Lead inspector"] = "someone"
    df[list(reversed(df.columns))].to_csv(path, index=False)  # another order
    _check_inventory(raw)  # the inventory knows the variant too
    after, rep = load_ofsted_inspections(raw, cw)
    # 2023-24 (the 2024 workbook) and 2024-25 (the CSV): focused + monitoring visits
    assert len(_visits(after)) == 37 + 28 + 35 + 22
    pd.testing.assert_frame_equal(_visits(after), _visits(before))
    ilacs = after[after["framework"].astype(str).str.startswith("ILACS")]
    assert len(ilacs) == len(before[before["framework"].astype(str).str.startswith("ILACS")])
    assert rep.skipped["in-year table: ILACS inspection also in the ILACS history"] == 43


def test_in_year_table_of_unknown_layout_is_refused_naming_the_file(tmp_path, cw):
    raw = _copy(tmp_path)
    path = raw / OFSTED / IN_YEAR
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.rename(columns={"Inspection/Visit date": "When"}).to_csv(path, index=False)
    with pytest.raises(UserInputError) as err:
        load_ofsted_inspections(raw, cw)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    assert "an Ofsted in-year table without a start column" in message


def test_workbook_in_year_sheet_moved_and_renamed(tmp_path, cw):
    raw = _copy(tmp_path)
    table = pd.DataFrame(
        {
            "Region": ["London", "Yorkshire and The Humber", "London"],
            "LA name": ["Barnet", "Kingston Upon Hull", "Barnet"],
            "Type of inspection or visit": [
                "ILACS Focused Visit",
                "LA Monitoring visit",
                "ILACS Short Inspection",
            ],
            "Start date": ["2025-05-06", "2025-06-10", "2025-09-01"],
            "Theme": ["Front door", "Children in care", ""],
            "Overall effectiveness": ["", "", "Good"],
        }
    )
    _, before = load_ofsted_inspections(raw, cw)
    path = raw / OFSTED / "LA_Inspection_Outcomes_as_at_31_March_2026.ods"
    with pd.ExcelWriter(path, engine="odf") as book:
        pd.DataFrame({"a": ["Cover"]}).to_excel(book, sheet_name="Cover", index=False)
        pd.DataFrame().to_excel(book, sheet_name="Inspections_in_year_2024-25", index=False)
        pd.DataFrame({"x": ["In-year activity 2025-26", "One table, from A4"]}).to_excel(
            book, sheet_name="Inspections_in_year_2025-26", index=False, header=False
        )
        table.to_excel(book, sheet_name="Inspections_in_year_2025-26", index=False, startrow=3)
    ev, rep = load_ofsted_inspections(raw, cw)
    assert rep.skipped["in-year workbook: empty sheet"] == 1  # the phantom sheet
    assert f"{path}#Inspections_in_year_2025-26" in rep.files
    new = ev[ev["event_type"].eq("ofsted_visit") & ev["inspection_start"].ge("2025-04-01")]
    got = new.set_index("council_code").sort_index()
    assert list(got.index) == ["E06000010", "E09000003"]  # Hull (a name variant), Barnet
    assert list(got["framework"]) == ["monitoring visit", "focused visit"]
    lag = (got["published"] - got["inspection_start"]).dt.days
    assert (lag == VISIT_LAG_DAYS).all() and got["published_estimated"].all()
    # the workbook's inspection has no date of publication: the history's row is read
    skipped = "in-year table: ILACS inspection without a publication date (the history has it)"
    assert rep.skipped[skipped] == before.skipped[skipped] + 1


def _sn_2025(path: Path, extra: list[list[str]] = ()) -> pd.DataFrame:
    """The 2021 sets written in the 2025 model's layout (closeness words in SN_kP)."""
    old = pd.read_csv(SN_2021, dtype=str, keep_default_na=False)
    old = old.iloc[: old.index[old["LA Name"].str.contains("Old SNs")][0]]  # current councils
    old = old[old["LA num"].str.strip().str.isdigit()]
    old = old.replace({"909": "942", "Cumbria": "Cumberland"})  # Cumbria split in 2023
    out = pd.DataFrame({"old_la_code": old["LA num"], "la_name": old["LA Name"], "region_ind": "0"})
    out["region_name"] = old["GOReg"]
    snp = [c for c in old.columns if c.startswith("SNP")]
    for k in range(1, 11):
        out[f"SN_{k}"] = old[f"SN{k}"]
        out[f"SN_{k}P"] = old[snp[k - 1]]
    rows = [dict(zip(out.columns, r, strict=False)) for r in extra]
    out = pd.concat([out, pd.DataFrame(rows)], ignore_index=True).fillna("")
    out.to_csv(path, index=False)
    return out


def test_neighbours_2025_model_layout(tmp_path, cw):
    raw = _copy(tmp_path, with_ofsted=False)
    before, _ = load_statistical_neighbours(RAW, cw)
    (raw / "dfe").mkdir()
    westmorland = ["943", "Westmorland and Furness", "5", "North West", "942", "Very close"]
    westmorland += [x for n in ("925", "884", "888", "813", "384", "860", "929", "371", "370")
                    for x in (n, "Close")]  # fmt: skip
    _sn_2025(raw / "dfe" / "sn_model_2025_wide.csv", [westmorland])
    _check_inventory(raw)
    nb, rep = load_statistical_neighbours(raw, cw)
    assert rep.unmatched == [] and len(rep.files) == 1
    # the 2021 sets, read from the 2025 layout (resolved on the 2025 model's date)
    mine = nb[nb["council_code"].isin(before["council_code"])]
    key = ["council_code", "rank"]
    shared = before.merge(mine, on=key, suffixes=("_2021", "_2025"))
    assert len(shared) >= 0.9 * len(before)
    same = shared["neighbour_code_2021"].eq(shared["neighbour_code_2025"]) | shared[
        "council_code"
    ].isin(["E06000063", "E06000064"])  # Cumbria's successors
    assert same.mean() > 0.97
    # councils of 2023 (DfE 942, 943) resolve on the 2025 model's date
    wf = nb[nb["council_code"].eq("E06000064")].sort_values("rank")
    assert len(wf) == 10 and wf["neighbour_code"].iloc[0] == "E06000063"  # Cumberland
    assert wf["closeness"].iloc[0] == "Very close"
    assert nb["council_code"].eq("E06000063").sum() == 10
    # both models in the folder: each council's newer set replaces its older one
    shutil.copyfile(SN_2021, raw / SN_2021.name)
    both, rep = load_statistical_neighbours(raw, cw)
    assert rep.skipped["older model's set replaced by the newer model's"] > 1000
    assert both.groupby("council_code").size().max() == 10


def test_neighbours_of_unknown_layout_refused_naming_the_file(tmp_path, cw):
    raw = _copy(tmp_path, with_ofsted=False)
    path = raw / "sn.csv"
    df = _sn_2025(path).rename(columns={"old_la_code": "authority"})
    df.to_csv(path, index=False)
    with pytest.raises(UserInputError) as err:
        load_statistical_neighbours(raw, cw)
    message = str(err.value)
    assert "\n" not in message and str(path) in message and "LA number column" in message

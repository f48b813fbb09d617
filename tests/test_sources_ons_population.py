"""ONS mid-year population workbooks (mid-2022 on) -> children aged 0-17, dated by the
publication date printed on each workbook's cover."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.sources import build_crosswalk, load_ons_population

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


def test_staged_workbooks(cw):
    obs, rep = load_ons_population(RAW, cw)
    assert rep.unmatched == [] and len(rep.files) == 2
    dates = obs.groupby("period")["published"].unique().map(list).to_dict()
    # mid-2022 reached users only on 26 March 2024 (cover sheet), mid-2023 on 15 July 2024
    assert dates == {
        pd.Timestamp("2022-06-30"): [pd.Timestamp("2024-03-26")],
        pd.Timestamp("2023-06-30"): [pd.Timestamp("2024-07-15")],
    }
    per_year = obs.groupby("period")["council_code"].nunique()
    assert (per_year == 153).all()  # every upper-tier council after the 2023 reorganisations
    assert obs["value"].between(100, 500_000).all()  # children, not all ages (Scilly: ~400)
    assert rep.skipped["not an upper-tier council (district, region, nation)"] > 0


def _workbook(path: Path, cover: str, header_row: int = 8) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Cover sheet"
    wb.active["A1"] = cover
    ws = wb.create_sheet("MYE2 - Persons")
    ws.cell(header_row, 1, "Code")
    ws.cell(header_row, 2, "Name")
    for age in range(19):
        ws.cell(header_row, 3 + age, str(age))
        ws.cell(header_row + 1, 3 + age, 100)
    ws.cell(header_row + 1, 1, "E09000002")
    ws.cell(header_row + 1, 2, "Barking and Dagenham")
    wb.save(path)


def test_a_small_workbook_and_its_mistakes(tmp_path, cw):
    title = "Mid-Year Population Estimates, UK, June 2024. Originally published at 9.30am 8 July"
    title += " 2025"
    _workbook(tmp_path / "mye24.xlsx", title)
    obs, _ = load_ons_population(tmp_path, cw)
    assert obs["value"].tolist() == [1800.0]  # ages 0..17, not 18
    assert obs["published"].tolist() == [pd.Timestamp("2025-07-08")]
    _workbook(tmp_path / "mye24.xlsx", "Mid-Year Population Estimates, UK, June 2024")
    with pytest.raises(UserInputError, match=r"mye24.xlsx, sheet 'Cover sheet': no title year"):
        load_ons_population(tmp_path, cw)

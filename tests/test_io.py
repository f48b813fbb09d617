"""Files: atomic, owner-only output folders; spreadsheet-safe exports; CSV table reading."""

from __future__ import annotations

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.io import read_csv_table, safe_for_spreadsheet, write_output_folder
from earlywarn.schema import OBSERVATION_COLUMNS


def test_output_folder_is_atomic_and_private(tmp_path):
    out = write_output_folder(tmp_path / "run1", {"a.csv": "x\n1\n", "b.json": b"{}"})
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.json"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in out.iterdir())
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_output_folder_never_overwritten(tmp_path):
    out = write_output_folder(tmp_path / "run1", {"a.csv": "old"})
    with pytest.raises(UserInputError, match="not overwriting"):
        write_output_folder(out, {"a.csv": "new"})
    assert (out / "a.csv").read_text() == "old"


def test_failed_write_leaves_nothing(tmp_path):

    with pytest.raises(TypeError):
        write_output_folder(tmp_path / "run2", {"a.csv": "ok", "b.csv": object()})  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_cells_are_neutralised(bad):
    df = pd.DataFrame({"council_name": [bad, "Fine"], "probability": [-0.5, 0.2]})
    out = safe_for_spreadsheet(df)
    assert out["council_name"].iloc[0] == "'" + bad
    assert out["council_name"].iloc[1] == "Fine"
    assert out["probability"].iloc[0] == -0.5  # numbers are left alone


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_reads_common_encodings(tmp_path, encoding):
    p = tmp_path / "obs.csv"
    text = (
        "council_code,period,measure,value,published\n"
        "E06900001,2015-03-31,caf\u00e9_pct,1.5,2015-11-01\n"
    )
    p.write_bytes(text.encode(encoding))
    df = read_csv_table(p, OBSERVATION_COLUMNS)
    assert df["measure"].iloc[0] == "caf\u00e9_pct"


def test_empty_and_missing_columns_are_one_line(tmp_path):
    p = tmp_path / "obs.csv"
    p.write_text("")
    with pytest.raises(UserInputError, match="empty"):
        read_csv_table(p, OBSERVATION_COLUMNS)
    p.write_text("council_code,period,measure,value\nE06900001,2015-03-31,x,1\n")
    with pytest.raises(UserInputError, match="missing column.*published"):
        read_csv_table(p, OBSERVATION_COLUMNS)


def test_project_root_is_the_checkout_from_any_folder(tmp_path, monkeypatch):
    """The checkout's own files (experiments/, notebooks) are found from any working folder
    (the module sits three levels below the checkout: src/earlywarn/io/)."""
    from pathlib import Path

    from earlywarn.io import project_root

    monkeypatch.chdir(tmp_path)
    assert project_root() == Path(__file__).resolve().parents[1]

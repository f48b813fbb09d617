"""``earlywarn combine RUN_A RUN_B``: children's-services and financial risk side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from earlywarn import io
from earlywarn.cli import main
from earlywarn.report import COMBINED_FILE, CONFIDENTIAL, combine_lists


def _folder(path: Path, events: list[str], rows: list[tuple], k: int = 2, **extra) -> Path:
    """A published output folder: banner + risk_list.csv and run.json."""
    path.mkdir(parents=True)
    rl = pd.DataFrame(rows, columns=["rank", "council_code", "council_name", "tier", "risk_band"])
    rl["probability"] = ""
    rl["reason_1"] = [f"reason of {c}" for c in rl["council_code"]]
    (path / "risk_list.csv").write_text(f"# {CONFIDENTIAL}\n" + io.spreadsheet_csv(rl))
    run = {
        "cycle": path.name,
        "as_of": "2025-03-31",
        "score_origin": "2025-03-31",
        "horizon": "12M",
        "config": {"labels": {"events": events}, "evaluate": {"k": k}},
        **extra,
    }
    (path / "run.json").write_text(json.dumps(run))
    return path


CHILDREN = [
    (1, "E1", "Alpha", 1, "high"),
    (2, "E2", "=Beta", 1, "medium"),
    (3, "E3", "Gamma", 2, "low"),
]
FINANCE = [
    (1, "E3", "Gamma", 1, "high"),
    (2, "D9", "A district", 1, "high"),
    (3, "E1", "Alpha", 2, "medium"),
    (4, "E2", "=Beta", 2, "low"),
]


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as ex:
        main(args)
    return int(ex.value.code or 0)


def test_combine_puts_both_risks_side_by_side(tmp_path, capsys):
    a = _folder(tmp_path / "children", ["inadequate_any"], CHILDREN)
    b = _folder(tmp_path / "finance", ["financial_failure"], FINANCE)
    out = tmp_path / "out"
    assert _run(["combine", str(b), str(a), "--out", str(out)]) == 0  # any order
    assert "3 councils on both lists" in capsys.readouterr().out
    text = (out / COMBINED_FILE).read_text()
    assert text.startswith(f"# {CONFIDENTIAL}\n")
    assert "'=Beta" in text and ",=Beta" not in text.replace('"', "")  # spreadsheet-safe
    got = io.read_list_text(text)
    assert list(got["council_code"]) == ["E1", "E2", "E3"]  # by children's rank
    assert "D9" not in set(got["council_code"])  # a district: one list only
    row = got.set_index("council_code").loc["E3"]
    assert (row["childrens_rank"], row["childrens_tier"]) == (3, 2)
    assert (row["financial_rank"], row["financial_tier"]) == (1, 1)
    assert row["financial_risk_band"] == "high" and row["childrens_risk_band"] == "low"
    assert row["financial_reason_1"] == "reason of E3"
    assert got.set_index("council_code")["both_in_top_k"].to_dict() == {
        "E1": False,
        "E2": False,
        "E3": False,
    }


def test_both_in_top_k_follows_each_lists_k():
    ch = pd.DataFrame(CHILDREN, columns=["rank", "council_code", "council_name", "tier", "b"])
    fi = pd.DataFrame(FINANCE, columns=["rank", "council_code", "council_name", "tier", "b"])
    both = combine_lists(ch, fi, (3, 3)).set_index("council_code")["both_in_top_k"]
    assert both.to_dict() == {"E1": True, "E2": False, "E3": True}


def test_two_lists_of_one_outcome_is_one_line_and_exit_2(tmp_path, capsys):
    a = _folder(tmp_path / "a", ["inadequate_any"], CHILDREN)
    b = _folder(tmp_path / "b", ["inadequate"], CHILDREN)
    assert _run(["combine", str(a), str(b), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "both folders hold a childrens list" in err
    assert str(b.resolve()) in err
    assert not (tmp_path / "o").exists()


def test_a_pseudonymised_list_cannot_be_combined(tmp_path, capsys):
    a = _folder(tmp_path / "a", ["inadequate_any"], CHILDREN, pseudonymised=True)
    b = _folder(tmp_path / "b", ["financial_failure"], FINANCE)
    assert _run(["combine", str(a), str(b), "--out", str(tmp_path / "o")]) == 2
    assert "pseudonymised" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["as_of", "score_origin"])
def test_lists_of_different_dates_are_one_line_and_exit_2(tmp_path, capsys, key):
    a = _folder(tmp_path / "a", ["inadequate_any"], CHILDREN)
    b = _folder(tmp_path / "b", ["financial_failure"], FINANCE, **{key: "2023-03-31"})
    assert _run(["combine", str(a), str(b), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "combine lists of the same date" in err
    assert str(b.resolve()) in err and "2023-03-31" in err
    assert not (tmp_path / "o").exists()


def test_one_folder_is_a_mistake(tmp_path, capsys):
    a = _folder(tmp_path / "a", ["inadequate_any"], CHILDREN)
    assert _run(["combine", str(a), "--out", str(tmp_path / "o")]) == 2
    assert "expected two output folders" in capsys.readouterr().err

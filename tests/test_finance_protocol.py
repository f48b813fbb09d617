"""The finance backtest script guards the confirmatory origins."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from earlywarn.errors import UserInputError

SCRIPT = Path(__file__).resolve().parents[1] / "experiments" / "real-2025" / "finance_backtest.py"


def _load(tmp_path: Path):
    spec = importlib.util.spec_from_file_location("finance_backtest_under_test", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.HERE = tmp_path
    mod.LOG = tmp_path / "SCORING-LOG-finance.md"
    return mod


def test_confirmatory_refused_without_preregistration(tmp_path):
    mod = _load(tmp_path)
    with pytest.raises(UserInputError, match="preregistration"):
        mod.main(["--stage", "confirmatory", "--raw", str(tmp_path)])


def test_confirmatory_refused_for_another_hash_and_after_one_scoring(tmp_path):
    mod = _load(tmp_path)
    h = mod.config_hash(mod.config(0.1))
    assert h != mod.config_hash(mod.config(1.0))
    (tmp_path / "PREREGISTRATION-finance.md").write_text(f"hash {h}", encoding="utf-8")
    with pytest.raises(UserInputError, match="preregistration"):
        mod.main(["--stage", "confirmatory", "--C", "1.0", "--raw", str(tmp_path)])
    mod.LOG.write_text(f"## x: confirmatory {h} (C 0.1)\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="already scored"):
        mod.main(["--stage", "confirmatory", "--C", "0.1", "--raw", str(tmp_path)])

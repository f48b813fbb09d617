"""The finance backtest script guards the confirmatory origins."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
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


def test_one_second_look_only_after_a_first_scoring(tmp_path):
    mod = _load(tmp_path)
    h = mod.config_hash(mod.config(0.1))
    (tmp_path / "PREREGISTRATION-finance.md").write_text(f"hash {h}", encoding="utf-8")
    look = ["--stage", "confirmatory", "--raw", str(tmp_path), "--second-look", "label fix"]
    with pytest.raises(UserInputError, match="no first confirmatory"):
        mod.main(look)
    mod.LOG.write_text(
        f"## x: confirmatory {h} (C 0.1)\n## y: confirmatory-second-look {h} (C 0.1)\n",
        encoding="utf-8",
    )
    with pytest.raises(UserInputError, match="second look"):
        mod.main(look)


def test_label_counts_cover_only_the_scored_origins():
    mod = _load(Path("."))
    origins = pd.to_datetime(["2022-03-31", "2023-03-31"])
    ix = pd.MultiIndex.from_product([["A", "B", "C"], origins], names=["council_code", "origin"])
    lab = pd.DataFrame(
        {
            "y": [1.0, 0.0, np.nan, 1.0, 0.0, 0.0],
            "population": ["new", "new", "ambiguous", "new", "new", "repeat"],
            "ambiguous": [False, False, True, False, False, False],
        },
        index=ix,
    )
    counts = mod.label_counts(lab, ["2022-03-31"])
    assert [str(o) for o in counts.index] == ["2022-03-31"]
    assert counts.loc[origins[0].date(), "new_failures"] == 1
    assert counts.loc[origins[0].date(), "censored_ambiguous_date"] == 1
    later = mod.label_counts(lab, ["2023-03-31"])
    assert later.iloc[0]["new_failures"] == 1 and later.iloc[0]["repeats"] == 1


def test_reference_rule_is_chosen_on_the_validation_origins_only():
    spec = importlib.util.spec_from_file_location(
        "finance_backtest_panel", Path(__file__).resolve().parent / "test_finance_backtest.py"
    )
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    f, lab, origins = helpers._panel()
    mod = _load(Path("."))
    mod.VALIDATION = [str(o.date()) for o in origins[:3]]
    last = lab.index.get_level_values("origin") == origins[3]
    # the later origin's failures follow the debt ratio only: a pick over every origin
    # would see it, a pick over the validation origins must not
    cfr = f.loc[last, "cfr_pct_nre"]
    debt_led = lab.copy()
    debt_led.loc[last, "y"] = (cfr > cfr.quantile(0.5)).astype(float).to_numpy()
    picked = mod.best_rule_on_validation(f, lab, 0.1)
    assert picked == "reserves_ratio"
    assert mod.best_rule_on_validation(f, debt_led, 0.1) == picked
    everywhere = helpers.auroc_table(
        helpers.run_finance_backtest(f, debt_led, origins[1:]), n_boot=0
    )
    assert everywhere.drop(index="logit")["auroc"].idxmax() == "debt_ratio"

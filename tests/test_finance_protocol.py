"""The finance backtest script guards the confirmatory origins."""

from __future__ import annotations

import importlib.util
import re
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


FINANCE_TOML = SCRIPT.parent / "cycle-finance.toml"


def _preregistered_confirmatory() -> set[pd.Timestamp]:
    """The confirmatory origins named by PREREGISTRATION-finance.md's "Origins" list."""
    text = (SCRIPT.parent / "PREREGISTRATION-finance.md").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("- Confirmatory"))
    found = {pd.Timestamp(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", line)}
    assert found, line
    return found


def test_the_finance_cycle_reserves_the_preregistered_confirmatory_origins():
    from earlywarn.config import load_config

    cfg = load_config(FINANCE_TOML)
    ev = cfg.evaluate
    confirmatory = _preregistered_confirmatory()
    assert confirmatory == {pd.Timestamp("2023-03-31"), pd.Timestamp("2024-03-31")}
    assert confirmatory <= {pd.Timestamp(o) for o in ev.reserved_origins}
    scored = {pd.Timestamp(o) for o in (*ev.origins, *ev.validation_origins, *ev.seen_origins)}
    assert scored and not scored & confirmatory
    assert ev.preregistration == ""  # the cycle has no confirmatory origin of its own


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("validation_origins", "2023-03-31"),
        ("origins", "2024-03-31"),
        ("seen_origins", "2024-03-31"),
    ],
)
def test_a_finance_cycle_scoring_a_confirmatory_origin_is_refused_before_data(
    tmp_path, capsys, key, value
):
    """A copy of cycle-finance.toml naming 2023 or 2024 is refused in one line, exit 2;
    its data files (finance-data/, relative to the copy) do not exist, so the refusal
    comes before any data is read."""
    from earlywarn.cli import main

    text = FINANCE_TOML.read_text(encoding="utf-8")
    line = re.search(rf"^{key} = \[(.*)\]$", text, flags=re.M)
    if line is None:  # seen_origins: not in the file
        text = text.replace("[evaluate]\n", f'[evaluate]\n{key} = ["{value}"]\n')
    else:
        text = text.replace(line.group(0), f'{key} = [{line.group(1)}, "{value}"]')
    copy = tmp_path / "cycle-finance.toml"
    copy.write_text(text, encoding="utf-8")
    assert not (tmp_path / "finance-data").exists()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["cycle", str(copy), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"evaluate.{key} '{value}' is in evaluate.reserved_origins" in err
    assert str(copy.resolve()) in err or str(copy) in err
    assert not (tmp_path / "out").exists()


def test_reserved_origins_with_no_origins_named_are_refused(tmp_path):
    from earlywarn.config import load_config

    text = FINANCE_TOML.read_text(encoding="utf-8")
    text = re.sub(r"^(origins|validation_origins) = \[.*\]$\n", "", text, flags=re.M)
    copy = tmp_path / "cycle-finance.toml"
    copy.write_text(text, encoding="utf-8")
    with pytest.raises(UserInputError, match="every closed origin, the reserved ones included"):
        load_config(copy)

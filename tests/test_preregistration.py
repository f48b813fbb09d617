"""The pre-registration: PREREGISTRATION.md parsed and checked, the confirmatory origins
scored only for the pre-registered settings hash, every scoring appended to the protocol
log, and a second look marked as one."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from earlywarn.backtest import (
    LOG_NAME,
    check_preregistered,
    read_preregistration,
    read_protocol_log,
    settings_hash,
)
from earlywarn.config import load_config, parse_config
from earlywarn.errors import UserInputError

EXE = [sys.executable, "-m", "earlywarn.cli"]
VALIDATION = ["2014-03-31", "2015-03-31", "2016-03-31"]
CONFIRMATORY = ["2017-03-31", "2018-03-31"]
GOOD = {
    "model": "logit",
    "settings_hash": "0123456789abcdef",
    "metric": "auroc_within_origin",
    "against": "best_baseline",
    "alternative": "greater",
    "minimum_effect": 0.10,
    "confirmatory_origins": CONFIRMATORY,
}


def _toml(d: dict) -> str:
    def v(x: object) -> str:
        return json.dumps(x)  # strings, numbers and lists of strings are valid TOML as JSON

    return "\n".join(f"{k} = {v(x)}" for k, x in d.items()) + "\n"


def _write_prereg(folder: Path, block: dict, text: str | None = None) -> Path:
    p = folder / "PREREGISTRATION.md"
    body = f"```toml\n{_toml(block)}```\n" if text is None else text
    p.write_text(f"# Pre-registration\n\nWhat is tested, fixed before scoring.\n\n{body}")
    return p


def _write_config(folder: Path, small: dict, prereg: str = "PREREGISTRATION.md") -> Path:
    ev = {"k": 8, "n_boot": 30, "validation_origins": VALIDATION}
    if prereg:
        ev["preregistration"] = prereg
    lines = [
        'cycle = "prereg"',
        f'as_of = "{small["as_of"]}"',
        f'horizon = "{small["horizon"]}"',
        f"seed = {small['seed']}",
        "[data]",
        _toml(small["data"]),
        "[models]",
        'kinds = ["logit"]',
        "[evaluate]",
        _toml(ev),
        "[report]",
        "interval_boot = 0",
        "[tracking]",
        f'uri = "sqlite:///{folder / "mlflow.db"}"',
        'experiment = "earlywarn-prereg"',
    ]
    p = folder / "cycle.toml"
    p.write_text("\n".join(lines) + "\n")
    tomllib.loads(p.read_text())  # a valid TOML file
    return p


def _block_for(config: Path) -> dict:
    cfg = load_config(config)
    return {**GOOD, "settings_hash": settings_hash(cfg), "features": list(cfg.features.families)}


# ---- parsing: every bad file is one line naming the file and the key ----------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"settings_hash": "abc"}, "settings_hash 'abc' is not a settings hash"),
        ({"minimum_effect": 0}, "minimum_effect must be"),
        ({"minimum_effect": "0.1"}, "minimum_effect must be"),
        ({"metric": "auroc"}, "metric = 'auroc' is not the protocol's"),
        ({"alternative": "two-sided"}, "alternative = 'two-sided' is not the protocol's"),
        ({"against": "persistence"}, "against = 'persistence' is not the protocol's"),
        ({"confirmatory_origins": ["2017-06-30"]}, "confirmatory_origins '2017-06-30'"),
        ({"confirmatory_origins": []}, "confirmatory_origins must be a non-empty list"),
        ({"features": "level"}, "features must be a non-empty list"),
        ({"model": 3}, "model must be a string"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"reference": 1}, "reference must be a string"),
    ],
)
def test_a_bad_preregistration_names_the_file_and_the_key(tmp_path, change, words):
    p = _write_prereg(tmp_path, {**GOOD, "features": ["level"], **change})
    with pytest.raises(UserInputError) as err:
        read_preregistration(p)
    msg = str(err.value)
    assert words in msg
    assert msg.startswith(str(p.resolve())) and "\n" not in msg


def test_a_missing_key_or_block_is_named(tmp_path):
    block = {k: v for k, v in GOOD.items() if k != "minimum_effect"}
    p = _write_prereg(tmp_path, {**block, "features": ["level"]})
    with pytest.raises(UserInputError, match="missing key 'minimum_effect'"):
        read_preregistration(p)
    _write_prereg(tmp_path, {}, text="no block here\n")
    with pytest.raises(UserInputError, match="expected one fenced ```toml block.*found 0"):
        read_preregistration(p)
    _write_prereg(tmp_path, {}, text="```toml\nmodel = \n```\n")
    with pytest.raises(UserInputError, match="not valid TOML"):
        read_preregistration(p)


def test_a_good_preregistration_is_read(tmp_path):
    p = _write_prereg(tmp_path, {**GOOD, "features": ["level", "change"]})
    pre = read_preregistration(p)
    assert (pre.model, pre.minimum_effect, pre.confirmatory_origins) == (
        "logit",
        0.10,
        tuple(CONFIRMATORY),
    )
    assert pre.log_path == p.resolve().parent / LOG_NAME


# ---- the config: old keys still read, new vocabulary, checks before any work ---------------


def test_old_keys_are_read_as_the_new_ones_and_hash_alike():
    old = {"selection_origins": VALIDATION, "held_out_origins": CONFIRMATORY}
    new = {"validation_origins": VALIDATION, "seen_origins": CONFIRMATORY}
    a = parse_config({"cycle": "a", "as_of": "2020-03-31", "evaluate": old})
    b = parse_config({"cycle": "b", "as_of": "2020-03-31", "evaluate": new})
    assert a.evaluate.validation_origins == tuple(VALIDATION) == b.evaluate.selection_origins
    assert a.evaluate.seen_origins == tuple(CONFIRMATORY) == b.evaluate.held_out_origins
    assert settings_hash(a) == settings_hash(b)
    both = {"selection_origins": VALIDATION, "validation_origins": VALIDATION}
    with pytest.raises(UserInputError, match="selection_origins and evaluate.validation_origins"):
        parse_config({"cycle": "c", "as_of": "2020-03-31", "evaluate": both})


def test_a_new_key_left_at_its_default_keeps_the_hash():
    a = parse_config({"cycle": "a", "as_of": "2020-03-31", "evaluate": {"k": 9}})
    b = parse_config({"cycle": "a", "as_of": "2020-03-31", "evaluate": {"k": 9, "mu": 0.5}})
    c = parse_config({"cycle": "a", "as_of": "2020-03-31", "evaluate": {"k": 9, "mu": 0.6}})
    assert settings_hash(a) == settings_hash(b) != settings_hash(c)


def test_seen_origins_and_a_preregistration_do_not_mix():
    ev = {"validation_origins": VALIDATION, "seen_origins": CONFIRMATORY, "preregistration": "P"}
    with pytest.raises(UserInputError, match="seen_origins and evaluate.preregistration"):
        parse_config({"cycle": "a", "as_of": "2020-03-31", "evaluate": ev})


def test_origins_scored_for_another_hash_are_seen_forever(tmp_path, small_config_dict):
    config = _write_config(tmp_path, small_config_dict)
    _write_prereg(tmp_path, _block_for(config))
    assert check_preregistered(load_config(config)) is not None
    row = {"settings_hash": "fedcba9876543210", "origins": ["2018-03-31"], "when": "then"}
    (tmp_path / LOG_NAME).write_text(json.dumps(row) + "\n")
    with pytest.raises(UserInputError, match="2018-03-31 was already scored for settings hash"):
        check_preregistered(load_config(config))


def test_preregistered_model_and_features_must_be_the_configs(tmp_path, small_config_dict):
    config = _write_config(tmp_path, small_config_dict)
    _write_prereg(tmp_path, {**_block_for(config), "model": "gbm"})
    with pytest.raises(UserInputError, match="model 'gbm' is not in the config's models.kinds"):
        check_preregistered(load_config(config))
    _write_prereg(tmp_path, {**_block_for(config), "reference": "coin"})
    with pytest.raises(UserInputError, match="reference 'coin' is not one of the config's"):
        check_preregistered(load_config(config))
    _write_prereg(tmp_path, {**_block_for(config), "features": ["level"]})
    with pytest.raises(UserInputError, match="are not the config's features.families"):
        check_preregistered(load_config(config))


def test_the_demo_worked_example_is_valid_for_its_config():
    root = Path(__file__).resolve().parents[1] / "experiments" / "demo"
    cfg = load_config(root / "cycle-confirmatory.toml")
    pre = check_preregistered(cfg)  # the registered hash is the config's, and so on
    assert pre is not None and pre.settings_hash == settings_hash(cfg)
    assert pre.model in cfg.models.kinds and pre.target == cfg.labels.target
    assert max(cfg.evaluate.validation_origins) < min(pre.confirmatory_origins)


@pytest.mark.subprocess
def test_a_wrong_hash_is_refused_in_one_line_before_any_work(tmp_path, small_config_dict):
    config = _write_config(tmp_path, small_config_dict)
    prereg = _write_prereg(tmp_path, {**_block_for(config), "settings_hash": "0" * 16})
    out = tmp_path / "out"
    r = subprocess.run(
        [*EXE, "cycle", str(config), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    digest = settings_hash(load_config(config))
    assert digest in lines[0] and "0" * 16 in lines[0] and str(prereg.resolve()) in lines[0]
    assert not out.exists() and not (tmp_path / LOG_NAME).exists()
    assert not (tmp_path / "mlflow.db").exists()  # refused before the tracking store


# ---- the cycle: scored for the registered hash, logged, a second look marked ---------------


@pytest.fixture(scope="module")
def two_scorings(tmp_path_factory, small_config_dict):
    from earlywarn.cycle import run_cycle

    base = tmp_path_factory.mktemp("prereg")
    config = _write_config(base, small_config_dict)
    _write_prereg(base, _block_for(config))
    cfg = load_config(config)
    first = run_cycle(cfg, out_dir=base / "first")
    after_first = read_protocol_log(base / LOG_NAME)
    second = run_cycle(cfg, out_dir=base / "second")
    return cfg, base, first, after_first, second


@pytest.mark.cycle
def test_the_registered_hash_scores_and_logs_one_line(two_scorings):
    cfg, base, first, after_first, _ = two_scorings
    assert len(after_first) == 1
    row = after_first[0]
    assert row["settings_hash"] == settings_hash(cfg)
    assert row["origins"] == CONFIRMATORY and row["config"] == cfg.path
    assert "@" in row["who"] and row["when"].endswith("Z")
    ev = json.loads((first.out_dir / "evaluation.json").read_text())
    assert ev["test_origins"] == VALIDATION
    block = ev["confirmatory"]
    assert block["origins"] == CONFIRMATORY and block["role"] == "confirmatory"
    assert block["scorings"] == 1 and not block["looked_at_more_than_once"]
    test = block["test"]  # against the best rule on the validation origins, fixed before
    assert test["reference"] == ev["paired_differences"][ev["target"]]["best_baseline"]
    assert test["verdict"] == ("beats" if test["lo"] > 0 else "is not shown to beat")
    assert test["meets_minimum_effect"] == (test["value"] >= 0.10)
    assert "held_out" not in ev and "validation_seen" not in ev
    assert "scored for the first time (confirmatory)" in ev["protocol"]["words"]
    assert (first.out_dir / "backtest_predictions_confirmatory.parquet").is_file()
    from earlywarn.evaluation import recompute_evaluation

    saved, again = recompute_evaluation(first.out_dir, held_out=True)
    for key, value in again.items():
        assert saved[key] == value, key


@pytest.mark.cycle
def test_a_second_scoring_appends_and_is_marked(two_scorings):
    from earlywarn.report import render_results

    cfg, base, first, after_first, second = two_scorings
    log = base / LOG_NAME
    rows = read_protocol_log(log)
    assert len(rows) == 2 and rows[0] == after_first[0]  # appended, never rewritten
    ev = json.loads((second.out_dir / "evaluation.json").read_text())
    assert ev["confirmatory"]["scorings"] == 2
    assert ev["confirmatory"]["looked_at_more_than_once"] is True
    assert "scored 2 times (looked at more than once" in ev["protocol"]["words"]
    report = (second.out_dir / "report.html").read_text()
    assert "Confirmatory origins: 2017-03-31, 2018-03-31" in report
    assert "looked at more than once" in report
    card = (second.out_dir / "MODEL_CARD.md").read_text()
    assert "## Confirmatory origins 2017-03-31, 2018-03-31" in card
    assert "looked at more than once" in card
    text = render_results([first.out_dir, second.out_dir], "Results")
    assert "scored once" in text and "scored 2 times: looked at more than once" in text
    assert "**The pre-registered test** (logit minus" in text
    first_report = (first.out_dir / "report.html").read_text()
    assert "the first scoring: confirmatory" in first_report

"""The protocol: settings chosen on validation origins; without a pre-registration the
origins scored after the choice are validation (seen), with the settings hash recorded and
their figures recomputed from their predictions, and every surface says no origin is
confirmatory (the pre-registered path: tests/test_preregistration.py)."""

from __future__ import annotations

import json

import pytest

from earlywarn.backtest import beats_best_baseline, settings_hash
from earlywarn.config import parse_config
from earlywarn.cycle import run_cycle
from earlywarn.evaluation import recompute_evaluation


@pytest.fixture(scope="module")
def protocol_cycle(tmp_path_factory, small_config_dict):
    base = tmp_path_factory.mktemp("protocol")
    raw = {
        **small_config_dict,
        "cycle": "protocol",
        "models": {"kinds": ["logit"]},
        "evaluate": {
            "k": 8,
            "n_boot": 30,
            "selection_origins": ["2014-03-31", "2015-03-31", "2016-03-31"],
            "held_out_origins": ["2017-03-31", "2018-03-31"],
        },
        "report": {"interval_boot": 0},
    }
    cfg = parse_config(raw)
    uri = f"sqlite:///{base / 'mlflow.db'}"
    return cfg, run_cycle(cfg, out_dir=base / "out", tracking_uri=uri), uri


def test_validation_and_seen_origins_are_kept_apart(protocol_cycle):
    cfg, result, uri = protocol_cycle
    ev = json.loads((result.out_dir / "evaluation.json").read_text())
    assert ev["test_origins"] == ["2014-03-31", "2015-03-31", "2016-03-31"]
    held = ev["validation_seen"]
    assert "held_out" not in ev and "confirmatory" not in ev
    assert held["role"] == "validation (seen)"
    assert ev["protocol"]["words"].startswith("No origin is confirmatory")
    assert held["origins"] == ["2017-03-31", "2018-03-31"]
    assert held["settings_hash"] == settings_hash(cfg)
    verdict = beats_best_baseline(held, "logit", ev["target"])
    assert verdict["verdict"] in ("beats", "is worse than", "is not shown to beat")
    saved, again = recompute_evaluation(result.out_dir, held_out=True)
    for key, value in again.items():
        assert saved[key] == value, key
    import mlflow

    run = mlflow.MlflowClient(uri).get_run(result.run_info["parent_run_id"])
    assert run.data.tags["earlywarn.seen_hash"] == settings_hash(cfg)
    assert run.data.tags["earlywarn.protocol"] == "validation (seen)"
    report = (result.out_dir / "report.html").read_text()
    assert "Validation (seen) origins: 2017-03-31, 2018-03-31" in report
    assert "No origin is confirmatory" in report and "Held-out" not in report


def test_the_settings_hash_follows_the_settings_not_the_name():
    a = parse_config({"cycle": "a", "as_of": "2023-03-31"})
    b = parse_config({"cycle": "b", "as_of": "2023-03-31", "report": {"top_n": 5}})
    c = parse_config({"cycle": "a", "as_of": "2023-03-31", "evaluate": {"k": 10}})
    assert settings_hash(a) == settings_hash(b) != settings_hash(c)


def test_a_file_the_settings_read_hashes_by_its_content_not_its_path(tmp_path):
    """The same neighbours file beside two configs (the experiments' and the packaged
    copy) hashes alike; a changed file changes the hash; no file at all, the name."""
    rows = "council_code,neighbour_code\nE1,E2\n"
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "sn.csv").write_text(rows)
    raw = {"cycle": "x", "as_of": "2023-03-31", "features": {"neighbours": "sn.csv"}}
    a = parse_config(raw, path=str(tmp_path / "a" / "c.toml"))
    b = parse_config(
        {**raw, "features": {"neighbours": "../a/../b/sn.csv"}}, path=str(tmp_path / "b" / "c.toml")
    )
    assert settings_hash(a) == settings_hash(b)
    (tmp_path / "b" / "sn.csv").write_text(rows + "E2,E1\n")
    assert settings_hash(a) != settings_hash(b)
    plain = parse_config({"cycle": "x", "as_of": "2023-03-31"})
    assert settings_hash(a) != settings_hash(plain)


def test_an_old_folder_with_a_held_out_block_reads_as_validation_seen():
    from earlywarn.backtest import after_choice_block

    role, block = after_choice_block({"held_out": {"origins": ["2019-03-31"]}})
    assert role == "validation (seen)" and block["origins"] == ["2019-03-31"]
    assert after_choice_block({"models": {}}) is None


def test_results_md_is_rendered_from_the_outputs_alone(protocol_cycle):
    from earlywarn.report import render_results

    _, result, _ = protocol_cycle
    text = render_results([result.out_dir], "Results")
    ev = json.loads((result.out_dir / "evaluation.json").read_text())
    assert "**Does any model beat the best baseline on the validation (seen) origins?**" in text
    assert ev["validation_seen"]["settings_hash"] in text
    assert "Protocol: No origin is confirmatory" in text and "held-out" not in text.lower()
    within = ev["models"]["logit"]["pooled"]["auroc_within_origin"]["value"]
    assert f"{within:.3f}" in text  # figures come from evaluation.json
    for code in result.risk_list["council_code"]:
        assert code not in text


def test_model_card_is_written_registered_and_names_no_council(protocol_cycle):
    import mlflow

    _, result, uri = protocol_cycle
    stamp_line, card = (result.out_dir / "MODEL_CARD.md").read_text().split("\n", 1)
    assert stamp_line.startswith("<!-- CONFIDENTIAL")
    for heading in ("## Intended use", "## Label", "## Training", "events per variable",
                    "## Performance", "Within-origin AUROC", "chance", "Calibration",
                    "## Validation (seen) origins", "No origin is confirmatory",
                    "## Subgroups", "## Limitations"):  # fmt: skip
        assert heading in card, heading
    names = result.risk_list[["council_code", "council_name"]].to_numpy().ravel()
    assert not [n for n in names if str(n) in card]
    reg = result.run_info["registered_model"]
    mv = mlflow.MlflowClient(uri).get_model_version(reg["name"], reg["version"])
    assert mv.description == card

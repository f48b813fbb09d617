"""`score` and `cycle` share one path (prepare, score_and_explain, publish_files and the one
publishing tail, earlywarn.cycle.publish_tail): for the same champion they publish identical
probabilities, intervals, bands and reasons.

One case runs both commands end to end (weighted censoring, the conditional target, the
probability recalibrated out of time: the longest path). The other censoring x target
combinations differ only inside the shared code (the target map of the training hand-off),
so they are not re-run here; the tail itself has unit tests below."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from earlywarn.config import parse_config
from earlywarn.cycle import run_cycle, score_registered
from earlywarn.errors import UserInputError
from earlywarn.synthetic import make_synthetic_councils


@pytest.fixture(scope="module")
def world():
    # big enough that the out-of-time recalibration has >= 2 closed origins and 10 failures
    data = make_synthetic_councils(n_councils=60, start_year=2009, end_year=2019, seed=3)
    return data.tables, data.true_risk, {"synthetic": "test world"}


# the longest path: weights from the timing model, the conditional target, and the published
# probability recalibrated out of time (`score` applies the map logged with the model run)
CASES = [("weight", "conditional", True)]


@pytest.mark.parametrize(("censoring", "target", "recalibrate"), CASES)
def test_score_publishes_what_the_cycle_published(censoring, target, recalibrate, world, tmp_path):
    raw = {
        "cycle": f"id-{censoring}-{target}-{recalibrate}",
        "as_of": "2019-03-31",
        "horizon": "24M",
        "seed": 5,
        "labels": {"censoring": censoring, "target": target},
        "models": {"kinds": ["logit"]},
        "evaluate": {"k": 5, "n_boot": 10, "subgroups": [], "recalibrate": recalibrate},
        "report": {"interval_boot": 4},
        "tracking": {"uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "experiment": "id"},
    }
    try:
        cfg = parse_config(raw)
    except UserInputError:
        pytest.skip(f"the config refuses censoring={censoring} with target={target}")
    cycle = run_cycle(cfg, out_dir=tmp_path / "cycle", data=world)
    score = score_registered(cfg, "models:/id@champion", tmp_path / "score", data=world)
    a = pd.read_csv(cycle.out_dir / "risk_list.csv", comment="#")
    b = pd.read_csv(score.out_dir / "risk_list.csv", comment="#")
    pd.testing.assert_frame_equal(a, b)
    if cycle.run_info["probability_gate"]["shown"]:
        assert a["probability"].nunique() > 1  # a real ranking, not a constant
    else:  # not calibrated out of time: withheld alike by both (issue 23)
        assert a["probability"].isna().all() and a["tier"].is_monotonic_increasing
    assert cycle.run_info["probability_gate"] == score.run_info["probability_gate"]
    ra = json.loads((cycle.out_dir / "reasons.json").read_text())
    rb = json.loads((score.out_dir / "reasons.json").read_text())
    assert ra["reasons"] == rb["reasons"] and ra["by_nature"] == rb["by_nature"]
    assert cycle.run_info["probability_meaning"] == score.run_info["probability_meaning"]
    assert cycle.run_info.get("recalibration") == score.run_info.get("recalibration")
    assert ("recalibration" in score.run_info) == recalibrate
    if recalibrate:  # a real refit, so the identity above covers the mapped probabilities
        assert score.run_info["recalibration"]["applied"]


# ---- the shared tail, unit by unit (a real SQLite store, real files) ----------------------


def _tail_setup(tmp_path, pseudonymise=False, log_outputs=None):
    from earlywarn.tracking import Tracker

    raw = {"cycle": "tail", "as_of": "2019-03-31", "horizon": "24M"}
    raw["report"] = {"pseudonymise": pseudonymise}
    raw["tracking"] = {"uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "experiment": "tail"}
    if log_outputs is not None:
        raw["tracking"]["log_outputs"] = log_outputs
    cfg = parse_config(raw)
    councils = pd.DataFrame({"council_code": ["E09000001"], "council_name": ["Barsetshire"]})
    files = {
        "risk_list.csv": "rank,council\n1,Barsetshire\n",
        "reasons.json": "{}",
        "report.html": "<p>Barsetshire</p>",
        "backtest_predictions.parquet": b"PAR1",
        "run.json": "{}",
    }
    info = {"cycle": "tail", "score_origin": "2019-03-31", "model_run_id": "m"}
    return cfg, councils, files, info, Tracker(cfg.tracking.uri, "tail")


def _logged(uri, run_id):
    import mlflow

    return {a.path for a in mlflow.MlflowClient(uri).list_artifacts(run_id)}


@pytest.mark.parametrize("to_store", [False, True])
def test_the_tail_writes_logs_what_the_table_says_and_records(tmp_path, to_store):
    from earlywarn.cycle import TO_STORE, publish_tail
    from earlywarn.tracking import published_lists

    cfg, councils, files, info, tracker = _tail_setup(tmp_path)
    with tracker.run("t") as run_id:
        out = publish_tail(
            tracker, cfg, files, councils, kind="score", run_info=info,
            out=tmp_path / "out", to_store=to_store,
        )  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    named = {"risk_list.csv", "reasons.json", "report.html", "backtest_predictions.parquet"}
    logged = _logged(cfg.tracking.uri, run_id) - {"published_lists.csv"}  # the record's table
    assert logged == (named if to_store else set())  # run.json: not in TO_STORE
    assert len(TO_STORE) == 4
    (pub,) = published_lists(cfg.tracking.uri, "tail").to_dict("records")
    assert pub["out_dir"] == str(out.resolve()) and pub["kind"] == "score"


def test_a_pseudonymised_tail_naming_a_council_writes_and_logs_nothing(tmp_path):
    from earlywarn.cycle import publish_tail
    from earlywarn.tracking import published_lists

    cfg, councils, files, info, tracker = _tail_setup(tmp_path, pseudonymise=True)
    with pytest.raises(RuntimeError, match="still names councils"):
        with tracker.run("t") as run_id:
            publish_tail(
                tracker, cfg, files, councils, kind="score", run_info=info,
                out=tmp_path / "out", to_store=True,
            )  # fmt: skip
    assert not (tmp_path / "out").exists()
    assert _logged(cfg.tracking.uri, run_id) == set()
    assert len(published_lists(cfg.tracking.uri, "tail")) == 0


@pytest.mark.parametrize(
    ("setting", "pseudonymise", "uri", "expected"),
    [
        (None, False, "sqlite:///x.db", True),
        (None, False, "http://127.0.0.1:5000", False),
        (False, False, "sqlite:///x.db", False),
        (False, True, "http://127.0.0.1:5000", True),
    ],
)
def test_one_rule_decides_what_goes_to_the_store(tmp_path, setting, pseudonymise, uri, expected):
    from earlywarn.cycle import log_outputs

    cfg, *_ = _tail_setup(tmp_path, pseudonymise=pseudonymise, log_outputs=setting)
    assert log_outputs(cfg, uri) is expected

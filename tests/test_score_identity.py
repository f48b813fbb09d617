"""`score` and `cycle` share one path (earlywarn.cycle._cycle.prepare, score_and_explain and
earlywarn.cycle._publication.publish_files): for the same champion they publish identical
probabilities, intervals, bands and reasons, for every censoring x target the config
accepts."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest

from earlywarn._names import CENSORING, TARGETS
from earlywarn.config import parse_config
from earlywarn.cycle import run_cycle, score_registered
from earlywarn.errors import UserInputError
from earlywarn.synthetic import make_synthetic_councils


@pytest.fixture(scope="module")
def world():
    data = make_synthetic_councils(n_councils=30, start_year=2011, end_year=2019, seed=3)
    return data.tables, data.true_risk, {"synthetic": "test world"}


# every censoring x target, and the published probability recalibrated out of time
# (evaluate.recalibrate: `score` applies the slope and intercept logged with the model run)
CASES = [(c, t, False) for c, t in itertools.product(CENSORING, TARGETS)] + [
    ("weight", "conditional", True),
    ("drop", "joint", True),
]


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
    assert a["probability"].nunique() > 1  # a real ranking, not a constant
    ra = json.loads((cycle.out_dir / "reasons.json").read_text())
    rb = json.loads((score.out_dir / "reasons.json").read_text())
    assert ra["reasons"] == rb["reasons"] and ra["by_nature"] == rb["by_nature"]
    assert cycle.run_info["probability_meaning"] == score.run_info["probability_meaning"]
    assert cycle.run_info.get("recalibration") == score.run_info.get("recalibration")
    assert ("recalibration" in score.run_info) == recalibrate
    if recalibrate:  # a real refit, so the identity above covers the mapped probabilities
        assert score.run_info["recalibration"]["applied"]

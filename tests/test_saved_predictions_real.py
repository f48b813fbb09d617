"""A small real cycle: evaluation.json is recomputed from its saved predictions.

Not pseudonymised: with ``report.pseudonymise`` the saved codes are pseudonyms, so the
council bootstrap draws councils in another order and the intervals are reproduced only up
to resampling error (the point figures exactly)."""

from __future__ import annotations

import pandas as pd
import pytest

from earlywarn.config import parse_config
from earlywarn.cycle import run_cycle
from earlywarn.evaluation import PREDICTIONS_FILE, recompute_evaluation


@pytest.fixture(scope="module")
def real_cycle(tmp_path_factory):
    base = tmp_path_factory.mktemp("real")
    raw = {
        "cycle": "real-small",
        "as_of": "2025-03-31",  # the make demo vintage; only validation origins are scored
        "seed": 1,
        "data": {"source": "bundled:real"},
        "labels": {"events": ["inadequate_any"], "censoring": "drop", "target": "conditional"},
        "models": {"kinds": ["logit"]},
        "evaluate": {"k": 15, "n_boot": 20, "origins": ["2019-03-31", "2020-03-31", "2021-03-31"]},
        "report": {"interval_boot": 0},
        "tracking": {"experiment": "earlywarn-real-small"},
    }
    cfg = parse_config(raw)
    return run_cycle(cfg, out_dir=base / "out", tracking_uri=f"sqlite:///{base / 'm.db'}")


def test_real_evaluation_is_recomputed_from_saved_predictions(real_cycle):
    saved, again = recompute_evaluation(real_cycle.out_dir)
    for key, value in again.items():
        assert saved[key] == value, key
    long = pd.read_parquet(real_cycle.out_dir / PREDICTIONS_FILE)
    # the audit's artefacts: deprivation (IMD 2019) is not scored before it exists,
    # and every ranking figure has its chance level beside it
    gone = saved["unavailable_baselines"]
    scored = set(long.loc[long["model"] == "deprivation", "origin"].dt.year)
    for o in gone.get("deprivation", {}).get("origins", []):
        assert pd.Timestamp(o).year not in scored
    pub = saved["published_list"]["logit"]["share_of_failures_caught"]
    assert 0 < pub["chance"] < 1 and pub["value"] is not None

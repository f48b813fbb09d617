"""The published probability recalibrated out of time (``evaluate.recalibrate``): a
deliberately miscalibrated model (logit with balanced class weights, probabilities far
too high) publishes probabilities closer to the synthetic truth, in the same order, refitted
only on closed past windows; off by default, with the raw probabilities published."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from earlywarn.config import parse_config
from earlywarn.cycle import run_cycle
from earlywarn.evaluation import apply_recalibration
from earlywarn.synthetic import make_synthetic_councils
from earlywarn.tracking import load_recalibration

AS_OF = pd.Timestamp("2019-03-31")
SELECTION = [f"{y}-03-31" for y in range(2012, 2017)]
HELD_OUT = ["2017-03-31"]  # the last origin whose 24-month window closed by AS_OF


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    data = make_synthetic_councils(n_councils=80, start_year=2005, end_year=2019, seed=3)
    world = (data.tables, data.true_risk, {"synthetic": "recalibration world"})
    tmp = tmp_path_factory.mktemp("recal")
    out = {}
    for on in (False, True):
        name = f"recal-{'on' if on else 'off'}"
        cfg = parse_config(
            {
                "cycle": name,
                "as_of": str(AS_OF.date()),
                "horizon": "24M",
                "seed": 5,
                "labels": {"target": "joint"},
                "models": {
                    "kinds": ["logit"],
                    "params": {"logit": {"rare_events": "class_weight"}},
                },
                "evaluate": {
                    "k": 5,
                    "n_boot": 10,
                    "subgroups": [],
                    "recalibrate": on,
                    "selection_origins": SELECTION,
                    "held_out_origins": HELD_OUT,
                },
                "report": {"interval_boot": 4},
                "tracking": {"uri": f"sqlite:///{tmp / 'mlflow.db'}", "experiment": name},
            }
        )
        out[on] = run_cycle(cfg, out_dir=tmp / name, data=world)
        out[("cfg", on)] = cfg
    out["world"] = world
    return out, data.true_risk


def _truth_fit(truth: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    """Calibration against the true risk: the intercept with the slope fixed at 1
    (calibration in the large), the slope, and the expected log loss."""
    import statsmodels.api as sm

    p = np.clip(p, 1e-6, 1 - 1e-6)
    x = np.log(p / (1 - p))
    fam = sm.families.Binomial()
    large = sm.GLM(truth, np.ones((len(x), 1)), family=fam, offset=x).fit().params[0]
    slope = sm.GLM(truth, sm.add_constant(x), family=fam).fit().params[1]
    loss = -np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p))
    return float(large), float(slope), float(loss)


def _needs_shown_probabilities(*results) -> None:
    """These checks compare published probabilities: a list whose probability is withheld
    (out-of-time calibration slope outside 0.7-1.3, issue 23) has none to compare."""
    slopes = [r.run_info["probability_gate"]["calibration_slope"] for r in results]
    if not all(r.run_info["probability_gate"]["shown"] for r in results):
        pytest.skip(f"probability withheld by the calibration gate (slopes {slopes})")


def test_recalibrated_list_is_closer_to_the_truth_in_the_same_order(runs):
    (by, true_risk) = runs
    off, on = by[False], by[True]
    _needs_shown_probabilities(off, on)
    rec = on.run_info["recalibration"]
    assert rec["applied"] and rec["model"] == "logit" and rec["target"] == "joint"
    used = pd.to_datetime(rec["origins"])
    score = pd.Timestamp(on.run_info["score_origin"])
    # only past, closed windows: the selection and held-out origins, never the scored one
    assert all(o + pd.DateOffset(months=24) <= AS_OF for o in used) and score not in used
    assert [str(o.date()) for o in used] == SELECTION + HELD_OUT
    a, b = off.risk_list, on.risk_list
    assert list(a["council_code"]) == list(b["council_code"])  # ranks unchanged
    assert list(a["rank"]) == list(b["rank"])
    np.testing.assert_allclose(
        b["probability"], apply_recalibration(a["probability"], rec), atol=2e-5
    )
    # the interval's ends mapped the same way, still around the point; P(inspected) kept
    assert (b["probability_lo"] <= b["probability"]).all()
    assert (b["probability"] <= b["probability_hi"]).all()
    pd.testing.assert_series_equal(a["p_inspected"], b["p_inspected"])
    cond = np.clip(b["probability"] / np.clip(b["p_inspected"], 1e-3, 1), 0, 1)
    np.testing.assert_allclose(b["conditional_probability"], cond, atol=2e-5)
    # closer to the synthetic truth (the oracle's joint risk at the scored origin)
    truth = true_risk.xs(score, level="origin").loc[a["council_code"], "p_fail"].to_numpy()
    large_a, slope_a, loss_a = _truth_fit(truth, a["probability"].to_numpy())
    large_b, slope_b, loss_b = _truth_fit(truth, b["probability"].to_numpy())
    # not asserted: the slope against the truth. The refit slope comes from backtest
    # models trained on fewer origins (more extreme) than the published fit, so it
    # over-flattens the published probabilities here (slope 0.53 raw, 1.65 recalibrated)
    assert large_a < -1.0  # the balanced logit runs far too high
    assert abs(large_b) < abs(large_a) / 3
    assert loss_b < loss_a
    assert abs(b["probability"].mean() - truth.mean()) < abs(a["probability"].mean() - truth.mean())


def test_recalibration_is_recorded_and_off_by_default(runs):
    (by, _) = runs
    off, on = by[False], by[True]
    assert "recalibration" not in off.run_info
    assert load_recalibration(off.run_info["tracking_uri"], off.run_info["model_run_id"]) is None
    assert "Published probability" not in (off.out_dir / "MODEL_CARD.md").read_text()
    assert "How the probability was formed" not in (off.out_dir / "report.html").read_text()
    rec = on.run_info["recalibration"]
    assert json.loads((on.out_dir / "run.json").read_text())["recalibration"] == rec
    logged = load_recalibration(on.run_info["tracking_uri"], on.run_info["model_run_id"])
    assert logged == rec  # what `score` reads back and applies
    card = (on.out_dir / "MODEL_CARD.md").read_text()
    assert "## Published probability" in card and f"{rec['slope']:.3f}" in card
    assert "On the validation (seen) origins 2017-03-31" in card  # their calibration, raw and after
    assert "How the probability was formed" in (on.out_dir / "report.html").read_text()
    held = on.evaluation["validation_seen"]["recalibration"]["models"]["logit"]
    assert held["after"]["calibration_slope"] is not None


def test_explain_shows_the_published_recalibrated_probability(runs):
    """``explain --model`` applies the model run's recalibration too: the council's
    probability is the list's, so its published interval is found and shown."""
    from earlywarn.cycle import explain_council

    (by, _) = runs
    on = by[True]
    _needs_shown_probabilities(on)
    row = on.risk_list.iloc[2]
    r = explain_council(
        by[("cfg", True)],
        row["council_code"],
        tracking_uri=on.run_info["tracking_uri"],
        data=by["world"],
    )
    assert r.rank == 3 and r.probability == pytest.approx(row["probability"], abs=1e-6)
    assert (r.probability_lo, r.probability_hi) == (row["probability_lo"], row["probability_hi"])

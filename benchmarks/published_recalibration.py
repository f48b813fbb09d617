"""The published probability with and without ``evaluate.recalibrate``, against the
synthetic truth at the scored origin: a logit with balanced class weights (far too high)
on the easy or realistic preset, one cycle each way (tests/test_published_recalibration.py
runs the easy world with 80 councils).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/published_recalibration.py [preset] [n]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def truth_fit(truth: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    """Against the true risk: intercept with slope 1, slope, expected log loss."""
    import statsmodels.api as sm

    p = np.clip(p, 1e-6, 1 - 1e-6)
    x = np.log(p / (1 - p))
    fam = sm.families.Binomial()
    large = sm.GLM(truth, np.ones((len(x), 1)), family=fam, offset=x).fit().params[0]
    slope = sm.GLM(truth, sm.add_constant(x), family=fam).fit().params[1]
    loss = -np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p))
    return float(large), float(slope), float(loss)


def cycles(world: tuple, tmp: Path) -> dict[bool, object]:
    """One cycle with ``evaluate.recalibrate`` off and one with it on."""
    from earlywarn.config import parse_config
    from earlywarn.cycle import run_cycle

    out = {}
    for on in (False, True):
        name = f"recal-{on}"
        cfg = parse_config({
            "cycle": name, "as_of": "2019-03-31", "horizon": "24M", "seed": 5,
            "labels": {"target": "joint"},
            "models": {"kinds": ["logit"], "params": {"logit": {"rare_events": "class_weight"}}},
            "evaluate": {"k": 5, "n_boot": 10, "subgroups": [], "recalibrate": on,
                         "selection_origins": [f"{y}-03-31" for y in range(2012, 2017)],
                         "held_out_origins": ["2017-03-31"]},
            "report": {"interval_boot": 4},
            "tracking": {"uri": f"sqlite:///{tmp / 'mlflow.db'}", "experiment": name},
        })  # fmt: skip
        out[on] = run_cycle(cfg, out_dir=tmp / name, data=world)
    return out


def main(preset: str = "easy", n: int = 80) -> None:
    from earlywarn.synthetic import make_synthetic_councils

    data = make_synthetic_councils(n, start_year=2005, end_year=2019, seed=3, preset=preset)
    world = (data.tables, data.true_risk, {"synthetic": preset})
    with tempfile.TemporaryDirectory(prefix="ew-recal-") as d:
        res = cycles(world, Path(d))
    r = res[True].run_info["recalibration"]
    print("refit:", {k: r.get(k) for k in ("slope", "intercept", "origins", "n", "n_pos")})
    score = pd.Timestamp(res[True].run_info["score_origin"])
    codes = res[False].risk_list["council_code"]
    truth = data.true_risk.xs(score, level="origin").loc[codes, "p_fail"].to_numpy()
    print(f"true mean risk {truth.mean():.3f}")
    for on, words in ((False, "raw"), (True, "recalibrated")):
        p = res[on].risk_list["probability"].to_numpy()
        large, slope, loss = truth_fit(truth, p)
        print(
            f"{words:>12}: mean {p.mean():.3f}; against the truth: intercept (slope 1) "
            f"{large:.2f}, slope {slope:.2f}, expected log loss {loss:.3f}"
        )
    print("same order:", list(codes) == list(res[True].risk_list["council_code"]))


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["easy"]), *[int(a) for a in sys.argv[2:3]])

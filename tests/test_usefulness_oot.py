"""The usefulness threshold fixed out of time (earlywarn.evaluation._usefulness): chosen on
earlier closed origins only, never on the origin it scores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.evaluation import usefulness_out_of_time
from earlywarn.metrics import usefulness_curve

ORIGINS = pd.to_datetime([f"{y}-03-31" for y in range(2012, 2020)])


def _pred(seed: int, signal: float, origins=ORIGINS, n: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for o in origins:
        p = rng.random(n)
        y = (rng.random(n) < 0.15 + signal * (p - 0.5)).astype(int)
        rows.append(
            pd.DataFrame(
                {
                    "model": "m",
                    "council_code": [f"C{i}" for i in range(n)],
                    "origin": o,
                    "p": p,
                    "y": y,
                }
            )  # fmt: skip
        )
    return pd.concat(rows, ignore_index=True)


def test_threshold_never_reads_the_scored_origin_or_open_windows():
    pred = _pred(0, 0.2)
    base = usefulness_out_of_time(pred, 24, mu=0.7, n_boot=0)["m"]
    t = ORIGINS[5]
    leak = pred.copy()
    now = pd.to_datetime(leak["origin"]).isin([t, ORIGINS[4]]).to_numpy()
    leak.loc[now, "y"] = 1 - leak.loc[now, "y"]
    again = usefulness_out_of_time(leak, 24, mu=0.7, n_boot=0)["m"]
    key = str(t.date())
    assert again["thresholds"][key] == base["thresholds"][key]
    # the first two origins have no closed earlier window: not scored
    assert base["origins"][0] == str(ORIGINS[2].date())
    # the threshold at t is the in-sample optimum of the closed origins before it
    past = pred[pd.to_datetime(pred["origin"]) <= ORIGINS[3]]
    best = usefulness_curve(past["y"], past["p"], mus=[0.7])["threshold"].iloc[0]
    assert base["thresholds"][key] == best


def test_noise_is_not_useful_out_of_time_though_it_is_in_sample():
    pred = _pred(1, 0.0)  # scores carry no information
    oot = usefulness_out_of_time(pred, 24, mu=0.7, n_boot=50)["m"]
    scored = pred[pd.to_datetime(pred["origin"]).isin(pd.to_datetime(oot["origins"]))]
    in_sample = usefulness_curve(scored["y"], scored["p"], mus=[0.7])["ur"].iloc[0]
    assert in_sample > 0.0  # the in-sample optimum always finds some 'usefulness'
    assert oot["ur"]["value"] < in_sample
    assert oot["ur"]["lo"] <= 0.0 <= oot["ur"]["hi"]
    # a real signal stays useful out of time
    useful = usefulness_out_of_time(_pred(2, 1.0), 24, mu=0.7, n_boot=50)["m"]
    assert useful["ur"]["lo"] > 0.0


def test_history_gives_thresholds_and_is_never_scored():
    sel = _pred(3, 0.3, origins=ORIGINS[:5])
    held = _pred(4, 0.3, origins=ORIGINS[5:])
    out = usefulness_out_of_time(held, 24, mu=0.7, history=sel, n_boot=0)["m"]
    assert out["origins"] == [str(o.date()) for o in ORIGINS[5:]]
    assert out["n"] == len(held)
    alone = usefulness_out_of_time(held, 24, mu=0.7, n_boot=0)["m"]
    assert alone["origins"] == [str(ORIGINS[7].date())]

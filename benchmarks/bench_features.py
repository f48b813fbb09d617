"""Time build_features: ``python benchmarks/bench_features.py [--wide] [--large]``.

Default: the demo panel (150 synthetic councils, 2008-2024, every origin with two years of
history, all families). ``--wide``: the same councils with 100 measures (the real ones
plus random extras). ``--large``: 10,000 entities x 20 origins x 200 measures (about
five minutes in all, most of it making the data).

Prints, per size: seconds to build the features (best of ``--repeats``; the peer medians
are computed on first use, so not included), seconds to compute the peer medians of the
latest origin (what the reasons need) and of every row, and the peak memory traced by
:mod:`tracemalloc` while building (numpy and Python allocations; the input tables, made
before, are not counted). ``--dtype float32`` stores the features as float32
(``features.dtype``). ``--large`` skips the every-row peer medians unless
``--all-peers`` is given (they are as big as the feature frame).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from earlywarn.config import FeaturesConfig
from earlywarn.features import build_features
from earlywarn.panel import annual_origins, build_panel
from earlywarn.schema import Tables
from earlywarn.synthetic import make_synthetic_councils


def _wide(n_entities: int, n_years: int, n_measures: int, seed: int = 0) -> Tables:
    """Random annual observations for many entities and measures (for timing only)."""
    rng = np.random.default_rng(seed)
    codes = np.array([f"E06{i:06d}" for i in range(n_entities)])
    councils = pd.DataFrame(
        {
            "council_code": codes,
            "council_name": codes,
            "council_type": rng.choice(["county", "unitary", "metropolitan"], n_entities),
            "region": "North East",
            "valid_from": pd.NaT,
            "valid_to": pd.NaT,
            "successor_code": None,
        }
    )
    years = np.arange(2024 - n_years + 1, 2025)
    periods = pd.to_datetime([f"{y}-03-31" for y in years])
    c, m, y = np.meshgrid(np.arange(n_entities), np.arange(n_measures), np.arange(n_years))
    c, m, y = c.ravel(), m.ravel(), y.ravel()
    obs = pd.DataFrame(
        {
            "council_code": codes[c],
            "period": periods[y],
            "measure": np.array([f"m{j:03d}_pct" for j in range(n_measures)])[m],
            "value": rng.normal(50, 10, c.size).round(2),
            "published": periods[y] + pd.Timedelta(days=220),
        }
    )
    cols = ["council_code", "date", "event_type", "service", "severity", "source"]
    return Tables(councils, obs, pd.DataFrame(columns=cols).astype({"date": "datetime64[ns]"}))


def _time(tables: Tables, origins: list, repeats: int, dtype: str, all_peers: bool = True) -> dict:
    panel = build_panel(tables, origins)
    cfg = FeaturesConfig(dtype=dtype)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fs = build_features(tables, panel, config=cfg)
        best = min(best, time.perf_counter() - t0)
    now = fs.X.index[fs.X.index.get_level_values("origin") == max(origins)]
    t0 = time.perf_counter()
    fs.peer_median_for(now)
    latest = time.perf_counter() - t0
    every = float("nan")
    if all_peers:
        t0 = time.perf_counter()
        fs.peer_median  # noqa: B018 (computed on first use)
        every = time.perf_counter() - t0
    shape = fs.X.shape
    del fs
    tracemalloc.start()
    build_features(tables, panel, config=cfg)
    peak = tracemalloc.get_traced_memory()[1] / 2**30
    tracemalloc.stop()
    return {"build": best, "latest": latest, "every": every, "peak": peak, "shape": shape}


def _line(name: str, r: dict, repeats: int) -> str:
    every = "" if np.isnan(r["every"]) else f", every row {r['every']:.2f} s"
    return (
        f"{name}: build {r['build']:.2f} s (best of {repeats}), peak {r['peak']:.3f} GiB, "
        f"X {r['shape'][0]} x {r['shape'][1]}; peer medians: latest origin "
        f"{r['latest']:.2f} s{every}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wide", action="store_true")
    ap.add_argument("--large", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--all-peers", action="store_true", help="--large: every row's medians")
    a = ap.parse_args()
    data = make_synthetic_councils(n_councils=150, start_year=2008, end_year=2024, seed=20240331)
    origins = annual_origins(data.tables, pd.Timestamp("2024-03-31"))[2:]
    r = _time(data.tables, origins, a.repeats, a.dtype)
    print(_line(f"demo: 150 councils x {len(origins)} origins, all families", r, a.repeats))
    if a.wide:
        tables = _wide(150, 17, 100)
        origins = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2025)]
        print(
            _line(
                "wide: 150 x 15 origins x 100 measures",
                _time(tables, origins, a.repeats, a.dtype),
                a.repeats,
            )
        )
    if a.large:
        tables = _wide(10_000, 22, 200)
        origins = [pd.Timestamp(f"{y}-03-31") for y in range(2005, 2025)]
        r = _time(tables, origins, 1, a.dtype, a.all_peers)
        print(_line("large: 10,000 x 20 origins x 200 measures", r, 1))


if __name__ == "__main__":
    main()

"""Time build_features: ``python benchmarks/bench_features.py [--large]``.

Default: the demo panel (150 synthetic councils, 2008-2024, every origin with two years of
history, all families). ``--wide``: the same councils with 100 measures (the real ones
plus random extras). ``--large``: 10,000 entities x 20 origins x 200 measures (minutes).
Prints seconds (best of ``--repeats``) and peak traced memory.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

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


def _time(tables: Tables, origins: list, repeats: int) -> tuple[float, float, tuple]:
    panel = build_panel(tables, origins)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fs = build_features(tables, panel)
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    build_features(tables, panel)
    peak = tracemalloc.get_traced_memory()[1] / 2**30
    tracemalloc.stop()
    return best, peak, fs.X.shape


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wide", action="store_true")
    ap.add_argument("--large", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    data = make_synthetic_councils(n_councils=150, start_year=2008, end_year=2024, seed=20240331)
    origins = annual_origins(data.tables, pd.Timestamp("2024-03-31"))[2:]
    t, mem, shape = _time(data.tables, origins, a.repeats)
    print(
        f"demo: 150 councils x {len(origins)} origins, all families: {t:.2f} s (best of "
        f"{a.repeats}), peak {mem:.2f} GiB, X {shape[0]} x {shape[1]}"
    )
    if a.wide:
        tables = _wide(150, 17, 100)
        origins = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2025)]
        t, mem, shape = _time(tables, origins, a.repeats)
        print(f"wide: 150 x 15 origins x 100 measures: {t:.2f} s, peak {mem:.2f} GiB, X {shape}")
    if a.large:
        tables = _wide(10_000, 22, 200)
        origins = [pd.Timestamp(f"{y}-03-31") for y in range(2005, 2025)]
        t, mem, shape = _time(tables, origins, 1)
        print(
            f"large: 10,000 x 20 origins x 200 measures: {t:.1f} s, peak {mem:.2f} GiB, X {shape}"
        )


if __name__ == "__main__":
    main()

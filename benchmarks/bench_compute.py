"""Serial against 2 workers for the cycle's backtest (earlywarn.compute), side by side.

    python benchmarks/bench_compute.py [--councils 600] [--years 2006 2024] [--skip-dask]

Builds a synthetic panel (``--councils`` councils, every origin with two years of history),
then times ``evaluation.backtest_targets`` — the loop the cycle runs, every split fitting
logit and gbm — three ways in one process, one after the other: serial, 2 loky processes,
and a 2-worker dask ``LocalCluster`` on loopback (start-up included). Prints wall seconds,
the speed-up, and the peak resident memory of each worker process (loky: the largest
worker's ``ru_maxrss``; dask: each worker's own report), and checks that the three results
are identical. The demo-sized panel is ``--councils 150``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import pandas as pd


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--councils", type=int, default=600)
    ap.add_argument("--years", type=int, nargs=2, default=(2006, 2024))
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()

    from joblib import Parallel, delayed

    from earlywarn.backtest import backtest_targets, rolling_origin_splits
    from earlywarn.compute import compute_backend
    from earlywarn.features import build_features
    from earlywarn.models import make_model
    from earlywarn.panel import annual_origins, build_panel
    from earlywarn.settings import EvaluationSettings
    from earlywarn.synthetic import make_synthetic_councils

    t0 = time.perf_counter()
    data = make_synthetic_councils(
        n_councils=args.councils, start_year=args.years[0], end_year=args.years[1], seed=1,
        n_oracle_sims=20,
    )  # fmt: skip
    as_of = pd.Timestamp(f"{args.years[1]}-03-31")
    origins = annual_origins(data.tables, as_of)[2:]
    panel = build_panel(data.tables, origins)
    X = build_features(data.tables, panel).X
    closed = [o for o in origins if o + pd.DateOffset(months=24) <= as_of]
    splits = rolling_origin_splits(origins, closed, 24, 2)
    print(
        f"panel: {X.shape[0]} council-origins x {X.shape[1]} features, {len(splits)} splits "
        f"(made in {time.perf_counter() - t0:.0f} s; {os.cpu_count()} cores)"
    )
    makers = {
        "logit": lambda: make_model("logit"),
        "gbm": lambda: make_model("gbm", {"monotone": None}, seed=3),
    }
    s = EvaluationSettings(horizon_months=24, censoring="drop", target="conditional", k=15)

    def timed(label: str, backend: str | None) -> pd.DataFrame:
        t = time.perf_counter()
        if backend is None:
            out = backtest_targets(X, events, splits, makers, s)
        else:
            with compute_backend(backend, n_jobs=2):
                out = backtest_targets(X, events, splits, makers, s)
                if backend == "loky":  # each worker's own peak (the pool is still up)
                    peaks = Parallel(n_jobs=2)(delayed(_peak_rss_mb)() for _ in range(8))
                    print(f"  loky worker peak RSS: {max(peaks):.0f} MB")
                else:
                    from distributed import get_client

                    info = get_client().run(_peak_rss_mb)
                    print(
                        "  dask worker peak RSS: " + ", ".join(f"{v:.0f} MB" for v in info.values())
                    )
        wall = time.perf_counter() - t
        print(f"{label:<28} {wall:7.1f} s")
        timings[label] = wall
        return out

    events = data.tables.events
    timings: dict[str, float] = {}
    serial = timed("serial", None)
    print(f"  main process peak RSS: {_peak_rss_mb():.0f} MB")
    loky = timed("loky, 2 processes", "loky")
    pd.testing.assert_frame_equal(serial, loky)
    print(f"  speed-up loky: {timings['serial'] / timings['loky, 2 processes']:.2f}x")
    if not args.skip_dask:
        dask = timed("dask LocalCluster, 2 workers", "dask")
        pd.testing.assert_frame_equal(serial, dask)
        print(
            f"  speed-up dask: {timings['serial'] / timings['dask LocalCluster, 2 workers']:.2f}x"
        )
    print("results identical to serial: yes")


if __name__ == "__main__":
    main()

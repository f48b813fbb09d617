"""Serial against 2 worker processes (earlywarn.compute), side by side. Not a test.

    python benchmarks/bench_compute.py [--part demo|panel|all] [--councils 2000]
        [--years 2008 2024] [--n-boot 8] [--skip-dask]

Two parts, each timed serial then on 2 workers, one after the other in this process:

- ``demo``: the whole synthetic demo cycle (``earlywarn demo --synthetic``'s config, 150
  councils) through :func:`earlywarn.cycle._cycle.run_cycle`, with ``[compute] n_jobs = 1`` (as
  the cycle runs it, and again with one BLAS/OpenMP thread per fit, as joblib gives each
  worker) and then ``n_jobs = 2`` (loky): the backtest splits and interval refits run on
  the workers.
  Checks that ``evaluation.json``, ``risk_list.csv`` and ``reasons.json`` are identical
  (the model fingerprint aside: it hashes the config, ``[compute]`` included).
- ``panel``: a large synthetic panel (``--councils`` councils; ``--years 2008 2024``
  gives 15 origins, each with two years of history): ``backtest.backtest_targets`` —
  the loop the cycle runs, every split fitting logit and gbm — serial, serial with one
  BLAS/OpenMP thread per fit, on 2 loky processes and on a 2-worker dask
  ``LocalCluster`` (start-up included); then ``--n-boot`` council-bootstrap refits of the
  published logit (:mod:`earlywarn.evaluation._intervals`), serial and on 2 loky processes. Checks
  the results are identical to serial.

Prints wall seconds, the speed-up, the load average before each part (the machine may be
shared) and the peak resident memory of the main process and of each worker process (its
own high-water mark, read inside the worker after the work).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd


def _peak_rss_mb() -> tuple[int, float]:
    """(pid, peak resident MB) of the process that runs it: VmHWM, the high-water mark of
    its own memory map (``ru_maxrss`` would do, but Linux carries it across the fork+exec
    that starts a worker, so a worker would report at least its parent's size at spawn)."""
    try:
        with open("/proc/self/status") as fh:
            kb = next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return os.getpid(), kb / 1024


def _loky_workers_peak() -> str:
    """Each live loky worker's peak RSS (the reusable pool outlives the work)."""
    from joblib import Parallel, delayed

    seen = dict(Parallel(n_jobs=2, backend="loky")(delayed(_peak_rss_mb)() for _ in range(16)))
    return ", ".join(f"{mb:.0f} MB" for _, mb in sorted(seen.items()))


def _load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def demo_part(tmp: Path) -> None:
    import tomllib

    from threadpoolctl import threadpool_limits

    from earlywarn.config import parse_config
    from earlywarn.cycle import demo_config, run_cycle

    with demo_config(True) as path:
        raw = tomllib.loads(Path(path).read_text())
    print(f"\n== demo cycle (synthetic, 150 councils; {_load()})")
    outs, walls = {}, {}
    runs = (
        ("serial", 1, None),
        ("serial, 1 thread per fit", 1, 1),
        ("loky, 2 processes", 2, None),
    )
    for label, n_jobs, threads in runs:
        cfg = parse_config({**raw, "compute": {"n_jobs": n_jobs}}, str(path), str(path))
        out = tmp / f"run{len(outs)}"
        load = _load()
        t = time.perf_counter()
        # joblib gives each loky worker one BLAS/OpenMP thread (cores // n_jobs); the
        # serial run's gbm uses every core's OpenMP thread, which a busy machine punishes:
        # the middle run limits it to one thread, as the workers are
        with threadpool_limits(limits=threads):
            result = run_cycle(cfg, out, tracking_uri=f"sqlite:///{tmp}/mlflow.db")
        walls[label] = time.perf_counter() - t
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items() if v >= 0.5)
        print(f"{label:<28} {walls[label]:7.1f} s   ({load} at start)\n    stages: {stages}")
        if n_jobs == 1:
            print(f"  main process peak RSS so far: {_peak_rss_mb()[1]:.0f} MB")
        else:
            print(f"  loky worker peak RSS: {_loky_workers_peak()}")
        outs[label] = out
    for label in ("serial", "serial, 1 thread per fit"):
        print(f"  speed-up of loky over {label}: {walls[label] / walls['loky, 2 processes']:.2f}x")
    for name in ("evaluation.json", "risk_list.csv", "reasons.json"):
        a, *others = (
            [ln for ln in (o / name).read_text().splitlines() if "fingerprint" not in ln]
            for o in outs.values()
        )
        assert all(a == b for b in others), f"{name} differs between the runs"
    print("  evaluation.json, risk_list.csv, reasons.json identical in the three runs: yes")


def panel_part(councils: int, years: tuple[int, int], n_boot: int, skip_dask: bool) -> None:
    import numpy as np
    from joblib import Parallel, delayed
    from threadpoolctl import threadpool_limits

    from earlywarn.backtest import (
        EvaluationSettings,
        backtest_targets,
        rolling_origin_splits,
        training_rows,
    )
    from earlywarn.compute import compute_backend
    from earlywarn.evaluation import bootstrap_probabilities
    from earlywarn.features import build_features
    from earlywarn.models import make_model
    from earlywarn.panel import annual_origins, build_panel
    from earlywarn.synthetic import make_synthetic_councils

    print(f"\n== large synthetic panel ({_load()})")
    t0 = time.perf_counter()
    data = make_synthetic_councils(
        n_councils=councils, start_year=years[0], end_year=years[1], seed=1, n_oracle_sims=20
    )
    as_of = pd.Timestamp(f"{years[1]}-03-31")
    origins = annual_origins(data.tables, as_of)[2:]
    panel = build_panel(data.tables, origins)
    X = build_features(data.tables, panel).X
    closed = [o for o in origins if o + pd.DateOffset(months=24) <= as_of]
    splits = rolling_origin_splits(origins, closed, 24, 2)
    events = data.tables.events
    print(
        f"panel: {councils} councils x {len(origins)} origins = {X.shape[0]} council-origins "
        f"x {X.shape[1]} features, {len(splits)} splits (made in "
        f"{time.perf_counter() - t0:.0f} s; {os.cpu_count()} cores)"
    )
    makers = {
        "logit": lambda: make_model("logit"),
        "gbm": lambda: make_model("gbm", {"monotone": None}, seed=3),
    }
    s = EvaluationSettings(horizon_months=24, censoring="drop", target="conditional", k=15)
    timings: dict[str, float] = {}

    def last() -> str:
        return list(timings)[-1]

    def timed(label: str, backend: str | None, work, threads: int | None = None) -> object:
        load = _load()
        t = time.perf_counter()
        peaks = ""
        if backend is None:
            with threadpool_limits(limits=threads):
                out = work()
            timings[label] = time.perf_counter() - t
        else:
            with compute_backend(backend, n_jobs=2):
                out = work()
                timings[label] = time.perf_counter() - t
                if backend == "loky":  # each worker's own peak (the pool is still up)
                    seen = dict(Parallel(n_jobs=2)(delayed(_peak_rss_mb)() for _ in range(16)))
                    peaks = ", ".join(f"{mb:.0f} MB" for _, mb in sorted(seen.items()))
                else:
                    from distributed import get_client

                    info = get_client().run(_peak_rss_mb)
                    peaks = ", ".join(f"{v[1]:.0f} MB" for v in info.values())
        print(f"{label:<42} {timings[label]:7.1f} s   ({load} at start)")
        if peaks:
            print(f"  {backend} worker peak RSS: {peaks}")
        return out

    def backtest() -> pd.DataFrame:
        return backtest_targets(X, events, splits, makers, s)

    serial = timed("backtest: serial", None, backtest)
    print(f"  main process peak RSS: {_peak_rss_mb()[1]:.0f} MB")
    one = timed("backtest: serial, 1 thread per fit", None, backtest, threads=1)
    pd.testing.assert_frame_equal(serial, one, check_exact=True)
    loky = timed("backtest: loky, 2 processes", "loky", backtest)
    pd.testing.assert_frame_equal(serial, loky, check_exact=True)
    for ref in ("backtest: serial", "backtest: serial, 1 thread per fit"):
        print(f"  speed-up of loky over {ref[10:]}: {timings[ref] / timings[last()]:.2f}x")
    if not skip_dask:
        dask = timed("backtest: dask LocalCluster, 2 workers", "dask", backtest)
        pd.testing.assert_frame_equal(serial, dask, check_exact=True)
        print(f"  speed-up dask: {timings['backtest: serial'] / timings[last()]:.2f}x")
    print("  backtest results identical to serial (exactly): yes")

    # the council-bootstrap refits behind the published intervals (the published logit)
    train = [o for o in origins if o + pd.DateOffset(months=24) <= as_of]
    Xtr, ytr = training_rows(X, events, train, as_of, 24, ("inadequate",), "drop")
    Xnow = X[X.index.get_level_values("origin") == max(origins)]
    print(f"interval refits: {n_boot} refits of logit on {len(Xtr)} training rows")

    def refits() -> np.ndarray:
        return bootstrap_probabilities(
            lambda: make_model("logit"), Xtr, ytr, Xnow, n_boot=n_boot, seed=1
        )

    a = timed("refits: serial", None, refits)
    b = timed("refits: loky, 2 processes", "loky", refits)
    assert np.array_equal(a, b)
    print(f"  speed-up loky: {timings['refits: serial'] / timings[last()]:.2f}x")
    print("  refit probabilities identical to serial: yes")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=("demo", "panel", "all"), default="all")
    ap.add_argument("--councils", type=int, default=2000)
    ap.add_argument("--years", type=int, nargs=2, default=(2008, 2024))
    ap.add_argument("--n-boot", type=int, default=8)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args()
    if args.part in ("demo", "all"):
        with tempfile.TemporaryDirectory(prefix="bench_compute_") as tmp:
            demo_part(Path(tmp))
    if args.part in ("panel", "all"):
        panel_part(args.councils, tuple(args.years), args.n_boot, args.skip_dask)


if __name__ == "__main__":
    main()

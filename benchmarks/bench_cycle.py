"""Benchmark: the demo cycle's wall time and peak memory, and `earlywarn --help` latency.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_cycle.py``). MLflow writes
to a temporary SQLite database, so the project's tracking store is not touched.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def help_latency(repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "earlywarn.cli", "--help"], capture_output=True, check=True
        )
        best = min(best, time.perf_counter() - t)
    return best


CHILD = """
import json, os, resource, sys, time
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
t = time.perf_counter()
from earlywarn.config import load_config
from earlywarn.cycle import run_cycle
r = run_cycle(load_config(sys.argv[1]), out_dir=sys.argv[2], tracking_uri=sys.argv[3])
ev = r.evaluation
print(json.dumps({
    "wall_s": time.perf_counter() - t,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "stages_s": r.timings,
    "auroc": {m: e["pooled"]["auroc"]["value"] for m, e in ev["models"].items()},
    "oracle_auroc": ev.get("oracle", {}).get("pooled", {}).get("auroc", {}).get("value"),
}))
"""


def demo_cycle() -> dict:
    """Run the demo cycle in a fresh process; MLflow and outputs go to a temp folder."""
    config = ROOT / "experiments" / "demo" / "cycle.toml"
    with tempfile.TemporaryDirectory() as d:
        args = [str(config), str(Path(d) / "out"), f"sqlite:///{d}/mlflow.db"]
        out = subprocess.run(
            [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"earlywarn --help: {help_latency():.2f} s (best of 5)")
    res = demo_cycle()
    print(
        f"demo cycle: {res['wall_s']:.1f} s wall (incl. imports), peak RSS "
        f"{res['peak_rss_mb']:.0f} MB"
    )
    print("stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in res["stages_s"].items()))
    oracle = res["oracle_auroc"]
    for m, a in res["auroc"].items():
        ratio = f" = {a / oracle:.2f} x oracle" if oracle else ""
        print(f"  {m:<12} pooled out-of-time AUROC {a:.3f}{ratio}")
    if oracle:
        print(f"  {'oracle':<12} pooled out-of-time AUROC {oracle:.3f}")


if __name__ == "__main__":
    main()

"""Benchmark: the financial-failure cycle for ~320 councils x 10 origins (target <= 60 s).

Runs ``experiments/real-2025/cycle-finance.toml`` (the pre-registered logit on the
``finance_ranks`` family, label kind ``financial_failure``) with ``evaluate.first_origin``
moved back to 31 March 2016, so the cycle trains, tests and scores on the ten origins
2016..2025 (about 320 councils each; features are built for every origin from 2013), in a
fresh process; MLflow and the outputs go to a temporary folder. The
input files must be built first (``make finance-data``). Prints the wall time, the
stages' times, the panel's size and the peak memory.

    .venv/bin/python benchmarks/bench_finance.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "experiments" / "real-2025" / "cycle-finance.toml"
FIRST_ORIGIN = "2016-03-31"

CHILD = """
import dataclasses, json, os, resource, sys, time
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
t = time.perf_counter()
from earlywarn.config import load_config
from earlywarn.cycle import run_cycle
cfg = load_config(sys.argv[1])
cfg = dataclasses.replace(cfg, evaluate=dataclasses.replace(cfg.evaluate, first_origin=sys.argv[4]))
r = run_cycle(cfg, out_dir=sys.argv[2], tracking_uri=sys.argv[3])
origins = sorted({str(o)[:10] for o in r.predictions["origin"]}) if len(r.predictions) else []
print(json.dumps({
    "wall_s": time.perf_counter() - t,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "stages_s": r.timings,
    "councils_listed": len(r.risk_list),
    "test_origins": origins,
    "auroc_within_origin": {
        m: e["pooled"]["auroc_within_origin"]["value"] for m, e in r.evaluation["models"].items()
    },
}))
"""


def finance_cycle() -> dict:
    """The cycle in a fresh process; MLflow and outputs in a temporary folder."""
    with tempfile.TemporaryDirectory() as d:
        args = [str(CONFIG), str(Path(d) / "out"), f"sqlite:///{d}/mlflow.db", FIRST_ORIGIN]
        out = subprocess.run(
            [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def panel_size() -> tuple[int, int]:
    """Council-origin rows the cycle trains, tests and scores on (the ten origins from 2016)."""
    import dataclasses

    import pandas as pd

    from earlywarn.config import load_config
    from earlywarn.cycle import load_cycle_data
    from earlywarn.panel import annual_origins, build_panel, restrict_to_as_of

    cfg = load_config(CONFIG)
    cfg = dataclasses.replace(
        cfg, evaluate=dataclasses.replace(cfg.evaluate, first_origin=FIRST_ORIGIN)
    )
    tables = restrict_to_as_of(load_cycle_data(cfg)[0], cfg.as_of_date)
    origins = [
        o for o in annual_origins(tables, cfg.as_of_date)[2:] if o >= pd.Timestamp(FIRST_ORIGIN)
    ]
    panel = build_panel(tables, origins)
    return len(panel), len(origins)


def main() -> int:
    if not (CONFIG.parent / "finance-data" / "events.csv").is_file():
        print("build the input files first: make finance-data", file=sys.stderr)
        return 2
    rows, n_origins = panel_size()
    r = finance_cycle()
    print(
        f"finance cycle: {r['wall_s']:.1f} s wall (target <= 60 s), peak {r['peak_rss_mb']:.0f} MB"
    )
    print(
        f"  trained/scored: {rows} council-origin rows over {n_origins} origins "
        f"({rows / n_origins:.0f} councils per origin)"
    )
    print(f"  listed: {r['councils_listed']} councils; test origins {', '.join(r['test_origins'])}")
    for stage, s in r["stages_s"].items():
        print(f"  {stage:<16} {s:6.1f} s")
    print(f"  within-origin AUROC (validation origins): {r['auroc_within_origin']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

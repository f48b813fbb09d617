"""Benchmark: explaining every council at the demo cycle's scored origin.

Run with ``.venv/bin/python benchmarks/bench_explain.py``. Builds the demo cycle's data,
panel and features (experiments/demo/cycle.toml), fits the final logit and gbm models as
the cycle does, and times :func:`earlywarn.explain._shap.explain` on every council (the first
call includes importing shap). Target: at most 5 s. Nothing is written to disk.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from earlywarn.backtest import training_rows
from earlywarn.config import load_config
from earlywarn.cycle import load_cycle_data
from earlywarn.features import build_features
from earlywarn.io import project_root
from earlywarn.models import make_model
from earlywarn.panel import annual_origins, build_panel, restrict_to_as_of


def main() -> None:
    """Print the time to explain every council for each model kind, and a sanity check."""
    cfg = load_config(project_root() / "experiments" / "demo" / "cycle.toml")
    t0 = time.perf_counter()
    tables, _, _ = load_cycle_data(cfg)
    tables = restrict_to_as_of(tables, cfg.as_of_date)
    origins = annual_origins(tables, cfg.as_of_date)[2:]
    panel = build_panel(tables, origins)
    fs = build_features(tables, panel, cfg.features.families)
    h = cfg.horizon_months
    train = [o for o in origins if o + pd.DateOffset(months=h) <= cfg.as_of_date]
    Xtr, ytr = training_rows(
        fs.X, tables.events, train, cfg.as_of_date, h, cfg.labels.events, cfg.labels.censoring
    )
    now = fs.X[fs.X.index.get_level_values("origin") == max(origins)]
    print(
        f"setup (data, panel, features): {time.perf_counter() - t0:.1f} s; "
        f"{len(now)} councils x {now.shape[1]} features; {len(Xtr)} training rows"
    )
    from earlywarn.explain import explain, model_log_odds

    for kind in ("gbm", "logit"):
        model = make_model(kind, cfg.models.params.get(kind, {}), cfg.seed).fit(Xtr, ytr)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            ex = explain(model, now, Xtr, fs.specs, fs.peer_median, top_k=cfg.report.n_reasons)
            times.append(time.perf_counter() - t)
        err = np.abs(ex.base_value + ex.values.sum(axis=1).to_numpy() - model_log_odds(model, now))
        print(
            f"explain({kind}) every council: first call {times[0]:.2f} s, "
            f"best of 3 {min(times):.2f} s (target <= 5 s); "
            f"max additivity error {err.max():.1e}"
        )


if __name__ == "__main__":
    main()

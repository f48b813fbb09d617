"""Training time of each model for one demo cycle, and the share of MLflow logging.

Runs the demo config (experiments/demo/cycle.toml: 150 synthetic councils, 2008-2024)
with every model kind, MLflow in a temporary SQLite store. Prints per model: the
backtest time (one fit per test origin, the same rolling-origin splits, fitting and
predicting only: no evaluation) and one fit on the final training rows; then
the cycle's time in MLflow calls (runs, params, metrics, artefacts, model logging with
skops + reload check, registration) as a share of the whole cycle.

Targets (issue 5): all models for a cycle <= 20 s; logging <= 25 % of the cycle.

    MLFLOW_DISABLE_TELEMETRY=true .venv/bin/python benchmarks/bench_models.py
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def main() -> None:
    import pandas as pd

    from earlywarn.backtest import (
        EvaluationSettings,
        backtest_targets,
        rolling_origin_splits,
        training_rows,
    )
    from earlywarn.config import ModelsConfig, load_config
    from earlywarn.cycle import load_cycle_data, run_cycle
    from earlywarn.features import build_features
    from earlywarn.io import project_root
    from earlywarn.models import MODEL_KINDS, make_model
    from earlywarn.panel import annual_origins, build_panel, restrict_to_as_of

    cfg = load_config(project_root() / "experiments" / "demo" / "cycle.toml")
    cfg = replace(cfg, models=replace(cfg.models, kinds=MODEL_KINDS))
    assert isinstance(cfg.models, ModelsConfig)
    data = load_cycle_data(cfg)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        result = run_cycle(cfg, Path(d) / "out", f"sqlite:///{d}/mlflow.db", data=data)
        wall = time.perf_counter() - t0
    t = result.timings
    # one final fit per model on the same rows (the cycle fits only the chosen one)
    tables = restrict_to_as_of(data[0], cfg.as_of_date)
    origins = annual_origins(tables, cfg.as_of_date)[2:]
    feats = build_features(tables, build_panel(tables, origins), cfg.features.families)
    h = cfg.horizon_months
    train = [o for o in origins if o + pd.DateOffset(months=h) <= cfg.as_of_date]
    Xtr, ytr = training_rows(
        feats.X, tables.events, train, cfg.as_of_date, h, cfg.labels.events, cfg.labels.censoring
    )
    print(
        f"demo cycle: {feats.X.shape[0]} rows x {feats.X.shape[1]} features, "
        f"final training rows {len(ytr)}, models {', '.join(MODEL_KINDS)}"
    )
    splits = rolling_origin_splits(origins, train, h, cfg.evaluate.min_train_origins)
    print(f"{'model':<12} {'backtest s':>10} {'final fit s':>11}   ({len(splits)} backtest fits)")
    total_models = 0.0
    for kind in MODEL_KINDS:
        p = cfg.models.params.get(kind, {})

        def make(kind=kind, p=p):
            return make_model(kind, p, cfg.seed, specs=feats.specs)

        s = time.perf_counter()
        settings = EvaluationSettings(h, tuple(cfg.labels.events), cfg.labels.censoring)
        backtest_targets(feats.X, tables.events, splits, {kind: make}, settings, [kind])
        bt = time.perf_counter() - s
        s = time.perf_counter()
        make().fit(Xtr, ytr)
        fit = time.perf_counter() - s
        total_models += bt + fit
        print(f"{kind:<12} {bt:>10.2f} {fit:>11.2f}")
    print(f"all models (backtests + one final fit each): {total_models:.1f} s (target <= 20 s)")
    log = t["mlflow_logging"]
    print(
        f"cycle wall time {wall:.1f} s; MLflow logging {log:.1f} s = {log / wall:.0%} "
        "of the cycle (target <= 25%)"
    )
    print(
        f"chosen: {result.evaluation['chosen_model']['kind']}; "
        f"stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in t.items())
    )


if __name__ == "__main__":
    main()

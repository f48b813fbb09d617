"""Choose the real cycle's features and model settings by the rolling-origin backtest.

Selection uses only the config's validation origins (``evaluate.selection_origins``, the
old name of ``validation_origins``). The 2019-2021 origins (``evaluate.held_out_origins``,
the old name of ``seen_origins``) are never scored here; they were looked at in earlier
cycles, so they are "validation (seen)", never confirmatory (earlywarn.backtest). Prints
within-origin and pooled AUROC and AP only (no council is named). Not run by the test suite:

    OMP_NUM_THREADS=1 .venv/bin/python experiments/real-2023/select_settings.py
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from earlywarn import load_real_tables
from earlywarn.backtest import EvaluationSettings, backtest_targets, rolling_origin_splits
from earlywarn.config import load_config
from earlywarn.evaluation import target_rows
from earlywarn.features import build_features
from earlywarn.io import read_neighbours
from earlywarn.metrics import evaluate_predictions
from earlywarn.models import make_model
from earlywarn.panel import annual_origins, build_panel, restrict_to_as_of

HERE = Path(__file__).resolve().parent
CORE = (
    "sw_turnover_pct",
    "sw_agency_pct",
    "sw_vacancy_pct",
    "sw_caseload_per_fte",
    "rereferral_pct",
    "cpp_repeat_pct",
    "cpp_2y_plus_pct",
    "cla_rate_per_10k",
    "placement_3plus_pct",
    "assessed_not_in_need_pct",
    "cin_awaiting_assessment_count",
    "usable_reserves_gbp_m",
    "net_revenue_expenditure_gbp_m",
    "social_care_spend_share_pct",
    "deprivation_imd_score",
)
VARIANTS = {
    "all families, type peers": ({}, {}),
    "all families, SN peers": ({"neighbours": True}, {}),
    "core measures, SN peers": ({"neighbours": True, "measures": CORE}, {}),
    "inspection+context+finance": (
        {"neighbours": True, "families": ("inspection", "context", "finance")},
        {},
    ),
    "all, SN peers, gbm shallow": (
        {"neighbours": True},
        {"gbm": {"max_depth": 2, "max_iter": 100, "min_samples_leaf": 60}},
    ),
    "all, SN peers, logit C=0.01": ({"neighbours": True}, {"logit": {"C": 0.01}}),
}


def main(config: str, censoring: str | None = None) -> None:
    cfg = load_config(config)
    if not cfg.evaluate.validation_origins:
        sys.exit(f"{config}: evaluate.validation_origins is empty (nothing to select on)")
    censoring = censoring or cfg.labels.censoring
    h = cfg.horizon_months
    st = replace(EvaluationSettings.from_config(cfg), censoring=censoring)
    tables = restrict_to_as_of(load_real_tables(), cfg.as_of_date)
    origins = annual_origins(tables, cfg.as_of_date)[2:]
    panel = build_panel(tables, origins)
    nb = read_neighbours(HERE / "statistical_neighbours.csv")
    rows = []
    for name, (fopt, mparams) in VARIANTS.items():
        fcfg = cfg.features
        if "measures" in fopt:
            fcfg = replace(fcfg, measures=fopt["measures"])
        fams = fopt.get("families", fcfg.families)
        feats = build_features(
            tables, panel, fams, fcfg, neighbours=nb if fopt.get("neighbours") else None
        )
        for which, test in (("select", cfg.evaluate.validation_origins),):
            splits = rolling_origin_splits(origins, [pd.Timestamp(t) for t in test], h, 2)
            for kind in ("persistence", "logit", "gbm"):
                params = {**cfg.models.params.get(kind, {}), **mparams.get(kind, {})}
                make = lambda k=kind, p=params, s=feats.specs: make_model(k, p, cfg.seed, specs=s)  # noqa: E731
                # the cycle's loop; scored on the target the cycle ranks by
                bt = backtest_targets(feats.X, tables.events, splits, {kind: make}, st, [kind])
                ev = evaluate_predictions(target_rows(bt, st.target, st), k=15, n_boot=0)
                p = ev["pooled"]
                rows.append(
                    {
                        "variant": name,
                        "origins": which,
                        "model": kind,
                        "auroc_within_origin": round(p["auroc_within_origin"]["value"], 3),
                        "auroc": round(p["auroc"]["value"], 3),
                        "ap": round(p["average_precision"]["value"], 3),
                        "n": p["n"],
                        "n_pos": p["n_pos"],
                    }
                )
        print(name, "done", file=sys.stderr)
    res = pd.DataFrame(rows)
    print(res.pivot(index="variant", columns="model", values="auroc_within_origin"))
    print(res.to_string())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(HERE / "cycle.toml"), *sys.argv[2:3])

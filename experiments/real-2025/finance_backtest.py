"""Financial failure on the real 2025 vintage: rules and the penalised logit, within-origin AUROC.

Usage::

    .venv/bin/python experiments/real-2025/finance_backtest.py [--raw DIR] [--stage validation]
        [--C 0.1] [--boot 1000]

``--stage validation`` (default) scores the validation origins only (31 March 2020, 2021,
2022: label windows in FY 2020-21 .. 2022-23). ``--stage confirmatory`` scores the
confirmatory origins (31 March 2023, 2024) and refuses to run unless
``PREREGISTRATION-finance.md`` exists beside this script and names the same config hash.
Prints events per origin, the power calculation, feature coverage, and each score's
within-origin AUROC with a council-bootstrap 95% interval and the paired difference
against the best rule. Nothing about named councils is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.financial import (
    MODEL_FEATURES,
    auroc_table,
    build_finance_features,
    coverage_table,
    financial_failure_labels,
    power_table,
    run_finance_backtest,
)
from earlywarn.metrics import calibration_slope_intercept
from earlywarn.sources.finance_tables import load_finance_tables

HERE = Path(__file__).resolve().parent
VALIDATION = ["2020-03-31", "2021-03-31", "2022-03-31"]
CONFIRMATORY = ["2023-03-31", "2024-03-31"]
AS_OF = "2025-03-31"
REFERENCE = "resilience_composite"  # the best rule on the validation origins
LOG = HERE / "SCORING-LOG-finance.md"


def config(c: float) -> dict:
    return {
        "outcome": "financial_failure",
        "horizon_months": 12,
        "lookback_years": 5,
        "population": "new",
        "include_withdrawn": False,
        "as_of": AS_OF,
        "model": {"kind": "logit", "C": c, "features": MODEL_FEATURES},
        "validation": VALIDATION,
        "confirmatory": CONFIRMATORY,
        "metric": "within-origin AUROC, paired difference vs best rule, one-sided",
        "reference": REFERENCE,
        "minimum_effect": 0.05,
    }


def config_hash(cfg: dict) -> str:
    return hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(HERE.parents[2] / "shared" / "data" / "raw"))
    ap.add_argument("--stage", choices=["validation", "confirmatory"], default="validation")
    ap.add_argument("--C", type=float, default=0.1)
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument(
        "--out", default="", help="folder outside the repository for the out-of-time predictions"
    )
    a = ap.parse_args(argv)
    cfg = config(a.C)
    h = config_hash(cfg)
    if a.stage == "confirmatory":
        pre = HERE / "PREREGISTRATION-finance.md"
        if not pre.exists() or h not in pre.read_text(encoding="utf-8"):
            raise UserInputError(
                f"{pre}: confirmatory origins are scored only after a preregistration naming "
                f"config hash {h}"
            )
        if LOG.exists() and f"confirmatory {h}" in LOG.read_text(encoding="utf-8"):
            raise UserInputError(f"{LOG}: the confirmatory origins were already scored for {h}")
    origins = pd.to_datetime(VALIDATION + CONFIRMATORY)
    scored = VALIDATION if a.stage == "validation" else CONFIRMATORY
    t = load_finance_tables(Path(a.raw))
    feats = build_finance_features(t.observations, t.events, t.councils.on, origins)
    labels = financial_failure_labels(
        t.events, feats.index, horizon_months=12, lookback_years=5, as_of=AS_OF
    )
    print(f"config hash {h}  stage {a.stage}  C {a.C}")
    pop = labels.assign(origin=labels.index.get_level_values("origin"))
    print("\nLabels (new-failure population vs repeats):")
    print(pd.crosstab([pop["origin"].dt.date, pop["population"]], pop["y"]).to_string())
    pw = power_table(labels, scored)
    print("\nPower (AUROC 0.65, scores correlated 0.5, one-sided 5%, 80% power):")
    print(pw.to_string(index=False))
    print(f"pooled smallest detectable difference over these origins: {pw.attrs['pooled_mdd']:.3f}")
    print("\nCoverage (share of councils with a value; median age of the reserves figure):")
    print(
        coverage_table(
            feats.loc[feats.index.get_level_values("origin").isin(pd.to_datetime(scored))]
        ).to_string()
    )
    bt = run_finance_backtest(feats, labels, pd.to_datetime(scored), model_params={"C": a.C})
    ref = REFERENCE if a.stage == "confirmatory" else None
    tab = auroc_table(bt, n_boot=a.boot, reference=ref)
    print("\nWithin-origin AUROC (95% council-bootstrap interval); paired difference vs best rule:")
    print(tab.round(3).to_string())
    lp = bt.predictions.dropna(subset=["logit"])
    slope, icpt = calibration_slope_intercept(lp["y"].to_numpy(), lp["logit"].to_numpy())
    print(f"\nlogit calibration slope {slope:.2f}, intercept {icpt:.2f} (pooled, {len(lp)} rows)")
    if a.out:
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        bt.predictions.to_csv(out / f"finance_predictions_{a.stage}_{h}.csv")
    with LOG.open("a", encoding="utf-8") as f:
        stamp = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
        f.write(f"\n## {stamp}: {a.stage} {h} (C {a.C}, {a.boot} resamples)\n\n```\n")
        f.write(tab.round(3).to_string() + "\n")
        f.write(f"logit calibration slope {slope:.2f}, intercept {icpt:.2f}\n```\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UserInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)

"""Financial failure on the real 2025 vintage: rules and the penalised logit, within-origin AUROC.

Usage::

    .venv/bin/python experiments/real-2025/finance_backtest.py [--raw DIR] [--stage validation]
        [--C 0.1] [--boot 1000]

``--stage validation`` (default) scores the validation origins only (31 March 2020, 2021,
2022: label windows in FY 2020-21 .. 2022-23); it prints label counts for those origins
only and picks the best rule on them. ``--stage confirmatory`` scores the confirmatory
origins (31 March 2023, 2024) against the pre-registered reference rule (it also prints
the rule the validation origins pick, for the record) and refuses to run unless
``PREREGISTRATION-finance.md`` exists beside this script and names the same config hash.
A confirmatory scoring is refused once one is logged for the hash, except for one
``--second-look REASON`` (the label fix of the review: the outcome data changed, not the
model), logged as such.

Prints events per origin, the power calculation, feature coverage, and each score's
within-origin AUROC with a council-bootstrap 95% interval and the paired difference
against the best rule; ``--results FILE`` also writes the label counts and the AUROC table
as Markdown (RESULTS-finance.md includes those files; no hand-typed figures). Nothing
about named councils is printed.
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
    preregistered_inputs,
    run_finance_backtest,
)
from earlywarn.metrics import calibration_slope_intercept
from earlywarn.sources.finance_tables import load_finance_tables

HERE = Path(__file__).resolve().parent
VALIDATION = ["2020-03-31", "2021-03-31", "2022-03-31"]
CONFIRMATORY = ["2023-03-31", "2024-03-31"]
AS_OF = "2025-03-31"
REFERENCE = "resilience_composite"  # pre-registered: the best rule on the validation origins
LOG = HERE / "SCORING-LOG-finance.md"
#: The label rule of this code (not part of the pre-registered config hash: the model and
#: settings are unchanged). "interval": an imprecise date is [earliest, latest]; straddling
#: rows are censored. The first confirmatory scoring used "latest day" (the review's bug).
LABEL_RULE = "interval (imprecise dates [earliest, latest]; rows straddling t or t+h censored)"


def markdown(df: pd.DataFrame) -> str:
    """A plain Markdown table (index included)."""
    d = df.reset_index()
    cells = [[str(c) for c in d.columns]] + [
        ["" if pd.isna(v) else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in r]
        for r in d.itertuples(index=False)
    ]
    lines = ["| " + " | ".join(r) + " |" for r in cells]
    lines.insert(1, "|" + "---|" * len(d.columns))
    return "\n".join(lines) + "\n"


def label_counts(labels: pd.DataFrame, origins) -> pd.DataFrame:
    """Per origin: new failures, new-population size, repeats, rows censored as ambiguous."""
    rows = []
    for o in pd.to_datetime(origins):
        lab = labels.xs(o, level="origin")
        new = lab[lab["population"].eq("new") & lab["y"].notna()]
        rep = lab[lab["population"].eq("repeat")]
        rows.append(
            {
                "origin": o.date(),
                "new_failures": int(new["y"].sum()),
                "new_population": len(new),
                "repeats_failed": int(rep["y"].eq(1).sum()),
                "repeats": len(rep),
                "censored_ambiguous_date": int(lab["ambiguous"].sum()),
                "of_which_new_population_unknown": int(lab["population"].eq("ambiguous").sum()),
            }
        )
    return pd.DataFrame(rows).set_index("origin")


def best_rule_on_validation(feats: pd.DataFrame, labels: pd.DataFrame, c: float) -> str:
    """The rule with the highest within-origin AUROC on the validation origins only."""
    bt = run_finance_backtest(feats, labels, pd.to_datetime(VALIDATION), model_params={"C": c})
    tab = auroc_table(bt, n_boot=0)
    return str(tab.loc[tab.index != "logit", "auroc"].idxmax())


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
        "--second-look",
        default="",
        help="reason for one further confirmatory scoring (outcome data changed, not the model)",
    )
    ap.add_argument("--results", default="", help="write the label counts and AUROC table here")
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
        logged = LOG.read_text(encoding="utf-8") if LOG.exists() else ""
        if f"confirmatory-second-look {h}" in logged:
            raise UserInputError(f"{LOG}: the second look at the confirmatory origins is logged")
        if f"confirmatory {h}" in logged and not a.second_look:
            raise UserInputError(f"{LOG}: the confirmatory origins were already scored for {h}")
        if a.second_look and f"confirmatory {h}" not in logged:
            raise UserInputError("--second-look: no first confirmatory scoring is logged")
    origins = pd.to_datetime(VALIDATION + CONFIRMATORY)
    scored = VALIDATION if a.stage == "validation" else CONFIRMATORY
    t = load_finance_tables(Path(a.raw))
    # the inputs the model was pre-registered and scored on: the sources read then, no
    # staleness rule (sources and the rule added later are for a future pre-registration)
    obs, settings = preregistered_inputs(t.observations)
    feats = build_finance_features(obs, t.events, t.councils.on, origins, **settings)
    labels = financial_failure_labels(
        t.events, feats.index, horizon_months=12, lookback_years=5, as_of=AS_OF
    )
    print(f"config hash {h}  stage {a.stage}  C {a.C}\nlabel rule: {LABEL_RULE}")
    counts = label_counts(labels, scored)  # the scored origins only
    print("\nLabels at the scored origins:")
    print(counts.to_string())
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
    if a.stage == "confirmatory":
        ref = REFERENCE
        chosen = best_rule_on_validation(feats, labels, a.C)
        note = "same" if chosen == REFERENCE else "differs: the pre-registered rule is kept"
        print(f"\nreference {REFERENCE} (pre-registered); validation pick: {chosen} ({note})")
    else:
        ref = None  # the best rule on these (validation) origins
    tab = auroc_table(bt, n_boot=a.boot, reference=ref)
    print("\nWithin-origin AUROC (95% council-bootstrap interval); paired difference vs best rule:")
    print(tab.round(3).to_string())
    if "logit" in tab.index and a.stage == "confirmatory":
        d, pv, me = tab.loc["logit", "diff"], tab.loc["logit", "p_one_sided"], cfg["minimum_effect"]
        beats = bool(d >= me and pv < 0.05)
        print(
            f"\npre-registered test: logit - {ref} = {d:.4f} (minimum effect {me}), one-sided p "
            f"{pv:.3f}: the model {'beats' if beats else 'does not beat'} the rule"
        )
    lp = bt.predictions.dropna(subset=["logit"])
    slope, icpt = calibration_slope_intercept(lp["y"].to_numpy(), lp["logit"].to_numpy())
    print(f"\nlogit calibration slope {slope:.2f}, intercept {icpt:.2f} (pooled, {len(lp)} rows)")
    if a.out:
        out = Path(a.out)
        out.mkdir(parents=True, exist_ok=True)
        bt.predictions.to_csv(out / f"finance_predictions_{a.stage}_{h}.csv")
    pw_col = pw.set_index("origin")["mdd_this_origin"].rename("smallest_detectable_difference")
    counts = counts.join(pw_col)
    if a.results:
        res = Path(a.results)
        res.parent.mkdir(parents=True, exist_ok=True)
        res.write_text(
            f"<!-- written by finance_backtest.py --stage {a.stage}; config hash {h}; "
            f"label rule: {LABEL_RULE} -->\n\n"
            + markdown(counts)
            + f"\npooled smallest detectable difference: {pw.attrs['pooled_mdd']:.3f}\n\n"
            + markdown(tab.round(3))
            + f"\nlogit calibration slope {slope:.2f}, intercept {icpt:.2f} ({len(lp)} rows)\n",
            encoding="utf-8",
        )
    stage = a.stage if not a.second_look else "confirmatory-second-look"
    with LOG.open("a", encoding="utf-8") as f:
        stamp = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC")
        f.write(f"\n## {stamp}: {stage} {h} (C {a.C}, {a.boot} resamples)\n\n")
        f.write(f"Label rule: {LABEL_RULE}.\n")
        if a.second_look:
            f.write(f"Second look at the confirmatory origins: {a.second_look}\n")
        f.write("\n```\n" + counts.round(3).to_string() + "\n\n")
        f.write(tab.round(3).to_string() + "\n")
        f.write(f"logit calibration slope {slope:.2f}, intercept {icpt:.2f}\n```\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UserInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)

"""The power calculation behind PREREGISTRATION.md: failures in the validation and the
confirmatory origins and the smallest paired within-origin AUROC difference detectable at
80% power (one-sided alpha 0.05). Counts labels only (who was inspected, who was judged
inadequate in each 24-month window): no model is fitted or scored, so running it does not
look at any model's confirmatory figures. Prints counts, never a council.

    .venv/bin/python experiments/real-2025/power.py

Method: Hanley & McNeil's (1982) variance of an AUROC of ``AUC0`` at each origin (its
failures n1 and non-failures n0 among the councils inspected in the window: the conditional
target's rows), pooled over the origins by their pairs' weights as the within-origin AUROC
is; the paired difference of two scores whose AUROCs correlate ``R`` has variance
``2 (1 - R) V``; smallest detectable difference ``(z_0.95 + z_0.80) sqrt(2 (1 - R) V)``. A
failure sits in the windows of two consecutive origins (24 months, annual origins), so the
rows overstate the information: the variance is inflated by the design effect
``failing rows / distinct failures`` (distinct council and failure date).
"""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist

import pandas as pd

from earlywarn.config import load_config
from earlywarn.cycle import load_cycle_data
from earlywarn.labels import label_events, make_labels
from earlywarn.panel import annual_origins, build_panel, restrict_to_as_of

HERE = Path(__file__).resolve().parent
AUC0 = 0.60  # the AUROC level of the scores compared (validation: 0.55-0.65)
R = 0.5  # correlation of the two scores' AUROC estimates
Z = 1.6449 + 0.8416  # one-sided alpha 0.05, power 0.80
EFFECT = 0.10  # the pre-registered minimum effect
VALIDATION = [f"{y}-03-31" for y in range(2014, 2022)]
CONFIRMATORY = ["2022-03-31", "2023-03-31"]


def _hm_var(n1: int, n0: int, a: float = AUC0) -> float:
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    return (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0)


def power(labels: pd.DataFrame, origins: list[str]) -> dict[str, float]:
    """Failures, distinct failures and the smallest detectable paired difference."""
    rows, var_w = [], []
    for o in origins:
        lab = labels.xs(pd.Timestamp(o), level="origin")
        lab = lab[lab["inspected"]]  # the conditional target's rows
        n1 = int(lab["label"].sum())
        n0 = len(lab) - n1
        rows.append((o, n1, n0))
        var_w.append((n1 * n0, _hm_var(n1, n0)))
    pairs = sum(w for w, _ in var_w)
    v = sum((w / pairs) ** 2 * var for w, var in var_w)
    fails = labels[labels["label"] == 1].reset_index()
    fails = fails[fails["origin"].isin(pd.to_datetime(origins))]
    distinct = int(fails[["council_code", "failure_date"]].drop_duplicates().shape[0])
    n_rows = int(sum(r[1] for r in rows))
    deff = n_rows / max(distinct, 1)
    sd = math.sqrt(2 * (1 - R) * v * deff)
    return {
        "origins": len(origins),
        "inspected rows": int(sum(r[1] + r[2] for r in rows)),
        "failing rows": n_rows,
        "distinct failures": distinct,
        "design effect": deff,
        "mdd (rows)": Z * math.sqrt(2 * (1 - R) * v),
        "mdd (distinct failures)": Z * sd,
        f"power at {EFFECT}": NormalDist().cdf(EFFECT / sd - 1.6449),
    }


def main() -> None:
    cfg = load_config(HERE / "cycle-validation.toml")
    tables, _, _ = load_cycle_data(cfg)
    tables = restrict_to_as_of(tables, cfg.as_of_date)
    origins = [o for o in annual_origins(tables, cfg.as_of_date)[2:]]
    panel = build_panel(tables, origins)
    ev = label_events(tables.events, cfg.labels.frameworks)
    labels = make_labels(ev, panel.index, cfg.horizon_months, tuple(cfg.labels.events))
    print(f"AUROC level {AUC0}, correlation {R}, one-sided alpha 0.05, power 0.80")
    for name, os_ in (("validation", VALIDATION), ("confirmatory", CONFIRMATORY)):
        out = power(labels, os_)
        print(name + ": " + "; ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items()
        ))  # fmt: skip


if __name__ == "__main__":
    main()

"""The power calculation behind PREREGISTRATION.md (2026): failures in the validation
origins and the EXPECTED failures at the confirmatory origins 2024 and 2025, whose 24-month
windows close on 31 March 2026 and 2027, after the data in hand (as of 31 March 2025). So
the confirmatory counts are estimated from past rates: the mean number of councils
inspected in a window, the mean share of them judged inadequate and the mean design effect
over the closed origins 2016-2023 (the training origins), never from the open windows.
Counts labels only: no model is fitted or scored. Prints counts, never a council.

    .venv/bin/python experiments/real-2026/power.py

The method (Hanley-McNeil variance per origin, pooled by pairs, paired scores correlated
0.5, one-sided alpha 0.05, power 0.80, design effect failing rows / distinct failures) is
real-2025's: its ``power.py`` is imported, not copied.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from statistics import NormalDist

import pandas as pd

from earlywarn.config import load_config
from earlywarn.cycle import load_cycle_data
from earlywarn.labels import label_events, make_labels
from earlywarn.panel import annual_origins, build_panel, restrict_to_as_of

HERE = Path(__file__).resolve().parent
VALIDATION = [f"{y}-03-31" for y in range(2018, 2022)]
PAST = [f"{y}-03-31" for y in range(2016, 2024)]  # closed windows: the rates' base
CONFIRMATORY = ["2024-03-31", "2025-03-31"]


def _real_2025_power():
    spec = importlib.util.spec_from_file_location(
        "power_2025", HERE.parent / "real-2025" / "power.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected(base: dict[str, float], n_origins: int, p25) -> dict[str, float]:
    """The smallest detectable difference for ``n_origins`` origins of the mean past size:
    ``base`` holds the mean inspected rows, failing rows and design effect per origin."""
    n = base["inspected per origin"]
    n1 = base["failing per origin"]
    v1 = p25._hm_var(n1, n - n1)  # every origin alike: the pooled variance is v1 / origins
    v = v1 / n_origins
    sd = math.sqrt(2 * (1 - p25.R) * v * base["design effect"])
    return {
        "origins": n_origins,
        "expected inspected rows": round(n * n_origins, 1),
        "expected failing rows": round(n1 * n_origins, 1),
        "mdd (rows)": p25.Z * math.sqrt(2 * (1 - p25.R) * v),
        "mdd (distinct failures)": p25.Z * sd,
        f"power at {p25.EFFECT}": NormalDist().cdf(p25.EFFECT / sd - 1.6449),
    }


def main() -> None:
    p25 = _real_2025_power()
    cfg = load_config(HERE / "cycle-validation.toml")
    tables, _, _ = load_cycle_data(cfg)
    tables = restrict_to_as_of(tables, cfg.as_of_date)
    origins = annual_origins(tables, cfg.as_of_date)[2:]
    panel = build_panel(tables, origins)
    ev = label_events(tables.events, cfg.labels.frameworks)
    labels = make_labels(ev, panel.index, cfg.horizon_months, tuple(cfg.labels.events))
    print(f"AUROC level {p25.AUC0}, correlation {p25.R}, one-sided alpha 0.05, power 0.80")
    out = p25.power(labels, VALIDATION)
    print("validation 2018-2021: " + "; ".join(
        f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in out.items()
    ))  # fmt: skip
    past = p25.power(labels, PAST)
    base = {
        "inspected per origin": past["inspected rows"] / len(PAST),
        "failing per origin": past["failing rows"] / len(PAST),
        "design effect": past["design effect"],
    }
    print(
        "past closed origins 2016-2023 (the rates' base): "
        + "; ".join(f"{k} {v:.2f}" for k, v in base.items())
    )
    for o in PAST:
        lab = labels.xs(pd.Timestamp(o), level="origin")
        seen = lab[lab["inspected"]]
        print(f"  {o}: inspected {len(seen)}, failing {int(seen['label'].sum())}")
    est = expected(base, len(CONFIRMATORY), p25)
    print("confirmatory 2024-2025 (EXPECTED from the past rates; windows not closed): " + "; ".join(
        f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in est.items()
    ))  # fmt: skip


if __name__ == "__main__":
    main()

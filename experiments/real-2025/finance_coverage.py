"""Coverage of the finance family per origin, and the new measures alone on validation origins.

Usage::

    .venv/bin/python experiments/real-2025/finance_coverage.py [--raw DIR]

Prints, for origins 31 March 2015..2025: the number of councils, the share of councils with
each finance feature under the staleness rule (``financial.STALE_AFTER_YEARS``), the same
for the upper-tier measures among upper-tier councils, and the median age of the reserves
figure the pre-registered inputs (``financial.preregistered_inputs``, no staleness rule)
carry at each origin. Then, **exploratory and on the validation origins only** (31 March
2020, 2021, 2022; the confirmatory origins are not looked at), the within-origin AUROC of
each measure added after the pre-registration, alone, among the councils with a value
(new failures, 12 months). Nothing about named councils is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.financial import (
    build_finance_features,
    coverage_table,
    financial_failure_labels,
    preregistered_inputs,
)
from earlywarn.metrics import within_origin_scores
from earlywarn.sources.finance_tables import load_finance_tables

HERE = Path(__file__).resolve().parent
ORIGINS = [f"{y}-03-31" for y in range(2015, 2026)]
VALIDATION = ["2020-03-31", "2021-03-31", "2022-03-31"]
UPPER = ["county", "unitary", "metropolitan district", "London borough"]
NEW = {  # measure added after the pre-registration -> +1 when higher is worse
    "dsg_deficit_pct_grant": 1,
    "political_no_overall_control": 1,
    "political_control_changes_4y": 1,
    "childrens_services_judgement": 1,
    "social_care_pct_chg_1y_pp": 1,
}


def _table(cov: pd.DataFrame) -> str:
    cov = cov.copy()
    cov.columns = [pd.Timestamp(c).year for c in cov.columns]
    return cov.to_string()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(HERE.parents[2] / "shared" / "data" / "raw"))
    a = ap.parse_args(argv)
    t = load_finance_tables(Path(a.raw))
    f = build_finance_features(t.observations, t.events, t.councils.on, ORIGINS)
    n = f.groupby(level="origin").size()
    print("councils per origin:", {k.year: int(v) for k, v in n.items()})
    print("\nshare of councils with each feature (stale values missing):")
    print(_table(coverage_table(f)))
    up = f[f["council_type"].isin(UPPER)]
    print("\nupper-tier councils only:")
    print(_table(coverage_table(up).loc[["dsg_deficit_pct_grant", "childrens_services_judgement"]]))
    obs, settings = preregistered_inputs(t.observations)
    g = build_finance_features(obs, t.events, t.councils.on, ORIGINS, **settings)
    age = g["finance_data_age_years"].groupby(level="origin").median()
    print("\npre-registered inputs: median reserves age by origin (years):")
    print({k.year: round(float(v), 1) for k, v in age.items()})
    v = f[f.index.get_level_values("origin").isin(pd.to_datetime(VALIDATION))]
    lab = financial_failure_labels(
        t.events, v.index, horizon_months=12, lookback_years=5, as_of="2025-03-31"
    )
    d = v.join(lab[["y", "population"]])
    d = d[d["population"].eq("new") & d["y"].notna()]
    print(
        f"\nEXPLORATORY, validation origins only ({len(d)} rows, {int(d['y'].sum())} new failures):"
    )
    for feat, sign in NEW.items():
        x = d[d[feat].notna()]
        if x["y"].sum() == 0:
            print(f"  {feat}: no failure among the {len(x)} rows with a value")
            continue
        auc, _ = within_origin_scores(
            x["y"].to_numpy(float),
            sign * x[feat].to_numpy(float),
            np.ones(len(x)),
            x.index.get_level_values("origin").to_numpy(),
        )
        print(
            f"  {feat}: within-origin AUROC {auc:.3f} ({len(x)} rows, {int(x['y'].sum())} failures)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

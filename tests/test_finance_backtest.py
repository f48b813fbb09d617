"""Finance rules, the logit and the evaluation on a small planted panel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.financial import (
    FEATURES,
    auroc_table,
    power_table,
    rule_scores,
    run_finance_backtest,
)


def _panel(seed: int = 3, n: int = 200):
    rng = np.random.default_rng(seed)
    origins = pd.to_datetime(["2019-03-31", "2020-03-31", "2021-03-31", "2022-03-31"])
    ix = pd.MultiIndex.from_product(
        [[f"C{i:03d}" for i in range(n)], origins], names=["council_code", "origin"]
    )
    f = pd.DataFrame(rng.normal(size=(len(ix), len(FEATURES))), index=ix, columns=FEATURES)
    f["reserves_pct_nre"] = rng.gamma(4, 5, len(ix))
    f["prior_failure_ever"] = 0.0
    f["council_type"] = np.where(np.arange(len(ix)) % 3 == 0, "district", "unitary")
    for t in ("county", "district", "london_borough", "metropolitan_district", "unitary"):
        f[f"council_type_{t}"] = (f["council_type"] == t).astype(float)
    # planted: low reserves raise the risk
    p = 1 / (1 + np.exp(-(-2.5 - 0.15 * (f["reserves_pct_nre"] - 20))))
    y = rng.binomial(1, p)
    lab = pd.DataFrame({"y": y.astype(float), "population": "new", "censored": False}, index=ix)
    return f, lab, origins


def test_planted_reserves_signal_is_found_by_rule_and_model():
    f, lab, origins = _panel()
    bt = run_finance_backtest(f, lab, origins[1:])
    tab = auroc_table(bt, n_boot=50)
    assert tab.loc["reserves_ratio", "auroc"] > 0.7
    assert tab.loc["logit", "auroc"] > 0.65
    assert (
        tab.loc["reserves_ratio", "lo"]
        <= tab.loc["reserves_ratio", "auroc"]
        <= tab.loc["reserves_ratio", "hi"]
    )
    # a rule that is the reference differs from itself by exactly 0
    ref = tab["vs"].iloc[0]
    assert tab.loc[ref, "diff"] == 0.0


def test_model_trains_only_on_closed_windows():
    f, lab, origins = _panel()
    bt = run_finance_backtest(f, lab, origins)
    pred = bt.predictions
    first = pred.xs(origins[0], level="origin")
    assert first["logit"].isna().all() and (first["n_train_events"] == 0).all()
    second = pred.xs(origins[1], level="origin")
    n_first = lab.xs(origins[0], level="origin")["y"].sum()
    assert (second["n_train_events"] == n_first).all()


def test_rules_ignore_rows_and_order():
    f, lab, _ = _panel()
    a = rule_scores(f)
    b = rule_scores(f.sample(frac=1, random_state=1)).loc[a.index]
    pd.testing.assert_frame_equal(a, b)


def test_power_shrinks_with_more_events():
    _, lab, origins = _panel()
    few = lab.copy()
    few["y"] = 0.0
    few.iloc[::200, few.columns.get_loc("y")] = 1.0
    assert (
        power_table(few, origins).attrs["pooled_mdd"]
        > power_table(lab, origins).attrs["pooled_mdd"]
    )

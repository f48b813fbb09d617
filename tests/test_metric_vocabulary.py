"""One vocabulary and one sampler: metric keys, labels and directions defined once
(earlywarn._names), every bootstrap drawing from earlywarn.metrics.ClusterSampler, and no
module of the metrics package, headline or intervals importing another module's private
names."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd

import earlywarn
from earlywarn._names import (
    HEADLINE_METRICS,
    LIST_FIGURES,
    LOWER_IS_BETTER,
    METRIC_LABELS,
    METRICS,
)
from earlywarn.metrics import (
    ClusterSampler,
    auroc_ci,
    bootstrap_ci,
    cluster_bootstrap,
    evaluate_predictions,
    percentile_interval,
)

SRC = Path(earlywarn.__file__).parent


def _pred(n: int = 30, origins: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.6, n * origins)
    return pd.DataFrame({
        "council_code": np.tile([f"E{i:02d}" for i in range(n)], origins),
        "origin": np.repeat(pd.date_range("2017-03-31", periods=origins, freq="12ME"), n),
        "p": p,
        "y": rng.binomial(1, p),
    })  # fmt: skip


def test_every_pooled_metric_is_in_the_vocabulary_once_with_a_label():
    keys = [m.key for m in METRICS]
    assert len(keys) == len(set(keys))
    ev = evaluate_predictions(_pred(), k=3, n_boot=0)
    scalars = {k for k, v in ev["pooled"].items() if isinstance(v, dict) and "value" in v}
    assert scalars == set(keys)
    assert set(ev["per_origin"][0]) >= set(keys)
    assert all(METRIC_LABELS[k] for k in keys)
    assert {"brier", "nsr", "nsr_topk", "reliability"} == LOWER_IS_BETTER


def test_the_stages_read_the_one_vocabulary():
    from earlywarn.cycle import _steps as cycle_steps
    from earlywarn.evaluation import _headline as headline
    from earlywarn.report import _evaluation_section as evaluation_report
    from earlywarn.tracking import _tracker as tracking

    assert cycle_steps.LOWER_IS_BETTER is LOWER_IS_BETTER
    assert tracking.HEADLINE is HEADLINE_METRICS and set(HEADLINE_METRICS) <= set(METRIC_LABELS)
    assert evaluation_report.METRICS is METRIC_LABELS
    assert evaluation_report.LIST_FIGURES is LIST_FIGURES
    fig = headline.published_list(_pred().rename(columns={"y": "label"}).assign(inspected=1), 3, 0)
    assert [k for k in fig if k in LIST_FIGURES] == list(LIST_FIGURES)


def test_the_sampler_draws_whole_clusters_and_the_same_rows_for_a_seed():
    groups = np.array(["b", "a", "b", "c", "a", "b"])
    sampler = ClusterSampler(groups)
    assert list(sampler.clusters) == ["a", "b", "c"]
    first = list(sampler.resamples(50, seed=3))
    again = list(ClusterSampler(groups).resamples(50, seed=3))
    assert all((a == b).all() for a, b in zip(first, again, strict=True))
    for rows in first:
        drawn = pd.Series(groups[rows])
        # every drawn cluster comes with all its rows: counts are multiples of the size
        sizes = pd.Series(groups).value_counts()
        assert all(drawn.value_counts()[g] % sizes[g] == 0 for g in drawn.unique())
        assert sum(drawn.value_counts()[g] // sizes[g] for g in drawn.unique()) == 3
    # rows(pick) follows the pick, cluster after cluster, rows in their original order
    pick = np.array([2, 1, 1])
    assert list(sampler.rows(pick)) == [3, 0, 2, 5, 0, 2, 5]
    assert list(sampler.copy_of_row(pick)) == [0, 1, 1, 1, 2, 2, 2]


def test_every_interval_uses_the_one_loop():
    """bootstrap_ci, auroc_ci and evaluate_predictions give what cluster_bootstrap gives
    for the same seed (the same councils drawn in the same order)."""
    from sklearn.metrics import roc_auc_score

    pred = _pred(40, 3, seed=1)
    codes = pred["council_code"].to_numpy()
    y, p = pred["y"].to_numpy(float), pred["p"].to_numpy(float)
    by_hand = cluster_bootstrap(codes, lambda i: [roc_auc_score(y[i], p[i])], 100, seed=9)
    lo, hi = percentile_interval(by_hand[:, 0], 0.9)
    a = auroc_ci(y, p, codes, n_boot=100, seed=9, level=0.9)
    assert np.allclose((a.lo, a.hi), (lo, hi), rtol=0, atol=1e-12)
    b = bootstrap_ci(pred, lambda d: roc_auc_score(d["y"], d["p"]), 100, seed=9, level=0.9)
    assert np.allclose((b.lo, b.hi), (lo, hi), rtol=0, atol=1e-12)
    ev = evaluate_predictions(pred, k=4, n_boot=100, seed=9, level=0.9)
    assert np.allclose([ev["pooled"]["auroc"][s] for s in ("lo", "hi")], (lo, hi), atol=1e-12)


def _private_imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("earlywarn"):
            out += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    return out


def test_no_private_names_cross_modules_here():
    owned = [*sorted((SRC / "metrics").glob("*.py")), SRC / "evaluation" / "_headline.py"]
    owned += [SRC / "evaluation" / "_intervals.py"]
    owned += [SRC / "compute.py"]
    assert {str(p.name): _private_imports(p) for p in owned} == {p.name: [] for p in owned}

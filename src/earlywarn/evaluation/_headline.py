"""Headline figures: what a published list would have done, and paired differences.

**Published list.** At each test origin the list names the top ``k`` of *all* councils by
the ranking score (ties share the places at the cut, :mod:`earlywarn.metrics`). Over the
test origins: the share of flagged councils that were inspected in the window, the share
of those inspected that were found failing, the share of flagged councils that failed,
and the share of all failures the list caught, each beside its **chance level** (the same
figure for a list drawn at random at every origin) and, for the pooled figures, a
council-bootstrap interval (the lists fixed, councils resampled). Precision and recall at
``k`` measured only on councils that turned out to be inspected rank a set chosen by a
future event: they are kept, labelled *conditional*, but are not the headline.

**Paired differences.** Every model against the best baseline (highest within-origin
AUROC on the same target) and, for the joint target, against the inspection-timing model
alone: the difference in within-origin AUROC and in the share of failures caught, on the
rows both scored, with a *paired* council bootstrap (the same councils in both arms of
every resample). An interval that excludes 0 is the evidence that a model beats it.

Example
-------
>>> import numpy as np, pandas as pd
>>> rows = pd.DataFrame({"council_code": list("ABCD") * 2,
...     "origin": np.repeat(pd.to_datetime(["2019-03-31", "2020-03-31"]), 4),
...     "p": [.9, .1, .2, .3] * 2, "label": [1, 0, 0, 0] * 2, "inspected": [1, 1, 0, 0] * 2})
>>> fig = published_list(rows, k=1, n_boot=0)
>>> fig["share_of_failures_caught"]["value"], fig["share_of_failures_caught"]["chance"]
(1.0, 0.25)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from earlywarn._names import LIST_FIGURES
from earlywarn.metrics import (
    MAX_SKIPPED_SHARE,
    MIN_ORIGIN_EVENTS,
    cluster_bootstrap,
    percentile_interval,
    top_k_share_by_origin,
    within_origin_scores,
)

__all__ = ["MAX_SKIPPED_SHARE", "MIN_ORIGIN_EVENTS", "paired_differences", "published_list"]

MIN_EVENTS = 5  # a share of fewer than 2 x this many units is flagged 'unstable'
_FIGURES = tuple(LIST_FIGURES)  # share inspected, failing of inspected, failing, caught
PAIRED_METRICS = ("auroc_within_origin", "share_of_failures_caught")


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b > 0 else float("nan")


def _figures(q: np.ndarray, y: np.ndarray, ins: np.ndarray) -> np.ndarray:
    return np.array(
        [
            _ratio(q @ ins, q.sum()),
            _ratio(q @ (ins * y), q @ ins),
            _ratio(q @ y, q.sum()),
            _ratio(q @ y, y.sum()),
        ]
    )


def _chance(ids: np.ndarray, y: np.ndarray, ins: np.ndarray, k: int) -> np.ndarray:
    """The figures of a list drawn at random at every origin (expected counts)."""
    n = np.bincount(ids).astype(float)
    share = np.minimum(k, n) / np.where(n > 0, n, 1)  # each row's chance of being flagged
    return _figures(share[ids], y, ins)


def published_list(
    rows: pd.DataFrame, k: int, n_boot: int = 200, seed: int = 0, level: float = 0.95
) -> dict[str, Any]:
    """The published-list figures of one score.

    Parameters
    ----------
    rows : DataFrame
        Every council at every test origin: ``council_code, origin, p`` (the ranking
        score), ``label`` (failed in the window: the joint label) and ``inspected``.
    k : int
        Councils on the list at each origin.
    n_boot : int
        Council-bootstrap resamples of the pooled figures (0: no intervals).

    Returns
    -------
    dict
        For each of ``share_inspected``, ``share_failing_of_inspected``,
        ``share_failing``, ``share_of_failures_caught``: ``{value, lo, hi, chance,
        n_skipped, unstable}``; ``n_flagged``, ``n_failures``, ``n_origins`` and
        ``per_origin`` (the same figures per origin, with ``n_failures`` and ``small``).
    """
    df = rows.reset_index(drop=True)
    ids, origins = pd.factorize(pd.to_datetime(df["origin"]), sort=True)
    y = df["label"].to_numpy(dtype=float)
    ins = df["inspected"].to_numpy(dtype=float)
    q = top_k_share_by_origin(ids, df["p"].to_numpy(dtype=float), k)
    point, chance = _figures(q, y, ins), _chance(ids, y, ins, k)
    boot = np.full((max(n_boot, 0), len(_FIGURES)), np.nan)
    if n_boot > 0 and len(df):
        boot = cluster_bootstrap(
            df["council_code"].to_numpy(), lambda i: _figures(q[i], y[i], ins[i]), n_boot, seed
        )
    out: dict[str, Any] = {}
    # each share's denominator: flags, inspected flags, flags, failures
    dens = (q.sum(), q @ ins, q.sum(), y.sum())
    for j, name in enumerate(_FIGURES):
        lo, hi = percentile_interval(boot[:, j], level) if n_boot > 0 else (np.nan, np.nan)
        skipped = int(np.isnan(boot[:, j]).sum())
        out[name] = {
            "value": float(point[j]),
            "lo": lo,
            "hi": hi,
            "chance": float(chance[j]),
            "n_skipped": skipped,
            "denominator": float(dens[j]),
            # a share of fewer than MIN_EVENTS * 2 units, or too many undefined resamples
            "unstable": bool(
                (n_boot > 0 and skipped > MAX_SKIPPED_SHARE * n_boot) or dens[j] < 2 * MIN_EVENTS
            ),
        }
    out["n_flagged"] = float(q.sum())
    out["n_failures"] = int(y.sum())
    out["n_origins"] = len(origins)
    per = []
    for j, origin in enumerate(origins):
        m = ids == j
        f, c = _figures(q[m], y[m], ins[m]), _chance(ids[m] * 0, y[m], ins[m], k)
        n_fail = int(y[m].sum())
        per.append(
            {
                "origin": str(pd.Timestamp(origin).date()),
                "n": int(m.sum()),
                "n_failures": n_fail,
                "small": n_fail < MIN_ORIGIN_EVENTS,
                **{name: float(f[i]) for i, name in enumerate(_FIGURES)},
                **{f"{name}_chance": float(c[i]) for i, name in enumerate(_FIGURES)},
            }
        )
    out["per_origin"] = per
    return out


def _paired_values(
    a: pd.DataFrame, b: pd.DataFrame, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    key = ["council_code", "origin"]
    cols = [*key, "y", "p", *(["weight"] if "weight" in a else [])]
    m = a[cols].merge(b[[*key, "p"]], on=key, suffixes=("", "_ref"), validate="one_to_one")
    ids, _ = pd.factorize(pd.to_datetime(m["origin"]), sort=True)
    y = m["y"].to_numpy(dtype=float)
    w = m["weight"].to_numpy(dtype=float) if "weight" in m else np.ones(len(m))
    pa, pb = m["p"].to_numpy(dtype=float), m["p_ref"].to_numpy(dtype=float)
    qa, qb = top_k_share_by_origin(ids, pa, k), top_k_share_by_origin(ids, pb, k)
    return m["council_code"].to_numpy(), ids, y, w, pa, pb, np.vstack([qa, qb])


def _diffs(ids, y, w, pa, pb, q) -> np.ndarray:
    auc_a = within_origin_scores(y, pa, w, ids)[0]
    auc_b = within_origin_scores(y, pb, w, ids)[0]
    caught = _ratio((q[0] - q[1]) @ (w * y), w @ y)
    return np.array([auc_a - auc_b, caught])


def paired_differences(
    scores: dict[str, pd.DataFrame],
    references: dict[str, str],
    models: Sequence[str],
    k: int,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> list[dict[str, Any]]:
    """Paired differences of every model against each reference score.

    Parameters
    ----------
    scores : dict
        Name -> rows a target is measured on (``council_code, origin, y, p`` and optional
        ``weight``), for the models and the references.
    references : dict
        Role -> name in ``scores`` (e.g. ``{"best baseline": "persistence"}``).
    models : sequence of str
        The names compared with every reference.

    Returns
    -------
    list of dict
        ``model, reference, role, metric`` (``auroc_within_origin`` or
        ``share_of_failures_caught``), ``value`` (model minus reference), ``lo, hi``,
        ``n`` (rows both scored), ``n_skipped``, ``unstable`` and ``excludes_zero``.
    """
    out = []
    for role, ref in references.items():
        if ref not in scores:
            continue
        for name in models:
            if name == ref or name not in scores:
                continue
            codes, ids, y, w, pa, pb, q = _paired_values(scores[name], scores[ref], k)
            point = _diffs(ids, y, w, pa, pb, q)
            boot = np.full((max(n_boot, 0), len(PAIRED_METRICS)), np.nan)
            if n_boot > 0 and len(codes):
                boot = cluster_bootstrap(
                    codes,
                    lambda i: _diffs(ids[i], y[i], w[i], pa[i], pb[i], q[:, i]),  # noqa: B023
                    n_boot,
                    seed,
                )
            for j, metric in enumerate(PAIRED_METRICS):
                lo, hi = percentile_interval(boot[:, j], level) if n_boot else (np.nan, np.nan)
                skipped = int(np.isnan(boot[:, j]).sum())
                out.append(
                    {
                        "model": name,
                        "reference": ref,
                        "role": role,
                        "metric": metric,
                        "value": float(point[j]),
                        "lo": lo,
                        "hi": hi,
                        "n": len(codes),
                        "n_skipped": skipped,
                        "unstable": bool(n_boot > 0 and skipped > MAX_SKIPPED_SHARE * n_boot),
                        "excludes_zero": bool(lo > 0 or hi < 0),
                    }
                )
    return out

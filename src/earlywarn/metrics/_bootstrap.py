"""The council-cluster bootstrap: one sampler for every interval earlywarn reports.

A resample draws as many councils as there are, with replacement, and keeps all rows (all
origins) of every council drawn, so a council drawn twice appears twice. This respects the
correlation of a council's rows across origins; resampling rows would understate the
uncertainty. :class:`ClusterSampler` makes the draws and :func:`cluster_bootstrap` runs the
one resampling loop; the metric intervals (:func:`bootstrap_ci`, :func:`auroc_ci`,
:func:`earlywarn.metrics.evaluate_predictions`), the published-list figures and paired
differences (:mod:`earlywarn.evaluation`) and the refits behind the published probability
intervals (:mod:`earlywarn.evaluation`) all draw from it, so the same seed gives the same
councils everywhere.

Example
-------
>>> sampler = ClusterSampler(np.array(["b", "a", "b", "c"]))
>>> [sampler.clusters[i] for i in sampler.pick(np.random.default_rng(0))]
['c', 'b', 'b']
>>> cluster_bootstrap(np.array(["b", "a", "b", "c"]), lambda rows: [len(rows)], 2, seed=0)
array([[5.],
       [3.]])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.metrics._checks import NAN, ArrayLike, as_arrays, both_classes
from earlywarn.metrics._ranking import ranking_scores

__all__ = [
    "MAX_SKIPPED_SHARE",
    "BootstrapCI",
    "ClusterSampler",
    "auroc_ci",
    "bootstrap_ci",
    "cluster_bootstrap",
    "percentile_interval",
]

MAX_SKIPPED_SHARE = 0.2  # an interval with more undefined resamples is flagged 'unstable'


class ClusterSampler:
    """Row indices of a cluster bootstrap: whole clusters, drawn with replacement.

    Parameters
    ----------
    groups : array-like
        The cluster (council code) of every row.

    Clusters are numbered in the sorted order of their labels (``clusters``). A draw picks
    ``n_clusters`` cluster numbers with ``rng.integers(0, n_clusters, n_clusters)`` and
    returns every row of each picked cluster, in the rows' original order, cluster after
    cluster: the same generator state gives the same rows, whoever draws them.
    """

    def __init__(self, groups: ArrayLike) -> None:
        ids, uniques = pd.factorize(pd.Series(np.asarray(groups)), sort=True)
        self.clusters = np.asarray(uniques)
        self.n_clusters = len(uniques)
        self.order = np.argsort(ids, kind="stable")
        self.sizes = np.bincount(ids, minlength=self.n_clusters)
        self.starts = np.r_[0, np.cumsum(self.sizes)[:-1]]

    def pick(self, rng: np.random.Generator) -> np.ndarray:
        """The cluster numbers of one resample (``n_clusters`` of them)."""
        return rng.integers(0, self.n_clusters, self.n_clusters)

    def rows(self, pick: np.ndarray) -> np.ndarray:
        """The row indices of the picked clusters, cluster after cluster."""
        sizes = self.sizes[pick]
        ends = np.cumsum(sizes)
        pos = np.repeat(self.starts[pick] - (ends - sizes), sizes) + np.arange(ends[-1])
        return self.order[pos]

    def copy_of_row(self, pick: np.ndarray) -> np.ndarray:
        """For each row of ``rows(pick)``, the position in ``pick`` of its cluster's copy
        (a cluster drawn twice enters the resample as two clusters)."""
        return np.repeat(np.arange(len(pick)), self.sizes[pick])

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """The row indices of one resample."""
        return self.rows(self.pick(rng))

    def picks(
        self,
        n_boot: int,
        seed: int,
        accept: Callable[[np.ndarray], bool] | None = None,
        max_draws: int | None = None,
    ) -> Iterator[np.ndarray]:
        """The picks of ``n_boot`` resamples from ``numpy.random.default_rng(seed)``.

        With ``accept``, a pick it rejects (e.g. a resample with one class only) is
        redrawn, up to ``max_draws`` draws in all (default: no limit other than
        ``n_boot`` accepted picks), so fewer than ``n_boot`` may come back.
        """
        rng = np.random.default_rng(seed)
        n, drawn = max(int(n_boot), 0), 0
        while n > 0 and (max_draws is None or drawn < max_draws):
            pick = self.pick(rng)
            drawn += 1
            if accept is None or accept(pick):
                n -= 1
                yield pick

    def resamples(self, n_boot: int, seed: int) -> Iterator[np.ndarray]:
        """The row indices of ``n_boot`` resamples from ``numpy.random.default_rng(seed)``."""
        for pick in self.picks(n_boot, seed):
            yield self.rows(pick)


def cluster_bootstrap(
    groups: ArrayLike,
    statistic: Callable[[np.ndarray], Sequence[float] | np.ndarray],
    n_boot: int,
    seed: int,
) -> np.ndarray:
    """The values of ``statistic(rows)`` over ``n_boot`` cluster resamples of ``groups``.

    ``statistic`` takes the row indices of a resample and returns a fixed number of values
    (``nan`` or ``None`` where undefined). Returns an array of shape ``(n_boot, n_values)``
    (``(0, 0)`` when ``n_boot`` is 0 or there are no rows); undefined values are ``nan``.
    """
    groups = np.asarray(groups)
    if n_boot <= 0 or groups.size == 0:
        return np.empty((0, 0))
    values = [
        [
            NAN if v is None else float(v)
            for v in np.atleast_1d(np.asarray(statistic(rows), dtype=object))
        ]
        for rows in ClusterSampler(groups).resamples(n_boot, seed)
    ]
    return np.array(values, dtype=float)


def percentile_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """The ``level`` percentile interval of the finite ``values`` (``nan`` if none)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return NAN, NAN
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(values, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


class BootstrapCI(tuple):
    """``(estimate, lo, hi)`` that also carries ``n_skipped``, ``n_boot`` and ``level``.

    Unpacks as a 3-tuple; read the extra fields as attributes.
    """

    n_skipped: int
    n_boot: int
    level: float

    def __new__(
        cls, estimate: float, lo: float, hi: float, n_skipped: int, n_boot: int, level: float
    ) -> BootstrapCI:
        self = super().__new__(cls, (estimate, lo, hi))
        self.n_skipped, self.n_boot, self.level = n_skipped, n_boot, level
        return self

    @property
    def estimate(self) -> float:
        return self[0]

    @property
    def lo(self) -> float:
        return self[1]

    @property
    def hi(self) -> float:
        return self[2]

    def __repr__(self) -> str:
        return (
            f"BootstrapCI(estimate={self[0]!r}, lo={self[1]!r}, hi={self[2]!r}, "
            f"n_skipped={self.n_skipped}, n_boot={self.n_boot}, level={self.level})"
        )


def finite(x: Any) -> bool:
    return x is not None and math.isfinite(float(x))


def bootstrap_ci(
    pred: pd.DataFrame,
    metric_fn: Callable[[pd.DataFrame], float | None],
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    cluster: str | None = "council_code",
) -> BootstrapCI:
    """Cluster-bootstrap percentile interval of a metric of a predictions frame.

    Each resample draws as many councils as there are, with replacement, and keeps all
    rows (all origins) of every council drawn, so a council drawn twice appears twice.
    This respects the correlation of a council's rows across origins; resampling rows
    would understate the uncertainty.

    Parameters
    ----------
    pred : pandas.DataFrame
        Predictions frame (any columns ``metric_fn`` needs, plus ``cluster``).
    metric_fn : callable
        ``metric_fn(frame) -> float``; ``None`` or ``nan`` marks an undefined value.
    n_boot : int, default 1000
        Number of resamples.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same interval.
    level : float, default 0.95
        Coverage of the percentile interval.
    cluster : str or None, default "council_code"
        Column whose values are resampled as units; ``None`` resamples rows.

    Returns
    -------
    BootstrapCI
        ``(estimate, lo, hi)`` where ``estimate = metric_fn(pred)``; attributes
        ``n_skipped`` (resamples where the metric was undefined, e.g. one class only, which
        are left out of the interval), ``n_boot`` and ``level``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pred = pd.DataFrame({"council_code": np.repeat(np.arange(50), 2),
    ...                      "p": rng.random(100)})
    >>> pred["y"] = rng.binomial(1, pred["p"])
    >>> est, lo, hi = bootstrap_ci(pred, lambda d: float(d["y"].mean()), n_boot=200)
    >>> bool(lo <= est <= hi)
    True
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be positive, got {n_boot!r}")
    data = pred.reset_index(drop=True)
    groups = data[cluster].to_numpy() if cluster is not None else np.arange(len(data))
    estimate = metric_fn(data)

    def statistic(rows: np.ndarray) -> list[float]:
        v = metric_fn(data.iloc[rows].reset_index(drop=True))
        return [float(v) if finite(v) else NAN]

    values = cluster_bootstrap(groups, statistic, n_boot, seed).ravel()
    lo, hi = percentile_interval(values, level)
    est = float(estimate) if finite(estimate) else NAN
    return BootstrapCI(est, lo, hi, int(np.isnan(values).sum()), int(n_boot), float(level))


def auroc_ci(
    y: ArrayLike,
    p: ArrayLike,
    groups: ArrayLike,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
    sample_weight: ArrayLike | None = None,
) -> BootstrapCI:
    """AUROC with a cluster-bootstrap interval, on arrays (fast: for many small subgroups).

    The same resampling as :func:`bootstrap_ci` (whole clusters, with replacement) and
    the same AUROC as :func:`sklearn.metrics.roc_auc_score`, without building a frame per
    resample. Undefined (one class) -> ``nan``.

    Examples
    --------
    >>> est, lo, hi = auroc_ci([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], ["a", "a", "b", "b"], 50)
    >>> est
    1.0
    """
    y, p, w = as_arrays(y, p, sample_weight)
    g = np.asarray(groups)
    if g.shape != y.shape:
        raise ValueError("groups must be as long as y")
    est = ranking_scores(y, p, w)[0] if both_classes(y, w) else NAN

    def statistic(i: np.ndarray) -> list[float]:
        return [ranking_scores(y[i], p[i], w[i])[0] if both_classes(y[i], w[i]) else NAN]

    values = np.full(max(int(n_boot), 0), np.nan)
    if y.size:
        values = cluster_bootstrap(g, statistic, n_boot, seed).ravel()
    lo, hi = percentile_interval(values, level) if values.size else (NAN, NAN)
    return BootstrapCI(est, lo, hi, int(np.isnan(values).sum()), int(n_boot), float(level))

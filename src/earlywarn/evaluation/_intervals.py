"""How sure is a council's published probability? A council-bootstrap interval.

The published model is refitted on ``n_boot`` training sets, each made by drawing the
training **councils** with replacement (all of a drawn council's origins come along, so the
dependence between a council's years is kept, as in the cluster bootstrap); every refit
scores the councils at the scored origin, and each council's interval is the percentile
interval of its ``n_boot`` probabilities (``level`` = 0.9: the 5th and 95th percentiles).

What it covers: the model's sensitivity to which councils it happened to learn from (the
sampling variability of the fit). What it does not: the inspection-timing model and the
conversion to the ranking target (``to_target``) are held fixed, the hyperparameters are not
re-chosen, and a percentile interval from a few refits (20 by default, ``report.
interval_boot``) is rough at its ends — read it as "about this wide", not as a calibrated
90% interval. A council drawn twice enters a refit as two councils (its code gets a
``~b<j>`` suffix), so cluster-robust fits count it as two clusters.

The councils are drawn by the one cluster sampler (:class:`earlywarn.metrics.
ClusterSampler`, as every metric interval), all draws first, in one process; the refits are
then independent tasks that run where the cycle's ``[compute]`` says (:mod:`earlywarn.
compute`), so the interval is the same serially, on local processes or on a cluster.

Example
-------
>>> from earlywarn.evaluation import council_bootstrap_interval
>>> from earlywarn.models import make_model
>>> iv = council_bootstrap_interval(lambda: make_model("logit"), X_train, y_train, X_now,
...                                 n_boot=20, seed=1)  # doctest: +SKIP
>>> iv.columns.tolist()  # doctest: +SKIP
['probability_lo', 'probability_hi']
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.compute import single_threaded
from earlywarn.metrics import ClusterSampler

__all__ = ["INTERVAL_COLUMNS", "bootstrap_probabilities", "council_bootstrap_interval"]

INTERVAL_COLUMNS = ["probability_lo", "probability_hi"]
MAX_SKIPPED = 0.2  # an interval from fewer than 80% of the resamples asked for is not shown


def _draws(X: pd.DataFrame, y: np.ndarray, n_boot: int, seed: int) -> list[np.ndarray]:
    """The picks (cluster numbers) of the refits: councils drawn with replacement by the one
    cluster sampler (:class:`earlywarn.metrics.ClusterSampler`); a draw with one class only
    in ``y`` is redrawn, at most ``5 * n_boot`` draws in all. Made here, in one process and
    in order, so that the refits can run anywhere and still give the serial result."""
    sampler = ClusterSampler(X.index.get_level_values("council_code"))

    def both_classes(pick: np.ndarray) -> bool:
        return len(np.unique(y[sampler.rows(pick)])) >= 2

    return list(sampler.picks(n_boot, seed, accept=both_classes, max_draws=5 * n_boot))


def _refit(
    make: Callable[[], Any],
    X_train: pd.DataFrame,
    y_train: pd.Series,
    weights: np.ndarray | None,
    X_now: pd.DataFrame,
    to_target: Callable[[np.ndarray, pd.DataFrame], np.ndarray] | None,
    pick: np.ndarray,
) -> np.ndarray:
    """One refit (a task of its own): the model fitted on the councils ``pick``, scoring
    ``X_now``. A council drawn twice enters as two councils (code suffix ``~b<j>``)."""
    from earlywarn.backtest import fit_model

    sampler = ClusterSampler(X_train.index.get_level_values("council_code"))
    pos, copy = sampler.rows(pick), sampler.copy_of_row(pick)
    labels = np.array([f"{sampler.clusters[c]}~b{j}" for j, c in enumerate(pick)], dtype=object)
    frame = X_train.index[pos].to_frame(index=False)
    frame["council_code"] = labels[copy]
    index = pd.MultiIndex.from_frame(frame, names=list(X_train.index.names))
    y = np.asarray(y_train)
    Xb = X_train.iloc[pos].set_axis(index, axis=0)
    yb = pd.Series(y[pos], index=index, name=getattr(y_train, "name", None))
    if "grade" in getattr(y_train, "attrs", {}):  # models fitted on grades (ordinal)
        yb.attrs["grade"] = np.asarray(y_train.attrs["grade"])[pos]
    wb = None if weights is None else np.asarray(weights)[pos]
    model = fit_model(make(), Xb, yb, wb)
    p = model.predict_proba(X_now)[:, 1]
    return np.asarray(to_target(p, X_now) if to_target else p, dtype=float)


def bootstrap_probabilities(
    make: Callable[[], Any],
    X_train: pd.DataFrame,
    y_train: pd.Series,
    X_now: pd.DataFrame,
    *,
    weights: np.ndarray | None = None,
    to_target: Callable[[np.ndarray, pd.DataFrame], np.ndarray] | None = None,
    n_boot: int = 20,
    seed: int = 0,
) -> np.ndarray:
    """The probabilities of ``X_now`` under ``n_boot`` council-bootstrap refits.

    Parameters
    ----------
    make : callable
        Returns a new unfitted model (e.g. ``lambda: make_model(kind, params, seed)``).
    X_train, y_train, weights
        The published model's training rows (index ``council_code, origin``), labels and
        optional sample weights (as from :func:`earlywarn.evaluation.final_training`).
    X_now : DataFrame
        The councils to score.
    to_target : callable, optional
        ``(p, X_now) -> probability`` as published (default: the model's own probability).
    n_boot : int
        Refits. A draw with one class only in ``y`` is redrawn (at most ``5 * n_boot``
        draws in all).
    seed : int
        Seeds the draws: the same seed gives the same probabilities.

    Returns
    -------
    ndarray, shape (n_refits, len(X_now))
    """
    from joblib import Parallel, delayed

    picks = _draws(X_train, np.asarray(y_train), n_boot, seed)
    # the refits are independent tasks: they run where joblib's ambient configuration says
    # (earlywarn.compute.compute_backend; serial by default), results in draw order
    out = Parallel()(
        delayed(single_threaded)(_refit, make, X_train, y_train, weights, X_now, to_target, pick)
        for pick in picks
    )
    return np.vstack(out) if out else np.empty((0, len(X_now)))


def council_bootstrap_interval(
    make: Callable[[], Any],
    X_train: pd.DataFrame,
    y_train: pd.Series,
    X_now: pd.DataFrame,
    *,
    weights: np.ndarray | None = None,
    to_target: Callable[[np.ndarray, pd.DataFrame], np.ndarray] | None = None,
    n_boot: int = 20,
    level: float = 0.9,
    seed: int = 0,
    compute: Any = None,
) -> pd.DataFrame:
    """Percentile interval of each council's probability over council-bootstrap refits.

    Same arguments as :func:`bootstrap_probabilities`, plus ``level`` (e.g. 0.9) and
    ``compute``: where the refits run, a :class:`earlywarn.config.ComputeConfig` (the
    cycle's ``[compute]``; default: joblib's ambient configuration, serial unless set).
    The interval is the same wherever they run.

    Returns
    -------
    DataFrame
        Indexed by ``council_code`` (of ``X_now``), columns ``probability_lo,
        probability_hi`` rounded to 6 decimals; no columns when ``n_boot`` is 0 or more
        than ``MAX_SKIPPED`` (20%) of the resamples were skipped (no draw with both
        classes within the redraws): joining it onto the scores then adds nothing.
    """
    codes = pd.Index(X_now.index.get_level_values("council_code"), name="council_code")
    if n_boot <= 0:
        return pd.DataFrame(index=codes)
    with contextlib.ExitStack() as stack:
        if compute is not None:
            from earlywarn.compute import compute_backend

            c = compute
            stack.enter_context(
                compute_backend(c.backend, c.n_jobs, c.scheduler, c.connect_timeout)
            )
        draws = bootstrap_probabilities(
            make, X_train, y_train, X_now, weights=weights, to_target=to_target,
            n_boot=n_boot, seed=seed,
        )  # fmt: skip
    if len(draws) == 0 or len(draws) < (1 - MAX_SKIPPED) * n_boot:
        return pd.DataFrame(index=codes)  # too many resamples skipped: no interval shown
    tail = (1 - level) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail], axis=0)
    return pd.DataFrame({"probability_lo": lo, "probability_hi": hi}, index=codes).round(6)

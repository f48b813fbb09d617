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

Example
-------
>>> from earlywarn.intervals import council_bootstrap_interval
>>> from earlywarn.models import make_model
>>> iv = council_bootstrap_interval(lambda: make_model("logit"), X_train, y_train, X_now,
...                                 n_boot=20, seed=1)  # doctest: +SKIP
>>> iv.columns.tolist()  # doctest: +SKIP
['probability_lo', 'probability_hi']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["INTERVAL_COLUMNS", "bootstrap_probabilities", "council_bootstrap_interval"]

INTERVAL_COLUMNS = ["probability_lo", "probability_hi"]


def _resample(X: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, pd.MultiIndex]:
    """Row positions of one council-resampled training set, and its relabelled index."""
    codes = X.index.get_level_values("council_code")
    uniq, inverse = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
    rows_of = np.split(np.argsort(inverse, kind="stable"), np.cumsum(np.bincount(inverse))[:-1])
    drawn = rng.integers(0, len(uniq), size=len(uniq))
    pos = np.concatenate([rows_of[i] for i in drawn])
    labels = np.concatenate(
        [np.full(len(rows_of[i]), f"{uniq[i]}~b{j}", dtype=object) for j, i in enumerate(drawn)]
    )
    index = X.index[pos]
    names = list(index.names)
    frame = index.to_frame(index=False)
    frame["council_code"] = labels
    return pos, pd.MultiIndex.from_frame(frame, names=names)


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
    from threadpoolctl import threadpool_limits

    from earlywarn.training import fit_model

    rng = np.random.default_rng(seed)
    y = np.asarray(y_train)
    out: list[np.ndarray] = []
    # one thread per fit: many small fits gain nothing from OpenMP/BLAS threads, and on a
    # busy machine their spinning threads cost several times the fit's own CPU time
    with threadpool_limits(limits=1):
        for _ in range(5 * n_boot):
            if len(out) == n_boot:
                break
            pos, index = _resample(X_train, rng)
            if len(np.unique(y[pos])) < 2:
                continue
            Xb = X_train.iloc[pos].set_axis(index, axis=0)
            yb = pd.Series(y[pos], index=index, name=getattr(y_train, "name", None))
            if "grade" in getattr(y_train, "attrs", {}):  # models fitted on grades (ordinal)
                yb.attrs["grade"] = np.asarray(y_train.attrs["grade"])[pos]
            wb = None if weights is None else np.asarray(weights)[pos]
            model = fit_model(make(), Xb, yb, wb)
            p = model.predict_proba(X_now)[:, 1]
            out.append(np.asarray(to_target(p, X_now) if to_target else p, dtype=float))
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
) -> pd.DataFrame:
    """Percentile interval of each council's probability over council-bootstrap refits.

    Same arguments as :func:`bootstrap_probabilities`, plus ``level`` (e.g. 0.9).

    Returns
    -------
    DataFrame
        Indexed by ``council_code`` (of ``X_now``), columns ``probability_lo,
        probability_hi`` rounded to 6 decimals; no columns when ``n_boot`` is 0 or no
        draw had both classes (joining it onto the scores then adds nothing).
    """
    codes = pd.Index(X_now.index.get_level_values("council_code"), name="council_code")
    if n_boot <= 0:
        return pd.DataFrame(index=codes)
    draws = bootstrap_probabilities(
        make,
        X_train,
        y_train,
        X_now,
        weights=weights,
        to_target=to_target,
        n_boot=n_boot,
        seed=seed,
    )
    if len(draws) == 0:
        return pd.DataFrame(index=codes)
    tail = (1 - level) / 2
    lo, hi = np.quantile(draws, [tail, 1 - tail], axis=0)
    return pd.DataFrame({"probability_lo": lo, "probability_hi": hi}, index=codes).round(6)

"""Rolling-origin backtest: out of time, never random splits across years.

For each test origin ``t`` a model trains only on origins whose label windows had closed
by ``t`` (``origin + horizon <= t``), with labels built from the events known at ``t``,
and predicts the councils at ``t``. Every model sees the same splits.

Example
-------
>>> import pandas as pd
>>> o = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2016)]
>>> [s.test_origin.year for s in rolling_origin_splits(o, o, horizon_months=24)]
[2014, 2015]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from earlywarn.labels import make_labels

__all__ = [
    "Split",
    "check_split",
    "rolling_origin_splits",
    "run_backtest",
    "split_rows",
    "training_rows",
]


@dataclass(frozen=True)
class Split:
    """One rolling-origin split: train on ``train_origins``, test on ``test_origin``."""

    test_origin: pd.Timestamp
    train_origins: tuple[pd.Timestamp, ...]


def rolling_origin_splits(
    origins: Sequence, test_origins: Sequence, horizon_months: int, min_train_origins: int = 2
) -> list[Split]:
    """Splits whose training windows all closed by the test origin (gap = horizon)."""
    all_o = sorted(pd.Timestamp(o) for o in origins)
    out = []
    for t in sorted(pd.Timestamp(o) for o in test_origins):
        train = tuple(o for o in all_o if o + pd.DateOffset(months=horizon_months) <= t)
        if len(train) >= min_train_origins:
            out.append(Split(t, train))
    return out


def check_split(split: Split, horizon_months: int) -> None:
    """Raise if any training window is still open at the test origin (a leak)."""
    for o in split.train_origins:
        if o + pd.DateOffset(months=horizon_months) > split.test_origin:
            raise AssertionError(
                f"leak: training origin {o.date()} has a label window open at test origin "
                f"{split.test_origin.date()}"
            )


def training_rows(
    X: pd.DataFrame,
    events: pd.DataFrame,
    train_origins: Sequence,
    known_at: pd.Timestamp,
    horizon_months: int,
    kinds: tuple[str, ...],
    censoring: str,
    new_failures_only: bool = False,
) -> tuple[pd.DataFrame, pd.Series]:
    """Features and labels for training, using only events known at ``known_at``.

    ``censoring = "drop"`` or ``"weight"`` keeps only uncensored rows (the weights of
    ``"weight"`` come from an inspection-timing model: see :mod:`earlywarn.evaluation`);
    ``new_failures_only`` drops councils already failed at their origin.
    """
    origins = X.index.get_level_values("origin")
    Xtr = X[origins.isin(pd.DatetimeIndex(train_origins))]
    lab = make_labels(events, Xtr.index, horizon_months, kinds, known_at=known_at)
    keep = np.ones(len(lab), dtype=bool)
    if censoring in ("drop", "weight"):
        keep &= ~lab["censored"].to_numpy()
    if new_failures_only:
        keep &= ~lab["failed_at_origin"].to_numpy()
    return Xtr[keep], lab.loc[keep, "label"]


def split_rows(
    X: pd.DataFrame,
    events: pd.DataFrame,
    split: Split,
    horizon_months: int,
    kinds: tuple[str, ...] = ("inadequate",),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training and test rows of one split, with their labels, audited for leaks.

    Training labels use only the events known at the test origin; test labels are the
    realised outcomes. Raises ``AssertionError`` (naming the origin) if a training label
    window is still open at the test origin, or if a council-origin row is in both sets.

    Returns
    -------
    X_train, labels_train, X_test, labels_test
        Labels as from :func:`~earlywarn.labels.make_labels` (all rows; the caller applies
        its censoring and 'new failures' choices).
    """
    check_split(split, horizon_months)
    origins = X.index.get_level_values("origin")
    Xtr = X[origins.isin(pd.DatetimeIndex(split.train_origins))]
    Xte = X[origins == split.test_origin]
    lab_tr = make_labels(events, Xtr.index, horizon_months, kinds, known_at=split.test_origin)
    open_ = lab_tr["window_end"] > split.test_origin
    if open_.any():
        o = lab_tr.index[int(np.flatnonzero(open_.to_numpy())[0])][1]
        raise AssertionError(
            f"leak: training row at origin {pd.Timestamp(o).date()} has a label window open "
            f"at test origin {split.test_origin.date()}"
        )
    if Xtr.index.intersection(Xte.index).size:
        raise AssertionError(f"leak: rows in both training and test at {split.test_origin.date()}")
    lab_te = make_labels(events, Xte.index, horizon_months, kinds)
    return Xtr, lab_tr, Xte, lab_te


def run_backtest(
    X: pd.DataFrame,
    events: pd.DataFrame,
    splits: Sequence[Split],
    make: Callable[[], object],
    horizon_months: int,
    kinds: tuple[str, ...] = ("inadequate",),
    censoring: str = "negative",
) -> pd.DataFrame:
    """Fit a fresh model per split and predict its test origin.

    Returns a frame with ``council_code, origin, p`` and the test origin's realised
    ``label``, ``inspected`` and ``censored`` (test rows are all councils at the origin;
    evaluation decides which to score on).
    """
    out = []
    for split in splits:
        check_split(split, horizon_months)
        Xtr, ytr = training_rows(
            X, events, split.train_origins, split.test_origin, horizon_months, kinds, censoring
        )
        if ytr.nunique() < 2:
            continue
        model = make().fit(Xtr, ytr)
        Xte = X[X.index.get_level_values("origin") == split.test_origin]
        p = model.predict_proba(Xte)[:, 1]
        truth = make_labels(events, Xte.index, horizon_months, kinds)
        out.append(truth.assign(p=p, n_train=len(ytr)).reset_index())
    cols = ["council_code", "origin", "p", "label", "inspected", "censored", "n_train"]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)[cols]

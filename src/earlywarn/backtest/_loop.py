"""THE rolling-origin backtest loop: out of time, never random splits across years.

For each test origin ``t`` a model trains only on origins whose label windows had closed
by ``t`` (``origin + horizon <= t``), with labels built from the events known at ``t``,
and predicts the councils at ``t``. Every model sees the same splits. The cycle, the
experiments scripts, the benchmarks and the leakage tests all run :func:`backtest_targets`;
each split is a task of its own, run where joblib's ambient configuration says
(:mod:`earlywarn.compute`).

Example
-------
>>> import pandas as pd
>>> o = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2016)]
>>> [s.test_origin.year for s in rolling_origin_splits(o, o, horizon_months=24)]
[2013, 2014, 2015]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.backtest._settings import EvaluationSettings
from earlywarn.backtest._training import (
    TIMING_MODELS,
    fit_model,
    fit_takes,
    fit_timing,
    to_targets,
    training_rates,
    training_set,
    with_grades,
)
from earlywarn.compute import single_threaded
from earlywarn.labels import label_events, make_labels
from earlywarn.models import available_baselines, baseline_unavailable, make_baseline
from earlywarn.panel import window_closed

__all__ = [
    "Split",
    "backtest_targets",
    "check_split",
    "model_makers",
    "rolling_origin_splits",
    "split_rows",
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
        train = tuple(o for o in all_o if window_closed(o, horizon_months, t))
        if len(train) >= min_train_origins:
            out.append(Split(t, train))
    return out


def check_split(split: Split, horizon_months: int) -> None:
    """Raise if any training window is still open at the test origin (a leak)."""
    for o in split.train_origins:
        if not window_closed(o, horizon_months, split.test_origin):
            raise AssertionError(
                f"leak: training origin {o.date()} has a label window open at test origin "
                f"{split.test_origin.date()}"
            )


def split_rows(
    X: pd.DataFrame,
    events: pd.DataFrame,
    split: Split,
    horizon_months: int,
    kinds: tuple[str, ...] = ("inadequate",),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training and test rows of one split, with their labels, audited for leaks.

    Training labels use only the events known at the test origin; test labels are the
    realised outcomes; a test row whose label is not known (``ambiguous``) is left out.
    Raises ``AssertionError`` (naming the origin) if a training label
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
    known = ~lab_te["ambiguous"].to_numpy(dtype=bool)  # an unknown label is never scored
    return Xtr, lab_tr, Xte[known], lab_te[known]


def backtest_targets(
    X: pd.DataFrame,
    events: pd.DataFrame,
    splits: Sequence[Split],
    makers: dict[str, Callable[[], Any]],
    settings: EvaluationSettings,
    model_names: Sequence[str] = (),
) -> pd.DataFrame:
    """Backtest every model on the same splits, for both targets.

    A baseline (a name in ``settings.baselines`` that is not in ``model_names``) whose
    training feature is empty or constant at a split is not scored there
    (:func:`~earlywarn.models.baseline_unavailable`); :func:`evaluate_backtest` lists
    it as unavailable at that origin.

    Parameters
    ----------
    X : DataFrame
        Features indexed by ``(council_code, origin)``.
    events : DataFrame
        The events table (training labels use only events known at each test origin).
    splits : sequence of Split
        Checked for leaks (:func:`~earlywarn.backtest.split_rows`).
    makers : dict
        Name -> factory of an unfitted classifier.
    settings : EvaluationSettings

    Returns
    -------
    DataFrame
        One row per model, test origin and council: ``model, council_code, origin,
        p_conditional, p_joint, p_inspected`` (timing model, shared by all models),
        ``label, inspected, censored, failed_at_origin, n_train``.
    """
    from joblib import Parallel, delayed

    s = settings
    events = label_events(events, s.frameworks)
    # the splits are independent tasks: they run where joblib's ambient configuration says
    # (earlywarn.compute.compute_backend; serial by default), results in split order
    names = tuple(model_names)
    parts = Parallel()(
        delayed(single_threaded)(_split_predictions, X, events, split, makers, s, names)
        for split in splits
    )
    out = [frame for part in parts for frame in part]
    cols = ["model", "council_code", "origin", "p_conditional", "p_joint", "p_inspected"]
    cols += ["label", "inspected", "censored", "failed_at_origin", "n_train"]
    cols += ["ref_conditional", "ref_joint"]
    if not out:
        return pd.DataFrame(columns=cols)
    both = pd.concat(out, ignore_index=True)
    return both[cols + [c for c in both if c.startswith("p_inspected_")]]


def _split_predictions(
    X: pd.DataFrame,
    events: pd.DataFrame,
    split: Split,
    makers: dict[str, Callable[[], Any]],
    s: EvaluationSettings,
    model_names: Sequence[str],
) -> list[pd.DataFrame]:
    """One split of :func:`backtest_targets`: fit every model on the split's training rows
    and predict its test origin (a task of its own; seeded, so order-independent)."""
    out: list[pd.DataFrame] = []
    Xtr, lab_tr, Xte, lab_te = split_rows(X, events, split, s.horizon_months, s.kinds)
    if s.by_inspection:
        both = {}  # both timing models, for the two-part summary; the list uses one
        for name in TIMING_MODELS:
            timing = fit_timing(name, events, Xtr, lab_tr, split.test_origin, s)
            both[name] = (timing(Xtr), timing(Xte))
        pi_tr, pi_te = both[s.timing]
        extra = {f"p_inspected_{n}": v[1] for n, v in both.items()}
    else:
        pi_tr, pi_te, extra = np.ones(len(Xtr)), np.ones(len(Xte)), {}
    Xfit, yfit, w = training_set(Xtr, lab_tr, pi_tr, s)
    if yfit.nunique() < 2:
        return []
    if any(fit_takes(make(), "grade") for make in makers.values()):
        yfit = with_grades(yfit, events, split.test_origin, s.horizon_months)
    refs = training_rates(lab_tr, s)
    truth = lab_te.drop(columns=["window_end", "failure_date"]).reset_index().assign(**refs)
    for name, make in makers.items():
        if name in s.baselines and name not in model_names and baseline_unavailable(name, Xfit):
            continue  # an empty or constant feature: unavailable here, never scored
        model = fit_model(make(), Xfit, yfit, w)
        p = model.predict_proba(Xte)[:, 1]
        p_cond, p_joint = to_targets(p, pi_te, s)
        out.append(
            truth.assign(
                model=name,
                p_conditional=p_cond,
                p_joint=p_joint,
                p_inspected=pi_te,
                n_train=len(yfit),
                **extra,
            )
        )
    return out


def model_makers(
    kinds: Sequence[str],
    params: dict[str, dict[str, Any]],
    seed: int,
    baselines: Sequence[str],
    columns: Sequence[str],
    specs: list | None = None,
) -> tuple[dict[str, Callable[[], Any]], list[str]]:
    """Factories of the models and of the baselines whose inputs exist (no duplicates)."""
    from earlywarn.models import make_model

    takes_specs = "specs" in inspect.signature(make_model).parameters
    extra = {"specs": specs} if takes_specs and specs is not None else {}
    makers: dict[str, Callable[[], Any]] = {
        k: (lambda k=k: make_model(k, params.get(k, {}), seed, **extra)) for k in kinds
    }
    for b in available_baselines(columns, tuple(baselines)):
        if b not in makers:
            makers[b] = lambda b=b: make_baseline(b, seed, specs)
    return makers, list(kinds)

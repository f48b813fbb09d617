"""Independent tasks run through joblib: serial, local processes, and a real dask
LocalCluster on loopback give identical results in task order."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from earlywarn.compute import check_scheduler, run_tasks
from earlywarn.errors import UserInputError


def _tasks() -> list[tuple[int, int]]:
    return [(seed, 200 + 37 * seed) for seed in range(6)]


def _fit_task():
    # defined inside a function: cloudpickle ships it by value to the workers
    def fit(seed: int, n: int) -> np.ndarray:
        from earlywarn.models import make_model

        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, 4))
        y = (X[:, 0] + rng.normal(size=n) > 0.8).astype(int)
        m = make_model("gbm", {"max_iter": 20, "monotone": None}, seed=seed).fit(X, y)
        return m.predict_proba(X[:5])[:, 1]

    return fit


def test_loky_processes_give_the_serial_results_in_order():
    fit = _fit_task()
    serial = run_tasks(fit, _tasks(), star=True)
    parallel = run_tasks(fit, _tasks(), n_jobs=2, backend="loky", star=True)
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


def test_dask_local_cluster_gives_the_serial_results_in_order():
    pytest.importorskip("dask.distributed")
    fit = _fit_task()
    serial = run_tasks(fit, _tasks(), star=True)
    on_cluster = run_tasks(fit, _tasks(), n_jobs=2, backend="dask", star=True)
    for a, b in zip(serial, on_cluster, strict=True):
        np.testing.assert_array_equal(a, b)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_fails_fast_with_one_line():
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    with pytest.raises(UserInputError) as err:  # within connect_timeout (benchmarks time it)
        run_tasks(abs, [1, -2], backend="dask", scheduler=address, connect_timeout=3)
    assert address in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(UserInputError, match="not a scheduler address"):
        check_scheduler("tcp://nohost")
    with pytest.raises(UserInputError, match="unknown"):
        run_tasks(abs, [1, 2], n_jobs=2, backend="spark")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"n_jobs": 0}, "compute.n_jobs"),
        ({"n_jobs": True}, "compute.n_jobs"),
        ({"backend": "spark"}, "compute.backend"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, "compute.scheduler"),
        ({"connect_timeout": 0}, "compute.connect_timeout"),
    ],
)
def test_compute_config_is_checked(section, message):
    from earlywarn.config import parse_config

    with pytest.raises(UserInputError, match=message):
        parse_config({"cycle": "x", "as_of": "2020-03-31", "compute": section})


@pytest.fixture(scope="module")
def backtest_inputs(small_data):
    import pandas as pd

    from earlywarn.backtest import EvaluationSettings, rolling_origin_splits
    from earlywarn.features import build_features
    from earlywarn.models import make_model
    from earlywarn.panel import build_panel

    origins = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2021)]
    panel = build_panel(small_data.tables, origins)
    X = build_features(small_data.tables, panel).X
    closed = [o for o in origins if o + pd.DateOffset(months=24) <= origins[-1]]
    splits = rolling_origin_splits(origins, closed, 24, 2)[-3:]
    makers = {
        "logit": lambda: make_model("logit"),
        "gbm": lambda: make_model("gbm", {"max_iter": 30, "monotone": None}, seed=3),
    }
    s = EvaluationSettings(horizon_months=24, censoring="drop", target="conditional", k=5)
    return X, small_data.tables.events, splits, makers, s


@pytest.mark.parametrize("backend", ["loky", "dask"])
def test_the_cycle_backtest_on_two_workers_equals_serial(backtest_inputs, backend):
    """The backtest the cycle runs (evaluation.backtest_targets), on two local processes
    and on a two-worker dask LocalCluster on loopback: identical to serial."""
    import pandas as pd

    from earlywarn.backtest import backtest_targets
    from earlywarn.compute import compute_backend

    X, events, splits, makers, s = backtest_inputs
    serial = backtest_targets(X, events, splits, makers, s)
    with compute_backend(backend, n_jobs=2):
        parallel = backtest_targets(X, events, splits, makers, s)
    assert len(serial) and serial["origin"].nunique() == len(splits)
    pd.testing.assert_frame_equal(serial, parallel)

"""Where the independent tasks of a cycle run: in this process, in local processes, or on
a dask cluster — through joblib, so the calling code is the same for all three.

A cycle's backtest splits x models, bootstrap refits and settings sweeps are independent
tasks. :func:`run_tasks` maps a function over them and returns the results *in task
order*; each task carries its own seed, so results are identical to a serial run whatever
the backend, the number of workers or the order tasks finish in.

Backends (``[compute]`` in the cycle config, :class:`earlywarn.config.ComputeConfig`):

- ``n_jobs = 1`` (default): a plain loop in this process;
- ``backend = "loky"``: ``n_jobs`` local worker processes (joblib's default backend);
- ``backend = "dask"``: a ``dask.distributed`` cluster — the scheduler at ``scheduler``
  (e.g. ``"tcp://10.0.0.5:8786"``), or, when it is empty, a ``LocalCluster`` of ``n_jobs``
  single-threaded worker processes on loopback, started and stopped around the work.

An unreachable scheduler fails within ``connect_timeout`` seconds with one line naming the
address (:func:`check_scheduler`), before any work starts.

Example
-------
>>> run_tasks(pow, [(2, 3), (3, 2)], star=True)
[8, 9]
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from earlywarn.errors import UserInputError

__all__ = ["BACKENDS", "check_scheduler", "compute_backend", "run_tasks", "single_threaded"]

BACKENDS = ("loky", "dask")


def single_threaded(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with one BLAS/OpenMP thread: how each fit of a cycle's
    independent tasks runs (pass it to ``delayed``). Many small fits gain nothing from
    threads, and on a busy machine their spinning costs several times the fit itself
    (``benchmarks/bench_compute.py``: 4-5x faster serial, identical results)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return fn(*args, **kwargs)


def check_scheduler(address: str, timeout: float = 10.0) -> None:
    """Fail fast (one line, :class:`UserInputError`) if no dask scheduler answers at
    ``address`` within ``timeout`` seconds."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if not parts.hostname or not parts.port:
        raise UserInputError(
            f"compute.scheduler {address!r} is not a scheduler address "
            "(expected e.g. 'tcp://host:8786')"
        )
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            pass
    except OSError as exc:
        raise UserInputError(
            f"compute.scheduler: no dask scheduler answers at {address} "
            f"within {timeout:g} s ({exc.strerror or exc})"
        ) from None


@contextlib.contextmanager
def compute_backend(
    backend: str = "loky", n_jobs: int = 1, scheduler: str = "", connect_timeout: float = 10.0
) -> Iterator[int]:
    """Context in which ``joblib.Parallel`` runs on the chosen backend; yields the
    ``n_jobs`` to pass to ``Parallel``."""
    import joblib

    if backend not in BACKENDS:
        raise UserInputError(f"compute.backend {backend!r} is unknown (expected loky or dask)")
    if backend == "loky":
        with joblib.parallel_config(backend="loky", n_jobs=n_jobs):
            yield n_jobs
        return
    from dask.distributed import Client, LocalCluster

    if scheduler:
        check_scheduler(scheduler, connect_timeout)
        with Client(scheduler, timeout=connect_timeout) as client:
            with joblib.parallel_config(backend="dask", client=client, n_jobs=-1):
                yield -1
        return
    with (
        LocalCluster(
            n_workers=max(n_jobs, 1),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,  # logging.ERROR: no worker chatter on the user's terminal
        ) as cluster,
        Client(cluster) as client,
        joblib.parallel_config(backend="dask", client=client, n_jobs=-1),
    ):
        yield -1


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[Any],
    n_jobs: int = 1,
    backend: str = "loky",
    scheduler: str = "",
    connect_timeout: float = 10.0,
    star: bool = False,
) -> list[Any]:
    """``[fn(task) for task in tasks]`` (``fn(*task)`` with ``star``), on the chosen backend.

    ``fn`` must be a module-level function (it is pickled to the workers) and each task
    must carry everything random it needs (its seed): results are then identical to the
    serial loop and come back in task order.
    """
    call = (lambda t: fn(*t)) if star else fn
    if n_jobs == 1 and backend == "loky" or len(tasks) <= 1 and backend == "loky":
        return [call(t) for t in tasks]
    from joblib import Parallel, delayed

    with compute_backend(backend, n_jobs, scheduler, connect_timeout) as jobs:
        if star:
            return list(Parallel(n_jobs=jobs)(delayed(fn)(*t) for t in tasks))
        return list(Parallel(n_jobs=jobs)(delayed(fn)(t) for t in tasks))

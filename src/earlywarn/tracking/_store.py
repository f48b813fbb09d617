"""The tracking store shared by cycles: retries, the set-up lock, and reading it back.

Part of :mod:`earlywarn.tracking` (split off to keep modules small; every name here is
importable from there too): waiting on a busy store (:func:`retry_busy`), the lock around
a new SQLite store (:func:`store_lock`), loading registered models (:func:`load_model`,
:func:`model_uri_from`, :func:`resolve_model_version`) and the publications table
(:func:`published_lists`, :func:`last_publications`). Like :mod:`earlywarn.tracking`, it
imports mlflow only inside functions.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "STORE_ERRORS",
    "is_store_error",
    "RECALIBRATION_ARTEFACT",
    "load_recalibration",
    "ALIAS_CHAMPION",
    "ALIAS_PREVIOUS",
    "BUSY_BACKOFF",
    "PUBLICATION_COLUMNS",
    "PUBLISHED_TAG",
    "last_publications",
    "load_model",
    "model_uri_from",
    "published_lists",
    "resolve_model_version",
    "retry_busy",
    "move_champion",
    "store_lock",
    "utc_now",
]

ALIAS_CHAMPION = "champion"
ALIAS_PREVIOUS = "previous"
PUBLISHED_TAG = "earlywarn.published"


#: Waits (seconds) between attempts when another cycle holds the SQLite database.
BUSY_BACKOFF = (0.1, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


#: the exception classes (by exact name) that mean the store could not answer
STORE_ERRORS = frozenset({"MlflowException", "RestException", "OSError"})


def is_store_error(err: BaseException) -> bool:
    """The one test for "the tracking store could not answer" (an MLflow or REST error, or
    the file system under it), as opposed to a bug: callers fall back on the former and let
    the latter raise. By class name, so that callers need not import MLflow."""
    return type(err).__name__ in STORE_ERRORS


def _is_busy(err: BaseException) -> bool:
    """A transient clash with another cycle on the same store: worth retrying.

    Besides a locked SQLite file: two cycles logging the same input dataset at once make
    the store insert it twice (``UNIQUE constraint failed: datasets...``, seen through an
    ``mlflow server``); on retry the row exists and is linked.
    """
    text = f"{type(err).__name__}: {err}".lower()
    return (
        "database is locked" in text
        or "database table is locked" in text
        or ("sqlite" in text and "busy" in text)
        or "unique constraint failed: datasets." in text
        or ("duplicate" in text and "datasets" in text)
    )


def retry_busy(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; while a shared SQLite store is busy (another cycle writing), wait with
    backoff and retry (about 30 s in all) before giving up."""
    for wait in BUSY_BACKOFF:
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            if not _is_busy(err):
                raise
            time.sleep(wait)
    return fn(*args, **kwargs)


@contextlib.contextmanager
def store_lock(uri: str) -> Iterator[None]:
    """An exclusive lock beside a SQLite store (``<db>.lock``) while it may be initialised:
    two cycles starting at once on a new store would both try to create its tables."""
    if not uri.startswith("sqlite:///") or os.name != "posix":
        yield
        return
    import fcntl

    db = Path(uri.removeprefix("sqlite:///"))
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{db}.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def move_champion(client: Any, name: str, version: str) -> str | None:
    """Point ``champion`` at ``version`` and ``previous`` at the champion it replaces, read
    now (the caller holds :func:`store_lock`); returns that replaced version, if any.
    ``previous`` moves first: a kill between the two writes leaves ``previous`` equal to
    ``champion``, which :func:`move_champion` run again completes."""
    import mlflow

    try:
        current = str(retry_busy(client.get_model_version_by_alias, name, ALIAS_CHAMPION).version)
    except mlflow.exceptions.MlflowException:
        current = None  # no champion yet
    if current == str(version):
        return None
    if current is not None:
        retry_busy(client.set_registered_model_alias, name, ALIAS_PREVIOUS, current)
        from earlywarn.io import fault_point

        fault_point("previous-moved")  # fault tests: previous moved, champion not yet
    retry_busy(client.set_registered_model_alias, name, ALIAS_CHAMPION, str(version))
    return current


def utc_now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="microseconds")


@contextlib.contextmanager
def _allow_deserialization() -> Iterator[None]:
    """mlflow 3 refuses to load any serialised model unless this variable is set: we load
    only from the project's own tracking store, and skops still checks trusted types."""
    old = os.environ.get("MLFLOW_ALLOW_PICKLE_DESERIALIZATION")
    os.environ["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] = "true"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", None)
        else:
            os.environ["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] = old


def load_model(uri: str, model_uri: str) -> Any:
    """Load a logged or registered Pipeline (``runs:/...``, ``models:/NAME@champion``)."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    mlflow.set_tracking_uri(uri)
    with _allow_deserialization():
        return mlflow.sklearn.load_model(model_uri)


_NAME = r"[A-Za-z0-9][\w.\- ]*"


def model_uri_from(text: str) -> str:
    """A ``--model`` argument as a ``models:/`` URI.

    ``NAME`` means its champion (``models:/NAME@champion``); ``NAME@alias`` and
    ``NAME/version`` name an alias or a version; ``models:/NAME@alias`` and
    ``models:/NAME/version`` pass unchanged. Anything else is a user's mistake.

    Example
    -------
    >>> model_uri_from("earlywarn-real-2023")
    'models:/earlywarn-real-2023@champion'
    >>> model_uri_from("risk/3")
    'models:/risk/3'
    """
    import re

    from earlywarn.errors import UserInputError

    ref = text.strip().removeprefix("models:/")
    if re.fullmatch(_NAME, ref):
        ref = f"{ref}@{ALIAS_CHAMPION}"
    if not re.fullmatch(rf"{_NAME}(@[A-Za-z0-9_\-]+|/[1-9][0-9]*)", ref):
        raise UserInputError(
            f"--model {text!r} is not a registered model (expected NAME, NAME@alias, "
            "NAME/version or models:/NAME@alias, e.g. earlywarn-real-2023@champion)"
        )
    return f"models:/{ref}"


def resolve_model_version(uri: str, model_uri: str) -> dict[str, str]:
    """``models:/NAME@alias`` or ``models:/NAME/VERSION`` -> name, version, run id."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=uri)
    ref = model_uri.removeprefix("models:/")
    if "@" in ref:
        name, alias = ref.split("@", 1)
        mv = client.get_model_version_by_alias(name, alias)
    else:
        name, version = ref.rsplit("/", 1)
        mv = client.get_model_version(name, version)
    return {"name": name, "version": str(mv.version), "run_id": mv.run_id or ""}


PUBLICATION_COLUMNS = [
    "published_at",
    "kind",
    "cycle",
    "score_origin",
    "registered_model",
    "model_version",
    "model_run_id",
    "list_sha256",
    "out_dir",
    "run_id",
]


def published_lists(uri: str, experiment: str) -> Any:
    """Every published list in the experiment: when, which model version, which run.

    One row per run tagged ``earlywarn.published`` (cycles and ``earlywarn score``),
    oldest first, columns :data:`PUBLICATION_COLUMNS`.
    """
    import mlflow
    import pandas as pd

    client = mlflow.MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    if exp is None:
        return pd.DataFrame(columns=PUBLICATION_COLUMNS)
    runs = client.search_runs(
        [exp.experiment_id], filter_string=f"tags.`{PUBLISHED_TAG}` = 'true'", max_results=5000
    )
    rows = [
        {
            **{c: r.data.tags.get(f"earlywarn.pub.{c}", "") for c in PUBLICATION_COLUMNS},
            "run_id": r.info.run_id,
        }
        for r in runs
    ]
    table = pd.DataFrame(rows, columns=PUBLICATION_COLUMNS)
    return table.sort_values("published_at", kind="stable").reset_index(drop=True)


def _published_list_text(run_id: str, out_dir: str) -> str:
    """The list's CSV from the run's artefacts, else (``tracking.log_outputs = false``:
    named lists are not in the store) from the output folder recorded at publication."""
    import mlflow

    try:
        return mlflow.artifacts.load_text(f"runs:/{run_id}/risk_list.csv")
    except Exception as err:  # not logged: read the published folder
        path = Path(out_dir) / "risk_list.csv"
        if out_dir and path.is_file():
            return path.read_text(encoding="utf-8")
        from earlywarn.errors import UserInputError

        raise UserInputError(
            f"{path}: the published list of run {run_id} is neither in the tracking store "
            "(tracking.log_outputs = false) nor in its output folder"
        ) from err


def _published_reasons(run_id: str, out_dir: str) -> dict | None:
    """The list's ``reasons.json`` (as :func:`_published_list_text` finds the list), or
    ``None`` where neither the store nor the folder has it."""
    import json

    import mlflow

    try:
        return dict(mlflow.artifacts.load_dict(f"runs:/{run_id}/reasons.json"))
    except Exception:  # not logged: the published folder, if it is still there
        path = Path(out_dir) / "reasons.json"
        if out_dir and path.is_file():
            try:
                return dict(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, TypeError):  # damaged: the list's sentences instead
                return None
        return None


def last_publications(
    uri: str, experiment: str, n: int = 2, kind: str = "cycle", with_reasons: bool = False
) -> list[dict]:
    """The latest ``n`` publications of ``kind`` (newest first), with their artefacts.

    Each: the publication record plus ``risk_list`` (CSV text of the published list,
    CONFIDENTIAL), with ``with_reasons`` ``reasons`` (its reasons.json as a dict, or
    ``None``), ``evaluation`` (dict, cycles only) and ``pseudonymised`` (the cycle's
    ``report.pseudonymise`` from its config.json; False without one), read from the
    tracking store.
    """
    import mlflow

    table = published_lists(uri, experiment)
    table = table[table["kind"] == kind].tail(n).iloc[::-1]
    mlflow.set_tracking_uri(uri)
    out = []
    for rec in table.to_dict(orient="records"):
        list_run = rec["model_run_id"] if kind == "cycle" else rec["run_id"]
        item = dict(rec)
        item["risk_list"] = _published_list_text(list_run, rec.get("out_dir", ""))
        if with_reasons:
            item["reasons"] = _published_reasons(list_run, rec.get("out_dir", ""))
        item["evaluation"] = (
            mlflow.artifacts.load_dict(f"runs:/{rec['run_id']}/evaluation.json")
            if kind == "cycle"
            else {}
        )
        item["pseudonymised"] = kind == "cycle" and _pseudonymised(rec["run_id"])
        out.append(item)
    return out


def _pseudonymised(run_id: str) -> bool:
    """Whether a cycle's run published a pseudonymised list (its logged config.json)."""
    import mlflow

    try:
        cfg = mlflow.artifacts.load_dict(f"runs:/{run_id}/config.json")
    except Exception as err:  # an old run without config.json: not pseudonymised
        if not is_store_error(err):
            raise
        return False
    return bool((cfg.get("report") or {}).get("pseudonymise"))


# the published probability's recalibration, logged with the published model's run
RECALIBRATION_ARTEFACT = "recalibration.json"


def load_recalibration(uri: str, run_id: str) -> dict[str, Any] | None:
    """The recalibration its cycle logged with a published model's run
    (:data:`RECALIBRATION_ARTEFACT`), or ``None`` (none logged, or no such run)."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=uri)
    try:
        names = [a.path for a in client.list_artifacts(run_id)]
        if RECALIBRATION_ARTEFACT not in names:
            return None
        mlflow.set_tracking_uri(uri)
        return dict(mlflow.artifacts.load_dict(f"runs:/{run_id}/{RECALIBRATION_ARTEFACT}"))
    except Exception as err:  # a model registered from elsewhere: nothing to apply
        if not is_store_error(err):
            raise
        return None

"""MLflow tracking: the only module that imports mlflow.

Default store: a SQLite database ``runs/mlflow.db`` under the working directory
(artifacts in ``runs/mlartifacts``) that persists across cycles so they can be compared.
``MLFLOW_TRACKING_URI`` or the config's ``[tracking] uri`` switch to another store or a
tracking server. Browse with::

    mlflow ui --backend-store-uri sqlite:///runs/mlflow.db
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from earlywarn._names import HEADLINE_METRICS as HEADLINE
from earlywarn._names import LOWER_IS_BETTER

__all__ = [
    "ALIAS_CHAMPION",
    "ALIAS_PREVIOUS",
    "TRACKED_PACKAGES",
    "Tracker",
    "default_log_outputs",
    "git_state",
    "headline_metrics",
    "last_publications",
    "load_model",
    "model_uri_from",
    "package_versions",
    "published_lists",
    "resolve_tracking_uri",
]

ALIAS_CHAMPION = "champion"
ALIAS_PREVIOUS = "previous"
# skops: types outside skops' default allow-list that a fitted earlywarn Pipeline holds
SKLEARN_TRUSTED = (
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
PUBLISHED_TAG = "earlywarn.published"
_TIMED = {
    "log_params",
    "log_metrics",
    "set_tags",
    "log_dict",
    "log_text",
    "log_figure",
    "log_model",
    "log_file",
    "log_bytes",
    "register_champion",
    "register_version",
    "record_publication",
    "log_input_tables",
}

TRACKED_PACKAGES = (
    "earlywarn",
    "numpy",
    "pandas",
    "scikit-learn",
    "statsmodels",
    "shap",
    "mlflow",
    "skops",
)


def resolve_tracking_uri(config_uri: str, experiments_dir: Path) -> str:
    """Config URI, else ``$MLFLOW_TRACKING_URI``, else ``mlflow.db`` in ``experiments_dir``
    (the commands pass ``runs/`` under the working directory)."""
    if config_uri:
        return config_uri
    env = os.environ.get("MLFLOW_TRACKING_URI", "")
    if env:
        return env
    return f"sqlite:///{(experiments_dir / 'mlflow.db').resolve()}"


def default_log_outputs(uri: str) -> bool:
    """Whether named-council artefacts (risk list, reasons, report) are copied into the
    tracking store by default: not on a remote server (``http(s)://``), where more people
    can read them than can read the output folder; yes for a local store."""
    return not uri.lower().startswith(("http://", "https://", "databricks"))


def headline_metrics(evaluation: dict, chosen: str, select_by: str = "auroc") -> tuple[dict, str]:
    """The parent run's headline: pooled metrics of the published model and of the best
    baseline (by ``select_by``; lowest for ``brier``), as ``published_*`` and
    ``best_baseline_*``. Returns ``(metrics, best baseline name or "")``."""

    def pooled(entry: dict | None) -> dict[str, float]:
        p = (entry or {}).get("pooled", {})
        return {
            m: float(p[m]["value"])
            for m in HEADLINE
            if isinstance(p.get(m), dict) and isinstance(p[m].get("value"), int | float)
        }

    out = {f"published_{k}": v for k, v in pooled(evaluation["models"].get(chosen)).items()}
    base = {n: pooled(e) for n, e in evaluation.get("baselines", {}).items()}
    base = {n: m for n, m in base.items() if select_by in m}
    if not base:
        return out, ""
    lower = select_by in LOWER_IS_BETTER
    best = (min if lower else max)(base, key=lambda n: base[n][select_by])
    out |= {f"best_baseline_{k}": v for k, v in base[best].items()}
    return out, best


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a result depends on."""
    out = {}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_state(path: Path) -> dict[str, str]:
    """The git commit of the code and whether the work tree had uncommitted changes."""

    def run(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=path, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        commit = run("rev-parse", "HEAD")
        dirty = bool(run("status", "--porcelain", "--untracked-files=no"))
        return {"git_commit": commit, "git_dirty": str(dirty).lower()}
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": "unknown", "git_dirty": "unknown"}


class Tracker:
    """One cycle = a parent MLflow run with nested runs per model.

    Parameters
    ----------
    uri : str
        Tracking URI.
    experiment : str
        Experiment name (created on first use, with artifacts beside a SQLite store).
    """

    def __init__(self, uri: str, experiment: str) -> None:
        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
        import mlflow

        self.mlflow = mlflow
        self.uri = uri
        self.experiment_name = experiment
        mlflow.set_tracking_uri(uri)
        with store_lock(uri):  # a new SQLite store's tables are created by one cycle only
            exp = _retry_busy(mlflow.get_experiment_by_name, experiment)
            if exp is None:
                artifact_location = None
                if uri.startswith("sqlite:///"):
                    db = Path(uri.removeprefix("sqlite:///"))
                    artifact_location = (db.parent / "mlartifacts").resolve().as_uri()
                try:
                    self.experiment_id = _retry_busy(
                        mlflow.create_experiment, experiment, artifact_location=artifact_location
                    )
                except mlflow.exceptions.MlflowException:  # created meanwhile by another cycle
                    self.experiment_id = mlflow.get_experiment_by_name(experiment).experiment_id
            else:
                self.experiment_id = exp.experiment_id
        self.run_ids: dict[str, str] = {}
        self.logging_seconds = 0.0  # time spent in MLflow calls (see the benchmark)
        self._timing = False

    def __getattribute__(self, name: str) -> Any:
        attr = object.__getattribute__(self, name)
        if name in _TIMED and callable(attr):

            def timed(*args: Any, **kwargs: Any) -> Any:
                outer = not self._timing
                self._timing = True
                t0 = time.perf_counter()
                try:
                    return _retry_busy(attr, *args, **kwargs) if outer else attr(*args, **kwargs)
                finally:
                    if outer:
                        self._timing = False
                        self.logging_seconds += time.perf_counter() - t0

            return timed
        return attr

    @contextlib.contextmanager
    def run(
        self, name: str, nested: bool = False, tags: dict[str, str] | None = None
    ) -> Iterator[str]:
        """Start a (nested) run; yields its id. Starting and ending count as logging time."""
        t0 = time.perf_counter()
        r = _retry_busy(
            self.mlflow.start_run,
            experiment_id=self.experiment_id,
            run_name=name,
            nested=nested,
            tags=tags or {},
        )
        self.run_ids[name] = r.info.run_id
        self.logging_seconds += time.perf_counter() - t0
        status = "FAILED"
        try:
            yield r.info.run_id
            status = "FINISHED"
        finally:
            t0 = time.perf_counter()
            _retry_busy(self.mlflow.end_run, status=status)  # never leave a run RUNNING
            self.logging_seconds += time.perf_counter() - t0

    def log_params(self, params: dict[str, Any]) -> None:
        flat = {k: (json.dumps(v) if isinstance(v, dict | list) else v) for k, v in params.items()}
        self.mlflow.log_params({k: str(v)[:6000] for k, v in flat.items()})

    def log_metrics(self, metrics: dict[str, float | None], prefix: str = "") -> None:
        clean = {
            f"{prefix}{k}": float(v)
            for k, v in metrics.items()
            if isinstance(v, int | float) and v == v
        }
        if clean:
            self.mlflow.log_metrics(clean)

    def set_tags(self, tags: dict[str, str]) -> None:
        self.mlflow.set_tags(tags)

    def log_dict(self, obj: Any, name: str) -> None:
        self.mlflow.log_dict(obj, name)

    def log_text(self, text: str, name: str) -> None:
        self.mlflow.log_text(text, name)

    def log_figure(self, fig: Any, name: str) -> None:
        self.mlflow.log_figure(fig, name)

    def log_model(self, model: Any, X_example: Any, verify: bool = True) -> str:
        """Log a fitted sklearn Pipeline with its signature and an input example.

        Serialised with skops (no pickle), trusting only this package's estimator classes
        and the sklearn/numpy types listed in :data:`SKLEARN_TRUSTED`; a model holding
        anything else falls back to cloudpickle (tag ``earlywarn.serialization``). With
        ``verify``, the model is loaded back with ``mlflow.sklearn.load_model`` and must
        give identical probabilities on ``X_example``.
        """
        import skops.io
        from mlflow.models import infer_signature

        from earlywarn.models import trusted_types

        example = X_example.reset_index(drop=True)
        signature = infer_signature(example, model.predict_proba(X_example)[:, 1])
        trusted = [*trusted_types(), *SKLEARN_TRUSTED]
        untrusted = set(skops.io.get_untrusted_types(data=skops.io.dumps(model)))
        fmt = "skops" if untrusted <= set(trusted) else "cloudpickle"
        kwargs = {"skops_trusted_types": sorted(untrusted)} if fmt == "skops" else {}
        info = self.mlflow.sklearn.log_model(
            model,
            name="model",
            signature=signature,
            input_example=example.head(3),
            serialization_format=fmt,
            # pinned from the running environment: mlflow's inference of requirements
            # re-imports the model in a subprocess and takes seconds
            pip_requirements=[
                f"{n}=={v}" for n, v in package_versions().items() if v != "not installed"
            ],
            **kwargs,
        )
        self.set_tags({"earlywarn.serialization": fmt})
        if verify:
            back = load_model(self.uri, info.model_uri)
            if not np.array_equal(back.predict_proba(X_example), model.predict_proba(X_example)):
                raise RuntimeError(f"{info.model_uri}: reloaded model predicts differently")
        return info.model_uri

    def log_table(self, df: Any, name: str) -> None:
        """Log a DataFrame as a CSV artefact."""
        self.log_text(df.to_csv(index=False, lineterminator="\n"), name)

    def log_input_tables(
        self, sources: dict[str, str], hashes: dict[str, str], vintage: str
    ) -> None:
        """Log each input table as an MLflow dataset of the active run (lineage).

        ``hashes``: ``{<table>_sha256: hex}`` (as a cycle records them); ``sources``:
        ``{table: where it came from}``. Each dataset carries its hash as digest (first 32
        hex digits; the whole in the ``sha256`` tag), the source and the data vintage.
        No data are copied into the store.
        """
        from mlflow.data.code_dataset_source import CodeDatasetSource
        from mlflow.data.meta_dataset import MetaDataset

        for key, digest in hashes.items():
            if not key.endswith("_sha256"):
                continue
            name = key.removesuffix("_sha256")
            src = sources.get(name, name)
            ds = MetaDataset(
                CodeDatasetSource({"earlywarn.source": src}), name=name, digest=digest[:32]
            )
            self.mlflow.log_input(
                ds,
                context="input",
                tags={"sha256": digest, "vintage": vintage, "source": src},
            )

    def log_baselines_and_headline(
        self, evaluation: dict, model_kinds: Any, chosen: str, select_by: str, target: str
    ) -> str:
        """Beside the model runs, one nested run per baseline (its pooled metrics); on the
        active (parent) run the headline metrics of the published model and of the best
        baseline (:func:`headline_metrics`). Returns the best baseline's name."""
        for name, ev in evaluation.get("baselines", {}).items():
            if name in model_kinds:
                continue  # also a model (e.g. persistence): already has its run
            tags = {"earlywarn.baseline": name, "earlywarn.role": "baseline"}
            with self.run(f"baseline-{name}", nested=True, tags=tags):
                self.log_params({"baseline": name, "target": target})
                pooled = ev.get("pooled", {})
                self.log_metrics(
                    {k: v.get("value") for k, v in pooled.items() if isinstance(v, dict)},
                    prefix="pooled_",
                )
        metrics, best = headline_metrics(evaluation, chosen, select_by)
        self.log_metrics(metrics)
        self.set_tags({"earlywarn.published_model": chosen, "earlywarn.best_baseline": best})
        return best

    def register_champion(
        self, model_uri: str, name: str, tags: dict[str, str], description: str | None = None
    ) -> dict:
        """Register ``model_uri`` under ``name`` as ``champion``; the old one becomes ``previous``.

        ``description`` (e.g. the model card's text) becomes the registered version's
        description, shown in the MLflow registry.

        Returns ``{"name", "version", "previous_version", "model_uri"}`` where
        ``model_uri`` is the alias-free ``models:/name/version``. A cycle calls the two
        halves separately (:meth:`register_version`, then :meth:`promote_champion` once its
        published folder is complete), so the alias never points at a list that was not
        published.
        """
        reg = self.register_version(model_uri, name, tags, description)
        self.promote_champion(reg)
        return reg

    def register_version(
        self, model_uri: str, name: str, tags: dict[str, str], description: str = ""
    ) -> dict:
        """Register a new version of ``name`` (with ``description``) without moving any
        alias (see :meth:`register_champion` for the returned dict)."""
        client = self.mlflow.MlflowClient(tracking_uri=self.uri)
        previous = None
        try:
            previous = client.get_model_version_by_alias(name, ALIAS_CHAMPION).version
        except self.mlflow.exceptions.MlflowException:
            previous = None  # first registration (or no champion yet)
        import io
        import logging

        # mlflow prints "Successfully registered model ..." itself: only when its INFO shows
        chatty = logging.getLogger("mlflow").isEnabledFor(logging.INFO)
        with contextlib.nullcontext() if chatty else contextlib.redirect_stderr(io.StringIO()):
            mv = self.mlflow.register_model(model_uri, name, tags=tags)
        if description:
            _retry_busy(client.update_model_version, name, mv.version, description=description)
        return {
            "name": name,
            "version": str(mv.version),
            "previous_version": None if previous is None else str(previous),
            "model_uri": f"models:/{name}/{mv.version}",
        }

    def promote_champion(self, reg: dict) -> None:
        """Point ``champion`` at ``reg``'s version, ``previous`` at the champion it replaces."""
        client = self.mlflow.MlflowClient(tracking_uri=self.uri)
        name, version, previous = reg["name"], reg["version"], reg.get("previous_version")
        if previous is not None and str(previous) != str(version):
            _retry_busy(client.set_registered_model_alias, name, ALIAS_PREVIOUS, previous)
        _retry_busy(client.set_registered_model_alias, name, ALIAS_CHAMPION, version)

    def log_research_tables(self, model: Any) -> dict[str, str]:
        """Log model-specific research output; return it as ``{file name: text}``.

        For the ``hazard`` model: its coefficient table (log-odds, cluster-robust SEs,
        intervals, odds ratios) as ``coefficients.csv``.
        """
        from earlywarn.models import coefficient_table

        table = coefficient_table(model)
        if table is None:
            return {}
        text = table.to_csv(index=False, lineterminator="\n", float_format="%.6g")
        self.log_text(text, "coefficients.csv")
        return {"coefficients.csv": text}

    def record_publication(self, record: dict[str, Any]) -> Any:
        """Mark the active run as having published a list, and log the publications table.

        ``record``: ``kind`` (cycle or score), ``cycle``, ``score_origin``,
        ``registered_model``, ``model_version``, ``model_run_id``, ``list_sha256``,
        ``out_dir``. The table of every publication in the experiment (this one
        included) is :func:`published_lists`; a snapshot is logged as
        ``published_lists.csv``. It holds no council names.
        """
        import pandas as pd

        rec = {"published_at": _now(), **{k: str(v) for k, v in record.items()}}
        self.set_tags({PUBLISHED_TAG: "true", **{f"earlywarn.pub.{k}": v for k, v in rec.items()}})
        run_id = self.mlflow.active_run().info.run_id
        table = published_lists(self.uri, self.experiment_name)
        if run_id not in set(table["run_id"]):
            table = pd.concat([table, pd.DataFrame([{**rec, "run_id": run_id}])])
        self.log_table(table, "published_lists.csv")
        return table

    def log_file(self, path: Path, artifact_path: str | None = None) -> None:
        self.mlflow.log_artifact(str(path), artifact_path=artifact_path)

    def log_bytes(self, content: bytes, name: str) -> None:
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / name
            p.write_bytes(content)
            self.mlflow.log_artifact(str(p))


#: Waits (seconds) between attempts when another cycle holds the SQLite database.
BUSY_BACKOFF = (0.1, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


def _is_busy(err: BaseException) -> bool:
    text = f"{type(err).__name__}: {err}".lower()
    return (
        "database is locked" in text
        or "database table is locked" in text
        or ("sqlite" in text and "busy" in text)
    )


def _retry_busy(fn: Any, *args: Any, **kwargs: Any) -> Any:
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


def _now() -> str:
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


def last_publications(uri: str, experiment: str, n: int = 2, kind: str = "cycle") -> list[dict]:
    """The latest ``n`` publications of ``kind`` (newest first), with their artefacts.

    Each: the publication record plus ``risk_list`` (CSV text of the published list,
    CONFIDENTIAL) and ``evaluation`` (dict, cycles only), read from the tracking store.
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
        item["evaluation"] = (
            mlflow.artifacts.load_dict(f"runs:/{rec['run_id']}/evaluation.json")
            if kind == "cycle"
            else {}
        )
        out.append(item)
    return out

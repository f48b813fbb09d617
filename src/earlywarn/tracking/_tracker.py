"""MLflow tracking: the only module (with :mod:`earlywarn.tracking`) that imports mlflow.

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
from earlywarn._names import LOWER_IS_BETTER, SELECT_BY
from earlywarn.tracking._store import (  # re-exported: importable from here as before
    ALIAS_CHAMPION,
    ALIAS_PREVIOUS,
    BUSY_BACKOFF,
    PUBLICATION_COLUMNS,
    PUBLISHED_TAG,
    last_publications,
    load_model,
    model_uri_from,
    move_champion,
    published_lists,
    resolve_model_version,
    retry_busy,
    store_lock,
    utc_now,
)

__all__ = [
    "ALIAS_CHAMPION",
    "ALIAS_PREVIOUS",
    "BUSY_BACKOFF",
    "PUBLICATION_COLUMNS",
    "PUBLISHED_TAG",
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
    "resolve_model_version",
    "resolve_tracking_uri",
    "store_lock",
]

# skops: types outside skops' default allow-list that a fitted earlywarn Pipeline holds
SKLEARN_TRUSTED = (
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
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
        from earlywarn.config import check_uri_scheme

        check_uri_scheme(env, "$MLFLOW_TRACKING_URI")  # set in the shell: say so
        return env
    return f"sqlite:///{(experiments_dir / 'mlflow.db').resolve()}"


def default_log_outputs(uri: str) -> bool:
    """Whether named-council artefacts (risk list, reasons, report) are copied into the
    tracking store by default: not on a remote server (``http(s)://``), where more people
    can read them than can read the output folder; yes for a local store."""
    return not uri.lower().startswith(("http://", "https://", "databricks"))


def headline_metrics(evaluation: dict, chosen: str, select_by: str = "auroc") -> tuple[dict, str]:
    """The parent run's headline: pooled metrics of the published model and of the best
    baseline (by ``select_by`` as ``_names.SELECT_BY`` reads it; lowest for ``brier``), as
    ``published_*`` and ``best_baseline_*``. Returns ``(metrics, best baseline name or "")``."""

    def pooled(entry: dict | None) -> dict[str, float]:
        p = (entry or {}).get("pooled", {})
        return {
            m: float(p[m]["value"])
            for m in HEADLINE
            if isinstance(p.get(m), dict) and isinstance(p[m].get("value"), int | float)
        }

    def choice(entry: dict) -> float | None:
        v = entry.get("pooled", {}).get(SELECT_BY[select_by], {})
        return v.get("value") if isinstance(v, dict) else None

    out = {f"published_{k}": v for k, v in pooled(evaluation["models"].get(chosen)).items()}
    base = {n: e for n, e in evaluation.get("baselines", {}).items() if choice(e) is not None}
    if not base:
        return out, ""
    lower = SELECT_BY[select_by] in LOWER_IS_BETTER
    best = (min if lower else max)(base, key=lambda n: choice(base[n]))
    out |= {f"best_baseline_{k}": v for k, v in pooled(base[best]).items()}
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
            exp = retry_busy(mlflow.get_experiment_by_name, experiment)
            if exp is None:
                artifact_location = None
                if uri.startswith("sqlite:///"):
                    db = Path(uri.removeprefix("sqlite:///"))
                    artifact_location = (db.parent / "mlartifacts").resolve().as_uri()
                try:
                    self.experiment_id = retry_busy(
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
                    return retry_busy(attr, *args, **kwargs) if outer else attr(*args, **kwargs)
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
        """Start a (nested) run; yields its id. Starting and ending count as logging time.

        A top-level run first marks runs left RUNNING by a dead process FAILED and is
        tagged with its owner (:mod:`earlywarn.tracking`).
        """
        t0 = time.perf_counter()
        if not nested:
            from earlywarn.tracking._unfinished import OWNER_TAG, fail_unfinished, owner

            client = self.mlflow.MlflowClient(tracking_uri=self.uri)
            retry_busy(fail_unfinished, client, self.experiment_id)
            tags = {**(tags or {}), OWNER_TAG: owner()}
        r = retry_busy(
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
            retry_busy(self.mlflow.end_run, status=status)  # never leave a run RUNNING
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
        from earlywarn.io import spreadsheet_csv

        self.log_text(spreadsheet_csv(df), name)

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
        from earlywarn.evaluation import headline_lines, headline_metric_values

        metrics, best = headline_metrics(evaluation, chosen, select_by)
        self.log_metrics(metrics | headline_metric_values(evaluation))  # + the one headline
        tags = {"earlywarn.published_model": chosen, "earlywarn.best_baseline": best}
        self.set_tags(tags | {"earlywarn.headline": "\n".join(headline_lines(evaluation))})
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
        with store_lock(self.uri):
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
            retry_busy(client.update_model_version, name, mv.version, description=description)
        return {
            "name": name,
            "version": str(mv.version),
            "previous_version": None if previous is None else str(previous),
            "model_uri": f"models:/{name}/{mv.version}",
        }

    def promote_champion(self, reg: dict) -> None:
        """Point ``champion`` at ``reg``'s version, ``previous`` at the champion it replaces,
        read now, not at registration (another cycle may have promoted since); the caller
        holds :func:`store_lock` (:meth:`promote_and_record`)."""
        client = self.mlflow.MlflowClient(tracking_uri=self.uri)
        current = move_champion(client, reg["name"], str(reg["version"]))
        if current is not None:
            reg["previous_version"] = current

    def promote_and_record(self, champion: dict | None, record: dict[str, Any]) -> Any:
        """Record the publication, then move the aliases (``champion`` given), as one step
        under :func:`store_lock`; a kill between them is completed by the next run's
        clean-up (:func:`earlywarn.tracking.fail_unfinished`)."""
        from earlywarn.io import fault_point

        with store_lock(self.uri):
            table = self.record_publication(record)  # first: a kill after it is repaired
            fault_point("recorded")  # fault tests: published, aliases not yet moved
            if champion is not None:
                self.promote_champion(champion)
            fault_point("promoted")  # fault tests: all done but the run's end
            return table

    def log_research_tables(self, model: Any) -> dict[str, str]:
        """Log model-specific research output; return it as ``{file name: text}``.

        For the ``hazard`` model: its coefficient table (log-odds, cluster-robust SEs,
        intervals, odds ratios) as ``coefficients.csv``.
        """
        from earlywarn.models import coefficient_table

        table = coefficient_table(model)
        if table is None:
            return {}
        from earlywarn.io import spreadsheet_csv

        text = spreadsheet_csv(table, float_format="%.6g")
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

        rec = {"published_at": utc_now(), **{k: str(v) for k, v in record.items()}}
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

"""MLflow tracking: the only module that imports mlflow.

Default store: a SQLite database ``experiments/mlflow.db`` (artifacts in
``experiments/mlartifacts``) that persists across cycles so they can be compared.
``MLFLOW_TRACKING_URI`` or the config's ``[tracking] uri`` switch to another store or a
tracking server. Browse with::

    mlflow ui --backend-store-uri sqlite:///experiments/mlflow.db
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = [
    "TRACKED_PACKAGES",
    "Tracker",
    "git_state",
    "package_versions",
    "resolve_tracking_uri",
]

TRACKED_PACKAGES = ("earlywarn", "numpy", "pandas", "scikit-learn", "statsmodels", "shap", "mlflow")


def resolve_tracking_uri(config_uri: str, experiments_dir: Path) -> str:
    """Config URI, else ``$MLFLOW_TRACKING_URI``, else the project's SQLite database."""
    if config_uri:
        return config_uri
    env = os.environ.get("MLFLOW_TRACKING_URI", "")
    if env:
        return env
    experiments_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(experiments_dir / 'mlflow.db').resolve()}"


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
        mlflow.set_tracking_uri(uri)
        exp = mlflow.get_experiment_by_name(experiment)
        if exp is None:
            artifact_location = None
            if uri.startswith("sqlite:///"):
                db = Path(uri.removeprefix("sqlite:///"))
                artifact_location = (db.parent / "mlartifacts").resolve().as_uri()
            try:
                self.experiment_id = mlflow.create_experiment(
                    experiment, artifact_location=artifact_location
                )
            except mlflow.exceptions.MlflowException:  # created meanwhile by another cycle
                self.experiment_id = mlflow.get_experiment_by_name(experiment).experiment_id
        else:
            self.experiment_id = exp.experiment_id
        self.run_ids: dict[str, str] = {}

    @contextlib.contextmanager
    def run(
        self, name: str, nested: bool = False, tags: dict[str, str] | None = None
    ) -> Iterator[str]:
        """Start a (nested) run; yields its id."""
        with self.mlflow.start_run(
            experiment_id=self.experiment_id, run_name=name, nested=nested, tags=tags or {}
        ) as r:
            self.run_ids[name] = r.info.run_id
            yield r.info.run_id

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

    def log_model(self, model: Any, X_example: Any) -> str:
        """Log a fitted sklearn Pipeline with its signature and an input example."""
        from mlflow.models import infer_signature

        signature = infer_signature(X_example, model.predict_proba(X_example)[:, 1])
        info = self.mlflow.sklearn.log_model(
            model,
            name="model",
            signature=signature,
            input_example=X_example.head(3),
            serialization_format="cloudpickle",
        )
        return info.model_uri

    def log_file(self, path: Path, artifact_path: str | None = None) -> None:
        self.mlflow.log_artifact(str(path), artifact_path=artifact_path)

    def log_bytes(self, content: bytes, name: str) -> None:
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / name
            p.write_bytes(content)
            self.mlflow.log_artifact(str(p))

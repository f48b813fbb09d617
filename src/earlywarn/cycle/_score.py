"""Score a new origin with a registered model (``earlywarn score CONFIG --model
models:/NAME@champion``): the data are prepared as of the config's ``as_of`` as a cycle
prepares them, the registered Pipeline is loaded (no retraining), its training rows are
rebuilt, and the same files as ``cycle`` are published through
:func:`earlywarn.cycle.publish_files` (same SHAP background, intervals, bands and
reasons) into a new output folder; the publication (model version, list hash, time) is
recorded in the tracking store.

One council's reasons are in :mod:`earlywarn.cycle`; the comparison of two
cycles in :mod:`earlywarn.cycle`.

Example
-------
See ``tests/test_tracking.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn import io
from earlywarn.config import CycleConfig
from earlywarn.cycle._inputs import CycleInputs
from earlywarn.cycle._registered import load_registered
from earlywarn.cycle._tail import log_outputs, publish_tail
from earlywarn.tracking import is_store_error

__all__ = ["ScoreResult", "score_registered"]


@dataclass
class ScoreResult:
    """What ``earlywarn score`` produced."""

    out_dir: Path
    risk_list: pd.DataFrame
    run_info: dict[str, Any]


def score_registered(
    cfg: CycleConfig,
    model_uri: str,
    out_dir: str | Path | None = None,
    tracking_uri: str | None = None,
    data: CycleInputs | None = None,
) -> ScoreResult:
    """Score the latest origin as of ``cfg.as_of`` with a registered model (no retraining of
    the model itself) and publish the same files as ``cycle``.

    The training rows of the model's final fit are rebuilt from the data (the same origins
    and labels as the cycle's final fit), so the SHAP background, the inspection-timing
    model, the base rate and the council-bootstrap intervals (same seed) are the cycle's;
    the evaluation is the one logged with the model's cycle (when the store has it).
    """
    from earlywarn.cycle._cycle import score_and_explain
    from earlywarn.cycle._publication import publish_files
    from earlywarn.io import check_output_location
    from earlywarn.models import make_model
    from earlywarn.report import confidential_banner, model_identity
    from earlywarn.tracking import Tracker, git_state

    out = Path(out_dir) if out_dir else io.default_out_dir(f"{cfg.cycle}-score")
    check_output_location(out)
    ld = load_registered(cfg, model_uri, tracking_uri, data)
    pr = ld.prep
    uri, version, tables, hashes = ld.uri, ld.version, pr.tables, pr.hashes
    as_of = cfg.as_of_date
    fit = ld.training(cfg)
    scored = score_and_explain(cfg, pr, ld.model, ld.X, *fit, ld.recalibration)
    kind, evaluation = _model_cycle(uri, version["run_id"], cfg)
    params = cfg.models.params.get(kind, {})
    tracker = Tracker(uri, cfg.tracking.experiment)
    git = git_state(Path(io.__file__).resolve().parent)
    from earlywarn.tracking import OUT_DIR_TAG

    tags = {"earlywarn.role": "score", OUT_DIR_TAG: str(out.resolve()), **git}
    with tracker.run(f"score-{cfg.cycle}", tags=tags) as run_id:
        run_info = {
            "cycle": cfg.cycle,
            "as_of": str(as_of.date()),
            "horizon": cfg.horizon,
            "score_origin": str(pr.score_origin.date()),
            "model": kind,
            "model_uri": model_uri,
            "model_run_id": version["run_id"],
            "registered_model": {"name": version["name"], "version": version["version"]},
            "score_run_id": run_id,
            "tracking_uri": uri,
            "experiment": cfg.tracking.experiment,
            "config": cfg.to_dict(),
            "inputs": hashes,
            "pseudonymised": cfg.report.pseudonymise,
            **git,
        }
        run_info["model_identity"] = model_identity(run_info)
        run_info["confidential"] = confidential_banner()
        tracker.log_params({f"input.{k}": v for k, v in hashes.items()})
        tracker.log_params({"model_uri": model_uri, "model_version": version["version"]})
        pub = publish_files(
            cfg=cfg,
            scored=scored,
            make_model=lambda: make_model(kind, params, cfg.seed, specs=pr.features.specs),
            X=ld.X,
            feats=pr.features,
            tables=tables,
            Xtr=fit.X,
            ytr=fit.y,
            wtr=fit.weights,
            to_target=fit.to_target,
            evaluation=evaluation,
            run_info=run_info,
            notes=pr.notes,
            coverage=pr.coverage,
            model=ld.model,
        )
        files = pub.files
        # the cycle's saved predictions and model card, as the cycle published them
        extra = _cycle_artefacts(uri, version["run_id"], version)
        if cfg.report.pseudonymise:  # the cycle's predictions may name councils: card only
            extra = {n: c for n, c in extra.items() if not n.endswith(".parquet")}
        if "MODEL_CARD.md" in extra:  # stamped like every export (as the cycle's)
            from earlywarn.report import stamped_card

            extra["MODEL_CARD.md"] = stamped_card(extra["MODEL_CARD.md"], run_info)
        files.update(extra)
        out = publish_tail(  # the one tail with `cycle`: check, log, write, record
            tracker, cfg, files, tables.councils, kind="score", run_info=run_info,
            out=out, to_store=log_outputs(cfg, uri),
        )  # fmt: skip
    run_info = json.loads(files["run.json"])
    return ScoreResult(out, pub.risk_list, run_info)


def _model_cycle(uri: str, model_run_id: str, cfg: CycleConfig) -> tuple[str, dict]:
    """The model kind (the run's ``earlywarn.model`` tag) and the evaluation logged by its
    cycle (the parent run's ``evaluation.json``; ``{}`` if the store has none)."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=uri)
    tags: dict[str, str] = {}
    try:
        tags = dict(client.get_run(model_run_id).data.tags)
    except Exception as err:  # a model registered from elsewhere: no run to read
        if not is_store_error(err):
            raise
    kind = tags.get("earlywarn.model") or cfg.models.kinds[-1]
    parent = tags.get("mlflow.parentRunId")
    evaluation: dict = {}
    if parent:
        try:
            mlflow.set_tracking_uri(uri)
            evaluation = mlflow.artifacts.load_dict(f"runs:/{parent}/evaluation.json")
        except Exception as err:
            if not is_store_error(err):
                raise
    return kind, evaluation


def _cycle_artefacts(uri: str, model_run_id: str, version: dict) -> dict[str, bytes | str]:
    """What the model's cycle published beside the list that `score` cannot recompute
    without a backtest: the saved out-of-time predictions (``*.parquet``, from the cycle's
    parent run, when the store has them) and the model card (the registered version's
    description). Empty where the store holds none (e.g. ``tracking.log_outputs`` off)."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=uri)
    out: dict[str, bytes | str] = {}
    try:
        mv = client.get_model_version(version["name"], version["version"])
        if mv.description:
            out["MODEL_CARD.md"] = mv.description
        parent = client.get_run(model_run_id).data.tags.get("mlflow.parentRunId")
        if parent:
            import tempfile

            for art in client.list_artifacts(parent):
                if art.path.endswith(".parquet"):
                    with tempfile.TemporaryDirectory() as tmp:
                        local = client.download_artifacts(parent, art.path, tmp)
                        out[art.path] = Path(local).read_bytes()
    except Exception as err:  # a model registered from elsewhere: nothing to copy
        if not is_store_error(err):
            raise
    return out

"""One cycle, end to end: data -> panel -> features -> labels -> backtest -> fit -> score
-> reasons -> risk list and report, every model fit tracked in MLflow.

Two steps are shared with ``score`` and ``explain`` (:mod:`earlywarn.cycle`,
:mod:`earlywarn.cycle`):
:func:`prepare` (inputs -> as-of tables -> panel -> features) and
:func:`score_and_explain` (a fitted model, its training rows and the latest origin ->
probabilities in the target the list ranks by, and their reasons). :func:`run_cycle`
reads as its list of named steps.

Example
-------
>>> from earlywarn.config import parse_config
>>> cfg = parse_config({"cycle": "doc", "as_of": "2016-03-31", "horizon": "24M",
...     "data": {"n_councils": 30, "start_year": 2008, "end_year": 2016}})
>>> result = run_cycle(cfg, out_dir="/tmp/ew-doc")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from earlywarn import io
from earlywarn._json import to_jsonable as _jsonable
from earlywarn._names import OPT_IN_FAMILIES
from earlywarn.config import CycleConfig
from earlywarn.cycle._inputs import CycleInputs, load_cycle_data, load_feature_inputs
from earlywarn.cycle._steps import (
    backtest_and_choose,
    data_reach,
    fit_and_register,
    log_inputs,
    protocol_splits,
    published_recalibration_for,
    run_info_for,
    stamp_identity,
)
from earlywarn.cycle._tail import log_outputs, publish_tail
from earlywarn.errors import UserInputError
from earlywarn.features import FeatureSet, build_features
from earlywarn.panel import annual_origins, build_panel, closed_origins, restrict_to_as_of
from earlywarn.progress import step
from earlywarn.schema import Tables

__all__ = ["CycleResult", "Prepared", "Scored", "prepare", "run_cycle", "score_and_explain"]


@dataclass
class CycleResult:
    """What a cycle produced: the output folder, its tables and the MLflow run ids."""

    out_dir: Path
    risk_list: pd.DataFrame
    reasons: pd.DataFrame
    evaluation: dict[str, Any]
    run_info: dict[str, Any]
    predictions: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Prepared:
    """A cycle's data as of ``cfg.as_of``: tables cut to what was published by then, the
    origins, the panel and the features (:func:`prepare`)."""

    tables: Tables
    true_risk: pd.DataFrame | None
    hashes: dict[str, str]
    origins: list[pd.Timestamp]
    panel: pd.DataFrame
    features: FeatureSet
    warnings: list[str]
    notes: pd.DataFrame | None = None  # advisers' notes (features.soft_notes), shown
    coverage: dict[str, Any] | None = None  # features.coverage_record of the models' inputs

    @property
    def X(self) -> pd.DataFrame:
        return self.features.X

    @property
    def score_origin(self) -> pd.Timestamp:
        return max(self.origins)

    def training_origins(self, cfg: CycleConfig) -> list[pd.Timestamp]:
        """The origins whose label windows closed by ``as_of`` (the published fit's rows)."""
        return closed_origins(self.origins, cfg.as_of_date, cfg.horizon_months)


def prepare(
    cfg: CycleConfig,
    data: CycleInputs | None = None,
    min_origins: int = 4,
) -> Prepared:
    """Inputs -> tables as of ``cfg.as_of`` -> panel -> features (cycle, score, explain).

    ``data``: pre-loaded ``(tables, true_risk, input_hashes)``; default from ``cfg.data``.
    At least ``min_origins`` origins with two years of history are required.
    """
    from earlywarn.cycle._preflight import check_k_within, missing_family_warnings

    as_of = cfg.as_of_date
    step(f"loading data ({cfg.data.source})")
    tables, true_risk, hashes = data if data is not None else load_cycle_data(cfg)
    known = restrict_to_as_of(tables, as_of)
    if known.observations.empty:
        first = tables.observations["published"].min()
        raise UserInputError(
            f"{cfg.path or 'config'}: as_of {as_of.date()} is before any data (the first "
            f"observation was published on {pd.Timestamp(first).date()})"
        )
    tables = known
    origins = annual_origins(tables, as_of)[2:]  # two years of history before the first
    if len(origins) < min_origins:
        raise UserInputError(
            f"{cfg.path or 'config'}: only {len(origins)} origins with two years of history "
            f"before as_of {as_of.date()} (expected at least {min_origins})"
        )
    step(f"building the panel and features ({len(origins)} origins)")
    panel = build_panel(tables, origins)
    check_k_within(cfg, int((panel.index.get_level_values("origin") == max(origins)).sum()))
    notes, neighbours, feature_hashes = load_feature_inputs(cfg, tables)
    feats = build_features(
        tables,
        panel,
        cfg.features.families,
        cfg.features,
        soft_notes=notes,
        neighbours=neighbours,
        builders=opt_in_builders(cfg.features.families),
    )
    warnings = missing_family_warnings(cfg, feats.specs)
    origins = _from_first_origin(cfg, origins, min_origins)
    feats, dropped, coverage = _covered(cfg, feats, origins)
    warnings += dropped
    return Prepared(
        tables, true_risk, {**hashes, **feature_hashes}, origins, panel, feats, warnings,
        notes=notes, coverage=coverage,
    )  # fmt: skip


def _from_first_origin(cfg: CycleConfig, origins: list, min_origins: int) -> list:
    """The origins from ``evaluate.first_origin`` on (the training start; all when unset):
    the cycle trains, tests and scores only on these, its features built from all history."""
    first = cfg.evaluate.first_origin
    if not first:
        return origins
    kept = [o for o in origins if o >= pd.Timestamp(first)]
    if len(kept) < min_origins:
        raise UserInputError(
            f"{cfg.path or 'config'}: evaluate.first_origin {first} leaves {len(kept)} of the "
            f"{len(origins)} origins before as_of {cfg.as_of_date.date()} (expected at least "
            f"{min_origins}; the last is {max(origins).date()})"
        )
    return kept


def opt_in_builders(families) -> dict:
    """The builders of the opt-in families a config names (:data:`OPT_IN_FAMILIES`): the
    pre-registered finance model's ``finance_ranks`` (:mod:`earlywarn.financial`)."""
    if not set(families) & set(OPT_IN_FAMILIES):
        return {}
    from earlywarn.financial import FAMILY_BUILDERS

    return dict(FAMILY_BUILDERS)


def _covered(
    cfg: CycleConfig, feats: FeatureSet, origins: list
) -> tuple[FeatureSet, list[str], dict[str, Any]]:
    """The coverage rule (:mod:`earlywarn.features`): every feature a configured model would
    use is observed for ``features.min_coverage`` of the training rows and of the councils
    scored; otherwise one line, or the feature is dropped and said so. Also returns the
    coverage record of those features (:func:`earlywarn.features.coverage_record`)."""
    from earlywarn.features import check_coverage, coverage_exempt, coverage_record

    used: set[str] = set()
    for kind in cfg.models.kinds:
        listed = cfg.models.params.get(kind, {}).get("features")
        used |= set(listed) if listed else set(feats.X.columns)
    # time since an event: missing means no such event yet, not an unobserved source
    # (unless gated by its source's window: then it is checked, and in the record)
    used -= coverage_exempt(feats.specs)
    train = closed_origins(origins, cfg.as_of_date, cfg.horizon_months)
    f, where = cfg.features, f"{cfg.path or 'config'}"
    drop, notes = check_coverage(
        feats.X, used, train, max(origins), f.min_coverage, f.uncovered, where
    )
    record = coverage_record(
        feats.X, feats.specs, used, train, max(origins), f.min_coverage, f.uncovered, drop
    )
    return feats.without(drop), notes, record


@dataclass
class Scored:
    """The latest origin scored and explained (:func:`score_and_explain`)."""

    X_now: pd.DataFrame
    probability: np.ndarray  # in the target the list ranks by
    explanation: Any  # earlywarn.explain.Explanation
    scores: pd.DataFrame  # council_code, council_name, council_type, region, probability
    base_rate: float  # of the training rows (weighted as the fit was)
    seconds: float = 0.0  # time taken by the explanation
    recalibration: dict[str, Any] | None = None  # applied to ``probability`` (recalibrate.py)


def score_and_explain(
    cfg: CycleConfig,
    prep: Prepared,
    model: Any,
    X: pd.DataFrame,
    X_train: pd.DataFrame,
    y_train: pd.Series,
    w_train: np.ndarray | None,
    to_target: Callable,
    recalibration: dict[str, Any] | None = None,
) -> Scored:
    """Score ``prep.score_origin`` with a fitted model and explain each council against the
    model's own training rows (the SHAP background); ``X`` holds the model's columns.
    ``recalibration``: the model's out-of-time recalibration
    (:func:`earlywarn.evaluation.published_recalibration`), applied to the probability."""
    from earlywarn.evaluation import apply_recalibration
    from earlywarn.explain import explain, latest_periods

    origin = prep.score_origin
    X_now = X[X.index.get_level_values("origin") == origin]
    prob = np.asarray(to_target(model.predict_proba(X_now)[:, 1], X_now), dtype=float)
    prob = apply_recalibration(prob, recalibration)
    periods = latest_periods(prep.tables.observations, origin, prep.tables.events)
    feats = prep.features
    t0 = time.perf_counter()
    expl = explain(
        model, X_now, X_train, feats.specs, feats.peer_median, cfg.report.n_reasons, periods
    )
    seconds = time.perf_counter() - t0
    scores = prep.panel.loc[X_now.index, ["council_name", "council_type", "region"]]
    scores = scores.reset_index().drop(columns="origin").assign(probability=np.round(prob, 6))
    w = None if w_train is None else np.asarray(w_train, dtype=float)
    base_rate = float(np.average(np.asarray(y_train, dtype=float), weights=w))
    return Scored(X_now, prob, expl, scores, base_rate, seconds, recalibration)


def run_cycle(
    cfg: CycleConfig,
    out_dir: str | Path | None = None,
    tracking_uri: str | None = None,
    data: CycleInputs | None = None,
) -> CycleResult:
    """Run one cycle and publish its outputs into a new folder.

    Parameters
    ----------
    cfg : CycleConfig
    out_dir : path, optional
        New (or empty) folder for the outputs; default ``runs/<cycle>-<time>``.
    tracking_uri : str, optional
        MLflow tracking URI; default: config, ``$MLFLOW_TRACKING_URI``, or
        ``runs/mlflow.db`` under the working directory.
    data : tuple, optional
        Pre-loaded ``(tables, true_risk, input_hashes)`` (for notebooks and tests).
    """
    # before any work or heavy import: the output folder can be made, the tracking store
    # answers, names and hyperparameters are legal (earlywarn.cycle)
    from earlywarn.cycle._preflight import check_two_classes, preflight_cycle
    from earlywarn.tracking import resolve_tracking_uri

    out = Path(out_dir) if out_dir else io.default_out_dir(cfg.cycle)
    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    from earlywarn.backtest import check_preregistered

    pre = check_preregistered(cfg)  # confirmatory origins only for the registered hash
    preflight_cycle(cfg, out, uri)
    if cfg.compute.backend == "dask" and cfg.compute.scheduler:  # fail fast, one line
        from earlywarn.compute import check_scheduler

        check_scheduler(cfg.compute.scheduler, cfg.compute.connect_timeout)
    step("loading scikit-learn, SHAP and MLflow")
    from earlywarn.backtest import EvaluationSettings, final_training
    from earlywarn.cycle._publication import publish_files
    from earlywarn.report import stamped_card
    from earlywarn.tracking import Tracker, git_state

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    prep = prepare(cfg, data)
    timings["features"] = time.perf_counter() - t0
    splits, held_splits = protocol_splits(
        cfg, prep.origins, pre, data_reach(prep.tables, tuple(cfg.labels.events))
    )
    check_two_classes(cfg, prep.X, prep.tables.events, prep.origins, cfg.as_of_date)
    tracker = Tracker(uri, cfg.tracking.experiment)
    to_store = log_outputs(cfg, uri)  # named artefacts go into the store only then
    settings = EvaluationSettings.from_config(cfg)
    git = git_state(Path(io.__file__).resolve().parent)
    from earlywarn.tracking import OUT_DIR_TAG

    parent_tags = {"earlywarn.cycle": cfg.cycle, OUT_DIR_TAG: str(out.resolve()), **git}
    with tracker.run(f"cycle-{cfg.cycle}", tags=parent_tags) as parent_id:
        log_inputs(tracker, cfg, prep)
        ev_run, held_run, evaluation, kept, chosen = backtest_and_choose(
            cfg, prep, splits, held_splits, settings, tracker, timings, pre
        )
        recal = published_recalibration_for(cfg, prep, chosen, ev_run, held_run, settings)
        step(f"fitting and registering the published model ({chosen})")
        t1 = time.perf_counter()
        train = prep.training_origins(cfg)
        fit = final_training(prep.X, prep.tables.events, train, cfg.as_of_date, settings)
        tags = {"earlywarn.model": chosen, "earlywarn.role": "published"}
        with tracker.run(f"final-{chosen}", nested=True, tags=tags) as model_run:
            final = fit_and_register(cfg, prep, chosen, fit, train, evaluation, tracker, recal)
            timings["final_fit"] = time.perf_counter() - t1
            run_info = run_info_for(cfg, prep, chosen, uri, (parent_id, model_run), final, tracker)
            run_info |= {"tracking_log_outputs": to_store, **git}
            if recal is not None and recal.get("warning"):  # said once, on stderr
                run_info["warnings"] = [*run_info["warnings"], recal["warning"]]
            stamp_identity(run_info)
            step("explaining, probability intervals, writing the list and the report")
            scored = score_and_explain(cfg, prep, final["model"], prep.X, *fit, recal)
            pub = publish_files(  # one publishing path with `score` (earlywarn.cycle)
                scored=scored,
                backtest=ev_run,
                held_out=held_run,
                cfg=cfg,
                make_model=final["make_model"],
                X=prep.X,
                feats=prep.features,
                tables=prep.tables,
                Xtr=fit.X,
                ytr=fit.y,
                wtr=fit.weights,
                to_target=fit.to_target,
                evaluation=evaluation,
                run_info=run_info,
                predictions=kept,
                research=final["research"],
                notes=prep.notes,
                coverage=prep.coverage,
                model=final["model"],
            )
            timings.update(pub.timings)
            files = pub.files
            run_info = json.loads(files["run.json"])
            files["MODEL_CARD.md"] = stamped_card(final["card"], run_info)
            tracker.log_text(final["card"], "MODEL_CARD.md")  # no council named: always logged
            tracker.log_metrics({"n_scored": len(pub.risk_list)})
        tracker.log_dict(_jsonable(evaluation), "evaluation.json")  # names no council
        step("logging to MLflow and writing the output folder")
        out = publish_tail(  # the one tail with `score`: check, log, write, promote, record
            tracker, cfg, files, prep.tables.councils, kind="cycle", run_info=run_info,
            out=out, to_store=to_store, champion=final["registry"],
        )  # fmt: skip
    timings["mlflow_logging"] = tracker.logging_seconds
    timings["total"] = time.perf_counter() - t0
    reasons = pub.explanation.reasons
    return CycleResult(out, pub.risk_list, reasons, evaluation, run_info, kept, timings)

"""One cycle, end to end: data -> panel -> features -> labels -> backtest -> fit -> score
-> reasons -> risk list and report, every model fit tracked in MLflow.

Example
-------
>>> from earlywarn.config import parse_config
>>> cfg = parse_config({"cycle": "doc", "as_of": "2016-03-31", "horizon": "24M",
...     "data": {"n_councils": 30, "start_year": 2008, "end_year": 2016}})
>>> result = run_cycle(cfg, out_dir="/tmp/ew-doc")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from earlywarn import io
from earlywarn._json import to_jsonable as _jsonable
from earlywarn.backtest import rolling_origin_splits
from earlywarn.config import CycleConfig
from earlywarn.errors import UserInputError
from earlywarn.features import FeatureSet, build_features
from earlywarn.panel import annual_origins, build_panel
from earlywarn.progress import step
from earlywarn.schema import Tables, validate_tables

__all__ = ["CycleResult", "load_cycle_data", "restrict_to_as_of", "run_cycle"]

LOWER_IS_BETTER = {"brier"}


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


def load_cycle_data(cfg: CycleConfig) -> tuple[Tables, pd.DataFrame | None, dict[str, str]]:
    """The core tables for a cycle, the true risk where known, and input hashes.

    ``data.source`` picks the tables (synthetic, CSV files or the bundled real panel);
    ``data.satisfaction`` / ``data.leadership``, when given, are appended to them (see
    :mod:`earlywarn.sources.optional`). Real data has no true risk (``None``).
    """
    tables, true_risk, hashes = _load_source(cfg)
    d = cfg.data
    if not (d.satisfaction or d.leadership):
        return tables, true_risk, hashes
    from earlywarn.sources.optional import load_leadership, load_satisfaction

    base = Path(cfg.path).parent if cfg.path else Path.cwd()
    obs, events = tables.observations, tables.events
    if d.satisfaction:
        p = (base / d.satisfaction).resolve()
        obs = pd.concat([obs, load_satisfaction(p, tables.councils)], ignore_index=True)
        hashes["satisfaction_sha256"] = io.file_sha256(p)
    if d.leadership:
        p = (base / d.leadership).resolve()
        events = pd.concat([events, load_leadership(p, tables.councils)], ignore_index=True)
        hashes["leadership_sha256"] = io.file_sha256(p)
    return Tables(tables.councils, obs, events, tables.sources), true_risk, hashes


def _load_source(cfg: CycleConfig) -> tuple[Tables, pd.DataFrame | None, dict[str, str]]:
    d = cfg.data
    if d.source == "bundled:real":
        from earlywarn.sources.bundle import load_real_tables

        base = Path(cfg.path).parent if cfg.path else Path.cwd()
        folder = (base / d.real_dir).resolve() if d.real_dir else None
        tables = load_real_tables(folder)
        hashes = {
            "bundled": f"real panel rebuilt in {folder}"
            if folder
            else "bundled:real (public data as of 2023-03-31)",
            **{
                f"{n}_sha256": io.frame_sha256(getattr(tables, n))
                for n in ("councils", "observations", "events")
            },
        }
        return tables, None, hashes
    if d.source == "synthetic":
        from earlywarn.synthetic import make_synthetic_councils

        data = make_synthetic_councils(
            n_councils=d.n_councils,
            start_year=d.start_year,
            end_year=d.end_year,
            seed=cfg.seed,
            horizon_months=cfg.horizon_months,
        )
        tables = validate_tables(data.tables)
        hashes = {
            "synthetic": f"make_synthetic_councils(n_councils={d.n_councils}, start_year="
            f"{d.start_year}, end_year={d.end_year}, seed={cfg.seed})",
            **{
                f"{n}_sha256": io.frame_sha256(getattr(tables, n))
                for n in ("councils", "observations", "events")
            },
        }
        return tables, data.true_risk, hashes
    base = Path(cfg.path).parent if cfg.path else Path.cwd()
    paths = {}
    for name in ("councils", "observations", "events"):
        value = getattr(d, name)
        if not value:
            raise UserInputError(
                f"{cfg.path or 'config'}: data.{name} is required when data.source = 'files'"
            )
        paths[name] = (base / value).resolve()
    tables = io.read_tables(paths["councils"], paths["observations"], paths["events"])
    hashes = {f"{n}_sha256": io.file_sha256(p) for n, p in paths.items()}
    return tables, None, hashes


def load_feature_inputs(
    cfg: CycleConfig, tables: Tables
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, dict[str, str]]:
    """The optional soft-notes and statistical-neighbours tables named in ``[features]``."""
    base = Path(cfg.path).parent if cfg.path else Path.cwd()
    notes = neighbours = None
    hashes: dict[str, str] = {}
    if cfg.features.soft_notes:
        p = (base / cfg.features.soft_notes).resolve()
        notes = io.read_soft_notes(p, tables.councils)
        hashes["soft_notes_sha256"] = io.file_sha256(p)
    if cfg.features.neighbours:
        p = (base / cfg.features.neighbours).resolve()
        neighbours = io.read_neighbours(p, tables.councils)
        hashes["neighbours_sha256"] = io.file_sha256(p)
    return notes, neighbours, hashes


def restrict_to_as_of(tables: Tables, as_of: pd.Timestamp) -> Tables:
    """Drop everything published (or dated) after ``as_of``: a cycle never sees the future."""
    obs = tables.observations[tables.observations["published"] <= as_of]
    ev = tables.events[tables.events["date"] <= as_of]
    if "published" in ev.columns:
        pub = pd.to_datetime(ev["published"])
        ev = ev[pub.isna() | (pub <= as_of)]
    return Tables(tables.councils, obs, ev, tables.sources)


def _select(evaluation: dict, metric: str, kinds: tuple[str, ...]) -> str:
    best, best_v = kinds[-1], None
    for kind in kinds:
        v = evaluation["models"].get(kind, {}).get("pooled", {}).get(metric, {}).get("value")
        if v is None:
            continue
        better = best_v is None or (v < best_v if metric in LOWER_IS_BETTER else v > best_v)
        if better:
            best, best_v = kind, v
    return best


def run_cycle(
    cfg: CycleConfig,
    out_dir: str | Path | None = None,
    tracking_uri: str | None = None,
    data: tuple[Tables, pd.DataFrame | None, dict[str, str]] | None = None,
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
    # answers, names and hyperparameters are legal (earlywarn.preflight)
    from earlywarn.preflight import check_k_within, preflight_cycle
    from earlywarn.tracking import resolve_tracking_uri

    out = Path(out_dir) if out_dir else io.default_out_dir(cfg.cycle)
    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    preflight_cycle(cfg, out, uri)
    if cfg.compute.backend == "dask" and cfg.compute.scheduler:  # fail fast, one line
        from earlywarn.compute import check_scheduler

        check_scheduler(cfg.compute.scheduler, cfg.compute.connect_timeout)
    step("loading scikit-learn, SHAP and MLflow")
    from earlywarn.evaluation import (
        EvaluationSettings,
        evaluate_and_keep,
        final_training,
        fit_model,
    )
    from earlywarn.models import make_model
    from earlywarn.tracking import (
        Tracker,
        default_log_outputs,
        git_state,
        package_versions,
    )

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    h = cfg.horizon_months
    as_of = cfg.as_of_date
    censoring = cfg.labels.censoring

    step(f"loading data ({cfg.data.source})")
    tables, true_risk, hashes = data if data is not None else load_cycle_data(cfg)
    tables = restrict_to_as_of(tables, as_of)
    origins = annual_origins(tables, as_of)[2:]  # two years of history before the first
    if len(origins) < 4:
        raise UserInputError(
            f"{cfg.path or 'config'}: only {len(origins)} origins with two years of history "
            f"before as_of {as_of.date()} (expected at least 4)"
        )
    step(f"building the panel and features ({len(origins)} origins)")
    panel = build_panel(tables, origins)
    check_k_within(cfg, int((panel.index.get_level_values("origin") == max(origins)).sum()))
    notes, neighbours, feature_hashes = load_feature_inputs(cfg, tables)
    hashes = {**hashes, **feature_hashes}
    feats: FeatureSet = build_features(
        tables, panel, cfg.features.families, cfg.features, soft_notes=notes, neighbours=neighbours
    )
    X = feats.X
    timings["features"] = time.perf_counter() - t0
    warnings = missing_family_warnings(cfg, feats.specs)

    closed = [o for o in origins if o + pd.DateOffset(months=h) <= as_of]
    # the protocol (earlywarn.protocol): choose on selection origins, score held-out once
    held_out = [pd.Timestamp(o) for o in cfg.evaluate.held_out_origins]
    test_origins = [pd.Timestamp(o) for o in cfg.evaluate.selection_origins] or [
        pd.Timestamp(o) for o in cfg.evaluate.origins
    ]
    test_origins = test_origins or closed
    not_closed = [o for o in [*test_origins, *held_out] if o not in closed]
    if not_closed:
        raise UserInputError(
            f"{cfg.path or 'config'}: evaluate origin {not_closed[0].date()} is not an origin "
            f"whose {h}-month window closed by as_of {as_of.date()}"
        )
    splits = rolling_origin_splits(origins, test_origins, h, cfg.evaluate.min_train_origins)
    if not splits:
        raise UserInputError(
            f"{cfg.path or 'config'}: no test origin has {cfg.evaluate.min_train_origins} closed "
            "training windows before it (add years of data or lower evaluate.min_train_origins)"
        )
    score_origin = max(origins)
    _check_two_classes(cfg, X, tables.events, origins, as_of)
    tracker = Tracker(uri, cfg.tracking.experiment)
    log_outputs = (
        default_log_outputs(uri) if cfg.tracking.log_outputs is None else cfg.tracking.log_outputs
    )
    settings = EvaluationSettings.from_config(cfg)
    evaluation: dict[str, Any] = {
        "k": cfg.evaluate.k,
        "test_origins": [str(s.test_origin.date()) for s in splits],
        "train_origins": {
            str(s.test_origin.date()): [str(o.date()) for o in s.train_origins] for s in splits
        },
    }
    preds = []
    git = git_state(Path(io.__file__).resolve().parent)
    with tracker.run(f"cycle-{cfg.cycle}", tags={"earlywarn.cycle": cfg.cycle, **git}) as parent_id:
        tracker.log_params(
            {"config": cfg.to_dict(), **{f"input.{k}": v for k, v in hashes.items()}}
        )
        tracker.log_dict(cfg.to_dict(), "config.json")
        tracker.log_dict(package_versions(), "package_versions.json")
        tracker.log_input_tables(
            {**tables.sources, **{k: v for k, v in hashes.items() if "_sha256" not in k}},
            hashes,
            f"published by {as_of.date()}",
        )
        tracker.log_params(
            {
                "panel.rows": len(X),
                "panel.features": X.shape[1],
                "panel.first_origin": str(min(origins).date()),
                "panel.last_origin": str(score_origin.date()),
            }
        )
        # backtest and evaluation: every model and baseline, both targets (evaluation.py)
        step(
            f"backtest: {len(cfg.models.kinds)} models and the baselines over "
            f"{len(splits)} test origins"
        )
        t1 = time.perf_counter()
        with _compute(cfg):  # the splits run where [compute] says (earlywarn.compute)
            ev_run = evaluate_and_keep(
                X,
                tables.events,
                panel,
                splits,
                settings,
                cfg.models.kinds,
                cfg.models.params,
                true_risk,
                feats.specs,
            )
        ev_part, pred_rows = ev_run.evaluation, ev_run.predictions
        evaluation.update(ev_part)
        timings["backtest"] = time.perf_counter() - t1
        for kind in cfg.models.kinds:
            params = cfg.models.params.get(kind, {})
            with tracker.run(f"backtest-{kind}", nested=True, tags={"earlywarn.model": kind}):
                tracker.log_params(
                    {"model": kind, **params, "censoring": censoring, "target": settings.target}
                )
                pooled = evaluation["models"].get(kind, {}).get("pooled", {})
                tracker.log_metrics(
                    {k: v.get("value") for k, v in pooled.items() if isinstance(v, dict)},
                    prefix="pooled_",
                )
        preds.append(pred_rows[pred_rows["model"].isin([*cfg.models.kinds, "oracle"])])
        if "oracle" in evaluation:
            tracker.log_metrics(
                {
                    k: v.get("value")
                    for k, v in evaluation["oracle"]["pooled"].items()
                    if isinstance(v, dict)
                },
                prefix="oracle_pooled_",
            )

        chosen = _select(evaluation, cfg.models.select_by, cfg.models.kinds)
        evaluation["chosen_model"] = {"kind": chosen, "select_by": cfg.models.select_by}
        held_run = None
        if held_out:  # scored once, after the choice above, for these settings
            from earlywarn.protocol import held_out_summary, settings_hash

            held_splits = rolling_origin_splits(
                origins, held_out, h, cfg.evaluate.min_train_origins
            )
            with _compute(cfg):
                held_run = evaluate_and_keep(
                    X, tables.events, panel, held_splits, settings, cfg.models.kinds,
                    cfg.models.params, true_risk, feats.specs, history=ev_run.backtest,
                )  # fmt: skip
            digest = settings_hash(cfg)
            evaluation["held_out"] = held_out_summary(
                held_run.evaluation, [str(s.test_origin.date()) for s in held_splits], digest
            )
            tracker.set_tags({"earlywarn.held_out_hash": digest})
        tracker.log_baselines_and_headline(
            evaluation, cfg.models.kinds, chosen, cfg.models.select_by, settings.target
        )
        step(f"fitting and registering the published model ({chosen})")
        t1 = time.perf_counter()
        final_train = [o for o in origins if o + pd.DateOffset(months=h) <= as_of]
        Xtr, ytr, wtr, to_target = final_training(X, tables.events, final_train, as_of, settings)
        with tracker.run(
            f"final-{chosen}",
            nested=True,
            tags={"earlywarn.model": chosen, "earlywarn.role": "published"},
        ) as model_run:
            model = make_model(
                chosen, cfg.models.params.get(chosen, {}), cfg.seed, specs=feats.specs
            )
            model = fit_model(model, Xtr, ytr, wtr)
            tracker.log_params(
                {
                    "model": chosen,
                    "train_rows": len(ytr),
                    "train_origins": ",".join(str(o.date()) for o in final_train),
                    "score_origin": str(score_origin.date()),
                }
            )
            model_uri = tracker.log_model(model, Xtr)
            research = tracker.log_research_tables(model)  # hazard: coefficients.csv
            from earlywarn.model_card import render_model_card, stamped_card

            card = render_model_card(
                evaluation,
                {
                    "rows": len(ytr),
                    "events": int(np.asarray(ytr).sum()),
                    "features": Xtr.shape[1],
                    "train_origins": [str(o.date()) for o in final_train],
                    "score_origin": str(score_origin.date()),
                },
                {"cycle": cfg.cycle, "as_of": str(as_of.date()), "horizon": cfg.horizon,
                 "data_source": cfg.data.source, "inputs": hashes},
            )  # fmt: skip
            # the alias moves only once the published folder is complete (below)
            registry = tracker.register_version(
                model_uri,
                cfg.tracking.registry_name or cfg.tracking.experiment,
                {"cycle": cfg.cycle, "kind": chosen, "score_origin": str(score_origin.date())},
                description=card,
            )
            timings["final_fit"] = time.perf_counter() - t1
            rep = cfg.report
            pred_all = pd.concat(preds, ignore_index=True)
            run_info = {
                "cycle": cfg.cycle,
                "as_of": str(as_of.date()),
                "horizon": cfg.horizon,
                "score_origin": str(score_origin.date()),
                "model": chosen,
                "tracking_uri": uri,
                "experiment": cfg.tracking.experiment,
                "parent_run_id": parent_id,
                "model_run_id": model_run,
                "model_uri": model_uri,
                "registered_model": registry,
                "run_ids": dict(tracker.run_ids),
                "config": cfg.to_dict(),
                "inputs": hashes,
                "pseudonymised": rep.pseudonymise,
                "synthetic": cfg.data.source == "synthetic",
                "warnings": warnings,
                "tracking_log_outputs": bool(log_outputs or rep.pseudonymise),
                **git,
            }
            run_info["model_fingerprint"] = model_fingerprint(run_info, package_versions())
            run_info["model_identity"] = _model_identity(run_info)
            run_info["confidential"] = _confidential()
            # one publishing path with `score` (earlywarn.publication)
            from earlywarn.publication import publish_files

            step("explaining, probability intervals, writing the list and the report")
            pub = publish_files(
                backtest=ev_run,
                held_out=held_run,
                cfg=cfg,
                model=model,
                make_model=lambda: make_model(
                    chosen, cfg.models.params.get(chosen, {}), cfg.seed, specs=feats.specs
                ),
                X=X,
                panel=panel,
                feats=feats,
                tables=tables,
                score_origin=score_origin,
                Xtr=Xtr,
                ytr=ytr,
                wtr=wtr,
                to_target=to_target,
                evaluation=evaluation,
                run_info=run_info,
                predictions=pred_all,
                research=research,
            )
            timings.update(pub.timings)
            risk_list, expl, files = pub.risk_list, pub.explanation, pub.files
            run_info = json.loads(files["run.json"])
            csv_text = files["risk_list.csv"]
            reasons_json = files["reasons.json"]
            html_text = files["report.html"]
            saved = {n: c for n, c in files.items() if n.endswith(".parquet")}
            files["MODEL_CARD.md"] = stamped_card(card, run_info)
            if rep.pseudonymise:  # fail closed, before anything is logged or written
                from earlywarn.pseudonymise import check_no_identifiers

                check_no_identifiers(files, tables.councils)
            step("logging to MLflow and writing the output folder")
            if log_outputs or rep.pseudonymise:  # named-council artefacts: see log_outputs
                tracker.log_text(csv_text, "risk_list.csv")
                tracker.log_text(reasons_json, "reasons.json")
                tracker.log_text(html_text, "report.html")
            tracker.log_text(card, "MODEL_CARD.md")  # no council named: always logged
            tracker.log_metrics({"n_scored": len(risk_list)})
        tracker.log_dict(_jsonable(evaluation), "evaluation.json")
        if log_outputs or rep.pseudonymise:  # they name councils: only with log_outputs
            for name, content in saved.items():  # the out-of-time predictions, parent run
                tracker.log_bytes(content, name)
        # publish: the folder is built beside its place and renamed when complete; only then
        # does the store record the publication and the champion alias move to this model
        out = io.write_output_folder(out, files)
        tracker.promote_champion(registry)
        tracker.record_publication(_publication_record("cycle", run_info, csv_text, out))
    timings["mlflow_logging"] = tracker.logging_seconds
    timings["total"] = time.perf_counter() - t0
    return CycleResult(
        out,
        risk_list,
        expl.reasons,
        evaluation,
        run_info,
        pd.concat(preds, ignore_index=True),
        timings,
    )


def _compute(cfg: CycleConfig) -> Any:
    """The context in which a cycle's independent tasks run (``[compute]``)."""
    from earlywarn.compute import compute_backend

    c = cfg.compute
    return compute_backend(c.backend, c.n_jobs, c.scheduler, c.connect_timeout)


def missing_family_warnings(cfg: CycleConfig, specs: dict[str, Any]) -> list[str]:
    """One warning per feature family named in ``features.families`` that has no features:
    its data are absent from the inputs, so the models run without it. (The default, every
    family, names none: families without data are then simply left out.)"""
    from earlywarn.config import FeaturesConfig

    if cfg.features.families == FeaturesConfig().families:
        return []  # the default (every family), not named in the config: nothing asked for
    built = {getattr(s, "family", None) for s in specs.values()}
    where = cfg.path or "config"
    return [
        f"{where}: features.families asks for {fam!r} but the data have no {fam} measures "
        "or events: no features built for it"
        for fam in cfg.features.families
        if fam not in built
    ]


def _check_two_classes(cfg: CycleConfig, X: pd.DataFrame, events: pd.DataFrame, origins, as_of):
    """The labels give both failures and non-failures to learn from (before any MLflow write)."""
    from earlywarn.labels import make_labels

    h = cfg.horizon_months
    train = pd.DatetimeIndex([o for o in origins if o + pd.DateOffset(months=h) <= as_of])
    rows = X.index[X.index.get_level_values("origin").isin(train)]
    lab = make_labels(events, rows, h, cfg.labels.events, known_at=as_of)["label"]
    n_pos = int(lab.sum())
    if n_pos == 0 or n_pos == len(lab):
        what = "no" if n_pos == 0 else "only"
        raise UserInputError(
            f"{cfg.path or 'config'}: labels.events {list(cfg.labels.events)} gives {what} "
            f"failures in the {len(lab)} training rows before as_of {as_of.date()} (expected "
            "both failures and non-failures: choose other events or more years of data)"
        )


def _confidential() -> str:
    from earlywarn.report import CONFIDENTIAL

    return CONFIDENTIAL


def _publication_record(kind: str, run_info: dict, csv_text: str, out: Path) -> dict:
    """What the publications table records: which model version made which list, when."""
    import hashlib

    reg = run_info.get("registered_model") or {}
    return {
        "kind": kind,
        "cycle": run_info["cycle"],
        "score_origin": run_info["score_origin"],
        "registered_model": reg.get("name", ""),
        "model_version": reg.get("version", ""),
        "model_run_id": run_info["model_run_id"],
        "list_sha256": hashlib.sha256(csv_text.encode()).hexdigest(),
        "out_dir": str(Path(out).resolve()),
    }


def model_fingerprint(run_info: dict, versions: dict) -> str:
    """A deterministic identity of the published model: what went into it, not when.

    The SHA-256 (first 16 hex digits) of the config, the input hashes, the code commit and
    the package versions. The byte-identical exports (``risk_list.csv``, ``reasons.json``)
    carry it instead of the MLflow run id, which changes at every run; ``run.json``, the
    report and the MLflow publications table link it to the run.
    """
    import hashlib

    payload = {
        k: run_info.get(k)
        for k in ("cycle", "as_of", "horizon", "score_origin", "model", "inputs", "git_commit")
    }
    config = dict(run_info.get("config", {}))
    config.pop("path", None)
    payload |= {"config": config, "versions": versions}
    text = json.dumps(_jsonable(payload), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _model_identity(run_info: dict) -> str:
    if run_info.get("model_fingerprint"):
        return f"fingerprint {run_info['model_fingerprint']}; MLflow run in run.json"
    return f"MLflow run {run_info.get('model_run_id', 'unknown')}"


def _saved_predictions(
    ev_run: Any,
    risk_list: pd.DataFrame,
    pseudonymise: bool,
    suffix: str = "",
    stamp: dict | None = None,
) -> dict:
    """``backtest_predictions.parquet`` and ``backtest_failures.parquet`` (the failure
    dates of the lead times) as bytes: evaluation.json can be recomputed from these two
    (:func:`earlywarn.predictions.evaluation_from_predictions`). With ``pseudonymise``,
    council codes become the list's pseudonyms (others ``Council xNNN``)."""
    from io import BytesIO

    from earlywarn.predictions import PREDICTIONS_FILE

    long, fails = ev_run.long, ev_run.failures
    if pseudonymise:
        from earlywarn.pseudonymise import pseudonymise_index, pseudonyms

        mapping = pseudonyms(risk_list)
        codes = pd.Index(pd.unique(pd.concat([long["council_code"], fails["council_code"]])))
        full = pseudonymise_index(pd.Series(codes, index=codes), mapping).index
        rename = dict(zip(codes, full, strict=True))
        long = long.assign(council_code=long["council_code"].map(rename))
        fails = fails.assign(council_code=fails["council_code"].map(rename))
    out = {}
    import pyarrow as pa
    import pyarrow.parquet as pq

    for name, frame in ((PREDICTIONS_FILE, long), ("backtest_failures.parquet", fails)):
        buf = BytesIO()
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = {**(table.schema.metadata or {})}
        meta.update({f"earlywarn.{k}".encode(): str(v).encode() for k, v in (stamp or {}).items()})
        pq.write_table(table.replace_schema_metadata(meta), buf)
        out[name.replace(".parquet", f"{suffix}.parquet")] = buf.getvalue()
    return out


def _published_view(
    risk_list: pd.DataFrame,
    expl: Any,
    history: pd.DataFrame,
    peers: pd.DataFrame,
    pseudonymise: bool,
) -> tuple[pd.DataFrame, Any, pd.DataFrame, pd.DataFrame]:
    """The list, explanation and histories as exported: as they are, or pseudonymised."""
    if not pseudonymise:
        return risk_list, expl, history, peers
    from earlywarn.pseudonymise import (
        pseudonymise_explanation,
        pseudonymise_index,
        pseudonymise_risk_list,
        pseudonyms,
    )

    mapping = pseudonyms(risk_list)
    return (
        pseudonymise_risk_list(risk_list, mapping),
        pseudonymise_explanation(expl, mapping),
        pseudonymise_index(history, mapping),
        pseudonymise_index(peers, mapping),
    )


def _csv_header(run_info: dict) -> str:
    """The two comment lines every exported CSV starts with: banner, then (SYNTHETIC for
    made-up councils,) cycle, vintage and model identity."""
    synthetic = "SYNTHETIC: made-up councils, not real ones; " if run_info.get("synthetic") else ""
    return (
        f"# {_confidential()}\n# {synthetic}cycle {run_info['cycle']}; data as of "
        f"{run_info['as_of']}; model {run_info['model']} ({_model_identity(run_info)})\n"
    )


def _export_json(obj: dict, run_info: dict) -> str:
    """A JSON export with the banner, cycle, data vintage and model identity on top."""
    stamp = {
        "confidential": _confidential(),
        "cycle": run_info["cycle"],
        "as_of": run_info["as_of"],
        "model_identity": _model_identity(run_info),
        **({"synthetic": True} if run_info.get("synthetic") else {}),
    }
    return json.dumps(_jsonable({**obj, **stamp}), indent=2, sort_keys=True)


def _risk_list_csv(risk_list: pd.DataFrame, run_info: dict) -> str:
    header = _csv_header(run_info)
    body = io.safe_for_spreadsheet(risk_list).to_csv(
        index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC
    )
    return header + body


def _reasons_json(expl, run_info: dict) -> str:
    from earlywarn.report import CONFIDENTIAL

    obj = {
        "confidential": CONFIDENTIAL,
        "cycle": run_info["cycle"],
        "as_of": run_info["as_of"],
        "model": run_info["model"],
        "model_identity": _model_identity(run_info),
        **({"synthetic": True} if run_info.get("synthetic") else {}),
        "base_value_log_odds": expl.base_value,
        "reasons": expl.reasons.round(6).to_dict(orient="records"),
        "by_family": expl.by_family.round(6).to_dict(orient="index"),
        "by_nature": expl.by_nature.round(6).to_dict(orient="index"),
        "main_nature": {} if expl.main_nature is None else expl.main_nature.to_dict(),
        "grouping_rule": "sums of SHAP values (log-odds) over each family / problem nature",
        "explainer": getattr(expl, "method", ""),
    }
    return json.dumps(_jsonable(obj), indent=2, sort_keys=True)

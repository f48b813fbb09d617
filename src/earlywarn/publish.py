"""Between cycles: score a new origin with the registered model, and compare two cycles.

- :func:`score_registered` (``earlywarn score CONFIG --model models:/NAME@champion``):
  builds the panel and features as of the config's ``as_of``, loads the registered
  Pipeline (no retraining), rebuilds its training rows, and publishes the same files as
  ``cycle`` through :func:`earlywarn.publication.publish_files` (same SHAP background,
  intervals, bands and reasons) into a new output folder; records the publication (model
  version, list hash, time) in the tracking store.
- :func:`explain_published` (``earlywarn explain CONFIG --council CODE-OR-NAME``): one
  council's probability, band, reasons, protective factor, problem nature and support,
  read from the latest published list of the experiment (seconds);
  :func:`explain_council` re-scores with a registered model instead (``--model``, and the
  notebooks, which also get the council's feature history for plots).
- :func:`compare_cycles` (``earlywarn compare CONFIG``): the latest two published cycles
  of the config's experiment — who entered and who left the top *k*, how each model's
  pooled backtest metrics moved, and which model version each used.

Example
-------
See ``tests/test_tracking.py``.
"""

from __future__ import annotations

import io as _io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from earlywarn import io
from earlywarn.config import CycleConfig
from earlywarn.errors import UserInputError
from earlywarn.schema import Tables

__all__ = [
    "CouncilReasons",
    "ScoreResult",
    "compare_cycles",
    "explain_council",
    "explain_published",
    "resolve_council",
    "score_registered",
]


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
    data: tuple[Tables, pd.DataFrame | None, dict[str, str]] | None = None,
) -> ScoreResult:
    """Score the latest origin as of ``cfg.as_of`` with a registered model (no retraining of
    the model itself) and publish the same files as ``cycle``.

    The training rows of the model's final fit are rebuilt from the data (the same origins
    and labels as the cycle's final fit), so the SHAP background, the inspection-timing
    model, the base rate and the council-bootstrap intervals (same seed) are the cycle's;
    the evaluation is the one logged with the model's cycle (when the store has it).
    """
    from earlywarn.cycle import _confidential, _model_identity, _publication_record
    from earlywarn.evaluation import EvaluationSettings, final_training
    from earlywarn.models import make_model
    from earlywarn.preflight import check_output_location
    from earlywarn.publication import publish_files
    from earlywarn.tracking import Tracker, default_log_outputs, git_state

    out = Path(out_dir) if out_dir else io.default_out_dir(f"{cfg.cycle}-score")
    check_output_location(out)
    pr = _prepare(cfg, model_uri, tracking_uri, data)
    uri, version, tables, hashes = pr.uri, pr.version, pr.tables, pr.hashes
    as_of = cfg.as_of_date
    h = cfg.horizon_months
    final_train = [o for o in pr.origins if o + pd.DateOffset(months=h) <= as_of]
    settings = EvaluationSettings.from_config(cfg)
    Xtr, ytr, wtr, to_target = final_training(pr.X, tables.events, final_train, as_of, settings)
    kind, evaluation = _model_cycle(uri, version["run_id"], cfg)
    params = cfg.models.params.get(kind, {})
    tracker = Tracker(uri, cfg.tracking.experiment)
    git = git_state(Path(io.__file__).resolve().parent)
    tags = {"earlywarn.role": "score", "earlywarn.out_dir": str(out.resolve()), **git}
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
        run_info["model_identity"] = _model_identity(run_info)
        run_info["confidential"] = _confidential()
        tracker.log_params({f"input.{k}": v for k, v in hashes.items()})
        tracker.log_params({"model_uri": model_uri, "model_version": version["version"]})
        pub = publish_files(
            cfg=cfg,
            model=pr.model,
            make_model=lambda: make_model(kind, params, cfg.seed, specs=pr.features.specs),
            X=pr.X,
            panel=pr.panel,
            feats=pr.features,
            tables=tables,
            score_origin=pr.score_origin,
            Xtr=Xtr,
            ytr=ytr,
            wtr=wtr,
            to_target=to_target,
            evaluation=evaluation,
            run_info=run_info,
        )
        files = pub.files
        # the cycle's saved predictions and model card, as the cycle published them
        extra = _cycle_artefacts(uri, version["run_id"], version)
        if cfg.report.pseudonymise:  # the cycle's predictions may name councils: card only
            extra = {n: c for n, c in extra.items() if not n.endswith(".parquet")}
        if "MODEL_CARD.md" in extra:  # stamped like every export (as the cycle's)
            from earlywarn.model_card import stamped_card

            extra["MODEL_CARD.md"] = stamped_card(extra["MODEL_CARD.md"], run_info)
        files.update(extra)
        if cfg.report.pseudonymise:  # fail closed, before anything is logged or written
            from earlywarn.pseudonymise import check_no_identifiers

            check_no_identifiers(files, tables.councils)
        csv_text = files["risk_list.csv"]
        if cfg.report.pseudonymise or (
            default_log_outputs(uri)
            if cfg.tracking.log_outputs is None
            else cfg.tracking.log_outputs
        ):  # a named list goes into the store only with tracking.log_outputs
            tracker.log_text(csv_text, "risk_list.csv")
            tracker.log_text(files["reasons.json"], "reasons.json")
        out = io.write_output_folder(out, files)  # complete before it is recorded
        tracker.record_publication(_publication_record("score", run_info, csv_text, out))
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
        if type(err).__name__ not in ("MlflowException", "RestException", "OSError"):
            raise
    kind = tags.get("earlywarn.model") or cfg.models.kinds[-1]
    parent = tags.get("mlflow.parentRunId")
    evaluation: dict = {}
    if parent:
        try:
            mlflow.set_tracking_uri(uri)
            evaluation = mlflow.artifacts.load_dict(f"runs:/{parent}/evaluation.json")
        except Exception as err:
            if type(err).__name__ not in ("MlflowException", "RestException", "OSError"):
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
        if type(err).__name__ not in ("MlflowException", "RestException", "OSError"):
            raise
    return out


@dataclass
class _Prepared:
    """A registered model and the panel and features as of ``cfg.as_of``."""

    uri: str
    version: dict[str, Any]
    model: Any
    tables: Tables
    hashes: dict[str, str]
    panel: pd.DataFrame
    features: Any  # FeatureSet
    X: pd.DataFrame  # the model's columns, all origins
    origins: list[pd.Timestamp]
    score_origin: pd.Timestamp


@dataclass
class _Scored:
    """The latest origin scored and explained by a registered model (shared by score and
    explain)."""

    uri: str
    version: dict[str, Any]
    tables: Tables
    hashes: dict[str, str]
    panel: pd.DataFrame
    features: Any  # FeatureSet
    score_origin: pd.Timestamp
    explanation: Any  # earlywarn.explain.Explanation
    risk_list: pd.DataFrame


def _prepare(
    cfg: CycleConfig,
    model_uri: str,
    tracking_uri: str | None,
    data: tuple[Tables, pd.DataFrame | None, dict[str, str]] | None,
) -> _Prepared:
    """Load the registered Pipeline; rebuild panel and features as of ``cfg.as_of``."""
    from earlywarn.cycle import load_cycle_data, load_feature_inputs, restrict_to_as_of
    from earlywarn.features import build_features
    from earlywarn.panel import annual_origins, build_panel
    from earlywarn.preflight import check_existing_store
    from earlywarn.tracking import load_model, resolve_model_version, resolve_tracking_uri

    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    check_existing_store(uri, cfg.tracking.connect_timeout)  # reading never creates a store
    try:
        version = resolve_model_version(uri, model_uri)
        model = load_model(uri, model_uri)
    except Exception as err:
        if type(err).__name__ not in ("MlflowException", "RestException", "OSError"):
            raise
        raise UserInputError(f"--model {model_uri}: not found in {uri} ({err})") from None
    tables, _, hashes = data if data is not None else load_cycle_data(cfg)
    tables = restrict_to_as_of(tables, cfg.as_of_date)
    origins = annual_origins(tables, cfg.as_of_date)[2:]
    if not origins:
        raise UserInputError(f"{cfg.path or 'config'}: no origin with history by as_of")
    panel = build_panel(tables, origins)
    notes, neighbours, feature_hashes = load_feature_inputs(cfg, tables)
    hashes = {**hashes, **feature_hashes}
    feats = build_features(
        tables, panel, cfg.features.families, cfg.features, soft_notes=notes, neighbours=neighbours
    )
    needed = list(getattr(model, "feature_names_in_", feats.X.columns))
    missing = [c for c in needed if c not in feats.X.columns]
    if missing:
        raise UserInputError(
            f"{cfg.path or 'config'}: the model needs feature {missing[0]!r}, which this "
            "config does not build (check features.families)"
        )
    return _Prepared(
        uri, version, model, tables, hashes, panel, feats, feats.X[needed], origins, max(origins)
    )


def _score_latest(
    cfg: CycleConfig,
    model_uri: str,
    tracking_uri: str | None,
    data: tuple[Tables, pd.DataFrame | None, dict[str, str]] | None,
) -> _Scored:
    """Score and explain the latest origin with the registered model (for ``explain``);
    the risk list is not pseudonymised."""
    from earlywarn.evaluation import EvaluationSettings, final_training
    from earlywarn.explain import explain, latest_periods
    from earlywarn.report import build_banded_risk_list

    pr = _prepare(cfg, model_uri, tracking_uri, data)
    X, score_origin = pr.X, pr.score_origin
    h = cfg.horizon_months
    final_train = [o for o in pr.origins if o + pd.DateOffset(months=h) <= cfg.as_of_date]
    settings = EvaluationSettings.from_config(cfg)
    Xtr, ytr, wtr, to_target = final_training(
        X, pr.tables.events, final_train, cfg.as_of_date, settings
    )
    Xnow = X[X.index.get_level_values("origin") == score_origin]
    prob = to_target(pr.model.predict_proba(Xnow)[:, 1], Xnow)
    periods = latest_periods(pr.tables.observations, score_origin)
    feats = pr.features
    expl = explain(
        pr.model, Xnow, Xtr, feats.specs, feats.peer_median, cfg.report.n_reasons, periods
    )
    scores = pr.panel.loc[Xnow.index, ["council_name", "council_type", "region"]].reset_index()
    scores = scores.drop(columns="origin").assign(probability=np.round(prob, 6))
    w = None if wtr is None else np.asarray(wtr, dtype=float)
    base_rate = float(np.average(np.asarray(ytr, dtype=float), weights=w))
    risk_list = build_banded_risk_list(
        scores,
        expl,
        pr.tables.observations,
        score_origin,
        cfg.report,
        base_rate=base_rate,
        top_k=cfg.evaluate.k,
    )
    return _Scored(
        pr.uri, pr.version, pr.tables, pr.hashes, pr.panel, feats, score_origin, expl, risk_list
    )


@dataclass
class CouncilReasons:
    """One council's risk and reasons at the latest origin (:func:`explain_council`).

    CONFIDENTIAL: names a council. ``reasons`` is the council's rows of
    ``Explanation.reasons`` (``direction`` 'raises' or 'lowers', ``sentence``, ``shap``,
    ``value``, ``peer_median``, ``signal``, ...); ``by_nature`` / ``by_family`` its summed
    SHAP values; ``values`` its SHAP value per feature; ``history`` / ``peers`` its features
    and its peers' medians over the origins (for trend plots of a reason's ``signal``).
    """

    council_code: str
    council_name: str
    score_origin: pd.Timestamp
    model: str
    probability: float
    rank: int
    n_councils: int
    bands: dict[str, Any]
    reasons: pd.DataFrame
    by_family: pd.Series
    by_nature: pd.Series
    main_nature: str
    support: str
    values: pd.Series | None = None  # SHAP value (log-odds) per source feature
    history: pd.DataFrame | None = None  # the council's features over origins
    peers: pd.DataFrame | None = None  # its peers' medians over origins
    specs: dict[str, Any] | None = None  # feature metadata (FeatureSpec per feature)
    # the council-bootstrap interval published with this model's cycle list (if any)
    probability_lo: float | None = None
    probability_hi: float | None = None
    context_note: str = ""  # when context, not signals of decline, carries the risk
    probability_meaning: str = "Probability"
    england: pd.DataFrame | None = None  # England's median of each feature over origins

    def _interval(self) -> str:
        if self.probability_lo is None or self.probability_hi is None:
            return ""
        return f", interval {self.probability_lo:.1%} to {self.probability_hi:.1%}"

    def to_text(self) -> str:
        """The terminal view: banner, probability and band, reasons, nature, support."""
        from earlywarn.report import CONFIDENTIAL

        b = self.bands
        up = self.reasons[self.reasons["direction"] == "raises"]
        down = self.reasons[self.reasons["direction"] == "lowers"]
        lines = [
            CONFIDENTIAL,
            f"{self.council_name} ({self.council_code}), origin {self.score_origin.date()}; "
            f"model {self.model}",
            f"{self.probability_meaning} {self.probability:.1%}{self._interval()} "
            f"(rank {self.rank} of {self.n_councils}); "
            f"likelihood {b['likelihood_band']}, impact {b['impact_band']} (matrix score "
            f"{b['risk_score']}): {b['risk_band']}",
            "Reasons raising the risk:",
            *(
                f"  {i}. {r.sentence} ({r.nature}, {r.shap:+.2f} log-odds)"
                for i, r in enumerate(up.itertuples(), 1)
            ),
        ]
        if up.empty:
            lines.append("  none: no signal of decline passes the reviewer's test")
        if self.context_note:
            lines.append(f"Context: {self.context_note}")
        if not down.empty:
            r = next(down.itertuples())
            lines.append(f"Protective factor: {r.sentence} ({r.shap:+.2f} log-odds)")
        else:
            lines.append("Protective factor: none passes the test")
        natures = ", ".join(
            f"{n} {v:+.2f}" for n, v in self.by_nature.sort_values(ascending=False).items()
        )
        lines.append(
            f"Problem nature: {self.main_nature or 'no clear single nature'} (log-odds by "
            f"nature: {natures})"
        )
        lines.append(f"Support usually offered: {self.support or 'none listed'}")
        return "\n".join(lines)


def explain_council(
    cfg: CycleConfig,
    council: str,
    model_uri: str | None = None,
    tracking_uri: str | None = None,
    data: tuple[Tables, pd.DataFrame | None, dict[str, str]] | None = None,
) -> CouncilReasons:
    """One council's reasons at the latest origin as of ``cfg.as_of``, from a registered model.

    The model (default ``models:/<registry name>@champion``, the registry name being
    ``tracking.registry_name`` or the experiment) is loaded, panel and features are rebuilt
    and scored as ``earlywarn score`` does (no retraining, nothing written); the band and
    support come from ``[report]`` as in the cycle.

    Raises
    ------
    UserInputError
        The council code is not scored at that origin, or the model is not found.
    """
    model_uri = model_uri or (
        f"models:/{cfg.tracking.registry_name or cfg.tracking.experiment}@champion"
    )
    sc = _score_latest(cfg, model_uri, tracking_uri, data)
    rl = sc.risk_list.set_index("council_code")
    code = resolve_council(council, rl, f"the councils scored at {sc.score_origin.date()}")
    expl = sc.explanation
    # the published list already carries the council's bands and support
    bands = rl.loc[code, ["likelihood_band", "impact_band", "risk_score", "risk_band"]]
    reasons = expl.reasons[expl.reasons["council_code"] == code].reset_index(drop=True)
    main = "" if expl.main_nature is None else str(expl.main_nature.get(code, ""))
    v = sc.version
    lo, hi = _published_interval(sc, cfg, code, float(rl.at[code, "probability"]))
    return CouncilReasons(
        council_code=code,
        council_name=str(rl.at[code, "council_name"]),
        score_origin=sc.score_origin,
        model=f"{v['name']} version {v['version']} ({model_uri})",
        probability=float(rl.at[code, "probability"]),
        rank=int(rl.at[code, "rank"]),
        n_councils=len(rl),
        bands=bands.to_dict(),
        reasons=reasons,
        by_family=expl.by_family.loc[code],
        by_nature=expl.by_nature.loc[code],
        main_nature=main,
        support=str(rl.at[code, "support_offered"]),
        values=expl.values.loc[code],
        history=sc.features.X.xs(code, level="council_code"),
        peers=sc.features.peer_median.xs(code, level="council_code"),
        specs=sc.features.specs,
        probability_lo=lo,
        probability_hi=hi,
        context_note=_text(expl.notes.get(code, "")) if expl.notes is not None else "",
        probability_meaning=_meaning({}, cfg),
        england=sc.features.X.groupby(level="origin").median(),
    )


def explain_published(
    cfg: CycleConfig, council: str, tracking_uri: str | None = None
) -> CouncilReasons | None:
    """One council's reasons read from the latest published list of the config's experiment
    (no scoring: seconds, not minutes); ``None`` when nothing is published yet.

    ``council`` is a council code or name (any case); an unknown one is rejected at once
    with the closest codes and names (:func:`resolve_council`).
    """
    import os

    from earlywarn.preflight import check_existing_store
    from earlywarn.tracking import last_publications, resolve_tracking_uri

    # a terminal answer: no artefact download progress bars on stderr
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    check_existing_store(uri, cfg.tracking.connect_timeout)  # reading never creates a store
    pub = None
    for kind in ("cycle", "score"):
        try:
            pubs = last_publications(uri, cfg.tracking.experiment, n=1, kind=kind)
        except Exception as err:  # no publications table yet
            if type(err).__name__ not in ("MlflowException", "RestException", "OSError"):
                raise
            pubs = []
        if pubs and (pub is None or str(pubs[0]["published_at"]) > str(pub["published_at"])):
            pub = pubs[0]
    if pub is None:
        return None
    rl = _read_list(pub["risk_list"]).set_index("council_code")
    code = resolve_council(council, rl, f"the list published at {pub['published_at']}")
    rj = _published_reasons(pub, uri)
    reasons = pd.DataFrame(rj.get("reasons", []))
    if len(reasons):
        reasons = reasons[reasons["council_code"] == code].reset_index(drop=True)
    row = rl.loc[code]
    main = row.get("main_problem_nature", "")
    main = "" if not isinstance(main, str) or main == "no clear single nature" else main

    def series(key: str) -> pd.Series:
        return pd.Series(rj.get(key, {}).get(code, {}), dtype=float)

    def num(col: str) -> float | None:
        v = row.get(col)
        return None if v is None or v != v else float(v)

    return CouncilReasons(
        council_code=code,
        council_name=str(row["council_name"]),
        score_origin=pd.Timestamp(pub["score_origin"]),
        model=(
            f"{pub['registered_model']} version {pub['model_version']} "
            f"(published {pub['kind']} list of {pub['published_at']})"
        ),
        probability=float(row["probability"]),
        rank=int(row["rank"]),
        n_councils=len(rl),
        bands={c: row.get(c) for c in _BAND_COLUMNS},
        reasons=reasons,
        by_family=series("by_family"),
        by_nature=series("by_nature"),
        main_nature=main,
        support=str(row.get("support_offered", "")),
        probability_lo=num("probability_lo"),
        probability_hi=num("probability_hi"),
        context_note=_text(row.get("context_note")),
        probability_meaning=_meaning(pub, cfg),
    )


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _meaning(pub: dict, cfg: CycleConfig) -> str:
    from earlywarn.publication import probability_meaning

    return probability_meaning(cfg)


_BAND_COLUMNS = ["likelihood_band", "impact_band", "risk_score", "risk_band"]


def _published_reasons(pub: dict, uri: str) -> dict:
    """``reasons.json`` of a publication: from its output folder, else the tracking store."""
    folder = Path(str(pub.get("out_dir", "")))
    if (folder / "reasons.json").is_file():
        return json.loads((folder / "reasons.json").read_text(encoding="utf-8"))
    import mlflow

    mlflow.set_tracking_uri(uri)
    run = pub["model_run_id"] if pub["kind"] == "cycle" else pub["run_id"]
    try:
        return json.loads(mlflow.artifacts.load_text(f"runs:/{run}/reasons.json"))
    except Exception as err:
        if type(err).__name__ not in ("MlflowException", "RestException", "OSError"):
            raise
        return {}


def resolve_council(council: str, rl: pd.DataFrame, where: str) -> str:
    """The council code for a code or a name (any case) in ``rl`` (indexed by code).

    Raises
    ------
    UserInputError
        Unknown: one line listing the closest codes and names (difflib).
    """
    import difflib

    text = council.strip()
    if text.upper() in rl.index:
        return text.upper()
    names = {str(n).casefold(): c for c, n in rl["council_name"].items()}
    if text.casefold() in names:
        return names[text.casefold()]
    close_names = difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.6)
    close_codes = difflib.get_close_matches(text.upper(), list(rl.index), n=3, cutoff=0.7)
    hints = [f"{rl.at[names[n], 'council_name']} ({names[n]})" for n in close_names]
    hints += [f"{rl.at[c, 'council_name']} ({c})" for c in close_codes if c not in names.values()]
    near = f"; close matches: {', '.join(hints)}" if hints else ""
    raise UserInputError(
        f"--council {council!r}: no council with that code or name in {where} (codes are ONS "
        f"GSS codes, as in the council_code column of risk_list.csv){near}"
    )


def _published_interval(
    sc: _Scored, cfg: CycleConfig, code: str, probability: float
) -> tuple[float | None, float | None]:
    """The council's ``probability_lo/hi`` from the latest cycle list published in the
    tracking store, when that list came from this model version, for this origin, and gave
    this council the same probability (an interval needs the training data: explain does
    not refit). ``(None, None)`` otherwise."""
    from earlywarn.tracking import last_publications

    try:
        pubs = last_publications(sc.uri, cfg.tracking.experiment, n=1)
    except Exception as err:  # no publications table yet: no interval to show
        if type(err).__name__ not in ("MlflowException", "RestException", "OSError"):
            raise
        return None, None
    if not pubs:
        return None, None
    pub = pubs[0]
    same = (
        str(pub.get("model_version")) == str(sc.version["version"])
        and pub.get("registered_model") == sc.version["name"]
        and pub.get("score_origin") == str(sc.score_origin.date())
    )
    rl = _read_list(pub["risk_list"]) if same else pd.DataFrame()
    if not {"council_code", "probability", "probability_lo", "probability_hi"} <= set(rl):
        return None, None
    row = rl[rl["council_code"] == code]
    if len(row) != 1 or abs(float(row["probability"].iloc[0]) - probability) > 1e-6:
        return None, None
    return float(row["probability_lo"].iloc[0]), float(row["probability_hi"].iloc[0])


def _read_list(csv_text: str) -> pd.DataFrame:
    return pd.read_csv(_io.StringIO(csv_text), comment="#")


def compare_cycles(cfg: CycleConfig, tracking_uri: str | None = None, k: int | None = None) -> dict:
    """This cycle's list and metrics against the previous cycle's (from the tracking store).

    Returns ``{"current", "previous"`` (cycle, model version, published_at),
    ``"k", "entered", "left"`` (council codes and names entering / leaving the top k),
    ``"metrics"`` (per model and pooled metric: previous, current, change)}.
    CONFIDENTIAL: names councils.
    """
    from earlywarn.preflight import check_existing_store
    from earlywarn.tracking import last_publications, resolve_tracking_uri

    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    check_existing_store(uri, cfg.tracking.connect_timeout)  # reading never creates a store
    k = k or cfg.evaluate.k
    pubs = last_publications(uri, cfg.tracking.experiment, n=2)
    if len(pubs) < 2:
        raise UserInputError(
            f"{cfg.path or 'config'}: experiment {cfg.tracking.experiment!r} has "
            f"{len(pubs)} published cycle(s) in {uri}; compare needs two"
        )
    cur, prev = pubs
    lists = {}
    for key, pub in (("current", cur), ("previous", prev)):
        rl = _read_list(pub["risk_list"])
        lists[key] = rl.sort_values("rank").head(k).set_index("council_code")
    names = {**lists["previous"]["council_name"], **lists["current"]["council_name"]}
    entered = sorted(set(lists["current"].index) - set(lists["previous"].index))
    left = sorted(set(lists["previous"].index) - set(lists["current"].index))
    metrics = []
    for model, ev in cur["evaluation"].get("models", {}).items():
        before = prev["evaluation"].get("models", {}).get(model)
        if before is None:
            continue
        for name, m in ev.get("pooled", {}).items():
            b = before.get("pooled", {}).get(name)
            if isinstance(m, dict) and isinstance(b, dict) and m.get("value") is not None:
                if b.get("value") is None:
                    continue
                metrics.append(
                    {
                        "model": model,
                        "metric": name,
                        "previous": b["value"],
                        "current": m["value"],
                        "change": m["value"] - b["value"],
                    }
                )

    def head(p: dict) -> dict:
        return {
            "cycle": p["cycle"],
            "published_at": p["published_at"],
            "model_version": p["model_version"],
            "registered_model": p["registered_model"],
            "chosen_model": p["evaluation"].get("chosen_model", {}).get("kind", ""),
        }

    return {
        "current": head(cur),
        "previous": head(prev),
        "k": k,
        "entered": [{"council_code": c, "council_name": names.get(c, "")} for c in entered],
        "left": [{"council_code": c, "council_name": names.get(c, "")} for c in left],
        "metrics": metrics,
        "compared_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }

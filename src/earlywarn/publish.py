"""Between cycles: score a new origin with the registered model, and compare two cycles.

- :func:`score_registered` (``earlywarn score CONFIG --model models:/NAME@champion``):
  builds the panel and features as of the config's ``as_of``, loads the registered
  Pipeline (no retraining), scores the latest origin, explains it, publishes the risk
  list into a new output folder and records the publication (model version, list hash,
  time) in the tracking store.
- :func:`compare_cycles` (``earlywarn compare CONFIG``): the latest two published cycles
  of the config's experiment — who entered and who left the top *k*, how each model's
  pooled backtest metrics moved, and which model version each used.

Example
-------
See ``tests/test_tracking.py``.
"""

from __future__ import annotations

import io as _io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn import io
from earlywarn.config import CycleConfig
from earlywarn.errors import UserInputError
from earlywarn.schema import Tables

__all__ = ["ScoreResult", "compare_cycles", "score_registered"]


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
    """Score the latest origin as of ``cfg.as_of`` with a registered model (no retraining)."""
    from earlywarn.cycle import (
        _confidential,
        _export_json,
        _model_identity,
        _publication_record,
        _risk_list_csv,
        load_cycle_data,
        restrict_to_as_of,
    )
    from earlywarn.explain import explain
    from earlywarn.features import build_features
    from earlywarn.panel import annual_origins, build_panel
    from earlywarn.report import build_risk_list
    from earlywarn.tracking import (
        Tracker,
        git_state,
        load_model,
        resolve_model_version,
        resolve_tracking_uri,
    )

    out = Path(out_dir) if out_dir else io.default_out_dir(f"{cfg.cycle}-score")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserInputError(f"{out}: output folder already exists and is not empty")
    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.project_root() / "experiments")
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
    feats = build_features(tables, panel, cfg.features.families)
    needed = list(getattr(model, "feature_names_in_", feats.X.columns))
    missing = [c for c in needed if c not in feats.X.columns]
    if missing:
        raise UserInputError(
            f"{cfg.path or 'config'}: the model needs feature {missing[0]!r}, which this "
            "config does not build (check features.families)"
        )
    X = feats.X[needed]
    score_origin = max(origins)
    now = X.index.get_level_values("origin") == score_origin
    Xnow, background = X[now], X[~now]
    prob = model.predict_proba(Xnow)[:, 1]
    expl = explain(
        model, Xnow, background.tail(500), feats.specs, feats.peer_median, cfg.report.n_reasons
    )
    scores = panel.loc[Xnow.index, ["council_name", "council_type", "region"]].reset_index()
    scores = scores.drop(columns="origin").assign(probability=prob.round(6))
    risk_list = build_risk_list(scores, expl.reasons, cfg.report.n_reasons)
    if cfg.report.pseudonymise:
        from earlywarn.pseudonymise import pseudonymise_risk_list, pseudonyms

        risk_list = pseudonymise_risk_list(risk_list, pseudonyms(risk_list))
    tracker = Tracker(uri, cfg.tracking.experiment)
    git = git_state(io.project_root())
    with tracker.run(f"score-{cfg.cycle}", tags={"earlywarn.role": "score", **git}) as run_id:
        run_info = {
            "cycle": cfg.cycle,
            "as_of": str(cfg.as_of_date.date()),
            "score_origin": str(score_origin.date()),
            "model": model_uri,
            "model_run_id": version["run_id"],
            "registered_model": {"name": version["name"], "version": version["version"]},
            "score_run_id": run_id,
            "tracking_uri": uri,
            "inputs": hashes,
            "pseudonymised": cfg.report.pseudonymise,
            **git,
        }
        run_info["model_identity"] = _model_identity(run_info)
        run_info["confidential"] = _confidential()
        tracker.log_params({f"input.{k}": v for k, v in hashes.items()})
        tracker.log_params({"model_uri": model_uri, "model_version": version["version"]})
        csv_text = _risk_list_csv(risk_list, run_info)
        files = {"risk_list.csv": csv_text, "run.json": _export_json(run_info, run_info)}
        if cfg.report.pseudonymise:  # fail closed, before anything is logged or written
            from earlywarn.pseudonymise import check_no_identifiers

            check_no_identifiers(files, tables.councils)
        tracker.log_text(csv_text, "risk_list.csv")
        tracker.record_publication(_publication_record("score", run_info, csv_text, out))
    return ScoreResult(io.write_output_folder(out, files), risk_list, run_info)


def _read_list(csv_text: str) -> pd.DataFrame:
    return pd.read_csv(_io.StringIO(csv_text), comment="#")


def compare_cycles(cfg: CycleConfig, tracking_uri: str | None = None, k: int | None = None) -> dict:
    """This cycle's list and metrics against the previous cycle's (from the tracking store).

    Returns ``{"current", "previous"`` (cycle, model version, published_at),
    ``"k", "entered", "left"`` (council codes and names entering / leaving the top k),
    ``"metrics"`` (per model and pooled metric: previous, current, change)}.
    CONFIDENTIAL: names councils.
    """
    from earlywarn.tracking import last_publications, resolve_tracking_uri

    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.project_root() / "experiments")
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

"""One publishing path: the files ``cycle`` and ``score`` write for a fitted model.

:func:`publish_files` takes the fitted (published) model, its training rows (the SHAP
background and the bootstrap's data), the rows to score and the evaluation of its cycle,
and returns the risk list, the explanation as exported and the files: ``risk_list.csv``,
``risk_list.xlsx``, ``signals.csv``, ``reasons.json``, ``report.html``,
``evaluation.json`` and ``run.json``. ``cycle`` calls it after fitting; ``score`` after
loading the registered model and rebuilding the same training rows, so the two publish
the same probabilities, reasons (same background), intervals (same seed) and files.

The list carries, beside the probability it ranks by (for the conditional target
P(inadequate | inspected within the horizon)), P(inspected within the horizon) from the
inspection-timing model and the other target: the joint risk P(inspected and inadequate)
= their product, or for a joint list the conditional risk = joint / P(inspected).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from earlywarn._json import to_jsonable
from earlywarn.backtest import TargetMap

__all__ = ["Publication", "publish_files"]


@dataclass
class Publication:
    """What :func:`publish_files` made."""

    risk_list: pd.DataFrame
    explanation: Any
    files: dict[str, str | bytes]
    timings: dict[str, float] = field(default_factory=dict)


def publish_files(
    *,
    cfg: Any,
    scored: Any,
    make_model: Callable[[], Any],
    X: pd.DataFrame,
    feats: Any,
    tables: Any,
    Xtr: pd.DataFrame,
    ytr: pd.Series,
    wtr: np.ndarray | None,
    to_target: TargetMap,
    evaluation: dict,
    run_info: dict,
    predictions: pd.DataFrame | None = None,
    research: dict[str, str] | None = None,
    backtest: Any = None,
    held_out: Any = None,
    notes: pd.DataFrame | None = None,
    coverage: dict[str, Any] | None = None,
    model: Any = None,
) -> Publication:
    """Band and render the list of a scored origin (``scored``, from
    :func:`earlywarn.cycle.score_and_explain`) with its intervals (module notes).

    ``notes``: the advisers' notes (``features.soft_notes``), shown beside the reasons in
    the list, the report and signals.csv, with a line saying whether the model uses them.
    ``coverage``: the coverage record of the models' inputs (``Prepared.coverage``), cut to
    the published model's features for run.json and the report. ``model``: the fitted
    published model (its ``used_features_`` narrow the inputs the notes line speaks of)."""
    from earlywarn.evaluation import council_bootstrap_interval
    from earlywarn.explain import build_signals
    from earlywarn.io import spreadsheet_csv
    from earlywarn.report import (
        build_banded_risk_list,
        calibration_png,
        coverage_html,
        csv_header,
        export_json,
        published_view,
        reasons_json,
        render_council_sections,
        render_report,
        render_risk_list_xlsx,
        render_section,
        risk_list_csv,
        saved_predictions,
        stability_html,
    )

    timings: dict[str, float] = {"explain": scored.seconds}
    rep = cfg.report
    Xnow, prob, expl = scored.X_now, scored.probability, scored.explanation
    score_origin = Xnow.index.get_level_values("origin").max()
    timing = to_target.timing
    scores = scored.scores
    t1 = time.perf_counter()
    interval = council_bootstrap_interval(
        make_model,
        Xtr,
        ytr,
        Xnow,
        weights=wtr,
        to_target=to_target,
        n_boot=rep.interval_boot,
        level=rep.interval_level,
        seed=cfg.seed,
        compute=cfg.compute,  # the refits run where [compute] says (same interval)
    )
    timings["interval"] = time.perf_counter() - t1
    recal = getattr(scored, "recalibration", None)
    if recal and recal.get("applied"):  # the refits' probabilities, mapped as the point was
        from earlywarn.evaluation import apply_recalibration

        for col in ("probability_lo", "probability_hi"):
            if col in interval:
                interval[col] = np.round(apply_recalibration(interval[col], recal), 6)
    scores = scores.join(interval, on="council_code")
    if {"probability_lo", "probability_hi"} <= set(scores.columns):
        # a percentile interval of refits that excludes the published fit says the refits
        # disagree with it: not shown (never widened to look as if it agreed)
        p = scores["probability"]
        outside = (p < scores["probability_lo"]) | (p > scores["probability_hi"])
        scores.loc[outside, ["probability_lo", "probability_hi"]] = np.nan
    p_insp = None if timing is None else np.asarray(timing(Xnow), dtype=float)
    if p_insp is not None and not np.all(p_insp == 1.0):  # failures found by inspection
        scores["p_inspected"] = np.round(p_insp, 6)
        if cfg.labels.target == "conditional":
            scores["joint_probability"] = np.round(prob * p_insp, 6)
        else:  # the list ranks by the joint risk: add the conditional one
            cond = np.clip(prob / np.clip(p_insp, 1e-3, 1.0), 0.0, 1.0)
            scores["conditional_probability"] = np.round(cond, 6)
    base_rate = scored.base_rate
    listed = cfg.models.params.get(run_info.get("model"), {}).get("features")
    inputs = list(listed or Xtr.columns)  # the published model's features
    used = _used_inputs(model, inputs)
    shown_notes, notes_record = _adviser_notes(cfg, notes, score_origin, Xtr, used)
    risk_list = build_banded_risk_list(
        scores,
        expl,
        tables.observations,
        score_origin,
        rep,
        base_rate=base_rate,
        top_k=cfg.evaluate.k,
        events=tables.events,
        notice_years=cfg.features.notice_years,
        gate=gate_of(evaluation),
        adviser_notes=None if shown_notes is None else _joined(shown_notes),
        finance="financial_failure" in cfg.labels.events,
    )
    signals = build_signals(
        tables.observations, Xnow, feats, score_origin, expl.reasons, notes=shown_notes
    )
    run_info = {
        **run_info,
        "base_rate": round(base_rate, 6),
        "probability_meaning": probability_meaning(cfg),
        "interval": {
            "level": rep.interval_level,
            "n_boot": rep.interval_boot,
            "method": "council bootstrap (percentile); not shown where it excludes its own "
            "point or more than 20% of the resamples were skipped",
        },
        "probability_gate": gate_of(evaluation),
    }
    if notes_record:  # whether they are modelled: said once on stderr and in the report
        run_info["adviser_notes"] = notes_record
        if notes_record["warning"]:
            run_info["warnings"] = [*run_info.get("warnings", []), notes_record["warning"]]
    if coverage:
        from earlywarn.features import coverage_for

        run_info["coverage"] = coverage_for(coverage, inputs)
    if recal is not None:  # how the published probability was formed (recalibrate.py)
        run_info["recalibration"] = recal
    # the out-of-time predictions (cycle only: `score` does not backtest), pseudonymised
    # with the same names as the list
    stamp = {
        "confidential": run_info.get("confidential", ""),
        "as_of": run_info.get("as_of", ""),
        "model_identity": run_info.get("model_identity", ""),
    }
    saved = {}
    if backtest is not None:
        saved = saved_predictions(backtest, risk_list, rep.pseudonymise, stamp=stamp)
    if held_out is not None:  # the after-choice origins' predictions, scored once
        suffix = "_confirmatory" if "confirmatory" in evaluation else "_seen"
        saved.update(saved_predictions(held_out, risk_list, rep.pseudonymise, suffix, stamp))
    risk_list, expl, history, peers = published_view(
        risk_list, expl, X, feats.peer_median, rep.pseudonymise
    )
    if rep.pseudonymise:  # a council's own values would identify it: no signals rows
        signals = signals.iloc[0:0]
    from earlywarn.report import grade_history_words

    grades = {}
    if not rep.pseudonymise:  # dates of judgements would identify a council
        top = list(risk_list["council_code"].head(cfg.evaluate.k))
        grades = grade_history_words(tables.events, top)
    sections = render_council_sections(
        risk_list,
        expl,
        history,
        peers,
        feats.specs,
        cfg.evaluate.k,
        run_info=run_info,
        grade_history=grades,
    )
    png = calibration_png(predictions) if predictions is not None and len(predictions) else b""
    html_text = render_report(
        risk_list,
        evaluation,
        run_info,
        png,
        rep.top_n,
        council_sections=sections,
        extra_sections=[
            *([render_section(evaluation)] if evaluation.get("models") else []),
            *([_recalibration_html(recal)] if recal is not None else []),
            stability_html(evaluation),
            coverage_html(run_info),
        ],
    )
    csv_text = risk_list_csv(risk_list, run_info)
    files: dict[str, str | bytes] = {
        "risk_list.csv": csv_text,
        "risk_list.xlsx": render_risk_list_xlsx(risk_list, run_info, signals=signals),
        "signals.csv": csv_header(run_info) + spreadsheet_csv(signals),
        "reasons.json": reasons_json(expl, run_info),
        "report.html": html_text,
        "evaluation.json": export_json(evaluation, run_info),
        "run.json": json.dumps(to_jsonable(run_info), indent=2, sort_keys=True),
        **{n: csv_header(run_info) + t for n, t in (research or {}).items()},
        **saved,
    }
    return Publication(risk_list, expl, files, timings)


def gate_of(evaluation: dict) -> dict[str, Any]:
    """The evaluation's probability gate (:func:`earlywarn.evaluation.probability_gate`);
    without a backtest (no gate recorded) the probability is not shown."""
    gate = evaluation.get("probability_gate") if isinstance(evaluation, dict) else None
    if isinstance(gate, dict) and "shown" in gate:
        return gate
    return {"shown": False, "calibration_slope": None, "tiers": [], "rate": None, "n_origins": 0}


def probability_meaning(cfg: Any) -> str:
    """What the published probability is, in symbols (for headings)."""
    from earlywarn.labels import found_by_inspection

    months = cfg.horizon_months
    event = "/".join(cfg.labels.events) if cfg.labels.events else "failure"
    if cfg.labels.events and not any(found_by_inspection(k) for k in cfg.labels.events):
        if "financial_failure" in cfg.labels.events:  # announced: nobody has to inspect
            event = "a first EFS approval or s114 notice"
        return f"P({event} within {months} months)"
    if cfg.labels.target == "joint":
        return f"P(inspected and {event} within {months} months)"
    return f"P({event} | inspected within {months} months)"


def _recalibration_html(recal: dict[str, Any]) -> str:
    """The report's paragraph on how the published probability was formed."""
    import html

    return f"<h2>How the probability was formed</h2>\n<p>{html.escape(recal['words'])}.</p>"


def _used_inputs(model: Any, inputs: list[str]) -> list[str]:
    """The features among ``inputs`` a fitted model's prediction depends on: those its
    classifier lists in ``used_features_`` (``persistence``, ``red_flags``, ``hazard``,
    ``mixed``; a calibrated model's underlying fit), else all of ``inputs``."""
    clf = model.steps[-1][1] if hasattr(model, "steps") else model
    clf = getattr(clf, "estimator_", clf)
    clf = clf.steps[-1][1] if hasattr(clf, "steps") else clf
    used = getattr(clf, "used_features_", None)
    if used is None:
        return inputs
    names = {str(u).removeprefix("missingindicator_") for u in used}
    return [n for n in inputs if n in names]


def _adviser_notes(
    cfg: Any,
    notes: pd.DataFrame | None,
    origin: pd.Timestamp,
    Xtr: pd.DataFrame,
    inputs: list[str],
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """The notes shown at ``origin`` (:func:`earlywarn.features.note_words`) and run.json's
    record of them (counts, window and the warning saying whether the published model,
    whose features are ``inputs``, uses them)."""
    if notes is None:
        return None, {}
    from earlywarn.features import note_words, notes_warning

    months = cfg.features.soft_months
    shown = note_words(notes, origin, months)
    train = sorted(set(Xtr.index.get_level_values("origin")))
    return shown, {
        "n_notes": len(shown),
        "n_councils": int(shown["council_code"].nunique()),
        "months": months,
        "warning": notes_warning(notes, origin, months, train, inputs),
    }


def _joined(shown: pd.DataFrame) -> pd.Series:
    """Each council's notes in one cell, newest first ('; ' between)."""
    return shown.groupby("council_code", sort=False)["words"].agg("; ".join)

"""Recompute an evaluation from a published folder's saved out-of-time predictions
(``backtest_predictions.parquet`` and ``backtest_failures.parquet``): anyone can check the
figures of ``evaluation.json``'s models, baselines, oracle, published lists, paired
differences and subgroups without the data or the models. Not recomputed from them: the
``two_part``, ``recalibration`` and ``usefulness_out_of_time`` blocks, which need the
backtest's own P(inspected) columns and the events (the saved predictions of a cycle with
``evaluate.recalibrate`` are the recalibrated ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn.evaluation._predictions import PREDICTIONS_FILE, from_long, groups_from_long

__all__ = ["evaluation_from_predictions", "recompute_evaluation", "settings_from_dict"]


def evaluation_from_predictions(
    long: pd.DataFrame, failures: pd.DataFrame, settings: Any
) -> dict[str, Any]:
    """Recompute the evaluation (models, baselines, oracle, both targets, selection,
    subgroups, lead times) from the saved predictions alone.

    Parameters
    ----------
    long : DataFrame
        The saved ``backtest_predictions.parquet``.
    failures : DataFrame
        ``council_code, date`` of the failures (``backtest_failures.parquet``).
    settings : EvaluationSettings
        As recorded in evaluation.json's ``settings`` block.
    """
    from earlywarn.evaluation._evaluate import evaluate_backtest

    bt, names = from_long(long)
    events = failures.assign(event_type="failure")
    return evaluate_backtest(
        bt, events, settings, model_names=names, groups=groups_from_long(long), failures=failures
    )


def settings_from_dict(d: dict[str, Any]) -> Any:
    """:class:`~earlywarn.evaluation.EvaluationSettings` from evaluation.json's
    ``settings`` block (lists back to tuples; unknown keys ignored)."""
    from dataclasses import fields

    from earlywarn.backtest import EvaluationSettings

    names = {f.name for f in fields(EvaluationSettings)}
    kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items() if k in names}
    return EvaluationSettings(**kw)


def recompute_evaluation(
    out_dir: Any, held_out: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(saved, recomputed)``: a cycle folder's evaluation.json and the same figures
    recomputed from its ``backtest_predictions.parquet`` and ``backtest_failures.parquet``.

    Every key of ``recomputed`` is also in ``saved`` with the same value (up to JSON
    rounding); the cycle adds only bookkeeping keys (origins, label words, the chosen
    model, the export stamp). ``held_out=True``: the block of origins scored after the
    choice (``confirmatory`` from ``backtest_predictions_confirmatory.parquet``,
    ``validation_seen`` from ``..._seen.parquet``, or an older folder's ``held_out`` from
    ``..._held_out.parquet``).
    """
    import json

    from earlywarn._json import to_jsonable

    out = Path(out_dir)
    saved = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    settings = settings_from_dict(saved["settings"])
    key = ""
    if held_out:
        blocks = ("confirmatory", "validation_seen", "held_out")
        key = next((k for k in blocks if k in saved), "held_out")
    suffix = {"": "", "confirmatory": "_confirmatory", "validation_seen": "_seen"}.get(
        key, "_held_out"
    )
    long = pd.read_parquet(out / PREDICTIONS_FILE.replace(".parquet", f"{suffix}.parquet"))
    fails = pd.read_parquet(out / f"backtest_failures{suffix}.parquet")
    ev = evaluation_from_predictions(long, fails, settings)
    if held_out:
        from earlywarn.backtest import AFTER_CHOICE_KEYS

        saved = saved[key]
        ev = {k: ev[k] for k in AFTER_CHOICE_KEYS if k in ev}
    if "oracle" in ev and "oracle" in saved:
        ev["oracle"]["note"] = saved["oracle"].get("note")
    return saved, json.loads(json.dumps(to_jsonable(ev), sort_keys=True))

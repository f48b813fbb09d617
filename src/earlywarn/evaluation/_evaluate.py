"""The evaluation a researcher can trust: two targets, baselines, subgroups, one dict.

Inspection is selective: a failure is only seen where an inspection happens, and
inspections follow a schedule. So every model is backtested for two targets on the same
rolling-origin splits:

- **conditional** P(fail | inspected in the window): trained and measured on inspected
  rows (censored rows dropped, or weighted — ``censoring``);
- **joint** P(inspected and found failing in the window) = P(inspected) x P(fail |
  inspected), where P(inspected) comes from an inspection-timing model fitted on the same
  training rows (time since the last inspection and its grade); measured on all rows.
  With ``censoring = "negative"`` the model learns the joint risk directly and its
  conditional score is the joint one divided by P(inspected).

The config's ``target`` says which one the risk list ranks by; the other is reported too.

How a score for the *other* target is formed matters when comparing runs
(:func:`score_words`, stored as ``score`` in each target's block). With ``censoring =
"drop"`` or ``"weight"`` a model or baseline is fitted to the conditional label and its
joint score is its conditional probability **times P(inspected) from the timing model**.
So in a conditional run's ``other_target`` block a single-factor baseline (deprivation,
persistence) is really a two-factor score, baseline x timing model, and the timing model
alone already ranks the joint label well (inspection is necessary for a joint failure;
``selection.timing.auroc_joint_label``). In a joint run (``censoring = "negative"``) the
baseline alone is fitted to the joint label, with no timing model. Same rows, same
labels, different scores: on the real 2023 data deprivation scored 0.726 on the joint
label in the conditional run against 0.607 in the joint run, persistence 0.705 against
0.598 (both n = 1214, 110 failures), while the timing model alone scores 0.731: the
conditional run's joint baselines are mostly the timing model. Not a bug; compare
baselines across runs only within the same censoring, and against the timing model.
Baselines (persistence, time since inspection, deprivation, red flags) and, on synthetic
data, the oracle run on the same rows. Subgroup metrics (council type, region,
deprivation quintile) show whether warnings fall unevenly.

The settings live in :mod:`earlywarn.backtest`, the loop in :mod:`earlywarn.backtest`,
the training rows in :mod:`earlywarn.backtest`, the words in
:mod:`earlywarn.report` and the subgroups in :mod:`earlywarn.evaluation`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from earlywarn._names import TARGETS
from earlywarn.backtest import (
    MIN_P_INSPECTED,
    EvaluationSettings,
    Split,
    backtest_targets,
    describe,
    model_makers,
    score_words,
)
from earlywarn.evaluation._predictions import to_long
from earlywarn.evaluation._subgroups import auroc_interval, subgroup_metrics, subgroup_table
from earlywarn.labels import failure_events, in_population, label_events
from earlywarn.metrics import evaluate_predictions, lead_time

__all__ = [
    "EvaluationRun",
    "evaluate_and_keep",
    "evaluate_backtest",
    "labels_known_at",
    "oracle_predictions",
    "run_evaluation",
    "target_rows",
]


# --------------------------------------------------------------------------- backtest


def oracle_predictions(bt: pd.DataFrame, true_risk: pd.DataFrame) -> pd.DataFrame:
    """The oracle (true probabilities) on the same rows as the backtest."""
    rows = bt.drop_duplicates(["council_code", "origin"]).drop(
        columns=["model", "p_conditional", "p_joint"]
    )
    tr = true_risk.reindex(pd.MultiIndex.from_frame(rows[["council_code", "origin"]]))
    ok = tr["p_fail"].notna().to_numpy()
    rows = rows[ok].assign(
        model="oracle",
        p_joint=tr["p_fail"].to_numpy()[ok],
        p_conditional=tr["p_fail_given_inspected"].fillna(0.0).to_numpy()[ok],
        p_inspected_true=tr["p_inspected"].to_numpy()[ok],
    )
    return rows


def labels_known_at(
    events: pd.DataFrame, settings: EvaluationSettings
) -> Callable[[pd.DataFrame, pd.Timestamp], pd.DataFrame]:
    """``known(rows, t)``: ``rows`` (``council_code, origin``) with ``label`` and
    ``censored`` built from the events published by ``t`` only. A step fitted at test
    origin ``t`` on earlier origins' outcomes (out-of-time recalibration, the usefulness
    threshold) reads these, never a judgement published after ``t``: with annual origins
    and a 24-month horizon the latest closed window ends on ``t`` itself, and a report
    inspected before ``t`` is often published after it."""
    from earlywarn.labels import make_labels

    ev = label_events(events, settings.frameworks)

    def known(rows: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
        index = pd.MultiIndex.from_arrays(
            [rows["council_code"].to_numpy(), pd.to_datetime(rows["origin"]).to_numpy()],
            names=["council_code", "origin"],
        )
        lab = make_labels(ev, index, settings.horizon_months, settings.kinds, known_at=t)
        return lab[["label", "censored"]].reset_index(drop=True)

    return known


def target_rows(bt: pd.DataFrame, target: str, settings: EvaluationSettings) -> pd.DataFrame:
    """The rows a target is measured on, as a predictions frame (``y``, ``p``, weight).

    ``joint``: every row. ``conditional``: uncensored rows, weighted by 1 / P(inspected)
    when ``censoring = "weight"``. ``new_failures_only`` drops councils already failed.
    """
    conditional = target == "conditional"
    rows = bt[
        in_population(bt, new_failures_only=settings.new_failures_only, uncensored=conditional)
    ]
    out = rows.assign(y=rows["label"].astype(int), p=rows[f"p_{target}"].astype(float))
    if f"ref_{target}" in rows:
        out = out.assign(reference=rows[f"ref_{target}"].astype(float))
    if target == "conditional" and settings.censoring == "weight":
        out = out.assign(weight=1.0 / np.clip(out["p_inspected"], MIN_P_INSPECTED, 1.0))
    return out


# --------------------------------------------------------------------------- metrics
def _failures(
    events: pd.DataFrame, kinds: tuple[str, ...], frameworks: str = "headline"
) -> pd.DataFrame:
    """``council_code, date`` of the failures (lead times): overall judgements only by
    default, and a judgement copied to a successor council counted once (the copies,
    ``history_carried``, are left out: the original stays under the predecessor)."""
    ev = label_events(events, frameworks)
    if "history_carried" in ev.columns:
        ev = ev[~ev["history_carried"].eq(True)]
    return failure_events(ev, kinds)[["council_code", "date"]].reset_index(drop=True)


def _curves(pred: pd.DataFrame, n_points: int = 60) -> dict[str, list]:
    from sklearn.metrics import precision_recall_curve, roc_curve

    y, p = pred["y"].to_numpy(), pred["p"].to_numpy()
    w = pred["weight"].to_numpy() if "weight" in pred else None
    if y.min() == y.max():
        return {"roc": [], "pr": []}
    fpr, tpr, _ = roc_curve(y, p, sample_weight=w)
    prec, rec, _ = precision_recall_curve(y, p, sample_weight=w)

    def thin(a: np.ndarray, b: np.ndarray) -> list:
        idx = np.unique(np.linspace(0, len(a) - 1, min(n_points, len(a))).round().astype(int))
        return [[round(float(a[i]), 4), round(float(b[i]), 4)] for i in idx]

    return {"roc": thin(fpr, tpr), "pr": thin(rec, prec)}


def _selection(bt: pd.DataFrame, settings: EvaluationSettings) -> dict[str, Any]:
    """The selective-inspection effect, in numbers a reader can check.

    For each model: the share of its top ``k`` (per origin) that was actually inspected in
    the window, and the joint precision at ``k``, when ranking by the conditional risk
    and when ranking by the joint risk; plus how well the inspection-timing model predicts
    being inspected and how little it separates failures among the inspected.
    """
    from earlywarn.metrics import top_k_share_by_origin

    s = settings
    rows = bt[in_population(bt, new_failures_only=s.new_failures_only)]
    out: dict[str, Any] = {"share_inspected_all": float(rows["inspected"].mean())}
    per_model = {}
    for name, g in rows.groupby("model", sort=False):
        g = g.reset_index(drop=True)
        ids, _ = pd.factorize(g["origin"], sort=True)
        entry = {}
        for by in TARGETS:
            flag = top_k_share_by_origin(ids, g[f"p_{by}"].to_numpy(dtype=float), s.k)
            entry[f"top_k_by_{by}"] = {  # expected over random orders of ties
                "share_inspected": float(np.average(g["inspected"], weights=flag)),
                "mean_p_inspected": float(np.average(g["p_inspected"], weights=flag)),
                "joint_precision_at_k": float(np.average(g["label"], weights=flag)),
            }
        per_model[name] = entry
    out["models"] = per_model
    g = rows.drop_duplicates(["council_code", "origin"])
    timing_all = g.assign(y=g["inspected"].astype(int), p=g["p_inspected"])
    insp = g[g["inspected"].astype(bool)]
    timing_fail = insp.assign(y=insp["label"].astype(int), p=insp["p_inspected"])
    n_boot = min(s.n_boot, 200)
    # the timing model alone as a joint-risk score: what a baseline x timing score starts from
    timing_joint = g.assign(y=g["label"].astype(int), p=g["p_inspected"])
    out["timing"] = {
        "auroc_inspected": auroc_interval(timing_all, n_boot, s.seed),
        "auroc_fail_among_inspected": auroc_interval(timing_fail, n_boot, s.seed),
        "auroc_joint_label": auroc_interval(timing_joint, n_boot, s.seed),
    }
    return out


def evaluate_backtest(
    bt: pd.DataFrame,
    events: pd.DataFrame,
    settings: EvaluationSettings,
    *,
    model_names: Sequence[str],
    groups: pd.DataFrame | None = None,
    failures: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Metrics of every model, baseline and the oracle, for both targets.

    Parameters
    ----------
    bt : DataFrame
        From :func:`backtest_targets` (plus :func:`oracle_predictions` rows, model
        ``"oracle"``).
    events : DataFrame
        The events table (for lead times).
    settings : EvaluationSettings
    model_names : sequence of str
        Which names in ``bt`` are models; the others (except ``oracle``) are baselines.
    groups : DataFrame, optional
        From :func:`subgroup_table`.
    failures : DataFrame, optional
        ``council_code, date`` of the failures for lead times (default: from ``events``).

    Returns
    -------
    dict
        ``target``, ``models``/``baselines``/``oracle`` (for the ranking target, each as
        from :func:`~earlywarn.metrics.evaluate_predictions`), ``other_target`` (the same
        for the other target), ``selection``, ``subgroups`` (ranking target), ``curves``
        (ROC and PR points) and ``lead_times`` (years, per evaluable failure).
    """
    s = settings
    fails = failures if failures is not None else _failures(events, s.kinds, s.frameworks)
    horizon = pd.DateOffset(months=s.horizon_months)
    names = list(dict.fromkeys(bt["model"]))
    out: dict[str, Any] = {"target": s.target}
    sections: dict[str, dict[str, Any]] = {}
    for target in (s.target, s.other_target):
        sec: dict[str, Any] = {"models": {}, "baselines": {}, "score": score_words(target, s)}
        for name in names:
            rows = target_rows(bt[bt["model"] == name], target, s)
            cols = ["council_code", "origin", "y", "p"]
            cols += [c for c in ("weight", "reference") if c in rows]
            ev = evaluate_predictions(
                rows[cols], k=s.k, mu=s.mu, n_boot=s.n_boot, seed=s.seed,
                events=fails, horizon=horizon,
            )  # fmt: skip
            if name == "oracle":
                sec["oracle"] = ev
            elif name in model_names:
                sec["models"][name] = ev
            else:
                sec["baselines"][name] = ev
            if name in model_names and name in s.baselines:
                sec["baselines"][name] = ev  # e.g. persistence: both a model and a baseline
            if target == s.target:
                out.setdefault("curves", {})[name] = _curves(rows)
                frame, _ = lead_time(rows[cols], fails, s.k, horizon=horizon)
                lt = frame["lead_time_years"].dropna().round(3).tolist()
                out.setdefault("lead_times", {})[name] = lt
                if groups is not None and len(groups.columns):
                    out.setdefault("subgroups", {})[name] = subgroup_metrics(
                        rows[cols], groups, s.k, n_boot=min(s.n_boot, 100), seed=s.seed
                    )
        sections[target] = sec
    out.update(sections[s.target])
    out["other_target"] = {"target": s.other_target, **sections[s.other_target]}
    out["unavailable_baselines"] = _unavailable(bt, s, model_names)
    if s.new_failures_only and "financial_failure" in s.kinds:
        out["repeats"] = _repeats(bt)
    out["published_list"] = _published_lists(bt, s)
    out["paired_differences"] = {
        target: _paired(bt, sections[target], target, s, model_names)
        for target in (s.target, s.other_target)
    }
    if s.by_inspection:
        out["selection"] = _selection(bt, s)
    return out


def _repeats(bt: pd.DataFrame) -> dict[str, Any]:
    """Repeats, reported apart (not scored): per test origin, the councils already failed
    at the origin (an EFS/s114 in the previous five years) and how many failed again."""
    one = bt.drop_duplicates(["council_code", "origin"])
    rep = one[one["failed_at_origin"].astype(bool)]
    per = {
        str(pd.Timestamp(o).date()): {"repeats": len(g), "failed_again": int(g["label"].sum())}
        for o, g in rep.groupby("origin")
    }
    return {
        "words": "councils with a failure in the five years before the origin are repeats: "
        "not scored (new failures only), counted here",
        "per_origin": per,
        "repeats": len(rep),
        "failed_again": int(rep["label"].sum()),
    }


def _published_lists(bt: pd.DataFrame, s: EvaluationSettings) -> dict[str, Any]:
    """The headline: the top k of all councils by the ranking score, per origin
    (:func:`earlywarn.evaluation.published_list`), for every model, baseline and oracle."""
    from earlywarn.evaluation._headline import published_list

    rows = bt[in_population(bt, new_failures_only=s.new_failures_only)]
    out = {}
    for name, g in rows.groupby("model", sort=False):
        g = g.assign(p=g[f"p_{s.target}"].astype(float))
        out[name] = published_list(g, s.k, n_boot=min(s.n_boot, 200), seed=s.seed)
    return out


def _paired(
    bt: pd.DataFrame,
    sec: dict[str, Any],
    target: str,
    s: EvaluationSettings,
    model_names: Sequence[str],
) -> dict[str, Any]:
    """Every model against the best baseline (and, joint target, the timing model)."""
    from earlywarn.evaluation._headline import paired_differences

    def within(ev: dict) -> float:
        v = ev["pooled"].get("auroc_within_origin", {}).get("value")
        return -np.inf if v is None or v != v else v

    # every simple baseline is a reference, also one listed in models.kinds as a candidate
    # for publication (persistence, red_flags): a model is never compared with itself
    bases = dict(sec["baselines"])
    best = max(bases, key=lambda n: within(bases[n])) if bases else None
    names = [n for n in model_names if n in set(bt["model"])]
    scores = {n: target_rows(bt[bt["model"] == n], target, s) for n in [*names, best] if n}
    refs = {"best baseline": best} if best else {}
    if target == "joint" and s.by_inspection:
        g = target_rows(bt[bt["model"] == names[0]], target, s) if names else None
        if g is not None:
            scores["timing model"] = g.assign(p=g["p_inspected"].astype(float))
            refs["timing model alone"] = "timing model"
    rows = paired_differences(scores, refs, names, s.k, n_boot=min(s.n_boot, 200), seed=s.seed)
    return {"best_baseline": best, "rows": rows}


def _unavailable(
    bt: pd.DataFrame, s: EvaluationSettings, model_names: Sequence[str]
) -> dict[str, Any]:
    """Baselines with no score at some test origins (feature empty, constant or absent)."""
    origins = sorted(pd.to_datetime(bt["origin"]).unique())
    out = {}
    for name in s.baselines:
        if name in model_names:
            continue
        have = set(pd.to_datetime(bt.loc[bt["model"] == name, "origin"]).unique())
        missing = [o for o in origins if o not in have]
        if missing:
            out[name] = {
                "origins": [str(pd.Timestamp(o).date()) for o in missing],
                "everywhere": len(missing) == len(origins),
                "reason": "its training feature is absent, empty or constant at these origins "
                "(a constant score ranks nothing): not scored there, never given an AUROC",
            }
    return out


@dataclass
class EvaluationRun:
    """Everything an evaluation produced: the dict, the ranking target's rows, and the
    saved long predictions and failure dates it can be recomputed from."""

    evaluation: dict[str, Any]
    predictions: pd.DataFrame
    long: pd.DataFrame
    failures: pd.DataFrame
    backtest: pd.DataFrame | None = None  # the wide backtest before any recalibration


def run_evaluation(
    X: pd.DataFrame,
    events: pd.DataFrame,
    panel: pd.DataFrame,
    splits: Sequence[Split],
    settings: EvaluationSettings,
    model_kinds: Sequence[str],
    model_params: dict[str, dict[str, Any]] | None = None,
    true_risk: pd.DataFrame | None = None,
    specs: Any = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Backtest the models and baselines for both targets and evaluate them (one call).

    Returns
    -------
    evaluation : dict
        ``label`` (in words), ``settings``, and everything from :func:`evaluate_backtest`;
        ``oracle`` when ``true_risk`` is given and the label is the oracle's
        (an 'inadequate' judgement).
    predictions : DataFrame
        Every backtest row (``model, council_code, origin, p_conditional, p_joint,
        p_inspected, label, inspected, censored, failed_at_origin``) plus ``y`` and ``p``
        for the ranking target on the rows it is measured on.

    See :func:`evaluate_and_keep` for the saved long predictions as well.
    """
    run = evaluate_and_keep(
        X, events, panel, splits, settings, model_kinds, model_params, true_risk, specs
    )
    return run.evaluation, run.predictions


def evaluate_and_keep(
    X: pd.DataFrame,
    events: pd.DataFrame,
    panel: pd.DataFrame,
    splits: Sequence[Split],
    settings: EvaluationSettings,
    model_kinds: Sequence[str],
    model_params: dict[str, dict[str, Any]] | None = None,
    true_risk: pd.DataFrame | None = None,
    specs: Any = None,
    history: pd.DataFrame | None = None,
) -> EvaluationRun:
    """:func:`run_evaluation`, also keeping the saved long predictions
    (:func:`earlywarn.evaluation.to_long`) and the failure dates used for lead times:
    :func:`earlywarn.evaluation.evaluation_from_predictions` recomputes the evaluation
    from these two alone. ``history``: an earlier run's :attr:`EvaluationRun.backtest`
    (the validation origins), used only to recalibrate these origins and to choose their
    usefulness thresholds out of time."""
    s = settings
    makers, names = model_makers(
        model_kinds, model_params or {}, s.seed, s.baselines, X.columns, specs
    )
    bt = backtest_targets(X, events, splits, makers, s, model_names=names)
    oracle_ok = true_risk is not None and tuple(s.kinds) == ("inadequate",)
    if oracle_ok and len(bt):
        bt = pd.concat([bt, oracle_predictions(bt, true_risk)], ignore_index=True)
    recal, raw = None, bt
    known_at = labels_known_at(events, s)  # what a refit at an origin may read
    if s.recalibrate and len(bt):
        from earlywarn.evaluation._recalibration import recalibrate_out_of_time, recalibration_block

        bt = recalibrate_out_of_time(
            bt, s.horizon_months, history=history, known_at=known_at,
            new_failures_only=s.new_failures_only,
        )  # fmt: skip
        recal = recalibration_block(raw, bt, s, history is not None, target_rows)
        bt = bt.drop(columns="recalibrated")
    groups = subgroup_table(panel, X, s.subgroups) if s.subgroups else None
    fails = _failures(events, s.kinds, s.frameworks)
    ev = evaluate_backtest(bt, events, s, model_names=names, groups=groups, failures=fails)
    if "oracle" in ev:
        ev["oracle"]["note"] = "true probabilities from the synthetic generator, on the same rows"
    out = {"label": describe(s), "settings": s.as_dict(), **ev}
    if recal:
        out["recalibration"] = recal
    if len(bt):  # each part of the two-part model; the usefulness threshold out of time
        from earlywarn.evaluation._usefulness import usefulness_block
        from earlywarn.models import two_part_summary

        if s.by_inspection:
            out["two_part"] = two_part_summary(bt, s, out)
        out["usefulness_out_of_time"] = usefulness_block(bt, s, history, target_rows, known_at)
    pred = target_rows(bt, s.target, s)
    return EvaluationRun(out, pred, to_long(bt, names, groups), fails, raw)


# --------------------------------------------------------------------------- report

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

Example
-------
>>> s = EvaluationSettings(horizon_months=24, censoring="drop", target="joint")
>>> s.target_words.startswith("the joint risk")
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.backtest import Split, split_rows
from earlywarn.baselines import (
    BASELINES,
    available_baselines,
    baseline_unavailable,
    make_baseline,
    make_timing_model,
)
from earlywarn.labels import (
    CENSORING,
    CENSORING_WORDS,
    failure_events,
    found_by_inspection,
    label_events,
)
from earlywarn.metrics import auroc_ci, evaluate_predictions, lead_time
from earlywarn.predictions import to_long

__all__ = [
    "SUBGROUPS",
    "TARGETS",
    "EvaluationRun",
    "EvaluationSettings",
    "backtest_targets",
    "evaluate_and_keep",
    "evaluate_backtest",
    "final_training",
    "fit_model",
    "render_evaluation_section",
    "run_evaluation",
    "score_words",
    "subgroup_metrics",
    "target_rows",
]

TARGETS = ("joint", "conditional")
SUBGROUPS = ("council_type", "region", "deprivation_quintile")
MIN_P_INSPECTED = 0.05  # floor of the estimated inspection chance (weights at most 20)
MIN_EVENTS = 10  # a subgroup with fewer failures is flagged 'small' (greyed in the report)
LABEL_WORDS = {
    "inadequate": "an 'inadequate' inspection judgement",
    "requires_improvement_or_worse": "an inspection judgement of 'requires improvement' or worse",
    "financial_notice": "a financial failure notice",
    "intervention": "a statutory intervention",
    "leaders_inadequate": "'impact of leaders' judged inadequate",
    "help_protection_inadequate": "'help and protection' judged inadequate",
    "decline": "an overall grade worse than the previous one",
}
TARGET_WORDS = {
    "joint": "the joint risk P(inspected and found failing in the window), measured on all "
    "councils: what a partnership that cannot inspect sees coming",
    "conditional": "the conditional risk P(fail | inspected in the window), measured on the "
    "councils inspected in the window",
}


@dataclass(frozen=True)
class EvaluationSettings:
    """What is predicted and how it is measured (the cycle config's labels and evaluate)."""

    horizon_months: int
    kinds: tuple[str, ...] = ("inadequate",)
    censoring: str = "negative"
    new_failures_only: bool = False
    target: str = "joint"
    k: int = 15
    mu: float = 0.5
    n_boot: int = 200
    seed: int = 0
    subgroups: tuple[str, ...] = SUBGROUPS
    baselines: tuple[str, ...] = BASELINES
    frameworks: str = "headline"
    recalibrate: bool = False
    timing: str = "features"  # P(inspected): "features" (two features) or "hazard" (timing.py)

    def __post_init__(self) -> None:
        if self.censoring not in CENSORING:
            raise ValueError(f"censoring {self.censoring!r} is not one of {CENSORING}")
        if self.target not in TARGETS:
            raise ValueError(f"target {self.target!r} is not one of {TARGETS}")

    @classmethod
    def from_config(cls, cfg: Any) -> EvaluationSettings:
        """Settings from a :class:`~earlywarn.config.CycleConfig` (missing keys: defaults)."""
        lab, ev = cfg.labels, cfg.evaluate
        opt = {
            "new_failures_only": getattr(lab, "new_failures_only", None),
            "target": getattr(lab, "target", None),
            "mu": getattr(ev, "mu", None),
            "subgroups": getattr(ev, "subgroups", None),
            "baselines": getattr(ev, "baselines", None),
            "frameworks": getattr(lab, "frameworks", None),
            "recalibrate": getattr(ev, "recalibrate", None),
            "timing": getattr(lab, "timing", None),
        }
        return cls(
            horizon_months=cfg.horizon_months,
            kinds=tuple(lab.events),
            censoring=lab.censoring,
            k=ev.k,
            n_boot=ev.n_boot,
            seed=cfg.seed,
            **{k: v for k, v in opt.items() if v is not None},
        )

    @property
    def by_inspection(self) -> bool:
        """Whether failures are found by inspection (and so can be censored)."""
        return any(found_by_inspection(k) for k in self.kinds)

    @property
    def other_target(self) -> str:
        return "conditional" if self.target == "joint" else "joint"

    @property
    def label_words(self) -> str:
        return " or ".join(LABEL_WORDS[k] for k in self.kinds) + (
            f" within {self.horizon_months} months"
        )

    @property
    def target_words(self) -> str:
        return TARGET_WORDS[self.target]

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --------------------------------------------------------------------------- backtest
def _fit_takes(model: Any, name: str = "sample_weight") -> bool:
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    try:
        return name in inspect.signature(last.fit).parameters
    except (TypeError, ValueError):
        return False


def with_grades(
    y: pd.Series, events: pd.DataFrame, known_at: pd.Timestamp | None, horizon_months: int
) -> pd.Series:
    """``y`` with the grade of the first overall judgement in each row's window (known at
    ``known_at``) in ``y.attrs["grade"]`` (positional), for models fitted on grades (the
    ordinal kind: its ``fit`` takes ``grade``); NaN where the window held none."""
    from earlywarn.labels import known_events
    from earlywarn.targets import next_grade

    grades = next_grade(known_events(events, known_at), y.index, horizon_months)
    y = y.copy()
    y.attrs["grade"] = grades.to_numpy(dtype=float)
    return y


def _fit(model: Any, X: pd.DataFrame, y: pd.Series, w: np.ndarray | None) -> Any:
    grade = getattr(y, "attrs", {}).get("grade")
    if grade is not None and _fit_takes(model, "grade"):
        key = f"{model.steps[-1][0]}__grade" if hasattr(model, "steps") else "grade"
        return model.fit(X, y, **{key: grade})
    if w is not None and _fit_takes(model):
        key = f"{model.steps[-1][0]}__sample_weight" if hasattr(model, "steps") else "sample_weight"
        return model.fit(X, y, **{key: w})
    return model.fit(X, y)


def _timing_probability(
    Xtr: pd.DataFrame, inspected: np.ndarray, seed: int
) -> Callable[[pd.DataFrame], np.ndarray]:
    """Fit the inspection-timing model; return X -> P(inspected in the window)."""
    if inspected.all() or not inspected.any():
        rate = float(inspected.mean()) if inspected.size else 1.0
        return lambda X: np.full(len(X), rate)
    model = make_timing_model(seed).fit(Xtr, inspected.astype(int))
    return lambda X: model.predict_proba(X)[:, 1]


def _training_set(
    Xtr: pd.DataFrame, lab: pd.DataFrame, pi: np.ndarray, s: EvaluationSettings
) -> tuple[pd.DataFrame, pd.Series, np.ndarray | None]:
    keep = np.ones(len(lab), dtype=bool)
    if s.new_failures_only:
        keep &= ~lab["failed_at_origin"].to_numpy()
    if s.censoring in ("drop", "weight"):
        keep &= ~lab["censored"].to_numpy()
    w = 1.0 / np.clip(pi[keep], MIN_P_INSPECTED, 1.0) if s.censoring == "weight" else None
    return Xtr[keep], lab.loc[keep, "label"], w


def _to_targets(p: np.ndarray, pi: np.ndarray, s: EvaluationSettings) -> tuple:
    """``(p_conditional, p_joint)`` from a model's output and P(inspected)."""
    if not s.by_inspection:
        return p, p
    if s.censoring == "negative":
        return np.clip(p / np.clip(pi, MIN_P_INSPECTED, 1.0), 0.0, 1.0), p
    return p, p * pi


def score_words(target: str, settings: EvaluationSettings) -> str:
    """How every model's and baseline's score for ``target`` is formed (module notes).

    >>> s = EvaluationSettings(horizon_months=24, censoring="drop", target="conditional")
    >>> score_words("joint", s).startswith("conditional probability x P(inspected)")
    True
    """
    s = settings
    if not s.by_inspection:
        return "the model's own probability (failures are not found by inspection)"
    if s.censoring == "negative":
        if target == "joint":
            return "the model's own probability (fitted to the joint label; no timing model)"
        return (
            "joint probability / P(inspected) from the inspection-timing model "
            f"(floored at {MIN_P_INSPECTED}), capped at 1"
        )
    if target == "conditional":
        return "the model's own probability (fitted to the conditional label)"
    return (
        "conditional probability x P(inspected) from the inspection-timing model: a "
        "baseline's joint score is baseline x timing model (two factors), not comparable "
        "with the same baseline in a run with censoring = 'negative'"
    )


def backtest_targets(
    X: pd.DataFrame,
    events: pd.DataFrame,
    splits: Sequence[Split],
    makers: dict[str, Callable[[], Any]],
    settings: EvaluationSettings,
    model_names: Sequence[str] = (),
) -> pd.DataFrame:
    """Backtest every model on the same splits, for both targets.

    A baseline (a name in ``settings.baselines`` that is not in ``model_names``) whose
    training feature is empty or constant at a split is not scored there
    (:func:`~earlywarn.baselines.baseline_unavailable`); :func:`evaluate_backtest` lists
    it as unavailable at that origin.

    Parameters
    ----------
    X : DataFrame
        Features indexed by ``(council_code, origin)``.
    events : DataFrame
        The events table (training labels use only events known at each test origin).
    splits : sequence of Split
        Checked for leaks (:func:`~earlywarn.backtest.split_rows`).
    makers : dict
        Name -> factory of an unfitted classifier.
    settings : EvaluationSettings

    Returns
    -------
    DataFrame
        One row per model, test origin and council: ``model, council_code, origin,
        p_conditional, p_joint, p_inspected`` (timing model, shared by all models),
        ``label, inspected, censored, failed_at_origin, n_train``.
    """
    from joblib import Parallel, delayed

    s = settings
    events = label_events(events, s.frameworks)
    # the splits are independent tasks: they run where joblib's ambient configuration says
    # (earlywarn.compute.compute_backend; serial by default), results in split order
    parts = Parallel()(
        delayed(_split_predictions)(X, events, split, makers, s, tuple(model_names))
        for split in splits
    )
    out = [frame for part in parts for frame in part]
    cols = ["model", "council_code", "origin", "p_conditional", "p_joint", "p_inspected"]
    cols += ["label", "inspected", "censored", "failed_at_origin", "n_train"]
    cols += ["ref_conditional", "ref_joint"]
    if not out:
        return pd.DataFrame(columns=cols)
    both = pd.concat(out, ignore_index=True)
    return both[cols + [c for c in both if c.startswith("p_inspected_")]]


def _split_predictions(
    X: pd.DataFrame,
    events: pd.DataFrame,
    split: Split,
    makers: dict[str, Callable[[], Any]],
    s: EvaluationSettings,
    model_names: Sequence[str],
) -> list[pd.DataFrame]:
    """One split of :func:`backtest_targets`: fit every model on the split's training rows
    and predict its test origin (a task of its own; seeded, so order-independent)."""
    out: list[pd.DataFrame] = []
    Xtr, lab_tr, Xte, lab_te = split_rows(X, events, split, s.horizon_months, s.kinds)
    if s.by_inspection:
        keep = ~lab_tr["failed_at_origin"].to_numpy() if s.new_failures_only else slice(None)
        timing = _timing_probability(Xtr[keep], lab_tr["inspected"].to_numpy()[keep], s.seed)
        from earlywarn.timing import hazard_timing  # the two timing models (timing.py)

        hazard = hazard_timing(events, split.test_origin, s.horizon_months, s.seed)
        both = {"features": (timing(Xtr), timing(Xte)), "hazard": (hazard(Xtr), hazard(Xte))}
        pi_tr, pi_te = both[s.timing]
        extra = {f"p_inspected_{n}": v[1] for n, v in both.items()}
    else:
        pi_tr, pi_te, extra = np.ones(len(Xtr)), np.ones(len(Xte)), {}
    Xfit, yfit, w = _training_set(Xtr, lab_tr, pi_tr, s)
    if yfit.nunique() < 2:
        return []
    if any(_fit_takes(make(), "grade") for make in makers.values()):
        yfit = with_grades(yfit, events, split.test_origin, s.horizon_months)
    refs = _training_rates(lab_tr, s)
    truth = lab_te.drop(columns=["window_end", "failure_date"]).reset_index().assign(**refs)
    for name, make in makers.items():
        if name in s.baselines and name not in model_names and baseline_unavailable(name, Xfit):
            continue  # an empty or constant feature: unavailable here, never scored
        model = _fit(make(), Xfit, yfit, w)
        p = model.predict_proba(Xte)[:, 1]
        p_cond, p_joint = _to_targets(p, pi_te, s)
        out.append(
            truth.assign(
                model=name,
                p_conditional=p_cond,
                p_joint=p_joint,
                p_inspected=pi_te,
                n_train=len(yfit),
                **extra,
            )
        )
    return out


def _training_rates(lab: pd.DataFrame, s: EvaluationSettings) -> dict[str, float]:
    """Each target's base rate in the training rows: the reference forecast, known at the
    origin, that a model's Brier score is compared with (``brier_skill``)."""
    keep = ~lab["failed_at_origin"].to_numpy() if s.new_failures_only else np.ones(len(lab), bool)
    y = lab["label"].to_numpy(dtype=float)
    seen = keep & ~lab["censored"].to_numpy()
    joint = float(y[keep].mean()) if keep.any() else np.nan
    cond = float(y[seen].mean()) if seen.any() else joint
    return {"ref_conditional": cond, "ref_joint": joint}


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


def target_rows(bt: pd.DataFrame, target: str, settings: EvaluationSettings) -> pd.DataFrame:
    """The rows a target is measured on, as a predictions frame (``y``, ``p``, weight).

    ``joint``: every row. ``conditional``: uncensored rows, weighted by 1 / P(inspected)
    when ``censoring = "weight"``. ``new_failures_only`` drops councils already failed.
    """
    rows = bt[~bt["failed_at_origin"].astype(bool)] if settings.new_failures_only else bt
    if target == "conditional":
        rows = rows[~rows["censored"].astype(bool)]
    out = rows.assign(y=rows["label"].astype(int), p=rows[f"p_{target}"].astype(float))
    if f"ref_{target}" in rows:
        out = out.assign(reference=rows[f"ref_{target}"].astype(float))
    if target == "conditional" and settings.censoring == "weight":
        out = out.assign(weight=1.0 / np.clip(out["p_inspected"], MIN_P_INSPECTED, 1.0))
    return out


def final_training(
    X: pd.DataFrame,
    events: pd.DataFrame,
    train_origins: Sequence,
    as_of: pd.Timestamp,
    settings: EvaluationSettings,
) -> tuple[pd.DataFrame, pd.Series, np.ndarray | None, Callable[[np.ndarray, pd.DataFrame], Any]]:
    """Training rows for the published model, and how to turn its output into the target.

    The same treatment as in the backtest (censoring, new failures only, timing model).

    Returns
    -------
    X_train, y_train, weights, to_target
        Fit with ``fit_model(model, X_train, y_train, weights)``; ``to_target(p, X_now)``
        turns the model's output at the scored origin into the probability the list
        ranks by (``settings.target``).
    """
    from earlywarn.labels import make_labels

    s = settings
    events = label_events(events, s.frameworks)
    origins = X.index.get_level_values("origin")
    Xtr = X[origins.isin(pd.DatetimeIndex(train_origins))]
    lab = make_labels(events, Xtr.index, s.horizon_months, s.kinds, known_at=as_of)
    if s.by_inspection:
        keep = ~lab["failed_at_origin"].to_numpy() if s.new_failures_only else slice(None)
        timing = _timing_probability(Xtr[keep], lab["inspected"].to_numpy()[keep], s.seed)
        if s.timing == "hazard":
            from earlywarn.timing import hazard_timing

            timing = hazard_timing(events, as_of, s.horizon_months, s.seed)
        pi_tr = timing(Xtr)
    else:
        timing, pi_tr = (lambda Xn: np.ones(len(Xn))), np.ones(len(Xtr))
    Xfit, yfit, w = _training_set(Xtr, lab, pi_tr, s)
    yfit = with_grades(yfit, events, as_of, s.horizon_months)  # read only by grade models

    def to_target(p: np.ndarray, X_now: pd.DataFrame) -> np.ndarray:
        p_cond, p_joint = _to_targets(np.asarray(p, dtype=float), timing(X_now), s)
        return p_joint if s.target == "joint" else p_cond

    to_target.timing = timing  # type: ignore[attr-defined]  # P(inspected) for the list
    return Xfit, yfit, w, to_target


def fit_model(model: Any, X: pd.DataFrame, y: pd.Series, weights: np.ndarray | None = None):
    """Fit ``model``, passing sample weights when given and the final step takes them."""
    return _fit(model, X, y, weights)


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


def _auroc_ci(frame: pd.DataFrame, n_boot: int, seed: int) -> dict[str, float | None]:
    if len(frame) == 0:
        return {"value": None, "lo": None, "hi": None}
    w = frame["weight"].to_numpy(dtype=float) if "weight" in frame else None
    est, lo, hi = auroc_ci(
        frame["y"].to_numpy(dtype=float),
        frame["p"].to_numpy(dtype=float),
        frame["council_code"].to_numpy(),
        n_boot=n_boot,
        seed=seed,
        sample_weight=w,
    )
    return {n: (None if v != v else float(v)) for n, v in (("value", est), ("lo", lo), ("hi", hi))}


def subgroup_metrics(
    pred: pd.DataFrame, groups: pd.DataFrame, k: int, n_boot: int = 100, seed: int = 0
) -> dict[str, list[dict[str, Any]]]:
    """Who gets the warnings, and how good they are, by subgroup.

    The top ``k`` is chosen over all councils at each origin (the published rule); each
    subgroup's share of the flags is compared with its share of the councils and of the
    failures, so a reader sees whether warnings fall unevenly.

    Parameters
    ----------
    pred : DataFrame
        Predictions (``council_code, origin, y, p`` and optional ``weight``).
    groups : DataFrame
        Indexed by ``(council_code, origin)``; one column per grouping (e.g.
        ``council_type``); missing values are left out.
    k : int
        Councils flagged per origin.

    Returns
    -------
    dict
        Grouping -> list of ``{group, n, n_pos, failure_rate, mean_p, share_of_rows,
        share_of_failures, share_of_flags, precision_at_k, recall_at_k, auroc}`` with
        ``auroc`` as ``{value, lo, hi}`` (council bootstrap within the group).
    """
    from earlywarn.metrics import _top_k_by_origin

    df = pred.reset_index(drop=True)
    ids, _ = pd.factorize(pd.to_datetime(df["origin"]), sort=True)
    df = df.assign(flag=_top_k_by_origin(ids, df["p"].to_numpy(dtype=float), k))
    key = pd.MultiIndex.from_frame(df[["council_code", "origin"]])
    n_flags, n_pos_all = max(float(df["flag"].sum()), 1.0), max(int(df["y"].sum()), 1)
    out: dict[str, list[dict[str, Any]]] = {}
    for col in groups.columns:
        g = groups[col].reindex(key).astype(object).where(lambda v: v.notna(), None).to_numpy()
        rows = []
        for value in sorted({v for v in g if v is not None}, key=str):
            sub = df[g == value]
            # flags are expected inclusions (ties at the cut share the places)
            n_pos, n_flag = int(sub["y"].sum()), float(sub["flag"].sum())
            hits = float((sub["y"].astype(float) * sub["flag"]).sum())
            rows.append(
                {
                    "group": str(value),
                    "n": len(sub),
                    "n_pos": n_pos,
                    "failure_rate": float(sub["y"].mean()),
                    "mean_p": float(sub["p"].mean()),
                    "share_of_rows": len(sub) / len(df),
                    "share_of_failures": n_pos / n_pos_all,
                    "share_of_flags": n_flag / n_flags,
                    "precision_at_k": hits / n_flag if n_flag else None,
                    "recall_at_k": hits / n_pos if n_pos else None,
                    "auroc": _auroc_ci(sub, n_boot, seed),
                    "small": n_pos < MIN_EVENTS,
                }
            )
        out[col] = rows
    return out


def subgroup_table(panel: pd.DataFrame, X: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Grouping columns for every ``(council_code, origin)``: council type, region and the
    deprivation quintile within the origin (1 least deprived) where a deprivation measure
    exists."""
    out = pd.DataFrame(index=panel.index)
    for name in names:
        if name in panel.columns:
            out[name] = panel[name]
        elif name == "deprivation_quintile" and "deprivation_imd_score" in X.columns:
            dep = X["deprivation_imd_score"].reindex(panel.index)

            def q(s: pd.Series) -> pd.Series:
                ok = s.notna()
                res = pd.Series(pd.NA, index=s.index, dtype=object)
                if ok.sum() >= 5:
                    ranks = s[ok].rank(method="first")
                    res[ok] = [f"Q{int(v) + 1}" for v in pd.qcut(ranks, 5, labels=False)]
                return res

            out[name] = dep.groupby(level="origin", group_keys=False).apply(q)
    return out


def _selection(bt: pd.DataFrame, settings: EvaluationSettings) -> dict[str, Any]:
    """The selective-inspection effect, in numbers a reader can check.

    For each model: the share of its top ``k`` (per origin) that was actually inspected in
    the window, and the joint precision at ``k``, when ranking by the conditional risk
    and when ranking by the joint risk; plus how well the inspection-timing model predicts
    being inspected and how little it separates failures among the inspected.
    """
    from earlywarn.metrics import _top_k_by_origin

    s = settings
    rows = bt[~bt["failed_at_origin"].astype(bool)] if s.new_failures_only else bt
    out: dict[str, Any] = {"share_inspected_all": float(rows["inspected"].mean())}
    per_model = {}
    for name, g in rows.groupby("model", sort=False):
        g = g.reset_index(drop=True)
        ids, _ = pd.factorize(g["origin"], sort=True)
        entry = {}
        for by in TARGETS:
            flag = _top_k_by_origin(ids, g[f"p_{by}"].to_numpy(dtype=float), s.k)
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
        "auroc_inspected": _auroc_ci(timing_all, n_boot, s.seed),
        "auroc_fail_among_inspected": _auroc_ci(timing_fail, n_boot, s.seed),
        "auroc_joint_label": _auroc_ci(timing_joint, n_boot, s.seed),
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
    out["published_list"] = _published_lists(bt, s)
    out["paired_differences"] = {
        target: _paired(bt, sections[target], target, s, model_names)
        for target in (s.target, s.other_target)
    }
    if s.by_inspection:
        out["selection"] = _selection(bt, s)
    return out


def _published_lists(bt: pd.DataFrame, s: EvaluationSettings) -> dict[str, Any]:
    """The headline: the top k of all councils by the ranking score, per origin
    (:func:`earlywarn.headline.published_list`), for every model, baseline and oracle."""
    from earlywarn.headline import published_list

    rows = bt[~bt["failed_at_origin"].astype(bool)] if s.new_failures_only else bt
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
    from earlywarn.headline import paired_differences

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


def describe(settings: EvaluationSettings) -> dict:
    """The label block of ``evaluation.json``: label, censoring, target, in words."""
    s = settings
    censoring = (
        CENSORING_WORDS[s.censoring]
        if s.by_inspection
        else "not applicable (these events are seen without an inspection)"
    )
    return {
        "events": list(s.kinds),
        "description": s.label_words,
        "horizon_months": s.horizon_months,
        "censoring_mode": s.censoring,
        "censoring": censoring,
        "new_failures_only": s.new_failures_only,
        "frameworks": s.frameworks,
        "frameworks_words": (
            "only overall (headline) inspection judgements count; re-inspections and "
            "thematic or partial frameworks are left out"
            if s.frameworks == "headline"
            else "every inspection framework counts, also re-inspections and thematic ones"
        ),
        "new_failures_words": (
            "councils already in a failed state at the origin are left out (new failures only)"
            if s.new_failures_only
            else "all councils are included, also those already failed at the origin"
        ),
        "target": s.target,
        "target_words": s.target_words,
        "other_target": s.other_target,
        "other_target_words": TARGET_WORDS[s.other_target],
    }


def plain_summary(evaluation: dict[str, Any]) -> str:
    """A short plain-words summary: label, censoring, horizon, origins, headline figures."""
    lab = evaluation.get("label", {})
    origins = evaluation.get("test_origins", [])
    k = evaluation.get("k")
    parts = [
        f"A failure is {lab.get('description', '')}.",
        f"Censoring: {lab.get('censoring', '')}.",
        f"The list ranks councils by {lab.get('target_words', '')}.",
        f"{str(lab.get('new_failures_words', '')).capitalize()}.",
        f"Every model was trained only on origins whose {lab.get('horizon_months')}-month "
        f"windows had closed, and tested out of time at {len(origins)} origins "
        f"({origins[0] if origins else ''} to {origins[-1] if origins else ''}).",
    ]
    chosen = evaluation.get("chosen_model", {}).get("kind")
    ev = evaluation.get("models", {}).get(chosen) if chosen else None
    pub = evaluation.get("published_list", {}).get(chosen) if chosen else None
    if pub:
        n_o = pub.get("n_origins")
        parts.append(
            f"Had the top {k} of all councils by the published model ({chosen}) been published "
            f"at each of the {n_o} test origins: {_vs(pub['share_inspected'])} of them were "
            f"inspected in the window; of those inspected, "
            f"{_vs(pub['share_failing_of_inspected'])} were found failing; the lists caught "
            f"{_vs(pub['share_of_failures_caught'])} of all {pub['n_failures']} failures "
            "(chance: the same figure for a list drawn at random)."
        )
    if ev:
        a, w = ev["pooled"]["auroc"], ev["pooled"].get("auroc_within_origin")
        parts.append(
            f"Comparing councils at the same origin only, it separates failing from other "
            f"councils with an AUROC of {_num(w)} (pooled over origins: {_num(a)}, which also "
            "credits changes in the failure rate between years)."
        )
        lt = ev.get("lead_time", {})
        if lt.get("n_evaluable"):
            parts.append(
                f"It had {_pct(lt.get('share_flagged'))} of the {lt['n_evaluable']} failures in "
                f"its top {k} at the last origin before them; "
                f"{_pct(lt.get('share_ge_1y'))} were flagged at least a year ahead."
            )
        parts.append(calibration_words(ev, chosen))
    paired = evaluation.get("paired_differences", {}).get(evaluation.get("target", ""), {})
    best = paired.get("best_baseline")
    base = evaluation.get("baselines", {})
    if best and best in base:
        parts.append(
            f"The best simple baseline ({best}) reaches a within-origin AUROC of "
            f"{_num(base[best]['pooled'].get('auroc_within_origin'))}."
        )
        diff = [
            r
            for r in paired.get("rows", [])
            if r["model"] == chosen and r["role"] == "best baseline"
            and r["metric"] == "auroc_within_origin"
        ]  # fmt: skip
        if diff:
            d = diff[0]
            verdict = (
                "beats it"
                if d["lo"] is not None and d["lo"] > 0
                else "does worse than it"
                if d["hi"] is not None and d["hi"] < 0
                else "is not shown to beat it"
            )
            parts.append(
                f"The published model {verdict}: difference {_num(d)} (paired council bootstrap)."
            )
    gone = evaluation.get("unavailable_baselines", {})
    if gone:
        parts.append(
            "Not scored where their feature was empty or constant in training: "
            + "; ".join(
                f"{n} ({'all origins' if g['everywhere'] else ', '.join(g['origins'])})"
                for n, g in gone.items()
            )
            + "."
        )
    if "oracle" in evaluation:
        parts.append(
            "On these synthetic data the oracle, which knows the true risk, reaches "
            f"{_num(evaluation['oracle']['pooled'].get('auroc_within_origin'))} within "
            "origins: the ceiling for any model."
        )
    return " ".join(p for p in parts if p)


def calibration_words(ev: dict[str, Any], name: str) -> str:
    """One plain sentence on a score's calibration, saying so when it is poor.

    Poor: a calibration slope whose interval excludes 1, observed/expected outside
    0.8-1.25, or a Brier score worse than the training base rate (negative skill).
    """
    pooled = ev.get("pooled", {})
    slope = pooled.get("calibration_slope") or {}
    oe = (pooled.get("observed_expected") or {}).get("value")
    skill = (pooled.get("brier_skill") or {}).get("value")
    bad = []
    lo, hi = slope.get("lo"), slope.get("hi")
    if lo is not None and hi is not None and not lo <= 1.0 <= hi:
        bad.append(f"calibration slope {_num(slope)} (1 = calibrated)")
    if oe is not None and not 0.8 <= oe <= 1.25:
        more = "more" if oe > 1 else "fewer"
        bad.append(f"{more} failures than predicted (observed/expected {oe:.2f})")
    if skill is not None and skill < 0:
        bad.append(f"Brier skill {skill:.2f} against the training base rate")
    if not bad:
        return (
            f"The probabilities of {name} are reasonably calibrated out of time (slope "
            f"{_num(slope)}, observed/expected {'n/a' if oe is None else f'{oe:.2f}'})."
        )
    return (
        f"The probabilities of {name} are poorly calibrated out of time: "
        + "; ".join(bad)
        + ". Read them as a ranking, not as chances."
    )


def _vs(fig: dict | None) -> str:
    """``"20% (95% interval 10% to 30%; chance 9%)"``."""
    if not fig or fig.get("value") is None or fig["value"] != fig["value"]:
        return "n/a"
    lo, hi = fig.get("lo"), fig.get("hi")
    ci = f"95% interval {100 * lo:.0f}% to {100 * hi:.0f}%; " if lo is not None and lo == lo else ""
    return f"{100 * fig['value']:.0f}% ({ci}chance {100 * fig['chance']:.0f}%)"


def _num(m: dict | None, pct: bool = False) -> str:
    if not m or m.get("value") is None:
        return "n/a"
    f = (lambda v: f"{100 * v:.0f}%") if pct else (lambda v: f"{v:.2f}")
    if m.get("lo") is None:
        return f(m["value"])
    return f"{f(m['value'])} (95% interval {f(m['lo'])} to {f(m['hi'])})"


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.0f}%"


def model_makers(
    kinds: Sequence[str],
    params: dict[str, dict[str, Any]],
    seed: int,
    baselines: Sequence[str],
    columns: Sequence[str],
    specs: list | None = None,
) -> tuple[dict[str, Callable[[], Any]], list[str]]:
    """Factories of the models and of the baselines whose inputs exist (no duplicates)."""
    from earlywarn.models import make_model

    takes_specs = "specs" in inspect.signature(make_model).parameters
    extra = {"specs": specs} if takes_specs and specs is not None else {}
    makers: dict[str, Callable[[], Any]] = {
        k: (lambda k=k: make_model(k, params.get(k, {}), seed, **extra)) for k in kinds
    }
    for b in available_baselines(columns, tuple(baselines)):
        if b not in makers:
            makers[b] = lambda b=b: make_baseline(b, seed, specs)
    return makers, list(kinds)


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
    (:func:`earlywarn.predictions.to_long`) and the failure dates used for lead times:
    :func:`earlywarn.predictions.evaluation_from_predictions` recomputes the evaluation
    from these two alone. ``history``: an earlier run's :attr:`EvaluationRun.backtest`
    (the selection origins), used only to recalibrate these origins out of time."""
    s = settings
    makers, names = model_makers(
        model_kinds, model_params or {}, s.seed, s.baselines, X.columns, specs
    )
    bt = backtest_targets(X, events, splits, makers, s, model_names=names)
    oracle_ok = true_risk is not None and tuple(s.kinds) == ("inadequate",)
    if oracle_ok and len(bt):
        bt = pd.concat([bt, oracle_predictions(bt, true_risk)], ignore_index=True)
    recal = None
    raw = bt
    if s.recalibrate and len(bt):
        from earlywarn.recalibrate import recalibrate_out_of_time, recalibration_block

        bt = recalibrate_out_of_time(bt, s.horizon_months, history=history)
        recal = recalibration_block(raw, bt, s, history is not None)
        bt = bt.drop(columns="recalibrated")
    groups = subgroup_table(panel, X, s.subgroups) if s.subgroups else None
    fails = _failures(events, s.kinds, s.frameworks)
    ev = evaluate_backtest(bt, events, s, model_names=names, groups=groups, failures=fails)
    if "oracle" in ev:
        ev["oracle"]["note"] = "true probabilities from the synthetic generator, on the same rows"
    out = {"label": describe(s), "settings": s.as_dict(), **ev}
    if recal:
        out["recalibration"] = recal
    if s.by_inspection and len(bt):
        from earlywarn.timing import two_part_summary

        out["two_part"] = two_part_summary(bt, s, out)
    if len(bt):
        from earlywarn.usefulness_oot import usefulness_block  # threshold fixed out of time

        out["usefulness_out_of_time"] = usefulness_block(bt, s, history)
    pred = target_rows(bt, s.target, s)
    return EvaluationRun(out, pred, to_long(bt, names, groups), fails, raw)


# --------------------------------------------------------------------------- report
def render_evaluation_section(evaluation: dict[str, Any]) -> str:
    """The report's evaluation section: summary, metric tables, subgroups and plots (HTML)."""
    from earlywarn.evaluation_report import render_section

    return render_section(evaluation)

"""Saved out-of-time predictions: the long table every figure of an evaluation comes from.

Every cycle writes ``backtest_predictions.parquet`` (and logs it to MLflow): one row per
model, baseline or oracle x council x test origin x target, so a researcher can re-score,
test a paired difference or audit a council's history without rerunning the backtest.

Columns (:data:`COLUMNS`): ``model``, ``kind`` (``model`` / ``baseline`` / ``oracle``),
``council_code``, ``origin``, ``target`` (``conditional`` / ``joint``), ``probability``,
``label`` (0/1; empty where the target's label is censored: the conditional label of a
council not inspected in its window), ``inspected``, ``censored``, ``failed_at_origin``,
``n_train``, plus ``p_inspected`` (the inspection-timing model's probability, used for the
``weight`` censoring and the selection figures), ``reference`` (the target's base rate in
the training rows, known at the origin: the reference of the Brier skill) and, when the
cycle has them, the subgroup columns ``group_<name>``.

:func:`evaluation_from_predictions` recomputes the evaluation dict from this table alone
(plus the failure dates for lead times, :data:`FAILURE_COLUMNS`), through the same code
the cycle used.

Example
-------
>>> bt = pd.DataFrame({"model": ["logit"], "council_code": ["E1"],
...     "origin": [pd.Timestamp("2019-03-31")], "p_conditional": [0.2], "p_joint": [0.1],
...     "p_inspected": [0.5], "label": [0], "inspected": [False], "censored": [True],
...     "failed_at_origin": [False], "n_train": [100]})
>>> long = to_long(bt, model_names=["logit"])
>>> long[["target", "probability", "label"]].values.tolist()
[['conditional', 0.2, <NA>], ['joint', 0.1, 0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from earlywarn._names import TARGETS

__all__ = [
    "COLUMNS",
    "FAILURE_COLUMNS",
    "PREDICTIONS_FILE",
    "from_long",
    "groups_from_long",
    "to_long",
]

PREDICTIONS_FILE = "backtest_predictions.parquet"
COLUMNS = [
    "model", "kind", "council_code", "origin", "target", "probability", "label",
    "inspected", "censored", "failed_at_origin", "n_train", "p_inspected", "reference",
]  # fmt: skip
FAILURE_COLUMNS = ["council_code", "date"]


def _kind(name: str, model_names: Sequence[str]) -> str:
    if name == "oracle":
        return "oracle"
    return "model" if name in model_names else "baseline"


def to_long(
    bt: pd.DataFrame, model_names: Sequence[str], groups: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The wide backtest frame (one row per model x council x origin, a probability per
    target) as the saved long table.

    Parameters
    ----------
    bt : DataFrame
        From :func:`earlywarn.evaluation.backtest_targets` (plus oracle rows).
    model_names : sequence of str
        Which names are models (the rest are baselines, except ``oracle``).
    groups : DataFrame, optional
        Subgroup columns indexed by ``(council_code, origin)``; saved as ``group_<name>``.
    """
    parts = []
    for target in sorted(TARGETS):  # conditional, joint: the files' row order
        label = bt["label"].astype("Int64")
        if target == "conditional":
            label = label.mask(bt["censored"].astype(bool))
        parts.append(
            pd.DataFrame(
                {
                    "model": bt["model"].astype(str),
                    "kind": [_kind(m, model_names) for m in bt["model"]],
                    "council_code": bt["council_code"].astype(str),
                    "origin": pd.to_datetime(bt["origin"]),
                    "target": target,
                    "probability": bt[f"p_{target}"].astype(float),
                    "label": label,
                    "inspected": bt["inspected"].astype(bool),
                    "censored": bt["censored"].astype(bool),
                    "failed_at_origin": bt["failed_at_origin"].astype(bool),
                    "n_train": bt["n_train"].astype("Int64"),
                    "p_inspected": bt["p_inspected"].astype(float),
                    "reference": bt[f"ref_{target}"].astype(float)
                    if f"ref_{target}" in bt
                    else float("nan"),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    if groups is not None and len(groups.columns):
        key = pd.MultiIndex.from_frame(out[["council_code", "origin"]])
        for col in groups.columns:
            values = groups[col].reindex(key).astype(object).to_numpy()
            out[f"group_{col}"] = pd.array(
                [None if v is None or v is pd.NA or v != v else str(v) for v in values],
                dtype="string",
            )
    order = {n: i for i, n in enumerate(dict.fromkeys(bt["model"]))}  # the backtest's order
    return (
        out.assign(_k=out["model"].map(order))
        .sort_values(["_k", "target", "origin", "council_code"], kind="stable")
        .drop(columns="_k")
        .reset_index(drop=True)
    )


def from_long(long: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The wide backtest frame and the model names back from the long table."""
    missing = [c for c in COLUMNS if c not in long.columns]
    if missing:
        raise ValueError(f"predictions table: missing column(s) {missing}; expected {COLUMNS}")
    key = ["model", "council_code", "origin"]
    joint = long[long["target"] == "joint"].set_index(key)
    cond = long[long["target"] == "conditional"].set_index(key)
    wide = joint[["inspected", "censored", "failed_at_origin", "n_train", "p_inspected"]].copy()
    wide["label"] = joint["label"].astype(int)
    wide["p_joint"] = joint["probability"].astype(float)
    wide["p_conditional"] = cond["probability"].reindex(wide.index).astype(float)
    if "reference" in long.columns:
        wide["ref_joint"] = joint["reference"].astype(float)
        wide["ref_conditional"] = cond["reference"].reindex(wide.index).astype(float)
    wide["n_train"] = wide["n_train"].astype(int)
    wide = wide.reset_index()
    # keep the saved order of models (models, baselines, oracle)
    names = list(dict.fromkeys(long["model"]))
    wide["_m"] = wide["model"].map({n: i for i, n in enumerate(names)})
    wide = wide.sort_values(["_m", "origin", "council_code"], kind="stable").drop(columns="_m")
    cols = ["model", "council_code", "origin", "p_conditional", "p_joint", "p_inspected"]
    cols += ["label", "inspected", "censored", "failed_at_origin", "n_train"]
    cols += [c for c in ("ref_conditional", "ref_joint") if c in wide]
    model_names = list(dict.fromkeys(long.loc[long["kind"] == "model", "model"]))
    return wide[cols].reset_index(drop=True), model_names


def groups_from_long(long: pd.DataFrame) -> pd.DataFrame | None:
    """The subgroup table (``group_<name>`` columns) back from the long table."""
    cols = [c for c in long.columns if c.startswith("group_")]
    if not cols:
        return None
    g = long.drop_duplicates(["council_code", "origin"]).set_index(["council_code", "origin"])
    return g[cols].rename(columns=lambda c: c.removeprefix("group_")).astype(object)

"""The per-council signals table: every signal's value, peers' and England's medians.

One row per council and source measure with a level feature: the value known at the
scored origin with its period, the value a year before, the change, the similar
councils' median and the England median (all councils scored at that date), whether a
higher value is worse, the role (:func:`earlywarn.explain.role`), the source publication,
and whether the measure is one of the council's published reasons. Published as
``signals.csv`` and as a sheet of ``risk_list.xlsx``.

With the advisers' notes shown at the origin (:func:`earlywarn.features.note_words`),
one more row per note: measure ``adviser_note_<nature>``, the note in words as the signal
("adviser note: serious capability concern, February 2023"), its severity (1 minor to 3
serious) as the value, its date as the period, role "adviser note (shown beside the reasons)"
and source "advisers' notes file". No peer or England median: notes are not measures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SIGNAL_COLUMNS", "build_signals"]

SIGNAL_COLUMNS = [
    "council_code",
    "measure",
    "signal",
    "unit",
    "value",
    "period",
    "change_1y",
    "peer_median",
    "england_median",
    "higher_is_worse",
    "role",
    "source",
    "is_reason",
]


def build_signals(
    observations: pd.DataFrame,
    Xnow: pd.DataFrame,
    feats: Any,
    origin: pd.Timestamp,
    reasons: pd.DataFrame | None = None,
    notes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The signals table at ``origin`` (module notes); ``notes`` from
    :func:`earlywarn.features.note_words`."""
    from earlywarn.explain._reasons import role

    specs = feats.specs
    codes = Xnow.index.get_level_values("council_code")
    X = Xnow.set_axis(codes)
    peer = feats.peer_median.reindex(Xnow.index).set_axis(codes)
    england = X.median()
    levels = {n: s for n, s in specs.items() if s.kind == "level" and s.measure == n}
    changes = {s.measure: n for n, s in specs.items() if n.endswith("_chg_1y") and s.measure}
    known = observations[
        (observations["published"] <= origin) & observations["measure"].isin(list(levels))
    ]
    cols = ["council_code", "measure", "period"] + (["source"] if "source" in known else [])
    last = (
        known.sort_values("period", kind="stable")
        .groupby(["council_code", "measure"], sort=False)
        .tail(1)[cols]
    )
    reason_measures: set[tuple[str, str]] = set()
    if reasons is not None and len(reasons):
        up = reasons[reasons["direction"] == "raises"]
        for code, feat in zip(up["council_code"], up["feature"], strict=True):
            reason_measures.add((code, specs[feat].measure or feat))
    parts = []
    for name, spec in levels.items():
        if name not in X.columns:
            continue
        chg = changes.get(name)
        parts.append(
            pd.DataFrame(
                {
                    "council_code": np.asarray(codes, dtype=object),
                    "measure": name,
                    "signal": spec.label,
                    "unit": spec.unit.strip(),
                    "value": X[name].to_numpy(dtype=float),
                    "change_1y": X[chg].to_numpy(dtype=float) if chg in X.columns else np.nan,
                    "peer_median": peer[name].to_numpy(dtype=float),
                    "england_median": float(england[name]),
                    "higher_is_worse": bool(spec.higher_is_worse),
                    "role": role(spec),
                }
            )
        )
    if not parts and (notes is None or notes.empty):
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    out = pd.DataFrame(columns=SIGNAL_COLUMNS)
    if parts:
        out = pd.concat(parts, ignore_index=True).merge(
            last, on=["council_code", "measure"], how="left"
        )
        out["period"] = pd.to_datetime(out["period"]).dt.strftime("%Y-%m-%d").fillna("")
        out["source"] = out["source"].fillna("").astype(str) if "source" in out else ""
        out["is_reason"] = [
            (c, m) in reason_measures
            for c, m in zip(out["council_code"], out["measure"], strict=True)
        ]
        out = out[SIGNAL_COLUMNS]
    if notes is not None and not notes.empty:
        out = (
            pd.concat([out, _note_rows(notes)], ignore_index=True)
            if len(out)
            else _note_rows(notes)
        )
    num = ["value", "change_1y", "peer_median", "england_median"]
    out[num] = out[num].astype(float).round(4)
    return out.sort_values(["council_code", "measure"], kind="stable").reset_index(drop=True)


def _note_rows(notes: pd.DataFrame) -> pd.DataFrame:
    """One signals row per advisers' note (module notes)."""
    return pd.DataFrame(
        {
            "council_code": notes["council_code"].astype(str).to_numpy(dtype=object),
            "measure": ("adviser_note_" + notes["problem_nature"].astype(str)).to_numpy(),
            "signal": notes["words"].to_numpy(dtype=object),
            "unit": "severity (1 minor, 2 significant, 3 serious)",
            "value": notes["severity"].to_numpy(dtype=float),
            "period": pd.to_datetime(notes["date"]).dt.strftime("%Y-%m-%d").to_numpy(),
            "change_1y": np.nan,
            "peer_median": np.nan,
            "england_median": np.nan,
            "higher_is_worse": True,
            "role": "adviser note (shown beside the reasons)",
            "source": "advisers' notes file",
            "is_reason": False,
        },
        columns=SIGNAL_COLUMNS,
    )

"""The per-council signals table: every signal's value, peers' and England's medians.

One row per council and source measure with a level feature: the value known at the
scored origin with its period, the value a year before, the change, the similar
councils' median and the England median (all councils scored at that date), whether a
higher value is worse, the role (:func:`earlywarn.reasons.role`), the source publication,
and whether the measure is one of the council's published reasons. Published as
``signals.csv`` and as a sheet of ``risk_list.xlsx``.
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
) -> pd.DataFrame:
    """The signals table at ``origin`` (module notes)."""
    from earlywarn.reasons import role

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
    latest = known.sort_values("period", kind="stable").groupby(["council_code", "measure"])
    last = latest.last()
    reason_measures: set[tuple[str, str]] = set()
    if reasons is not None and len(reasons):
        up = reasons[reasons["direction"] == "raises"]
        for code, feat in zip(up["council_code"], up["feature"], strict=True):
            reason_measures.add((code, specs[feat].measure or feat))
    rows = []
    for name, spec in levels.items():
        if name not in X.columns:
            continue
        chg = changes.get(name)
        for code in codes:
            v = float(X.at[code, name])
            key = (code, name)
            period = last["period"].get(key, pd.NaT) if len(last) else pd.NaT
            source = last["source"].get(key, "") if "source" in last.columns else ""
            rows.append(
                {
                    "council_code": code,
                    "measure": name,
                    "signal": spec.label,
                    "unit": spec.unit.strip(),
                    "value": v,
                    "period": "" if pd.isna(period) else f"{pd.Timestamp(period):%Y-%m-%d}",
                    "change_1y": float(X.at[code, chg]) if chg in X.columns else np.nan,
                    "peer_median": float(peer.at[code, name]),
                    "england_median": float(england[name]),
                    "higher_is_worse": bool(spec.higher_is_worse),
                    "role": role(spec),
                    "source": "" if source is None or source != source else str(source),
                    "is_reason": key in reason_measures,
                }
            )
    out = pd.DataFrame(rows, columns=SIGNAL_COLUMNS)
    num = ["value", "change_1y", "peer_median", "england_median"]
    out[num] = out[num].round(4)
    return out.sort_values(["council_code", "measure"], kind="stable").reset_index(drop=True)

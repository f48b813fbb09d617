"""Targets that use more of what an inspection says than 'inadequate overall'.

Ofsted's children's-services judgements carry an overall grade (1 outstanding to
4 inadequate) and, since the 2013 framework, sub-judgements. From April 2026 Ofsted gives
no overall grade, only the sub-judgements, so the package predicts them too. Each target
here is an *event filter* (which dated events count as a failure), read by
:func:`earlywarn.labels.failure_events`, so every target goes through the same labels,
censoring, backtest and evaluation as 'inadequate':

- ``leaders_inadequate``: the 'impact of leaders' sub-judgement graded inadequate (4);
- ``help_protection_inadequate``: 'experiences and progress of children who need help
  and protection' graded inadequate (4);
- ``decline``: a graded overall judgement worse than the council's previous one (the
  first judgement seen for a council is never a decline).

:func:`next_grade` gives the worst overall grade judged in each window, the target of the
ordinal model (:class:`earlywarn.models.OrdinalGradeClassifier`): the worst, so that
``P(grade >= 4)`` is exactly the 'inadequate within the horizon' label.

Example
-------
>>> import pandas as pd
>>> ev = pd.DataFrame({"council_code": ["A", "A"], "event_type": ["inspection"] * 2,
...                    "date": pd.to_datetime(["2015-01-01", "2018-01-01"]),
...                    "severity": [2.0, 3.0]})
>>> decline_events(ev)["date"].dt.year.tolist()
[2018]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SUBJUDGEMENT_COLUMNS", "TARGET_KINDS", "decline_events", "next_grade", "target_mask"]

SUBJUDGEMENT_COLUMNS = {
    "leaders_inadequate": "grade_leadership",
    "help_protection_inadequate": "grade_help_protection",
}
TARGET_KINDS = (*SUBJUDGEMENT_COLUMNS, "decline")
INADEQUATE = 4.0


def _overall_mask(events: pd.DataFrame) -> np.ndarray:
    """Inspections with an overall grade (headline judgements where the table says so)."""
    mask = (events["event_type"] == "inspection").to_numpy() & events["severity"].notna().to_numpy()
    if "headline" in events.columns:
        mask &= events["headline"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    return mask


def _graded_overall(events: pd.DataFrame) -> pd.DataFrame:
    return events[_overall_mask(events)].sort_values(["council_code", "date"], kind="stable")


def target_mask(events: pd.DataFrame, kind: str) -> np.ndarray:
    """Boolean mask over ``events`` rows: which count as a failure for one of
    :data:`TARGET_KINDS` (positional, so a non-unique index is harmless)."""
    if kind == "decline":
        pos = np.flatnonzero(_overall_mask(events))
        sub = events.iloc[pos].assign(_pos=pos).sort_values(["council_code", "date"], kind="stable")
        prev = sub.groupby("council_code", sort=False)["severity"].shift(1)
        out = np.zeros(len(events), dtype=bool)
        out[sub["_pos"].to_numpy()[(prev.notna() & (sub["severity"] > prev)).to_numpy()]] = True
        return out
    if kind not in SUBJUDGEMENT_COLUMNS:
        raise ValueError(f"unknown target {kind!r} (expected one of {', '.join(TARGET_KINDS)})")
    col = SUBJUDGEMENT_COLUMNS[kind]
    if col not in events.columns:  # a table without sub-judgements has no such failures
        return np.zeros(len(events), dtype=bool)
    grade = pd.to_numeric(events[col], errors="coerce").to_numpy(dtype=float)
    return (events["event_type"] == "inspection").to_numpy() & (grade >= INADEQUATE)


def decline_events(events: pd.DataFrame) -> pd.DataFrame:
    """Overall judgements graded worse than the same council's previous overall judgement."""
    return events[target_mask(events, "decline")]


def next_grade(events: pd.DataFrame, index: pd.MultiIndex, horizon_months: int) -> pd.Series:
    """The worst grade (1-4) of the overall judgements in ``(origin, origin + horizon]``.

    NaN where no graded overall judgement falls in the window (the ordinal target is
    conditional on inspection, like ``censoring = "drop"``). The worst, not the first, so
    that ``grade >= 4`` is the binary 'inadequate within the horizon' label.
    """
    insp = _graded_overall(events)
    by_c = {
        c: (g["date"].to_numpy("datetime64[ns]"), g["severity"].to_numpy(dtype=float))
        for c, g in insp.groupby("council_code")
    }
    origins = pd.DatetimeIndex(index.get_level_values("origin"))
    o = origins.to_numpy("datetime64[ns]")
    e = (origins + pd.DateOffset(months=horizon_months)).to_numpy("datetime64[ns]")
    out = np.full(len(index), np.nan)
    for i, c in enumerate(index.get_level_values("council_code")):
        if c not in by_c:
            continue
        dates, sev = by_c[c]
        j = np.searchsorted(dates, o[i], side="right")  # first date > origin
        k = np.searchsorted(dates, e[i], side="right")  # past the last date <= window end
        if k > j:
            out[i] = sev[j:k].max()
    return pd.Series(out, index=index, name="next_grade")

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
  first judgement seen for a council is never a decline);
- ``inadequate_any``: the label that continues 'inadequate' across Ofsted's reform. The
  regime is keyed on the inspection's **start** date (``inspection_start``; the event's
  date where a table has none): an inspection started before :data:`REFORM_START` (1 April
  2026) fails when its overall judgement is inadequate (as the ``inadequate`` label); one
  started on or after it fails when any sub-judgement (:data:`REFORM_SUBJUDGEMENTS`: leaders,
  help and protection, children in care, care leavers) is inadequate. A table without
  sub-judgement columns (synthetic worlds) uses the overall grade throughout.

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

__all__ = [
    "REFORM_START",
    "REFORM_SUBJUDGEMENTS",
    "SUBJUDGEMENT_COLUMNS",
    "TARGET_KINDS",
    "decline_events",
    "next_grade",
    "target_mask",
]

SUBJUDGEMENT_COLUMNS = {
    "leaders_inadequate": "grade_leadership",
    "help_protection_inadequate": "grade_help_protection",
}
TARGET_KINDS = (*SUBJUDGEMENT_COLUMNS, "decline", "inadequate_any")
INADEQUATE = 4.0
#: Ofsted's children's-services inspections that *start* on or after this date have no
#: overall judgement, only the sub-judgements below.
REFORM_START = pd.Timestamp("2026-04-01")
REFORM_SUBJUDGEMENTS = (
    "grade_leadership",
    "grade_help_protection",
    "grade_children_in_care",
    "grade_care_leavers",
)


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
    if kind == "inadequate_any":
        return _inadequate_any(events)
    if kind not in SUBJUDGEMENT_COLUMNS:
        raise ValueError(f"unknown target {kind!r} (expected one of {', '.join(TARGET_KINDS)})")
    col = SUBJUDGEMENT_COLUMNS[kind]
    if col not in events.columns:  # a table without sub-judgements has no such failures
        return np.zeros(len(events), dtype=bool)
    grade = pd.to_numeric(events[col], errors="coerce").to_numpy(dtype=float)
    return (events["event_type"] == "inspection").to_numpy() & (grade >= INADEQUATE)


def _inadequate_any(events: pd.DataFrame) -> np.ndarray:
    """Overall inadequate before the reform, any sub-judgement inadequate after it."""
    overall = _overall_mask(events) & (
        pd.to_numeric(events["severity"], errors="coerce").to_numpy(dtype=float) >= INADEQUATE
    )
    subs = [c for c in REFORM_SUBJUDGEMENTS if c in events.columns]
    if not subs:
        return overall
    date = pd.to_datetime(events["date"])
    if "inspection_start" in events.columns:
        date = pd.to_datetime(events["inspection_start"]).fillna(date)
    after = date.to_numpy() >= REFORM_START.to_datetime64()
    grades = events[subs].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    any_sub = (events["event_type"] == "inspection").to_numpy() & (grades >= INADEQUATE).any(axis=1)
    return np.where(after, any_sub, overall)


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

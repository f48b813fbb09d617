"""Labels: did the council fail within the horizon after the origin, and was it observed?

A failure is an event of a chosen kind dated in ``(origin, origin + horizon]``. Failures
found by inspection are only seen where an inspection happens, so a council with no
inspection in its window is *censored*, not healthy: the ``censored`` flag says so and
the cycle config decides how to treat it (:data:`CENSORING`).

``failed_at_origin`` marks councils already in a failed state at the origin (their latest
inspection known at the origin met the failure grade, or a failure event of another kind
fell in the ``horizon`` before it), for the 'new failures only' variant.

Example
-------
>>> import pandas as pd
>>> ev = pd.DataFrame({"council_code": ["E06900001"], "date": [pd.Timestamp("2016-05-01")],
...                    "event_type": ["inspection"], "service": ["childrens_services"],
...                    "severity": [4.0], "source": ["x"]})
>>> idx = pd.MultiIndex.from_tuples([("E06900001", pd.Timestamp("2015-03-31"))],
...                                 names=["council_code", "origin"])
>>> row = make_labels(ev, idx, horizon_months=24).iloc[0]
>>> int(row["label"]), bool(row["censored"])
(1, False)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn._names import CENSORING
from earlywarn.labels._financial import finance_mask, financial_labels_frame
from earlywarn.labels._targets import TARGET_KINDS, target_mask
from earlywarn.panel import earliest_known

__all__ = [
    "CENSORING",
    "announced",
    "CENSORING_WORDS",
    "failure_events",
    "known_events",
    "label_events",
    "make_labels",
]

INSPECTION_LABELS = {"inadequate": 4, "requires_improvement_or_worse": 3}
FINANCIAL = "financial_failure"  # the interval label kind (earlywarn.labels._financial)
CENSORING_WORDS = {
    "drop": "councils not inspected in the window are dropped: the model learns the "
    "conditional risk P(fail | inspected) from inspected councils only",
    "negative": "councils not inspected in the window count as not failing: the model learns "
    "the joint risk P(inspected and failing) directly",
    "weight": "councils not inspected in the window are dropped and inspected ones are weighted "
    "by 1 / their estimated chance of inspection (inspection-timing model), so the conditional "
    "risk P(fail | inspected) describes all councils, not only those the schedule reached",
}


def found_by_inspection(kind: str) -> bool:
    """Whether failures of this kind are found by inspection (so a window without one is
    censored): the overall grades and the targets of :mod:`earlywarn.labels`."""
    return kind in INSPECTION_LABELS or kind in TARGET_KINDS


def announced(kinds) -> bool:
    """Whether failures of these kinds are announced, not found by inspection (no window
    is censored, no inspected share is meaningful): e.g. ``financial_failure``."""
    kinds = list(kinds or [])
    return bool(kinds) and not any(found_by_inspection(k) for k in kinds)


def failure_events(events: pd.DataFrame, kinds: tuple[str, ...] = ("inadequate",)) -> pd.DataFrame:
    """The events that count as a failure for the given label kinds."""
    mask = pd.Series(False, index=events.index)
    for kind in kinds:
        if kind in TARGET_KINDS:
            mask |= target_mask(events, kind)
        elif kind == FINANCIAL:
            mask |= finance_mask(events)
        elif kind in INSPECTION_LABELS:
            mask |= (events["event_type"] == "inspection") & (
                events["severity"] >= INSPECTION_LABELS[kind]
            )
        else:
            mask |= events["event_type"] == kind
    return events[mask]


def label_events(events: pd.DataFrame, frameworks: str = "headline") -> pd.DataFrame:
    """The events labels are built from.

    ``frameworks = "headline"`` (the default) keeps only overall inspection judgements:
    inspection rows whose ``headline`` column is False (re-inspections, thematic and
    partial frameworks such as TLAC, CPRI or SLAC re-inspections) are left out, so they
    neither count as a failure nor as the inspection that resolves a window. Events
    without a ``headline`` column (e.g. synthetic data) are all overall. ``"all"`` keeps
    every event.
    """
    if frameworks == "all" or "headline" not in events.columns:
        return events
    if frameworks != "headline":
        raise ValueError(f"frameworks {frameworks!r} is not 'headline' or 'all'")
    partial = (events["event_type"] == "inspection") & events["headline"].eq(False)
    return events[~partial]


def known_events(events: pd.DataFrame, known_at: pd.Timestamp | None) -> pd.DataFrame:
    """The events published (or, without a ``published`` column, dated) by ``known_at``,
    and those whose imprecise date (``date_earliest``, finance events) may fall on or
    before it (:func:`earlywarn.panel.earliest_known`): a row whose window such an event
    straddles is then ambiguous, not 0. Events dated to the day are cut exactly as before."""
    if known_at is None:
        return events
    return events[earliest_known(events) <= known_at]


def _any_in_window(
    index: pd.MultiIndex, ev: pd.DataFrame, horizon_months: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each (council, origin): is there an event in the window, and the first date."""
    codes = index.get_level_values("council_code")
    origins = pd.DatetimeIndex(index.get_level_values("origin"))
    ends = origins + pd.DateOffset(months=horizon_months)
    hit = np.zeros(len(index), dtype=bool)
    first = np.full(len(index), np.datetime64("NaT"), dtype="datetime64[ns]")
    by_council = {
        c: np.sort(g["date"].to_numpy("datetime64[ns]")) for c, g in ev.groupby("council_code")
    }
    o = origins.to_numpy("datetime64[ns]")
    e = ends.to_numpy("datetime64[ns]")
    for i, c in enumerate(codes):
        dates = by_council.get(c)
        if dates is None:
            continue
        j = np.searchsorted(dates, o[i], side="right")  # first date > origin
        if j < len(dates) and dates[j] <= e[i]:
            hit[i] = True
            first[i] = dates[j]
    return hit, first


def _failed_at_origin(
    index: pd.MultiIndex, ev: pd.DataFrame, kinds: tuple[str, ...], horizon_months: int
) -> np.ndarray:
    """Already failed at the origin: latest inspection on or before it met the failure
    grade, or a non-inspection failure event in ``(origin - horizon, origin]``."""
    codes = index.get_level_values("council_code")
    o = pd.DatetimeIndex(index.get_level_values("origin")).to_numpy("datetime64[ns]")
    back = (
        pd.DatetimeIndex(index.get_level_values("origin")) - pd.DateOffset(months=horizon_months)
    ).to_numpy("datetime64[ns]")
    out = np.zeros(len(index), dtype=bool)
    grades = [INSPECTION_LABELS[k] for k in kinds if k in INSPECTION_LABELS]
    insp = ev[(ev["event_type"] == "inspection") & ev["severity"].notna()]
    insp = insp.sort_values("date", kind="stable")
    by_c = {
        c: (g["date"].to_numpy("datetime64[ns]"), g["severity"].to_numpy(dtype=float))
        for c, g in insp.groupby("council_code")
    }
    other = failure_events(ev, tuple(k for k in kinds if k not in INSPECTION_LABELS))
    other_c = {
        c: np.sort(g["date"].to_numpy("datetime64[ns]")) for c, g in other.groupby("council_code")
    }
    for i, c in enumerate(codes):
        if grades and c in by_c:
            dates, sev = by_c[c]
            j = np.searchsorted(dates, o[i], side="right") - 1  # latest date <= origin
            out[i] = j >= 0 and sev[j] >= min(grades)
        if not out[i] and c in other_c:
            dates = other_c[c]
            j = np.searchsorted(dates, o[i], side="right") - 1
            out[i] = j >= 0 and dates[j] > back[i]
    return out


def make_labels(
    events: pd.DataFrame,
    index: pd.MultiIndex,
    horizon_months: int,
    kinds: tuple[str, ...] = ("inadequate",),
    known_at: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Label every ``(council_code, origin)`` of ``index``.

    Parameters
    ----------
    events : DataFrame
        The events table.
    index : MultiIndex
        ``(council_code, origin)`` pairs to label.
    horizon_months : int
        Window length: failures dated in ``(origin, origin + horizon]`` count.
    kinds : tuple of str
        Which events count as failure: ``inadequate``, ``requires_improvement_or_worse``,
        ``financial_notice``, ``intervention``, or a target of :mod:`earlywarn.labels`
        (``leaders_inadequate``, ``help_protection_inadequate``, ``decline``); any of them.
        ``financial_failure`` (alone) is the interval rule of
        :func:`earlywarn.labels.financial_failure_labels`: a first EFS approval or s114
        notice surely in the window, repeats (one in the previous five years) as
        ``failed_at_origin``, rows an imprecise date leaves open ``ambiguous``.
    known_at : Timestamp, optional
        Use only events published (or, without a ``published`` column, dated) on or before
        this date — what a model trained at ``known_at`` could have known.

    Returns
    -------
    DataFrame
        Indexed like ``index``: ``label`` (0/1), ``inspected`` (any inspection in the
        window), ``censored`` (label 0 but a failure by inspection could not have been
        seen), ``window_end``, ``failure_date`` (first failure in the window) and
        ``failed_at_origin`` (already in a failed state at the origin, from events known at
        the origin), ``ambiguous`` (the label is not known: left out of every population).
    """
    ev = known_events(events, known_at)
    if FINANCIAL in kinds:
        if len(kinds) > 1:
            raise ValueError(f"{FINANCIAL!r} is a label of its own (not with {list(kinds)})")
        return financial_labels_frame(ev, index, horizon_months)
    fails = failure_events(ev, kinds)
    label, first = _any_in_window(index, fails, horizon_months)
    inspected, _ = _any_in_window(index, ev[ev["event_type"] == "inspection"], horizon_months)
    by_inspection = any(found_by_inspection(k) for k in kinds)
    censored = (~label) & (~inspected) & by_inspection
    origins = pd.DatetimeIndex(index.get_level_values("origin"))
    failed_before = _failed_at_origin(index, ev, kinds, horizon_months)
    return pd.DataFrame(
        {
            "label": label.astype(int),
            "inspected": inspected,
            "censored": censored,
            "window_end": origins + pd.DateOffset(months=horizon_months),
            "failure_date": pd.to_datetime(first),
            "failed_at_origin": failed_before,
            "ambiguous": False,
        },
        index=index,
    )

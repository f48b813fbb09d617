"""Warnings against later outcomes: match frozen risk lists to the events that followed.

Every cycle freezes its published list (rank, probability, reasons, model run) in its
output folder. :func:`match_outcomes` takes those lists and a later events table and says,
council by council, whether each warning was a hit, a false alarm or not yet confirmable,
and which failures the list missed — each with the reasons given at the time.

Outcomes (failure = the list's own label events within its horizon after its origin):

- ``hit``: flagged (rank <= k) and failed;
- ``miss``: not flagged and failed;
- ``false_alarm``: flagged, did not fail, and the window has closed with the council seen
  (inspected in the window, or the label needs no inspection);
- ``unconfirmed``: flagged, not inspected in a closed window (censored: nobody looked);
- ``inspected_not_failing``: flagged, the window still open, and inspected in it (by the
  events' end) without the failure judgement: known from the judgement's publication, so
  it counts against the list now (a failure-by-inspection label only);
- ``pending``: flagged, not yet inspected and the window still open;
- ``no_warning``: not flagged and no failure.

Precision is over the **resolved** flags (hits, false alarms and inspected-not-failing),
with their number (``resolved``); pending and unconfirmed flags are not counted.

Example
-------
>>> rl = pd.DataFrame({"rank": [1, 2], "council_code": ["E1", "E2"], "probability": [.3, .1],
...                    "reason_1": ["Reserves fell.", "None."]})
>>> info = {"cycle": "c", "score_origin": "2020-03-31", "horizon": "24M", "model": "gbm",
...         "model_run_id": "r", "config": {"labels": {"events": ["inadequate"]},
...                                         "evaluate": {"k": 1}}}
>>> ev = pd.DataFrame({"council_code": ["E1", "E2"], "date": pd.to_datetime(["2021-01-01",
...     "2022-12-31"]), "event_type": "inspection", "service": "x", "severity": [4, 2],
...     "source": "x"})
>>> frame, summary = match_outcomes([(rl, info)], ev)
>>> frame["outcome"].tolist()
['hit', 'no_warning']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from earlywarn.config import parse_horizon
from earlywarn.errors import UserInputError
from earlywarn.labels import found_by_inspection, make_labels
from earlywarn.panel import window_closed

__all__ = ["OUTCOMES", "match_outcomes"]

OUTCOMES = (
    "hit",
    "miss",
    "false_alarm",
    "inspected_not_failing",
    "unconfirmed",
    "pending",
    "no_warning",
)


def _setting(info: dict[str, Any], path: tuple[str, ...], where: str) -> Any:
    v: Any = info
    for key in path:
        if not isinstance(v, dict) or key not in v:
            raise UserInputError(f"{where}: run.json has no {'.'.join(path)}")
        v = v[key]
    return v


def match_outcomes(
    lists: Sequence[tuple[pd.DataFrame, dict[str, Any]]],
    events: pd.DataFrame,
    k: int | None = None,
    events_end: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Match earlier risk lists to later events.

    Parameters
    ----------
    lists : sequence of (risk_list, run_info)
        Each published list (``rank, council_code, probability``, optional
        ``council_name``, ``reason_*``, ``main_problem_nature``) and its ``run.json``.
    events : DataFrame
        The events table (core format), including events after the lists' origins.
    k : int, optional
        Councils counted as warned per list; default: each list's own ``evaluate.k``.
    events_end : Timestamp, optional
        Date up to which ``events`` is complete; default: its latest event date.

    Returns
    -------
    outcomes : DataFrame
        One row per council per list: ``cycle, score_origin, model, model_run_id, rank,
        council_code, council_name, probability, flagged, outcome, failure_date,
        window_end, reasons_at_the_time``.
    summary : dict
        Per cycle: counts of each outcome, ``resolved`` (hits, false alarms and
        inspected-not-failing), ``precision`` (hits / resolved) and ``recall`` (hits /
        (hits + misses)), ``window_closed``; and ``total``.
    """
    end = (
        pd.Timestamp(events_end) if events_end is not None else pd.to_datetime(events["date"]).max()
    )
    rows, summary = [], {}
    for risk_list, info in lists:
        where = f"list {info.get('cycle', '?')}"
        origin = pd.Timestamp(_setting(info, ("score_origin",), where))
        h = parse_horizon(_setting(info, ("horizon",), where))
        kinds = tuple(_setting(info, ("config", "labels", "events"), where))
        k_list = int(k if k is not None else _setting(info, ("config", "evaluate", "k"), where))
        rl = risk_list.sort_values("rank", kind="stable").reset_index(drop=True)
        idx = pd.MultiIndex.from_arrays(
            [rl["council_code"].astype(str), [origin] * len(rl)], names=["council_code", "origin"]
        )
        lab = make_labels(events, idx, h, kinds).reset_index(drop=True)
        window_end = origin + pd.DateOffset(months=h)
        closed = window_closed(origin, h, end)
        by_inspection = any(found_by_inspection(x) for x in kinds)
        seen = lab["inspected"] | (not by_inspection)
        flagged = rl["rank"].astype(int) <= k_list
        failed = lab["label"].astype(bool)
        outcome = pd.Series("no_warning", index=rl.index, dtype=object)
        outcome[flagged & failed] = "hit"
        outcome[~flagged & failed] = "miss"
        quiet = flagged & ~failed
        if closed:
            outcome[quiet & seen] = "false_alarm"
            outcome[quiet & ~seen] = "unconfirmed"
        else:  # inspected and not failing is known now; only the not-yet-inspected wait
            outcome[quiet] = "pending"
            if by_inspection:
                outcome[quiet & lab["inspected"].astype(bool)] = "inspected_not_failing"
        reason_cols = [c for c in rl.columns if c.startswith("reason_")]
        reasons = (
            rl[reason_cols].fillna("").astype(str).agg(" | ".join, axis=1) if reason_cols else ""
        )
        rows.append(
            pd.DataFrame(
                {
                    "cycle": str(info.get("cycle", "")),
                    "score_origin": str(origin.date()),
                    "model": str(info.get("model", "")),
                    "model_run_id": str(info.get("model_run_id", "")),
                    "rank": rl["rank"].astype(int),
                    "council_code": rl["council_code"].astype(str),
                    "council_name": rl.get("council_name", pd.Series("", index=rl.index)),
                    "probability": rl["probability"].astype(float),
                    "flagged": flagged,
                    "outcome": outcome,
                    "failure_date": lab["failure_date"].dt.date.astype(str).where(failed, ""),
                    "window_end": str(window_end.date()),
                    "main_problem_nature": rl.get(
                        "main_problem_nature", pd.Series("", index=rl.index)
                    ),
                    "reasons_at_the_time": reasons,
                }
            )
        )
        counts = {o: int((outcome == o).sum()) for o in OUTCOMES}
        hits = counts["hit"]
        resolved = hits + counts["false_alarm"] + counts["inspected_not_failing"]
        summary[str(info.get("cycle", ""))] = {
            "score_origin": str(origin.date()),
            "window_end": str(window_end.date()),
            "window_closed": bool(closed),
            "k": k_list,
            **counts,
            "resolved": resolved,
            "precision": hits / resolved if resolved else None,
            "recall": hits / (hits + counts["miss"]) if hits + counts["miss"] else None,
        }
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    total = {o: sum(s[o] for s in summary.values()) for o in OUTCOMES}
    return frame, {"lists": summary, "total": total, "events_end": str(end.date())}

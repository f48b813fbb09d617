"""Label kind ``financial_failure``: a council's first EFS approval or s114 notice in the horizon.

For a council at origin ``t`` with horizon ``h`` months:

- ``y = 1`` when an event (non-withdrawn EFS decision or s114 notice, dated by
  announcement at its latest possible day) falls in ``(t, t + h]``; ``first_event_date``
  is the first such date;
- ``population`` is ``"new"`` when the council had no event in ``(t - lookback, t]``
  (default 5 years), else ``"repeat"``: the default population is new failures only, and
  repeats are reported separately;
- ``censored`` is True when the window is not closed by ``as_of`` (the vintage): such a
  row has no label (``y`` missing).

One owner for the rule: :func:`financial_failure_labels`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["failure_events", "financial_failure_labels"]


def failure_events(events: pd.DataFrame, include_withdrawn: bool = False) -> pd.DataFrame:
    """The events that count as financial failure (withdrawn EFS requests left out)."""
    ev = events[events["event_type"].eq("financial_failure")]
    if not include_withdrawn:
        ev = ev[~ev["status"].eq("withdrawn")]
    return ev


def financial_failure_labels(
    events: pd.DataFrame,
    index: pd.MultiIndex,
    horizon_months: int = 12,
    lookback_years: int = 5,
    as_of: object = None,
    include_withdrawn: bool = False,
) -> pd.DataFrame:
    """Label every ``(council_code, origin)`` of ``index``.

    Parameters
    ----------
    events : pandas.DataFrame
        Finance events (``council_code, date, event_type, status``).
    index : pandas.MultiIndex
        ``(council_code, origin)`` pairs.
    horizon_months, lookback_years : int
        Window after the origin; window before it that makes a council a repeat.
    as_of : date-like, optional
        The vintage: windows ending after it are censored.
    include_withdrawn : bool
        Count withdrawn EFS requests as failures (default no).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``index``: ``y`` (float, NaN when censored), ``population``
        (``new``/``repeat``), ``censored``, ``first_event_date``, ``prior_event_date``.

    Example
    -------
    >>> ev = pd.DataFrame({"council_code": ["A", "A"], "event_type": "financial_failure",
    ...     "status": "issued", "date": pd.to_datetime(["2020-06-01", "2021-06-01"])})
    >>> ix = pd.MultiIndex.from_product([["A"], pd.to_datetime(["2020-03-31", "2021-03-31"])],
    ...     names=["council_code", "origin"])
    >>> financial_failure_labels(ev, ix)[["y", "population"]].values.tolist()
    [[1.0, 'new'], [1.0, 'repeat']]
    """
    ev = failure_events(events, include_withdrawn)
    dates = {c: np.sort(g["date"].to_numpy()) for c, g in ev.groupby("council_code")}
    h = pd.DateOffset(months=int(horizon_months))
    back = pd.DateOffset(years=int(lookback_years))
    end_all = pd.Timestamp(as_of) if as_of is not None else None
    rows = []
    for code, origin in index:
        t = pd.Timestamp(origin)
        d = dates.get(code, np.array([], dtype="datetime64[ns]"))
        end = t + h
        inwin = d[(d > np.datetime64(t)) & (d <= np.datetime64(end))]
        prior = d[(d > np.datetime64(t - back)) & (d <= np.datetime64(t))]
        censored = end_all is not None and end > end_all
        rows.append(
            (
                np.nan if censored else float(len(inwin) > 0),
                "repeat" if len(prior) else "new",
                censored,
                pd.Timestamp(inwin[0]) if len(inwin) else pd.NaT,
                pd.Timestamp(prior[-1]) if len(prior) else pd.NaT,
            )
        )
    cols = ["y", "population", "censored", "first_event_date", "prior_event_date"]
    return pd.DataFrame(rows, index=index, columns=cols)

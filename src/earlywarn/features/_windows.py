"""Coverage windows of event sources: a count is defined only where its source covered it.

An event count ("changes of director in three years", "monitoring visits in 24 months") is
0 for a council with no such event only while the source that reports those events is
running. Before a source starts (Ofsted's visit tables begin in April 2021) or after it
stops (the "in post since" dates read from the report PDFs end in 2018), a council with no
event is not known to have had none: the count is **missing**, not 0. No indicator of the
gap is added (a source that starts or stops between origins would turn it into a calendar
effect).

Each source's window is derived from its own events as known at the origin (no years are
written down): ``first`` and ``last``, the earliest and latest publication dates
(``published``, else ``date``) of the events the count is made of (``first`` is the
earliest ``inspection_start`` where that is earlier: a table of visits covers the visits
*made* from its first one on, whose publication dates are partly estimated), and a
tolerance, twice the 95th percentile of the gaps between consecutive publication dates
among them (a source publishes in bursts; silence longer than twice its usual longest gap
means it stopped or paused). A look-back
``(origin - years, origin]`` is covered when ``first - tolerance <= origin - years`` and
``origin - last <= tolerance``. A state read from the latest event (an interim in post,
the time since the last change) uses ``years = 0``: it needs the source to be running.

Example
-------
>>> import pandas as pd
>>> ev = pd.DataFrame({"date": pd.to_datetime(["2014-05-01", "2014-06-01", "2014-07-01",
...                                            "2014-08-01", "2015-01-01", "2015-03-01"])})
>>> covered(ev, pd.Timestamp("2015-03-31"), 1.0)  # tolerance: about 2 x 134 days
True
>>> covered(ev, pd.Timestamp("2016-03-31"), 0.0)  # silent for a year: stopped
False
>>> covered(ev, pd.Timestamp("2015-03-31"), 3.0)  # window from 2012: before the source
False
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["GAP_QUANTILE", "covered", "gate", "source_window"]

#: the tolerance is twice this quantile of the gaps between publication dates: a single
#: long pause (Ofsted's Covid-19 pause of 2020-21) does not stretch it to years
GAP_QUANTILE = 0.95


def source_window(events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timedelta] | None:
    """``(first, last, tolerance)`` of the events' publication dates (module notes), or None
    without events."""
    col = "published" if "published" in events.columns else "date"
    dates = pd.to_datetime(events[col]).fillna(pd.to_datetime(events["date"])).dropna()
    if dates.empty:
        return None
    days = np.unique(dates.to_numpy("datetime64[D]"))
    gaps = np.diff(days).astype(float)
    gap = (
        pd.Timedelta(days=float(np.quantile(gaps, GAP_QUANTILE))) if len(gaps) else pd.Timedelta(0)
    )
    first = pd.Timestamp(days[0])
    if "inspection_start" in events.columns:  # a visit's first day: the table's start
        began = pd.to_datetime(events["inspection_start"]).min()
        first = first if pd.isna(began) else min(first, began)
    return first, pd.Timestamp(days[-1]), 2 * gap


def covered(events: pd.DataFrame, origin: pd.Timestamp, years: float) -> bool:
    """Whether ``events``' source covered the look-back ``(origin - years, origin]``."""
    window = source_window(events)
    if window is None:
        return False
    first, last, tol = window
    start = origin - pd.DateOffset(months=round(12 * years))
    return bool(first - tol <= start and origin - last <= tol)


def gate(values: np.ndarray, events: pd.DataFrame, origin: pd.Timestamp, years: float):
    """``values`` where the source covered the look-back, else all missing."""
    if covered(events, origin, years):
        return values
    return np.full(np.shape(values), np.nan)

"""Shared helpers: a measure's recent history as known at an origin, and peer medians."""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_AGE_YEARS = 3  # a measure whose latest period is older than this is treated as absent


def measure_history(
    known: pd.DataFrame, measure: str, origin: pd.Timestamp, councils: pd.Index, n_back: int = 5
) -> pd.DataFrame:
    """Values of ``measure`` for the latest period known at ``origin`` and the years before.

    Returns a frame indexed by ``councils`` with integer columns ``0..n_back``: column 0 is
    the latest period published by the origin, column ``j`` the period ``j`` years earlier
    (NaN where that year is missing). Only rows already filtered to ``published <= origin``
    may be passed in.
    """
    rows = known[known["measure"] == measure]
    out = pd.DataFrame(np.nan, index=councils, columns=range(n_back + 1))
    if rows.empty:
        return out
    latest = rows["period"].max()
    if latest < origin - pd.DateOffset(years=MAX_AGE_YEARS):
        return out
    lag = latest.year - rows["period"].dt.year
    rows = rows.assign(lag=lag)[(lag >= 0) & (lag <= n_back)]
    wide = rows.pivot_table(index="council_code", columns="lag", values="value", aggfunc="last")
    wide = wide.reindex(index=councils, columns=range(n_back + 1))
    return wide.astype(float)


def slope(history: pd.DataFrame, width: int) -> pd.Series:
    """Least-squares slope per year over the latest ``width`` periods (NaN if < 2 values)."""
    y = history[list(range(width))].to_numpy(dtype=float)
    x = -np.arange(width, dtype=float)
    ok = ~np.isnan(y)
    n = ok.sum(axis=1)
    xm = np.where(ok, x, 0).sum(axis=1) / np.maximum(n, 1)
    ym = np.where(ok, y, 0).sum(axis=1) / np.maximum(n, 1)
    dx = np.where(ok, x - xm[:, None], 0)
    dy = np.where(ok, y - ym[:, None], 0)
    den = (dx * dx).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = (dx * dy).sum(axis=1) / den
    b[(n < 2) | (den == 0)] = np.nan
    return pd.Series(b, index=history.index)

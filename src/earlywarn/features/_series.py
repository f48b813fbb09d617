"""Shared helpers: every measure's recent history as known at an origin, slopes, volatility.

:class:`ObservationIndex` lays the observations out once; :meth:`ObservationIndex.cube` then
returns, for one origin, an array ``(council, measure, lag)`` holding the latest revision
published by the origin of each measure's latest period (lag 0) and the years before it.
Everything is numpy on integer codes: no loop over councils or measures.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from earlywarn.features.registry import measure_info

MAX_AGE_YEARS = 3  # a measure whose latest period is older than this is treated as absent
CONTEXT_MAX_AGE_YEARS = 6  # context (deprivation, populations) is refreshed less often


DAY_NS = 86_400 * 10**9
NEVER = np.iinfo(np.int32).max  # publication code of a cell with no value
GRID_SLACK = 2**20  # a full (council x measure) or (period x series) grid up to this many
# cells more than a small multiple of the rows is laid out densely, else only what occurs


def _int_for(n: int) -> type:
    """The narrowest of int32 and int64 that holds ``0..n``."""
    return np.int32 if n < np.iinfo(np.int32).max else np.int64


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes ``0..k-1`` of int64 ``values`` in sorted order of their ``k`` distinct values.

    Whole days are coded by counting over their range (no hashing or sorting of the rows),
    anything else by :func:`pandas.factorize`.

    Example
    -------
    >>> sorted_codes(np.array([3, 1, 3, 7]) * DAY_NS)[0]
    array([1, 0, 1, 2], dtype=int32)
    """
    values = np.asarray(values, dtype=np.int64)
    if values.size:
        days = values // DAY_NS
        lo = int(days.min())
        span = int(days.max()) - lo + 1
        if span <= 4 * values.size + 1_000_000 and np.array_equal(days * DAY_NS, values):
            days -= lo
            present = np.zeros(span, dtype=bool)
            present[days] = True
            rank = (np.cumsum(present) - 1).astype(np.int32)
            return rank[days], (np.flatnonzero(present) + lo) * DAY_NS
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int32), np.asarray(uniques, dtype=np.int64)


class ObservationIndex:
    """Observations of ``measures``, laid out once for fast as-of look-ups at many origins.

    Each ``(council, measure)`` series has one cell per period. Cells with a single
    publication sit in flat arrays ordered by period, then council, then measure; the
    few cells that were revised (published more than once) keep every revision, sorted by
    publication. No sort of the rows is needed, so building the index is linear in the
    number of observations.

    Parameters
    ----------
    observations : DataFrame
        The observations table (``council_code, period, measure, value, published``).
    measures : list of str
        The measures to index, in the order of the cube's second axis.
    measure_codes : tuple of (codes, uniques), optional
        ``pandas.factorize(observations["measure"])`` when the caller already has it.
    """

    def __init__(
        self,
        observations: pd.DataFrame,
        measures: list[str],
        measure_codes: tuple[np.ndarray, object] | None = None,
    ):
        self.measures = list(measures)
        self.max_age = np.array(
            [
                CONTEXT_MAX_AGE_YEARS if measure_info(m).family == "context" else MAX_AGE_YEARS
                for m in self.measures
            ],
            dtype=np.int64,
        )
        n_m = len(self.measures)
        codes, uniques = measure_codes or pd.factorize(observations["measure"])
        lookup = np.append(pd.Index(self.measures).get_indexer(pd.Index(uniques)), -1)
        m = lookup.astype(np.int32)[codes]  # code -1 (a missing measure name) -> -1
        take = slice(None) if (m >= 0).all() else np.flatnonzero(m >= 0)
        m = m[take]
        c, uniq_c = pd.factorize(observations["council_code"], sort=True)  # no str objects
        c = c[take].astype(np.int32)
        self.codes = pd.Index(uniq_c)
        period = observations["period"].to_numpy(dtype="datetime64[ns]")[take]
        p, self.period_ns = sorted_codes(period.view(np.int64))
        self.period_year = pd.DatetimeIndex(self.period_ns).year.to_numpy()
        published = observations["published"].to_numpy(dtype="datetime64[ns]")[take]
        pub, self.pub_ns = sorted_codes(published.view(np.int64))
        del period, published
        value = observations["value"].to_numpy(dtype=float)[take]
        n_p, n_c = len(self.period_ns), len(self.codes)
        # first publication of each (period, measure): which periods are known at an origin
        self.first_pub = np.full((n_p, n_m), NEVER, dtype=np.int32)
        np.minimum.at(self.first_pub, (p, m), pub)

        # series (council, measure): every pair when that grid is dense enough, else the
        # pairs that occur; cells (period, series) likewise
        if n_c * n_m <= 2 * len(m) + GRID_SLACK:
            series = c * np.array(n_m, dtype=_int_for(n_c * n_m)) + m
            self.series_c = np.repeat(np.arange(n_c, dtype=np.int32), n_m)
            self.series_m = np.tile(np.arange(n_m, dtype=np.int32), n_c)
        else:
            series, uniq_s = pd.factorize(c.astype(np.int64) * n_m + m, sort=True)
            s_c, s_m = np.divmod(np.asarray(uniq_s, dtype=np.int64), n_m)
            self.series_c, self.series_m = s_c.astype(np.int32), s_m.astype(np.int32)
        del c, m
        n_s = len(self.series_c)
        if n_p * n_s <= 4 * len(series) + GRID_SLACK:
            self.cell_series = None  # cell = period * n_s + series
            self.period_start = np.arange(n_p + 1, dtype=np.int64) * n_s
            n_cells = n_p * n_s
            cell = p * np.array(n_s, dtype=_int_for(n_cells)) + series
        else:
            cell, uniq_cell = pd.factorize(p.astype(np.int64) * n_s + series, sort=True)
            cell_p, cell_s = np.divmod(np.asarray(uniq_cell, dtype=np.int64), n_s)
            self.cell_series = cell_s.astype(np.int32)
            self.period_start = np.searchsorted(cell_p, np.arange(n_p + 1))
            n_cells = len(uniq_cell)
        del p, series
        revised = np.bincount(cell, minlength=n_cells) > 1
        self.value = np.full(n_cells, np.nan)
        self.pub = np.full(n_cells, NEVER, dtype=np.int32)
        if not revised.any():
            self.value[cell] = value
            self.pub[cell] = pub
            r = np.zeros(0, dtype=np.int64)
        else:
            again = revised[cell]
            once = np.flatnonzero(~again)
            self.value[cell[once]] = value[once]
            self.pub[cell[once]] = pub[once]
            r = np.flatnonzero(again)
        # revised cells: every publication, by cell then publication (ties: input order)
        order = np.lexsort((pub[r], cell[r]))
        self.rev_cell = cell[r][order]
        self.rev_pub = pub[r][order]
        self.rev_value = value[r][order]
        self.rev_end = np.append(self.rev_cell[1:] != self.rev_cell[:-1], True)
        self.rev_start = np.searchsorted(self.rev_cell, self.period_start)

    def _series(self, p: int, cells: np.ndarray | None) -> np.ndarray:
        """Series of the cells of period ``p`` (all of them when ``cells`` is None)."""
        a, b = self.period_start[p], self.period_start[p + 1]
        if cells is None:
            if self.cell_series is None:
                return np.arange(b - a)
            return self.cell_series[a:b]
        return cells - a if self.cell_series is None else self.cell_series[cells]

    def cube(self, origin: pd.Timestamp, councils: pd.Index, n_back: int) -> np.ndarray:
        """Values known at ``origin``: shape ``(len(councils), len(measures), n_back + 1)``.

        ``[:, j, 0]`` is measure ``j`` for its latest period published by the origin (across
        all councils), ``[:, j, k]`` the period ``k`` years earlier; NaN where unknown. A
        measure whose latest known period is more than :data:`MAX_AGE_YEARS` old
        (:data:`CONTEXT_MAX_AGE_YEARS` for context measures) is absent. Each cell holds its
        latest revision published by the origin; of two periods in the same year the later
        one counts.
        """
        origin = pd.Timestamp(origin)
        out = np.full((len(councils), len(self.measures), n_back + 1), np.nan)
        limit = np.searchsorted(self.pub_ns, origin.value, side="right")  # pub <= origin
        known = self.first_pub < limit  # (period, measure)
        if not known.any():
            return out
        n_p = known.shape[0]
        latest_p = np.where(known.any(axis=0), n_p - 1 - known[::-1].argmax(axis=0), -1)
        cutoff = {a: (origin - pd.DateOffset(years=int(a))).value for a in set(self.max_age)}
        fresh = (latest_p >= 0) & (
            self.period_ns[latest_p] >= np.array([cutoff[a] for a in self.max_age])
        )
        if not fresh.any():
            return out
        latest_year = self.period_year[latest_p]
        row = councils.get_indexer(self.codes)  # index council -> row of out (-1: none)
        first = np.searchsorted(self.period_year, latest_year[fresh].min() - n_back)
        for p in range(first, int(latest_p[fresh].max()) + 1):
            lag = latest_year - self.period_year[p]  # per measure
            use = fresh & (lag >= 0) & (lag <= n_back)
            if not use.any():
                continue
            a, b = self.period_start[p], self.period_start[p + 1]
            s = self._series(p, None)
            ok = (self.pub[a:b] < limit) & use[self.series_m[s]] & (row[self.series_c[s]] >= 0)
            self._put(out, row, lag, s[ok], self.value[a:b][ok])
            ra, rb = self.rev_start[p], self.rev_start[p + 1]
            if rb > ra:  # revised cells: the latest revision published by the origin
                seen = self.rev_pub[ra:rb] < limit
                last = seen & (self.rev_end[ra:rb] | ~np.append(seen[1:], False))
                s = self._series(p, self.rev_cell[ra:rb][last])
                ok = use[self.series_m[s]] & (row[self.series_c[s]] >= 0)
                self._put(out, row, lag, s[ok], self.rev_value[ra:rb][last][ok])
        return out

    def _put(self, out, row, lag, s, values) -> None:
        m = self.series_m[s]
        out[row[self.series_c[s]], m, lag[m]] = values


def slope_rows(y: np.ndarray) -> np.ndarray:
    """Least-squares slope per year of each row of ``y`` (column ``j`` = ``j`` years back).

    NaNs are skipped; a row with fewer than two values gives NaN.

    Example
    -------
    >>> slope_rows(np.array([[3.0, 2.0, 1.0], [5.0, np.nan, np.nan]]))
    array([ 1., nan])
    """
    y = np.asarray(y, dtype=float)
    x = -np.arange(y.shape[-1], dtype=float)
    ok = ~np.isnan(y)
    n = ok.sum(axis=-1)
    xm = np.where(ok, x, 0).sum(axis=-1) / np.maximum(n, 1)
    ym = np.where(ok, y, 0).sum(axis=-1) / np.maximum(n, 1)
    dx = np.where(ok, x - xm[..., None], 0)
    dy = np.where(ok, y - ym[..., None], 0)
    den = (dx * dx).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = (dx * dy).sum(axis=-1) / den
    return np.where((n < 2) | (den == 0), np.nan, b)


def slope(history: pd.DataFrame, width: int) -> pd.Series:
    """Slope per year over the latest ``width`` columns ``0..width-1`` of ``history``."""
    return pd.Series(slope_rows(history[list(range(width))].to_numpy()), index=history.index)


def volatility_rows(y: np.ndarray) -> np.ndarray:
    """Standard deviation of the year-on-year changes in each row (NaN if < 2 changes).

    Example
    -------
    >>> volatility_rows(np.array([[1.0, 3.0, 4.0, 7.0], [1.0, 2.0, np.nan, np.nan]]))
    array([ 1., nan])
    """
    y = np.asarray(y, dtype=float)
    d = y[..., :-1] - y[..., 1:]
    n = (~np.isnan(d)).sum(axis=-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sd = np.nanstd(d, axis=-1, ddof=1)
    return np.where(n < 2, np.nan, sd)


def nanmedian(a: np.ndarray, axis: int) -> np.ndarray:
    """``np.nanmedian`` (same values) by one sort, without the all-NaN warning.

    All-NaN slices give NaN. Much faster than ``np.nanmedian`` on wide arrays, which
    loops over the columns in Python.

    Example
    -------
    >>> nanmedian(np.array([[1.0, np.nan], [4.0, np.nan], [2.0, 5.0], [np.nan, np.nan]]), 0)
    array([2., 5.])
    """
    a = np.asarray(a, dtype=float)
    if a.shape[axis] == 0:
        return np.full(np.delete(a.shape, axis), np.nan)
    s = np.sort(a, axis=axis)  # NaN last
    n = (~np.isnan(a)).sum(axis=axis, keepdims=True)
    lo = np.take_along_axis(s, np.maximum(n - 1, 0) // 2, axis)
    hi = np.take_along_axis(s, n // 2, axis)
    with np.errstate(invalid="ignore", over="ignore"):
        mid = np.where(n % 2 == 1, lo, (lo + hi) / 2)
    return np.where(n > 0, mid, np.nan).squeeze(axis)

"""Shared helpers: every measure's recent history as known at an origin, slopes, volatility.

:class:`ObservationIndex` sorts the observations once; :meth:`ObservationIndex.cube` then
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


class ObservationIndex:
    """Observations of ``measures``, sorted once for fast as-of look-ups at many origins.

    Parameters
    ----------
    observations : DataFrame
        The observations table (``council_code, period, measure, value, published``).
    measures : list of str
        The measures to index, in the order of the cube's second axis.
    """

    def __init__(self, observations: pd.DataFrame, measures: list[str]):
        self.measures = list(measures)
        self.max_age = np.array(
            [
                CONTEXT_MAX_AGE_YEARS if measure_info(m).family == "context" else MAX_AGE_YEARS
                for m in self.measures
            ],
            dtype=np.int64,
        )
        obs = observations[observations["measure"].isin(self.measures)]
        codes, uniques = pd.factorize(obs["council_code"], sort=True)
        m = pd.Categorical(obs["measure"], categories=self.measures).codes.astype(np.int64)
        period = obs["period"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        pub = obs["published"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        order = np.lexsort((pub, period, m, codes))
        self.codes = pd.Index(uniques)
        self.c = codes[order].astype(np.int64)
        self.m = m[order]
        self.period = period[order]
        self.year = pd.DatetimeIndex(obs["period"].to_numpy()[order]).year.to_numpy()
        self.pub = pub[order]
        self.value = obs["value"].to_numpy(dtype=float)[order]
        same = (
            (self.c[1:] == self.c[:-1])
            & (self.m[1:] == self.m[:-1])
            & (self.period[1:] == self.period[:-1])
        )
        self.key = np.concatenate([[0], np.cumsum(~same)]) if len(same) else np.zeros(len(order))

    def cube(self, origin: pd.Timestamp, councils: pd.Index, n_back: int) -> np.ndarray:
        """Values known at ``origin``: shape ``(len(councils), len(measures), n_back + 1)``.

        ``[:, j, 0]`` is measure ``j`` for its latest period published by the origin (across
        all councils), ``[:, j, k]`` the period ``k`` years earlier; NaN where unknown. A
        measure whose latest known period is more than :data:`MAX_AGE_YEARS` old
        (:data:`CONTEXT_MAX_AGE_YEARS` for context measures) is absent.
        """
        out = np.full((len(councils), len(self.measures), n_back + 1), np.nan)
        idx = np.flatnonzero(self.pub <= pd.Timestamp(origin).value)
        if idx.size == 0:
            return out
        key = self.key[idx]
        last = idx[np.concatenate([key[1:] != key[:-1], [True]])]  # latest revision
        m = self.m[last]
        latest = pd.Series(self.period[last]).groupby(m).max()
        latest_period = np.full(len(self.measures), np.iinfo(np.int64).min)
        latest_period[latest.index.to_numpy()] = latest.to_numpy()
        cutoff = {
            a: (pd.Timestamp(origin) - pd.DateOffset(years=int(a))).value for a in set(self.max_age)
        }
        fresh = latest_period >= np.array([cutoff[a] for a in self.max_age], dtype=np.int64)
        latest_year = pd.to_datetime(np.where(fresh, latest_period, 0)).year.to_numpy()
        lag = latest_year[m] - self.year[last]
        pos = councils.get_indexer(self.codes)[self.c[last]]
        ok = fresh[m] & (lag >= 0) & (lag <= n_back) & (pos >= 0)
        out[pos[ok], m[ok], lag[ok]] = self.value[last][ok]
        return out


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
    """``np.nanmedian`` without the all-NaN warning (such slices give NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(a, axis=axis)

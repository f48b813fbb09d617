"""Peer groups at one origin: statistical neighbours where given, else council type/region.

A council's peers are its statistical neighbours that exist at the origin when it has at
least ``min_peers`` of them, otherwise the other councils of its group (council type by
default). Every comparison is vectorised over councils and features.

- **median**: the peers' median (for a group: the group's median, council included).
- **percentile**: the share of peers with a lower value, ties counting half, in 0..100
  (the council itself excluded); NaN with fewer than ``min_peers`` peers with a value.
- **robust z**: ``(x - median) / (1.4826 * MAD)`` of the peers' values; NaN where the MAD
  is 0 or there are too few peers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.features._series import nanmedian

MAD_SCALE = 1.4826  # MAD of a normal distribution -> its standard deviation


class Peers:
    """Peer groups of ``councils`` at one origin.

    Parameters
    ----------
    councils : Index
        Council codes at the origin (row order of every array passed in).
    groups : array-like
        Group label per council (e.g. council type).
    neighbours : DataFrame, optional
        ``council_code, neighbour_code`` rows (statistical neighbours).
    min_peers : int
        Fewest peers with a value for a percentile or robust z.
    """

    def __init__(
        self,
        councils: pd.Index,
        groups,
        neighbours: pd.DataFrame | None = None,
        min_peers: int = 3,
    ):
        self.min_peers = min_peers
        self.group_codes, _ = pd.factorize(pd.Series(groups, index=councils).fillna("?"))
        self.members = [
            np.flatnonzero(self.group_codes == g) for g in range(self.group_codes.max() + 1)
        ]
        self.nb = None
        self.use_nb = np.zeros(len(councils), dtype=bool)
        if neighbours is not None and len(neighbours):
            pos = councils.get_indexer(neighbours["council_code"])
            npos = councils.get_indexer(neighbours["neighbour_code"])
            keep = (pos >= 0) & (npos >= 0) & (pos != npos)
            pos, npos = pos[keep], npos[keep]
            if pos.size:
                order = np.argsort(pos, kind="stable")
                pos, npos = pos[order], npos[order]
                counts = np.bincount(pos, minlength=len(councils))
                width = int(counts.max())
                slot = (
                    np.arange(pos.size) - np.repeat(np.cumsum(counts) - counts, counts)[: pos.size]
                )
                nb = np.full((len(councils), width), len(councils))  # pads point at a NaN row
                nb[pos, slot] = npos
                self.nb = nb
                self.use_nb = counts >= min_peers

    def _nb_values(self, X: np.ndarray) -> np.ndarray:
        pad = np.vstack([X, np.full((1, X.shape[1]), np.nan)])
        return pad[self.nb]  # (C, K, F)

    def median(self, X: np.ndarray) -> np.ndarray:
        """Peers' median of every column of ``X`` (councils x features)."""
        X = np.asarray(X, dtype=float)
        out = np.full_like(X, np.nan)
        for rows in self.members:
            out[rows] = nanmedian(X[rows], axis=0)
        if self.nb is not None and self.use_nb.any():
            rows = np.flatnonzero(self.use_nb)
            out[rows] = nanmedian(self._nb_values(X)[rows], axis=1)
        return out

    def compare(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Percentile (0..100) and robust z of every value of ``X`` among its peers."""
        X = np.asarray(X, dtype=float)
        pct = np.full_like(X, np.nan)
        z = np.full_like(X, np.nan)
        for rows in self.members:
            Xg = X[rows]
            med = nanmedian(Xg, axis=0)
            mad = MAD_SCALE * nanmedian(np.abs(Xg - med), axis=0)
            n = (~np.isnan(Xg)).sum(axis=0)
            rank = pd.DataFrame(Xg).rank(method="average").to_numpy()
            with np.errstate(invalid="ignore", divide="ignore"):
                p = 100 * (rank - 1) / (n - 1)
                zz = (Xg - med) / np.where(mad > 0, mad, np.nan)
            few = n - 1 < self.min_peers
            pct[rows] = np.where(few, np.nan, p)
            z[rows] = np.where(few, np.nan, zz)
        if self.nb is not None and self.use_nb.any():
            rows = np.flatnonzero(self.use_nb)
            V = self._nb_values(X)[rows]
            x = X[rows][:, None, :]
            n = (~np.isnan(V)).sum(axis=1)
            med = nanmedian(V, axis=1)
            mad = MAD_SCALE * nanmedian(np.abs(V - med[:, None, :]), axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                p = 100 * ((V < x).sum(axis=1) + 0.5 * (V == x).sum(axis=1)) / n
                zz = (X[rows] - med) / np.where(mad > 0, mad, np.nan)
            few = (n < self.min_peers) | np.isnan(X[rows])
            pct[rows] = np.where(few, np.nan, p)
            z[rows] = np.where(few, np.nan, zz)
        return pct, z

"""Top-*k* flags with ties shared fairly: no identifier ever breaks a tie.

A list of the *k* highest scores is ambiguous when scores tie at the cut: which of the tied
councils is flagged then depends on an arbitrary order (a council code orders council
types, E06 < E08 < E09 < E10). Here every tied council gets the same *expected inclusion*,
the chance it is in the top *k* when the tied councils are put in a random order:
``clip(k - n_above, 0, n_tied) / n_tied``. Any count that is linear in the flags
(hits, flagged failures, precision and recall at *k*) is then the exact expectation over
all orders of the ties, and a constant score gets exactly the chance level ``k / n``.

Example
-------
>>> top_k_share(np.array([0.9, 0.5, 0.5, 0.5, 0.1]), k=2).round(3).tolist()
[1.0, 0.333, 0.333, 0.333, 0.0]
"""

from __future__ import annotations

import numpy as np

__all__ = ["top_k_share", "top_k_share_by_origin"]


def top_k_share_by_origin(origin_ids: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    """Expected inclusion of each row in the top ``k`` of its origin (ties in random order).

    Parameters
    ----------
    origin_ids : array of int
        Group of each row (e.g. ``pd.factorize(origin)``).
    p : array of float
        Scores; only their order within a group is used.
    k : int
        Rows flagged per group (all rows when a group has fewer than ``k``).

    Returns
    -------
    numpy.ndarray of float in [0, 1]
        Sums to ``min(k, n_g)`` in every group; 1 above the cut, 0 below it, and the
        share of the remaining places for the scores tied at the cut.
    """
    p = np.asarray(p, dtype=float)
    origin_ids = np.asarray(origin_ids)
    n = p.size
    share = np.zeros(n)
    if n == 0:
        return share
    order = np.lexsort((-p, origin_ids))  # ties keep no meaningful order: shared below
    o, ps = origin_ids[order], p[order]
    new_origin = np.concatenate(([True], o[1:] != o[:-1]))
    new_tie = new_origin | np.concatenate(([True], ps[1:] != ps[:-1]))
    origin_start = np.maximum.accumulate(np.where(new_origin, np.arange(n), 0))
    tie_id = np.cumsum(new_tie) - 1
    tie_start = np.flatnonzero(new_tie)
    tie_size = np.diff(np.append(tie_start, n))
    above = tie_start - origin_start[tie_start]  # rows ranked above the tie, in its origin
    slots = np.clip(k - above, 0, tie_size) / tie_size
    share[order] = slots[tie_id]
    return share


def top_k_share(p: np.ndarray, k: int) -> np.ndarray:
    """:func:`top_k_share_by_origin` for one group."""
    p = np.asarray(p, dtype=float)
    return top_k_share_by_origin(np.zeros(p.size, dtype=int), p, k)

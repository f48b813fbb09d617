"""Carry a predecessor council's rows to its successors (see :mod:`.crosswalk`)."""

from __future__ import annotations

import pandas as pd

from earlywarn.sources.crosswalk import Crosswalk, _split

__all__ = ["carry_history"]


def carry_history(
    df: pd.DataFrame, crosswalk: Crosswalk, date_column: str, observations: bool
) -> pd.DataFrame:
    """Copy predecessors' rows to their successors, flagged.

    Parameters
    ----------
    df : pandas.DataFrame
        Observations or events with ``council_code`` and ``date_column``.
    crosswalk : Crosswalk
    date_column : str
        ``"period"`` for observations, ``"date"`` for events.
    observations : bool
        When True, rows are carried only to successors with a single predecessor (see
        the module docstring).

    Returns
    -------
    pandas.DataFrame
        ``df`` plus the carried copies, with columns ``carried_from`` (None for original
        rows) and ``history_carried`` (True for copies across a split, merger or
        boundary change; False for original rows and same-area changes).
    """
    out = df.copy()
    if "carried_from" not in out:
        out["carried_from"] = None
    if "history_carried" not in out:
        out["history_carried"] = False
    c = crosswalk.councils.set_index("council_code")
    pieces = [out]
    frontier = out
    for _ in range(5):  # chains are short; 5 hops is plenty
        new = []
        for code, sub in frontier.groupby("council_code", sort=False):
            if code not in c.index:
                continue
            for s in _split(c.at[code, "successor_code"]):
                kind = c.at[s, "reorganisation"] if s in c.index else None
                if observations and kind == "merger":
                    continue
                start = c.at[s, "valid_from"]
                take = sub[sub[date_column] < start] if pd.notna(start) else sub.iloc[:0]
                if take.empty:
                    continue
                take = take.copy()
                take["council_code"] = s
                take["carried_from"] = take["carried_from"].where(
                    take["carried_from"].notna(), code
                )
                take["history_carried"] = take["history_carried"] | (kind != "same_area")
                new.append(take)
        if not new:
            break
        frontier = pd.concat(new, ignore_index=True)
        pieces.append(frontier)
    res = pd.concat(pieces, ignore_index=True)
    # a successor's own rows (a newer release restating its area) win over carried copies
    key = ["council_code", date_column]
    key += ["measure"] if observations else [c for c in ("event_type", "source") if c in res]
    own = pd.MultiIndex.from_frame(out[key])
    clash = res["carried_from"].notna() & pd.MultiIndex.from_frame(res[key]).isin(own)
    clash &= res.index >= len(out)
    return res[~clash].reset_index(drop=True) if clash.any() else res

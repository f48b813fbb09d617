"""The flagged list over successive origins: how long before a failure its council had
been flagged (lead time), and how much the top-*k* set changes from one origin to the
next (flag stability). Ties at the cut count as their expectation over random orders."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.metrics._checks import NAN, check_k, check_pred, ratio
from earlywarn.metrics._topk import top_k_share_by_origin

__all__ = ["DAYS_PER_YEAR", "flag_stability", "lead_time"]

DAYS_PER_YEAR = 365.25


def lead_time(
    pred: pd.DataFrame,
    events_dates: pd.DataFrame,
    k: int,
    horizon: pd.DateOffset | pd.Timedelta | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """How long before each failure its council had been flagged without a break.

    Definition. Let the origins be all distinct ``origin`` values of ``pred``, sorted, and
    flagged(c, t) mean council ``c`` is among the ``k`` highest ``p`` at origin ``t`` (a
    council without a row at ``t`` is not flagged). Ties at the cut are put in a random
    order, independently at each origin, and every figure is its expectation over those
    orders (without ties it is the plain count). For a failure of council ``c`` on date
    ``d``:

    - ``last_origin`` is the latest origin strictly before ``d`` (an origin's label window
      is ``(t, t + h]``). With no origin before ``d``, no scored row of ``c`` at that
      origin (e.g. left out as already failed), or, when ``horizon`` is given,
      ``d > last_origin + horizon``, the failure is not evaluable: its lead time is ``nan``.
    - If ``c`` is not flagged at ``last_origin``, the lead time is 0 (missed).
    - Otherwise ``first_origin`` is the earliest origin of the unbroken run of successive
      origins, ending at ``last_origin``, at which ``c`` was flagged, and the lead time is
      ``(d - first_origin)`` in years of 365.25 days.

    Without ``horizon``, pass only the failures the backtest can see (within the horizon
    of some origin). Earlier flags separated by an unflagged origin do not count.

    Parameters
    ----------
    pred : pandas.DataFrame
        Predictions: ``council_code``, ``origin``, ``y``, ``p``.
    events_dates : pandas.DataFrame
        One row per failure: ``council_code`` and ``date`` (e.g. the events table filtered
        to failures).
    k : int
        Size of the flagged set at each origin.
    horizon : pandas.DateOffset or pandas.Timedelta, optional
        Label horizon; if given, a failure more than ``horizon`` after the last origin
        before it is not evaluable.

    Returns
    -------
    frame : pandas.DataFrame
        One row per failure: ``council_code``, ``date``, ``last_origin``,
        ``first_origin`` (earliest possible start of the run; NaT when never flagged),
        ``flagged_at_last`` (probability, 0 or 1 without ties), ``n_origins_flagged``
        (expected length of the run), ``lead_time_years`` (expected) and ``p_ge_1y``,
        ``p_ge_2y`` (probability of a lead time of at least one / two years).
    summary : dict
        ``n_failures``, ``n_evaluable``, ``share_flagged`` (flagged at the last origin),
        ``median_years`` (over evaluable failures, zeros included),
        ``median_years_if_flagged`` (expected lead time given flagged), ``share_ge_1y``,
        ``share_ge_2y`` (over evaluable failures).

    Examples
    --------
    >>> pred = pd.DataFrame({
    ...     "council_code": ["A", "B"] * 2,
    ...     "origin": pd.to_datetime(["2019-03-31"] * 2 + ["2020-03-31"] * 2),
    ...     "y": [1, 0, 1, 0], "p": [0.9, 0.1, 0.8, 0.2]})
    >>> events = pd.DataFrame({"council_code": ["A"], "date": pd.to_datetime(["2021-03-31"])})
    >>> frame, summary = lead_time(pred, events, k=1)
    >>> round(float(frame["lead_time_years"].iloc[0]), 2)
    2.0
    """
    k = check_k(k)
    df = check_pred(pred)
    missing = [c for c in ("council_code", "date") if c not in events_dates.columns]
    if missing:
        raise UserInputError(f"events_dates: missing column(s) {missing}")
    dates = pd.to_datetime(events_dates["date"]).reset_index(drop=True)
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise UserInputError(f"events_dates: row {row}, column 'date': missing date")
    origin_ids, origins = pd.factorize(df["origin"], sort=True)
    share = top_k_share_by_origin(origin_ids, df["p"].to_numpy(dtype=float), k)
    q_of = dict(zip(zip(df["council_code"], origin_ids, strict=True), share, strict=True))
    origin_values = origins.to_numpy()

    rows = []
    for code, date in zip(events_dates["council_code"], dates, strict=True):
        j = int(np.searchsorted(origin_values, np.datetime64(date), side="left")) - 1
        row: dict[str, Any] = {"council_code": code, "date": date}
        scored = j >= 0 and (code, j) in q_of
        if not scored or (horizon is not None and date > origins[j] + horizon):
            row.update(last_origin=pd.NaT, first_origin=pd.NaT, flagged_at_last=NAN,
                       n_origins_flagged=0.0, lead_time_years=NAN, p_ge_1y=NAN,
                       p_ge_2y=NAN)  # fmt: skip
        else:
            # P(the unbroken run of flags ending at j starts at i) = prod q[i..j] x (1 - q[i-1])
            run_p, lead, n_run, ge1, ge2, first = 1.0, 0.0, 0.0, 0.0, 0.0, pd.NaT
            for i in range(j, -1, -1):
                run_p *= q_of.get((code, i), 0.0)
                if run_p <= 0:
                    break
                first = origins[i]
                stop = 1.0 - (q_of.get((code, i - 1), 0.0) if i > 0 else 0.0)
                years = (date - origins[i]).days / DAYS_PER_YEAR
                n_run += run_p
                lead += run_p * stop * years
                ge1 += run_p * stop * (years >= 1.0)
                ge2 += run_p * stop * (years >= 2.0)
            row.update(last_origin=origins[j], first_origin=first,
                       flagged_at_last=float(q_of[(code, j)]), n_origins_flagged=n_run,
                       lead_time_years=lead, p_ge_1y=ge1, p_ge_2y=ge2)  # fmt: skip
        rows.append(row)
    cols = ["council_code", "date", "last_origin", "first_origin", "flagged_at_last",
            "n_origins_flagged", "lead_time_years", "p_ge_1y", "p_ge_2y"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=cols)
    lead = frame["lead_time_years"].to_numpy(dtype=float)
    ok = np.isfinite(lead)
    ev = lead[ok]
    hit = frame["flagged_at_last"].to_numpy(dtype=float)[ok]
    cond = np.divide(ev, hit, out=np.full_like(ev, np.nan), where=hit > 0)
    summary = {
        "n_failures": len(frame),
        "n_evaluable": int(ev.size),
        "share_flagged": float(hit.mean()) if ev.size else NAN,
        "median_years": float(np.median(ev)) if ev.size else NAN,
        "median_years_if_flagged": float(np.median(cond[hit > 0])) if (hit > 0).any() else NAN,
        "share_ge_1y": float(frame["p_ge_1y"].to_numpy(dtype=float)[ok].mean()) if ev.size else NAN,
        "share_ge_2y": float(frame["p_ge_2y"].to_numpy(dtype=float)[ok].mean()) if ev.size else NAN,
    }
    return frame, summary


def flag_stability(pred: pd.DataFrame, k: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """Turnover of the top-*k* set between consecutive origins.

    With ``S_t`` the councils flagged (top ``k`` by ``p``; ties at the cut in a random order,
    figures are expectations over those orders) at origin ``t`` and ``t-`` the previous
    origin: ``entered = |S_t - S_t-|``,
    ``left = |S_t- - S_t|``, ``turnover = entered / |S_t|`` (the share of this origin's
    list that is new) and ``jaccard = |S_t & S_t-| / |S_t | S_t-|``. A council without a row
    at ``t`` counts as having left. ``chance_stayed = |S_t-| |S_t| m / (n_t- n_t)`` is
    the overlap two lists drawn at random from the ``n_t-`` and ``n_t`` councils scored at
    each origin would have on average, ``m`` of them scored at both (``k^2 / n`` when the
    same ``n`` councils are scored at both).

    Parameters
    ----------
    pred : pandas.DataFrame
        Predictions: ``council_code``, ``origin``, ``y``, ``p``.
    k : int
        Size of the flagged set at each origin.

    Returns
    -------
    frame : pandas.DataFrame
        One row per pair of consecutive origins: ``origin_from``, ``origin_to``,
        ``n_flagged``, ``n_entered``, ``n_left``, ``n_stayed``, ``turnover``, ``jaccard``,
        ``n_councils`` and ``chance_stayed``.
    summary : dict
        ``n_transitions``, ``mean_turnover``, ``mean_jaccard``, ``n_entries``,
        ``n_exits``, ``n_councils_ever_flagged``, ``mean_stayed`` and
        ``mean_chance_stayed``.

    Examples
    --------
    >>> pred = pd.DataFrame({
    ...     "council_code": ["A", "B", "C"] * 2,
    ...     "origin": pd.to_datetime(["2019-03-31"] * 3 + ["2020-03-31"] * 3),
    ...     "y": 0, "p": [0.9, 0.8, 0.1, 0.9, 0.1, 0.8]})
    >>> frame, summary = flag_stability(pred, k=2)
    >>> summary["mean_turnover"]
    0.5
    """
    k = check_k(k)
    df = check_pred(pred)
    origin_ids, origins = pd.factorize(df["origin"], sort=True)
    share = top_k_share_by_origin(origin_ids, df["p"].to_numpy(dtype=float), k)
    codes = df["council_code"].to_numpy()
    # expected counts over random orders of ties (independent between origins)
    q = [dict(zip(codes[origin_ids == j], share[origin_ids == j], strict=True))
         for j in range(len(origins))]  # fmt: skip
    rows = []
    for j in range(1, len(origins)):
        prev, cur = q[j - 1], q[j]
        n_cur, n_prev = sum(cur.values()), sum(prev.values())
        stayed = sum(v * prev.get(c, 0.0) for c, v in cur.items())
        rows.append({
            "origin_from": origins[j - 1],
            "origin_to": origins[j],
            "n_flagged": n_cur,
            "n_entered": n_cur - stayed,
            "n_left": n_prev - stayed,
            "n_stayed": stayed,
            "turnover": ratio(n_cur - stayed, n_cur),
            "jaccard": ratio(stayed, n_cur + n_prev - stayed),
            "n_councils": len(cur),
            "chance_stayed": ratio(n_prev * n_cur * len(prev.keys() & cur.keys()),
                                   len(prev) * len(cur)),
        })  # fmt: skip
    cols = ["origin_from", "origin_to", "n_flagged", "n_entered", "n_left", "n_stayed",
            "turnover", "jaccard", "n_councils", "chance_stayed"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=cols)
    summary = {
        "n_transitions": len(frame),
        "mean_turnover": float(frame["turnover"].mean()) if len(frame) else NAN,
        "mean_jaccard": float(frame["jaccard"].mean()) if len(frame) else NAN,
        "n_entries": float(frame["n_entered"].sum()),
        "n_exits": float(frame["n_left"].sum()),
        "n_councils_ever_flagged": len(set(codes[share > 0])),
        "mean_stayed": float(frame["n_stayed"].mean()) if len(frame) else NAN,
        "mean_chance_stayed": float(frame["chance_stayed"].mean()) if len(frame) else NAN,
    }
    return frame, summary

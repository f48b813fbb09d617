"""Label kind ``financial_failure``: a council's first EFS approval or s114 notice in the horizon.

An event (non-withdrawn EFS decision or s114 notice, dated by announcement) is known only
to an interval ``[date_earliest, date]`` when its date is imprecise (see
:mod:`earlywarn.sources.finance_events_dated`; without ``date_earliest`` the interval is
the day ``date``). For a council at origin ``t`` with horizon ``h`` months:

- ``y = 1`` when an event falls **surely** in ``(t, t + h]``: earliest day after ``t`` and
  latest day on or before ``t + h``; ``first_event_date`` is the first such (latest) date;
- ``y = 0`` when no event can fall in ``(t, t + h]``;
- ``population`` is ``"repeat"`` when an event falls surely in ``(t - lookback, t]``
  (default 5 years), ``"new"`` when none can: the default population is new failures only,
  and repeats are reported separately;
- ``ambiguous`` is True when an event's interval straddles ``t`` (it may be a prior failure
  or a new one), ``t + h`` or ``t - lookback`` and no sure event settles the question:
  the row is censored at that origin, neither positive nor negative (``y`` missing, and
  ``population`` ``"ambiguous"`` when it is the repeat status that is unknown);
- ``censored`` is True when the window is not closed by ``as_of`` (the vintage): such a
  row has no label (``y`` missing).

Features are another matter: they use ``date`` (the latest day, when the event was surely
known). One owner for the rule: :func:`financial_failure_labels` (read by ``make_labels`` for the
label kind ``financial_failure``, and by :mod:`earlywarn.financial`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "FINANCE_EVENT_TYPES",
    "FINANCE_LOOKBACK_YEARS",
    "finance_mask",
    "financial_failure_events",
    "financial_failure_labels",
    "financial_labels_frame",
]

#: Event types that are a financial failure: ``financial_failure`` (the finance loaders'
#: EFS/s114 rows, with ``status``) and ``financial_notice`` (the core tables' type).
FINANCE_EVENT_TYPES = ("financial_failure", "financial_notice")
#: A council with a failure surely in the previous five years is a repeat, not a new failure.
FINANCE_LOOKBACK_YEARS = 5


def finance_mask(events: pd.DataFrame, include_withdrawn: bool = False) -> np.ndarray:
    """Boolean mask (positional) of the events that count as financial failure."""
    mask = events["event_type"].isin(FINANCE_EVENT_TYPES).to_numpy().copy()
    if not include_withdrawn and "status" in events.columns:
        mask &= ~events["status"].eq("withdrawn").to_numpy()
    return mask


def financial_failure_events(events: pd.DataFrame, include_withdrawn: bool = False) -> pd.DataFrame:
    """The events that count as financial failure (withdrawn EFS requests left out)."""
    return events[finance_mask(events, include_withdrawn)]


def financial_failure_labels(
    events: pd.DataFrame,
    index: pd.MultiIndex,
    horizon_months: int = 12,
    lookback_years: int = FINANCE_LOOKBACK_YEARS,
    as_of: object = None,
    include_withdrawn: bool = False,
) -> pd.DataFrame:
    """Label every ``(council_code, origin)`` of ``index``.

    Parameters
    ----------
    events : pandas.DataFrame
        Finance events (``council_code, date, event_type, status``; optional
        ``date_earliest``, the earliest possible day of an imprecise date, missing for a
        date known to the day).
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
        Indexed like ``index``: ``y`` (float, NaN when censored or ambiguous),
        ``population`` (``new``/``repeat``/``ambiguous``), ``censored``, ``ambiguous``,
        ``first_event_date``, ``prior_event_date``.

    Example
    -------
    >>> ev = pd.DataFrame({"council_code": ["A", "A"], "event_type": "financial_failure",
    ...     "status": "issued", "date": pd.to_datetime(["2020-06-01", "2021-06-01"])})
    >>> ix = pd.MultiIndex.from_product([["A"], pd.to_datetime(["2020-03-31", "2021-03-31"])],
    ...     names=["council_code", "origin"])
    >>> financial_failure_labels(ev, ix)[["y", "population"]].values.tolist()
    [[1.0, 'new'], [1.0, 'repeat']]
    """
    ev = financial_failure_events(events, include_withdrawn)
    hi_all = pd.to_datetime(ev["date"]).astype("datetime64[ns]")
    if "date_earliest" in ev:
        lo_all = pd.to_datetime(ev["date_earliest"]).astype("datetime64[ns]")
        lo_all = lo_all.fillna(hi_all)  # a row without an earliest day is dated to the day
    else:
        lo_all = hi_all
    spans = {
        c: (lo_all[g.index].to_numpy(), hi_all[g.index].to_numpy())
        for c, g in ev.groupby("council_code")
    }
    empty = np.array([], dtype="datetime64[ns]")
    h = pd.DateOffset(months=int(horizon_months))
    back = pd.DateOffset(years=int(lookback_years))
    end_all = pd.Timestamp(as_of) if as_of is not None else None
    rows = []
    for code, origin in index:
        t = pd.Timestamp(origin)
        lo, hi = spans.get(code, (empty, empty))
        t64, e64, b64 = (np.datetime64(x) for x in (t, t + h, t - back))
        sure_in = (lo > t64) & (hi <= e64)
        maybe_in = (hi > t64) & (lo <= e64)
        sure_prior = (lo > b64) & (hi <= t64)
        maybe_prior = (hi > b64) & (lo <= t64)
        censored = end_all is not None and t + h > end_all
        if sure_prior.any():
            population = "repeat"
        elif maybe_prior.any():
            population = "ambiguous"
        else:
            population = "new"
        y = 1.0 if sure_in.any() else (np.nan if maybe_in.any() else 0.0)
        ambiguous = population == "ambiguous" or np.isnan(y)
        rows.append(
            (
                np.nan if censored or ambiguous else y,
                population,
                censored,
                ambiguous,
                pd.Timestamp(np.sort(hi[sure_in])[0]) if sure_in.any() else pd.NaT,
                pd.Timestamp(np.sort(hi[sure_prior])[-1]) if sure_prior.any() else pd.NaT,
            )
        )
    cols = ["y", "population", "censored", "ambiguous", "first_event_date", "prior_event_date"]
    return pd.DataFrame(rows, index=index, columns=cols)


def financial_labels_frame(
    events: pd.DataFrame, index: pd.MultiIndex, horizon_months: int
) -> pd.DataFrame:
    """The ``financial_failure`` label in the columns of :func:`earlywarn.labels.make_labels`.

    ``label`` 1 for a new or repeat failure surely in the window; ``failed_at_origin`` for a
    repeat (a failure surely in the previous :data:`FINANCE_LOOKBACK_YEARS`);
    ``ambiguous`` (and ``censored``) for a row whose label or repeat status an imprecise
    date leaves open: such a row is neither trained on nor scored
    (:func:`earlywarn.labels.in_population`). ``inspected`` is True: a financial failure is
    announced, not found by inspection.

    >>> ev = pd.DataFrame({"council_code": ["A"], "event_type": "financial_notice",
    ...     "date": pd.to_datetime(["2020-06-30"]),
    ...     "date_earliest": pd.to_datetime(["2020-03-01"])})
    >>> ix = pd.MultiIndex.from_product([["A"], pd.to_datetime(["2018-03-31", "2020-03-31"])],
    ...     names=["council_code", "origin"])
    >>> financial_labels_frame(ev, ix, 12)[["label", "ambiguous"]].values.tolist()
    [[0, False], [0, True]]
    """
    lab = financial_failure_labels(events, index, horizon_months=horizon_months)
    origins = pd.DatetimeIndex(index.get_level_values("origin"))
    amb = lab["ambiguous"].to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "label": lab["y"].fillna(0).astype(int).to_numpy(),
            "inspected": True,
            "censored": amb,
            "window_end": origins + pd.DateOffset(months=horizon_months),
            "failure_date": pd.to_datetime(lab["first_event_date"]).to_numpy(),
            "failed_at_origin": lab["population"].eq("repeat").to_numpy(),
            "ambiguous": amb,
        },
        index=index,
    )

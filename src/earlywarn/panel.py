"""The panel: one row per council and origin, built strictly as of each origin.

Nothing here looks past an origin: :func:`asof_observations` keeps only rows published on
or before the origin (and, where a value was revised, the latest revision published by
then); :func:`build_panel` lists the councils that existed at each origin.

Example
-------
>>> from earlywarn.synthetic import make_synthetic_councils
>>> data = make_synthetic_councils(n_councils=20, start_year=2010, end_year=2016, seed=1)
>>> panel = build_panel(data.tables, origins=["2014-03-31", "2015-03-31"])
>>> panel.index.names
FrozenList(['council_code', 'origin'])
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from earlywarn.schema import Tables

__all__ = [
    "annual_origins",
    "asof_events",
    "asof_observations",
    "build_panel",
    "closed_origins",
    "earliest_known",
    "window_closed",
    "restrict_to_as_of",
]


def annual_origins(tables: Tables, as_of: pd.Timestamp, month_day: str = "03-31") -> list:
    """Every 31 March (by default) from the first observed period to ``as_of``."""
    first = tables.observations["period"].min()
    if pd.isna(first):  # nothing observed by as_of: no origin
        return []
    start = pd.Timestamp(f"{first.year}-{month_day}")
    if start < first:
        start = pd.Timestamp(f"{first.year + 1}-{month_day}")
    out = []
    t = start
    while t <= as_of:
        out.append(t)
        t = pd.Timestamp(f"{t.year + 1}-{month_day}")
    return out


def asof_observations(observations: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """Observations known at ``origin``: published on or before it, latest revision only."""
    known = observations[observations["published"] <= origin]
    known = known.sort_values(["council_code", "measure", "period", "published"], kind="stable")
    return known.drop_duplicates(["council_code", "measure", "period"], keep="last")


def asof_events(events: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """Events known at ``origin``: dated (and, where given, published) on or before it."""
    known = events[events["date"] <= origin]
    if "published" in known.columns:
        pub = pd.to_datetime(known["published"])
        known = known[pub.isna() | (pub <= origin)]
    return known


def build_panel(tables: Tables, origins: Iterable) -> pd.DataFrame:
    """One row per ``(council_code, origin)`` for councils that existed at the origin.

    Parameters
    ----------
    tables : Tables
        Validated core tables.
    origins : iterable of date-like
        The origins (dates) to build.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(council_code, origin)``, with ``council_name``, ``council_type`` and
        ``region`` columns, sorted by origin then council.
    """
    councils = tables.councils
    rows = []
    for origin in sorted(pd.Timestamp(o) for o in origins):
        alive = (councils["valid_from"].isna() | (councils["valid_from"] <= origin)) & (
            councils["valid_to"].isna() | (councils["valid_to"] > origin)
        )
        part = councils.loc[alive, ["council_code", "council_name", "council_type", "region"]]
        rows.append(part.assign(origin=origin))
    panel = pd.concat(rows, ignore_index=True)
    panel = panel.sort_values(["origin", "council_code"], kind="stable")
    return panel.set_index(["council_code", "origin"])


def earliest_known(events: pd.DataFrame) -> pd.Series:
    """The earliest day each event may have been known: its publication (or, without one,
    its ``date``); for an event made public on its own imprecise date (``date_earliest``
    given and ``published`` missing or equal to ``date``, as for finance announcements),
    the earliest day of its interval. Events dated to the day (every inspection) have no
    ``date_earliest``: their day is the publication or date, as before.

    The label keeps an event whose interval straddles a cut so that the interval rule
    (:func:`earlywarn.labels.financial_failure_labels`) marks the row ambiguous instead of
    0; features never see it before its latest day (:func:`asof_events`).

    >>> ev = pd.DataFrame({"date": pd.to_datetime(["2025-06-30", "2024-01-05"]),
    ...     "date_earliest": pd.to_datetime(["2024-04-01", None])})
    >>> earliest_known(ev).dt.strftime("%Y-%m-%d").tolist()
    ['2024-04-01', '2024-01-05']
    """
    date = pd.to_datetime(events["date"])
    seen = date
    if "published" in events.columns:
        seen = pd.to_datetime(events["published"]).fillna(date)
    if "date_earliest" in events.columns:
        lo = pd.to_datetime(events["date_earliest"])
        seen = seen.mask(lo.notna() & (lo < seen) & seen.eq(date), lo)
    return seen


def restrict_to_as_of(tables: Tables, as_of: pd.Timestamp) -> Tables:
    """Drop everything published (or dated) after ``as_of``: a cycle never sees the future.

    An event whose imprecise date straddles ``as_of`` (``date_earliest`` on or before it,
    :func:`earliest_known`) is kept, for the label to mark its rows ambiguous; features use
    an event only from its latest day (:func:`asof_events`)."""
    obs = tables.observations[tables.observations["published"] <= as_of]
    ev = tables.events
    keep = ev["date"] <= as_of
    if "published" in ev.columns:
        pub = pd.to_datetime(ev["published"])
        keep &= pub.isna() | (pub <= as_of)
    if "date_earliest" in ev.columns:
        keep |= ev["date_earliest"].notna() & (earliest_known(ev) <= as_of)
    return Tables(tables.councils, obs, ev[keep], tables.sources)


def window_closed(origin, horizon_months: int, t):
    """The one rule for a closed label window: ``origin + horizon <= t``.

    ``origin`` is a date or an array/Series of dates; returns a bool or a bool array
    (positional, no index). A model, a recalibration or a threshold used at ``t`` may learn
    only from origins whose windows closed by ``t``: every stage asks this function.

    >>> window_closed(pd.Timestamp("2019-03-31"), 24, pd.Timestamp("2021-03-31"))
    True
    >>> window_closed(pd.Series(pd.to_datetime(["2019-03-31", "2020-03-31"])), 24,
    ...               pd.Timestamp("2021-03-31")).tolist()
    [True, False]
    """
    h = pd.DateOffset(months=horizon_months)
    if pd.api.types.is_scalar(origin):
        return bool(pd.Timestamp(origin) + h <= pd.Timestamp(t))
    return (pd.to_datetime(pd.Series(origin)) + h <= pd.Timestamp(t)).to_numpy()


def closed_origins(origins, as_of: pd.Timestamp, horizon_months: int) -> list[pd.Timestamp]:
    """The origins whose label windows closed by ``as_of`` (``origin + horizon <= as_of``):
    the only ones a model fitted at ``as_of`` may learn from.

    >>> o = [pd.Timestamp(f"{y}-03-31") for y in (2019, 2020, 2021)]
    >>> [x.year for x in closed_origins(o, pd.Timestamp("2022-03-31"), 24)]
    [2019, 2020]
    """
    return [pd.Timestamp(o) for o in origins if window_closed(o, horizon_months, as_of)]

"""Leadership turmoil, as of the origin: changes of chief executive, DCS and leader.

From ``leadership_change`` events (``service`` = role, ``severity`` 2 = interim):

- ``{role}_changes_{n}y`` for ``ceo``, ``dcs``, ``leader`` (each once a change of that
  role is known at the origin) and ``leadership_changes_{n}y`` (all three) for n = 1, 3, 5
  years;
- ``interims_in_post``: roles whose latest appointment was an interim one;
- ``years_since_leadership_change`` (capped at ``years_cap``; NaN if none is known);
- where the data has ``political_control`` events (severity 2 = the council moved into
  no overall control, 1 = a party took control): ``control_changes_5y`` and
  ``no_overall_control``.

Counts are defined (0 where a council had no change) where the source of the changes
covered the whole look-back (:mod:`earlywarn.features._windows`: its first and last
publication dates known at the origin) and missing elsewhere - before the source starts and
once it stops (the report PDFs' "in post since" dates end in 2018, so the counts are
missing from 2019 instead of 0). ``interims_in_post``, ``years_since_leadership_change``
and ``no_overall_control``, states of the latest event, are missing once the source has
stopped. A dataset without leadership events produces no leadership features.

From council composition observations (family ``leadership`` in the registry, read from
Open Council Data UK by :mod:`earlywarn.sources.political_control`): the latest snapshot
known at the origin of ``political_no_overall_control``, ``political_control_changes_{n}y``
(n = 1, 2, 4), ``political_majority_seats``, ``political_seat_churn_pct`` and
``political_years_since_control_change`` (capped at ``leadership_years_cap``).

From the Ofsted report text (a ``report_interim_leaders`` column on inspection events, see
:mod:`earlywarn.sources.ofsted_reports`): ``report_interim_leadership``, 1 when the latest
report read mentions an interim or acting director of children's services or chief
executive. The reports' "in post since" dates arrive as ``leadership_change`` events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.features._base import Columns, OriginData, measure_spec, years_words
from earlywarn.features._windows import gate
from earlywarn.features.inspection import EVENT_LOOKBACK_YEARS
from earlywarn.features.registry import FeatureSpec, measure_info

FAMILY = "leadership"
CONTROL_STATES = (
    "one party has overall control of the council",
    "no party has overall control of the council",
)
ROLES = {
    "chief_executive": ("ceo", "chief executive"),
    "dcs": ("dcs", "director of children's services"),
    "leader": ("leader", "council leader"),
}
WINDOWS = (1, 3, 5)
CONTROL = "political_control"


def change_counts(events: pd.DataFrame, origin: pd.Timestamp, years: int) -> pd.Series:
    """Changes per council dated in ``(origin - years, origin]`` (events already as of origin).

    Example
    -------
    >>> ev = pd.DataFrame({"council_code": ["A", "A", "B"], "date": pd.to_datetime(
    ...     ["2019-06-01", "2015-01-01", "2020-01-01"])})
    >>> change_counts(ev, pd.Timestamp("2020-03-31"), 3).to_dict()
    {'A': 1, 'B': 1}
    """
    start = origin - pd.DateOffset(years=years)
    inside = events[(events["date"] > start) & (events["date"] <= origin)]
    return inside.groupby("council_code").size()


def build(d: OriginData) -> Columns:
    """Leadership features for one origin."""
    out = Columns()
    ev = d.events[d.events["event_type"] == "leadership_change"]
    people = ev[ev["service"].isin(list(ROLES))]

    def spec(name, label, nature, unit="", kind="count", hw=True, template="", **more):
        return FeatureSpec(name, FAMILY, nature, hw, label, unit, kind, "", template, **more)

    if len(people):
        for n in WINDOWS:
            for role, (short, words) in ROLES.items():
                if not people["service"].eq(role).any():
                    continue  # no source of this role's changes: a constant 0 says nothing
                mine = people[people["service"] == role]
                c = change_counts(mine, d.origin, n)
                out.add(
                    spec(
                        f"{short}_changes_{n}y",
                        f"changes of {words} in {years_words(n)}",
                        "political",
                        gated=True,
                    ),
                    gate(d.per_council(c, 0.0), mine, d.origin, n),
                )
            out.add(
                spec(
                    f"leadership_changes_{n}y",
                    f"changes of chief executive, director or leader in {years_words(n)}",
                    "political",
                    gated=True,
                ),
                gate(d.per_council(change_counts(people, d.origin, n), 0.0), people, d.origin, n),
            )
        last = (
            people.sort_values("date", kind="stable").groupby(["council_code", "service"]).tail(1)
        )
        interim = (last["severity"] == 2).groupby(last["council_code"]).sum()
        out.add(
            spec("interims_in_post", "senior posts held by interims", "capability", gated=True),
            gate(d.per_council(interim, 0.0), people, d.origin, 0),
        )
        since = d.years_ago(people.groupby("council_code")["date"].max())
        out.add(
            spec(
                "years_since_leadership_change",
                "time since the last change of chief executive, director or leader",
                "political",
                " years",
                "level",
                hw=False,
                gated=True,
            ),
            gate(
                np.minimum(d.per_council(since), d.config.leadership_years_cap),
                people,
                d.origin,
                0,
            ),
        )
    for m in d.measures:
        info = measure_info(m)
        if info.family != FAMILY or m not in d.selected:
            continue
        kind = "count" if "_changes_" in m else "flag" if "no_overall" in m else "level"
        states = CONTROL_STATES if kind == "flag" else ()
        level = d.history(m)[:, 0]
        if m.startswith("political_years_since"):
            level = np.minimum(level, d.config.leadership_years_cap)
        out.add(measure_spec(FAMILY, m, info, m, info.label, info.unit, kind, states=states), level)
    if "report_interim_leaders" in d.events.columns:
        rp = d.events[
            d.events["event_type"].eq("inspection") & d.events["report_interim_leaders"].notna()
        ].sort_values("date", kind="stable")
        if len(rp):
            out.add(
                FeatureSpec(
                    "report_interim_leadership",
                    FAMILY,
                    "political",
                    True,
                    "an interim or acting director or chief executive mentioned in the latest "
                    "inspection report",
                    kind="flag",
                    states=(
                        "no interim or acting director or chief executive is mentioned in the "
                        "latest inspection report",
                        "an interim or acting director or chief executive is mentioned in the "
                        "latest inspection report",
                    ),
                    event="report",
                    lookback_years=EVENT_LOOKBACK_YEARS,
                ),
                d.per_council(rp.groupby("council_code")["report_interim_leaders"].last()),
            )
    control = ev[ev["service"] == CONTROL]
    if len(control):
        c = change_counts(control, d.origin, 5)
        out.add(
            spec(
                "control_changes_5y",
                "changes of political control in five years",
                "political",
                gated=True,
            ),
            gate(d.per_council(c, 0.0), control, d.origin, 5),
        )
        last = control.sort_values("date", kind="stable").groupby("council_code").tail(1)
        noc = (last["severity"] == 2).astype(float).set_axis(last["council_code"])
        out.add(
            spec(
                "no_overall_control",
                "no overall control",
                "political",
                kind="flag",
                states=CONTROL_STATES,
                event="political_control",
                gated=True,
            ),
            gate(d.per_council(noc), control, d.origin, 0),
        )
    return out

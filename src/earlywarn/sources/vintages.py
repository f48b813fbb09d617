"""Real-time vintages: each edition of a publication dated by its own publication.

A cumulative publication (DfE children in need, looked after children, social work
workforce) is re-issued every year with every earlier year reprinted - and sometimes
restated (the 2024 children-in-need edition recomputes every earlier rate on the
population rebased after Census 2021). When several editions lie in the raw folder, a
figure must be known only from the edition that printed it:

- the **first print** of a ``(council_code, period, measure)`` comes from the oldest edition
  present that holds it. It keeps the period's usual publication date (the publication's
  lag rule) when that edition is the oldest present covering the period for the measure;
  otherwise (a council or code first printed in a later edition, e.g. a code restated after
  a reorganisation) it is dated by that later edition's publication;
- a **restatement** (a later edition printing a different value) is kept as a second row,
  dated by the restating edition's publication, so that the as-of table before that date
  shows the old value (:func:`earlywarn.panel.asof_observations` keeps the latest revision
  published by each origin);
- a later edition that reprints the same value adds nothing (counted in the report);
- two files of the same edition (the same publication date, e.g. two copies of one
  table, or two layouts of one release) keep the file of higher priority.

The oldest edition present stays an approximation for its back years (its values are as
revised by then, the earlier editions are not in the folder); SOURCES.md says so.
"""

from __future__ import annotations

import pandas as pd

from earlywarn.sources._common import SourceReport

__all__ = ["real_time_vintages"]

KEY = ["council_code", "period", "measure"]


def real_time_vintages(obs: pd.DataFrame, report: SourceReport) -> pd.DataFrame:
    """Keep each edition's first prints and restatements, dated as above.

    Parameters
    ----------
    obs : pandas.DataFrame
        Observations of one or more editions: ``council_code, period, measure, value,
        published`` (the period's usual publication date), ``_edition`` (the publication
        date of the file's edition) and ``_priority`` (lower wins within one edition).
    report : SourceReport
        Counts ``superseded by a higher-priority file`` (same edition) and ``unchanged in
        a later edition``; ``restated by a later edition`` counts the rows kept as
        restatements.

    Returns
    -------
    pandas.DataFrame
        The rows kept, without ``_edition`` and ``_priority``; ``published`` as described
        in the module docstring.

    Examples
    --------
    >>> import pandas as pd
    >>> from earlywarn.sources._common import SourceReport
    >>> t = pd.Timestamp
    >>> obs = pd.DataFrame({"council_code": ["E1", "E1"], "period": [t("2022-03-31")] * 2,
    ...     "measure": ["m", "m"], "value": [1.0, 2.0], "published": [t("2022-11-30")] * 2,
    ...     "_edition": [t("2022-11-30"), t("2023-11-30")], "_priority": [0, 0]})
    >>> real_time_vintages(obs, SourceReport("x"))[["value", "published"]].values.tolist()
    [[1.0, Timestamp('2022-11-30 00:00:00')], [2.0, Timestamp('2023-11-30 00:00:00')]]
    """
    if obs.empty:
        return obs.drop(columns=["_edition", "_priority"], errors="ignore")
    obs = obs.sort_values([*KEY, "_edition", "_priority"], kind="stable", ignore_index=True)
    same = obs.duplicated([*KEY, "_edition"])
    report.skip("superseded by a higher-priority file", int(same.sum()))
    obs = obs[~same].reset_index(drop=True)
    first = ~obs.duplicated(KEY)
    prev = obs.groupby(KEY, sort=False)["value"].shift()
    unchanged = ~first & obs["value"].eq(prev)
    report.skip("unchanged in a later edition", int(unchanged.sum()))
    restated = ~first & ~unchanged
    report.skip("restated by a later edition (kept, dated by that edition)", int(restated.sum()))
    oldest = obs.groupby(["measure", "period"])["_edition"].transform("min")
    late_first = first & obs["_edition"].gt(oldest)
    dated_by_edition = restated | late_first
    obs.loc[dated_by_edition, "published"] = obs.loc[dated_by_edition, "_edition"]
    out = obs[~unchanged].drop(columns=["_edition", "_priority"])
    return out.reset_index(drop=True)

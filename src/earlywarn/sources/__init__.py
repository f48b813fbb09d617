"""Loaders for the real published sources: raw files -> the core tidy tables.

One module per publication, each returning a table and a
:class:`~earlywarn.sources._common.SourceReport`:

- :mod:`~earlywarn.sources.crosswalk` - councils, codes, names and reorganisations
  (:func:`build_crosswalk`, :func:`carry_history`);
- :mod:`~earlywarn.sources.ofsted` - inspections of children's services, every framework
  2009- (:func:`load_ofsted_inspections`);
- :mod:`~earlywarn.sources.dfe_csc` - DfE children's social care statistics and ONS child
  population (:func:`load_dfe_csc`);
- :mod:`~earlywarn.sources.finance_events` - s114 notices and exceptional financial
  support (:func:`load_finance_events`).

:func:`load_raw_tables` runs them all and returns :class:`earlywarn.schema.Tables` plus a
:class:`BuildReport`. Nothing runs at import.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from earlywarn.schema import (
    COUNCIL_COLUMNS,
    Tables,
    validate_councils,
    validate_events,
    validate_observations,
)
from earlywarn.sources._common import SUPPRESSION_MARKERS, SourceReport
from earlywarn.sources.crosswalk import Crosswalk, build_crosswalk, carry_history
from earlywarn.sources.dfe_csc import load_dfe_csc
from earlywarn.sources.finance_events import load_finance_events
from earlywarn.sources.ofsted import load_ofsted_inspections

__all__ = [
    "SUPPRESSION_MARKERS",
    "BuildReport",
    "Crosswalk",
    "SourceReport",
    "build_crosswalk",
    "carry_history",
    "load_dfe_csc",
    "load_finance_events",
    "load_ofsted_inspections",
    "load_raw_tables",
]

#: Reference date for the coverage check: councils in existence on this date.
COVERAGE_DATE = "2023-03-31"


@dataclass
class BuildReport:
    """What :func:`load_raw_tables` read and how well councils were covered.

    Attributes
    ----------
    raw_dir : str
    sources : dict of str -> SourceReport
    councils_current : int
        Upper-tier councils in existence on ``coverage_date``.
    coverage : dict of str -> dict
        Per table (``observations``, ``events``): ``matched`` (councils current on
        ``coverage_date`` with at least one row), ``share`` and ``missing`` (codes and
        names of those with none).
    carried_rows : dict of str -> int
        Rows copied to successors by :func:`carry_history`, per table.
    """

    raw_dir: str
    coverage_date: str = COVERAGE_DATE
    sources: dict[str, SourceReport] = field(default_factory=dict)
    councils_current: int = 0
    coverage: dict[str, dict] = field(default_factory=dict)
    carried_rows: dict[str, int] = field(default_factory=dict)

    @property
    def unmatched(self) -> dict[str, list[str]]:
        """Names/codes that did not resolve, per source."""
        return {k: v.unmatched for k, v in self.sources.items() if v.unmatched}

    @property
    def suppressed(self) -> int:
        """Suppressed cells read as missing, over all sources."""
        return sum(v.suppressed for v in self.sources.values())

    def to_dict(self) -> dict:
        """Return the report as plain data (JSON-ready apart from nothing)."""
        d = asdict(self)
        d["unmatched"] = self.unmatched
        d["suppressed"] = self.suppressed
        return d


def _coverage(df: pd.DataFrame, current: pd.DataFrame) -> dict:
    have = set(df["council_code"])
    missing = current[~current["council_code"].isin(have)]
    n = len(current)
    return {
        "matched": n - len(missing),
        "share": (n - len(missing)) / n if n else 0.0,
        "missing": [f"{c} {nm}" for c, nm in missing[["council_code", "council_name"]].values],
    }


def load_raw_tables(raw_dir: Path) -> tuple[Tables, BuildReport]:
    """Load every staged source under ``raw_dir`` into validated core tables.

    Parameters
    ----------
    raw_dir : pathlib.Path
        The raw data folder (``shared/data/raw`` or a folder with newer editions in the
        same formats). Files are found by name pattern or columns, not by year.

    Returns
    -------
    tables : earlywarn.schema.Tables
        ``councils`` (schema columns plus the crosswalk's identifier columns),
        ``observations`` and ``events`` (schema columns plus source-specific extras,
        ``carried_from`` and ``history_carried``; see
        :func:`earlywarn.sources.crosswalk.carry_history`).
    report : BuildReport
        Counts, suppressed cells, skipped rows, unmatched names/codes and coverage.

    Raises
    ------
    earlywarn.errors.UserInputError
        When a file has an unexpected layout (see each loader).

    Examples
    --------
    >>> from pathlib import Path
    >>> tables, report = load_raw_tables(Path("../shared/data/raw"))  # doctest: +SKIP
    >>> report.coverage["observations"]["share"] >= 0.95  # doctest: +SKIP
    True
    """
    raw_dir = Path(raw_dir)
    report = BuildReport(raw_dir=str(raw_dir))
    cw = build_crosswalk(raw_dir)
    councils = validate_councils(cw.councils, "crosswalk councils")

    insp, report.sources["ofsted_inspections"] = load_ofsted_inspections(raw_dir, cw)
    fin, report.sources["finance_events"] = load_finance_events(raw_dir, cw)
    obs, report.sources["dfe_csc"] = load_dfe_csc(raw_dir, cw)

    events = pd.concat([insp, fin], ignore_index=True)
    events["headline"] = events["headline"].eq(True)  # False for non-inspection events
    n_ev, n_obs = len(events), len(obs)
    events = carry_history(events, cw, "date", observations=False)
    obs = carry_history(obs, cw, "period", observations=True)
    report.carried_rows = {"events": len(events) - n_ev, "observations": len(obs) - n_obs}
    events = events.sort_values(["council_code", "date"], ignore_index=True)
    obs = obs.sort_values(["council_code", "measure", "period"], ignore_index=True)

    v_obs = validate_observations(obs, "observations (sources)", councils)
    obs = pd.concat([v_obs, obs.drop(columns=v_obs.columns)], axis=1)
    events = validate_events(events, "events (sources)", councils)

    current = cw.current_on(COVERAGE_DATE)
    report.councils_current = len(current)
    report.coverage = {
        "observations": _coverage(obs, current),
        "events": _coverage(events[events["event_type"].eq("inspection")], current),
    }
    sources = {
        "councils": "crosswalk: mysociety uk_local_authorities + Provider_data_lookup",
        "observations": "DfE children's social care statistics: "
        + "; ".join(report.sources["dfe_csc"].files),
        "events": "Ofsted LA inspections + council finance events: "
        + "; ".join(
            report.sources["ofsted_inspections"].files + report.sources["finance_events"].files
        ),
    }
    order = COUNCIL_COLUMNS + [c for c in councils.columns if c not in COUNCIL_COLUMNS]
    return Tables(councils[order], obs, events, sources), report

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
  support (:func:`load_finance_events`);
- :mod:`~earlywarn.sources.revenue_outturn` - reserves and spending from MHCLG's Revenue
  Outturn Summary workbooks (:func:`load_revenue_outturn`);
- :mod:`~earlywarn.sources.imd` - English Indices of Deprivation, upper-tier summaries
  (:func:`load_imd`);
- :mod:`~earlywarn.sources.imd_districts` - IoD2010 and IoD2015 district tables aggregated
  to the upper-tier councils of their release date (:func:`load_imd_districts`);
- :mod:`~earlywarn.sources.lait` - DfE LAIT snapshot: back-filled years no first edition
  in the folder provides, marked ``revised`` (:func:`load_lait`);
- :mod:`~earlywarn.sources.oflog_asc` - Oflog adult social care metrics
  (:func:`load_oflog_asc`);
- :mod:`~earlywarn.sources.cla_sfr` - older DfE looked-after children SFR tables
  (:func:`load_cla_sfr`);
- :mod:`~earlywarn.sources.s251` - DfE section 251 children's services outturn 2008-09 on
  (:func:`load_s251`);
- :mod:`~earlywarn.sources.political_control` - council composition and control, Open
  Council Data UK (:func:`load_political_control`);
- :mod:`~earlywarn.sources.other_inspectorates` - area SEND inspections, youth justice
  ratings, DSG deficits (:func:`load_send_inspections`, :func:`load_youth_justice`,
  :func:`load_dsg_deficits`);
- :mod:`~earlywarn.sources.ofsted_reports` - counts and dated leadership facts from the
  text of Ofsted's report PDFs (:func:`load_ofsted_reports`; text cached by
  :mod:`~earlywarn.sources.pdf_text`);
- :mod:`~earlywarn.sources.rates` - counts as rates per 10,000 children
  (:func:`add_child_rates`);
- :mod:`~earlywarn.sources.neighbours` - DfE statistical neighbours
  (:func:`load_statistical_neighbours`);
- :mod:`~earlywarn.sources.optional` - user-supplied resident satisfaction and
  leadership changes (:func:`load_satisfaction`, :func:`load_leadership`);
- :mod:`~earlywarn.sources.bundle` - the bundled real panel (:func:`load_real_tables`,
  :func:`write_bundle`).

:func:`load_raw_tables` runs them all and returns :class:`earlywarn.schema.Tables` plus a
:class:`BuildReport`. It never drops a file or a council silently:
:mod:`~earlywarn.sources.inventory` fails on an empty file, a renamed column, a file no
loader reads or two editions of a cumulative table side by side (the DfE editions are all
read, as real-time vintages: :mod:`~earlywarn.sources.vintages`), and a row no council
matches is an error unless
:mod:`~earlywarn.sources.allowance` (``allowance.toml``, with reasons) lists it; see
``docs/data-build.md``. Nothing runs at import.
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
from earlywarn.sources.allowance import load_allowance
from earlywarn.sources.bundle import (
    build_bundle,
    load_real_neighbours,
    load_real_tables,
    real_bundle_info,
)
from earlywarn.sources.carry import carry_history
from earlywarn.sources.cla_sfr import add_cla_rates, load_cla_sfr
from earlywarn.sources.crosswalk import Crosswalk, build_crosswalk
from earlywarn.sources.dfe_csc import load_dfe_csc
from earlywarn.sources.finance_events import load_finance_events
from earlywarn.sources.imd import load_imd
from earlywarn.sources.imd_districts import load_imd_districts
from earlywarn.sources.inventory import check_all_read, check_raw_files, data_files
from earlywarn.sources.lait import LAIT_SNAPSHOT, LAIT_SOURCE, keep_gaps, load_lait
from earlywarn.sources.neighbours import load_statistical_neighbours
from earlywarn.sources.oflog_asc import load_oflog_asc
from earlywarn.sources.ofsted import load_ofsted_inspections
from earlywarn.sources.ofsted_reports import attach_report_counts, load_ofsted_reports
from earlywarn.sources.ons_population import load_ons_population
from earlywarn.sources.optional import load_leadership, load_satisfaction
from earlywarn.sources.other_inspectorates import (
    load_dsg_deficits,
    load_send_inspections,
    load_youth_justice,
)
from earlywarn.sources.political_control import load_political_control
from earlywarn.sources.rates import POPULATION, add_child_rates
from earlywarn.sources.revenue_outturn import load_revenue_outturn
from earlywarn.sources.s251 import load_s251

__all__ = [
    "SUPPRESSION_MARKERS",
    "BuildReport",
    "Crosswalk",
    "SourceReport",
    "add_child_rates",
    "build_bundle",
    "build_crosswalk",
    "carry_history",
    "coverage_table",
    "load_cla_sfr",
    "load_dfe_csc",
    "load_dsg_deficits",
    "load_finance_events",
    "load_imd",
    "load_imd_districts",
    "load_lait",
    "load_leadership",
    "load_oflog_asc",
    "load_ons_population",
    "load_ofsted_inspections",
    "load_ofsted_reports",
    "load_political_control",
    "load_raw_tables",
    "load_real_neighbours",
    "load_real_tables",
    "load_revenue_outturn",
    "load_s251",
    "load_satisfaction",
    "load_send_inspections",
    "load_statistical_neighbours",
    "real_bundle_info",
    "load_youth_justice",
]

#: Reference date for the coverage check of the 31 March 2023 folder (the earliest vintage).
#: The build uses :func:`coverage_date`: the first 31 March on or after the newest date in
#: the folder, so a newer vintage is checked on its own councils (e.g. 2025-03-31).
COVERAGE_DATE = "2023-03-31"


def coverage_date(obs: pd.DataFrame, events: pd.DataFrame) -> str:
    """The first 31 March on or after the newest publication in the tables (ISO date)."""
    newest = max(pd.Timestamp(obs["published"].max()), pd.Timestamp(events["date"].max()))
    year = newest.year + (1 if (newest.month, newest.day) > (3, 31) else 0)
    return str(pd.Timestamp(year, 3, 31).date())


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
    coverage_by_origin : dict of str -> dict
        Per annual origin (31 March): councils in existence on that date, how many have
        at least one observation published by then, the share, and the missing ones.
    not_read : list of str
        Raw data files deliberately not read (listed in the allowance, see
        :mod:`earlywarn.sources.allowance`).
    coverage_by_family : dict of str -> dict
        Per feature family (of the measures' registry entries) and annual origin: the
        share of councils alive then with a value of the family published by then and
        recent enough for the features (period within the last three years; six for
        context).
    coverage_table : dict of str -> dict
        The same share per family, **measure** and annual origin
        (``{family: {measure: {origin: share}}}``): where a source starts or stops.
    revised_rows : dict of str -> int
        Observations whose value is as revised by a later snapshot, not as first
        published (DfE LAIT back-fill, :mod:`earlywarn.sources.lait`; the ``revised``
        column), per measure, before history is carried to successors.
    snapshot_dated_rows : dict of str -> int
        Of those, the ones dated at the LAIT snapshot (25 March 2025) because a first
        edition of their year is in the folder but left the council empty, per measure.
    """

    raw_dir: str
    coverage_date: str = COVERAGE_DATE
    sources: dict[str, SourceReport] = field(default_factory=dict)
    councils_current: int = 0
    coverage: dict[str, dict] = field(default_factory=dict)
    carried_rows: dict[str, int] = field(default_factory=dict)
    coverage_by_origin: dict[str, dict] = field(default_factory=dict)
    coverage_by_family: dict[str, dict] = field(default_factory=dict)
    coverage_table: dict[str, dict] = field(default_factory=dict)
    revised_rows: dict[str, int] = field(default_factory=dict)
    snapshot_dated_rows: dict[str, int] = field(default_factory=dict)
    not_read: list[str] = field(default_factory=list)

    @property
    def unmatched(self) -> dict[str, list[str]]:
        """Names/codes that did not resolve, per source."""
        return {k: v.unmatched for k, v in self.sources.items() if v.unmatched}

    @property
    def unreadable(self) -> dict[str, list[str]]:
        """Files that could not be read (e.g. report PDFs that are HTML pages), per source."""
        return {k: v.unreadable for k, v in self.sources.items() if v.unreadable}

    @property
    def suppressed(self) -> int:
        """Suppressed cells read as missing, over all sources."""
        return sum(v.suppressed for v in self.sources.values())

    def to_dict(self) -> dict:
        """Return the report as plain data (JSON-ready apart from nothing)."""
        d = asdict(self)
        d["unmatched"] = self.unmatched
        d["unreadable"] = self.unreadable
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


def _coverage_by_origin(obs: pd.DataFrame, cw: Crosswalk, last: str) -> dict[str, dict]:
    """Per 31 March from the first observed year: councils alive with any known value."""
    out = {}
    first = int(obs["period"].min().year) + 1
    for year in range(first, pd.Timestamp(last).year + 1):
        origin = pd.Timestamp(year, 3, 31)
        alive = cw.current_on(origin)
        known = set(obs.loc[obs["published"] <= origin, "council_code"])
        missing = alive[~alive["council_code"].isin(known)]
        n = len(alive)
        out[str(origin.date())] = {
            "councils": n,
            "matched": n - len(missing),
            "share": (n - len(missing)) / n if n else 0.0,
            "missing": [f"{c} {nm}" for c, nm in missing[["council_code", "council_name"]].values],
        }
    return out


def _coverage_by_family(obs: pd.DataFrame, cw: Crosswalk, last: str) -> dict[str, dict]:
    """Per family and 31 March: share of alive councils with a fresh value known then."""
    from earlywarn.measures import measure_info

    fam = obs["measure"].map({m: measure_info(m).family for m in obs["measure"].unique()})
    out: dict[str, dict] = {}
    first = int(obs["period"].min().year) + 1
    for year in range(first, pd.Timestamp(last).year + 1):
        origin = pd.Timestamp(year, 3, 31)
        alive = set(cw.current_on(origin)["council_code"])
        seen = obs["published"].le(origin)
        for family in sorted(fam.unique()):
            years = 6 if family == "context" else 3
            fresh = seen & fam.eq(family) & obs["period"].gt(origin - pd.DateOffset(years=years))
            have = alive & set(obs.loc[fresh, "council_code"])
            share = len(have) / len(alive) if alive else 0.0
            out.setdefault(family, {})[str(origin.date())] = round(share, 4)
    return out


def coverage_table(obs: pd.DataFrame, cw: Crosswalk, last: str) -> dict[str, dict]:
    """Family x measure x 31 March: share of alive councils with a fresh value known then.

    Fresh as in :func:`_coverage_by_family` (period within three years of the origin; six
    for context), published on or before the origin. Origins run from the year after the
    first period to ``last``.
    """
    from earlywarn.measures import measure_info

    fam = {m: measure_info(m).family for m in obs["measure"].unique()}
    out: dict[str, dict] = {}
    first = int(obs["period"].min().year) + 1
    for year in range(first, pd.Timestamp(last).year + 1):
        origin = pd.Timestamp(year, 3, 31)
        alive = set(cw.current_on(origin)["council_code"])
        seen = obs[obs["published"].le(origin) & obs["council_code"].isin(alive)]
        cut = {m: origin - pd.DateOffset(years=6 if f == "context" else 3) for m, f in fam.items()}
        fresh = seen[seen["period"].gt(seen["measure"].map(cut))]
        n = fresh.groupby("measure")["council_code"].nunique()
        for measure in sorted(fam):
            share = float(n.get(measure, 0)) / len(alive) if alive else 0.0
            out.setdefault(fam[measure], {}).setdefault(measure, {})[str(origin.date())] = round(
                share, 4
            )
    return out


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
        :func:`earlywarn.sources.carry.carry_history`).
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
    allowance = load_allowance()
    unread = {p for p in data_files(raw_dir) if allowance.is_unread(p)}
    check_raw_files(raw_dir, unread)  # empty files, two editions side by side
    cw = build_crosswalk(raw_dir)
    councils = validate_councils(cw.councils, "crosswalk councils")

    insp, report.sources["ofsted_inspections"] = load_ofsted_inspections(raw_dir, cw)
    fin, report.sources["finance_events"] = load_finance_events(raw_dir, cw)
    send, report.sources["send_inspections"] = load_send_inspections(raw_dir, cw)
    yj, report.sources["youth_justice"] = load_youth_justice(raw_dir, cw)
    obs, report.sources["dfe_csc"] = load_dfe_csc(raw_dir, cw)
    sfr, report.sources["cla_sfr"] = load_cla_sfr(raw_dir, cw)
    sfr = pd.concat([sfr, add_cla_rates(sfr, obs)], ignore_index=True)
    newer = pd.MultiIndex.from_frame(obs[["council_code", "period", "measure"]])
    dup = pd.MultiIndex.from_frame(sfr[["council_code", "period", "measure"]]).isin(newer)
    report.sources["cla_sfr"].skip("superseded by the EES file", int(dup.sum()))
    extra = [sfr[~dup]]
    for name, loader in (
        ("ons_population", load_ons_population),
        ("revenue_outturn", load_revenue_outturn),
        ("imd", load_imd),
        ("imd_districts", load_imd_districts),
        ("oflog_asc", load_oflog_asc),
        ("s251", load_s251),
        ("political_control", load_political_control),
        ("dsg_deficits", load_dsg_deficits),
    ):
        part, report.sources[name] = loader(raw_dir, cw)
        extra.append(part)
    obs = pd.concat([obs, *extra], ignore_index=True)
    obs = pd.concat([obs, add_child_rates(obs)], ignore_index=True)
    # LAIT back-fill: only where no first edition gives the value (its rates likewise)
    lait, report.sources[LAIT_SOURCE] = load_lait(raw_dir, cw)
    lait = keep_gaps(lait, obs, report.sources[LAIT_SOURCE])
    pop = obs[obs["measure"].eq(POPULATION)]
    lait_rates = add_child_rates(pd.concat([pop, lait], ignore_index=True))
    lait_rates = keep_gaps(lait_rates, obs, report.sources[LAIT_SOURCE])
    obs = pd.concat([obs, lait, lait_rates], ignore_index=True)
    report.sources[LAIT_SOURCE].rows_out = len(lait) + len(lait_rates)
    obs["revised"] = obs["source"].astype(str).str.startswith(LAIT_SOURCE)
    revised = obs.loc[obs["revised"], "measure"].value_counts().sort_index()
    report.revised_rows = {str(m): int(n) for m, n in revised.items()}
    late = obs["revised"] & obs["published"].eq(LAIT_SNAPSHOT)
    late = obs.loc[late, "measure"].value_counts().sort_index()
    report.snapshot_dated_rows = {str(m): int(n) for m, n in late.items()}

    reports, lead, report.sources["ofsted_reports"] = load_ofsted_reports(raw_dir, cw)
    # read here too (the bundle writes them) so that every file is accounted for
    _, report.sources["statistical_neighbours"] = load_statistical_neighbours(raw_dir, cw)
    allowance.check(report.sources)  # rows no council matches: listed, or an error
    read = {Path(f.split("#")[0]).resolve() for r in report.sources.values() for f in r.files}
    check_all_read(raw_dir, read, unread)  # every data file read or listed as not read
    report.not_read = sorted(str(p.relative_to(raw_dir)) for p in unread)
    events = pd.concat([insp, fin, send, yj, lead], ignore_index=True)
    events = attach_report_counts(events, reports, report.sources["ofsted_reports"])
    events["headline"] = events["headline"].eq(True)  # False for non-inspection events
    if "published_estimated" in events.columns:  # dated start + lag (Ofsted visits only)
        events["published_estimated"] = events["published_estimated"].eq(True)
    n_ev, n_obs = len(events), len(obs)
    events = carry_history(events, cw, "date", observations=False)
    obs = carry_history(obs, cw, "period", observations=True)
    report.carried_rows = {"events": len(events) - n_ev, "observations": len(obs) - n_obs}
    events = events.sort_values(["council_code", "date"], ignore_index=True)
    obs = obs.sort_values(["council_code", "measure", "period"], ignore_index=True)

    v_obs = validate_observations(obs, "observations (sources)", councils)
    obs = pd.concat([v_obs, obs.drop(columns=v_obs.columns)], axis=1)
    events = validate_events(events, "events (sources)", councils)

    report.coverage_date = coverage_date(obs, events)
    current = cw.current_on(report.coverage_date)
    report.councils_current = len(current)
    report.coverage = {
        "observations": _coverage(obs, current),
        "events": _coverage(events[events["event_type"].eq("inspection")], current),
    }
    report.coverage_by_origin = _coverage_by_origin(obs, cw, report.coverage_date)
    report.coverage_by_family = _coverage_by_family(obs, cw, report.coverage_date)
    report.coverage_table = coverage_table(obs, cw, report.coverage_date)
    ev_sources = (
        "ofsted_inspections",
        "finance_events",
        "send_inspections",
        "youth_justice",
        "ofsted_reports",
    )
    obs_sources = [k for k in report.sources if k not in ev_sources]
    sources = {
        "councils": "crosswalk: mysociety uk_local_authorities + Provider_data_lookup",
        "observations": "DfE children's social care statistics, DfE LAIT (back-fill, revised), "
        "RS reserves, IMD, Oflog ASC, s251, "
        "council composition: "
        + "; ".join(f for k in obs_sources for f in report.sources[k].files),
        "events": "Ofsted LA inspections, council finance events, area SEND inspections, "
        "youth justice inspections, Ofsted report text (counts and dated leadership facts; "
        f"{len(report.sources['ofsted_reports'].files)} PDFs): "
        + "; ".join(f for k in ev_sources[:-1] for f in report.sources[k].files),
    }
    order = COUNCIL_COLUMNS + [c for c in councils.columns if c not in COUNCIL_COLUMNS]
    return Tables(councils[order], obs, events, sources), report

"""Feature builders, one module per family, computed strictly as of each origin.

:func:`build_features` returns the feature frame (keyed by ``council_code, origin``), the
registry of :class:`~earlywarn.features.registry.FeatureSpec` for its columns, and each
feature's peer median (statistical neighbours where given, else the same council type)
for the reasons. The families and what they compute are listed in docs/features.md and in
each module's docstring: :mod:`~earlywarn.features.indicators`,
:mod:`~earlywarn.features.satisfaction`, :mod:`~earlywarn.features.finance`,
:mod:`~earlywarn.features.leadership`, :mod:`~earlywarn.features.soft`,
:mod:`~earlywarn.features.inspection` and :mod:`~earlywarn.features.context`.

As of each origin: observations published on or before it (latest revision), events dated
and published on or before it, notes dated on or before it. Missing stays missing (NaN);
each family with measures reports a 'data available' share instead of zero-filling.

Example
-------
>>> from earlywarn.synthetic import make_synthetic_councils
>>> from earlywarn.panel import build_panel
>>> data = make_synthetic_councils(n_councils=20, start_year=2010, end_year=2016, seed=1)
>>> panel = build_panel(data.tables, ["2015-03-31"])
>>> feats = build_features(data.tables, panel)
>>> "reserves_pct_net_spend" in feats.X.columns
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from earlywarn.config import FeaturesConfig
from earlywarn.errors import UserInputError
from earlywarn.features import (
    context,
    finance,
    indicators,
    inspection,
    leadership,
    satisfaction,
    soft,
)
from earlywarn.features._base import Columns, OriginData
from earlywarn.features._coverage import (
    UNCOVERED_ACTIONS,
    check_coverage,
    coverage_exempt,
    coverage_for,
    coverage_record,
    coverage_table,
    uncovered_features,
)
from earlywarn.features._peers import Peers
from earlywarn.features._series import ObservationIndex
from earlywarn.features._windows import covered, source_window
from earlywarn.features.events import event_dates
from earlywarn.features.registry import (
    MEASURES,
    FeatureSpec,
    MeasureInfo,
    measure_info,
    render_sentence,
)
from earlywarn.features.soft import note_words, notes_warning
from earlywarn.panel import asof_events
from earlywarn.schema import Tables

__all__ = [
    "Columns",
    "OriginData",
    "UNCOVERED_ACTIONS",
    "check_coverage",
    "coverage_for",
    "coverage_exempt",
    "coverage_record",
    "coverage_table",
    "uncovered_features",
    "FAMILY_BUILDERS",
    "MEASURES",
    "FeatureSet",
    "FeatureSpec",
    "MeasureInfo",
    "build_features",
    "covered",
    "event_dates",
    "measure_info",
    "note_words",
    "notes_warning",
    "render_sentence",
    "source_window",
]

#: family -> builder(OriginData) -> Columns
FAMILY_BUILDERS = {
    "indicators": indicators.build,
    "satisfaction": satisfaction.build,
    "finance": finance.build,
    "leadership": leadership.build,
    "soft": soft.build,
    "inspection": inspection.build,
    "context": context.build,
}  # opt-in families come from a higher wing (build_features(..., builders=...))
HELPERS = (finance.SPEND,)  # read alongside the selected measures (denominators)


class FeatureSet:
    """Features for a panel.

    Attributes
    ----------
    X : DataFrame
        Features, indexed like the panel, columns in a stable order; float64, or float32
        with ``config.dtype = "float32"``.
    specs : dict[str, FeatureSpec]
        Metadata of every column of ``X``.
    peer_median : DataFrame
        Median of each feature among the council's peers at the same origin, indexed and
        labelled like ``X``. Computed on first use (it is as big as ``X``); use
        :meth:`peer_median_for` when only a few rows are needed.
    """

    def __init__(
        self,
        X: pd.DataFrame,
        specs: dict[str, FeatureSpec],
        peer_median: pd.DataFrame | None = None,
        *,
        peer_groups: list[tuple[pd.Timestamp, np.ndarray, Peers]] | None = None,
    ):
        self.X = X
        self.specs = specs
        self._peer_median = peer_median
        self._peer_groups = peer_groups or []

    def __repr__(self) -> str:
        return f"FeatureSet(X={self.X.shape[0]} x {self.X.shape[1]}, specs={len(self.specs)})"

    def without(self, columns: list[str]) -> FeatureSet:
        """The same features less ``columns`` (peers kept; peer medians recomputed on use)."""
        if not columns:
            return self
        keep = {n: s for n, s in self.specs.items() if n not in set(columns)}
        return FeatureSet(self.X.drop(columns=columns), keep, peer_groups=self._peer_groups)

    @property
    def families(self) -> dict[str, str]:
        """Feature name -> family."""
        return {n: s.family for n, s in self.specs.items()}

    @property
    def peer_median(self) -> pd.DataFrame:
        """Peer medians of every row of ``X`` (computed once, then kept)."""
        if self._peer_median is None:
            self._peer_median = self.peer_median_for(self.X.index)
        return self._peer_median

    def peer_median_for(self, index: pd.Index) -> pd.DataFrame:
        """Peer medians of the rows ``index`` of ``X`` only (e.g. the scored origin).

        Only the origins that ``index`` holds are computed; rows not in ``X`` are NaN.

        Example
        -------
        >>> from earlywarn.synthetic import make_synthetic_councils
        >>> from earlywarn.panel import build_panel
        >>> data = make_synthetic_councils(n_councils=20, start_year=2010, end_year=2016, seed=1)
        >>> fs = build_features(data.tables, build_panel(data.tables, ["2014-03-31", "2015-03-31"]))
        >>> now = fs.X.xs("2015-03-31", level="origin", drop_level=False).index
        >>> fs.peer_median_for(now).equals(fs.peer_median.loc[now])
        True
        """
        if self._peer_median is not None:
            return self._peer_median.reindex(index)
        values = self.X.to_numpy()
        wanted = set(pd.DatetimeIndex(index.get_level_values("origin")))
        groups = [g for g in self._peer_groups if g[0] in wanted]
        rows = np.concatenate([g[1] for g in groups]) if groups else np.zeros(0, dtype=int)
        out = np.full((len(rows), values.shape[1]), np.nan, dtype=values.dtype, order="F")
        start = 0
        for _, pos, peers in groups:
            out[start : start + len(pos)] = peers.median(values[pos])
            start += len(pos)
        full = len(rows) == len(values) and (rows == np.arange(len(rows))).all()
        frame = pd.DataFrame(out, index=self.X.index[rows], columns=self.X.columns, copy=False)
        return frame if full and index.equals(self.X.index) else frame.reindex(index)


def _measures(present: set[str], cfg: FeaturesConfig) -> tuple[list[str], set[str]]:
    """All measures to index (sorted) and the selected ones; unknown names raise."""
    if not cfg.measures:
        return sorted(present), present
    for m in cfg.measures:
        if m not in present:
            raise UserInputError(
                f"features.measures names {m!r}, which is not a measure in the observations "
                f"(found {', '.join(sorted(present)[:12])}{' ...' if len(present) > 12 else ''})"
            )
    selected = set(cfg.measures)
    extra = {measure_info(m).sample_size for m in selected} | set(HELPERS)
    return sorted(selected | (extra & present)), selected


class _Columns:
    """The feature matrix, filled origin by origin in place (no concatenation or copies).

    One column-major float array with a column per feature, in order of first appearance;
    it grows (a copy) only when a later origin brings features the earlier ones did not
    have, such as the first financial notice.
    """

    def __init__(self, n_rows: int, dtype: str = "float64"):
        self.names: dict[str, int] = {}
        self.buf = np.empty((n_rows, 0), dtype=dtype, order="F")
        self.filled = np.zeros(0, dtype=bool)  # column has a value somewhere

    def put(self, rows: np.ndarray, values: dict[str, np.ndarray]) -> None:
        for name in values:
            if name not in self.names:
                self.names[name] = len(self.names)
        if len(self.names) > self.buf.shape[1]:
            n, cap = self.buf.shape
            size = (n, len(self.names) + (16 if cap else 0))  # slack for later origins
            grown = np.full(size, np.nan, dtype=self.buf.dtype, order="F")
            grown[:, :cap] = self.buf
            self.buf = grown
            self.filled = np.append(self.filled, np.zeros(grown.shape[1] - cap, dtype=bool))
        for name, v in values.items():
            j = self.names[name]
            self.buf[rows, j] = v
            if not self.filled[j]:
                self.filled[j] = not np.isnan(v).all()

    def frame(self, index: pd.Index) -> pd.DataFrame:
        """The filled columns (a feature missing everywhere tells a model nothing)."""
        keep = [name for name, j in self.names.items() if self.filled[j]]
        for new, name in enumerate(keep):  # compact in place, left to right
            old = self.names[name]
            if old != new:
                self.buf[:, new] = self.buf[:, old]
        return pd.DataFrame(self.buf[:, : len(keep)], index=index, columns=keep, copy=False)


def build_features(
    tables: Tables,
    panel: pd.DataFrame,
    families: tuple[str, ...] | None = None,
    config: FeaturesConfig | None = None,
    *,
    soft_notes: pd.DataFrame | None = None,
    neighbours: pd.DataFrame | None = None,
    builders: Mapping[str, Callable[[OriginData], Columns]] | None = None,
) -> FeatureSet:
    """Build every requested family for every ``(council_code, origin)`` of ``panel``.

    Parameters
    ----------
    tables : Tables
        Validated core tables.
    panel : DataFrame
        From :func:`~earlywarn.panel.build_panel` (``council_type`` and ``region`` columns).
    families : tuple of str, optional
        Families to build; default ``config.families`` (all).
    config : FeaturesConfig, optional
        Measures, windows and peer settings (default: :class:`FeaturesConfig()`).
    soft_notes : DataFrame, optional
        Validated soft-intelligence notes (``council_code, date, problem_nature,
        severity``); any ``note`` text column is dropped here, unread.
    neighbours : DataFrame, optional
        Statistical neighbours, ``council_code, neighbour_code``.
    builders : mapping, optional
        More families (name -> builder), from a wing above this one: the opt-in
        ``finance_ranks`` (:data:`earlywarn.financial.FAMILY_BUILDERS`).

    Each origin sees only observations published on or before it, events dated (and
    published) on or before it and notes dated on or before it, so nothing published
    later can change a feature.
    """
    cfg = config or FeaturesConfig()
    families = tuple(families or cfg.families)
    known = {**FAMILY_BUILDERS, **(builders or {})}
    for fam in families:
        if fam not in known:
            raise UserInputError(
                f"features.families names an unknown family {fam!r} "
                f"(expected some of {', '.join(known)})"
            )
    obs = tables.observations
    codes, uniques = pd.factorize(obs["measure"])
    measures, selected = _measures(set(uniques), cfg)
    index = ObservationIndex(obs, measures, (codes.astype(np.int32), uniques))
    del codes
    n_back = max(cfg.change_periods, cfg.slope_periods, cfg.volatility_periods, cfg.peak_periods)
    notes = None
    if soft_notes is not None:
        notes = soft_notes[["council_code", "date", "problem_nature", "severity"]]
    events = tables.events
    out = _Columns(len(panel), cfg.dtype)
    groups = []
    specs: dict[str, FeatureSpec] = {}
    all_councils = panel.index.get_level_values("council_code")
    all_groups = panel[cfg.peer_group].to_numpy()
    all_types = panel["council_type"].to_numpy() if "council_type" in panel else None
    for origin, pos in sorted(panel.groupby(level="origin").indices.items()):
        origin = pd.Timestamp(origin)
        councils = all_councils[pos]
        peers = Peers(councils, all_groups[pos], neighbours, cfg.min_peers)
        d = OriginData(
            origin=origin,
            councils=councils,
            cube=index.cube(origin, councils, n_back),
            measures=measures,
            selected=selected,
            events=asof_events(events, origin),
            notes=None if notes is None else notes[notes["date"] <= origin],
            peers=peers,
            config=cfg,
            observations=obs,
            council_types=None if all_types is None else all_types[pos],
        )
        values: dict[str, np.ndarray] = {}
        for fam in families:
            cols = known[fam](d)
            values.update(cols.values)
            for s in cols.specs:
                specs.setdefault(s.name, s)
        out.put(pos, values)
        groups.append((origin, pos, peers))
    X = out.frame(panel.index)
    specs = {n: specs[n] for n in X.columns}
    return FeatureSet(X=X, specs=specs, peer_groups=groups)

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

from dataclasses import dataclass

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
from earlywarn.features._base import OriginData
from earlywarn.features._peers import Peers
from earlywarn.features._series import ObservationIndex
from earlywarn.features.registry import (
    MEASURES,
    FeatureSpec,
    MeasureInfo,
    measure_info,
    render_sentence,
)
from earlywarn.panel import asof_events
from earlywarn.schema import Tables

__all__ = [
    "FAMILY_BUILDERS",
    "MEASURES",
    "FeatureSet",
    "FeatureSpec",
    "MeasureInfo",
    "build_features",
    "measure_info",
    "render_sentence",
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
}
HELPERS = (finance.SPEND,)  # read alongside the selected measures (denominators)


@dataclass(frozen=True)
class FeatureSet:
    """Features for a panel.

    Attributes
    ----------
    X : DataFrame
        Features, indexed like the panel, columns in a stable order.
    specs : dict[str, FeatureSpec]
        Metadata of every column of ``X``.
    peer_median : DataFrame
        Median of each feature among the council's peers at the same origin.
    """

    X: pd.DataFrame
    specs: dict[str, FeatureSpec]
    peer_median: pd.DataFrame

    @property
    def families(self) -> dict[str, str]:
        """Feature name -> family."""
        return {n: s.family for n, s in self.specs.items()}


def _measures(observations: pd.DataFrame, cfg: FeaturesConfig) -> tuple[list[str], set[str]]:
    """All measures to index (sorted) and the selected ones; unknown names raise."""
    present = set(observations["measure"].unique())
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


def build_features(
    tables: Tables,
    panel: pd.DataFrame,
    families: tuple[str, ...] | None = None,
    config: FeaturesConfig | None = None,
    *,
    soft_notes: pd.DataFrame | None = None,
    neighbours: pd.DataFrame | None = None,
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

    Each origin sees only observations published on or before it, events dated (and
    published) on or before it and notes dated on or before it, so nothing published
    later can change a feature.
    """
    cfg = config or FeaturesConfig()
    families = tuple(families or cfg.families)
    for fam in families:
        if fam not in FAMILY_BUILDERS:
            raise UserInputError(
                f"features.families names an unknown family {fam!r} "
                f"(expected some of {', '.join(FAMILY_BUILDERS)})"
            )
    measures, selected = _measures(tables.observations, cfg)
    index = ObservationIndex(tables.observations, measures)
    n_back = max(cfg.change_periods, cfg.slope_periods, cfg.volatility_periods, cfg.peak_periods)
    notes = None
    if soft_notes is not None:
        notes = soft_notes[["council_code", "date", "problem_nature", "severity"]]
    events = tables.events
    parts, peer_parts = [], []
    specs: dict[str, FeatureSpec] = {}
    for origin, rows in panel.groupby(level="origin", sort=True):
        origin = pd.Timestamp(origin)
        rows = rows.droplevel("origin")
        councils = rows.index
        peers = Peers(councils, rows[cfg.peer_group].to_numpy(), neighbours, cfg.min_peers)
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
        )
        values: dict[str, np.ndarray] = {}
        for fam in families:
            cols = FAMILY_BUILDERS[fam](d)
            values.update(cols.values)
            for s in cols.specs:
                specs.setdefault(s.name, s)
        names = list(values)
        block = np.column_stack([values[n] for n in names]) if names else np.empty((len(rows), 0))
        key = pd.MultiIndex.from_arrays(
            [councils, pd.DatetimeIndex([origin] * len(councils))], names=["council_code", "origin"]
        )
        parts.append(pd.DataFrame(block, index=key, columns=names))
        peer_parts.append(pd.DataFrame(peers.median(block), index=key, columns=names))
    columns = list(specs)
    X = pd.concat(parts).reindex(columns=columns).reindex(panel.index).astype(float)
    peer = pd.concat(peer_parts).reindex(columns=columns).reindex(panel.index).astype(float)
    # a feature that is missing everywhere tells the model nothing
    empty = X.columns[X.isna().all().to_numpy()]
    X, peer = X.drop(columns=empty), peer.drop(columns=empty)
    specs = {n: s for n, s in specs.items() if n not in set(empty)}
    return FeatureSet(X=X, specs=specs, peer_median=peer)

"""Feature builders, one module per family, computed strictly as of each origin.

:func:`build_features` returns the feature frame (keyed by ``council_code, origin``) and
the registry of :class:`~earlywarn.features.registry.FeatureSpec` for its columns, plus
each feature's peer median (same council type, same origin) for the reasons.

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

import pandas as pd

from earlywarn.features import (
    context,
    finance,
    indicators,
    inspection,
    leadership,
    satisfaction,
)
from earlywarn.features.registry import MEASURES, FeatureSpec, measure_info, render_sentence
from earlywarn.panel import asof_events, asof_observations
from earlywarn.schema import Tables

__all__ = [
    "FAMILY_BUILDERS",
    "MEASURES",
    "FeatureSet",
    "FeatureSpec",
    "build_features",
    "measure_info",
    "render_sentence",
]

FAMILY_BUILDERS = {
    "indicators": indicators.build,
    "satisfaction": satisfaction.build,
    "finance": finance.build,
    "leadership": leadership.build,
    "inspection": inspection.build,
    "context": context.build,
}


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
        Median of each feature among councils of the same type at the same origin.
    """

    X: pd.DataFrame
    specs: dict[str, FeatureSpec]
    peer_median: pd.DataFrame

    @property
    def families(self) -> dict[str, str]:
        """Feature name -> family."""
        return {n: s.family for n, s in self.specs.items()}


def build_features(
    tables: Tables, panel: pd.DataFrame, families: tuple[str, ...] | None = None
) -> FeatureSet:
    """Build every requested family for every ``(council_code, origin)`` of ``panel``.

    Each origin sees only observations published on or before it and events dated on or
    before it, so nothing published later can change a feature.
    """
    families = tuple(families or FAMILY_BUILDERS)
    obs, events = tables.observations, tables.events
    parts: list[pd.DataFrame] = []
    specs: dict[str, FeatureSpec] = {}
    for origin, rows in panel.groupby(level="origin", sort=True):
        rows = rows.droplevel("origin")
        known = asof_observations(obs, origin)
        known_events = asof_events(events, origin)
        frames = []
        for fam in families:
            frame, fam_specs = FAMILY_BUILDERS[fam](known, known_events, rows, origin)
            frames.append(frame)
            for s in fam_specs:
                specs.setdefault(s.name, s)
        block = pd.concat(frames, axis=1)
        block.index.name = "council_code"
        parts.append(block.assign(origin=origin).set_index("origin", append=True))
    X = pd.concat(parts)
    X = X.reindex(columns=list(specs)).reindex(panel.index).astype(float)
    # a feature that is missing everywhere tells the model nothing
    empty = [c for c in X.columns if X[c].isna().all()]
    X = X.drop(columns=empty)
    specs = {n: s for n, s in specs.items() if n not in empty}
    groups = [panel["council_type"], panel.index.get_level_values("origin")]
    peer = X.groupby(groups).transform("median")
    return FeatureSet(X=X, specs=specs, peer_median=peer)

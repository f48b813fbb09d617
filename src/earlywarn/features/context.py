"""Context measures (e.g. deprivation): levels only, so single-factor baselines can use them."""

from __future__ import annotations

import pandas as pd

from earlywarn.features._series import measure_history
from earlywarn.features.registry import FeatureSpec, measure_info


def build(known: pd.DataFrame, events: pd.DataFrame, rows: pd.DataFrame, origin: pd.Timestamp):
    """Context features for one origin: the latest level of each context measure."""
    councils = rows.index
    measures = sorted(m for m in known["measure"].unique() if measure_info(m).family == "context")
    cols, specs = {}, []
    for m in measures:
        info = measure_info(m)
        hist = measure_history(known, m, origin, councils, n_back=0)
        cols[m] = hist[0]
        specs.append(
            FeatureSpec(m, "context", info.nature, info.higher_is_worse, info.label, info.unit)
        )
    return pd.DataFrame(cols, index=councils), specs

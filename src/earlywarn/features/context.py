"""Context measures (deprivation, populations, counts): latest levels only.

Sizes describe a council rather than its performance; they are here so that models and
single-factor baselines can condition on them. Raw counts carry ``reason_ok=False``: they
are never offered as a reason (their rates per 10,000 children are indicators).
"""

from __future__ import annotations

from earlywarn.features._base import Columns, OriginData
from earlywarn.features.registry import FeatureSpec, measure_info

FAMILY = "context"


def build(d: OriginData) -> Columns:
    """Context features for one origin: the latest level of each context measure."""
    out = Columns()
    for m in d.measures:
        info = measure_info(m)
        if info.family != FAMILY or m not in d.selected:
            continue
        spec = FeatureSpec(
            m,
            FAMILY,
            info.nature,
            info.higher_is_worse,
            info.label,
            info.unit,
            reason_ok=info.reason_ok,
        )
        out.add(spec, d.history(m)[:, 0])
    return out

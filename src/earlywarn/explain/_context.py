"""Context, not a reason: which features are context (:func:`role`) and the note a council
gets when most of what raises its modelled risk is context (:func:`context_note`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from earlywarn.features.registry import FeatureSpec, measure_info

__all__ = ["CONTEXT_SHARE", "CONTEXT_WORDS", "NOTICE", "context_note", "role"]

NOTICE = "financial_notice"  # FeatureSpec.event of the financial failure notice features
CONTEXT_SHARE = 0.5  # a note when more than half of the raising SHAP comes from context
# the kinds of context (role) in a context note's words
CONTEXT_WORDS = {
    "size or need": "its size or level of need",
    "inspection timing": "the time since its last inspection",
    "direction not settled": "measures whose direction is not settled",
    "data coverage": "gaps in its published data",
    "council type": "the kind of council it is",
}


def role(spec: FeatureSpec) -> str:
    """``'signal'`` (may be a reason) or the kind of context: ``'size or need'``,
    ``'direction not settled'``, ``'inspection timing'``, ``'data coverage'``,
    ``'council type'``."""
    name = spec.name
    if spec.event == NOTICE:  # a financial failure notice: an event, not a size or timing
        return "signal"
    if name.startswith("council_type_"):  # what kind of council: context, never a reason
        return "council type"
    if not getattr(spec, "reason_ok", True):  # the registry's flag: raw counts and sizes
        return "size or need"
    if spec.family == "context" or spec.kind == "count" or name.endswith("_count"):
        return "size or need"
    if spec.measure.endswith("_count"):
        return "size or need"
    if name == "years_since_inspection" or name.startswith("years_since"):
        return "inspection timing"
    if "data_available" in name:
        return "data coverage"
    if spec.measure and not measure_info(spec.measure).direction_known:
        return "direction not settled"
    return "signal"


def context_note(values: pd.Series, specs: Mapping[str, Any], n_reasons: int) -> str:
    """A note when more than :data:`CONTEXT_SHARE` of the council's risk-raising SHAP comes
    from context (''), naming the largest context drivers."""
    up = values[values > 0]
    total = float(up.sum())
    if total <= 0:
        return "Nothing in the data raises this council's modelled risk above the average."
    ctx = up[[role(specs[f]) != "signal" for f in up.index]].sort_values(ascending=False)
    ctx = ctx[ctx > 0]
    share = float(ctx.sum()) / total
    if share <= CONTEXT_SHARE and n_reasons > 0:
        return ""
    top = list(ctx.index[:3])
    parts = []
    for kind in dict.fromkeys(role(specs[f]) for f in top):
        names = "; ".join(specs[f].label for f in top if role(specs[f]) == kind)
        parts.append(f"{CONTEXT_WORDS.get(kind, kind)} ({names})")
    lead = "No sign of decline passes the reviewer's test. " if n_reasons == 0 else ""
    if not parts:  # no reason, and no context either: small drivers only
        return lead.strip()
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"{lead}{share:.0%} of what raises this council's modelled risk is context, not a "
        f"sign of decline: {listed}."
    )

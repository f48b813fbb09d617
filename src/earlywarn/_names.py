"""The one vocabulary: names that several stages share, defined once (no heavy imports).

Adding a model kind, a target, a baseline or a family starts here; config checks, reports
and the registries read these tuples (``grep`` finds each defined once).
"""

from __future__ import annotations

__all__ = [
    "BASELINES",
    "CENSORING",
    "FAMILIES",
    "LABEL_EVENTS",
    "MODEL_KINDS",
    "SELECT_BY",
    "SUBGROUPS",
    "TARGETS",
]

# model kinds, in the order reports list them (earlywarn.models.make_model builds each)
MODEL_KINDS = ("persistence", "red_flags", "logit", "hazard", "gbm", "ordinal")

# simple baselines every evaluation scores beside the models (earlywarn.baselines)
BASELINES = ("persistence", "time_since_inspection", "deprivation", "red_flags")

# signal families (earlywarn.features.FAMILY_BUILDERS builds each)
FAMILIES = ("indicators", "satisfaction", "finance", "leadership", "soft", "inspection", "context")

# what counts as a failure (labels.events; earlywarn.labels and earlywarn.targets)
LABEL_EVENTS = (
    "inadequate",
    "requires_improvement_or_worse",
    "financial_notice",
    "intervention",
    "leaders_inadequate",
    "help_protection_inadequate",
    "decline",
)

# how rows whose window saw no inspection are treated (earlywarn.labels.CENSORING_WORDS)
CENSORING = ("drop", "negative", "weight")

# what the list ranks by: P(inspected and failing) or P(failing | inspected)
TARGETS = ("joint", "conditional")

# groups the evaluation reports separately
SUBGROUPS = ("council_type", "region", "deprivation_quintile")

# models.select_by: the config's word -> the evaluation entry that chooses the published model.
# "auroc" is the within-origin AUROC (the protocol's headline; pooled AUROC mixes origins).
SELECT_BY = {
    "auroc": "auroc_within_origin",
    "average_precision": "average_precision",
    "brier": "brier",
}

"""The one vocabulary: names that several stages share, defined once (no heavy imports).

Adding a model kind, a target, a baseline or a family starts here; config checks, reports
and the registries read these tuples (``grep`` finds each defined once).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "UNCOVERED",
    "BASELINES",
    "CENSORING",
    "FAMILIES",
    "OPT_IN_FAMILIES",
    "LABEL_EVENTS",
    "HEADLINE_METRICS",
    "LIST_FIGURES",
    "LOWER_IS_BETTER",
    "METRICS",
    "METRIC_LABELS",
    "MODEL_KINDS",
    "SELECT_BY",
    "SUBGROUPS",
    "TARGETS",
    "Metric",
]

# model kinds, in the order reports list them (earlywarn.models.make_model builds each)
MODEL_KINDS = ("persistence", "red_flags", "logit", "hazard", "gbm", "ordinal", "mixed")

# simple baselines every evaluation scores beside the models (earlywarn.models)
BASELINES = ("persistence", "time_since_inspection", "deprivation", "red_flags")

# signal families (earlywarn.features.FAMILY_BUILDERS builds each)
FAMILIES = ("indicators", "satisfaction", "finance", "leadership", "soft", "inspection", "context")
# families built only when a config names them (never in the default): the pre-registered
# financial-failure model's inputs (earlywarn.financial.FAMILY_BUILDERS)
OPT_IN_FAMILIES = ("finance_ranks",)

# what counts as a failure (labels.events; earlywarn.labels and earlywarn.labels)
LABEL_EVENTS = (
    "inadequate",
    "requires_improvement_or_worse",
    "financial_notice",
    "intervention",
    "leaders_inadequate",
    "help_protection_inadequate",
    "decline",
    "inadequate_any",
    "financial_failure",
)

# what a cycle does with a feature its source does not cover (features.uncovered)
UNCOVERED = ("fail", "drop")

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


class Metric(NamedTuple):
    """A pooled backtest metric (:func:`earlywarn.metrics.evaluate_predictions`)."""

    key: str  # the key in evaluation.json's ``pooled`` and ``per_origin``
    label: str  # the report's column heading
    lower_is_better: bool | None  # None: neither (a property of the data, or best at 1 / 0)


# every pooled metric, in the order the report's tables list them
METRICS = (
    Metric("auroc_within_origin", "AUROC within origin", False),
    Metric("average_precision_within_origin", "AP within origin", False),
    Metric("auroc", "AUROC pooled", False),
    Metric("pauroc_fpr20", "pAUROC (FPR≤0.2, std.)", False),
    Metric("average_precision", "average precision", False),
    Metric("precision_at_k", "precision@k", False),
    Metric("recall_at_k", "recall@k", False),
    Metric("lift_at_k", "lift@k", False),
    Metric("brier", "Brier", True),
    Metric("reliability", "reliability", True),
    Metric("resolution", "resolution", False),
    Metric("uncertainty", "uncertainty", None),
    Metric("calibration_slope", "cal. slope", None),
    Metric("calibration_intercept", "cal. intercept", None),
    Metric("observed_expected", "observed/expected", None),
    Metric("brier_skill", "Brier skill vs base rate", False),
    Metric("ur", "Ur(μ)", False),
    Metric("nsr", "NSR", True),
    Metric("ur_topk", "Ur(μ), top k", False),
    Metric("nsr_topk", "NSR, top k", True),
)
METRIC_LABELS = {m.key: m.label for m in METRICS}
LOWER_IS_BETTER = frozenset(m.key for m in METRICS if m.lower_is_better)
# the headline few: logged as the parent run's published_* and best_baseline_* metrics
HEADLINE_METRICS = ("auroc", "average_precision", "precision_at_k", "recall_at_k", "brier")

# the published list's figures (earlywarn.evaluation.published_list), key -> report label
LIST_FIGURES = {
    "share_inspected": "share inspected",
    "share_failing_of_inspected": "share failing, of those inspected",
    "share_failing": "share failing",
    "share_of_failures_caught": "share of all failures caught",
}

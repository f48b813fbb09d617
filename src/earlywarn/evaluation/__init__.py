"""Evaluation of a backtest: metrics per origin and pooled, headline, subgroups, usefulness,
recalibration, intervals, outcomes of published lists, saved predictions and their recompute.

The modules inside are private; import from ``earlywarn.evaluation``.
"""

from __future__ import annotations

from earlywarn.evaluation._evaluate import (
    EvaluationRun,
    EvaluationSettings,
    evaluate_and_keep,
    evaluate_backtest,
    labels_known_at,
    oracle_predictions,
    run_evaluation,
    target_rows,
)
from earlywarn.evaluation._gate import (
    FINANCE_TIER,
    SLOPE_RANGE,
    probability_gate,
    tier_of_rank,
    tier_words,
)
from earlywarn.evaluation._headline import (
    MAX_SKIPPED_SHARE,
    MIN_ORIGIN_EVENTS,
    paired_differences,
    published_list,
)
from earlywarn.evaluation._intervals import (
    INTERVAL_COLUMNS,
    bootstrap_probabilities,
    council_bootstrap_interval,
)
from earlywarn.evaluation._outcomes import (
    OUTCOMES,
    match_outcomes,
)
from earlywarn.evaluation._predictions import (
    COLUMNS,
    FAILURE_COLUMNS,
    PREDICTIONS_FILE,
    from_long,
    groups_from_long,
    to_long,
)
from earlywarn.evaluation._recalibration import (
    MIN_SLOPE,
    apply_recalibration,
    published_recalibration,
    recalibrate_out_of_time,
    recalibration_block,
)
from earlywarn.evaluation._recompute import (
    evaluation_from_predictions,
    recompute_evaluation,
    settings_from_dict,
)
from earlywarn.evaluation._stability import list_stability
from earlywarn.evaluation._subgroups import (
    MIN_EVENTS,
    auroc_interval,
    subgroup_metrics,
    subgroup_table,
)
from earlywarn.evaluation._summary import (
    ANNOUNCED_SHARES,
    HEADLINE_SHARES,
    headline,
    headline_lines,
    headline_metric_values,
    headline_shares,
)
from earlywarn.evaluation._usefulness import (
    usefulness_block,
    usefulness_out_of_time,
)

__all__ = [
    "ANNOUNCED_SHARES",
    "HEADLINE_SHARES",
    "headline_shares",
    "headline",
    "headline_lines",
    "headline_metric_values",
    "SLOPE_RANGE",
    "probability_gate",
    "list_stability",
    "tier_of_rank",
    "FINANCE_TIER",
    "tier_words",
    "EvaluationSettings",
    "EvaluationRun",
    "evaluate_and_keep",
    "evaluate_backtest",
    "labels_known_at",
    "oracle_predictions",
    "run_evaluation",
    "target_rows",
    "MAX_SKIPPED_SHARE",
    "MIN_ORIGIN_EVENTS",
    "paired_differences",
    "published_list",
    "INTERVAL_COLUMNS",
    "bootstrap_probabilities",
    "council_bootstrap_interval",
    "OUTCOMES",
    "match_outcomes",
    "COLUMNS",
    "FAILURE_COLUMNS",
    "PREDICTIONS_FILE",
    "from_long",
    "groups_from_long",
    "to_long",
    "MIN_SLOPE",
    "apply_recalibration",
    "published_recalibration",
    "recalibrate_out_of_time",
    "recalibration_block",
    "evaluation_from_predictions",
    "recompute_evaluation",
    "settings_from_dict",
    "MIN_EVENTS",
    "auroc_interval",
    "subgroup_metrics",
    "subgroup_table",
    "usefulness_block",
    "usefulness_out_of_time",
]

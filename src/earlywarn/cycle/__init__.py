"""The cycle: prepare -> score_and_explain -> publish; score, explain, compare, demo.

The modules inside are private; import from ``earlywarn.cycle``.
"""

from __future__ import annotations

from earlywarn.cycle._compare import (
    COMPARISON_COLUMNS,
    SHOWN_METRICS,
    compare_cycles,
    comparison_files,
    comparison_lines,
    metric_change_words,
    origin_words,
    write_comparison,
)
from earlywarn.cycle._council import (
    CouncilReasons,
    explain_council,
    explain_published,
    resolve_council,
)
from earlywarn.cycle._cycle import (
    CycleResult,
    Prepared,
    Scored,
    prepare,
    run_cycle,
    score_and_explain,
)
from earlywarn.cycle._demo import (
    DEMO_CONFIGS,
    closing_lines,
    demo_config,
)
from earlywarn.cycle._inputs import (
    CycleInputs,
    load_cycle_data,
    load_feature_inputs,
)
from earlywarn.cycle._preflight import (
    check_existing_store,
    check_k_within,
    check_model_params,
    check_named_model,
    check_registry_name,
    check_tracking_store,
    check_two_classes,
    missing_family_warnings,
    preflight_cycle,
)
from earlywarn.cycle._publication import (
    Publication,
    publish_files,
)
from earlywarn.cycle._registered import (
    LoadedModel,
    load_registered,
)
from earlywarn.cycle._score import (
    ScoreResult,
    score_registered,
)
from earlywarn.cycle._steps import (
    DATA_REACH_SLACK,
    backtest_and_choose,
    compute_context,
    data_reach,
    fit_and_register,
    log_inputs,
    protocol_splits,
    published_recalibration_for,
    run_info_for,
    select_kind,
    stamp_identity,
)
from earlywarn.cycle._tail import TO_STORE, log_outputs, publish_tail

__all__ = [
    "TO_STORE",
    "log_outputs",
    "publish_tail",
    "CycleInputs",
    "COMPARISON_COLUMNS",
    "SHOWN_METRICS",
    "compare_cycles",
    "comparison_files",
    "comparison_lines",
    "metric_change_words",
    "origin_words",
    "write_comparison",
    "CouncilReasons",
    "explain_council",
    "explain_published",
    "resolve_council",
    "CycleResult",
    "Prepared",
    "Scored",
    "prepare",
    "run_cycle",
    "score_and_explain",
    "DEMO_CONFIGS",
    "closing_lines",
    "demo_config",
    "load_cycle_data",
    "load_feature_inputs",
    "check_existing_store",
    "check_k_within",
    "check_model_params",
    "check_named_model",
    "check_registry_name",
    "check_tracking_store",
    "check_two_classes",
    "missing_family_warnings",
    "preflight_cycle",
    "Publication",
    "publish_files",
    "LoadedModel",
    "load_registered",
    "ScoreResult",
    "score_registered",
    "DATA_REACH_SLACK",
    "backtest_and_choose",
    "data_reach",
    "compute_context",
    "fit_and_register",
    "log_inputs",
    "protocol_splits",
    "published_recalibration_for",
    "run_info_for",
    "select_kind",
    "stamp_identity",
]

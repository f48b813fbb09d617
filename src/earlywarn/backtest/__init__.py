"""THE rolling-origin backtest: the loop, its settings, training rows, and the protocol
(validation / confirmatory origins).

The modules inside are private; import from ``earlywarn.backtest``.
"""

from __future__ import annotations

from earlywarn.backtest._loop import (
    Split,
    backtest_targets,
    check_split,
    model_makers,
    rolling_origin_splits,
    split_rows,
)
from earlywarn.backtest._preregistration import (
    LOG_NAME,
    Preregistration,
    append_scoring,
    check_preregistered,
    preregistration_path,
    read_preregistration,
    read_protocol_log,
)
from earlywarn.backtest._protocol import (
    AFTER_CHOICE_KEYS,
    CONFIRMATORY,
    HELD_OUT_KEYS,
    SEEN,
    after_choice_block,
    beats_best_baseline,
    held_out_summary,
    settings_hash,
)
from earlywarn.backtest._settings import (
    LABEL_WORDS,
    MIN_P_INSPECTED,
    TARGET_WORDS,
    EvaluationSettings,
    describe,
    score_words,
)
from earlywarn.backtest._training import (
    TIMING_MODELS,
    TargetMap,
    Training,
    final_training,
    fit_model,
    fit_takes,
    fit_timing,
    timing_probability,
    to_targets,
    training_rates,
    training_rows,
    training_set,
    with_grades,
)

__all__ = [
    "TIMING_MODELS",
    "fit_timing",
    "TargetMap",
    "Training",
    "Split",
    "backtest_targets",
    "check_split",
    "model_makers",
    "rolling_origin_splits",
    "split_rows",
    "LOG_NAME",
    "Preregistration",
    "append_scoring",
    "check_preregistered",
    "preregistration_path",
    "read_preregistration",
    "read_protocol_log",
    "AFTER_CHOICE_KEYS",
    "CONFIRMATORY",
    "HELD_OUT_KEYS",
    "SEEN",
    "after_choice_block",
    "beats_best_baseline",
    "held_out_summary",
    "settings_hash",
    "LABEL_WORDS",
    "MIN_P_INSPECTED",
    "TARGET_WORDS",
    "EvaluationSettings",
    "describe",
    "score_words",
    "final_training",
    "fit_model",
    "fit_takes",
    "timing_probability",
    "to_targets",
    "training_rates",
    "training_rows",
    "training_set",
    "with_grades",
]

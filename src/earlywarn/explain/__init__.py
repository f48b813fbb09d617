"""Explanations: SHAP values -> tidy reasons -> sentences; the per-council signals table.

The modules inside are private; import from ``earlywarn.explain``.
"""

from __future__ import annotations

from earlywarn.explain._reasons import (
    CONTEXT_SHARE,
    GRADE_MARGIN,
    GRADE_WORDS,
    MARGIN_IQR,
    MIN_SHAP,
    Z_MATERIAL,
    ReasonFrame,
    context_note,
    fmt,
    passes,
    role,
    sentence,
)
from earlywarn.explain._shap import (
    EXACT_MAX_FEATURES,
    NATURE_MIN_LOG_ODDS,
    REASON_COLUMNS,
    Explanation,
    explain,
    explained_log_odds,
    group_sums,
    latest_periods,
    model_log_odds,
    shap_values,
)
from earlywarn.explain._signals import (
    SIGNAL_COLUMNS,
    build_signals,
)

__all__ = [
    "NATURE_MIN_LOG_ODDS",
    "CONTEXT_SHARE",
    "GRADE_MARGIN",
    "GRADE_WORDS",
    "MARGIN_IQR",
    "MIN_SHAP",
    "Z_MATERIAL",
    "ReasonFrame",
    "context_note",
    "fmt",
    "passes",
    "role",
    "sentence",
    "EXACT_MAX_FEATURES",
    "REASON_COLUMNS",
    "Explanation",
    "explain",
    "explained_log_odds",
    "group_sums",
    "latest_periods",
    "model_log_odds",
    "shap_values",
    "SIGNAL_COLUMNS",
    "build_signals",
]

"""Labels: failure events in the horizon after each origin, censoring, and the targets.

The modules inside are private; import from ``earlywarn.labels``.
"""

from __future__ import annotations

from earlywarn.labels._events import (
    CENSORING,
    CENSORING_WORDS,
    INSPECTION_LABELS,
    announced,
    failure_events,
    found_by_inspection,
    known_events,
    label_events,
    make_labels,
)
from earlywarn.labels._financial import (
    FINANCE_EVENT_TYPES,
    FINANCE_LOOKBACK_YEARS,
    finance_mask,
    financial_failure_events,
    financial_failure_labels,
    financial_labels_frame,
)
from earlywarn.labels._population import in_population
from earlywarn.labels._targets import (
    REFORM_START,
    REFORM_SUBJUDGEMENTS,
    SUBJUDGEMENT_COLUMNS,
    TARGET_KINDS,
    decline_events,
    next_grade,
    target_mask,
)

__all__ = [
    "INSPECTION_LABELS",
    "announced",
    "FINANCE_EVENT_TYPES",
    "FINANCE_LOOKBACK_YEARS",
    "finance_mask",
    "financial_failure_events",
    "financial_failure_labels",
    "financial_labels_frame",
    "in_population",
    "found_by_inspection",
    "CENSORING",
    "CENSORING_WORDS",
    "failure_events",
    "known_events",
    "label_events",
    "make_labels",
    "REFORM_START",
    "REFORM_SUBJUDGEMENTS",
    "SUBJUDGEMENT_COLUMNS",
    "TARGET_KINDS",
    "decline_events",
    "next_grade",
    "target_mask",
]

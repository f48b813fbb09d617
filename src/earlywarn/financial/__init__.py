"""The financial-failure outcome: labels, features as of each origin, baselines, evaluation.

Every principal council (districts included) at each origin; see
:func:`~earlywarn.financial._labels.financial_failure_labels` for the label rule and
:mod:`earlywarn.financial._features` for the finance family.
"""

from earlywarn.financial._baselines import BASELINES, MODEL_FEATURES, rank_features, rule_scores
from earlywarn.financial._evaluate import (
    FinanceBacktest,
    auroc_table,
    power_table,
    run_finance_backtest,
)
from earlywarn.financial._family import FAMILY_BUILDERS
from earlywarn.financial._features import (
    FEATURES,
    PREREGISTERED_SOURCES,
    STALE_AFTER_YEARS,
    build_finance_features,
    coverage_table,
    preregistered_inputs,
)
from earlywarn.financial._labels import failure_events, financial_failure_labels

__all__ = [
    "FAMILY_BUILDERS",
    "BASELINES",
    "FEATURES",
    "MODEL_FEATURES",
    "PREREGISTERED_SOURCES",
    "STALE_AFTER_YEARS",
    "FinanceBacktest",
    "auroc_table",
    "power_table",
    "rank_features",
    "rule_scores",
    "run_finance_backtest",
    "build_finance_features",
    "coverage_table",
    "preregistered_inputs",
    "failure_events",
    "financial_failure_labels",
]

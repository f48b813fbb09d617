"""Metrics for rolling-origin backtests of failure warnings.

Every function takes either arrays ``y`` (0/1 label) and ``p`` (predicted probability) or a
predictions frame ``pred`` with columns ``council_code``, ``origin`` (Timestamp), ``y``,
``p`` and an optional ``weight`` (rows may span several origins). scikit-learn supplies
AUROC (with McClish-standardised partial AUROC), average precision and the Brier score;
this package adds what it lacks, one idea a private module, all re-exported here:

- :mod:`~earlywarn.metrics`: precision, recall and lift at *k*, within-origin
  AUROC and AP;
- :mod:`~earlywarn.metrics`: the Murphy decomposition of the Brier score and
  logistic recalibration (calibration slope and intercept);
- :mod:`~earlywarn.metrics`: the policymaker's usefulness (Sarlin 2013) and the
  noise-to-signal ratio;
- :mod:`~earlywarn.metrics`: lead time and top-*k* stability;
- :mod:`~earlywarn.metrics`: the council-cluster bootstrap (one sampler for
  every interval earlywarn reports);
- :mod:`~earlywarn.metrics`: one JSON-ready summary, :func:`evaluate_predictions`.

A metric that is undefined on the data (one class only, nothing flagged) returns ``nan``,
never a warning; :func:`evaluate_predictions` turns ``nan`` into ``None``.

Ties in *p* are never broken by position or identifier: at the top-*k* cut the tied units
share the remaining places (:mod:`earlywarn.metrics`), so precision, recall and lift at *k*
are the expectation over all orders of the ties, and a constant score gets exactly the
chance level. The frame functions sort rows by ``(origin, council_code)`` only so that
row order never changes a floating-point sum.
"""

from __future__ import annotations

from earlywarn.metrics._bootstrap import (
    MAX_SKIPPED_SHARE,
    BootstrapCI,
    ClusterSampler,
    auroc_ci,
    bootstrap_ci,
    cluster_bootstrap,
    percentile_interval,
)
from earlywarn.metrics._calibration import (
    CLIP,
    brier_decomposition,
    calibration_slope_intercept,
    recalibration_newton,
)
from earlywarn.metrics._checks import PRED_COLUMNS
from earlywarn.metrics._over_origins import DAYS_PER_YEAR, flag_stability, lead_time
from earlywarn.metrics._ranking import (
    lift_at_k,
    precision_at_k,
    ranking_scores,
    recall_at_k,
    within_origin_scores,
)
from earlywarn.metrics._summary import MIN_ORIGIN_EVENTS, POOLED_METRICS, evaluate_predictions
from earlywarn.metrics._usefulness import noise_to_signal, usefulness, usefulness_curve

__all__ = [
    "CLIP",
    "DAYS_PER_YEAR",
    "MAX_SKIPPED_SHARE",
    "MIN_ORIGIN_EVENTS",
    "POOLED_METRICS",
    "PRED_COLUMNS",
    "BootstrapCI",
    "ClusterSampler",
    "auroc_ci",
    "bootstrap_ci",
    "brier_decomposition",
    "calibration_slope_intercept",
    "cluster_bootstrap",
    "evaluate_predictions",
    "flag_stability",
    "lead_time",
    "lift_at_k",
    "noise_to_signal",
    "percentile_interval",
    "precision_at_k",
    "ranking_scores",
    "recall_at_k",
    "recalibration_newton",
    "usefulness",
    "usefulness_curve",
    "within_origin_scores",
]

# satellites (private modules) re-exported
from earlywarn.metrics._topk import (
    top_k_share,
    top_k_share_by_origin,
)

__all__ = [*__all__, "top_k_share", "top_k_share_by_origin"]

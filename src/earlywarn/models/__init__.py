"""Named model specs -> unfitted sklearn Pipelines with their preprocessing inside.

Every model has the sklearn shape (``fit``, ``predict_proba``, ``classes_``) and is one
Pipeline, so the backtest, SHAP and MLflow see the same object.

- ``persistence``: the failure rate seen in training for the council's last inspection
  grade (the naive 'last judgement' baseline).
- ``red_flags``: a transparent count of configured red flags (``[feature, op, threshold]``)
  turned into the training failure rate for that count (never lower for more flags).
- ``logit``: median imputation with missing-value indicators, scaling, L2 logistic
  regression. Rare-events option ``rare_events``: ``"class_weight"`` (balanced weights)
  or ``"prior_correction"`` (balanced weights, then King & Zeng's (2001) prior correction
  of the intercept to the population rate ``tau``, default the training rate).
- ``hazard``: a discrete-time hazard logit (statsmodels GLM) with period effects (bins of
  ``period_feature``, by default the years since the last inspection) and the features
  as covariates (already lagged: each is as of its origin), standard errors clustered by
  council; its coefficient table is research output (:func:`coefficient_table`).
- ``ordinal``: a proportional-odds model of the next overall grade (1-4) on a short core
  of covariates, giving ``P(grade >= at_least)`` (:mod:`earlywarn.models`); the backtest
  fits it on the grades of the training windows, not only the binary label.
- ``gbm``: histogram gradient boosting (handles missing values itself), after dropping
  columns with no value in training; ``monotone = true`` (or a list of features) adds
  monotone constraints from the feature registry's direction (needs ``specs``).

Any kind takes ``features = [...]``: a pre-specified short list of columns (a model sized
for ~60 failures sees only the theory-driven features named in the config; the others
get SHAP value 0), and ``calibration = "isotonic" | "sigmoid"``: the classifier is wrapped in
:class:`TimeCalibratedClassifier`, which fits the calibrator on out-of-time predictions
for the last ``calibration_origins`` training origins (each predicted by a model trained
on earlier origins only, ``calibration_gap`` origins apart) — never random folds.

Example
-------
>>> m = make_model("logit")
>>> [name for name, _ in m.steps]
['impute', 'scale', 'clf']
"""

from __future__ import annotations

from earlywarn._names import MODEL_KINDS
from earlywarn.models.calibrated import TimeCalibratedClassifier
from earlywarn.models.hazard import HazardLogit
from earlywarn.models.logit import PriorCorrectedLogit
from earlywarn.models.preprocess import DropAllMissing, FillAllMissing
from earlywarn.models.registry import (
    FACTORIES,
    coefficient_table,
    default_params,
    make_model,
    trusted_types,
)
from earlywarn.models.simple import PersistenceClassifier, RedFlagsClassifier

__all__ = [
    "FACTORIES",
    "MODEL_KINDS",
    "DropAllMissing",
    "FillAllMissing",
    "HazardLogit",
    "PersistenceClassifier",
    "PriorCorrectedLogit",
    "RedFlagsClassifier",
    "TimeCalibratedClassifier",
    "coefficient_table",
    "default_params",
    "make_model",
    "trusted_types",
]

# satellites (private modules) re-exported
from earlywarn.models._baselines import (
    BASELINES,
    DEPRIVATION_FEATURE,
    TIMING_FEATURES,
    ColumnSubset,
    available_baselines,
    baseline_unavailable,
    make_baseline,
    make_timing_model,
)
from earlywarn.models._mixed import (
    MixedLogitClassifier,
    council_codes,
)
from earlywarn.models._ordinal import (
    OrdinalGradeClassifier,
    OrdinalRiskClassifier,
)
from earlywarn.models._timing import (
    PAUSES,
    InspectionHazard,
    hazard_timing,
    skill_summary,
    two_part_summary,
)

__all__ = [
    *__all__,
    "BASELINES",
    "DEPRIVATION_FEATURE",
    "TIMING_FEATURES",
    "ColumnSubset",
    "available_baselines",
    "baseline_unavailable",
    "make_baseline",
    "make_timing_model",
    "MixedLogitClassifier",
    "council_codes",
    "OrdinalGradeClassifier",
    "OrdinalRiskClassifier",
    "PAUSES",
    "InspectionHazard",
    "hazard_timing",
    "skill_summary",
    "two_part_summary",
]

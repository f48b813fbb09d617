"""earlywarn: early warning of service failure in English councils.

Nothing runs at import: the public names are re-exported lazily (PEP 562), so
``import earlywarn`` and ``earlywarn --help`` load no pandas, scikit-learn, MLflow or
source parser; heavy libraries are imported inside the functions that need them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from earlywarn import _compat

if TYPE_CHECKING:  # pragma: no cover
    from earlywarn.backtest import backtest_targets
    from earlywarn.config import load_config
    from earlywarn.cycle import (
        explain_council,
        prepare,
        run_cycle,
        score_and_explain,
        score_registered,
    )
    from earlywarn.errors import UserInputError
    from earlywarn.evaluation import recompute_evaluation
    from earlywarn.features import build_features
    from earlywarn.labels import make_labels
    from earlywarn.models import make_model
    from earlywarn.panel import build_panel
    from earlywarn.report import render_report
    from earlywarn.schema import Tables
    from earlywarn.sources.bundle import load_real_tables
    from earlywarn.synthetic import make_synthetic_councils

__all__ = [
    "Tables",
    "UserInputError",
    "__version__",
    "backtest_targets",
    "build_features",
    "build_panel",
    "explain_council",
    "load_config",
    "load_real_tables",
    "make_labels",
    "make_model",
    "make_synthetic_councils",
    "prepare",
    "recompute_evaluation",
    "render_report",
    "run_cycle",
    "score_and_explain",
    "score_registered",
]

__version__ = "0.1.0"

_compat.install()  # old module paths (saved models, old scripts) still import

_LAZY = {  # the verbs users call: load, build, make, score, explain, render
    "Tables": "earlywarn.schema",
    "UserInputError": "earlywarn.errors",
    "load_config": "earlywarn.config",
    "load_real_tables": "earlywarn.sources.bundle",
    "make_synthetic_councils": "earlywarn.synthetic",
    "build_panel": "earlywarn.panel",
    "build_features": "earlywarn.features",
    "make_labels": "earlywarn.labels",
    "make_model": "earlywarn.models",
    "backtest_targets": "earlywarn.backtest",
    "run_cycle": "earlywarn.cycle",
    "prepare": "earlywarn.cycle",
    "score_and_explain": "earlywarn.cycle",
    "score_registered": "earlywarn.cycle",
    "explain_council": "earlywarn.cycle",
    "render_report": "earlywarn.report",
    "recompute_evaluation": "earlywarn.evaluation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'earlywarn' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

"""Old module paths from before the wings (``earlywarn.ordinal`` ...) still import.

Models saved by earlier versions (pickle, joblib, skops) name their classes by module path,
e.g. ``earlywarn.ordinal.OrdinalRiskClassifier``; users' scripts may import
``earlywarn.council_reasons``. A finder on ``sys.meta_path`` answers each old name with the
module that now holds the code (the same module object, so classes compare equal). Nothing
is imported until an old name is asked for.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType

__all__ = ["OLD_PATHS", "install"]

#: module path before the wings -> where the code lives now
OLD_PATHS = {
    "earlywarn.bands": "earlywarn.report._bands",
    "earlywarn.baselines": "earlywarn.models._baselines",
    "earlywarn.compare": "earlywarn.cycle._compare",
    "earlywarn.config_checks": "earlywarn.config._checks",
    "earlywarn.council_reasons": "earlywarn.cycle._council",
    "earlywarn.cycle_steps": "earlywarn.cycle._steps",
    "earlywarn.demo": "earlywarn.cycle._demo",
    "earlywarn.evaluation_report": "earlywarn.report._evaluation_section",
    "earlywarn.evaluation_words": "earlywarn.report._words",
    "earlywarn.exports": "earlywarn.report._exports",
    "earlywarn.headline": "earlywarn.evaluation._headline",
    "earlywarn.inputs": "earlywarn.cycle._inputs",
    "earlywarn.intervals": "earlywarn.evaluation._intervals",
    "earlywarn.mixed": "earlywarn.models._mixed",
    "earlywarn.model_card": "earlywarn.report._model_card",
    "earlywarn.ordinal": "earlywarn.models._ordinal",
    "earlywarn.outcomes": "earlywarn.evaluation._outcomes",
    "earlywarn.predictions": "earlywarn.evaluation._predictions",
    "earlywarn.preflight": "earlywarn.cycle._preflight",
    "earlywarn.protocol": "earlywarn.backtest._protocol",
    "earlywarn.pseudonymise": "earlywarn.report._pseudonymise",
    "earlywarn.publication": "earlywarn.cycle._publication",
    "earlywarn.publish": "earlywarn.cycle._score",
    "earlywarn.readback": "earlywarn.io._readback",
    "earlywarn.reasons": "earlywarn.explain._reasons",
    "earlywarn.recalibrate": "earlywarn.evaluation._recalibration",
    "earlywarn.recompute": "earlywarn.evaluation._recompute",
    "earlywarn.registered": "earlywarn.cycle._registered",
    "earlywarn.report_text": "earlywarn.report._text",
    "earlywarn.results_md": "earlywarn.report._results_md",
    "earlywarn.settings": "earlywarn.backtest._settings",
    "earlywarn.signals": "earlywarn.explain._signals",
    "earlywarn.subgroups": "earlywarn.evaluation._subgroups",
    "earlywarn.synthetic_check": "earlywarn.synthetic._check",
    "earlywarn.targets": "earlywarn.labels._targets",
    "earlywarn.timing": "earlywarn.models._timing",
    "earlywarn.topk": "earlywarn.metrics._topk",
    "earlywarn.tracking_store": "earlywarn.tracking._store",
    "earlywarn.training": "earlywarn.backtest._training",
    "earlywarn.unfinished": "earlywarn.tracking._unfinished",
    "earlywarn.usefulness_oot": "earlywarn.evaluation._usefulness",
}
# the old modules that became wings of the same name (``earlywarn.cycle`` ...) need no
# alias: each package re-exports the old module's public names, classes included


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        sys.modules[spec.name] = module
        return module

    def exec_module(self, module: ModuleType) -> None:  # already executed as its new self
        return None


class _OldPaths(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object = None, target: object = None):
        new = OLD_PATHS.get(name)
        if new is None:
            return None
        return importlib.util.spec_from_loader(name, _Alias(new))


def install() -> None:
    """Put the old-path finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _OldPaths) for f in sys.meta_path):
        sys.meta_path.append(_OldPaths())

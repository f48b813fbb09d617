"""earlywarn: early warning of service failure in English councils.

Nothing runs at import: the public names are re-exported lazily (PEP 562), so
``import earlywarn`` and ``earlywarn --help`` load no pandas, scikit-learn, MLflow or
source parser; heavy libraries are imported inside the functions that need them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from earlywarn.errors import UserInputError
    from earlywarn.schema import Tables
    from earlywarn.sources.bundle import load_real_tables

__all__ = ["Tables", "UserInputError", "__version__", "load_real_tables"]

__version__ = "0.1.0"

_LAZY = {
    "Tables": "earlywarn.schema",
    "UserInputError": "earlywarn.errors",
    "load_real_tables": "earlywarn.sources.bundle",
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

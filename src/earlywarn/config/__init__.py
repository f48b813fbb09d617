"""The cycle config: one TOML file -> frozen dataclasses (sections), every value checked.

The modules inside are private; import from ``earlywarn.config``.
"""

from __future__ import annotations

from earlywarn.config._checks import (
    INT_LIMITS,
    check_config,
    check_uri_scheme,
    parse_horizon,
)
from earlywarn.config._sections import (
    ComputeConfig,
    CycleConfig,
    DataConfig,
    EvaluateConfig,
    FeaturesConfig,
    LabelsConfig,
    ModelsConfig,
    ReportConfig,
    TrackingConfig,
    load_config,
    parse_config,
)

__all__ = [
    "ComputeConfig",
    "INT_LIMITS",
    "check_config",
    "check_uri_scheme",
    "parse_horizon",
    "CycleConfig",
    "DataConfig",
    "EvaluateConfig",
    "FeaturesConfig",
    "LabelsConfig",
    "ModelsConfig",
    "ReportConfig",
    "TrackingConfig",
    "load_config",
    "parse_config",
]

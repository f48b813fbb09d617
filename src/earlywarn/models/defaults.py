"""Each model kind's default hyperparameters, read from ``configs/model_defaults.toml``
(package data): tuned values live in config files, not in code."""

from __future__ import annotations

import copy
import functools
import tomllib
from importlib import resources
from typing import Any

__all__ = ["default_params"]


@functools.cache
def _defaults() -> dict[str, dict[str, Any]]:
    text = resources.files("earlywarn").joinpath("configs/model_defaults.toml").read_text()
    return tomllib.loads(text)


def default_params(kind: str) -> dict[str, Any]:
    """A kind's default hyperparameters (a fresh copy; ``{}`` for a kind with none)."""
    return copy.deepcopy(_defaults().get(kind, {}))

"""Helpers the package's estimators share: binary targets, sklearn tags, shrunk rates."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def binary_tags(tags):
    tags.classifier_tags.multi_class = False
    tags.input_tags.allow_nan = True
    return tags


def binary_classes(y: Any, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a binary target; return ``(classes_, positive indicator as float)``."""
    from sklearn.utils.multiclass import check_classification_targets

    y = np.asarray(y)
    check_classification_targets(y)
    classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError(
            f"Only binary classification is supported. {who} got {len(classes)} class(es)."
        )
    return classes, (y == classes[1]).astype(float)


def shrunk_rates(key: np.ndarray, pos: np.ndarray, prior_strength: float) -> dict[float, float]:
    """Failure rate per key value, shrunk towards the overall rate by a pseudo-count."""
    base = float(pos.mean())
    return {
        float(k): float(
            (pos[key == k].sum() + prior_strength * base) / ((key == k).sum() + prior_strength)
        )
        for k in np.unique(key)
    }


def as_frame(X: Any, names: np.ndarray | None = None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    X = np.asarray(X, dtype=float)
    cols = list(names) if names is not None else [f"x{i}" for i in range(X.shape[1])]
    return pd.DataFrame(X, columns=cols)


def logodds(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))

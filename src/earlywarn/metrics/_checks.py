"""Input checks and small helpers shared by the metrics modules (not part of the API)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError

PRED_COLUMNS = ["council_code", "origin", "y", "p"]
NAN = float("nan")

ArrayLike = Sequence[float] | np.ndarray | pd.Series


def as_arrays(
    y: ArrayLike, p: ArrayLike, sample_weight: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and return float arrays ``y``, ``p`` and weights ``w`` (ones if absent)."""
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y and p differ in length: {y.size} != {p.size}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y must hold only 0 and 1")
    if not (np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()):
        raise ValueError("p must hold finite probabilities in [0, 1]")
    if sample_weight is None:
        w = np.ones_like(p)
    else:
        w = np.asarray(sample_weight, dtype=float).ravel()
        if w.shape != p.shape or not (np.isfinite(w).all() and (w >= 0).all()):
            raise ValueError("sample_weight must be finite, non-negative and as long as p")
    return y, p, w


def both_classes(y: np.ndarray, w: np.ndarray) -> bool:
    pos = float(w @ y)
    return pos > 0 and float(w.sum()) - pos > 0


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def check_mu(mu: float) -> float:
    if not 0.0 <= float(mu) <= 1.0:
        raise ValueError(f"mu must lie in [0, 1], got {mu!r}")
    return float(mu)


def ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else NAN


def check_pred(pred: pd.DataFrame, where: str = "pred") -> pd.DataFrame:
    """Validate a predictions frame; return a copy sorted by ``(origin, council_code)``."""
    missing = [c for c in PRED_COLUMNS if c not in pred.columns]
    if missing:
        raise UserInputError(
            f"{where}: missing column(s) {missing}; expected {PRED_COLUMNS} (+ optional weight)"
        )
    df = pred.reset_index(drop=True)
    for col in ("y", "p"):
        if df[col].isna().any():
            row = int(np.flatnonzero(df[col].isna().to_numpy())[0])
            raise UserInputError(f"{where}: row {row}, column '{col}': missing value")
    if not df["y"].isin([0, 1]).all():
        row = int(np.flatnonzero(~df["y"].isin([0, 1]).to_numpy())[0])
        raise UserInputError(f"{where}: row {row}, column 'y': expected 0 or 1")
    bad = ~df["p"].between(0.0, 1.0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise UserInputError(f"{where}: row {row}, column 'p': expected a probability in [0, 1]")
    if "weight" in df.columns and (df["weight"].isna() | (df["weight"] < 0)).any():
        raise UserInputError(f"{where}: column 'weight': expected non-negative numbers")
    df = df.assign(origin=pd.to_datetime(df["origin"]))
    if df.duplicated(["council_code", "origin"]).any():
        row = int(np.flatnonzero(df.duplicated(["council_code", "origin"]).to_numpy())[0])
        raise UserInputError(f"{where}: row {row}: duplicate (council_code, origin)")
    return df.sort_values(["origin", "council_code"], kind="stable").reset_index(drop=True)


def row_weights(df: pd.DataFrame) -> np.ndarray:
    if "weight" in df.columns:
        return df["weight"].to_numpy(dtype=float)
    return np.ones(len(df))

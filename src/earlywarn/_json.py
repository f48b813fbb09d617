"""Plain-JSON conversion shared by every stage that writes JSON."""

from __future__ import annotations

import math
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd


def to_jsonable(x: Any) -> Any:
    """Plain Python types; ``nan``/``inf`` -> ``None``; timestamps -> ISO date strings."""
    if isinstance(x, dict):
        return {str(key): to_jsonable(v) for key, v in x.items()}
    if isinstance(x, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in x]
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    if x is None or x is pd.NaT:
        return None
    if isinstance(x, pd.Timestamp | np.datetime64):
        return None if pd.isna(x) else pd.Timestamp(x).date().isoformat()
    if isinstance(x, str):
        return x
    if isinstance(x, PurePath):
        return str(x)
    raise TypeError(f"cannot make {type(x).__name__} JSON-serialisable")

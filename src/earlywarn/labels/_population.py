"""Who is in the population a model is trained and measured on: the one rule.

Three exclusions, all from the labels' own columns:

- ``new_failures_only``: a council already in a failed state at the origin
  (``failed_at_origin``) is left out; the list warns of new failures.
- ``uncensored``: a row whose window saw no inspection (``censored``) is left out; used for
  the conditional target (P(failing | inspected)) and when censored rows are dropped or
  re-weighted in training;
- always: a row whose label is not known (``ambiguous``: an imprecise event date that may
  fall either side of the origin or of the window's end, label kind ``financial_failure``)
  is neither trained on nor scored.

Example
-------
>>> import pandas as pd
>>> lab = pd.DataFrame({"failed_at_origin": [True, False, False],
...                     "censored": [False, True, False]})
>>> in_population(lab, new_failures_only=True).tolist()
[False, True, True]
>>> in_population(lab, new_failures_only=True, uncensored=True).tolist()
[False, False, True]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["in_population"]


def in_population(
    rows: pd.DataFrame, *, new_failures_only: bool, uncensored: bool = False
) -> np.ndarray:
    """Boolean mask (positional) of the rows in the population (module notes)."""
    keep = np.ones(len(rows), dtype=bool)
    if "ambiguous" in rows:
        keep &= ~rows["ambiguous"].astype(bool).to_numpy()
    if new_failures_only:
        keep &= ~rows["failed_at_origin"].astype(bool).to_numpy()
    if uncensored:
        keep &= ~rows["censored"].astype(bool).to_numpy()
    return keep

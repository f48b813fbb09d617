"""What every family builder receives for one origin, and how it hands back its columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from earlywarn.features._peers import Peers
from earlywarn.features.registry import FeatureSpec

NUMBER_WORDS = {1: "the last year", 2: "two years", 3: "three years", 4: "four years"}
NUMBER_WORDS.update({5: "five years", 6: "six years", 7: "seven years", 8: "eight years"})


def years_words(n: int) -> str:
    """'the last year', 'three years', '12 years'."""
    return NUMBER_WORDS.get(n, f"{n} years")


@dataclass
class OriginData:
    """Everything known at one origin, for the councils of the panel at that origin.

    Attributes
    ----------
    origin : Timestamp
    councils : Index
        Council codes (the row order of every array).
    cube : ndarray
        ``(council, measure, lag)`` values known at the origin (see
        :meth:`~earlywarn.features._series.ObservationIndex.cube`).
    measures : list of str
        Measures along the cube's second axis.
    selected : set of str
        Measures the config selected (the others in ``measures`` are helpers, such as a
        survey's sample size or the net spend that reserves are divided by).
    events : DataFrame
        Events dated (and published) on or before the origin.
    notes : DataFrame or None
        Soft-intelligence notes dated on or before the origin (no text column).
    peers : Peers
    config : FeaturesConfig
    observations : DataFrame or None
        The whole observations table (a family that reads it, such as ``finance_ranks``,
        keeps only the rows published by the origin).
    council_types : ndarray or None
        The council type of each council (row order of ``councils``).
    """

    origin: pd.Timestamp
    councils: pd.Index
    cube: np.ndarray
    measures: list[str]
    selected: set[str]
    events: pd.DataFrame
    notes: pd.DataFrame | None
    peers: Peers
    config: object
    observations: pd.DataFrame | None = None
    council_types: np.ndarray | None = None

    def history(self, measure: str) -> np.ndarray | None:
        """``(council, lag)`` history of ``measure``, or None if it is not in the data."""
        if measure not in self.measures:
            return None
        return self.cube[:, self.measures.index(measure), :]

    def years_ago(self, dates: pd.Series) -> pd.Series:
        """Age in years of each date at the origin."""
        return (self.origin - dates).dt.days / 365.25

    def per_council(self, values: pd.Series, fill: float = np.nan) -> np.ndarray:
        """A series indexed by council code -> array in council order."""
        return values.reindex(self.councils, fill_value=fill).to_numpy(dtype=float)


class Columns:
    """Feature columns and their specs, collected by a family builder."""

    def __init__(self) -> None:
        self.values: dict[str, np.ndarray] = {}
        self.specs: list[FeatureSpec] = []

    def add(self, spec: FeatureSpec, values) -> None:
        """Add one feature."""
        self.values[spec.name] = np.asarray(values, dtype=float)
        self.specs.append(spec)


def measure_spec(
    family: str,
    measure: str,
    info,
    name: str,
    label: str,
    unit: str = "",
    kind: str = "level",
    span: str = "",
    template: str = "",
    hw: bool | None = None,
    states: tuple[str, ...] = (),
) -> FeatureSpec:
    """Spec of a feature computed from ``measure`` (direction and nature from ``info``)."""
    hw = info.higher_is_worse if hw is None else hw
    return FeatureSpec(
        name,
        family,
        info.nature,
        hw,
        label,
        unit,
        kind,
        span,
        template,
        measure,
        info.reason_ok,
        states,
    )

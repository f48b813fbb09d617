"""Risk bands (the 3 x 3 likelihood x impact matrix) and the support matrix.

The matrix is the one regional improvement partnerships used for risk analysis (EMRIEP risk
analysis criteria, 2008): likelihood and impact each fall in one of three bands (1 low,
2 medium, 3 high) and the cell's score is ``3 * (impact - 1) + likelihood``, so 9 is high
impact and high likelihood, 7 high impact and low likelihood, 3 low impact and high
likelihood, 1 low on both. Each score carries the partnership's own wording (:data:`WORDING`)
and an action tier (:data:`ACTIONS`: 9 immediate action, 7-8 key risk, 4-6 monitor,
1-3 no action / ensure properly managed).

- **Likelihood** comes from the published (calibrated) probability and two thresholds
  ``[low/medium, medium/high]`` from the config.
- **Impact** starts from the criticality of the service the warning is about (1-3, config)
  and moves one band up for a large council and one band down for a small one (size from a
  measure such as net revenue expenditure, with two thresholds from the config); a council
  of unknown size keeps the service's criticality. Clipped to 1-3.

**Evidence bands** (:func:`build_evidence_bands`, what the published list uses):

- **Likelihood** from the published probability *relative to the base rate* (the share of
  inspected councils judged inadequate in the training windows): **high** when the
  probability is at least ``ratios[1]`` (1.5) times the base rate *and* the lower end of
  its interval is above the base rate; **medium** when it is at least ``ratios[0]`` (1.0)
  times the base rate (or high on the point but not on the interval); **low** otherwise.
  A council the model ranks in its top *k* is at least **medium**: the list is a ranking,
  and those are the councils a partnership would talk to first.
- **Impact** from a measure of consequence, not of size: by default the rate of children
  looked after per 10,000 children (DfE, *Children looked after in England including
  adoptions*, table of rates per 10,000 children under 18): how many children depend on
  the service for each child in the area. Thirds of the councils scored at that date:
  low, medium, high; a council without a figure is medium.
- One column, ``risk_band``, carries the partnership's wording of the cell
  (:data:`WORDING`); its first words are the action: only score 1 (low impact, low
  likelihood) reads "No action necessary".

The **support matrix** maps each problem nature (financial, capacity, capability,
political) to the kinds of support usually offered; the config may replace it.

Example
-------
>>> import pandas as pd
>>> b = build_bands(pd.Series([0.02, 0.3]), pd.Series([900.0, float("nan")]),
...                 likelihood_thresholds=(0.1, 0.25), criticality=3,
...                 size_thresholds=(300.0, 700.0))
>>> b["risk_score"].tolist()
[7, 9]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "ACTIONS",
    "BAND_NAMES",
    "DEFAULT_SUPPORT",
    "WORDING",
    "build_bands",
    "build_evidence_bands",
    "latest_measure",
    "likelihood_by_rank",
    "risk_score",
    "support_for",
]

BAND_NAMES = {1: "low", 2: "medium", 3: "high"}

# the partnership's wording of each cell, score -> text (EMRIEP risk analysis criteria)
WORDING = {
    9: "Immediate action needed – serious threat to provision and/or achievement of key "
    "services or duties",
    8: "Key risk – may potentially affect provision of key services or duties",
    7: "Important risks – may potentially affect provision of key services or duties",
    6: "Key risks – may potentially affect provision of key services or duties",
    5: "Monitor as necessary – less important but could still have a serious effect on the "
    "provision of key services or duties",
    4: "Monitor as necessary – less important but still could have a serious effect on the "
    "provision of key services or duties",
    3: "Monitor as necessary – less important but still could have a serious effect on the "
    "provision of key services or duties",
    2: "Monitor as necessary – ensure being properly managed",
    1: "No action necessary",
}

ACTIONS = {
    9: "immediate action needed",
    8: "key risk",
    7: "key risk",
    6: "monitor as necessary",
    5: "monitor as necessary",
    4: "monitor as necessary",
    3: "no action necessary / ensure properly managed",
    2: "no action necessary / ensure properly managed",
    1: "no action necessary / ensure properly managed",
}

DEFAULT_SUPPORT: dict[str, tuple[str, ...]] = {
    "financial": ("finance peer review", "financial resilience diagnostic"),
    "capacity": ("sector-led improvement support", "workforce and recruitment support"),
    "capability": ("interim management or secondment", "practice improvement partner"),
    "political": ("political peer mentoring", "leadership peer challenge"),
}


def _band(x: pd.Series, thresholds: Sequence[float]) -> pd.Series:
    lo, hi = thresholds
    v = x.to_numpy(dtype=float)
    out = np.where(v >= hi, 3, np.where(v >= lo, 2, 1))
    return pd.Series(out, index=x.index, dtype="int64")


def risk_score(likelihood: int, impact: int) -> int:
    """The matrix score (1-9) of a likelihood band and an impact band (each 1-3)."""
    if likelihood not in (1, 2, 3) or impact not in (1, 2, 3):
        raise ValueError(f"bands must be 1, 2 or 3 (got {likelihood}, {impact})")
    return 3 * (impact - 1) + likelihood


def build_bands(
    probability: pd.Series,
    size: pd.Series,
    likelihood_thresholds: Sequence[float] = (0.10, 0.25),
    criticality: int = 3,
    size_thresholds: Sequence[float] = (300.0, 700.0),
) -> pd.DataFrame:
    """Likelihood band, impact band, matrix score and wording for each council.

    Parameters
    ----------
    probability : Series
        Published probability per council.
    size : Series
        The size measure per council, aligned with ``probability`` (NaN = unknown).
    likelihood_thresholds : (float, float)
        Probabilities at which likelihood becomes medium and high.
    criticality : int
        The service's criticality, 1 (low) to 3 (high).
    size_thresholds : (float, float)
        Sizes at which a council counts as medium and large.

    Returns
    -------
    DataFrame
        ``likelihood_band, impact_band`` (low/medium/high), ``risk_score`` (1-9),
        ``risk_action`` and ``risk_wording``, indexed like ``probability``.
    """
    likelihood = _band(probability, likelihood_thresholds)
    size_band = _band(size.reindex(probability.index), size_thresholds)
    size_band[size.reindex(probability.index).isna().to_numpy()] = 2
    impact = (criticality + size_band - 2).clip(1, 3)
    score = 3 * (impact - 1) + likelihood
    return pd.DataFrame(
        {
            "likelihood_band": likelihood.map(BAND_NAMES),
            "impact_band": impact.map(BAND_NAMES),
            "risk_score": score.astype("int64"),
            "risk_action": score.map(ACTIONS),
            "risk_wording": score.map(WORDING),
        },
        index=probability.index,
    )


IMPACT_SOURCE = {
    "cla_rate_per_10k": "children looked after per 10,000 children (DfE, Children looked "
    "after in England including adoptions)",
}


def build_evidence_bands(
    probability: pd.Series,
    base_rate: float,
    impact: pd.Series,
    *,
    lower: pd.Series | None = None,
    ratios: Sequence[float] = (1.0, 1.5),
    top_k: int = 0,
) -> pd.DataFrame:
    """Likelihood from the probability against the base rate, impact from thirds of a
    consequence measure, the matrix score and the partnership's wording (module notes).

    Parameters
    ----------
    probability : Series
        Published probability per council (index: council code).
    base_rate : float
        The failure rate the probability is measured against (same target).
    impact : Series
        The consequence measure per council (NaN = unknown: medium impact).
    lower : Series, optional
        The lower end of each probability's interval.
    ratios : (float, float)
        Probability / base rate at which likelihood becomes medium and high.
    top_k : int
        The councils ranked 1..k by probability are at least medium likelihood.

    Returns
    -------
    DataFrame
        ``likelihood_ratio, likelihood_band, impact_value, impact_band, risk_score,
        risk_band`` indexed like ``probability``.

    Example
    -------
    >>> p = pd.Series([0.05, 0.12, 0.40], index=["a", "b", "c"])
    >>> b = build_evidence_bands(p, 0.1, pd.Series([30.0, 60.0, 90.0], index=p.index),
    ...                          lower=pd.Series([0.01, 0.05, 0.2], index=p.index), top_k=1)
    >>> b["likelihood_band"].tolist(), b["risk_score"].tolist()
    (['low', 'medium', 'high'], [1, 5, 9])
    """
    if not base_rate > 0:
        raise ValueError(f"base_rate must be positive (got {base_rate})")
    ratio = probability.astype(float) / base_rate
    lik = likelihood_by_rank(probability, base_rate, ratios, top_k, lower)
    imp_v = impact.reindex(probability.index).astype(float)
    known = imp_v.dropna()
    if len(known) >= 3:
        lo, hi = known.quantile([1 / 3, 2 / 3])
        imp = np.where(imp_v >= hi, 3, np.where(imp_v >= lo, 2, 1))
    else:
        imp = np.full(len(imp_v), 2)
    imp = np.where(imp_v.isna(), 2, imp)
    score = 3 * (imp - 1) + lik
    return pd.DataFrame(
        {
            "likelihood_ratio": ratio.round(2),
            "likelihood_band": pd.Series(lik, index=probability.index).map(BAND_NAMES),
            "impact_value": imp_v.round(1),
            "impact_band": pd.Series(imp, index=probability.index).map(BAND_NAMES),
            "risk_score": pd.Series(score, index=probability.index).astype("int64"),
            "risk_band": pd.Series(score, index=probability.index).map(WORDING),
        },
        index=probability.index,
    )


def likelihood_by_rank(
    probability: pd.Series,
    base_rate: float,
    ratios: Sequence[float] = (1.0, 1.5),
    top_k: int = 0,
    lower: pd.Series | None = None,
) -> np.ndarray:
    """Likelihood bands (1 low, 2 medium, 3 high) that agree with the ranking: the one rule
    behind every band shown (list, ``explain``, ``explain --model``, XLSX, notebooks).

    Medium from ``ratios[0]`` times the base rate, high from ``ratios[1]`` times it (with
    ``lower``, also the interval's lower end above the base rate), the top ``top_k`` at
    least medium; then, walking down the ranking (probability, ties by position), no
    council is more likely than one ranked above it, so a lower rank never gets a more
    urgent band than a higher rank on the same impact.

    >>> p = pd.Series([0.5, 0.4, 0.3], index=["a", "b", "c"])
    >>> likelihood_by_rank(p, 0.2, lower=pd.Series([0.1, 0.3, 0.3], index=p.index)).tolist()
    [2, 2, 2]
    """
    ratio = probability.astype(float).to_numpy() / base_rate
    lik = np.where(ratio >= ratios[0], 2, 1)
    high = ratio >= ratios[1]
    if lower is not None:
        high &= lower.reindex(probability.index).astype(float).fillna(-1.0).to_numpy() > base_rate
    lik = np.where(high, 3, lik)
    order = np.argsort(-probability.astype(float).to_numpy(), kind="stable")
    if top_k > 0:
        lik[order[:top_k]] = np.maximum(lik[order[:top_k]], 2)
    lik[order] = np.minimum.accumulate(lik[order])
    return lik


def latest_measure(observations: pd.DataFrame, measure: str, origin: pd.Timestamp) -> pd.Series:
    """Each council's latest value of ``measure`` known at ``origin`` (e.g. its size)."""
    from earlywarn.panel import asof_observations

    known = asof_observations(observations[observations["measure"] == measure], origin)
    latest = known.sort_values("period", kind="stable").groupby("council_code").last()
    return latest["value"].astype(float).rename(measure)


def support_for(natures: Sequence[str], matrix: Mapping[str, Sequence[str]]) -> str:
    """The kinds of support for the given problem natures, in order, without repeats.

    >>> support_for(["financial", "political"], DEFAULT_SUPPORT)[:39]
    'finance peer review; financial resilien'
    """
    seen: list[str] = []
    for nature in natures:
        for kind in matrix.get(nature, ()):
            if kind not in seen:
                seen.append(kind)
    return "; ".join(seen)

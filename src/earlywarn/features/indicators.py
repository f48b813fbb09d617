"""Indicator trends, as of the origin, for every service indicator measure.

Per measure ``m`` (direction respected through the measure's ``higher_is_worse``):

- ``m``: latest level; ``m_chg_1y`` and ``m_chg_{k}y``: change over one and ``k`` periods;
- ``m_slope_{w}y``: least-squares slope per year over the latest ``w`` periods;
- ``m_vol_{v}y``: standard deviation of the year-on-year changes over ``v`` periods;
- ``m_peer_pctile`` and ``m_peer_robust_z``: position of the level among peers
  (statistical neighbours where given, else council type);
- ``m_coasting_{k}y``: 1 when the council did not improve over ``k`` periods while its
  peers' median change was an improvement, 0 otherwise, NaN when either is unknown.

Across measures with a known direction: ``indicators_worsened_1y_count`` and
``indicators_worsened_share`` (direction of travel), ``indicators_coasting_count``, and
``indicators_data_available_pct`` (share of the indicators published by the origin that
have a recent figure for the council; see :func:`data_available_pct`).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from earlywarn.features._base import Columns, OriginData, measure_spec, years_words
from earlywarn.features._series import slope_rows, volatility_rows
from earlywarn.features.registry import FeatureSpec, measure_info

FAMILY = "indicators"


def coasting(change_worse: np.ndarray, peer_median_change_worse: np.ndarray) -> np.ndarray:
    """1 where the council did not improve while its peers' median improved, else 0.

    Both arguments are oriented so that positive means worse. NaN where either is NaN.

    Example
    -------
    >>> coasting(np.array([0.0, -1.0, 2.0, np.nan]), np.array([-0.5, -0.5, 0.5, -1.0]))
    array([ 1.,  0.,  0., nan])
    """
    flag = (change_worse >= 0) & (peer_median_change_worse < 0)
    return np.where(np.isnan(change_worse) | np.isnan(peer_median_change_worse), np.nan, flag)


def data_available_pct(H: np.ndarray) -> np.ndarray:
    """Share (%) of the measures published by the origin that have a latest value per row.

    ``H`` is ``(council, measure, lag)`` as known at the origin. A measure with no value
    for any council at any lag was not yet published (or is stale) and is not counted,
    so a measure first published after the origin cannot change the share. NaN where no
    measure is published.

    Example
    -------
    >>> H = np.array([[[1.0, 1.0], [np.nan, np.nan], [np.nan, 2.0]],
    ...               [[np.nan, 1.0], [np.nan, np.nan], [3.0, 2.0]]])
    >>> data_available_pct(H)
    array([50., 50.])
    """
    published = ~np.isnan(H).all(axis=(0, 2))
    if not published.any():
        return np.full(H.shape[0], np.nan)
    return 100 * (~np.isnan(H[:, published, 0])).mean(axis=1)


def build(d: OriginData) -> Columns:
    """Indicator features for one origin."""
    cfg = d.config
    k, w, v = cfg.change_periods, cfg.slope_periods, cfg.volatility_periods
    out = Columns()
    measures = [m for m in d.measures if m in d.selected and measure_info(m).family == FAMILY]
    if not measures:
        return out
    infos = [measure_info(m) for m in measures]
    H = d.cube[:, [d.measures.index(m) for m in measures], :]
    level = H[:, :, 0]
    chg1 = level - H[:, :, 1]
    chgk = level - H[:, :, k]
    slopes = slope_rows(H[:, :, :w])
    vols = volatility_rows(H[:, :, :v])
    pct, z = d.peers.compare(level)
    sign = np.array([1.0 if i.higher_is_worse else -1.0 for i in infos])
    known = np.array([i.direction_known for i in infos])
    worse_k = sign * chgk
    coast = coasting(worse_k, d.peers.median(worse_k))
    for j, (m, info) in enumerate(zip(measures, infos, strict=True)):
        lab = info.label
        pts = " points" if info.unit == "%" else info.unit

        spec = partial(measure_spec, FAMILY, m, info)

        out.add(spec(m, lab, info.unit), level[:, j])
        out.add(spec(f"{m}_chg_1y", lab, pts, "change", years_words(1)), chg1[:, j])
        out.add(spec(f"{m}_chg_{k}y", lab, pts, "change", years_words(k)), chgk[:, j])
        out.add(
            spec(
                f"{m}_slope_{w}y",
                f"the yearly trend in {lab}",
                pts,
                "change",
                years_words(w),
                "{Label} over "
                + years_words(w)
                + " is {value} a year; similar councils' median trend is {peer} a year.",
            ),
            slopes[:, j],
        )
        out.add(
            spec(
                f"{m}_vol_{v}y",
                f"the year-to-year swing in {lab} (standard deviation of yearly changes "
                f"over {years_words(v)})",
                pts,
                hw=True,
            ),
            vols[:, j],
        )
        out.add(spec(f"{m}_peer_pctile", lab, "", "percentile"), pct[:, j])
        out.add(spec(f"{m}_peer_robust_z", lab, "", "robust_z"), z[:, j])
        if known[j]:
            out.add(
                spec(
                    f"{m}_coasting_{k}y",
                    f"coasting on {lab} (no improvement over {years_words(k)} while similar "
                    "councils improved)",
                    "",
                    "flag",
                    hw=True,
                    states=(
                        f"{lab} was not coasting over {years_words(k)} (it improved, or similar "
                        "councils did not)",
                        f"{lab} did not improve over {years_words(k)} while similar councils "
                        "improved (coasting)",
                    ),
                ),
                coast[:, j],
            )
    worse1 = (sign * chg1)[:, known]
    counted = (~np.isnan(worse1)).sum(axis=1)
    worsened = (worse1 > 0).sum(axis=1).astype(float)
    none = counted == 0
    coast_known = coast[:, known]
    out.add(
        FeatureSpec(
            "indicators_worsened_1y_count",
            FAMILY,
            "capability",
            True,
            "service indicators that worsened in the latest year",
            "",
            "count",
        ),
        np.where(none, np.nan, worsened),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 100 * worsened / counted
    out.add(
        FeatureSpec(
            "indicators_worsened_share",
            FAMILY,
            "capability",
            True,
            "the share of service indicators that worsened in the latest year",
            "%",
        ),
        np.where(none, np.nan, share),
    )
    coast_n = (coast_known == 1).sum(axis=1).astype(float)
    out.add(
        FeatureSpec(
            "indicators_coasting_count",
            FAMILY,
            "capability",
            True,
            f"service indicators coasting (no improvement over {years_words(k)} while similar "
            "councils improved)",
            "",
            "count",
        ),
        np.where(np.isnan(coast_known).all(axis=1), np.nan, coast_n),
    )
    out.add(
        FeatureSpec(
            "indicators_data_available_pct",
            FAMILY,
            "capability",
            False,
            "the share of service indicators with a recent published figure",
            "%",
        ),
        data_available_pct(H),
    )
    return out

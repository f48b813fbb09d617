"""Satisfaction, as of the origin, for every satisfaction measure.

Measures: resident satisfaction where a user supplies it (:mod:`earlywarn.sources.optional`)
and, on the real panel, the Adult Social Care Survey and carers' survey measures from Oflog
(users of the council's adult social care and carers known to it - not residents at large).

Per measure (prefix: the name without ``_pct``; ``satisfaction`` for
``resident_satisfaction_pct``, whose features keep the short names the red-flag baseline
uses):

- ``<p>_pct``: latest level; ``<p>_chg_1y_pp``: change since the previous survey (the
  year before, or two years before for a biennial survey such as the carers' survey);
- ``<p>_drop_from_peak_pp``: fall from the council's own peak over the last ``peak``
  periods (0 at the peak);
- ``<p>_chg_vs_peers_pp``: the council's change minus its peers' median change;
- with a sample size (the measure's ``sample_size``, e.g. ``resident_satisfaction_n``):
  ``<p>_chg_1y_z``, the change over its survey standard error
  ``100 * sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0)``, and ``<p>_drop_beyond_noise``,
  1 when the change is worse than ``noise_z`` standard errors, else 0 (NaN without a
  sample size);
- without a sample size (Oflog publishes none): ``<p>_drop_beyond_noise`` is 1 when the
  change since the previous survey is worse than ``noise_z`` robust standard deviations
  (1.4826 x MAD) of all councils' changes at the origin - a fall larger than the usual
  year-to-year movement - else 0 (NaN where the change is unknown).
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from earlywarn.features._base import Columns, OriginData, measure_spec, years_words
from earlywarn.features.registry import measure_info

FAMILY = "satisfaction"
PREFIX = {"resident_satisfaction_pct": "satisfaction"}  # short names used by the red flags


def survey_change_z(p1: np.ndarray, n1: np.ndarray, p0: np.ndarray, n0: np.ndarray):
    """Change from ``p0`` to ``p1`` (percentages) over its sampling standard error.

    Example
    -------
    >>> round(float(survey_change_z(np.array([45.0]), np.array([1000.0]),
    ...                             np.array([50.0]), np.array([1000.0]))[0]), 2)
    -2.24
    """
    a, b = p1 / 100, p0 / 100
    with np.errstate(invalid="ignore", divide="ignore"):
        se = 100 * np.sqrt(a * (1 - a) / n1 + b * (1 - b) / n0)
        z = (p1 - p0) / np.where(se > 0, se, np.nan)
    bad = (n1 <= 0) | (n0 <= 0)
    return np.where(bad, np.nan, z)


def build(d: OriginData) -> Columns:
    """Satisfaction features for one origin."""
    cfg = d.config
    out = Columns()
    sizes = {measure_info(m).sample_size for m in d.measures}
    for m in d.measures:
        info = measure_info(m)
        if info.family != FAMILY or m not in d.selected or m in sizes:
            continue
        p = PREFIX.get(m, m.removesuffix("_pct"))
        pp = "_pp" if info.unit == "%" else ""
        pts = " points" if info.unit == "%" else info.unit
        sign = 1.0 if info.higher_is_worse else -1.0
        H = d.history(m)
        prev = np.where(np.isnan(H[:, 1]), H[:, 2], H[:, 1]) if H.shape[1] > 2 else H[:, 1]
        level, chg = H[:, 0], H[:, 0] - prev
        oriented = sign * H[:, : cfg.peak_periods]  # higher = worse
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            drop = sign * level - np.nanmin(oriented, axis=1)  # 0 at the best value
        vs_peers = chg - d.peers.median(chg[:, None])[:, 0]

        spec = partial(measure_spec, FAMILY, m, info)

        out.add(spec(f"{p}_pct" if pp else m, info.label, info.unit), level)
        out.add(spec(f"{p}_chg_1y{pp}", info.label, pts, "change", years_words(1)), chg)
        out.add(
            spec(
                f"{p}_drop_from_peak{pp}",
                f"the fall in {info.label} from its best in the last "
                f"{years_words(cfg.peak_periods)}",
                pts,
                hw=True,
            ),
            drop,
        )
        out.add(
            spec(
                f"{p}_chg_vs_peers{pp}",
                f"the latest change in {info.label} against similar councils' change",
                pts,
                template="Over the last year {label} changed by {value} more than the median "
                "change in similar councils.",
            ),
            vs_peers,
        )
        if not info.sample_size:
            ok = ~np.isnan(chg)
            spread = np.nan
            if ok.sum() >= 5:
                spread = 1.4826 * np.median(np.abs(chg[ok] - np.median(chg[ok])))
            flag = np.where(~ok | ~(spread > 0), np.nan, sign * chg > cfg.noise_z * spread)
            out.add(
                spec(
                    f"{p}_drop_beyond_noise",
                    f"a fall in {info.label} larger than the usual year-to-year movement "
                    "across councils",
                    "",
                    "flag",
                    hw=True,
                    states=(
                        f"{info.label} fell no more than the usual year-to-year movement "
                        "across councils at the latest survey",
                        f"{info.label} fell by more than the usual year-to-year movement "
                        "across councils at the latest survey",
                    ),
                ),
                flag,
            )
        elif info.sample_size in d.measures and info.unit == "%":
            N = d.history(info.sample_size)
            z = survey_change_z(H[:, 0], N[:, 0], H[:, 1], N[:, 1])
            out.add(
                spec(
                    f"{p}_chg_1y_z",
                    f"the latest change in {info.label} in survey standard errors",
                    "",
                ),
                z,
            )
            flag = np.where(np.isnan(z), np.nan, sign * z > cfg.noise_z)
            out.add(
                spec(
                    f"{p}_drop_beyond_noise",
                    f"a worsening in {info.label} larger than survey noise",
                    "",
                    "flag",
                    hw=True,
                    states=(
                        f"{info.label} worsened no more than survey noise at the latest survey",
                        f"{info.label} worsened by more than survey noise at the latest survey",
                    ),
                ),
                flag,
            )
    return out

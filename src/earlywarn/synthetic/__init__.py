"""Synthetic councils with a known true risk: the project's ground truth.

:func:`make_synthetic_councils` simulates, month by month, a hidden *organisational
health* for every council and lets everything else follow from it:

- **health** = council baseline (worse where deprivation is higher) + a slow *decline*
  component (some councils drift down for 1.5–3.5 years, then recover) + a fast
  mean-reverting AR(1) component with occasional negative shocks − *leadership churn*.
- **leadership changes** (chief executive, DCS, leader; permanent or interim) are more
  likely when health is low, and each change adds churn that depresses health for about
  a year.
- **inspections** of children's services are scheduled 36–48 months after the last one
  (uniform), plus rarer risk-triggered inspections when health is low. The grade
  (1 outstanding .. 4 inadequate) is noisy bad health at the inspection. An inadequate
  grade is often followed by an intervention, which starts a recovery.
- **annual observations** (period = 31 March) are noisy functions of health: *leading*
  indicators read recent health and the direction of any decline, *lagging* ones read
  health a year earlier; ``noise_index`` reads nothing. Finance follows a reserves
  balance that depletes while health is low; a financial notice may follow when it is
  nearly exhausted.
- one **reorganisation**: two councils are abolished on 1 April (2019 when the span
  allows) and merged into a new code.

``true_risk`` is the oracle: for each council and origin it simulates the same process
forward from the council's hidden state at the origin (health components, churn, months
since the last inspection) and reports the probabilities of an inadequate inspection,
of any inspection, and of failure given inspection within the horizon.

Example
-------
>>> from earlywarn.synthetic import make_synthetic_councils
>>> data = make_synthetic_councils(n_councils=20, start_year=2010, end_year=2016, seed=1)
>>> sorted(data.true_risk.columns)
['p_fail', 'p_fail_given_inspected', 'p_inspected']
>>> data.truth["rereferral_pct"]["role"]
'leading'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from earlywarn.schema import (
    Tables,
    validate_tables,
)
from earlywarn.synthetic.dynamics import (
    _LINEAR,
    _OTHER,
    _REALISTIC_DYNAMICS,
    _REALISTIC_LATE,
    _REALISTIC_SIGNAL,
    BURN_IN_YEARS,
    COUNCIL_TYPES,
    PAUSE,
    PRESETS,
    _Dynamics,
)
from earlywarn.synthetic.oracle import _oracle, _truth
from earlywarn.synthetic.tables import (
    _events_table,
    _latent,
    _notice_events,
    _observations,
)
from earlywarn.synthetic.world import (
    _make_councils,
    _simulate_world,
)

__all__ = ["PRESETS", "SyntheticCouncils", "make_synthetic_councils"]


@dataclass(frozen=True)
class SyntheticCouncils:
    """Synthetic core tables together with the truth that generated them.

    Attributes
    ----------
    tables : Tables
        ``councils``, ``observations`` and ``events``; :func:`~earlywarn.schema.validate_tables`
        passes on them.
    true_risk : pandas.DataFrame
        Indexed by ``(council_code, origin)`` for every council existing at every origin
        (31 March, ``start_year + 2`` .. ``end_year``); columns ``p_fail`` (an inadequate
        inspection dated in ``(origin, origin + horizon]``), ``p_inspected`` (any
        inspection in that window) and ``p_fail_given_inspected`` (NaN when
        ``p_inspected`` is 0). Computed by Monte-Carlo from the hidden state at the origin.
    latent : pandas.DataFrame
        ``council_code, date, health``: the hidden monthly health (month ends, while the
        council exists; higher is healthier).
    truth : dict
        For each measure, ``{"role": "leading" | "lagging" | "noise" | "context",
        "higher_is_worse", "family", "nature", "publication", "effect"}``; plus the keys
        ``"dynamics"`` (all process parameters), ``"reorganisation"`` and ``"oracle"``.
        Measures are the entries that carry a ``"role"``.
    horizon_months : int
        The horizon ``true_risk`` refers to.
    """

    tables: Tables
    true_risk: pd.DataFrame
    latent: pd.DataFrame
    truth: dict
    horizon_months: int


# --------------------------------------------------------------------------------------
# The monthly process (shared by the world and the oracle)


# --------------------------------------------------------------------------------------
# Councils


# --------------------------------------------------------------------------------------
# The world


# --------------------------------------------------------------------------------------
# The oracle


# --------------------------------------------------------------------------------------
# Observations


# --------------------------------------------------------------------------------------
# Public entry point


def make_synthetic_councils(
    n_councils: int = 150,
    start_year: int = 2008,
    end_year: int = 2024,
    seed: int = 0,
    horizon_months: int = 24,
    n_oracle_sims: int = 200,
    preset: str = "easy",
) -> SyntheticCouncils:
    """Simulate councils, their signals and inspections, with the true risk of failure.

    Parameters
    ----------
    n_councils : int, default 150
        Councils at the start (two of them merge into one new council, so there are
        ``n_councils + 1`` codes). At least 3.
    start_year, end_year : int
        First and last observation period (31 March). Data run to 31 December of
        ``end_year``; origins are 31 March of ``start_year + 2`` .. ``end_year``.
    seed : int
        Seed for :class:`numpy.random.Generator`; the same seed gives identical output.
    horizon_months : int, default 24
        Horizon of ``true_risk``.
    n_oracle_sims : int, default 200
        Monte-Carlo paths per council and origin for ``true_risk``.
    preset : {"easy", "realistic"}, default "easy"
        ``"easy"``: strong, complete, stationary signals (fast skeleton tests).
        ``"realistic"``: as hard as the real panel — measures' effects scaled down and
        their noise up, a third of the measures (and the deprivation index) starting 3-6
        years after the panel begins, a looser inspection schedule, an 'inadequate' cut
        that rises every year (failures decline) and no inspections from April 2020 to
        March 2021. The oracle stays exact (the time-varying dynamics are in its state).
        ``benchmarks/realistic_properties.py`` prints the measured properties.

    Returns
    -------
    SyntheticCouncils
        The tables, the oracle's ``true_risk``, the hidden ``latent`` health and the
        ``truth`` planted in the data (roles of measures and effect sizes).

    Example
    -------
    >>> from earlywarn.synthetic import make_synthetic_councils
    >>> data = make_synthetic_councils(n_councils=30, start_year=2010, end_year=2018)
    >>> data.true_risk.index.names
    FrozenList(['council_code', 'origin'])
    >>> bool((data.true_risk["p_fail"] <= data.true_risk["p_inspected"]).all())
    True
    """
    if n_councils < 3:
        raise ValueError(f"n_councils must be at least 3 (got {n_councils})")
    if end_year < start_year + 3:
        raise ValueError(f"end_year must be at least start_year + 3 (got {start_year}..{end_year})")
    if preset not in PRESETS:
        raise ValueError(f"preset {preset!r} is not one of {PRESETS}")
    d = _Dynamics()
    world_ss, obs_ss, oracle_ss = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(world_ss)

    reorg_year = 2019 if start_year + 3 <= 2019 <= end_year - 2 else (start_year + end_year) // 2
    reorg = pd.Timestamp(f"{reorg_year}-04-01")
    councils = _make_councils(n_councils, rng, reorg)
    n = len(councils)
    codes = councils["council_code"].to_numpy(dtype=object)

    # deprivation (IMD average score) and the health baseline it lowers
    dep = 8.0 + 35.0 * rng.beta(2.0, 3.0, n)
    dep_z = (dep - 22.0) / 7.0
    base = d.base_mean + d.base_sd * rng.standard_normal(n) + d.base_per_deprivation_sd * dep_z
    nre_base = np.array([rng.uniform(*COUNCIL_TYPES[t][2]) for t in councils["council_type"]])
    nre_base[-1] = nre_base[:2].sum()

    months = pd.date_range(f"{start_year - BURN_IN_YEARS}-01-31", f"{end_year}-12-31", freq="ME")
    m_of = {ts: i for i, ts in enumerate(months)}
    if preset == "realistic":
        from dataclasses import replace

        pause = tuple(int(np.searchsorted(months, pd.Timestamp(t))) for t in PAUSE)
        start_m = int(np.searchsorted(months, pd.Timestamp(f"{start_year}-01-01")))
        d = replace(d, **_REALISTIC_DYNAMICS, drift_from=start_m, pause=pause)
    m_merge = int(np.searchsorted(months, reorg))
    first_m = np.zeros(n, dtype=np.int64)
    first_m[-1] = m_merge
    last_m = np.full(n, np.iinfo(np.int64).max // 2)
    last_m[:2] = m_merge - 1
    snaps, health, raw_events = _simulate_world(base, first_m, last_m, m_merge, months, rng, d)
    # the merged council's history before it existed is its predecessors' (internal only)
    health[:m_merge, -1] = health[:m_merge, :2].mean(axis=1)
    churn = np.stack([sn["churn"] for sn in snaps])
    rate = np.stack([sn["rate"] for sn in snaps])
    churn[:m_merge, -1] = churn[:m_merge, :2].mean(axis=1)
    rate[:m_merge, -1] = rate[:m_merge, :2].mean(axis=1)

    start = pd.Timestamp(f"{start_year}-01-01")
    data_end = pd.Timestamp(f"{end_year}-12-31")
    valid_from = councils["valid_from"].to_numpy()
    valid_to = councils["valid_to"].to_numpy()
    events = _events_table(raw_events, months, codes, start, data_end, valid_to, rng)

    periods = pd.DatetimeIndex(
        [pd.Timestamp(f"{y}-03-31") for y in range(start_year, end_year + 1)]
    )
    world = {
        "periods": periods.to_numpy(),
        "period_m": np.array([m_of[p] for p in periods]),
        "base": base,
        "health": health,
        "rate": rate,
        "churn": churn,
        "dep": dep,
        "dep_z": dep_z,
        "nre_base": nre_base,
        "m_merge": m_merge,
        "codes": codes,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "data_end": data_end,
    }
    if preset == "realistic":
        world["signal"] = _REALISTIC_SIGNAL
        late_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[3])
        names = sorted(_LINEAR) + sorted(_OTHER)
        late = late_rng.choice(names, size=len(names) // 3, replace=False)
        first = {
            str(m): np.datetime64(f"{start_year + int(late_rng.integers(*_REALISTIC_LATE))}-03-31")
            for m in [*late, "deprivation_imd_score"]
        }
        world["first_period"] = first
    obs_rng = np.random.default_rng(obs_ss)
    observations, notices = _observations(world, obs_rng)
    events = pd.concat(
        [events, _notice_events(notices, months, codes, data_end, valid_from, valid_to, obs_rng)],
        ignore_index=True,
    )
    events = events.sort_values(["date", "council_code", "event_type"], kind="stable")
    observations = observations.sort_values(["council_code", "measure", "period"], kind="stable")
    tables = validate_tables(
        Tables(
            councils,
            observations.reset_index(drop=True),
            events.reset_index(drop=True),
            {
                "councils": "synthetic councils",
                "observations": "synthetic observations",
                "events": "synthetic events",
            },
        )
    )

    # the oracle: forward simulation from the hidden state at each origin
    origins = [pd.Timestamp(f"{y}-03-31") for y in range(start_year + 2, end_year + 1)]
    origin_ms = [m_of[o] for o in origins]
    alive = [np.flatnonzero((first_m <= m) & (m <= last_m)) for m in origin_ms]
    pairs_m, pairs_c, p_fail, p_insp = _oracle(
        snaps,
        origin_ms,
        alive,
        last_m,
        horizon_months,
        n_oracle_sims,
        np.random.default_rng(oracle_ss),
        d,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        p_cond = np.where(p_insp > 0, p_fail / np.where(p_insp > 0, p_insp, 1.0), np.nan)
    true_risk = pd.DataFrame(
        {
            "council_code": codes[pairs_c].astype(str),
            "origin": months[pairs_m],
            "p_fail": p_fail,
            "p_inspected": p_insp,
            "p_fail_given_inspected": p_cond,
        }
    ).set_index(["council_code", "origin"])
    true_risk = true_risk.sort_index()

    in_span = (months >= start) & (months <= data_end)
    latent = _latent(health, months, codes, first_m, last_m, in_span)
    truth = _truth(d, codes, reorg, horizon_months, n_oracle_sims)
    truth["preset"] = preset
    if preset == "realistic":
        truth["realistic"] = {
            "signal_scale": _REALISTIC_SIGNAL,
            "first_period": {k: str(v)[:10] for k, v in world["first_period"].items()},
            "inspection_pause": [str(PAUSE[0]), str(PAUSE[1])],
        }
    return SyntheticCouncils(tables, true_risk, latent, truth, horizon_months)


# satellites (private modules) re-exported
from earlywarn.synthetic._check import measured_properties  # noqa: E402  (it reads this module)

__all__ = [*__all__, "measured_properties"]

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

from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from earlywarn.schema import (
    COUNCIL_COLUMNS,
    EVENT_COLUMNS,
    Tables,
    validate_tables,
)

__all__ = ["PRESETS", "SyntheticCouncils", "make_synthetic_councils"]

BURN_IN_YEARS = 5
ROLES = ("chief_executive", "dcs", "leader")
REGIONS = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
# council_type -> (code prefix, share of councils, NRE range in GBP m)
COUNCIL_TYPES = {
    "county": ("E10900", 0.17, (450.0, 1100.0)),
    "unitary": ("E06900", 0.37, (150.0, 450.0)),
    "metropolitan": ("E08900", 0.24, (250.0, 900.0)),
    "london_borough": ("E09900", 0.22, (200.0, 450.0)),
}
# publication: month and day in the period's year (+ years), with jitter in days
PUBLICATION = {
    "dfe": {"years": 0, "month": 11, "day": 1, "jitter_days": 10, "lag": "~7 months (autumn)"},
    "satisfaction": {"years": 0, "month": 6, "day": 30, "jitter_days": 10, "lag": "~3 months"},
    "finance": {"years": 0, "month": 11, "day": 25, "jitter_days": 10, "lag": "~8 months"},
    "imd": {"years": 0, "month": 9, "day": 30, "jitter_days": 0, "lag": "6 months, every 4y"},
}
MISSING_SHARE = 0.03
PAUSE = ("2020-04-01", "2021-04-01")  # realistic preset: no inspections in this span


@dataclass(frozen=True)
class _Dynamics:
    """Parameters of the monthly process (health in standard-deviation-like units)."""

    base_mean: float = 0.3
    base_sd: float = 0.5
    base_per_deprivation_sd: float = -0.15
    ar: float = 0.94
    ar_sd: float = 0.5  # stationary sd of the fast component
    shock_hazard: float = 0.006
    shock_size: tuple[float, float] = (0.4, 1.2)
    decline_hazard: float = 0.004
    decline_drop: tuple[float, float] = (0.8, 2.2)
    decline_months: tuple[int, int] = (18, 42)
    recovery_months: tuple[int, int] = (24, 60)
    intervention_recovery_months: tuple[int, int] = (12, 30)
    leader_hazard: tuple[float, float, float] = (1 / 96, 1 / 66, 1 / 78)
    leader_per_health: float = -0.7  # log-hazard per unit of health
    interim_prob: float = 0.2
    interim_prob_low_health: float = 0.4  # when health < -0.5
    churn_permanent: float = 0.15
    churn_interim: float = 0.30
    churn_decay: float = 0.93
    inspect_months: tuple[int, int] = (36, 48)
    trigger_hazard: float = 0.015
    trigger_health: float = -1.4
    trigger_min_months: int = 9
    grade_noise_sd: float = 0.55
    grade_cuts: tuple[float, float, float] = (-1.0, 0.1, 1.15)
    intervention_prob: float = 0.7
    # realistic preset: the 'inadequate' cut rises by this much a year from month
    # drift_from (fewer failures over time), and no inspection in months pause
    grade_drift_per_year: float = 0.0
    drift_from: int = 0
    pause: tuple[int, int] = (-1, -1)


# presets of make_synthetic_councils: "easy" (strong, complete, stationary signals: the
# fast skeleton tests) and "realistic" (measured against the real panel:
# benchmarks/realistic_properties.py)
PRESETS = ("easy", "realistic")
_REALISTIC_DYNAMICS = {
    "inspect_months": (24, 60),  # a looser schedule: timing predicts inspection less well
    "trigger_hazard": 0.03,
    "grade_drift_per_year": 0.05,
    "grade_cuts": (-1.0, 0.1, 0.85),  # more failures at the start, then a decline
    "leader_per_health": -0.2,  # leadership changes follow health less closely
}
_REALISTIC_SIGNAL = 0.1  # measures' effects scaled down, noise scaled up by 1 / sqrt(this)
_REALISTIC_LATE = (3, 6)  # some measures start 3-6 years after the panel begins


# Linear measures: value = mean + council effect + sum(coef * covariate) + noise, clipped.
# Covariates per period year: h_recent (mean health, 6 months to the period end), h_lag
# (mean health 13-24 months before it), slope (decline rate, health units per year),
# churn (mean leadership churn over the year), deprivation (z-score).
_LINEAR = {
    "rereferral_pct": {
        "mean": 22.0, "council_sd": 2.0, "noise_sd": 1.8, "clip": (3.0, 60.0),
        "coef": {"h_recent": -3.5, "slope": -5.0},
        "role": "leading", "higher_is_worse": True, "family": "indicators",
        "nature": "capability", "publication": "dfe",
    },
    "assessment_timeliness_pct": {
        "mean": 84.0, "council_sd": 3.0, "noise_sd": 3.0, "clip": (30.0, 99.5),
        "coef": {"h_recent": 6.0, "slope": 5.0},
        "role": "leading", "higher_is_worse": False, "family": "indicators",
        "nature": "capability", "publication": "dfe",
    },
    "cpp_repeat_pct": {
        "mean": 21.0, "council_sd": 2.0, "noise_sd": 2.0, "clip": (2.0, 60.0),
        "coef": {"h_lag": -3.0},
        "role": "lagging", "higher_is_worse": True, "family": "indicators",
        "nature": "capability", "publication": "dfe",
    },
    "sw_turnover_pct": {
        "mean": 16.0, "council_sd": 2.0, "noise_sd": 2.0, "clip": (2.0, 60.0),
        "coef": {"h_recent": -2.0, "churn": 8.0},
        "role": "leading", "higher_is_worse": True, "family": "indicators",
        "nature": "capacity", "publication": "dfe",
    },
    "agency_worker_pct": {
        "mean": 15.0, "council_sd": 3.0, "noise_sd": 2.5, "clip": (0.0, 70.0),
        "coef": {"h_lag": -2.5, "churn": 4.0},
        "role": "lagging", "higher_is_worse": True, "family": "indicators",
        "nature": "capacity", "publication": "dfe",
    },
    "noise_index": {
        "mean": 50.0, "council_sd": 5.0, "noise_sd": 8.0, "clip": (0.0, 100.0),
        "coef": {},
        "role": "noise", "higher_is_worse": True, "family": "indicators",
        "nature": "capability", "publication": "dfe",
    },
    "social_care_spend_share_pct": {
        "mean": 58.0, "council_sd": 3.0, "noise_sd": 1.0, "clip": (25.0, 85.0),
        "coef": {"h_lag": -2.0, "deprivation": 3.0},
        "role": "lagging", "higher_is_worse": True, "family": "finance",
        "nature": "financial", "publication": "finance",
    },
}  # fmt: skip
_OTHER = {
    "resident_satisfaction_pct": {
        "role": "leading", "higher_is_worse": False, "family": "satisfaction",
        "nature": "political", "publication": "satisfaction",
        "effect": {"mean": 62.0, "council_sd": 4.0, "h_recent": 5.0, "clip": (20.0, 95.0),
                   "survey": "binomial with resident_satisfaction_n respondents"},
    },
    "resident_satisfaction_n": {
        "role": "context", "higher_is_worse": False, "family": "satisfaction",
        "nature": "political", "publication": "satisfaction",
        "effect": {"respondents": (500, 1500), "yearly_variation": 0.1},
    },
    "usable_reserves_gbp_m": {
        "role": "lagging", "higher_is_worse": False, "family": "finance",
        "nature": "financial", "publication": "finance",
        # reserves (% of net spend) each year: r += pull (target - r) + per_health *
        # h_year + noise, floored; below notice_below_pct a financial notice follows with
        # notice_prob, and exceptional support then adds support_pct.
        "effect": {"start_pct": (8.0, 25.0), "target_pct": 15.0, "pull": 0.2,
                   "per_health": 2.5, "noise_sd": 1.5, "floor_pct": 0.3,
                   "notice_below_pct": 1.0, "notice_prob": 0.3, "support_pct": (3.0, 6.0),
                   "intervention_prob": 0.5},
    },
    "net_revenue_expenditure_gbp_m": {
        "role": "context", "higher_is_worse": False, "family": "finance",
        "nature": "financial", "publication": "finance",
        "effect": {"growth_per_year": 0.03, "noise_sd_log": 0.015},
    },
    "deprivation_imd_score": {
        "role": "context", "higher_is_worse": True, "family": "context",
        "nature": "capacity", "publication": "imd",
        "effect": {"health_baseline_per_sd": _Dynamics.base_per_deprivation_sd,
                   "social_care_spend_share_pct_per_sd": 3.0},
    },
}  # fmt: skip


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


@dataclass
class _State:
    base: np.ndarray
    decl: np.ndarray
    rate: np.ndarray
    x: np.ndarray
    churn: np.ndarray
    phase: np.ndarray  # 0 steady, 1 declining, 2 recovering
    left: np.ndarray  # months left in the phase
    tsi: np.ndarray  # months since the last inspection
    month: np.ndarray  # calendar month index (for time-varying dynamics; exact in the oracle)

    def health(self) -> np.ndarray:
        return self.base + self.decl + self.x - self.churn

    def snapshot(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name).copy() for f in fields(self)}


def _start_recovery(s: _State, mask: np.ndarray, months: tuple[int, int], rng) -> None:
    idx = np.flatnonzero(mask)
    if idx.size:
        n = rng.integers(months[0], months[1] + 1, idx.size)
        s.phase[idx] = 2
        s.left[idx] = n
        s.rate[idx] = -s.decl[idx] / n


def _step(s: _State, active: np.ndarray, rng: np.random.Generator, d: _Dynamics):
    """Advance every entity one month in place; return what happened this month."""
    n = s.x.size
    # slow component: decline onsets, then decline -> recovery -> steady
    onset = (s.phase == 0) & (rng.random(n) < d.decline_hazard)
    idx = np.flatnonzero(onset)
    if idx.size:
        months = rng.integers(d.decline_months[0], d.decline_months[1] + 1, idx.size)
        s.phase[idx] = 1
        s.left[idx] = months
        s.rate[idx] = -rng.uniform(*d.decline_drop, idx.size) / months
    s.decl += s.rate
    s.left -= s.phase > 0
    done = (s.phase > 0) & (s.left <= 0)
    finished = done & (s.phase == 2)
    _start_recovery(s, done & (s.phase == 1), d.recovery_months, rng)
    s.phase[finished] = 0
    s.decl[finished] = 0.0
    s.rate[finished] = 0.0
    # fast component with shocks
    s.x *= d.ar
    s.x += d.ar_sd * np.sqrt(1 - d.ar**2) * rng.standard_normal(n)
    idx = np.flatnonzero(rng.random(n) < d.shock_hazard)
    if idx.size:
        s.x[idx] -= rng.uniform(*d.shock_size, idx.size)
    # leadership: at most one change a month, likelier when health is low
    h = s.health()
    mult = np.exp(d.leader_per_health * h)
    cum = np.minimum(np.cumsum(np.outer(d.leader_hazard, mult), axis=0), 0.9)
    u = rng.random(n)
    role = np.where(u < cum[0], 0, np.where(u < cum[1], 1, np.where(u < cum[2], 2, -1)))
    role[~active] = -1
    s.churn *= d.churn_decay
    idx = np.flatnonzero(role >= 0)
    interim = np.zeros(n, dtype=bool)
    if idx.size:
        p = np.where(h[idx] < -0.5, d.interim_prob_low_health, d.interim_prob)
        interim[idx] = rng.random(idx.size) < p
        s.churn[idx] += np.where(interim[idx], d.churn_interim, d.churn_permanent)
    h = s.health()
    # inspections: scheduled uniformly 36-48 months after the last, or triggered by risk
    s.tsi += 1
    lo, hi = d.inspect_months
    sched = np.where(s.tsi < lo, 0.0, 1.0 / np.maximum(hi - s.tsi + 1, 1))
    trig = np.where(
        s.tsi >= d.trigger_min_months,
        d.trigger_hazard / (1.0 + np.exp(4.0 * (h - d.trigger_health))),
        0.0,
    )
    paused = (s.month >= d.pause[0]) & (s.month < d.pause[1])
    inspected = active & ~paused & (rng.random(n) < 1.0 - (1.0 - sched) * (1.0 - trig))
    grade = np.zeros(n, dtype=np.int8)
    idx = np.flatnonzero(inspected)
    drift = d.grade_drift_per_year * np.maximum(s.month - d.drift_from, 0) / 12.0
    s.month += 1
    if idx.size:
        score = -h[idx] - drift[idx] + d.grade_noise_sd * rng.standard_normal(idx.size)
        grade[idx] = 1 + np.searchsorted(np.asarray(d.grade_cuts), score)
        s.tsi[idx] = 0
    # an inadequate grade is often followed by an intervention, which starts a recovery
    intervened = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(grade == 4)
    if idx.size:
        intervened[idx] = rng.random(idx.size) < d.intervention_prob
        _start_recovery(s, intervened & (s.decl < 0), d.intervention_recovery_months, rng)
    return h, grade, role, interim, intervened


# --------------------------------------------------------------------------------------
# Councils


def _make_councils(n: int, rng: np.random.Generator, reorg: pd.Timestamp) -> pd.DataFrame:
    types = list(COUNCIL_TYPES)
    share = np.array([COUNCIL_TYPES[t][1] for t in types])
    kind = rng.choice(len(types), size=n, p=share / share.sum())
    # the two merging councils are unitaries, so the merger stays a unitary
    kind[:2] = types.index("unitary")
    other = [r for r in REGIONS if r != "London"]
    region = np.where(
        kind == types.index("london_borough"), "London", rng.choice(other, size=n)
    ).astype(object)
    region[1] = region[0]
    counters = dict.fromkeys(types, 0)
    rows = []
    for i in range(n + 1):
        t = types[kind[i]] if i < n else "unitary"
        counters[t] += 1
        word = "County" if t == "county" else "Borough"
        rows.append(
            {
                "council_code": f"{COUNCIL_TYPES[t][0]}{counters[t]:03d}",
                "council_name": f"Synthetic {word} {i + 1:03d}",
                "council_type": t,
                "region": region[i] if i < n else region[0],
                "valid_from": pd.NaT if i < n else reorg,
                "valid_to": reorg if i < 2 else pd.NaT,
                "successor_code": None,
            }
        )
    out = pd.DataFrame(rows, columns=COUNCIL_COLUMNS)
    out.loc[:1, "successor_code"] = out.loc[n, "council_code"]
    out["valid_from"] = pd.to_datetime(out["valid_from"])
    out["valid_to"] = pd.to_datetime(out["valid_to"])
    return out


# --------------------------------------------------------------------------------------
# The world


def _simulate_world(base, first_m, last_m, m_merge, months, rng, d):
    """Run the monthly process for every council; return per-month states and events."""
    n = base.size
    n_months = len(months)
    s = _State(
        base=base.copy(),
        decl=np.zeros(n),
        rate=np.zeros(n),
        x=d.ar_sd * rng.standard_normal(n),
        churn=np.zeros(n),
        phase=np.zeros(n, dtype=np.int64),
        left=np.zeros(n, dtype=np.int64),
        tsi=rng.integers(0, d.inspect_months[1], n),
        month=np.zeros(n, dtype=np.int64),
    )
    snaps, health, events = [], np.empty((n_months, n)), []
    succ = n - 1
    for m in range(n_months):
        if m == m_merge:
            _merge_state(s, succ, [0, 1], rng, d)
            for r in range(3):
                interim = rng.random() < 0.5
                s.churn[succ] += d.churn_interim if interim else d.churn_permanent
                events.append((m, succ, "leadership_change", ROLES[r], 1 + interim, -1))
        active = (first_m <= m) & (m <= last_m)
        h, grade, role, interim, intervened = _step(s, active, rng, d)
        health[m] = h
        snaps.append(s.snapshot())
        for c in np.flatnonzero(grade):
            events.append((m, c, "inspection", "childrens_services", int(grade[c]), 0))
        for c in np.flatnonzero(role >= 0):
            events.append((m, c, "leadership_change", ROLES[role[c]], 1 + int(interim[c]), 0))
        for c in np.flatnonzero(intervened):
            lag = int(rng.integers(30, 121))
            events.append((m, c, "intervention", "childrens_services", 1, lag))
    return snaps, health, events


def _merge_state(s: _State, succ: int, preds: list[int], rng, d: _Dynamics) -> None:
    for name in ("base", "decl", "x", "churn"):
        getattr(s, name)[succ] = getattr(s, name)[preds].mean()
    s.phase[succ] = 0
    s.rate[succ] = 0.0
    s.left[succ] = 0
    if s.decl[succ] < 0:  # an inherited decline is worked off over two years
        _start_recovery(s, np.arange(s.x.size) == succ, (24, 24), rng)
    # a new council's first inspection falls 18-30 months after it is created
    s.tsi[succ] = d.inspect_months[0] - 18


# --------------------------------------------------------------------------------------
# The oracle


def _oracle(snaps, origin_ms, codes_alive, last_m, horizon, n_sims, rng, d, chunk=400_000):
    """Monte-Carlo P(inadequate), P(inspected) in (t, t + h] from the state at each t."""
    pairs_m = np.concatenate(
        [np.full(len(c), m) for m, c in zip(origin_ms, codes_alive, strict=True)]
    )
    pairs_c = np.concatenate(codes_alive)
    n_pairs = pairs_m.size
    stacked = {k: np.stack([snaps[m][k] for m in origin_ms]) for k in snaps[0]}
    o_index = np.concatenate([np.full(len(c), i) for i, c in enumerate(codes_alive)])
    p_fail = np.empty(n_pairs)
    p_insp = np.empty(n_pairs)
    per = max(1, chunk // n_sims)
    for lo in range(0, n_pairs, per):
        sl = slice(lo, min(lo + per, n_pairs))
        rep_o = np.repeat(o_index[sl], n_sims)
        rep_c = np.repeat(pairs_c[sl], n_sims)
        s = _State(**{k: v[rep_o, rep_c].copy() for k, v in stacked.items()})
        m0 = np.repeat(pairs_m[sl], n_sims)
        ever_insp = np.zeros(rep_c.size, dtype=bool)
        ever_fail = np.zeros(rep_c.size, dtype=bool)
        for k in range(1, horizon + 1):
            active = m0 + k <= last_m[rep_c]
            _, grade, _, _, _ = _step(s, active, rng, d)
            ever_insp |= grade > 0
            ever_fail |= grade == 4
        p_insp[sl] = ever_insp.reshape(-1, n_sims).mean(axis=1)
        p_fail[sl] = ever_fail.reshape(-1, n_sims).mean(axis=1)
    return pairs_m, pairs_c, p_fail, p_insp


# --------------------------------------------------------------------------------------
# Observations


def _window_mean(a: np.ndarray, ends: np.ndarray, start_back: int, end_back: int) -> np.ndarray:
    """Mean of rows ``end - start_back .. end - end_back`` of ``a`` for each end."""
    cs = np.vstack([np.zeros((1, a.shape[1])), np.cumsum(a, axis=0)])
    hi = ends - end_back + 1
    lo = ends - start_back
    return (cs[hi] - cs[lo]) / (start_back - end_back + 1)


def _published(periods: np.ndarray, pub: str, shape, rng) -> np.ndarray:
    spec = PUBLICATION[pub]
    years = pd.DatetimeIndex(periods).year + spec["years"]
    target = pd.to_datetime({"year": years, "month": spec["month"], "day": spec["day"]}).to_numpy()
    jitter = rng.integers(-spec["jitter_days"], spec["jitter_days"] + 1, shape)
    return target[:, None] + jitter.astype("timedelta64[D]")


def _observations(world: dict, rng: np.random.Generator) -> tuple[pd.DataFrame, list]:
    periods = world["periods"]  # datetime64, shape (Y,)
    ends = world["period_m"]  # month index of each period end
    n = world["base"].size
    health, rate, churn = world["health"], world["rate"], world["churn"]
    cov = {
        "h_recent": _window_mean(health, ends, 5, 0),
        "h_year": _window_mean(health, ends, 11, 0),
        "h_lag": _window_mean(health, ends, 23, 12),
        "slope": 12.0 * rate[ends],
        "churn": _window_mean(churn, ends, 11, 0),
        "deprivation": np.broadcast_to(world["dep_z"], (len(ends), n)),
    }
    shape = (len(ends), n)
    values: dict[str, np.ndarray] = {}
    scale = world.get("signal", 1.0)
    for name, spec in _LINEAR.items():
        v = spec["mean"] + spec["council_sd"] * rng.standard_normal(n)
        v = v + spec["noise_sd"] / np.sqrt(scale) * rng.standard_normal(shape)
        for key, coef in spec["coef"].items():
            v = v + coef * scale * cov[key]
        values[name] = np.clip(v, *spec["clip"])
    # satisfaction: a survey of n residents around a true level
    eff = _OTHER["resident_satisfaction_pct"]["effect"]
    true = eff["mean"] + eff["council_sd"] * rng.standard_normal(n)
    true = np.clip(true + eff["h_recent"] * scale * cov["h_recent"], *eff["clip"]) / 100.0
    eff = _OTHER["resident_satisfaction_n"]["effect"]
    wobble = rng.uniform(1 - eff["yearly_variation"], 1 + eff["yearly_variation"], shape)
    resp = np.round(rng.uniform(*eff["respondents"], n) * wobble).astype(int)
    values["resident_satisfaction_pct"] = 100.0 * rng.binomial(resp, true) / resp
    values["resident_satisfaction_n"] = resp.astype(float)
    # finance: a reserves balance (% of net spend) that depletes while health is low
    eff = _OTHER["net_revenue_expenditure_gbp_m"]["effect"]
    nre = world["nre_base"] * (1 + eff["growth_per_year"]) ** np.arange(len(ends))[:, None]
    nre = nre * np.exp(eff["noise_sd_log"] * rng.standard_normal(shape))
    eff = _OTHER["usable_reserves_gbp_m"]["effect"]
    res = np.empty(shape)
    r = rng.uniform(*eff["start_pct"], n)
    notices = []
    succ, preds, m_merge = n - 1, [0, 1], world["m_merge"]
    for y in range(len(ends)):
        if ends[y] - 12 < m_merge <= ends[y]:
            r[succ] = r[preds].mean()
        r = r + eff["pull"] * (eff["target_pct"] - r) + eff["per_health"] * scale * cov["h_year"][y]
        r = np.maximum(r + eff["noise_sd"] * rng.standard_normal(n), eff["floor_pct"])
        res[y] = r
        hit = (r < eff["notice_below_pct"]) & (rng.random(n) < eff["notice_prob"])
        for c in np.flatnonzero(hit):
            notices.append((int(ends[y]) - int(rng.integers(0, 3)), c))
        r = np.where(hit, r + rng.uniform(*eff["support_pct"], n), r)  # exceptional support
    values["net_revenue_expenditure_gbp_m"] = np.round(nre, 1)
    values["usable_reserves_gbp_m"] = np.round(res / 100.0 * nre, 2)
    frames = []
    for name, v in values.items():
        pub = (_LINEAR.get(name) or _OTHER[name])["publication"]
        frames.append(_long(name, v, periods, _published(periods, pub, shape, rng), world))
    # deprivation: a static score published every fourth year
    imd_rows = np.arange(0, len(ends), 4)
    v = world["dep"][None, :] + 0.5 * rng.standard_normal((imd_rows.size, n))
    pub = _published(periods[imd_rows], "imd", (imd_rows.size, n), rng)
    frames.append(_long("deprivation_imd_score", v, periods[imd_rows], pub, world))
    obs = pd.concat(frames, ignore_index=True)
    obs = obs[rng.random(len(obs)) >= MISSING_SHARE]
    for name, first in world.get("first_period", {}).items():  # measures that start late
        obs = obs[(obs["measure"] != name) | (obs["period"] >= first)]
    obs["value"] = obs["value"].round(3)
    return obs, notices


def _long(name, v, periods, published, world) -> pd.DataFrame:
    y, c = np.indices(v.shape)
    df = pd.DataFrame(
        {
            "council_code": world["codes"][c.ravel()],
            "period": periods[y.ravel()],
            "measure": name,
            "value": v.ravel(),
            "published": published.ravel(),
        }
    )
    vf = world["valid_from"][c.ravel()]
    vt = world["valid_to"][c.ravel()]
    year_start = df["period"] - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    keep = (
        (pd.isna(vf) | (year_start >= vf))
        & (pd.isna(vt) | (df["published"] < vt))
        & (df["published"] <= world["data_end"])
    )
    return df[keep.to_numpy()]


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


def _day_in_month(months: pd.DatetimeIndex, m: np.ndarray, rng) -> np.ndarray:
    ends = months[m]
    days = rng.integers(0, ends.day.to_numpy())  # 0 .. days_in_month - 1
    return (ends - pd.to_timedelta(days, unit="D")).to_numpy()


def _events_table(raw, months, codes, start, data_end, valid_to, rng) -> pd.DataFrame:
    # lag_days: days after a random day of the month; -1 means the month's first day
    cols = ["m", "c", "event_type", "service", "severity", "lag_days"]
    df = pd.DataFrame(raw, columns=cols)
    lag = df["lag_days"].to_numpy()
    date = pd.DatetimeIndex(_day_in_month(months, df["m"].to_numpy(), rng))
    date = date + pd.to_timedelta(np.maximum(lag, 0), unit="D")
    first_day = (months[df["m"].to_numpy()] - pd.offsets.MonthBegin(1)).to_numpy()
    df["date"] = np.where(lag < 0, first_day, date.to_numpy())
    df["council_code"] = codes[df["c"].to_numpy()].astype(str)
    df["source"] = "synthetic"
    vt = pd.Series(valid_to[df["c"].to_numpy()], index=df.index)
    keep = (df["date"] <= data_end) & (vt.isna() | (df["date"] < vt))
    # before the data start, keep only each council's last inspection (the schedule)
    before = df["date"] < start
    last_before = (
        df[before & df["event_type"].eq("inspection")].groupby("c")["date"].transform("max")
    )
    keep_before = (
        before & df.index.isin(last_before.index) & (df["date"] == last_before.reindex(df.index))
    )
    df = df[keep & (~before | keep_before)]
    df = df.assign(severity=df["severity"].astype(int))
    return df[EVENT_COLUMNS]


def _notice_events(notices, months, codes, data_end, valid_from, valid_to, rng) -> pd.DataFrame:
    rows = []
    for m, c in notices:
        date = pd.Timestamp(_day_in_month(months, np.array([m]), rng)[0])
        rows.append((c, date, "financial_notice", "finance", 1))
        if rng.random() < _OTHER["usable_reserves_gbp_m"]["effect"]["intervention_prob"]:
            later = date + pd.Timedelta(days=int(rng.integers(30, 181)))
            rows.append((c, later, "intervention", "finance", 1))
    df = pd.DataFrame(rows, columns=["c", "date", "event_type", "service", "severity"])
    df["council_code"] = codes[df["c"].to_numpy(dtype=int)].astype(str)
    df["source"] = "synthetic"
    vf = pd.Series(valid_from[df["c"].to_numpy(dtype=int)], index=df.index)
    vt = pd.Series(valid_to[df["c"].to_numpy(dtype=int)], index=df.index)
    keep = (df["date"] <= data_end) & (vt.isna() | (df["date"] < vt))
    keep &= vf.isna() | (df["date"] >= vf)
    return df.loc[keep, EVENT_COLUMNS]


def _latent(health, months, codes, first_m, last_m, in_span) -> pd.DataFrame:
    m_idx, c_idx = np.nonzero(
        in_span[:, None]
        & (np.arange(len(months))[:, None] >= first_m)
        & (np.arange(len(months))[:, None] <= last_m)
    )
    out = pd.DataFrame(
        {
            "council_code": codes[c_idx].astype(str),
            "date": months[m_idx],
            "health": health[m_idx, c_idx],
        }
    )
    return out.sort_values(["council_code", "date"], kind="stable").reset_index(drop=True)


def _truth(d: _Dynamics, codes, reorg, horizon, n_sims) -> dict:
    truth: dict = {}
    for name, spec in _LINEAR.items():
        effect = {k: spec[k] for k in ("mean", "council_sd", "noise_sd", "clip")}
        effect.update(spec["coef"])
        truth[name] = {
            "role": spec["role"],
            "higher_is_worse": spec["higher_is_worse"],
            "family": spec["family"],
            "nature": spec["nature"],
            "publication": PUBLICATION[spec["publication"]]["lag"],
            "effect": effect,
        }
    for name, spec in _OTHER.items():
        truth[name] = {k: v for k, v in spec.items() if k != "publication"}
        truth[name]["publication"] = PUBLICATION[spec["publication"]]["lag"]
    truth["dynamics"] = asdict(d)
    truth["reorganisation"] = {
        "date": reorg,
        "abolished": [str(codes[0]), str(codes[1])],
        "successor": str(codes[-1]),
    }
    truth["oracle"] = {
        "horizon_months": horizon,
        "n_sims": n_sims,
        "fail": "inspection with severity 4 dated in (origin, origin + horizon]",
    }
    return truth

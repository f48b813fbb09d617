"""The hidden world, month by month: councils, their health, leadership churn,
inspections, interventions and the reorganisation."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from earlywarn.schema import (
    COUNCIL_COLUMNS,
)
from earlywarn.synthetic.dynamics import (
    COUNCIL_TYPES,
    REGIONS,
    ROLES,
    _Dynamics,
)


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

"""The generator's settings: the dynamics of the easy and realistic presets, the
measures (leading, lagging, noise) and how they are published."""

from __future__ import annotations

from dataclasses import dataclass

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

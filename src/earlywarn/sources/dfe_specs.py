"""The DfE children's social care layouts :mod:`earlywarn.sources.dfe_csc` reads.

Each :class:`Spec` names a layout by its identifying columns, the rows and columns it
reads into which measures, and the period and publication rules of its publication (see
:mod:`earlywarn.sources.dfe_csc`). :data:`SPECS` lists them in priority order; a newer
edition whose columns were renamed gets its own spec (e.g. ``cin_2023``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["BASE_COLUMNS", "SPECS", "Spec"]

BASE_COLUMNS = ["time_period", "geographic_level", "old_la_code", "new_la_code", "la_name"]


def _march(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 3, 31)


def _nov30(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 11, 30)


def _dec31(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 12, 31)


def _sep30(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 9, 30)


def _end_feb_next(y: int) -> pd.Timestamp:
    return pd.Timestamp(y + 1, 3, 1) - pd.Timedelta(days=1)


def _june30(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 6, 30)


def _dec31_next(y: int) -> pd.Timestamp:
    return pd.Timestamp(y + 1, 12, 31)


@dataclass(frozen=True)
class Spec:
    """How to read one DfE publication.

    Attributes
    ----------
    name : str
        Short name used in the report.
    signature : tuple of str
        Columns that identify the file (all must be present).
    selections : list of (dict, dict)
        ``(conditions, measures)``: rows where every ``column == value`` in
        ``conditions`` give one observation per ``value column -> measure`` pair.
    period : callable
        Year ``Y`` (from ``time_period``) -> period end date.
    published : callable
        Year ``Y`` -> publication date (see the module docstring).
    """

    name: str
    signature: tuple[str, ...]
    selections: list[tuple[dict[str, str], dict[str, str]]]
    period: Callable[[int], pd.Timestamp] = _march
    published: Callable[[int], pd.Timestamp] = _nov30
    excludes: tuple[str, ...] = field(default=())


_CLA_31 = "Children looked after on 31 March each year"
_STAB_25 = (
    "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years"
)
_STAB_25_OLD = (
    "Children looked after continuously for at least 2.5 years at 31 March aged under 16 years"
)
_SAME_PLACEMENT_OLD = (
    "Living in the same placement for at least 2 years, or are placed for adoption and their "
    "adoption and their adoptive placement together with their previous placement, last for "
    "at least 2 years"
)

_SAME_CARER_2023 = (
    "Living with the same carer for at least 2 years, or are placed for adoption and their "
    "adoptive placement together with their previous placement, last for at least 2 years"
)

#: The publications read, in priority order.
SPECS: list[Spec] = [
    Spec(
        "csww_indicators",
        ("turnover_rate_fte", "agency_rate_fte", "vacancy_rate_fte", "caseload_fte"),
        [
            (
                {},
                {
                    "turnover_rate_fte": "sw_turnover_pct",
                    "agency_rate_fte": "sw_agency_pct",
                    "vacancy_rate_fte": "sw_vacancy_pct",
                    "caseload_fte": "sw_caseload_per_fte",
                    "absence_rate_fte": "sw_absence_pct",
                    "inpost_fte": "sw_fte_count",
                },
            )
        ],
        _sep30,
        _end_feb_next,
    ),
    Spec(
        "csww_headline_measures",
        ("turnover_rate_fte_%", "agency_worker_rate_fte_%", "vacancy_rate_fte_%", "caseload_fte"),
        [
            (
                {},
                {
                    "turnover_rate_fte_%": "sw_turnover_pct",
                    "agency_worker_rate_fte_%": "sw_agency_pct",
                    "vacancy_rate_fte_%": "sw_vacancy_pct",
                    "caseload_fte": "sw_caseload_per_fte",
                    "absence_rate_fte_%": "sw_absence_pct",
                    "social_worker_fte": "sw_fte_count",
                },
            )
        ],
        _sep30,
        _end_feb_next,
    ),
    Spec(
        "cin",
        ("At31_episodes", "Started_episodes", "awaiting_assessment"),
        [
            (
                {},
                {
                    "At31_episodes": "cin_at31_count",
                    "Started_episodes": "cin_started_count",
                    "awaiting_assessment": "cin_awaiting_assessment_count",
                },
            )
        ],
    ),
    Spec(
        "cin_2023",
        ("At31_episodes", "Started_episodes", "Awaiting_assessment"),
        [
            (
                {},
                {
                    "At31_episodes": "cin_at31_count",
                    "Started_episodes": "cin_started_count",
                    "Awaiting_assessment": "cin_awaiting_assessment_count",
                },
            )
        ],
    ),
    Spec(
        "cin_referrals_2023",
        ("Referrals", "Re_referrals_percent"),
        [
            (
                {},
                {
                    "Referrals": "referral_count",
                    "Re_referrals_percent": "rereferral_pct",
                    "No_Further_Action_percent": "referral_nfa_pct",
                    "Not_in_Need_percent": "assessed_not_in_need_pct",
                },
            )
        ],
    ),
    Spec(
        "cin_referrals",
        ("referral_count", "rereferral_percent"),
        [
            (
                {},
                {
                    "referral_count": "referral_count",
                    "rereferral_percent": "rereferral_pct",
                    "no_further_action_percent": "referral_nfa_pct",
                    "not_in_need_percent": "assessed_not_in_need_pct",
                },
            )
        ],
    ),
    Spec(
        "cin_assessment_factors",
        ("Episodes_with_assessment_factor", "Domestic_Abuse_person", "Neglect"),
        [
            (
                {},
                {
                    "Episodes_with_assessment_factor": "assessment_factor_episodes_count",
                    "Domestic_Abuse_person": "factor_domestic_abuse_count",
                    "Mental_Health_person": "factor_mental_health_count",
                    "Neglect": "factor_neglect_count",
                    "Child_sexual_exploitation": "factor_cse_count",
                },
            )
        ],
    ),
    Spec(
        "cpp_subsequent",
        ("CPP_start", "CPP_subsequent_percent"),
        [({}, {"CPP_start": "cpp_started_count", "CPP_subsequent_percent": "cpp_repeat_pct"})],
    ),
    Spec(
        "cpp_duration",
        ("CPP_At31", "2_years_or_more_percent"),
        [({}, {"CPP_At31": "cpp_at31_count", "2_years_or_more_percent": "cpp_2y_plus_pct"})],
    ),
    Spec(
        "cla_rates",
        ("population_type", "children_count", "rate_per_10000"),
        [
            (
                {"population_type": _CLA_31},
                {"rate_per_10000": "cla_rate_per_10k", "children_count": "cla_count"},
            ),
            (
                {"population_type": "Children starting to be looked after each year"},
                {"rate_per_10000": "cla_started_rate_per_10k"},
            ),
            (
                {"population_type": "Children ceasing to be looked after each year"},
                {"rate_per_10000": "cla_ceased_rate_per_10k"},
            ),
        ],
        published=_dec31,
    ),
    Spec(
        "cla_rates_older",
        ("population_count", "number", "rate_per_10000"),
        [
            (
                {"population_count": "Children looked after at 31 March each year"},
                {"rate_per_10000": "cla_rate_per_10k", "number": "cla_count"},
            ),
            (
                {"population_count": "Children starting to be looked after each year"},
                {"rate_per_10000": "cla_started_rate_per_10k"},
            ),
            (
                {"population_count": "Children ceasing to be looked after each year"},
                {"rate_per_10000": "cla_ceased_rate_per_10k"},
            ),
        ],
        published=_dec31,
    ),
    Spec(
        "placement_stability",
        ("cla_group", "placement_stability", "children_percent"),
        [
            (
                {
                    "cla_group": "CLA on 31 March",
                    "placement_stability": "With 3 or more placements during the year",
                },
                {"children_percent": "placement_3plus_pct"},
            ),
            (
                {
                    "cla_group": _STAB_25,
                    "placement_stability": "Living with the same carer for at least 2 years",
                },
                {"children_percent": "placement_same_carer_2y_pct"},
            ),
        ],
        published=_dec31,
    ),
    Spec(
        "placement_stability_2023",
        ("cla_group", "placement_stability", "percentage"),
        [
            (
                {
                    "cla_group": "CLA on 31 March",
                    "placement_stability": "With 3 or more placements during the year",
                },
                {"percentage": "placement_3plus_pct"},
            ),
            (
                {
                    "cla_group": _STAB_25,
                    "placement_stability": "Living with the same carer for at least 2 years",
                },
                {"percentage": "placement_same_carer_2y_pct"},
            ),
            (
                {"cla_group": _STAB_25_OLD, "placement_stability": _SAME_CARER_2023},
                {"percentage": "placement_same_carer_2y_pct"},
            ),
        ],
        published=_dec31,
        excludes=("children_percent",),
    ),
    Spec(
        "placement_stability_older",
        ("cla_group", "characteristic", "percentage"),
        [
            (
                {
                    "cla_group": "Children looked after at 31 March",
                    "characteristic": "With 3 or more placements during the year",
                },
                {"percentage": "placement_3plus_pct"},
            ),
            (
                {"cla_group": _STAB_25_OLD, "characteristic": _SAME_PLACEMENT_OLD},
                {"percentage": "placement_same_placement_2y_pct"},
            ),
        ],
        published=_dec31,
    ),
    Spec(
        "population",
        ("age_group", "population_estimate"),
        [({"age_group": "Children aged 0 to 17 years"}, {"population_estimate": "pop_0_17_count"})],
        _june30,
        _dec31_next,
        excludes=("population_type", "population_count"),
    ),
]

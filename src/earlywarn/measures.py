"""The measure catalogue: what each source measure is (words, unit, direction, family, nature).

:data:`MEASURES` describes the source measures this package knows: the synthetic ones and
those read from the real sources (:mod:`earlywarn.sources`). A measure it does not know is
treated as a service indicator where higher is worse, and says so in its label. Counts and
populations are ``context`` (sizes, not performance); a measure whose direction is not
settled (e.g. the rate of children looked after) keeps ``direction_known=False`` and is
left out of the direction-of-travel count and of 'coasting'.

This is data vocabulary, below both the sources (which report coverage per family) and the
features (which read it); :mod:`earlywarn.features.registry` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EVENT_MEASURES", "MEASURES", "NATURES", "MeasureInfo", "measure_info"]

NATURES = ("financial", "capacity", "capability", "political")


@dataclass(frozen=True)
class MeasureInfo:
    """What a source measure is: words, unit, direction, family and problem nature.

    Attributes
    ----------
    label : str
        Plain words, e.g. 're-referrals within 12 months'.
    unit : str
        '%', ' £m', '' ...
    higher_is_worse : bool
        Direction of the measure.
    family : str
        Which feature family reads it (``context`` for sizes and populations).
    nature : str
        financial, capacity, capability or political.
    direction_known : bool
        False where a higher value is not clearly worse or better.
    sample_size : str
        For a survey measure: the measure holding its number of respondents.
    reason_ok : bool
        False for raw counts and sizes (children in need, referrals, £m spent): they
        describe how big a council is, not how well it does, so they stay in the model
        as context but are never offered as a reason (see :attr:`FeatureSpec.reason_ok`).
    published : str
        For a measure counted from dated events (:data:`EVENT_MEASURES`): when an event
        becomes known, and where the count is missing rather than 0.
    """

    label: str
    unit: str
    higher_is_worse: bool
    family: str = "indicators"
    nature: str = "capability"
    direction_known: bool = True
    sample_size: str = ""
    reason_ok: bool = True
    published: str = ""


def _fin(label: str, higher_is_worse: bool = False) -> MeasureInfo:
    """A finance amount in £m: a part of a finance ratio, never a reason on its own."""
    return MeasureInfo(
        label, " £m", higher_is_worse, family="finance", nature="financial", reason_ok=False
    )


def _ctx(label: str, unit: str = "", nature: str = "capacity") -> MeasureInfo:
    """A size or count: context only, never a reason."""
    return MeasureInfo(
        label, unit, True, family="context", nature=nature, direction_known=False, reason_ok=False
    )


def _rate(label: str) -> MeasureInfo:
    """A count per 10,000 children: demand, whose direction is not settled."""
    return MeasureInfo(f"{label} per 10,000 children", "", True, direction_known=False)


def _asc_survey(label: str, unit: str = "") -> MeasureInfo:
    """An Adult Social Care Survey / carers' survey measure (higher is better)."""
    return MeasureInfo(label, unit, False, family="satisfaction", nature="capability")


def _political(label: str, unit: str = "", hw: bool = True) -> MeasureInfo:
    return MeasureInfo(label, unit, hw, family="leadership", nature="political")


def _capacity(label: str, unit: str = "%") -> MeasureInfo:
    return MeasureInfo(label, unit, True, nature="capacity")


def _unsure(label: str, unit: str = "%") -> MeasureInfo:
    return MeasureInfo(label, unit, True, direction_known=False)


MEASURES: dict[str, MeasureInfo] = {
    # service indicators (synthetic and DfE children's social care statistics)
    "rereferral_pct": MeasureInfo("re-referrals within 12 months", "%", True),
    "cpp_repeat_pct": MeasureInfo("repeat child protection plans", "%", True),
    "cpp_2y_plus_pct": MeasureInfo("child protection plans lasting two years or more", "%", True),
    "assessment_timeliness_pct": MeasureInfo("assessments completed on time", "%", False),
    "placement_3plus_pct": MeasureInfo(
        "children looked after with three or more placements in the year", "%", True
    ),
    "placement_same_carer_2y_pct": MeasureInfo(
        "children looked after long-term living with the same carer for two years", "%", False
    ),
    "placement_same_placement_2y_pct": MeasureInfo(
        "children looked after long-term in the same placement for two years", "%", False
    ),
    "referral_nfa_pct": _unsure("referrals leading to no further action"),
    "assessed_not_in_need_pct": _unsure("assessments finding the child not in need"),
    "cla_rate_per_10k": _unsure("children looked after per 10,000 children", ""),
    "cla_started_rate_per_10k": _unsure("children starting to be looked after per 10,000", ""),
    "cla_ceased_rate_per_10k": _unsure("children ceasing to be looked after per 10,000", ""),
    "noise_index": MeasureInfo("the miscellaneous index", "", True),
    # adult social care (Oflog)
    # adult social care surveys (Oflog, from DHSC's ASCOF): people who use the council's
    # adult social care services, and unpaid carers - not residents at large
    "asc_carer_quality_of_life": _asc_survey(
        "quality of life reported by carers known to the council's adult social care "
        "(carers' survey score, 0-12)"
    ),
    "asc_user_quality_of_life": _asc_survey(
        "quality of life reported by users of the council's adult social care "
        "(user survey score, 0-24)"
    ),
    "asc_users_easy_to_find_info_pct": _asc_survey(
        "users of the council's adult social care who find information easily", "%"
    ),
    "asc_carers_easy_to_find_info_pct": _asc_survey(
        "carers known to the council's adult social care who find information easily", "%"
    ),
    "asc_short_term_service_no_further_need_pct": MeasureInfo(
        "short-term adult care ending with no further need", "%", False
    ),
    # more services per request is not clearly better or worse (need vs. gatekeeping):
    # left out of the direction-of-travel count and of 'coasting'
    "asc_requests_resulting_in_service_per_100k": _unsure(
        "adult care requests resulting in a service per 100,000 adults", ""
    ),
    "asc_workforce_turnover_pct": _capacity("adult social care workforce turnover"),
    # workforce (capacity)
    "sw_turnover_pct": _capacity("social worker turnover"),
    "agency_worker_pct": _capacity("agency social workers"),
    "sw_agency_pct": _capacity("agency social workers"),
    "sw_vacancy_pct": _capacity("social worker vacancies"),
    "sw_absence_pct": _capacity("social worker sickness absence"),
    "sw_caseload_per_fte": _capacity("cases per social worker", ""),
    # counts per 10,000 children aged 0-17 (sources.rates): demand, direction not settled
    "cin_at31_per_10k": _rate("children in need at 31 March"),
    "cin_started_per_10k": _rate("children in need episodes started"),
    "cin_awaiting_assessment_per_10k": _rate("children awaiting assessment"),
    "referral_per_10k": _rate("referrals to children's social care"),
    "cpp_started_per_10k": _rate("child protection plans started"),
    "cpp_at31_per_10k": _rate("child protection plans at 31 March"),
    "factor_domestic_abuse_per_10k": _rate("assessments citing domestic abuse"),
    "factor_mental_health_per_10k": _rate("assessments citing mental health"),
    "factor_neglect_per_10k": _rate("assessments citing neglect"),
    "factor_cse_per_10k": _rate("assessments citing child sexual exploitation"),
    "sw_fte_per_10k": MeasureInfo(
        "social workers in post (FTE) per 10,000 children", "", False, nature="capacity"
    ),
    "s251_cla_net_spend_gbp_per_child": MeasureInfo(
        "net spending on children looked after per child aged 0-17 (s251 outturn)",
        " £",
        True,
        family="context",
        nature="financial",
        direction_known=False,
    ),
    "s251_family_support_net_spend_gbp_per_child": MeasureInfo(
        "net spending on family support services per child aged 0-17 (s251 outturn)",
        " £",
        False,
        family="context",
        nature="financial",
        direction_known=False,
    ),
    # gross spend (s251 outturn 2015-16 on, read from DfE LAIT): a separate series from the
    # net spend above (gross includes income-funded spend), never joined to it
    "s251_cla_gross_spend_gbp_per_child": MeasureInfo(
        "gross spending on children looked after per child aged 0-17 (s251 outturn)",
        " £",
        True,
        family="context",
        nature="financial",
        direction_known=False,
    ),
    "s251_family_support_gross_spend_gbp_per_child": MeasureInfo(
        "gross spending on family support services per child aged 0-17 (s251 outturn)",
        " £",
        False,
        family="context",
        nature="financial",
        direction_known=False,
    ),
    "s251_childrens_services_gross_spend_gbp_per_child": MeasureInfo(
        "gross spending on children's and young people's services per child aged 0-17 "
        "(s251 outturn)",
        " £",
        False,
        family="context",
        nature="financial",
        direction_known=False,
    ),
    # high-needs finance (DfE SEND and AP dashboard from s251 outturn and ESFA allocations)
    "dsg_deficit_pct_of_grant": MeasureInfo(
        "the dedicated schools grant deficit as a share of the grant",
        "%",
        True,
        nature="financial",
    ),
    # political control (Open Council Data UK; sources.political_control)
    "political_no_overall_control": _political("no party with overall control"),
    "political_control_changes_1y": _political("changes of political control in the last year"),
    "political_control_changes_2y": _political("changes of political control in two years"),
    "political_control_changes_4y": _political("changes of political control in four years"),
    "political_majority_seats": _political(
        "the largest group's seats minus all other seats", " seats", hw=False
    ),
    "political_seat_churn_pct": _political("seats that changed party at the latest elections", "%"),
    "political_years_since_control_change": _political(
        "time since political control last changed", " years", hw=False
    ),
    # sizes and populations: context, never indicators
    "sw_fte_count": _ctx("social workers in post (FTE)"),
    "pop_0_17_count": _ctx("children aged 0 to 17"),
    "cla_count": _ctx("children looked after"),
    "cin_at31_count": _ctx("children in need at 31 March"),
    "cin_started_count": _ctx("children in need episodes started"),
    "cin_awaiting_assessment_count": _ctx("children awaiting assessment"),
    "referral_count": _ctx("referrals"),
    "cpp_started_count": _ctx("child protection plans started"),
    "cpp_at31_count": _ctx("child protection plans at 31 March"),
    "assessment_factor_episodes_count": _ctx("episodes with assessment factors"),
    "factor_domestic_abuse_count": _ctx("assessments citing domestic abuse"),
    "factor_mental_health_count": _ctx("assessments citing mental health"),
    "factor_neglect_count": _ctx("assessments citing neglect"),
    "factor_cse_count": _ctx("assessments citing child sexual exploitation"),
    # children's services net spend (s251 outturn): a size and a choice, not performance
    "s251_cla_net_spend_gbp_m": _ctx(
        "net spending on children looked after (s251 outturn)", " £m", nature="financial"
    ),
    "s251_family_support_net_spend_gbp_m": _ctx(
        "net spending on family support services (s251 outturn)", " £m", nature="financial"
    ),
    "s251_cla_gross_spend_gbp_m": _ctx(
        "gross spending on children looked after (s251 outturn)", " £m", nature="financial"
    ),
    "s251_family_support_gross_spend_gbp_m": _ctx(
        "gross spending on family support services (s251 outturn)", " £m", nature="financial"
    ),
    "s251_childrens_services_gross_spend_gbp_m": _ctx(
        "gross spending on children's and young people's services (s251 outturn)",
        " £m",
        nature="financial",
    ),
    "deprivation_imd_score": MeasureInfo(
        "the deprivation score (IMD)", "", True, family="context", nature="capacity"
    ),
    "deprivation_lsoa_decile1_pct": MeasureInfo(
        "the share of neighbourhoods in England's most deprived tenth",
        "%",
        True,
        family="context",
        nature="capacity",
    ),
    # satisfaction
    "resident_satisfaction_pct": MeasureInfo(
        "resident satisfaction",
        "%",
        False,
        family="satisfaction",
        nature="political",
        sample_size="resident_satisfaction_n",
    ),
    "resident_satisfaction_n": MeasureInfo(
        "residents surveyed", "", False, family="satisfaction", nature="political"
    ),
    # finance (read by the finance family by name)
    "usable_reserves_gbp_m": MeasureInfo(
        "usable reserves", " £m", False, family="finance", nature="financial"
    ),
    "net_revenue_expenditure_gbp_m": MeasureInfo(
        "net revenue expenditure", " £m", False, family="finance", nature="financial"
    ),
    "net_current_expenditure_gbp_m": MeasureInfo(
        "net current expenditure", " £m", False, family="finance", nature="financial"
    ),
    "childrens_social_care_spend_gbp_m": MeasureInfo(
        "spending on children's social care", " £m", True, family="finance", nature="financial"
    ),
    "adult_social_care_spend_gbp_m": MeasureInfo(
        "spending on adult social care", " £m", True, family="finance", nature="financial"
    ),
    "unallocated_reserves_gbp_m": MeasureInfo(
        "unallocated reserves", " £m", False, family="finance", nature="financial"
    ),
    "social_care_spend_share_pct": MeasureInfo(
        "the share of spending on social care", "%", True, family="finance", nature="financial"
    ),
    "external_debt_gbp_m": MeasureInfo(
        "external debt", " £m", True, family="finance", nature="financial"
    ),
    "council_tax_income_gbp_m": MeasureInfo(
        "council tax income", " £m", False, family="finance", nature="financial"
    ),
    "revenue_overspend_pct": MeasureInfo(
        "the revenue overspend against budget", "%", True, family="finance", nature="financial"
    ),
    # finance sources of the financial-failure outcome (sources.finance_*; sizes in £m are
    # the parts of the ratios in earlywarn.financial, never reasons on their own)
    "total_service_expenditure_gbp_m": _fin("total service expenditure (net current)"),
    "council_tax_requirement_gbp_m": _fin("the council tax requirement"),
    "mrp_gbp_m": _fin("the minimum revenue provision (repayment of principal)", True),
    "external_interest_gbp_m": _fin("external interest payments", True),
    "earmarked_reserves_gbp_m": _fin("other earmarked reserves"),
    "dsg_reserves_gbp_m": _fin("dedicated schools grant reserves (positive balances only)"),
    "cfr_gbp_m": _fin("the capital financing requirement", True),
    "gross_borrowing_gbp_m": _fin("gross external borrowing", True),
    "core_spending_power_gbp_m": _fin("core spending power"),
    "band_d_gbp": MeasureInfo(
        "Band D council tax (the council's own element)",
        " £",
        True,
        family="finance",
        nature="financial",
        direction_known=False,
    ),
    "childrens_services_judgement": MeasureInfo(
        "the latest Ofsted children's services judgement (1 outstanding .. 4 inadequate)",
        "",
        True,
        family="finance",
        nature="capability",
    ),
}


_VISIT_PUBLISHED = (
    "the visit letter's publication date (Ofsted in-year table); where the table gives "
    "none (2021-22 .. 2023-24), the visit's first day + 79 days. Counts are missing, not 0, "
    "at origins whose 24 months the visit tables do not cover (they begin in April 2021)"
)

#: Measures counted per origin from dated events (not observations): words, unit,
#: direction, family, nature and publication rule. Read by the feature families.
EVENT_MEASURES: dict[str, MeasureInfo] = {
    "monitoring_visits_24m": MeasureInfo(
        "Ofsted monitoring visits in 24 months (made while a council is judged inadequate)",
        " visits",
        True,
        family="inspection",
        published=_VISIT_PUBLISHED,
    ),
    # focused visits go to councils judged requires improvement or better: more of them
    # is not clearly worse (timing context for the model, never a reason)
    "focused_visits_24m": MeasureInfo(
        "Ofsted focused visits in 24 months",
        " visits",
        True,
        family="inspection",
        direction_known=False,
        reason_ok=False,
        published=_VISIT_PUBLISHED,
    ),
    "months_since_visit": MeasureInfo(
        "time since Ofsted's last focused or monitoring visit",
        " months",
        False,
        family="inspection",
        direction_known=False,
        reason_ok=False,
        published="as the visits; missing before any visit is known and once the visit tables stop",
    ),
}
_OUTCOME_PUBLISHED = (
    "the report's publication date (the points are read from its text); NaN for reports "
    "of inspections before the April 2026 reform, whose points carry no outcome"
)
for _key, _words in {
    "help": "children, young people and families staying together and getting the help they need",
    "family_network": "children and young people being supported by their family network",
    "safe": "children and young people being safe in and outside of their homes",
    "stable_homes": "children in care and care leavers having stable, loving homes",
    "enablers": "the enablers (workforce, leadership, multi-agency working)",
}.items():
    EVENT_MEASURES[f"last_report_improve_{_key}"] = MeasureInfo(
        f"points to improve on {_words} (a national framework outcome) in the latest "
        "inspection report",
        " points",
        True,
        family="inspection",
        published=_OUTCOME_PUBLISHED,
    )


def measure_info(measure: str) -> MeasureInfo:
    """Metadata for ``measure``; unknown measures are indicators where higher is worse.

    Example
    -------
    >>> measure_info("pop_0_17_count").family
    'context'
    >>> measure_info("mystery_pct").label
    'mystery (direction assumed)'
    """
    if measure in MEASURES:
        return MEASURES[measure]
    words = measure.replace("_pct", "").replace("_", " ")
    unit = "%" if measure.endswith("_pct") else ""
    return MeasureInfo(f"{words} (direction assumed)", unit, True)

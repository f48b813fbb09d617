"""Feature metadata: every feature knows its family, problem nature, direction and words.

A :class:`FeatureSpec` carries what the later stages need: the family and problem nature
(for grouping explanations), whether a higher value is worse (for monotone constraints
and for words like 'rose'/'fell'), the unit, and a sentence template for reasons.

:data:`MEASURES` describes the source measures this package knows. A measure it does not
know is treated as a service indicator where higher is worse, and says so in its label.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MEASURES", "FeatureSpec", "MeasureInfo", "measure_info", "render_sentence"]

NATURES = ("financial", "capacity", "capability", "political")


@dataclass(frozen=True)
class MeasureInfo:
    """What a source measure is: words, unit, direction, family and problem nature."""

    label: str
    unit: str
    higher_is_worse: bool
    family: str = "indicators"
    nature: str = "capability"


MEASURES: dict[str, MeasureInfo] = {
    "rereferral_pct": MeasureInfo("re-referrals within 12 months", "%", True),
    "cpp_repeat_pct": MeasureInfo("repeat child protection plans", "%", True),
    "assessment_timeliness_pct": MeasureInfo("assessments completed on time", "%", False),
    "sw_turnover_pct": MeasureInfo("social worker turnover", "%", True, nature="capacity"),
    "agency_worker_pct": MeasureInfo("agency social workers", "%", True, nature="capacity"),
    "noise_index": MeasureInfo("the miscellaneous index", "", True),
    "resident_satisfaction_pct": MeasureInfo(
        "resident satisfaction", "%", False, family="satisfaction", nature="political"
    ),
    "resident_satisfaction_n": MeasureInfo(
        "residents surveyed", "", False, family="satisfaction", nature="political"
    ),
    "usable_reserves_gbp_m": MeasureInfo(
        "usable reserves", " £m", False, family="finance", nature="financial"
    ),
    "net_revenue_expenditure_gbp_m": MeasureInfo(
        "net revenue expenditure", " £m", False, family="finance", nature="financial"
    ),
    "social_care_spend_share_pct": MeasureInfo(
        "the share of spending on social care", "%", True, family="finance", nature="financial"
    ),
    "deprivation_imd_score": MeasureInfo(
        "the deprivation score (IMD)", "", True, family="context", nature="capacity"
    ),
}


def measure_info(measure: str) -> MeasureInfo:
    """Metadata for ``measure``; unknown measures are indicators where higher is worse."""
    if measure in MEASURES:
        return MEASURES[measure]
    words = measure.replace("_pct", "").replace("_", " ")
    unit = "%" if measure.endswith("_pct") else ""
    return MeasureInfo(f"{words} (direction assumed)", unit, True)


@dataclass(frozen=True)
class FeatureSpec:
    """One model input feature.

    Attributes
    ----------
    name : str
        Column name (snake_case, carrying its unit).
    family : str
        indicators, satisfaction, finance, leadership, inspection or context.
    nature : str
        financial, capacity, capability or political: who would offer help.
    higher_is_worse : bool
        Direction of the feature itself (a change feature inherits its measure's).
    label : str
        Plain words for the quantity, e.g. 're-referrals within 12 months'.
    unit : str
        '%', ' points', ' years', '' ...
    kind : str
        'level', 'change' or 'count': chooses the sentence template.
    span : str
        For changes: the span in words, e.g. 'three years'.
    """

    name: str
    family: str
    nature: str
    higher_is_worse: bool
    label: str
    unit: str = ""
    kind: str = "level"
    span: str = ""


def _fmt(x: float, unit: str) -> str:
    if x != x:  # NaN
        return "not known"
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"
    return f"{text}{unit}"


def render_sentence(
    spec: FeatureSpec,
    value: float,
    peer: float,
    start: float | None = None,
    level_unit: str | None = None,
) -> str:
    """Turn a feature's value and its peers' median into a sentence for an adviser.

    For a change feature, pass ``start`` (the level at the start of the span) to say
    "rose from A to B": then ``peer`` is the peers' median of the *level* now, and
    ``level_unit`` the level's unit (default: the spec's unit).

    Example
    -------
    >>> s = FeatureSpec("x_chg_3y", "indicators", "capability", True, "re-referrals",
    ...                 " points", kind="change", span="three years")
    >>> render_sentence(s, 9.0, 0.5)[:45]
    'Re-referrals rose by 9.0 points over three ye'
    """
    label = spec.label[:1].upper() + spec.label[1:]
    if spec.kind == "change":
        verb = "rose" if value > 0 else "fell" if value < 0 else "did not change"
        if start is not None and start == start and value == value:
            u = spec.unit if level_unit is None else level_unit
            moved = f"from {_fmt(start, u)} to {_fmt(start + value, u)}"
            if value == 0:
                verb, moved = "stayed", f"at {_fmt(start, u)}"
            return (
                f"{label} {verb} {moved} over {spec.span}; similar councils' median is "
                f"{_fmt(peer, u)}."
            )
        amount = f" by {_fmt(abs(value), spec.unit)}" if value == value and value != 0 else ""
        return (
            f"{label} {verb}{amount} over {spec.span}; similar councils' median change is "
            f"{_fmt(peer, spec.unit)}."
        )
    if spec.kind == "count":
        peer_text = _fmt(peer, spec.unit)
        return f"{label}: {_fmt(value, spec.unit)} (similar councils' median: {peer_text})."
    return (
        f"{label} is {_fmt(value, spec.unit)}, against a median of {_fmt(peer, spec.unit)} in "
        "similar councils."
    )

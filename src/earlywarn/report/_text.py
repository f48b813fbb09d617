"""Words of the published list: human column headers, the verdict, the matrix in words.

Kept apart from :mod:`earlywarn.report` (which renders) so the XLSX, the HTML page and
the terminal use the same words.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from earlywarn.labels import announced
from earlywarn.report.risk_list import PROBABILITY_COLUMNS

__all__ = [
    "DISPLAY_LIMITS",
    "DISPLAY_ORDER",
    "MATRIX_WORDS",
    "matrix_words",
    "meaning_words",
    "PERCENT_COLUMNS",
    "display_text",
    "headers",
    "ranking_words",
    "verdict",
]

PERCENT_COLUMNS = ("tier_hit_rate", *PROBABILITY_COLUMNS)

# the list's columns in reading order (the band beside the name); others follow
DISPLAY_ORDER = (
    "rank",
    "council_name",
    "risk_band",
    "tier",
    "tier_note",
    "already_inadequate",
    "financial_notice",
    "financial_failure_on_record",
    "probability",
    "probability_lo",
    "probability_hi",
    "p_inspected",
    "joint_probability",
    "conditional_probability",
    "likelihood_band",
    "impact_band",
    "risk_score",
    "reason_1",
    "adviser_notes",
    "context_note",
    "reason_2",
    "reason_3",
    "main_problem_nature",
    "support_offered",
    "mitigating_factor",
    "council_code",
    "council_type",
    "region",
    "likelihood_ratio",
    "impact_value",
)

MATRIX_WORDS = (
    "Each council is placed in the 3 x 3 risk matrix of the East Midlands regional "
    "improvement partnership (EMRIEP risk analysis criteria): likelihood is the published "
    "probability against the base rate of inadequate judgements (medium from the base rate, "
    "high from 1.5 times it; the model's top k are at least medium; never more likely than a "
    "council ranked above), and impact is how many children depend on the service, the "
    "rate of children looked after per 10,000 children (DfE), in thirds of councils. The "
    "band is the partnership's own wording for that cell, from 'No action necessary' (low "
    "on both) to 'Immediate action needed' (high on both)."
)


def _impact_header(cfg: Mapping[str, Any]) -> str:
    """The impact column's heading: the config's ``report.impact_measure`` in words."""
    from earlywarn.measures import measure_info

    measure = str((cfg.get("report") or {}).get("impact_measure") or "cla_rate_per_10k")
    if measure == "cla_rate_per_10k":
        return "Children looked after per 10,000 (impact)"
    info = measure_info(measure)
    return f"{info.label[:1].upper()}{info.label[1:]} (impact)"


def headers(run_info: Mapping[str, Any]) -> dict[str, str]:
    """Column name -> human header; the probabilities say exactly what they are."""
    meaning = str(run_info.get("probability_meaning") or "probability")
    iv = run_info.get("interval") or {}
    level = iv.get("level")
    lvl = f"{float(level):.0%} " if level else ""
    months = ""
    cfg = run_info.get("config") or {}
    horizon = str(cfg.get("horizon", run_info.get("horizon", "")))
    if horizon.upper().endswith("M"):
        months = f" within {horizon[:-1]} months"
    return {
        "rank": "Rank",
        "council_code": "Council code",
        "council_name": "Council",
        "council_type": "Type",
        "region": "Region",
        "probability": meaning,
        "probability_lo": f"{lvl}interval: from",
        "probability_hi": f"{lvl}interval: to",
        "p_inspected": f"P(inspected{months})",
        "joint_probability": f"P(inspected and judged inadequate{months})",
        "conditional_probability": f"P(judged inadequate | inspected{months})",
        "reason_1": "Reason 1",
        "reason_2": "Reason 2",
        "reason_3": "Reason 3",
        "context_note": "Context",
        "already_inadequate": "Already inadequate",
        "adviser_notes": "Advisers' notes",
        "tier": "Tier",
        "tier_hit_rate": "Tier's hit rate at past origins",
        "tier_note": "Tier's record at past origins",
        "financial_notice": "Financial failure notice",
        "financial_failure_on_record": "EFS or s114 in the last five years",
        "main_problem_nature": "Problem nature",
        "mitigating_factor": "Protective factor",
        "likelihood_ratio": "Probability / base rate",
        "likelihood_band": "Likelihood",
        "impact_value": _impact_header(cfg),
        "impact_band": "Impact",
        "risk_score": "Matrix score (1-9)",
        "risk_band": "Risk band (EMRIEP wording)",
        "support_offered": "Support usually offered",
    }


def display_columns(columns) -> list[str]:
    """The list's columns in reading order."""
    cols = list(columns)
    return [c for c in DISPLAY_ORDER if c in cols] + [c for c in cols if c not in DISPLAY_ORDER]


def _metric(sec: Mapping[str, Any] | None, name: str) -> dict | None:
    if not isinstance(sec, Mapping):
        return None
    m = (sec.get("pooled") or {}).get(name)
    return m if isinstance(m, Mapping) and m.get("value") is not None else None


def verdict(evaluation: Mapping[str, Any]) -> str:
    """The report's first box: the one headline (:func:`earlywarn.evaluation.headline_lines`:
    within-origin AUROC and the published-list shares of the published model and of the
    best simple rule, with intervals and chance), then what it means."""
    from earlywarn.evaluation import headline, headline_lines

    chosen = (evaluation.get("chosen_model") or {}).get("kind", "")
    if chosen not in (evaluation.get("models") or {}):
        return (
            "No backtest of this model is attached to this publication: how well it ranked "
            "councils in the past is not known here (see the evaluation of its cycle)."
        )
    origins = evaluation.get("test_origins") or []
    span = f"{origins[0][:4]}-{origins[-1][:4]}" if origins else "the test origins"
    text = (
        f"How good has this been? In the backtest ({span}, each year scored with only what "
        "was known then): " + " ".join(headline_lines(evaluation))
    )
    h = headline(evaluation)
    figs = h["figures"]
    if h["rule"]:
        mine = figs[h["model"]]["auroc_within_origin"]
        theirs = figs[h["rule"]]["auroc_within_origin"]
        if mine.get("lo") is None or theirs.get("value") is None or mine["lo"] <= theirs["value"]:
            text += (
                " The model is not clearly better than that rule: treat the list as a prompt "
                "for a conversation, not as a forecast."
            )
        else:
            text += " The model was better than every simple rule tried."
    return text


def _ci(m: Mapping[str, Any]) -> str:
    lo, hi = m.get("lo"), m.get("hi")
    return f" (95% interval {lo:.2f}-{hi:.2f})" if lo is not None and hi is not None else ""


def ranking_words(risk_list: pd.DataFrame, k: int) -> str:
    """Whether the order within the top ``k`` is distinguishable by the intervals."""
    if not {"probability_lo", "probability_hi"} <= set(risk_list.columns) or len(risk_list) < 2:
        return "No interval is published: how sure the order is cannot be said."
    top = risk_list.sort_values("rank").head(k)
    first, last = top.iloc[0], top.iloc[-1]
    known = top[["probability_lo", "probability_hi"]].notna().all(axis=1)
    if not (known.iloc[0] and known.iloc[-1]):
        return (
            "The intervals of rank 1 and of the last of the top group are not shown: how sure "
            "the order is cannot be said; read the top group as a group, not as an order."
        )
    top = top[known]
    if first["probability_lo"] > last["probability_hi"]:
        return (
            f"The interval of rank 1 lies above that of rank {len(top)}: the top of the list "
            "is distinguishable from its end."
        )
    n_over = int((top["probability_lo"].iloc[0] <= top["probability_hi"]).sum()) - 1
    return (
        f"The ranking within the top {len(top)} is not distinguishable: the interval of rank 1 "
        f"({first['probability_lo']:.0%} to {first['probability_hi']:.0%}) overlaps those of "
        f"{n_over} of the other {len(top) - 1}, including rank {len(top)} "
        f"({last['probability_lo']:.0%} to {last['probability_hi']:.0%}). Read the top "
        f"{len(top)} as a group, not as an order."
    )


#: Longest text (characters) the HTML report shows in a cell or heading, per column;
#: longer values are cut with an ellipsis and the whole value kept in the element's
#: ``title`` (shown on hover) - and always in the CSV and XLSX, which are never cut.
#: Other columns: :data:`DISPLAY_DEFAULT` (the generated reasons run to ~250).
DISPLAY_LIMITS = {
    "council_name": 80,
    "council_type": 40,
    "region": 60,
    "context_note": 300,
    "adviser_notes": 300,
    "support_offered": 300,
}
DISPLAY_DEFAULT = 400


def display_text(value: Any, column: str = "council_name") -> str:
    """HTML for one text value of the report: escaped, and cut for display when long.

    Examples
    --------
    >>> display_text("Bury")
    'Bury'
    >>> long = "<b>" + "x" * 100
    >>> cut = display_text(long)
    >>> cut.startswith('<span title="&lt;b&gt;' + "x" * 100 + '">&lt;b&gt;xxx')
    True
    >>> cut.endswith("\u2026</span>"), len(cut) < 2 * len(long) + 60
    (True, True)
    """
    text = "" if value is None else str(value)
    limit = DISPLAY_LIMITS.get(column, DISPLAY_DEFAULT)
    if len(text) <= limit:
        return html.escape(text)
    shown = html.escape(text[: limit - 1].rstrip())
    return f'<span title="{html.escape(text, quote=True)}">{shown}\u2026</span>'


def gate_words(run_info: Mapping[str, Any]) -> str:
    """Whether the probability is shown, and why (the out-of-time calibration slope)."""
    gate = run_info.get("probability_gate") or {}
    slope = gate.get("calibration_slope")
    lo, hi = gate.get("slope_range") or (0.7, 1.3)
    if gate.get("shown"):
        return (
            f"The probability is shown: its out-of-time calibration slope in the backtest is "
            f"{slope:.2f}, within {lo}-{hi}."
        )
    why = (
        f"its out-of-time calibration slope in the backtest is {slope:.2f}, outside {lo}-{hi}"
        if isinstance(slope, int | float) and slope == slope
        else "no out-of-time calibration of this model is attached"
    )
    events = ((run_info.get("config") or {}).get("labels") or {}).get("events")
    failed = "failed" if announced(events) else "were judged inadequate"
    return (
        f"No probability is shown: {why}, so the model's numbers are not chances. The list "
        f"gives each council's rank, its tier and how often councils of that tier {failed} "
        "at past origins; the bands use the tier's rate against the overall rate."
    )


def matrix_words(run_info: Mapping[str, Any]) -> str:
    """:data:`MATRIX_WORDS`, with the failure and the impact measure of this list."""
    cfg = run_info.get("config") or {}
    if not announced((cfg.get("labels") or {}).get("events")):
        return MATRIX_WORDS
    return MATRIX_WORDS.replace("of inadequate judgements", "of failures").replace(
        "how many children depend on the service, the rate of children looked after per "
        "10,000 children (DfE)",
        _impact_header(cfg).removesuffix(" (impact)").lower(),
    )


def meaning_words(label: Mapping[str, Any]) -> str:
    """What the probability is a chance of, in the target's words (``label``: the
    evaluation's label block); an announced failure has no inspection to condition on."""
    what = str(label.get("description", ""))
    if announced(label.get("events")):
        return (
            f"the chance of {what}. Failures are announced, not found by inspection, so the "
            "probability is not conditional on anything happening in the window."
        )
    return (
        f"the chance that the council is judged inadequate if it is inspected within the "
        f"window ({what}), not the chance of an inspection. P(inspected) comes from an "
        "inspection-timing model, and the joint risk, their product, is what a partnership "
        "that cannot choose inspection dates sees coming."
    )

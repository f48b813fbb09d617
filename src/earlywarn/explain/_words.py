"""How reasons are said: numbers (:func:`fmt`), codes and grades in words, the dates of
events, the council-wide prefix of other services' and finance measures."""

from __future__ import annotations

import re

import numpy as np

from earlywarn.features.registry import FeatureSpec

GRADE_WORDS = {1: "outstanding", 2: "good", 3: "requires improvement", 4: "inadequate"}
OTHER_SERVICES = {"asc_": "adult social care"}


def fmt(x: float, unit: str = "", *others: float) -> str:
    """A number with its unit: 0 decimals from 100, 1 below, 2 significant figures below 1;
    more decimals (up to 6) while it prints like a different number in ``others``; never
    ``-0``.

    >>> fmt(-0.00004, " a year"), fmt(594.4, "", 594.0), fmt(2.0, "%", 2.04)
    ('-0.000040 a year', '594.4', '2.00%')
    """
    if x != x:
        return "not known"
    ax = abs(x)
    d = 0 if ax >= 100 else 1 if ax >= 1 or ax == 0 else max(1, int(-np.floor(np.log10(ax))) + 1)
    d = min(d, 6)

    def show(v: float, n: int) -> str:
        text = f"{v:,.{n}f}"
        return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text

    for o in others:
        if o == o and o != x:
            while d < 6 and show(x, d) == show(o, d):
                d += 1
    return f"{show(x, d)}{unit}"


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# how a sentence names the event an event-based feature comes from ("inspection of ...")
EVENT_NOUNS = {
    "inspection": "judgement",
    "ilacs": "inspection",
    "report": "report",
    "send_area": "inspection",
    "send_revisit": "revisit",
    "youth_justice": "inspection",
    "political_control": "latest change of control",
    "financial_notice": "notice",
}


def is_ordinal(spec: FeatureSpec) -> bool:
    """A coded level (a grade, a progress code) with words for its codes."""
    return spec.kind == "level" and len(spec.states) > 0


def plain_label(label: str) -> str:
    """The label without its code key ('(1 outstanding to 4 inadequate)', '(0 none, ...)')."""
    return re.sub(r"\s*\((?:\d|0 )[^)]*\)\s*$", "", label)


def median_words(spec: FeatureSpec, p: float) -> str:
    """Similar councils' median code in words ('between good and requires improvement')."""
    if p != p:
        return "not known"
    lo, hi = int(np.floor(p)), int(np.ceil(p))
    if lo == hi:
        return spec.state(float(lo)) or "not known"
    return f"between {spec.state(float(lo)) or '?'} and {spec.state(float(hi)) or '?'}"


def prefix(spec: FeatureSpec) -> str:
    for start, service in OTHER_SERVICES.items():
        if spec.measure.startswith(start) or spec.name.startswith(start):
            return f"Council-wide context ({service}): "
    if spec.family == "finance":
        return "Council-wide finances: "
    return ""


def financial_year(period) -> str:
    """A period ending 31 March as its financial year ('2023-24'); another date is a budget
    or forecast dated at its publication ('published Feb 2020').

    >>> import pandas as pd
    >>> financial_year(pd.Timestamp("2024-03-31")), financial_year(pd.Timestamp("2020-02-06"))
    ('2023-24', 'published Feb 2020')
    """
    import pandas as pd

    p = pd.Timestamp(period)
    if p.month == 3 and p.day == 31:
        return f"{p.year - 1}-{p.year % 100:02d}"
    return f"published {p:%b %Y}"


def finance_sentence(
    label: str,
    unit: str,
    value: float,
    peer: float,
    *,
    change: float = float("nan"),
    span: str = "",
    start_period=None,
    end_period=None,
    is_change: bool = False,
) -> str:
    """A finance reason in an adviser's words, with its period and similar councils' median.

    A level with its change: "Usable reserves as a share of net spending fell from 14% to 6%
    in three years (2020-21 to 2023-24); similar councils 11%." A level alone: "... is 6%
    (2023-24); similar councils 11%." A change (``is_change``): "Core spending power rose by
    1.2% in one year (to 2020-21); similar councils' median change 3.4%."

    >>> import pandas as pd
    >>> print(finance_sentence("reserves", "%", 6.0, 11.0, change=-8.0, span="three years",
    ...     start_period=pd.Timestamp("2021-03-31"), end_period=pd.Timestamp("2024-03-31")))
    Reserves fell from 14.0% to 6.0% in three years (2020-21 to 2023-24); similar councils 11.0%.
    """
    end = f"{financial_year(end_period)}" if end_period is not None else ""
    if is_change:
        verb = "rose" if value > 0 else "fell" if value < 0 else "did not change"
        amount = f" by {fmt(abs(value), unit, abs(peer))}" if value != 0 else ""
        when = f" (to {end})" if end else ""
        return (
            f"{cap(label)} {verb}{amount} in {span}{when}; similar councils' median change "
            f"{fmt(peer, unit, value)}."
        )
    if change == change and change != 0 and start_period is not None and end:
        start = value - change
        verb = "rose" if change > 0 else "fell"
        return (
            f"{cap(label)} {verb} from {fmt(start, unit, value)} to {fmt(value, unit, start, peer)}"
            f" in {span} ({financial_year(start_period)} to {end}); similar councils "
            f"{fmt(peer, unit, value)}."
        )
    when = f" ({end})" if end else ""
    peers = fmt(peer, unit, value)
    return f"{cap(label)} is {fmt(value, unit, peer)}{when}; similar councils {peers}."

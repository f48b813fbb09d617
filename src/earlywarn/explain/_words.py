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

"""Feature metadata: every feature knows its family, problem nature, direction and words.

A :class:`FeatureSpec` carries what the later stages need: the family and problem nature
(for grouping explanations), whether a higher value is worse (for monotone constraints
and for words like 'rose'/'fell'), the unit, and a sentence template for reasons.

The source measures themselves (:data:`MEASURES`, :func:`measure_info`) are data
vocabulary and live in :mod:`earlywarn.measures`, so the sources never import features;
they are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from earlywarn._names import FAMILIES
from earlywarn.measures import MEASURES, NATURES, MeasureInfo, measure_info

__all__ = [
    "level_feature",
    "FAMILIES",
    "KINDS",
    "MEASURES",
    "NATURES",
    "FeatureSpec",
    "MeasureInfo",
    "measure_info",
    "render_sentence",
]

# "rank": a within-origin percentile rank (0-1, high = worse) of the ratio named by the rest
# of its name (``rank_<ratio>``): its reason is said in the ratio's words (earlywarn.explain)
KINDS = ("level", "change", "count", "percentile", "robust_z", "flag", "share", "rank")


@dataclass(frozen=True)
class FeatureSpec:
    """One model input feature.

    Attributes
    ----------
    name : str
        Column name (snake_case, carrying its unit).
    family : str
        indicators, satisfaction, finance, leadership, soft, inspection or context.
    nature : str
        financial, capacity, capability or political: who would offer help.
    higher_is_worse : bool
        Direction of the feature itself (a change feature inherits its measure's).
    label : str
        Plain words for the quantity, e.g. 're-referrals within 12 months'.
    unit : str
        '%', ' points', ' years', '' ...
    kind : str
        One of :data:`KINDS`; chooses the default sentence.
    span : str
        For changes and counts: the span in words, e.g. 'three years'.
    template : str
        Optional sentence overriding the kind's default; ``str.format`` fields
        ``{label} {Label} {value} {peer} {abs} {verb} {span}`` (numbers already carry
        their unit).
    measure : str
        The source measure the feature is computed from ('' if none).
    reason_ok : bool
        False for raw counts and sizes: a model input (context) that must never be
        offered as a reason for a council's risk.
    states : tuple of str
        Words for the coded values from ``first_code`` on: a flag's two states as clauses
        (``("the last ILACS inspection was a standard one", "... a short one")``, for 0
        and 1), or an ordinal code's words (grades ``("outstanding", "good", ...)`` from
        1). A reason names the state the council is in, never the code.
    first_code : int
        The code of ``states[0]``.
    event : str
        The kind of event whose date the feature's value comes from (a key of
        :func:`earlywarn.features.event_dates`): a reason cites that date.
    lookback_years : float
        An event older than this (years before the origin) is never cited as a reason
        (0: no limit, e.g. a judgement that stays in force until the next one).
    gated : bool
        True when the value is missing for every council outside its source's window
        (:func:`earlywarn.features._windows.gate`): missing then means "source not running",
        so even a time since an event is held to the coverage rule
        (:func:`earlywarn.features.coverage_exempt`).
    """

    name: str
    family: str
    nature: str
    higher_is_worse: bool
    label: str
    unit: str = ""
    kind: str = "level"
    span: str = ""
    template: str = ""
    measure: str = ""
    reason_ok: bool = True
    states: tuple[str, ...] = ()
    first_code: int = 0
    event: str = ""
    lookback_years: float = 0.0
    gated: bool = False

    def state(self, value: float) -> str:
        """The words of a coded value ('' when the value is not a known code)."""
        if value != value or not self.states:
            return ""
        code = int(value >= 0.5) if self.kind == "flag" else int(round(value))
        i = code - self.first_code
        return self.states[i] if 0 <= i < len(self.states) else ""


def _fmt(x: float, unit: str) -> str:
    if x != x:  # NaN
        return "not known"
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.1f}"
    return f"{text}{unit}"


def _ordinal(x: float) -> str:
    n = int(round(x))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


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
    verb = "rose" if value > 0 else "fell" if value < 0 else "did not change"
    fields = {
        "label": spec.label,
        "Label": label,
        "value": _fmt(value, spec.unit),
        "peer": _fmt(peer, spec.unit),
        "abs": _fmt(abs(value), spec.unit),
        "verb": verb,
        "span": spec.span,
    }
    if spec.kind == "change" and start is not None and start == start and value == value:
        u = spec.unit if level_unit is None else level_unit
        moved = f"from {_fmt(start, u)} to {_fmt(start + value, u)}"
        if value == 0:
            verb, moved = "stayed", f"at {_fmt(start, u)}"
        return (
            f"{label} {verb} {moved} over {spec.span}; similar councils' median is {_fmt(peer, u)}."
        )
    if spec.template:
        return spec.template.format(**fields)
    if spec.kind == "change":
        if start is not None and start == start and value == value:
            u = spec.unit if level_unit is None else level_unit
            moved = f"from {_fmt(start, u)} to {_fmt(start + value, u)}"
            if value == 0:
                verb, moved = "stayed", f"at {_fmt(start, u)}"
            return (
                f"{label} {verb} {moved} over {spec.span}; similar councils' median is "
                f"{_fmt(peer, u)}."
            )
        amount = f" by {fields['abs']}" if value == value and value != 0 else ""
        return (
            f"{label} {verb}{amount} over {spec.span}; similar councils' median change is "
            f"{fields['peer']}."
        )
    if spec.kind == "count":
        return f"{label}: {fields['value']} (similar councils' median: {fields['peer']})."
    if spec.kind == "percentile":
        if value != value:
            return f"{label}: no comparison with similar councils is possible."
        return (
            f"{label} is higher than in {value:.0f}% of similar councils "
            f"(the {_ordinal(max(value, 1.0))} percentile)."
        )
    if spec.kind == "robust_z":
        side = "above" if value >= 0 else "below"
        return (
            f"{label} is {abs(value):.1f} typical deviations {side} the median of similar councils."
        )
    if spec.kind == "flag":
        yes = "yes" if value == value and value >= 0.5 else "no"
        most = "not known" if peer != peer else "yes" if peer >= 0.5 else "no"
        return f"{label}: {yes} (for most similar councils: {most})."
    return (
        f"{label} is {fields['value']}, against a median of {fields['peer']} in similar councils."
    )


def level_feature(name: str, specs: dict[str, FeatureSpec]) -> str | None:
    """For a change feature, the level feature it is the change of (same family and words).

    >>> from earlywarn.features.registry import FeatureSpec
    >>> specs = {"x_pct": FeatureSpec("x_pct", "indicators", "capability", True, "x", "%"),
    ...          "x_pct_chg_3y": FeatureSpec("x_pct_chg_3y", "indicators", "capability",
    ...                                      True, "x", " points", kind="change")}
    >>> level_feature("x_pct_chg_3y", specs)
    'x_pct'
    """
    spec = specs[name]
    if spec.kind != "change":
        return None
    cands = [
        n
        for n, s in specs.items()
        if s.kind == "level" and s.family == spec.family and s.label == spec.label
    ]
    if not cands:
        return None
    return max(cands, key=lambda n: (len(_common_prefix(n, name)), -len(n)))


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]

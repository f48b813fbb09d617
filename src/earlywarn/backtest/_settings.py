"""What is predicted and how it is measured: :class:`EvaluationSettings` (the cycle config's
``labels`` and ``evaluate``), and those settings in words.

Example
-------
>>> s = EvaluationSettings(horizon_months=24, censoring="drop", target="joint")
>>> s.target_words.startswith("the joint risk")
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from earlywarn._names import BASELINES, CENSORING, SUBGROUPS, TARGETS
from earlywarn.labels import CENSORING_WORDS, found_by_inspection

__all__ = [
    "LABEL_WORDS",
    "MIN_P_INSPECTED",
    "TARGET_WORDS",
    "EvaluationSettings",
    "describe",
    "score_words",
]

MIN_P_INSPECTED = 0.05  # floor of the estimated inspection chance (weights at most 20)


LABEL_WORDS = {
    "inadequate": "an 'inadequate' inspection judgement",
    "requires_improvement_or_worse": "an inspection judgement of 'requires improvement' or worse",
    "financial_notice": "a financial failure notice",
    "financial_failure": "a first exceptional financial support approval or section 114 "
    "notice (none in the previous five years; an imprecise date must fall wholly in the "
    "window, else the council is left out at that origin)",
    "intervention": "a statutory intervention",
    "leaders_inadequate": "'impact of leaders' judged inadequate",
    "help_protection_inadequate": "'help and protection' judged inadequate",
    "decline": "an overall grade worse than the previous one",
    "inadequate_any": "an 'inadequate' judgement (overall before April 2026; any "
    "sub-judgement for inspections started from April 2026)",
}


TARGET_WORDS = {
    "joint": "the joint risk P(inspected and found failing in the window), measured on all "
    "councils: what a partnership that cannot inspect sees coming",
    "conditional": "the conditional risk P(fail | inspected in the window), measured on the "
    "councils inspected in the window",
}


@dataclass(frozen=True)
class EvaluationSettings:
    """What is predicted and how it is measured (the cycle config's labels and evaluate)."""

    horizon_months: int
    kinds: tuple[str, ...] = ("inadequate",)
    censoring: str = "negative"
    new_failures_only: bool = False
    target: str = "joint"
    k: int = 15
    mu: float = 0.5
    n_boot: int = 200
    seed: int = 0
    subgroups: tuple[str, ...] = SUBGROUPS
    baselines: tuple[str, ...] = BASELINES
    frameworks: str = "headline"
    recalibrate: bool = False
    timing: str = "features"  # P(inspected): "features" (two features) or "hazard" (timing.py)

    def __post_init__(self) -> None:
        if self.censoring not in CENSORING:
            raise ValueError(f"censoring {self.censoring!r} is not one of {CENSORING}")
        if self.target not in TARGETS:
            raise ValueError(f"target {self.target!r} is not one of {TARGETS}")

    @classmethod
    def from_config(cls, cfg: Any) -> EvaluationSettings:
        """Settings from a :class:`~earlywarn.config.CycleConfig` (missing keys: defaults)."""
        lab, ev = cfg.labels, cfg.evaluate
        opt = {
            "new_failures_only": getattr(lab, "new_failures_only", None),
            "target": getattr(lab, "target", None),
            "mu": getattr(ev, "mu", None),
            "subgroups": getattr(ev, "subgroups", None),
            "baselines": getattr(ev, "baselines", None),
            "frameworks": getattr(lab, "frameworks", None),
            "recalibrate": getattr(ev, "recalibrate", None),
            "timing": getattr(lab, "timing", None),
        }
        return cls(
            horizon_months=cfg.horizon_months,
            kinds=tuple(lab.events),
            censoring=lab.censoring,
            k=ev.k,
            n_boot=ev.n_boot,
            seed=cfg.seed,
            **{k: v for k, v in opt.items() if v is not None},
        )

    @property
    def by_inspection(self) -> bool:
        """Whether failures are found by inspection (and so can be censored)."""
        return any(found_by_inspection(k) for k in self.kinds)

    @property
    def other_target(self) -> str:
        return "conditional" if self.target == "joint" else "joint"

    @property
    def label_words(self) -> str:
        return " or ".join(LABEL_WORDS[k] for k in self.kinds) + (
            f" within {self.horizon_months} months"
        )

    @property
    def target_words(self) -> str:
        return TARGET_WORDS[self.target]

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def score_words(target: str, settings: EvaluationSettings) -> str:
    """How every model's and baseline's score for ``target`` is formed (module notes).

    >>> s = EvaluationSettings(horizon_months=24, censoring="drop", target="conditional")
    >>> score_words("joint", s).startswith("conditional probability x P(inspected)")
    True
    """
    s = settings
    if not s.by_inspection:
        return "the model's own probability (failures are not found by inspection)"
    if s.censoring == "negative":
        if target == "joint":
            return "the model's own probability (fitted to the joint label; no timing model)"
        return (
            "joint probability / P(inspected) from the inspection-timing model "
            f"(floored at {MIN_P_INSPECTED}), capped at 1"
        )
    if target == "conditional":
        return "the model's own probability (fitted to the conditional label)"
    return (
        "conditional probability x P(inspected) from the inspection-timing model: a "
        "baseline's joint score is baseline x timing model (two factors), not comparable "
        "with the same baseline in a run with censoring = 'negative'"
    )


def describe(settings: EvaluationSettings) -> dict:
    """The label block of ``evaluation.json``: label, censoring, target, in words."""
    s = settings
    censoring = (
        CENSORING_WORDS[s.censoring]
        if s.by_inspection
        else "not applicable (these events are seen without an inspection)"
    )
    announced = (  # a failure nobody has to inspect (a financial failure is announced)
        "the risk of a failure in the window, measured on every council in the population "
        "(failures are announced, not found by inspection: the two targets are one)"
    )
    return {
        "events": list(s.kinds),
        "description": s.label_words,
        "horizon_months": s.horizon_months,
        "censoring_mode": s.censoring,
        "censoring": censoring,
        "new_failures_only": s.new_failures_only,
        "frameworks": s.frameworks,
        "frameworks_words": (
            "not applicable (no inspection judgement counts)"
            if not s.by_inspection
            else "only overall (headline) inspection judgements count; re-inspections and "
            "thematic or partial frameworks are left out"
            if s.frameworks == "headline"
            else "every inspection framework counts, also re-inspections and thematic ones"
        ),
        "new_failures_words": (
            "councils already in a failed state at the origin are left out (new failures only)"
            if s.new_failures_only
            else "all councils are included, also those already failed at the origin"
        ),
        "target": s.target,
        "target_words": s.target_words if s.by_inspection else announced,
        "other_target": s.other_target,
        "other_target_words": TARGET_WORDS[s.other_target] if s.by_inspection else announced,
    }

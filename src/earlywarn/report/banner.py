"""What every artefact carries: the confidentiality banner, the band colours, and the
words for the probability's base rate and interval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["BAND_COLOURS", "CONFIDENTIAL", "NO_CLEAR_NATURE", "NO_OFFER", "interval_words", "pct"]

# matrix score -> (fill, text colour): 9 red, 7-8 amber, 4-6 yellow, 1-3 green
BAND_COLOURS = {
    **dict.fromkeys((9,), ("C00000", "FFFFFF")),
    **dict.fromkeys((7, 8), ("F4B183", "000000")),
    **dict.fromkeys((4, 5, 6), ("FFE699", "000000")),
    **dict.fromkeys((1, 2, 3), ("C6E0B4", "000000")),
}


NO_CLEAR_NATURE = "no clear single nature"
NO_OFFER = "no specific offer suggested"  # the support cell without a clear nature


CONFIDENTIAL = (
    "CONFIDENTIAL - an early warning is the start of a conversation with the council, never a "
    "verdict. Do not share beyond the improvement partnership."
)


def pct(v: Any) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "not known"
    return "not shown" if x != x else f"{x:.1%}"


def interval_words(run_info: Mapping[str, Any]) -> str:
    iv = run_info.get("interval") or {}
    if not (run_info.get("probability_gate") or {"shown": True}).get("shown", True):
        return "none, as no probability is shown"
    if not iv.get("n_boot"):
        return "none published"
    return (
        f"{float(iv.get('level', 0.9)):.0%} council-bootstrap intervals from "
        f"{iv['n_boot']} refits, not shown where one excludes its own point or more than "
        "20% of the resamples were skipped; rough at their ends"
    )

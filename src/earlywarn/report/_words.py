"""An evaluation in plain words: the summary a report and a model card open with, and one
sentence on a score's calibration (saying so when it is poor)."""

from __future__ import annotations

from typing import Any

from earlywarn.labels import announced

__all__ = ["calibration_words", "figure_words", "plain_summary", "share_words"]


def plain_summary(evaluation: dict[str, Any]) -> str:
    """A short plain-words summary: label, censoring, horizon, origins, headline figures."""
    lab = evaluation.get("label", {})
    origins = evaluation.get("test_origins", [])
    k = evaluation.get("k")
    parts = [
        f"A failure is {lab.get('description', '')}.",
        f"Censoring: {lab.get('censoring', '')}.",
        f"The list ranks councils by {lab.get('target_words', '')}.",
        f"{str(lab.get('new_failures_words', '')).capitalize()}.",
        f"Every model was trained only on origins whose {lab.get('horizon_months')}-month "
        f"windows had closed, and tested out of time at {len(origins)} origins "
        f"({origins[0] if origins else ''} to {origins[-1] if origins else ''}).",
    ]
    chosen = evaluation.get("chosen_model", {}).get("kind")
    ev = evaluation.get("models", {}).get(chosen) if chosen else None
    pub = evaluation.get("published_list", {}).get(chosen) if chosen else None
    rep = evaluation.get("repeats")
    if rep:
        parts.append(
            f"Repeats are not scored: {rep['repeats']} council-origins at the test origins had "
            f"a failure in the five years before; {rep['failed_again']} of them failed again."
        )
    if pub and announced(lab.get("events")):
        parts.append(
            f"Had the top {k} of all councils by the published model ({chosen}) been published "
            f"at each of the {pub.get('n_origins')} test origins: {_vs(pub['share_failing'])} "
            f"of them failed in the window; the lists caught "
            f"{_vs(pub['share_of_failures_caught'])} of all {pub['n_failures']} failures "
            "(chance: the same figure for a list drawn at random)."
        )
    elif pub:
        n_o = pub.get("n_origins")
        parts.append(
            f"Had the top {k} of all councils by the published model ({chosen}) been published "
            f"at each of the {n_o} test origins: {_vs(pub['share_inspected'])} of them were "
            f"inspected in the window; of those inspected, "
            f"{_vs(pub['share_failing_of_inspected'])} were found failing; the lists caught "
            f"{_vs(pub['share_of_failures_caught'])} of all {pub['n_failures']} failures "
            "(chance: the same figure for a list drawn at random)."
        )
    if ev:
        a, w = ev["pooled"]["auroc"], ev["pooled"].get("auroc_within_origin")
        parts.append(
            f"Comparing councils at the same origin only, it separates failing from other "
            f"councils with an AUROC of {_num(w)} (pooled over origins: {_num(a)}, which also "
            "credits changes in the failure rate between years)."
        )
        lt = ev.get("lead_time", {})
        if lt.get("n_evaluable"):
            parts.append(
                f"It had {_pct(lt.get('share_flagged'))} of the {lt['n_evaluable']} failures in "
                f"its top {k} at the last origin before them; "
                f"{_pct(lt.get('share_ge_1y'))} were flagged at least a year ahead."
            )
        parts.append(calibration_words(ev, chosen))
    paired = evaluation.get("paired_differences", {}).get(evaluation.get("target", ""), {})
    best = paired.get("best_baseline")
    base = evaluation.get("baselines", {})
    if best and best in base:
        parts.append(
            f"The best simple baseline ({best}) reaches a within-origin AUROC of "
            f"{_num(base[best]['pooled'].get('auroc_within_origin'))}."
        )
        diff = [
            r
            for r in paired.get("rows", [])
            if r["model"] == chosen and r["role"] == "best baseline"
            and r["metric"] == "auroc_within_origin"
        ]  # fmt: skip
        if diff:
            d = diff[0]
            verdict = (
                "beats it"
                if d["lo"] is not None and d["lo"] > 0
                else "does worse than it"
                if d["hi"] is not None and d["hi"] < 0
                else "is not shown to beat it"
            )
            parts.append(
                f"The published model {verdict}: difference {_num(d)} (paired council bootstrap)."
            )
    gone = evaluation.get("unavailable_baselines", {})
    if gone:
        parts.append(
            "Not scored where their feature was empty or constant in training: "
            + "; ".join(
                f"{n} ({'all origins' if g['everywhere'] else ', '.join(g['origins'])})"
                for n, g in gone.items()
            )
            + "."
        )
    if "oracle" in evaluation:
        parts.append(
            "On these synthetic data the oracle, which knows the true risk, reaches "
            f"{_num(evaluation['oracle']['pooled'].get('auroc_within_origin'))} within "
            "origins: the ceiling for any model."
        )
    return " ".join(p for p in parts if p)


def calibration_words(ev: dict[str, Any], name: str) -> str:
    """One plain sentence on a score's calibration, saying so when it is poor.

    Poor: a calibration slope outside the range in which the list shows a probability
    (:data:`earlywarn.evaluation.SLOPE_RANGE`) or whose interval excludes 1, observed/
    expected outside 0.8-1.25, or a Brier score worse than the training base rate.
    """
    from earlywarn.evaluation import SLOPE_RANGE

    pooled = ev.get("pooled", {})
    slope = pooled.get("calibration_slope") or {}
    oe = (pooled.get("observed_expected") or {}).get("value")
    skill = (pooled.get("brier_skill") or {}).get("value")
    bad = []
    lo, hi = slope.get("lo"), slope.get("hi")
    value = slope.get("value")
    outside = value is not None and not SLOPE_RANGE[0] <= value <= SLOPE_RANGE[1]
    if outside or (lo is not None and hi is not None and not lo <= 1.0 <= hi):
        bad.append(f"calibration slope {_num(slope)} (1 = calibrated)")
    if oe is not None and not 0.8 <= oe <= 1.25:
        more = "more" if oe > 1 else "fewer"
        bad.append(f"{more} failures than predicted (observed/expected {oe:.2f})")
    if skill is not None and skill < 0:
        bad.append(f"Brier skill {skill:.2f} against the training base rate")
    if not bad:
        return (
            f"The probabilities of {name} are reasonably calibrated out of time (slope "
            f"{_num(slope)}, observed/expected {'n/a' if oe is None else f'{oe:.2f}'})."
        )
    return (
        f"The probabilities of {name} are poorly calibrated out of time: "
        + "; ".join(bad)
        + ". Read them as a ranking, not as chances."
    )


def share_words(fig: dict | None) -> str:
    """A share with its interval and chance level in words:
    ``"20% (95% interval 10% to 30%; chance 9%)"``.

    >>> share_words({"value": 0.2, "lo": 0.1, "hi": 0.3, "chance": 0.09})
    '20% (95% interval 10% to 30%; chance 9%)'
    """
    if not fig or fig.get("value") is None or fig["value"] != fig["value"]:
        return "n/a"
    lo, hi = fig.get("lo"), fig.get("hi")
    ci = f"95% interval {100 * lo:.0f}% to {100 * hi:.0f}%; " if lo is not None and lo == lo else ""
    return f"{100 * fig['value']:.0f}% ({ci}chance {100 * fig['chance']:.0f}%)"


def figure_words(m: dict | None, pct: bool = False) -> str:
    """A figure ``{value, lo, hi}`` with its interval in words (``n/a`` when undefined):

    >>> figure_words({"value": 0.566, "lo": 0.476, "hi": 0.642})
    '0.57 (95% interval 0.48 to 0.64)'
    """
    if not m or m.get("value") is None or m["value"] != m["value"]:
        return "n/a"
    f = (lambda v: f"{100 * v:.0f}%") if pct else (lambda v: f"{v:.2f}")
    lo, hi = m.get("lo"), m.get("hi")
    if lo is None or hi is None or lo != lo:
        return f(m["value"])
    return f"{f(m['value'])} (95% interval {f(lo)} to {f(hi)})"


# short names for the sentences above
_num, _vs = figure_words, share_words


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.0f}%"

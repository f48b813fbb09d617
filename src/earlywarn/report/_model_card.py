"""A model card per cycle (``MODEL_CARD.md``), rendered from the cycle's own figures.

Following the TRIPOD+AI items that apply to a published risk list: intended use and
not-use, data and vintage, the label, events and events per variable, performance with
intervals (within-origin ranking, the published-list figures with their chance levels,
calibration), subgroups with their n, and limitations (selective inspection, small
numbers). It names no council: every figure comes from evaluation.json (which names none)
and the training summary. The same text is the registered model version's description in
MLflow.
"""

from __future__ import annotations

from typing import Any

from earlywarn.labels import announced
from earlywarn.report._words import figure_words as _ci
from earlywarn.report._words import share_words as _pct

__all__ = ["render_model_card", "stamped_card"]

_EPV_WARNING = " (fewer than 10: high risk of overfitting)"


def render_model_card(
    evaluation: dict[str, Any],
    training: dict[str, Any],
    cycle: dict[str, Any],
    recalibration: dict[str, Any] | None = None,
) -> str:
    """The model card as Markdown.

    Parameters
    ----------
    evaluation : dict
        The cycle's evaluation (as in evaluation.json), with ``chosen_model``.
    training : dict
        ``rows``, ``events``, ``features``, ``train_origins``, ``score_origin``.
    cycle : dict
        ``cycle``, ``as_of``, ``horizon``, ``data_source``, ``inputs`` (file hashes).
    recalibration : dict, optional
        The published probability's recalibration
        (:func:`earlywarn.evaluation.published_recalibration`), with ``evaluate.recalibrate``.
    """
    from earlywarn.backtest import beats_best_baseline
    from earlywarn.evaluation import headline_lines
    from earlywarn.report._words import calibration_words

    chosen = evaluation.get("chosen_model", {}).get("kind", "")
    lab = evaluation.get("label", {})
    ev = evaluation.get("models", {}).get(chosen, {})
    pooled = ev.get("pooled", {})
    k = evaluation.get("k")
    target = evaluation.get("target", "")
    pub = evaluation.get("published_list", {}).get(chosen, {})
    events, feats = training.get("events", 0), training.get("features", 0)
    epv = events / feats if feats else float("nan")
    lines = [
        f"# Model card: {chosen}, cycle {cycle.get('cycle')}",
        "",
        "## Headline (the same in the report, the CLI and the MLflow run)",
        *(f"- {line}" for line in headline_lines(evaluation)),
        "",
        "## Intended use",
        f"Rank councils by {lab.get('target_words', '')}, to choose about {k} councils a "
        "year for early conversations and support. **Not for**: judging or naming a "
        "council, replacing inspection, or reading the probabilities as chances (see "
        "calibration); not for councils or services outside the training data.",
        "",
        "## Data and vintage",
        f"Source: {cycle.get('data_source')}; nothing published after {cycle.get('as_of')} is "
        f"used. Scored origin: {training.get('score_origin')}. Input files (sha256): "
        + ", ".join(f"{k_}={str(v)[:12]}" for k_, v in sorted(cycle.get("inputs", {}).items()))
        + ".",
        "",
        "## Label",
        f"A failure is {lab.get('description', '')}; {lab.get('frameworks_words', '')}. "
        f"Censoring: {lab.get('censoring', '')}. "
        f"{str(lab.get('new_failures_words', '')).capitalize()}.",
        "",
        "## Training",
        f"{training.get('rows')} council-origin rows from origins "
        f"{', '.join(training.get('train_origins', []))}; {events} events; {feats} features: "
        f"{epv:.2f} events per variable{_EPV_WARNING if epv < 10 else ''}.",
        "",
        "## Performance (out of time, validation origins "
        f"{', '.join(evaluation.get('test_origins', []))})",
        f"- Within-origin AUROC {_ci(pooled.get('auroc_within_origin'))}; pooled "
        f"{_ci(pooled.get('auroc'))}; within-origin average precision "
        f"{_ci(pooled.get('average_precision_within_origin'))}.",
        f"- Had the top {k} of all councils been published at each origin: "
        + (
            f"{_pct(pub.get('share_failing'))} failed in the window"
            if announced((evaluation.get("label") or {}).get("events"))
            else f"{_pct(pub.get('share_inspected'))} were inspected in the window; of those, "
            f"{_pct(pub.get('share_failing_of_inspected'))} failed"
        )
        + f"; the lists caught {_pct(pub.get('share_of_failures_caught'))} of "
        f"{pub.get('n_failures')} failures.",
        f"- Calibration: slope {_ci(pooled.get('calibration_slope'))}, intercept "
        f"{_ci(pooled.get('calibration_intercept'))}, observed/expected "
        f"{_ci(pooled.get('observed_expected'))}, Brier skill against the training base rate "
        f"{_ci(pooled.get('brier_skill'))}. {calibration_words(ev, chosen) if ev else ''}",
    ]
    v = beats_best_baseline(evaluation, chosen, target)
    lines.append(
        f"- Against the best baseline ({v.get('reference')}): the model {v['verdict']} it "
        f"(within-origin AUROC difference {_ci(v) if 'value' in v else 'n/a'})."
    )
    from earlywarn.backtest import CONFIRMATORY, after_choice_block

    found = after_choice_block(evaluation)
    if found:
        role, held = found
        name = held.get("preregistered_model", chosen) if role == CONFIRMATORY else chosen
        hv = (role == CONFIRMATORY and held.get("test")) or beats_best_baseline(held, name, target)
        hp = held.get("published_list", {}).get(name, {})
        hpool = held.get("models", {}).get(name, {}).get("pooled", {})
        if role == CONFIRMATORY:
            how = (
                f"pre-registered model {name}, settings hash {held.get('settings_hash')}, "
                f"scored {held.get('scorings')} time(s)"
                + ("; looked at more than once" if held.get("looked_at_more_than_once") else "")
            )
        else:
            how = f"already looked at, not confirmatory; settings hash {held.get('settings_hash')}"
        lines += [
            "",
            f"## {role[0].upper() + role[1:]} origins {', '.join(held.get('origins', []))} ({how})",
            f"Within-origin AUROC {_ci(hpool.get('auroc_within_origin'))}; the published lists "
            f"caught {_pct(hp.get('share_of_failures_caught'))} of {hp.get('n_failures')} "
            f"failures; the model {hv['verdict']} the best baseline ({hv.get('reference')}).",
        ]
    words = (evaluation.get("protocol") or {}).get("words") or (
        "No origin is confirmatory: nothing was pre-registered for this cycle."
    )
    lines += ["", f"Protocol: {words}"]
    lines += _recalibration_lines(recalibration, evaluation, chosen)
    sub = evaluation.get("subgroups", {}).get(chosen, {})
    if sub:
        head = "| grouping | group | rows | failures | share of flags | share of failures | note |"
        lines += ["", "## Subgroups", "", head, "|---|---|---|---|---|---|---|"]
        for grouping, rows in sub.items():
            for r in rows:
                note = "fewer than 10 failures: too few to read" if r.get("small") else ""
                lines.append(
                    f"| {grouping} | {r['group']} | {r['n']} | {r['n_pos']} | "
                    f"{r['share_of_flags']:.2f} | {r['share_of_failures']:.2f} | {note} |"
                )
    gone = evaluation.get("unavailable_baselines", {})
    lines += [
        "",
        "## Limitations",
        "- Announced failures: a failure is seen when it is announced, not found by "
        "inspection, so the joint and conditional targets are one."
        if announced((evaluation.get("label") or {}).get("events"))
        else "- Selective inspection: a failure is seen only where an inspection happens, and "
        "inspections follow a schedule; the joint and conditional targets answer different "
        "questions (evaluation.json has both).",
        f"- Small numbers: {pooled.get('n_pos')} failures in the evaluation rows; intervals "
        "are wide and subgroup figures with few failures are not to be read.",
    ]
    if gone:
        lines.append(
            "- Baselines not scored where their feature was absent or constant: "
            + ", ".join(gone)
            + "."
        )
    return "\n".join(lines) + "\n"


def _recalibration_lines(
    recal: dict[str, Any] | None, evaluation: dict[str, Any], chosen: str
) -> list[str]:
    """How the published probability was formed and, when the origins scored after the
    choice were recalibrated, its calibration there before and after
    (``evaluate.recalibrate``)."""
    from earlywarn.backtest import after_choice_block

    if recal is None:
        return []
    words = str(recal.get("words", ""))
    out = ["", "## Published probability", f"{words[:1].upper()}{words[1:]}."]
    role, block = after_choice_block(evaluation) or ("", {})
    held = block.get("recalibration", {})
    m = held.get("models", {}).get(chosen)
    if m:
        b, a = m.get("before", {}), m.get("after", {})
        out.append(
            f"On the {role} origins {', '.join(held.get('origins_recalibrated', []))}, "
            "each recalibrated on earlier origins only: calibration slope "
            f"{_ci(a.get('calibration_slope'))} (raw {_ci(b.get('calibration_slope'))}), "
            f"intercept {_ci(a.get('calibration_intercept'))} (raw "
            f"{_ci(b.get('calibration_intercept'))})."
        )
    return out


def stamped_card(card: str, run_info: dict[str, Any]) -> str:
    """The card as a published file: the confidentiality banner, data vintage and model
    identity in a leading comment, like every export of the cycle (``cycle`` and ``score``)."""
    return (
        f"<!-- {run_info['confidential']} | data as of {run_info['as_of']} "
        f"| model {run_info['model_identity']} -->\n{card}"
    )

"""RESULTS.md from cycle output folders: every figure read from evaluation.json and
run.json, none typed by hand (``experiments/real-2023/make_results.py``).

For each cycle folder: the label and protocol, the headline (what a published top-k list
would have done, with chance levels), within-origin and pooled ranking, calibration, the
paired differences against the best baseline (and the timing model), the baselines that
could not be scored, and the origins scored after the choice (confirmatory, for a
pre-registered settings hash, or validation (seen)) with a plain statement of whether any
model beats the best baseline there, and whether any origin is confirmatory. No council is
named: evaluation.json names none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["render_results"]


def _f(v: Any, digits: int = 3) -> str:
    return "n/a" if v is None or v != v else f"{v:.{digits}f}"


def _ci(m: dict | None, digits: int = 3) -> str:
    if not m or m.get("value") is None:
        return "n/a"
    if m.get("lo") is None or m.get("hi") is None:
        return _f(m["value"], digits)
    grey = " (unstable)" if m.get("unstable") else ""
    return f"{_f(m['value'], digits)} [{_f(m['lo'], digits)}, {_f(m['hi'], digits)}]{grey}"


def _pct(m: dict | None) -> str:
    if not m or m.get("value") is None:
        return "n/a"
    ci = ""
    if m.get("lo") is not None and m.get("hi") is not None:
        ci = f" [{100 * m['lo']:.1f}, {100 * m['hi']:.1f}]"
    small = " (small n)" if m.get("unstable") else ""
    return f"{100 * m['value']:.1f}%{ci} (chance {100 * m['chance']:.1f}%){small}"


def _roles(ev: dict) -> list[tuple[str, str]]:
    out = [(n, "model") for n in ev.get("models", {})]
    out += [(n, "baseline") for n in ev.get("baselines", {}) if n not in ev.get("models", {})]
    if "oracle" in ev:
        out.append(("oracle", "oracle"))
    return out


def _entity(ev: dict, name: str) -> dict:
    if name == "oracle":
        return ev.get("oracle", {})
    return ev.get("models", {}).get(name) or ev.get("baselines", {}).get(name, {})


def _headline_table(ev: dict, k: Any) -> list[str]:
    pub = ev.get("published_list", {})
    lines = [
        f"| name | role | share inspected | share failing, of inspected | share of all "
        f"failures caught (top {k}) | failures |",
        "|---|---|---|---|---|---|",
    ]
    for name, role in _roles(ev):
        p = pub.get(name)
        if not p:
            continue
        lines.append(
            f"| {name} | {role} | {_pct(p.get('share_inspected'))} | "
            f"{_pct(p.get('share_failing_of_inspected'))} | "
            f"{_pct(p.get('share_of_failures_caught'))} | {p.get('n_failures')} |"
        )
    return lines


def _ranking_table(ev: dict) -> list[str]:
    lines = [
        "| name | role | AUROC within origin | AUROC pooled | AP within origin | Brier skill "
        "| cal. slope | observed/expected | rows | failures |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, role in _roles(ev):
        p = _entity(ev, name).get("pooled", {})
        lines.append(
            f"| {name} | {role} | {_ci(p.get('auroc_within_origin'))} | {_ci(p.get('auroc'))} "
            f"| {_ci(p.get('average_precision_within_origin'))} | {_ci(p.get('brier_skill'))} "
            f"| {_ci(p.get('calibration_slope'), 2)} | {_ci(p.get('observed_expected'), 2)} "
            f"| {p.get('n')} | {p.get('n_pos')} |"
        )
    return lines


def _paired_lines(ev: dict) -> list[str]:
    lines = []
    for target, block in ev.get("paired_differences", {}).items():
        rows = [r for r in block.get("rows", []) if r["metric"] == "auroc_within_origin"]
        if not rows:
            continue
        lines += [
            "",
            f"Paired differences, {target} target (within-origin AUROC, model minus "
            "reference, 95% paired council-bootstrap interval):",
            "",
            "| model | against | difference | interval excludes 0 |",
            "|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['model']} | {r['reference']} ({r['role']}) | {_ci(r)} | "
                f"{'yes' if r.get('excludes_zero') else 'no'} |"
            )
    return lines


def _any_beats(block: dict, target: str) -> str:
    paired = block.get("paired_differences", {}).get(target, {})
    rows = [
        r
        for r in paired.get("rows", [])
        if r["role"] == "best baseline" and r["metric"] == "auroc_within_origin"
    ]
    best = paired.get("best_baseline")
    if not rows:
        return f"No model could be compared with a baseline on the {target} target."
    winners = [r for r in rows if r.get("lo") is not None and r["lo"] > 0]
    if winners:
        names = ", ".join(f"{r['model']} ({_ci(r)})" for r in winners)
        return (
            f"Yes: on the {target} target {names} beat(s) the best baseline ({best}) in "
            "within-origin AUROC (paired interval above 0)."
        )
    detail = "; ".join(f"{r['model']} {_ci(r)}" for r in rows)
    return (
        f"No: on the {target} target no model beats the best baseline ({best}) in "
        f"within-origin AUROC (paired differences: {detail}; every interval includes 0 or "
        "lies below it)."
    )


def _test_lines(block: dict) -> list[str]:
    """The pre-registered test of a confirmatory block, in one paragraph."""
    t = block.get("test") or {}
    if "value" not in t:
        return []
    reached = "reached" if t.get("meets_minimum_effect") else "not reached"
    return [
        f"**The pre-registered test** ({block.get('preregistered_model')} minus "
        f"{t.get('reference')}, the rule fixed by the {t.get('reference_chosen_on')}; "
        "within-origin AUROC, "
        f"one-sided): {_ci(t)}; the model {t.get('verdict')} the rule; the minimum effect "
        f"{block.get('minimum_effect')} is {reached}.",
        "",
    ]


def _section(folder: Path) -> list[str]:
    ev = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    lab, k = ev.get("label", {}), ev.get("k")
    from earlywarn.report._words import calibration_words

    chosen = ev.get("chosen_model", {}).get("kind")
    cfg_path = run.get("config", {}).get("path") or folder.name
    lines = [
        f"## {lab.get('target', '')} target, censoring '{lab.get('censoring_mode')}'"
        f"{', new failures only' if lab.get('new_failures_only') else ''} "
        f"(`{Path(str(cfg_path)).name}`)",
        "",
        f"Label: {lab.get('description')}; {lab.get('frameworks_words', '')}. The list ranks "
        f"by {lab.get('target_words')}. Validation origins: {', '.join(ev.get('test_origins', []))}"
        f". k = {k}. Code: commit {run.get('git_commit', 'n/a')}"
        f"{' (dirty tree)' if str(run.get('git_dirty')) in ('True', 'true') else ''}. "
        f"Published model: {chosen} (chosen by {ev.get('chosen_model', {}).get('select_by')} on "
        "the validation origins).",
        "",
        "### Headline: had the top k of all councils been published at each validation origin",
        "",
        *_headline_table(ev, k),
        "",
        "### Ranking and calibration (ranking target, validation origins)",
        "",
        *_ranking_table(ev),
        "",
    ]
    if chosen and chosen in ev.get("models", {}):
        lines += [calibration_words(ev["models"][chosen], chosen), ""]
    gone = ev.get("unavailable_baselines", {})
    if gone:
        lines.append(
            "Not scored (training feature absent, empty or constant): "
            + "; ".join(
                f"{n} at {'every origin' if g['everywhere'] else ', '.join(g['origins'])}"
                for n, g in gone.items()
            )
            + "."
        )
    lines += _paired_lines(ev)
    from earlywarn.backtest import CONFIRMATORY, after_choice_block

    found = after_choice_block(ev)
    if found:
        role, held = found
        if role == CONFIRMATORY:
            n = held.get("scorings", 1)
            how = (
                f"pre-registered settings hash `{held.get('settings_hash')}`, model "
                f"{held.get('preregistered_model')}, minimum effect {held.get('minimum_effect')};"
                + (
                    f" scored {n} times: looked at more than once, only the first scoring "
                    "was confirmatory"
                    if held.get("looked_at_more_than_once")
                    else " scored once"
                )
            )
        else:
            digest = held.get("settings_hash")
            how = f"already looked at, not confirmatory; settings hash `{digest}`"
        lines += [
            "",
            f"### {role[0].upper() + role[1:]} origins {', '.join(held.get('origins', []))} "
            f"({how})",
            "",
            f"**Does any model beat the best baseline on the {role} origins?** "
            + _any_beats(held, ev.get("target", "")),
            "",
            *(_test_lines(held) if role == CONFIRMATORY else []),
            *_headline_table(held, k),
            "",
            *_ranking_table(held),
        ]
        lines += _paired_lines(held)
    words = (ev.get("protocol") or {}).get("words") or (
        "No origin is confirmatory: nothing was pre-registered for this cycle."
    )
    lines += ["", f"Protocol: {words}"]
    return [*lines, ""]


def render_results(
    folders: Sequence[str | Path],
    title: str,
    commands: str = "",
    log: str = "",
    script: str = "experiments/real-2023/make_results.py",
) -> str:
    """The RESULTS.md text for the given cycle output folders (in order); ``log``: the
    protocol's record of when the origins scored after the choice were looked at, in words;
    ``script``: what generated it."""
    lines = [
        f"# {title}",
        "",
        f"Generated by `{script}` from each run's evaluation.json "
        "and run.json: no figure is typed by hand. Intervals: 95%, council bootstrap; "
        "'chance' is the same figure for a list drawn at random at every origin; ties at the "
        "top-k cut share the places (no council code breaks a tie). Within-origin AUROC "
        "compares councils at the same origin only (pooled AUROC also credits changes in the "
        "failure rate between years).",
        "",
    ]
    if commands:
        head = "Commands (MLflow and outputs outside the repository; outputs are CONFIDENTIAL):"
        lines += [head, "", *[f"    {c}" for c in commands.splitlines()], ""]
    if log:
        lines += [
            "Protocol log (when the origins scored after the choice were looked at):",
            "",
            log,
            "",
        ]
    for folder in folders:
        lines += _section(Path(folder))
    return "\n".join(lines).rstrip() + "\n"

"""Write the financial-failure section of RESULTS.md from the saved outputs (no new look).

Every figure is read from ``results-finance/*.md`` (written by ``finance_backtest.py
--results``: the validation origins and the confirmatory origins' second look, the one with
the corrected interval label), from ``SCORING-LOG-finance.md`` (the first and only
confirmatory look, 04:28 UTC, whose table ``results-finance/`` does not keep, and the
unrounded paired difference of the second look) and from ``PREREGISTRATION-finance.md`` (the
minimum effect and the smallest detectable difference of the power calculation). Nothing is
scored: no model is fitted, no origin is looked at.

Usage::

    .venv/bin/python experiments/real-2025/make_results_finance.py [--results RESULTS.md]

The section sits between two markers in RESULTS.md and is replaced in place (appended the
first time); ``make_results.py`` keeps it when it regenerates the children's-services part.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAVED = HERE / "results-finance"
VALIDATION = (
    "validation-interval-labels.md",
    "Validation origins 31 March 2020, 2021, 2022 (validation (seen): every choice was made "
    "on them)",
)
SECOND_LOOK = (
    "confirmatory-second-look-interval-labels.md",
    "Confirmatory origins 31 March 2023, 2024, second look after the label fix: **not "
    "confirmatory** (the same origins looked at again; see RESULTS-finance.md)",
)
BEGIN = "<!-- begin finance section: written by experiments/real-2025/make_results_finance.py -->"
END = "<!-- end finance section -->"
MODEL = "logit"
NAMES = {
    "logit": "pre-registered penalised logit (C 0.1, 11 features)",
    "reserves_ratio": "reserves ratio alone",
    "debt_ratio": "capital financing requirement ratio alone",
    "debt_service_ratio": "debt-service ratio alone",
    "prior_failure": "prior EFS/s114",
    "resilience_composite": "resilience composite (rank average)",
    "council_type": "council type alone",
}


def read_tables(path: Path) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The AUROC table's rows (the second Markdown table of a saved file) and its notes
    (config hash, label rule, calibration slope)."""
    text = path.read_text(encoding="utf-8")
    tables, cur = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            cur.append([c.strip() for c in line.strip("|").split("|")])
        elif cur:
            tables.append(cur)
            cur = []
    if cur:
        tables.append(cur)
    auroc = next(t for t in tables if t[0][0] == "score")
    head = auroc[0]
    rows = [dict(zip(head, r, strict=True)) for r in auroc[2:]]
    notes = {}
    m = re.search(r"config hash (\w+); label rule: (.+?) -->", text)
    if m:
        notes["hash"], notes["rule"] = m.group(1), m.group(2)
    m = re.search(r"logit calibration slope (-?[\d.]+), intercept (-?[\d.]+) \((\d+) rows\)", text)
    if m:
        notes["slope"], notes["intercept"], notes["rows"] = m.groups()
    return rows, notes


def unrounded_difference(log: Path) -> float | None:
    """The unrounded logit - reference difference of the confirmatory second look, as the
    scoring log's note records it (None when the log has no such note)."""
    if not log.is_file():
        return None
    m = re.search(r"Unrounded, the logit . composite\s+difference is (-?0\.\d+)", log.read_text())
    return float(m.group(1)) if m else None


def first_look(log: Path) -> tuple[str, list[dict[str, str]]]:
    """The heading and the AUROC table's rows of the first (the one) confirmatory scoring in
    the scoring log: the entry ``confirmatory <hash>``, not ``confirmatory-second-look``."""
    text = log.read_text(encoding="utf-8")
    m = re.search(
        r"^## ([^\n]+?): confirmatory (\w+) \(([^\n]+?)\)\n+```\n(.+?)```", text, re.M | re.S
    )
    if m is None:
        raise SystemExit(f"{log}: no first confirmatory scoring ('## ...: confirmatory <hash>')")
    lines = [x.split() for x in m.group(4).splitlines() if x.strip()]
    head = lines[0]
    rows = [
        {"score": r[0], **dict(zip(head, r[1:], strict=True))} for r in lines[1:] if r[0] != "score"
    ]
    return f"{m.group(1)}, config hash `{m.group(2)}`, {m.group(3)}", rows


def preregistered(path: Path) -> tuple[float, float]:
    """The minimum effect and the smallest detectable difference (pooled) that
    PREREGISTRATION-finance.md states."""
    text = path.read_text(encoding="utf-8")
    effect = re.search(r"minimum effect (?:\*\*)?(0\.\d+)", text, re.I)
    detect = re.search(r"smallest detectable difference is about \*\*(0\.\d+)\*\*", text)
    if effect is None or detect is None:
        raise SystemExit(f"{path}: the minimum effect or the detectable difference is not stated")
    return float(effect.group(1)), float(detect.group(1))


def stage_table(rows: list[dict[str, str]]) -> str:
    out = [
        "| score | kind | origins | new failures | within-origin AUROC [95% interval] | "
        "difference vs reference [95% interval] | one-sided p |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        name = r["score"]
        kind = "model" if name == MODEL else "rule (baseline)"
        ref = r["vs"]
        diff = (
            "reference"
            if name == ref
            else f"{float(r['diff']):+.3f} [{float(r['diff_lo']):+.3f}, {float(r['diff_hi']):+.3f}]"
        )
        out.append(
            f"| {NAMES.get(name, name)} | {kind} | {r['origins']} | {r['events']} | "
            f"{float(r['auroc']):.3f} [{float(r['lo']):.3f}, {float(r['hi']):.3f}] | {diff} | "
            f"{'' if name == ref else r['p_one_sided']} |"
        )
    return "\n".join(out)


def reference_on_model_rows(rows: list[dict[str, str]]) -> str | None:
    """A table row: the reference rule on the model's own rows (its AUROC there is the
    model's minus the paired difference, both as saved), when the model was scored on fewer
    origins than the reference (no training data at the first origin)."""
    by = {r["score"]: r for r in rows}
    m = by.get(MODEL)
    ref = by.get(m["vs"]) if m else None
    if m is None or ref is None or (m["origins"], m["events"]) == (ref["origins"], ref["events"]):
        return None
    auc = float(m["auroc"]) - float(m["diff"])
    return (
        f"| {NAMES.get(ref['score'], ref['score'])}, on the model's rows | rule (reference) | "
        f"{m['origins']} | {m['events']} | {auc:.3f} (the model's AUROC minus the paired "
        "difference, as saved; interval not saved) | reference |  |"
    )


def stage(title: str, rows: list[dict[str, str]], notes: dict[str, str]) -> list[str]:
    """One stage's heading, table, calibration line and best-rule note."""
    parts = [f"### {title}", ""]
    if notes.get("hash"):
        parts += [f"Config hash `{notes['hash']}`; label rule: {notes['rule']}.", ""]
    extra = reference_on_model_rows(rows)
    parts += [stage_table(rows) + (f"\n{extra}" if extra else ""), ""]
    if extra:
        parts += [
            "The model has no training data at the first origin, so it is scored on fewer "
            "origins than the rules; its paired difference is taken on its own rows, where the "
            "reference rule scores as in the last row.",
            "",
        ]
    if MODEL in {r["score"] for r in rows} and notes.get("slope"):
        parts += [
            f"Calibration slope of the model's out-of-time probabilities: "
            f"{float(notes['slope']):.2f} (intercept {float(notes['intercept']):.2f}, "
            f"{notes['rows']} rows; 1 is well calibrated).",
            "",
        ]
    rules = [r for r in rows if r["score"] != MODEL]
    best = max(rules, key=lambda r: float(r["auroc"]))
    if best["score"] != rows[0]["vs"]:
        parts += [
            f"The best rule on these origins is {NAMES.get(best['score'], best['score'])} "
            f"({float(best['auroc']):.3f}), not the reference; its paired difference with "
            "the model was not computed (that would be a further look at these origins).",
            "",
        ]
    return parts


def verdict(m: dict[str, str], effect: float, detectable: float, exact: float | None) -> str:
    """The pre-registered test on one look's model row, every clause computed."""
    shown, p = float(m["diff"]), float(m["p_one_sided"])
    d = exact if exact is not None else shown
    beats = d >= effect and p < 0.05
    lo, hi = float(m["diff_lo"]), float(m["diff_hi"])
    src = f" (unrounded {exact:.6f}, from the scoring log's note)" if exact is not None else ""
    why = [] if d >= effect else [f"below the minimum effect {effect}"]
    why += [] if p < 0.05 else ["p not below 0.05"]
    zero = (
        f"The interval of the difference ({lo:+.3f}, {hi:+.3f}) includes zero"
        if lo <= 0 <= hi
        else f"The interval of the difference ({lo:+.3f}, {hi:+.3f}) excludes zero"
    )
    return (
        f"{'Yes' if beats else 'No'}: the difference is {shown:+.3f}{src}, p {p:.3f}"
        + (f" ({'; '.join(why)})" if why else "")
        + f". {zero}; these origins could detect only a difference of about {detectable:g} "
        "(the power calculation in PREREGISTRATION-finance.md)."
    )


def section(
    saved: Path = SAVED,
    log: Path = HERE / "SCORING-LOG-finance.md",
    prereg: Path = HERE / "PREREGISTRATION-finance.md",
) -> str:
    """The finance section's Markdown, markers included."""
    effect, detectable = preregistered(prereg)
    parts = [
        BEGIN,
        "",
        "## Financial failure (issue 24): the pre-registered model against the rules",
        "",
        "Outcome: a council's first exceptional financial support (EFS) approval or section 114 "
        "notice within 12 months of the origin, among every principal council (districts "
        "included) with none in the previous five years; an imprecise date must fall wholly in "
        "the window (else the council is left out at that origin). Scores: the pre-registered "
        "penalised logit and the rules a finance officer would use "
        "(`PREREGISTRATION-finance.md`). Metric: within-origin AUROC (pairs within an origin), "
        "95% council-bootstrap intervals (1000 resamples), and the paired difference against "
        "the **reference rule**: the best rule on the validation origins, fixed before the "
        "confirmatory scoring (the resilience composite). Every figure below is read from the "
        "saved outputs in `results-finance/` and `SCORING-LOG-finance.md` (written by "
        "`finance_backtest.py`); this section is written by `make_results_finance.py`, which "
        "scores nothing.",
        "",
    ]
    rows, notes = read_tables(saved / VALIDATION[0])
    parts += stage(VALIDATION[1], rows, notes)
    parts += [
        "`finance_backtest.py` trains each origin's model on the labels as known on 31 March "
        "2025; the financial-failure cycle (`cycle-finance.toml`, the same model on the same "
        "rows) trains on the labels known at the origin, the point-in-time rule, so its "
        "validation AUROC and calibration slope differ slightly from the figures above; the "
        "cycle's are the point-in-time ones. The confirmatory figures below are the script's, "
        "as pre-registered.",
        "",
    ]
    when, first = first_look(log)
    title = (
        "Confirmatory origins 31 March 2023, 2024: the confirmatory look (the first and only "
        f"one; {when}; the label before the fix: an imprecise date at its latest day)"
    )
    parts += stage(title, first, {})
    second, notes2 = read_tables(saved / SECOND_LOOK[0])
    parts += stage(SECOND_LOOK[1], second, notes2)
    m1 = {r["score"]: r for r in first}[MODEL]
    m2 = {r["score"]: r for r in second}[MODEL]
    one = verdict(m1, effect, detectable, None)
    parts += [
        f"**Does the model beat the best rule? {one.split(':', 1)[0]}, by the pre-registered "
        f"criterion on the confirmatory look** (a difference of at least {effect} against the "
        f"reference rule and a one-sided p below 0.05):{one.split(':', 1)[1]}",
        "",
        "The second look (not confirmatory: the same origins, with the corrected label) "
        "would answer "
        + verdict(m2, effect, detectable, unrounded_difference(log)).replace(": the", ", the", 1),
        "",
        "The two looks at the confirmatory origins, the label fix between them and the limits "
        "of these data: `RESULTS-finance.md`.",
        "",
        END,
    ]
    return "\n".join(parts) + "\n"


def write(results: Path, text: str) -> None:
    """Replace the section between the markers in ``results`` (append it the first time)."""
    old = results.read_text(encoding="utf-8") if results.is_file() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        new = head + text.rstrip("\n") + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text
    results.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=str(HERE / "RESULTS.md"))
    a = ap.parse_args(argv)
    write(Path(a.results), section())
    print(f"wrote the finance section of {a.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

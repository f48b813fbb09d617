"""Write the financial-failure section of RESULTS.md from the saved outputs (no new look).

Every figure is read from ``results-finance/*.md`` (written by ``finance_backtest.py
--results``: the validation origins and the confirmatory origins' second look, the one with
the corrected interval label) and, for the one figure those tables round away (the
unrounded paired difference that decides the pre-registered test), from the logged note in
``SCORING-LOG-finance.md``. Nothing is scored: no model is fitted, no origin is looked at.

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
STAGES = (
    (
        "validation-interval-labels.md",
        "Validation origins 31 March 2020, 2021, 2022 (validation (seen): every choice was made "
        "on them)",
    ),
    (
        "confirmatory-second-look-interval-labels.md",
        "Confirmatory origins 31 March 2023, 2024 (second look, after the label fix: see "
        "RESULTS-finance.md)",
    ),
)
BEGIN = "<!-- begin finance section: written by experiments/real-2025/make_results_finance.py -->"
END = "<!-- end finance section -->"
MODEL = "logit"
MINIMUM_EFFECT = 0.05  # PREREGISTRATION-finance.md
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


def section(saved: Path = SAVED, log: Path = HERE / "SCORING-LOG-finance.md") -> str:
    """The finance section's Markdown, markers included."""
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
        "saved outputs in `results-finance/` (written by `finance_backtest.py`); this section "
        "is written by `make_results_finance.py`, which scores nothing.",
        "",
    ]
    verdict = ""
    for fname, title in STAGES:
        rows, notes = read_tables(saved / fname)
        by = {r["score"]: r for r in rows}
        rules = [r for r in rows if r["score"] != MODEL]
        best = max(rules, key=lambda r: float(r["auroc"]))
        parts += [f"### {title}", ""]
        if notes.get("hash"):
            parts += [f"Config hash `{notes['hash']}`; label rule: {notes['rule']}.", ""]
        parts += [stage_table(rows), ""]
        if MODEL in by and notes.get("slope"):
            parts += [
                f"Calibration slope of the model's out-of-time probabilities: "
                f"{float(notes['slope']):.2f} (intercept {float(notes['intercept']):.2f}, "
                f"{notes['rows']} rows; 1 is well calibrated).",
                "",
            ]
        ref = rows[0]["vs"]
        if best["score"] != ref:
            parts += [
                f"The best rule on these origins is {NAMES.get(best['score'], best['score'])} "
                f"({float(best['auroc']):.3f}), not the reference; its paired difference with "
                "the model was not computed (that would be a further look at these origins).",
                "",
            ]
        if fname.startswith("confirmatory") and MODEL in by:
            m = by[MODEL]
            shown = float(m["diff"])
            exact = unrounded_difference(log)
            d = exact if exact is not None else shown
            p = float(m["p_one_sided"])
            beats = d >= MINIMUM_EFFECT and p < 0.05
            src = (
                f"unrounded {exact:.6f}, from the scoring log's note"
                if exact is not None
                else "as saved, rounded to three places"
            )
            verdict = (
                f"**Does the model beat the best rule? {'Yes' if beats else 'No'}, by the "
                f"pre-registered criterion** (a difference of at least {MINIMUM_EFFECT} against "
                f"the reference rule and a one-sided p below 0.05): the difference is "
                f"{shown:+.3f} ({src}), p {p:.3f}. "
                + (
                    ""
                    if beats
                    else "The interval of the difference includes zero, and these origins could "
                    "detect only a difference of about 0.15 (the power calculation): public "
                    "finance data ranks councils well above chance, and the model's edge over "
                    "the simple rules is not shown."
                )
            )
    parts += [verdict, "", "The two looks at the confirmatory origins, the label fix between them "
              "and the limits of these data: `RESULTS-finance.md`.", "", END]  # fmt: skip
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

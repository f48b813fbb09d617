"""The HTML report: one self-contained page (no script, no network request) with the
banner, the ranked list, the risk matrix and the sections passed in."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.report._bands import BAND_NAMES, WORDING
from earlywarn.report._print import BASE_CSS, column_class, print_css
from earlywarn.report._text import display_text
from earlywarn.report.banner import BAND_COLOURS, CONFIDENTIAL, interval_words, pct


def _matrix_html() -> str:
    e = html.escape
    rows = []
    for impact in (3, 2, 1):
        cells = "".join(
            f'<td class="band b{s}">{s}: {e(WORDING[s])}</td>'
            for s in (3 * (impact - 1) + lik for lik in (1, 2, 3))
        )
        rows.append(f"<tr><th>impact {BAND_NAMES[impact]}</th>{cells}</tr>")
    head = "".join(f"<th>likelihood {BAND_NAMES[i]}</th>" for i in (1, 2, 3))
    return f'<table class="matrix"><thead><tr><th></th>{head}</tr></thead>{"".join(rows)}</table>'


def _fmt(v: Any, col: str = "") -> str:
    from earlywarn.report._text import PERCENT_COLUMNS

    if isinstance(v, float | np.floating):
        if v != v:
            return ""
        return f"{v:.1%}" if col in PERCENT_COLUMNS else f"{v:.3f}"
    return "" if v is None else str(v)


def _table(df: pd.DataFrame, table_id: str = "", names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    klass = {c: column_class(c) for c in df.columns}  # a column's cells, for print rules
    head = "".join(
        f'<th class="{klass[c]}">{html.escape(names.get(str(c), str(c)))}</th>' for c in df.columns
    )
    banded = {"risk_score", "risk_band"}
    rows = []
    for row in df.itertuples(index=False):
        d = dict(zip(df.columns, row, strict=True))
        score = d.get("risk_score")
        band = f"band b{int(score)} " if isinstance(score, int | np.integer) else ""
        rows.append(
            "<tr>"
            + "".join(
                f'<td class="{band if c in banded else ""}{klass[c]}">'
                f"{display_text(_fmt(v, c), c)}</td>"
                for c, v in d.items()
            )
            + "</tr>"
        )
    tid = f' id="{html.escape(table_id)}"' if table_id else ""
    return f"<table{tid}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _metric_cell(m: dict | None) -> str:
    if not m or m.get("value") is None:
        return "n/a"
    lo, hi = m.get("lo"), m.get("hi")
    ci = f" ({lo:.3f}–{hi:.3f})" if lo is not None and hi is not None else ""
    return f"{m['value']:.3f}{ci}"


def render_report(
    risk_list: pd.DataFrame,
    evaluation: dict,
    run_info: dict,
    calibration: bytes,
    top_n: int = 20,
    *,
    council_sections: Sequence[str] = (),
    extra_sections: Sequence[str] = (),
) -> str:
    """A self-contained HTML page: banner, ranked list with reasons, bands and support,
    a section per top council, backtest, calibration.

    Parameters
    ----------
    council_sections : sequence of str
        HTML from :func:`render_council_sections`.
    extra_sections : sequence of str
        Further HTML fragments (e.g. the evaluation), inserted after the backtest table.
        They are inserted as they are: their author escapes their text.
    """
    metric_names = ["auroc", "average_precision", "brier", "precision_at_k", "recall_at_k"]
    rows = []
    for model, ev in evaluation["models"].items():
        pooled = ev.get("pooled", {})
        rows.append([model] + [_metric_cell(pooled.get(m)) for m in metric_names])
    metrics = pd.DataFrame(rows, columns=["model", *metric_names])
    from earlywarn.report._detail_sections import notes_html
    from earlywarn.report._text import (
        gate_words,
        headers,
        matrix_words,
        meaning_words,
        ranking_words,
        verdict,
    )

    show = risk_list.head(top_n)
    wanted = (
        "rank",
        "council_name",
        "risk_band",
        "tier",
        "tier_note",
        "already_inadequate",
        "financial_notice",
        "financial_failure_on_record",
        "probability",
        "probability_lo",
        "probability_hi",
        "p_inspected",
        "joint_probability",
        "conditional_probability",
        "main_problem_nature",
        "adviser_notes",
        "reason_1",
    )
    cols = [c for c in wanted if c in show.columns and show[c].notna().any()]
    if "adviser_notes" in cols and not show["adviser_notes"].astype(bool).any():
        cols.remove("adviser_notes")  # no note among the councils shown
    names = headers(run_info)
    meaning = str(run_info.get("probability_meaning") or "probability")
    ranking = ranking_words(risk_list, int(evaluation.get("k") or 15))
    band_css = "\n".join(
        f".b{s} {{ background: #{f}; color: #{c}; }}" for s, (f, c) in BAND_COLOURS.items()
    )
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    councils_html = ""
    if council_sections:
        councils_html = (
            f"<h2>The top {len(council_sections)} councils: reasons and support</h2>\n"
            + "\n".join(council_sections)
        )
    extra = "\n".join(extra_sections)
    img = base64.b64encode(calibration).decode("ascii")
    calib = (
        f'<h2>Calibration</h2>\n<img alt="reliability plot" src="data:image/png;base64,{img}">'
        if calibration
        else ""
    )
    e = html.escape
    label = evaluation.get("label", {})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="confidentiality" content="{e(CONFIDENTIAL)}">
<meta name="earlywarn-data-as-of" content="{e(str(run_info.get("as_of", "")))}">
<meta name="earlywarn-model" content="{e(str(run_info.get("model_identity", "")))}">
<meta name="earlywarn-model-run" content="{e(str(run_info.get("model_run_id", "")))}">
<title>earlywarn risk report - {e(str(run_info.get("cycle", "")))}</title>
<style>
{BASE_CSS}
.meta {{ color: #555; font-size: 90%; }}
.council {{ border-top: 2px solid #8b0000; margin-top: 1.5em; }}
.council {{ display: flex; flex-direction: column; }} .council > * {{ margin-block: .5em; }}
.council > img {{ order: 1; align-self: flex-start; }}
.cols {{ display: flex; gap: 2em; }} .cols > div {{ flex: 1; }}
.support {{ background: #f4f7fb; padding: 0 1em; }}
.matrix td {{ width: 14em; font-size: 85%; }}
.verdict {{ background: #fff8e1; border-left: 4px solid #c09000; padding: .6em 1em; }}
.note {{ color: #5a4a00; font-style: italic; }}
img {{ max-width: 100%; height: auto; }}
{band_css}
{print_css(run_info)}
</style></head><body>
<div class="banner" role="note">{e(CONFIDENTIAL)}</div>
<h1>Early warning risk list: cycle {e(str(run_info.get("cycle", "")))}</h1>
<p class="meta">Scored origin {e(str(run_info.get("score_origin", "")))}; data as of
{e(str(run_info.get("as_of", "")))} (data vintage); horizon {e(str(run_info.get("horizon", "")))};
model <b>{e(str(run_info.get("model", "")))}</b>,
MLflow run {e(str(run_info.get("model_run_id", "")))}
at {e(str(run_info.get("tracking_uri", "")))}.</p>
<p class="verdict">{e(verdict(evaluation))}</p>
<p>The probability is <b>{e(meaning)}</b>: {e(meaning_words(label))}
Base rate in the training windows: {e(pct(run_info.get("base_rate")))}.
Intervals: {e(interval_words(run_info))}. {e(ranking)}</p>
<p class="verdict">{e(gate_words(run_info))}</p>
{notes_html(run_info)}
<p>{e(matrix_words(run_info))}</p>
<p>Reasons are the model's drivers (SHAP) that pass a reviewer's test: a signal of the
service, not context, on the worse side of similar councils (statistical neighbours), or
moving that way, by a material margin. When context carries most of the risk, the list
says so. A problem nature and its support are named only when the published reasons of
that nature add at least 0.10 log-odds (the nature the reasons show); otherwise "no clear
single nature", and no specific offer is suggested.</p>
<h2>Ranked list (top {len(show)} of {len(risk_list)}), by {e(meaning)}</h2>
<p class="meta">Reason 1 is the strongest reason; all reasons, the protective factor and
the support offered are in the council sections below and in risk_list.csv /
risk_list.xlsx.</p>
{_table(show[cols], "risk-list", names)}
{councils_html}
<h2>The risk matrix</h2>
{_matrix_html()}
<h2>Backtest (rolling origin, out of time)</h2>
<p>Pooled over test origins {e(", ".join(evaluation.get("test_origins", [])))};
k = {e(str(evaluation.get("k", "")))}; 95% intervals from resampling councils.
Censoring: {e(str(label.get("censoring", "")))}.</p>
{_table(metrics)}
{extra}
{calib}
<p class="meta">{e(CONFIDENTIAL)}</p>
</body></html>
"""

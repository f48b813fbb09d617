"""The risk list (CSV/XLSX content) and the HTML report.

Every artefact is confidential: the banner says so, and names the model run and the data
vintage. Text is HTML-escaped and the page carries a content security policy that allows no
script and no network request; exports are made safe to open in a spreadsheet by
:func:`earlywarn.io.safe_for_spreadsheet`. The functions here return text or bytes; writing
them is :func:`earlywarn.io.write_output_folder`'s job.

Other sections (e.g. the evaluation) are passed to :func:`render_report` as HTML fragments
through ``extra_sections``.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.bands import BAND_NAMES, WORDING, support_for
from earlywarn.report_text import display_text

__all__ = [
    "BAND_COLOURS",
    "CONFIDENTIAL",
    "build_risk_list",
    "calibration_png",
    "council_png",
    "render_council_sections",
    "render_report",
    "render_risk_list_xlsx",
]

# matrix score -> (fill, text colour): 9 red, 7-8 amber, 4-6 yellow, 1-3 green
BAND_COLOURS = {
    **dict.fromkeys((9,), ("C00000", "FFFFFF")),
    **dict.fromkeys((7, 8), ("F4B183", "000000")),
    **dict.fromkeys((4, 5, 6), ("FFE699", "000000")),
    **dict.fromkeys((1, 2, 3), ("C6E0B4", "000000")),
}

NO_CLEAR_NATURE = "no clear single nature"

CONFIDENTIAL = (
    "CONFIDENTIAL - an early warning is the start of a conversation with the council, never a "
    "verdict. Do not share beyond the improvement partnership."
)


def build_banded_risk_list(
    scores: pd.DataFrame,
    expl: Any,
    observations: pd.DataFrame,
    origin: pd.Timestamp,
    report_config: Any,
    *,
    base_rate: float | None = None,
    top_k: int = 0,
) -> pd.DataFrame:
    """The published list: ranked scores with reasons, risk bands and support offered.

    One function for every command that publishes a list (``cycle`` and ``score``), so the
    two lists have the same columns. ``report_config`` is the cycle's ``[report]`` section;
    ``base_rate`` the training failure rate on the list's target (default: the mean
    probability), ``top_k`` the councils that are at least medium likelihood
    (:func:`earlywarn.bands.build_evidence_bands`).
    """
    from earlywarn.bands import DEFAULT_SUPPORT, build_evidence_bands, latest_measure

    rep = report_config
    impact = latest_measure(observations, rep.impact_measure, origin)
    prob_by_code = scores.set_index("council_code")["probability"]
    lower = None
    if "probability_lo" in scores.columns:
        lower = scores.set_index("council_code")["probability_lo"]
    rate = float(prob_by_code.mean()) if base_rate is None else float(base_rate)
    bands = build_evidence_bands(
        prob_by_code,
        rate,
        impact.reindex(prob_by_code.index),
        lower=lower,
        ratios=rep.likelihood_ratios,
        top_k=top_k,
    )
    support = rep.support or {n: list(v) for n, v in DEFAULT_SUPPORT.items()}
    out = build_risk_list(
        scores,
        expl.reasons,
        rep.n_reasons,
        bands=bands,
        main_nature=expl.main_nature,
        support=support,
    )
    notes = getattr(expl, "notes", None)
    if notes is not None:
        out["context_note"] = out["council_code"].map(notes).fillna("")
    out.attrs["base_rate"] = rate
    return out


def build_risk_list(
    scores: pd.DataFrame,
    reasons: pd.DataFrame,
    n_reasons: int = 3,
    *,
    bands: pd.DataFrame | None = None,
    main_nature: pd.Series | None = None,
    support: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """One row per council at the scored origin, ranked by probability.

    Parameters
    ----------
    scores : DataFrame
        ``council_code, council_name, council_type, region, probability`` (optionally
        ``probability_lo, probability_hi``).
    reasons : DataFrame
        From :func:`earlywarn.explain.explain`.
    bands : DataFrame, optional
        From :func:`earlywarn.bands.build_bands`, indexed by ``council_code``.
    main_nature : Series, optional
        Main problem nature per council (``Explanation.main_nature``); default: the nature
        of the first reason.
    support : mapping, optional
        The support matrix (problem nature -> kinds of support): adds ``support_offered``
        for the natures of the council's reasons, main nature first.
    """
    up = reasons[reasons["direction"] == "raises"]
    wide = up.pivot(index="council_code", columns="rank", values="sentence")
    wide = wide.reindex(columns=range(1, n_reasons + 1))
    wide.columns = [f"reason_{i}" for i in range(1, n_reasons + 1)]
    if main_nature is None:
        fam = up.pivot(index="council_code", columns="rank", values="nature")
        main_nature = fam.get(1, pd.Series(dtype=object))
    main_nature = main_nature.replace("", np.nan).rename("main_problem_nature")
    down = reasons[reasons["direction"] == "lowers"].set_index("council_code")["sentence"]
    out = scores.join(wide, on="council_code").join(main_nature, on="council_code")
    out["mitigating_factor"] = out["council_code"].map(down)
    if bands is not None:
        out = out.join(bands, on="council_code")
    if support is not None:  # support only for a material main nature (explain.py)
        out["support_offered"] = [
            support_for([m], support) if isinstance(m, str) and m else NO_CLEAR_NATURE
            for m in out["main_problem_nature"]
        ]
    out["main_problem_nature"] = out["main_problem_nature"].fillna(NO_CLEAR_NATURE)
    out = out.sort_values(["probability", "council_code"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    reason_cols = [f"reason_{i}" for i in range(1, n_reasons + 1)]
    out[reason_cols] = out[reason_cols].fillna("")
    first = out["reason_1"] == ""
    out.loc[first, "reason_1"] = "No signal of decline passes the reviewer's test (see the note)."
    return out.reset_index(drop=True)


def _sheet_text(v: Any) -> Any:
    """Cell content openpyxl can store as a value (never a formula): illegal controls out."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, str):
        return ILLEGAL_CHARACTERS_RE.sub("", v)
    return v


def render_risk_list_xlsx(
    risk_list: pd.DataFrame,
    run_info: Mapping[str, Any],
    *,
    signals: pd.DataFrame | None = None,
) -> bytes:
    """The risk list as an XLSX workbook (bytes): a confidentiality sheet, the list, and
    (when given) the per-council signals.

    The list sheet opens with banner rows (confidentiality, what the probability is, data
    vintage and model), then human headers; probabilities are percentages; the header row
    and the rank and council columns are frozen; the header has an autofilter; the sheet
    prints landscape, fitted to the page width, with the header repeated; the risk band
    beside the council's name is coloured. Text cells (and headers) go through
    :func:`earlywarn.io.safe_for_spreadsheet`, and every cell is written as a value: the
    workbook holds no formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from earlywarn.io import safe_for_spreadsheet
    from earlywarn.report_text import PERCENT_COLUMNS, PRINT_LAST, display_columns, headers

    wb = Workbook()
    info = wb.active
    info.title = "Confidential"
    rows = [
        ("CONFIDENTIAL", CONFIDENTIAL),
        ("cycle", run_info.get("cycle", "")),
        ("data vintage (as of)", run_info.get("as_of", "")),
        ("scored origin", run_info.get("score_origin", "")),
        ("probability", run_info.get("probability_meaning", "")),
        ("base rate", run_info.get("base_rate", "")),
        ("model", run_info.get("model", "")),
        ("model run (MLflow)", run_info.get("model_run_id", "")),
        ("model identity", run_info.get("model_identity", "")),
        ("pseudonymised", str(bool(run_info.get("pseudonymised", False))).lower()),
        ("model uri", run_info.get("model_uri", "")),
        ("git commit", run_info.get("git_commit", "")),
    ]
    meta = safe_for_spreadsheet(pd.DataFrame(rows, columns=["key", "value"]).astype(str))
    for r in meta.itertuples(index=False):
        info.append([_sheet_text(r.key), _sheet_text(r.value)])
    info["A1"].font = Font(bold=True, color="FFFFFF")
    info["A1"].fill = PatternFill("solid", fgColor="8B0000")
    info["B1"].font = Font(bold=True)
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 110

    ws = wb.create_sheet("Risk list", 0)
    cols = display_columns(risk_list.columns)
    safe = safe_for_spreadsheet(risk_list[cols])
    names = headers(run_info)
    banner = [
        CONFIDENTIAL,
        f"Probability = {run_info.get('probability_meaning', '')}; base rate "
        f"{_pct(run_info.get('base_rate'))}; intervals: {_interval_words(run_info)}.",
        f"Cycle {run_info.get('cycle', '')}; data as of {run_info.get('as_of', '')}; scored "
        f"origin {run_info.get('score_origin', '')}; model {run_info.get('model', '')} "
        f"({run_info.get('model_identity', '')}).",
    ]
    for i, text in enumerate(banner, start=1):
        ws.cell(i, 1, _sheet_text(safe_for_spreadsheet(pd.DataFrame([[text]])).iat[0, 0]))
        ws.cell(i, 1).font = Font(bold=i == 1, color="FFFFFF" if i == 1 else "000000")
        if i == 1:
            for j in range(1, len(cols) + 1):
                ws.cell(i, j).fill = PatternFill("solid", fgColor="8B0000")
    hrow = len(banner) + 1
    head = safe_for_spreadsheet(pd.DataFrame([[names.get(c, c) for c in cols]]))
    for j, v in enumerate(head.iloc[0], start=1):
        cell = ws.cell(hrow, j, _sheet_text(v))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F0F0")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(safe.itertuples(index=False), start=hrow + 1):
        for j, v in enumerate(row, start=1):
            cell = ws.cell(i, j, _sheet_text(v))
            cell.alignment = Alignment(vertical="top")
            if cols[j - 1] in PERCENT_COLUMNS:
                cell.number_format = "0.0%"
    last_row = hrow + len(safe)
    ws.freeze_panes = ws.cell(hrow + 1, 3)  # header rows and rank + council stay in view
    ws.auto_filter.ref = f"A{hrow}:{get_column_letter(len(cols))}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{hrow}:{hrow}"
    widths = {"risk_band": 30, "context_note": 36}
    for j, col in enumerate(cols, start=1):
        longest = max([len(names.get(col, col)) // 2] + [len(str(v)) for v in safe[col].head(200)])
        cap = widths.get(col, 44)
        ws.column_dimensions[get_column_letter(j)].width = min(cap, max(9, longest + 2))
        if longest > cap:
            for i in range(hrow + 1, last_row + 1):
                ws.cell(i, j).alignment = Alignment(wrap_text=True, vertical="top")
    # wrapped text needs explicit row heights (spreadsheets do not always recompute them)
    caps = [
        float(ws.column_dimensions[get_column_letter(j)].width) for j in range(1, len(cols) + 1)
    ]
    for i, row in enumerate(safe.itertuples(index=False), start=hrow + 1):
        lines = max(
            -(-len(str(v)) // max(1, int(w) - 1)) if isinstance(v, str) else 1
            for v, w in zip(row, caps, strict=True)
        )
        ws.row_dimensions[i].height = 13 * min(max(lines, 1), 12)
    ws.row_dimensions[hrow].height = 42
    if PRINT_LAST in cols:  # the printed page: rank .. first reason and context note
        ws.print_area = f"A1:{get_column_letter(cols.index(PRINT_LAST) + 1)}{last_row}"
    if "risk_score" in safe.columns:
        band_cols = [
            j
            for j, c in enumerate(cols, start=1)
            if c in ("risk_score", "risk_band", "likelihood_band", "impact_band")
        ]
        for i, score in enumerate(safe["risk_score"], start=hrow + 1):
            if score != score or int(score) not in BAND_COLOURS:
                continue
            fill, font = BAND_COLOURS[int(score)]
            for j in band_cols:
                ws.cell(i, j).fill = PatternFill("solid", fgColor=fill)
                ws.cell(i, j).font = Font(color=font)
    if signals is not None:
        sg = wb.create_sheet("Signals")
        sg.append([CONFIDENTIAL])
        sg["A1"].font = Font(bold=True)
        ssafe = safe_for_spreadsheet(signals)
        sg.append([_sheet_text(str(c).replace("_", " ")) for c in ssafe.columns])
        for cell in sg[2]:
            cell.font = Font(bold=True)
        for row in ssafe.itertuples(index=False):
            sg.append([_sheet_text(v) for v in row])
        sg.freeze_panes = "C3"
        sg.auto_filter.ref = f"A2:{get_column_letter(max(1, ssafe.shape[1]))}{len(ssafe) + 2}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _pct(v: Any) -> str:
    try:
        return f"{float(v):.1%}"
    except (TypeError, ValueError):
        return "not known"


def _interval_words(run_info: Mapping[str, Any]) -> str:
    iv = run_info.get("interval") or {}
    if not iv.get("n_boot"):
        return "none published"
    return (
        f"{float(iv.get('level', 0.9)):.0%} council-bootstrap intervals from "
        f"{iv['n_boot']} refits, widened to contain the published probability; rough at "
        "their ends"
    )


def calibration_png(pred: pd.DataFrame, title: str = "Reliability (out of time)") -> bytes:
    """A reliability plot of out-of-time predictions (columns ``model, p, y``) as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4.2), dpi=100)  # no pyplot: a user's backend is left alone
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfect calibration")
    for model, g in pred.groupby("model", sort=True):
        bins = np.clip((g["p"].to_numpy() * 10).astype(int), 0, 9)
        agg = (
            pd.DataFrame({"b": bins, "p": g["p"], "y": g["y"]})
            .groupby("b")
            .agg(p=("p", "mean"), y=("y", "mean"), n=("y", "size"))
        )
        agg = agg[agg["n"] >= 5]
        ax.plot(agg["p"], agg["y"], marker="o", label=str(model))
    hi = float(min(1.0, max(0.2, pred["p"].max() * 1.1)))
    ax.set_xlim(0, hi)
    ax.set_ylim(0, hi)
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed failure rate")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _words(spec) -> str:
    """A feature in plain words for a plot label (never its column name)."""
    text = spec.label[:1].upper() + spec.label[1:]
    if spec.kind == "change":
        text += f" (change over {spec.span})" if spec.span else " (change)"
    return text if len(text) <= 64 else text[:61] + "..."


def council_png(
    contrib: pd.Series,
    specs: Mapping[str, Any],
    trends: Sequence[tuple[str, str, pd.Series, pd.Series]] = (),
    n_bars: int = 8,
) -> bytes:
    """One council's figure: a SHAP bar plot and small trend plots against peers.

    Parameters
    ----------
    contrib : Series
        SHAP values (log-odds) per feature for the council.
    specs : mapping
        Feature name -> :class:`~earlywarn.features.registry.FeatureSpec` (for the words).
    trends : sequence of (title, unit, council, peers)
        Series indexed by origin: the council's values and its peers' median.
    n_bars : int
        The largest contributions shown; the rest are summed into one bar.
    """
    from matplotlib.figure import Figure

    order = contrib.abs().sort_values(ascending=False, kind="stable").index
    top = contrib[order[:n_bars]]
    rest = float(contrib[order[n_bars:]].sum())
    labels = [_words(specs[f]) for f in top.index]
    vals = list(top.to_numpy(dtype=float))
    n = len(trends)
    # one row: the contributions; a second row: large trend charts (actual values)
    height = 3.4 + (3.4 if n else 0)
    fig = Figure(figsize=(10, height), dpi=80)
    split = 3.4 / height  # the share of the height the bars take
    bars = fig.add_gridspec(1, 1, left=0.47, right=0.97, top=0.94, bottom=1 - split + 0.09)
    ax = fig.add_subplot(bars[0, 0])
    grid = fig.add_gridspec(1, max(n, 1), left=0.07, right=0.97, top=1 - split - 0.06, bottom=0.07)
    grid = [grid[0, i] for i in range(max(n, 1))]
    y = np.arange(len(vals))[::-1]
    ax.barh(y, vals, color=["#b22222" if v > 0 else "#2e6fb0" for v in vals])
    ax.set_yticks(y, labels, fontsize=10)
    ax.axvline(0, color="grey", lw=0.8)
    more = (
        f"; {len(order) - n_bars} smaller factors sum to {rest:+.2f}" if len(order) > n_bars else ""
    )
    ax.set_xlabel(f"contribution to risk (log-odds, SHAP){more}", fontsize=10)
    ax.tick_params(axis="x", labelsize=9)
    ax.set_title("What moves this council's risk (red raises)", fontsize=11)
    for i, tr in enumerate(trends):
        title, unit, own, peer = tr[:4]
        eng = tr[4] if len(tr) > 4 else None
        tax = fig.add_subplot(grid[i])
        x = pd.DatetimeIndex(own.index).year  # plain years: date axes are slow to lay out
        tax.plot(x, own.to_numpy(dtype=float), marker="o", ms=4, color="#b22222", label="council")
        tax.plot(
            pd.DatetimeIndex(peer.index).year,
            peer.to_numpy(dtype=float),
            ls="--",
            c="grey",
            label="similar councils",
        )
        if eng is not None:
            tax.plot(
                pd.DatetimeIndex(eng.index).year,
                eng.to_numpy(dtype=float),
                ls=":",
                c="black",
                label="England",
            )
        words = title if len(title) <= 45 else title[:42] + "..."
        tax.set_title(words, fontsize=9)
        tax.set_ylabel(unit.strip() or "value", fontsize=9)
        tax.tick_params(labelsize=8)
        tax.xaxis.get_major_locator().set_params(integer=True)
        if i == 0:
            tax.legend(fontsize=8, loc="best")
    return _png(fig)


def render_council_sections(
    risk_list: pd.DataFrame,
    explanation: Any,
    history: pd.DataFrame,
    peer_history: pd.DataFrame,
    specs: Mapping[str, Any],
    k: int,
    n_trends: int = 3,
    *,
    run_info: Mapping[str, Any] | None = None,
    grade_history: Mapping[str, str] | None = None,
) -> list[str]:
    """HTML sections for the ``k`` highest-ranked councils: probability, band, reasons,
    support, a SHAP bar plot and trend plots of the signals behind the reasons.

    Parameters
    ----------
    risk_list : DataFrame
        From :func:`build_risk_list` (ranked).
    explanation : Explanation
        From :func:`earlywarn.explain.explain` for the scored origin.
    history, peer_history : DataFrame
        The feature frame over all origins (``council_code, origin``) and its peer medians.
    specs : mapping
        Feature metadata.
    k : int
        How many councils get a section.
    n_trends : int
        Trend plots per council (signals of its reasons, raising first).
    """
    e = html.escape
    reasons = explanation.reasons
    out = []
    for row in risk_list.head(k).itertuples(index=False):
        r = row._asdict()
        code = r["council_code"]
        mine = reasons[reasons["council_code"] == code]
        ups = mine[mine["direction"] == "raises"].sort_values("rank")
        downs = mine[mine["direction"] == "lowers"]
        signals = [  # grades are told in words, not plotted on a decimal axis
            g
            for g in dict.fromkeys([*ups["signal"], *downs["signal"]])
            if g in history.columns and g != "last_inspection_grade"
        ][:n_trends]
        trends = []
        own_hist = history.xs(code, level="council_code")
        peer_hist = peer_history.xs(code, level="council_code")
        for sig in signals:
            spec = specs[sig]
            eng = history[sig].groupby(level="origin").median()
            trends.append((_words(spec), spec.unit, own_hist[sig], peer_hist[sig], eng))
        png = council_png(explanation.values.loc[code], specs, trends)
        info = run_info or {}
        meaning = str(info.get("probability_meaning") or "Probability")
        prob = f"{r['probability']:.1%}"
        if r.get("probability_lo") is not None and r.get("probability_hi") is not None:
            lvl = float((info.get("interval") or {}).get("level", 0.9))
            prob += f" ({lvl:.0%} interval {r['probability_lo']:.1%} to {r['probability_hi']:.1%})"
        if r.get("p_inspected") is not None and r.get("joint_probability") is not None:
            prob += (
                f"; P(inspected in the window) {r['p_inspected']:.1%}, joint risk "
                f"{r['joint_probability']:.1%}"
            )
        band = ""
        if r.get("risk_score") is not None and r.get("risk_band") is not None:
            score = int(r["risk_score"])
            band = (
                f'<p>Risk band: <span class="band b{score}">{e(str(r["risk_band"]))}</span> '
                f"(likelihood {e(str(r['likelihood_band']))}, impact "
                f"{e(str(r['impact_band']))}; matrix score {score}).</p>"
            )
        grades = (grade_history or {}).get(code, "")
        if grades:
            band += f"<p>Ofsted judgements: {e(grades)}.</p>"
        note = r.get("context_note") or ""
        if note:
            band += f'<p class="note">{e(str(note))}</p>'
        items = "".join(f"<li>{e(s)}</li>" for s in ups["sentence"]) or (
            "<li>No signal of decline passes the reviewer's test.</li>"
        )
        mit = "".join(f"<p>Protective factor: {e(s)}</p>" for s in downs["sentence"])
        nat = explanation.by_nature.loc[code].sort_values(ascending=False)
        nat_txt = ", ".join(f"{e(str(n))} {v:+.2f}" for n, v in nat.items())
        sup = r.get("support_offered") or ""
        out.append(
            f"""<section class="council" id="c-{e(str(code))}">
<h3>{int(r["rank"])}. {display_text(r.get("council_name", ""))} ({e(str(code))})</h3>
<p>{e(meaning)}: <b>{e(prob)}</b>. Problem nature:
<b>{e(str(r.get("main_problem_nature") or "no clear single nature"))}</b>
(SHAP sums by nature, log-odds: {nat_txt}).</p>
{band}
<div class="cols"><div><h4>Reasons raising the risk</h4><ul>{items}</ul>{mit}</div>
<div class="support"><h4>Support usually offered</h4><p>{e(str(sup)) or "-"}</p></div></div>
<img alt="contributions and trends for {e(str(r.get("council_name", "")))}"
 src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">
</section>"""
        )
    return out


def grade_history_words(events: pd.DataFrame, codes: Sequence[str]) -> dict[str, str]:
    """Each council's inspection judgements in words with their month, oldest first."""
    from earlywarn.reasons import GRADE_WORDS

    ins = events[(events["event_type"] == "inspection") & events["severity"].notna()]
    ins = ins[ins["council_code"].isin(list(codes))].sort_values("date", kind="stable")
    return {
        str(code): "; ".join(
            f"{pd.Timestamp(d):%B %Y} {GRADE_WORDS.get(int(g), 'not known')}"
            for d, g in zip(g_["date"], g_["severity"], strict=True)
        )
        for code, g_ in ins.groupby("council_code", sort=False)
    }


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
    from earlywarn.report_text import PERCENT_COLUMNS

    if isinstance(v, float | np.floating):
        if v != v:
            return ""
        return f"{v:.1%}" if col in PERCENT_COLUMNS else f"{v:.3f}"
    return "" if v is None else str(v)


def _table(df: pd.DataFrame, table_id: str = "", names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    head = "".join(f"<th>{html.escape(names.get(str(c), str(c)))}</th>" for c in df.columns)
    banded = {"risk_score", "risk_band"}
    rows = []
    for row in df.itertuples(index=False):
        d = dict(zip(df.columns, row, strict=True))
        score = d.get("risk_score")
        cls = f' class="band b{int(score)}"' if isinstance(score, int | np.integer) else ""
        rows.append(
            "<tr>"
            + "".join(
                f"<td{cls if c in banded else ''}>{display_text(_fmt(v, c), c)}</td>"
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
    from earlywarn.report_text import MATRIX_WORDS, headers, ranking_words, verdict

    show = risk_list.head(top_n)
    wanted = (
        "rank",
        "council_name",
        "risk_band",
        "probability",
        "probability_lo",
        "probability_hi",
        "p_inspected",
        "joint_probability",
        "conditional_probability",
        "main_problem_nature",
        "reason_1",
    )
    cols = [c for c in wanted if c in show.columns]
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
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
.banner {{ background: #8b0000; color: #fff; padding: .8em 1em; font-weight: bold; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 90%; }}
th, td {{ border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; }}
.meta {{ color: #555; font-size: 90%; }}
.council {{ border-top: 2px solid #8b0000; margin-top: 1.5em; }}
.cols {{ display: flex; gap: 2em; }} .cols > div {{ flex: 1; }}
.support {{ background: #f4f7fb; padding: 0 1em; }}
.matrix td {{ width: 14em; font-size: 85%; }}
.verdict {{ background: #fff8e1; border-left: 4px solid #c09000; padding: .6em 1em; }}
.note {{ color: #5a4a00; font-style: italic; }}
img {{ max-width: 100%; height: auto; }}
{band_css}
@media print {{
  @page {{ size: A4 landscape; margin: 12mm; }}
  body {{ margin: 0; font-size: 9pt; }}
  table {{ width: 100%; table-layout: fixed; font-size: 8pt; }}
  th, td {{ overflow-wrap: anywhere; word-break: break-word; }}
  #risk-list th:first-child {{ width: 3.5%; }}
  #risk-list th:nth-child(3) {{ width: 12%; }}
  #risk-list th:last-child {{ width: 30%; }}
  .cols {{ display: block; }}
  .council {{ break-before: page; }}
  .banner, .band, th {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
}}
</style></head><body>
<div class="banner" role="note">{e(CONFIDENTIAL)}</div>
<h1>Early warning risk list: cycle {e(str(run_info.get("cycle", "")))}</h1>
<p class="meta">Scored origin {e(str(run_info.get("score_origin", "")))}; data as of
{e(str(run_info.get("as_of", "")))} (data vintage); horizon {e(str(run_info.get("horizon", "")))};
model <b>{e(str(run_info.get("model", "")))}</b>,
MLflow run {e(str(run_info.get("model_run_id", "")))}
at {e(str(run_info.get("tracking_uri", "")))}.</p>
<p class="verdict">{e(verdict(evaluation))}</p>
<p>The probability is <b>{e(meaning)}</b>: the chance that the council is judged
inadequate if it is inspected within the window ({e(str(label.get("description", "")))}),
not the chance of an inspection. P(inspected) comes from an inspection-timing model, and
the joint risk, their product, is what a partnership that cannot choose inspection dates
sees coming. Base rate in the training windows: {e(_pct(run_info.get("base_rate")))}.
Intervals: {e(_interval_words(run_info))}. {e(ranking)}</p>
<p>{e(MATRIX_WORDS)}</p>
<p>Reasons are the model's drivers (SHAP) that pass a reviewer's test: a signal of the
service, not context, on the worse side of similar councils (statistical neighbours), or
moving that way, by a material margin. When context carries most of the risk, the list
says so. A problem nature and its support are named only when that nature adds at least
0.10 log-odds and one of the reasons has it; otherwise "no clear single nature".</p>
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

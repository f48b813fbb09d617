"""The report's evaluation section: plain-words summary, metric tables and plots.

Everything here reads the ``evaluation`` dict (as in ``evaluation.json``), never the data:
the section can be re-rendered from a published folder. Text is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np

from earlywarn._names import LIST_FIGURES, METRIC_LABELS
from earlywarn.labels import announced

__all__ = ["METRICS", "render_section"]

METRICS = METRIC_LABELS  # key -> label, defined once (earlywarn._names.METRICS)
SHORT = ("auroc_within_origin", "auroc", "average_precision", "precision_at_k", "recall_at_k",
         "brier", "brier_skill")  # fmt: skip
SMALL_STYLE = ' class="small" title="small cell: few events or many undefined resamples"'


def _cell(m: Any) -> str:
    if not isinstance(m, dict) or m.get("value") is None:
        return "n/a"
    v, lo, hi = m["value"], m.get("lo"), m.get("hi")
    ci = f" ({lo:.2f}–{hi:.2f})" if lo is not None and hi is not None else ""
    return f"{v:.3f}{ci}"


def _entities(sec: dict[str, Any]) -> list[tuple[str, str, dict]]:
    rows = [("model", n, ev) for n, ev in sec.get("models", {}).items()]
    rows += [
        ("baseline", n, ev)
        for n, ev in sec.get("baselines", {}).items()
        if n not in sec.get("models", {})
    ]
    if "oracle" in sec:
        rows.append(("oracle", "oracle", sec["oracle"]))
    return rows


def _metric_table(sec: dict[str, Any], names: tuple[str, ...] | list[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(METRICS[m])}</th>" for m in names)
    body = []
    for role, name, ev in _entities(sec):
        pooled = ev.get("pooled", {})
        lt = ev.get("lead_time", {})
        lead = lt.get("median_years")
        cells = "".join(
            f"<td{SMALL_STYLE if (pooled.get(m) or {}).get('unstable') else ''}>"
            f"{e(_cell(pooled.get(m)))}</td>"
            for m in names
        )
        turnover = ev.get("flag_stability", {}).get("mean_turnover")
        extra = "".join(f"<td>{_fmt(v)}</td>" for v in (lead, lt.get("share_ge_1y"), turnover))
        body.append(
            f"<tr><td>{e(name)}</td><td>{e(role)}</td><td>{pooled.get('n', '')}</td>"
            f"<td>{pooled.get('n_pos', '')}</td>{cells}{extra}</tr>"
        )
    return (
        "<table><thead><tr><th>name</th><th>role</th><th>rows</th><th>failures</th>"
        f"{head}<th>median lead (y)</th><th>share ≥1y ahead</th><th>top-k turnover</th>"
        f"</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _fmt(v: Any) -> str:
    return "" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _subplots(figsize: tuple[float, float], dpi: int) -> tuple[Any, Any]:
    """A figure on its own Agg canvas (no pyplot: a Jupyter kernel's backend is left alone)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    return fig, fig.subplots()


def _plots(evaluation: dict[str, Any]) -> dict[str, str]:
    ents = _entities(evaluation)
    style = {"model": "-", "baseline": ":", "oracle": "--"}
    out = {}
    curves = evaluation.get("curves", {})
    for kind, (xl, yl, title) in {
        "roc": ("false positive rate", "true positive rate", "ROC (out of time, pooled)"),
        "pr": ("recall", "precision", "Precision-recall (pooled)"),
    }.items():
        fig, ax = _subplots((5, 4.2), 90)
        if kind == "roc":
            ax.plot([0, 1], [0, 1], c="grey", lw=0.8)
        for role, name, _ in ents:
            pts = np.asarray(curves.get(name, {}).get(kind, []), dtype=float)
            if pts.size:
                ax.plot(pts[:, 0], pts[:, 1], ls=style[role], label=name)
        ax.set(xlabel=xl, ylabel=yl, title=title, xlim=(0, 1), ylim=(0, 1.02))
        ax.legend(fontsize=7)
        out[kind] = _png(fig)
    fig, ax = _subplots((5, 4.2), 90)
    ax.plot([0, 1], [0, 1], c="grey", lw=0.8, ls="--")
    for role, name, ev in ents:
        rc = ev.get("pooled", {}).get("reliability_curve", [])
        pts = [(b["p_mean"], b["y_mean"]) for b in rc if b.get("n", 0) >= 5]
        if pts:
            a = np.asarray(pts)
            ax.plot(a[:, 0], a[:, 1], marker="o", ms=3, ls=style[role], label=name)
    ax.set(xlabel="predicted probability", ylabel="observed rate", title="Reliability")
    ax.legend(fontsize=7)
    out["reliability"] = _png(fig)
    fig, ax = _subplots((5, 4.2), 90)
    for role, name, ev in ents:
        uc = ev.get("pooled", {}).get("usefulness_curve", [])
        pts = [(r["mu"], r["ur"]) for r in uc if r.get("ur") is not None]
        if pts:
            a = np.asarray(pts)
            ax.plot(a[:, 0], a[:, 1], ls=style[role], label=name)
    mu = evaluation.get("settings", {}).get("mu")
    if mu is not None:
        ax.axvline(mu, c="grey", lw=0.8)
    ax.set(
        xlabel="μ (weight on missing a failure)",
        ylabel="relative usefulness Ur",
        title="Usefulness Ur(μ), Sarlin 2013",
        ylim=(-0.05, 1.02),
    )
    ax.legend(fontsize=7)
    out["usefulness"] = _png(fig)
    fig, ax = _subplots((5, 4.2), 90)
    chosen = evaluation.get("chosen_model", {}).get("kind")
    show = [n for n in (chosen, "oracle") if n and n in evaluation.get("lead_times", {})]
    bins = np.arange(0, 6.5, 0.5)
    for name in show:
        ax.hist(evaluation["lead_times"][name], bins=bins, alpha=0.6, label=name)
    ax.set(
        xlabel="years flagged (top k, unbroken) before the failure",
        ylabel="failures",
        title="Lead time (0 = missed)",
    )
    if show:
        ax.legend(fontsize=7)
    out["lead_time"] = _png(fig)
    return out


def _selection_html(sel: dict[str, Any], k: Any) -> str:
    e = html.escape
    t = sel.get("timing", {})
    rows = []
    for name, entry in sel.get("models", {}).items():
        c, j = entry["top_k_by_conditional"], entry["top_k_by_joint"]
        rows.append(
            f"<tr><td>{e(name)}</td><td>{c['share_inspected']:.2f}</td>"
            f"<td>{c['joint_precision_at_k']:.2f}</td><td>{j['share_inspected']:.2f}</td>"
            f"<td>{j['joint_precision_at_k']:.2f}</td></tr>"
        )
    return (
        "<h3>Selective inspection: why two targets</h3>"
        f"<p>The inspection-timing model (time since the last inspection and its grade) "
        f"predicts <em>being inspected</em> in the window with AUROC "
        f"{e(_cell(t.get('auroc_inspected')))}, but separates failures <em>among the "
        f"inspected</em> with AUROC {e(_cell(t.get('auroc_fail_among_inspected')))}: timing "
        f"alone says when a judgement comes, not what it will be (as a score for the joint "
        f"label it reaches AUROC {e(_cell(t.get('auroc_joint_label')))}, which is why a "
        f"baseline times the timing model looks strong on the joint target). Conversely a "
        f"list ranked by the conditional risk alone puts councils at the top that will not "
        f"be inspected in the window (overall share inspected: "
        f"{sel.get('share_inspected_all', 0):.2f}).</p>"
        f"<table><thead><tr><th>name</th><th>top {e(str(k))} by conditional: share inspected"
        "</th><th>… failures found (share)</th><th>top k by joint: share inspected</th>"
        f"<th>… failures found (share)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _pct_cell(fig: dict | None) -> str:
    if not fig or fig.get("value") is None or fig["value"] != fig["value"]:
        return "<td>n/a</td>"
    lo, hi = fig.get("lo"), fig.get("hi")
    ci = f" ({100 * lo:.0f}–{100 * hi:.0f})" if lo is not None and lo == lo else ""
    grey = SMALL_STYLE if fig.get("unstable") else ""
    chance = f"<br><small>chance {100 * fig['chance']:.1f}%</small>"
    return f"<td{grey}>{100 * fig['value']:.1f}%{ci}{chance}</td>"


def _published_html(evaluation: dict[str, Any], k: Any) -> str:
    """The headline table: what a published top-k list of all councils would have done."""
    e = html.escape
    pub = evaluation.get("published_list", {})
    if not pub:
        return ""
    role = {n: "model" for n in evaluation.get("models", {})}
    role.update({n: "baseline" for n in evaluation.get("baselines", {}) if n not in role})
    role["oracle"] = "oracle"
    figures, precision_words = (
        LIST_FIGURES,
        (
            "Precision and recall at k in the tables below for the conditional target rank only "
            "councils that turned out to be inspected (a set chosen by a future event): they are "
            "not what a published list does."
        ),
    )
    if announced((evaluation.get("label") or {}).get("events")):  # nothing is inspected
        figures = {m: w for m, w in LIST_FIGURES.items() if "inspected" not in m}
        precision_words = (
            "Failures are announced, not found by inspection: precision and recall at k in "
            "the tables below rank the same councils as this headline, for either target."
        )
    body = "".join(
        f"<tr><td>{e(n)}</td><td>{e(role.get(n, ''))}</td>"
        + "".join(_pct_cell(f.get(m)) for m in figures)
        + f"<td>{f.get('n_failures', '')}</td></tr>"
        for n, f in pub.items()
    )
    head = "".join(f"<th>{e(v)}</th>" for v in figures.values())
    return (
        f"<h3>Headline: had the top {e(str(k))} of all councils been published at each origin"
        "</h3><p>Shares over all test origins (ties at the cut share the places), 95% "
        "intervals from resampling councils, and the chance level: the same figure for a "
        f"list drawn at random at every origin. {e(precision_words)}</p>"
        f"<table><thead><tr><th>name</th><th>role</th>{head}<th>failures</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _paired_html(evaluation: dict[str, Any]) -> str:
    e = html.escape
    parts = []
    for target, block in evaluation.get("paired_differences", {}).items():
        rows = block.get("rows", [])
        if not rows:
            continue
        body = "".join(
            f"<tr><td>{e(r['model'])}</td><td>{e(r['reference'])} ({e(r['role'])})</td>"
            f"<td>{e(r['metric'].replace('_', ' '))}</td>"
            f"<td{SMALL_STYLE if r.get('unstable') else ''}>{e(_cell(r))}</td>"
            f"<td>{'yes' if r.get('excludes_zero') else 'no'}</td></tr>"
            for r in rows
        )
        parts.append(
            f"<h4>{e(target)} target</h4><table><thead><tr><th>model</th><th>against</th>"
            "<th>difference in</th><th>model − reference (95% paired interval)</th>"
            f"<th>interval excludes 0</th></tr></thead><tbody>{body}</tbody></table>"
        )
    if not parts:
        return ""
    return (
        "<h3>Does any model beat the simple baselines?</h3><p>Differences on the rows both "
        "scored, with a paired council bootstrap (the same councils in both arms).</p>"
        + "\n".join(parts)
    )


def _held_out_html(evaluation: dict[str, Any]) -> str:
    """The protocol: the origins scored after the choice, confirmatory (pre-registered,
    logged) or validation (seen), and whether any origin was confirmatory
    (earlywarn.backtest)."""
    from earlywarn.backtest import CONFIRMATORY, after_choice_block, beats_best_baseline

    e = html.escape
    words = (evaluation.get("protocol") or {}).get("words", "")
    note = f"<p>{e(words)}</p>" if words else ""
    found = after_choice_block(evaluation)
    if found is None:
        return f"<h3>The protocol</h3>{note}" if note else ""
    role, block = found
    chosen = evaluation.get("chosen_model", {}).get("kind", "")
    if role == CONFIRMATORY:
        chosen = block.get("preregistered_model", chosen)
    target = evaluation.get("target", "")
    v = block.get("test") or beats_best_baseline(block, chosen, target)
    pub = block.get("published_list", {}).get(chosen, {})
    caught = pub.get("share_of_failures_caught")
    caught_txt = ""
    if caught and caught.get("value") is not None:
        caught_txt = (
            f" Its published lists caught {100 * caught['value']:.0f}% of the "
            f"{pub.get('n_failures')} failures (chance {100 * caught['chance']:.0f}%)."
        )
    diff = f" (within-origin AUROC difference {_cell(v)})" if "value" in v else ""
    if role == CONFIRMATORY:
        n = block.get("scorings", 1)
        how = (
            f"Scored for the pre-registered settings hash {block.get('settings_hash', '')} "
            "(pre-registered test: within-origin AUROC against the rule fixed by the "
            f"{(block.get('test') or {}).get('reference_chosen_on', 'validation origins')}, "
            f"one-sided, minimum effect {block.get('minimum_effect')})"
            + (
                f"; scored {n} times, so these origins have been looked at more than once "
                "and only the first scoring was confirmatory"
                if block.get("looked_at_more_than_once")
                else "; the first scoring: confirmatory"
            )
        )
        label = "pre-registered model"
    else:
        how = (
            "Scored after the settings and the model were chosen on the validation origins "
            f"(settings hash {block.get('settings_hash', '')}), but already looked at "
            "before: not a confirmatory test"
        )
        label = "published model"
    return (
        f"<h3>{e(role[0].upper() + role[1:])} origins: {e(', '.join(block.get('origins', [])))}"
        f"</h3><p>{e(how)}. On these origins the {label} ({e(chosen)}) {e(v['verdict'])} "
        f"the best baseline ({e(str(v.get('reference')))}){e(diff)}.{e(caught_txt)}</p>{note}"
    )


def _unavailable_html(evaluation: dict[str, Any]) -> str:
    gone = evaluation.get("unavailable_baselines", {})
    if not gone:
        return ""
    items = "".join(
        f"<li>{html.escape(n)}: "
        f"{'all origins' if g['everywhere'] else html.escape(', '.join(g['origins']))}</li>"
        for n, g in gone.items()
    )
    return (
        "<p>Baselines not scored where their training feature was absent, empty or constant "
        f"(a constant score ranks nothing):</p><ul>{items}</ul>"
    )


def _subgroups_html(evaluation: dict[str, Any]) -> str:
    e = html.escape
    chosen = evaluation.get("chosen_model", {}).get("kind")
    sub = evaluation.get("subgroups", {})
    name = chosen if chosen in sub else next(iter(sub), None)
    if name is None:
        return ""
    parts = [f"<h3>Subgroups ({e(name)})</h3>"]
    parts.append(
        "<p>Share of the flags (top k at each origin, over all councils) against the share of "
        "the councils and of the failures in each group: a group flagged far more often than "
        "it fails is over-warned. Greyed rows have fewer than 10 failures: too few to "
        "read.</p>"
    )
    for grouping, rows in sub[name].items():
        body = "".join(
            f"<tr{SMALL_STYLE if r.get('small') else ''}><td>{e(r['group'])}</td>"
            f"<td>{r['n']}</td><td>{r['n_pos']}</td>"
            f"<td>{r['share_of_rows']:.2f}</td><td>{r['share_of_failures']:.2f}</td>"
            f"<td>{r['share_of_flags']:.2f}</td><td>{_fmt(r['precision_at_k'])}</td>"
            f"<td>{_fmt(r['recall_at_k'])}</td><td>{e(_cell(r['auroc']))}</td></tr>"
            for r in rows
        )
        parts.append(
            f"<h4>{e(grouping.replace('_', ' '))}</h4><table><thead><tr><th>group</th>"
            "<th>rows</th><th>failures</th><th>share of rows</th><th>share of failures</th>"
            "<th>share of flags</th><th>precision@k</th><th>recall@k</th><th>AUROC</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
        )
    return "\n".join(parts)


def render_section(evaluation: dict[str, Any]) -> str:
    """The evaluation section of the HTML report (a fragment: ``<section>…</section>``)."""
    from earlywarn.report._print import PRINT_NOTE
    from earlywarn.report._words import plain_summary

    e = html.escape
    lab = evaluation.get("label", {})
    k = evaluation.get("k", evaluation.get("settings", {}).get("k"))
    other = evaluation.get("other_target", {})
    imgs = _plots(evaluation)
    captions = {
        "roc": "ROC curves",
        "pr": "precision-recall curves",
        "reliability": "reliability plot",
        "usefulness": "usefulness Ur(mu) curves",
        "lead_time": "lead-time histogram",
    }
    figs = "".join(
        f'<img alt="{captions[n]}" src="data:image/png;base64,{b}">' for n, b in imgs.items()
    )
    conditional_reasons = (
        "<p>The list ranks by the joint risk: the model's conditional risk times the chance of "
        "an inspection in the window. The reasons explain the conditional risk.</p>"
        if lab.get("target") == "joint" and lab.get("censoring_mode") in ("drop", "weight")
        else ""
    )
    return f"""<section id="evaluation">
<style>#evaluation .small {{ color: #999; }}</style>
<h2>Evaluation: how well past warnings matched later outcomes</h2>
<p>{e(plain_summary(evaluation))}</p>
{conditional_reasons}
{_published_html(evaluation, k)}
{_held_out_html(evaluation)}
{_paired_html(evaluation)}
{_unavailable_html(evaluation)}
<p class="print-only meta">{e(PRINT_NOTE)}</p>
<div class="detail">
<h3>Ranking target: {e(str(lab.get("target", "")))} (all metrics, pooled, 95% intervals from
resampling councils)</h3>
{_metric_table(evaluation, list(METRICS))}
<h3>Other target: {e(str(other.get("target", "")))}</h3>
<p>{e(str(lab.get("other_target_words", "")))}. Score: {e(str(other.get("score", "")))}.</p>
{_metric_table(other, list(SHORT)) if other else ""}
{_selection_html(evaluation["selection"], k) if "selection" in evaluation else ""}
{_subgroups_html(evaluation)}
</div>
<h3>Plots (ranking target)</h3>
<div class="plots">{figs}</div>
<p class="meta">k = {e(str(k))} councils flagged per origin; μ = {
        e(str(evaluation.get("settings", {}).get("mu", "")))
    } is the weight on missing a failure against a false alarm in Ur(μ); NSR = false alarm rate /
hit rate at the threshold that maximises usefulness (in-sample, optimistic). Lead time: how long
before each failure the council had been in the top k without a break.</p>
</section>"""

"""One section per listed council: its probability and interval, band, reasons,
grade history and trend figures."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from earlywarn.report._text import display_text
from earlywarn.report.plots import council_png, signal_words


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
            trends.append((signal_words(spec), spec.unit, own_hist[sig], peer_hist[sig], eng))
        png = council_png(explanation.values.loc[code], specs, trends)
        info = run_info or {}
        meaning = str(info.get("probability_meaning") or "Probability")

        def known(col: str, r: Any = r) -> bool:
            v = r.get(col)
            return v is not None and v == v

        prob = f"{r['probability']:.1%}" if known("probability") else "not shown"
        if known("probability_lo") and known("probability_hi"):
            lvl = float((info.get("interval") or {}).get("level", 0.9))
            prob += f" ({lvl:.0%} interval {r['probability_lo']:.1%} to {r['probability_hi']:.1%})"
        if known("p_inspected") and known("joint_probability"):
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
        if r.get("adviser_notes"):  # beside the reasons (run.json says whether modelled)
            mit += f'<p class="note">Advisers\' notes: {e(str(r["adviser_notes"]))}.</p>'
        nat = explanation.by_nature.loc[code].sort_values(ascending=False)
        nat_txt = ", ".join(f"{e(str(n))} {v:+.2f}" for n, v in nat.items())
        sup = r.get("support_offered") or ""
        tier = ""
        if known("tier") and r.get("tier_note"):
            tier = f" Tier {int(r['tier'])}: {e(str(r['tier_note']))}."
        out.append(
            f"""<section class="council" id="c-{e(str(code))}">
<h3>{int(r["rank"])}. {display_text(r.get("council_name", ""))} ({e(str(code))})</h3>
<img alt="contributions and trends for {e(str(r.get("council_name", "")))}"
 src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">
<p>{e(meaning)}: <b>{e(prob)}</b>.{tier} Problem nature:
<b>{e(str(r.get("main_problem_nature") or "no clear single nature"))}</b>
(SHAP sums by nature, log-odds: {nat_txt}).</p>
{band}
<div class="cols"><div><h4>Reasons raising the risk</h4><ul>{items}</ul>{mit}</div>
<div class="support"><h4>Support usually offered</h4><p>{e(str(sup)) or "-"}</p></div></div>
</section>"""
        )
    return out


def grade_history_words(events: pd.DataFrame, codes: Sequence[str]) -> dict[str, str]:
    """Each council's inspection judgements in words with their month, oldest first."""
    from earlywarn.explain import GRADE_WORDS

    ins = events[(events["event_type"] == "inspection") & events["severity"].notna()]
    ins = ins[ins["council_code"].isin(list(codes))].sort_values("date", kind="stable")
    return {
        str(code): "; ".join(
            f"{pd.Timestamp(d):%B %Y} {GRADE_WORDS.get(int(g), 'not known')}"
            for d, g in zip(g_["date"], g_["severity"], strict=True)
        )
        for code, g_ in ins.groupby("council_code", sort=False)
    }

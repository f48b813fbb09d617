"""Three compact report sections read from ``run.json`` / ``evaluation.json`` alone:

- :func:`notes_html`: the advisers' notes shown, and whether the model uses them (one line);
- :func:`stability_html`: how much of the top *k* stays from one backtest origin to the
  next, against chance (``k^2 / n`` with the same ``n`` councils at both origins);
- :func:`coverage_html`: the coverage of the published model's inputs (share of
  councils observed at each training origin and at the scored origin), with the
  threshold and any dropped feature; the wide table is folded in a ``<details>``.

Each returns ``""`` when its record is absent, so older folders re-render unchanged.
Text is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

__all__ = ["coverage_html", "notes_html", "stability_html"]


def notes_html(run_info: Mapping[str, Any]) -> str:
    """The advisers'-notes warning as a paragraph ('' without notes)."""
    warning = (run_info.get("adviser_notes") or {}).get("warning") or ""
    if not warning:
        return ""
    return f'<p class="verdict">{html.escape(warning[0].upper() + warning[1:])}.</p>'


def stability_html(evaluation: Mapping[str, Any]) -> str:
    """A small table: overlap of the top k between consecutive backtest origins."""
    st = evaluation.get("list_stability") or {}
    rows = st.get("origins") or []
    if not rows:
        return ""
    e = html.escape
    k = st.get("k")
    body = "".join(
        f"<tr><td>{e(r['from'][:4])} to {e(r['to'][:4])}</td><td>{r['overlap']:.1f}</td>"
        f"<td>{r['chance']:.1f}</td><td>{r['n_councils']}</td></tr>"
        for r in rows
    )
    mean, chance = st.get("mean_overlap"), st.get("mean_chance")
    words = (
        f"On average {mean:.1f} of the top {k} stayed in the next origin's top {k}; two lists "
        f"drawn at random would share {chance:.1f} (k\u00b2/n when the same n councils are "
        "scored at both origins; fewer shared councils, less by chance)."
        if mean is not None and chance is not None
        else ""
    )
    return (
        f"<h2>List stability (backtest, {e(str(st.get('model', '')))})</h2>\n"
        f"<p>How many of the top {k} councils at one backtest origin were in the top {k} at "
        f"the next, from the saved out-of-time predictions. {e(words)}</p>\n"
        "<table><thead><tr><th>origins</th><th>overlap</th><th>by chance</th>"
        f"<th>councils</th></tr></thead><tbody>{body}</tbody></table>"
    )


def coverage_html(run_info: Mapping[str, Any]) -> str:
    """The coverage of the published model's inputs: one sentence, the dropped features,
    and the feature x origin table in a ``<details>``."""
    cov = run_info.get("coverage") or {}
    feats = cov.get("features") or {}
    if not feats:
        return ""
    e = html.escape
    origins = cov.get("origins") or []
    scored = cov.get("scored_origin", "")
    threshold = float(cov.get("min_coverage") or 0.0)
    dropped = list(cov.get("dropped") or [])
    used = {n: f for n, f in feats.items() if n not in dropped}  # the dropped: apart
    low = [
        (share, name, origins[i])
        for name, f in used.items()
        for i, share in enumerate(f.get("share") or [])
        if share is not None and share < max(threshold, 0.5)
    ]
    lowest = min(
        ((s, n, o) for n, f in used.items() for o, s in zip(origins, f["share"], strict=False)
         if s is not None), default=None,
    )  # fmt: skip
    rule = (
        f"A feature the model uses must be observed for at least {threshold:.0%} of the "
        "training rows and of the councils scored (features.min_coverage; below it the "
        f"cycle {'drops the feature' if cov.get('uncovered') == 'drop' else 'stops'})."
        if threshold
        else "No coverage threshold is set (features.min_coverage = 0)."
    )
    said = f"{len(used)} features used, at {len(origins)} origins"
    if lowest is not None:
        said += f"; lowest share {lowest[0]:.0%} ({lowest[1]}, {lowest[2][:4]})"
    if low:
        said += f"; {len(low)} feature-origin cells below {max(threshold, 0.5):.0%}"
    drop = f" Dropped as uncovered: {e(', '.join(dropped))}." if dropped else " No feature dropped."
    head = "".join(f"<th>{e(o[:4])}{' (scored)' if o == scored else ''}</th>" for o in origins)
    body = []
    for name, f in sorted(feats.items(), key=lambda kv: (kv[1].get("family", ""), kv[0])):
        cells = "".join(f"<td>{'' if s is None else f'{s:.0%}'}</td>" for s in f.get("share") or [])
        mark = " (dropped)" if name in dropped else ""
        body.append(f"<tr><td>{e(f.get('family', ''))}</td><td>{e(name)}{mark}</td>{cells}</tr>")
    return (
        "<h2>Coverage of the model's inputs</h2>\n"
        f"<p>Share of councils with a value, at the training origins and the scored origin "
        f"{e(scored)} ({e(said)}). {e(rule)}{drop}</p>\n"
        "<details><summary>Coverage table (feature x origin)</summary>\n"
        f"<table><thead><tr><th>family</th><th>feature</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></details>"
    )

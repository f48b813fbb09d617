"""Compare the latest two published cycles of an experiment (``earlywarn compare``): for
every council in either top *k*, its rank and tier in both cycles, how it moved and which
reasons changed; how each model's backtest metrics moved (and on which test origins); and
which model version each used. Written as ``comparison.csv`` and ``comparison.html``.

The reasons of a council are matched by the signal behind them (``reasons.json``; a
measure's level, change and distance from peers are one signal), not by
their text: a reason carries its period, so the same signal a year later reads
differently. Without a reasons.json (an old publication), the list's reason sentences are
compared as they are.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn import io
from earlywarn.config import CycleConfig
from earlywarn.errors import UserInputError

__all__ = [
    "COMPARISON_COLUMNS",
    "SHOWN_METRICS",
    "compare_cycles",
    "comparison_files",
    "comparison_lines",
    "metric_change_words",
    "origin_words",
    "write_comparison",
]

#: the metrics compare shows (the headline first); all pooled metrics are in the dict
SHOWN_METRICS = ("auroc_within_origin", "auroc", "average_precision", "precision_at_k", "brier")

COMPARISON_COLUMNS = [
    "council_code",
    "council_name",
    "rank_previous",
    "rank_current",
    "tier_previous",
    "tier_current",
    "movement",
    "risk_band_previous",
    "risk_band_current",
    "reasons_added",
    "reasons_dropped",
]


def compare_cycles(cfg: CycleConfig, tracking_uri: str | None = None, k: int | None = None) -> dict:
    """This cycle's list and metrics against the previous cycle's (from the tracking store).

    Returns ``{"current", "previous"`` (cycle, model version, published_at, test origins),
    ``"k", "entered", "left"`` (council codes and names entering / leaving the top k),
    ``"councils"`` (one row per council in either top k: :data:`COMPARISON_COLUMNS`),
    ``"metrics"`` (per model and pooled metric: previous, current, change) and
    ``"same_test_origins"``}. CONFIDENTIAL: names councils.
    """
    from earlywarn.cycle._preflight import check_existing_store
    from earlywarn.tracking import last_publications, resolve_tracking_uri

    k = cfg.evaluate.k if k is None else k
    if k < 1:  # before the store is opened
        raise UserInputError(f"--k {k}: expected a number of councils, at least 1")
    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    check_existing_store(uri, cfg.tracking.connect_timeout)  # reading never creates a store
    pubs = last_publications(uri, cfg.tracking.experiment, n=2, with_reasons=True)
    if len(pubs) < 2:
        raise UserInputError(
            f"{cfg.path or 'config'}: experiment {cfg.tracking.experiment!r} has "
            f"{len(pubs)} published cycle(s) in {uri}; compare needs two"
        )
    cur, prev = pubs
    if cur["pseudonymised"] or prev["pseudonymised"]:  # pseudonyms are given by rank
        raise UserInputError(
            f"{cfg.path or 'config'}: experiment {cfg.tracking.experiment!r}'s last two "
            "published cycles include a pseudonymised list (report.pseudonymise): pseudonyms "
            "are given by rank each cycle, so councils cannot be matched (compare the named "
            "lists on the secure machine)"
        )
    lists = {}
    for key, pub in (("current", cur), ("previous", prev)):
        rl = io.read_list_text(pub["risk_list"]).sort_values("rank", kind="stable")
        lists[key] = rl.set_index("council_code")
    top = {key: list(rl.index[:k]) for key, rl in lists.items()}
    names = {**lists["previous"]["council_name"], **lists["current"]["council_name"]}
    entered = sorted(set(top["current"]) - set(top["previous"]))
    left = sorted(set(top["previous"]) - set(top["current"]))
    councils = _council_rows(lists, top, k, names, prev.get("reasons"), cur.get("reasons"))
    metrics = _metric_changes(prev["evaluation"], cur["evaluation"])
    heads = {"current": _head(cur), "previous": _head(prev)}
    same = heads["current"]["test_origins"] == heads["previous"]["test_origins"]
    return {
        **heads,
        "k": k,
        "entered": [{"council_code": c, "council_name": names.get(c, "")} for c in entered],
        "left": [{"council_code": c, "council_name": names.get(c, "")} for c in left],
        "councils": councils,
        "metrics": metrics,
        "same_test_origins": bool(same and heads["current"]["test_origins"]),
        "compared_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _head(p: dict) -> dict:
    ev = p["evaluation"]
    return {
        "cycle": p["cycle"],
        "published_at": p["published_at"],
        "score_origin": p.get("score_origin", ""),
        "model_version": p["model_version"],
        "registered_model": p["registered_model"],
        "chosen_model": ev.get("chosen_model", {}).get("kind", ""),
        "test_origins": list(ev.get("test_origins") or []),
    }


def _metric_changes(before_ev: Mapping[str, Any], now_ev: Mapping[str, Any]) -> list[dict]:
    """Per model in both evaluations and pooled metric with a value in both."""
    out = []
    for model, ev in (now_ev.get("models") or {}).items():
        before = (before_ev.get("models") or {}).get(model)
        if before is None:
            continue
        for name, m in (ev.get("pooled") or {}).items():
            b = (before.get("pooled") or {}).get(name)
            if not (isinstance(m, dict) and isinstance(b, dict)):
                continue
            if m.get("value") is None or b.get("value") is None:
                continue
            now, then = float(m["value"]), float(b["value"])
            out.append(
                {"model": model, "metric": name, "previous": then, "current": now,
                 "change": now - then}
            )  # fmt: skip
    return out


def comparison_lines(c: Mapping[str, Any]) -> list[str]:
    """What ``earlywarn compare`` prints: the two cycles, who entered / left, every
    council's ranks, tiers and movement, the test origins and the metric changes."""
    cur, prev = c["current"], c["previous"]
    lines = [
        "CONFIDENTIAL: names councils",
        f"cycle {cur['cycle']} ({cur['chosen_model']}, {cur['registered_model']} "
        f"v{cur['model_version']}) vs {prev['cycle']} ({prev['chosen_model']}, "
        f"v{prev['model_version']})",
    ]
    for word in ("entered", "left"):
        listed = ", ".join(f"{r['council_name']} ({r['council_code']})" for r in c[word])
        lines.append(f"  {word} the top {c['k']} ({len(c[word])}): {listed or 'none'}")
    for r in c["councils"]:
        ranks = f"rank {r['rank_previous'] or '-'} -> {r['rank_current'] or '-'}"
        tiers = f"tier {r['tier_previous'] or '-'} -> {r['tier_current'] or '-'}"
        lines.append(f"  {r['council_name']}: {ranks}, {tiers}, {r['movement']}")
    lines.append(f"  {origin_words(c)}")
    lines += [
        f"  {m['model']:<12} {m['metric']:<20} {metric_change_words(m)}"
        for m in c["metrics"]
        if m["metric"] in SHOWN_METRICS
    ]
    return lines


def metric_change_words(m: Mapping[str, Any]) -> str:
    """'0.612 -> 0.655 (+0.043)'; a change too small for three decimals is written with
    its sign in scientific notation, and no change as 'unchanged' (never '+0.000').

    >>> metric_change_words({"previous": 0.5, "current": 0.50002, "change": 0.00002})
    '0.500 -> 0.500 (+2.0e-05)'
    >>> metric_change_words({"previous": 0.5, "current": 0.5, "change": 0.0})
    '0.500 -> 0.500 (unchanged)'
    """
    ch = float(m["change"])
    if ch == 0:
        words = "unchanged"
    elif abs(ch) < 0.0005:
        words = f"{ch:+.1e}"
    else:
        words = f"{ch:+.3f}"
    return f"{m['previous']:.3f} -> {m['current']:.3f} ({words})"


def _tier(rl: pd.DataFrame, code: str, k: int) -> Any:
    from earlywarn.evaluation import tier_of_rank

    if code not in rl.index:
        return None
    if "tier" in rl.columns and pd.notna(rl.at[code, "tier"]):
        return int(rl.at[code, "tier"])  # as published
    return int(tier_of_rank([rl.at[code, "rank"]], k)[0])


def _reasons_by_council(rl: pd.DataFrame, reasons: Mapping[str, Any] | None) -> dict:
    """council -> {key: sentence} of its published risk-raising reasons: keyed by the
    signal behind them (reasons.json: a level, its change and its distance from peers are
    one signal), else by the sentence itself (the list's reason columns)."""
    cols = [c for c in rl.columns if c.startswith("reason_") and c[7:].isdigit()]
    shown = len(cols)
    if reasons and reasons.get("reasons"):
        rows = pd.DataFrame(reasons["reasons"])
        rows = rows[(rows["direction"] == "raises") & (rows["rank"] <= max(shown, 1))]
        key = "signal" if "signal" in rows.columns else "feature"
        rows = rows.drop_duplicates(["council_code", key])  # the strongest of one signal
        return {
            code: dict(zip(g[key], g["sentence"], strict=True))
            for code, g in rows.sort_values("rank").groupby("council_code", sort=False)
        }
    out = {}
    for code, row in rl[cols].iterrows():
        texts = [str(t) for t in row if isinstance(t, str) and t and not t.startswith("No signal")]
        out[code] = {t: t for t in texts}
    return out


def _council_rows(
    lists: Mapping[str, pd.DataFrame],
    top: Mapping[str, list[str]],
    k: int,
    names: Mapping[str, str],
    reasons_prev: Mapping[str, Any] | None,
    reasons_cur: Mapping[str, Any] | None,
) -> list[dict]:
    cur, prev = lists["current"], lists["previous"]
    r_cur = _reasons_by_council(cur, reasons_cur)
    r_prev = _reasons_by_council(prev, reasons_prev)
    rows = []
    for code in dict.fromkeys([*top["current"], *top["previous"]]):
        rank_now = int(cur.at[code, "rank"]) if code in cur.index else None
        rank_then = int(prev.at[code, "rank"]) if code in prev.index else None
        now_top, then_top = code in top["current"], code in top["previous"]
        if now_top and then_top:
            step = rank_then - rank_now
            move = "same rank" if step == 0 else f"{'up' if step > 0 else 'down'} {abs(step)}"
        elif now_top:
            was = f"rank {rank_then} before" if rank_then else "not on the previous list"
            move = f"entered the top {k} ({was})"
        else:
            now = f"rank {rank_now} now" if rank_now else "not on the current list"
            move = f"left the top {k} ({now})"
        a, b = r_cur.get(code, {}), r_prev.get(code, {})

        def band(rl: pd.DataFrame, code: str = code) -> str:
            if code in rl.index and "risk_band" in rl.columns:
                v = rl.at[code, "risk_band"]
                return "" if pd.isna(v) else str(v)
            return ""

        rows.append(
            {
                "council_code": code,
                "council_name": names.get(code, ""),
                "rank_previous": rank_then,
                "rank_current": rank_now,
                "tier_previous": _tier(prev, code, k),
                "tier_current": _tier(cur, code, k),
                "movement": move,
                "risk_band_previous": band(prev),
                "risk_band_current": band(cur),
                "reasons_added": " | ".join(a[f] for f in a if f not in b),
                "reasons_dropped": " | ".join(b[f] for f in b if f not in a),
            }
        )
    rows.sort(key=lambda r: (r["rank_current"] is None, r["rank_current"] or 0))
    return rows


def comparison_files(c: Mapping[str, Any]) -> dict[str, str]:
    """``comparison.csv`` (the council rows, with the banner) and ``comparison.html``
    (the same, the metric changes and who entered / left) of :func:`compare_cycles`;
    printed, every page carries the banner (the report's print stylesheet)."""
    from earlywarn.report import BASE_CSS, CONFIDENTIAL, confidential_banner, print_css

    cur, prev = c["current"], c["previous"]
    rows = pd.DataFrame(c["councils"], columns=COMPARISON_COLUMNS)
    for col in ("rank_previous", "rank_current", "tier_previous", "tier_current"):
        rows[col] = rows[col].astype("Int64")
    title = (
        f"cycle {cur['cycle']} ({cur['chosen_model']}, {cur['registered_model']} "
        f"v{cur['model_version']}) against cycle {prev['cycle']} ({prev['chosen_model']}, "
        f"v{prev['model_version']}); top {c['k']}"
    )
    csv_text = f"# {confidential_banner()}\n# comparison of {title}\n" + io.spreadsheet_csv(rows)
    e = html.escape
    head = "".join(f"<th>{e(col.replace('_', ' '))}</th>" for col in rows.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{e('' if pd.isna(v) else str(v))}</td>" for v in r) + "</tr>"
        for r in rows.itertuples(index=False)
    )
    metric_rows = "".join(
        f"<tr><td>{e(m['model'])}</td><td>{e(m['metric'])}</td>"
        f"<td>{e(metric_change_words(m))}</td></tr>"
        for m in c["metrics"]
        if m["metric"] in SHOWN_METRICS
    )
    moved = " ".join(
        f"{word.capitalize()} the top {c['k']} ({len(c[word])}): "
        + (", ".join(f"{r['council_name']} ({r['council_code']})" for r in c[word]) or "none")
        + "."
        for word in ("entered", "left")
    )
    html_text = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>earlywarn comparison - {e(str(cur["cycle"]))} against {e(str(prev["cycle"]))}</title>
<style>
{BASE_CSS}
{print_css({"cycle": cur["cycle"], "as_of": cur.get("score_origin", "")})}
</style></head><body>
<div class="banner" role="note">{e(CONFIDENTIAL)}</div>
<h1>Comparison: {e(title)}</h1>
<p>{e(moved)}</p>
<h2>Councils in either top {c["k"]}</h2>
<p>Rank and tier in both cycles, how each moved, and the risk-raising reasons added or
dropped (matched by the signal behind them, not by their wording).</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<h2>Backtest metrics</h2>
<p>{e(origin_words(c))}</p>
<table><thead><tr><th>model</th><th>metric</th><th>previous -> current</th></tr></thead>
<tbody>{metric_rows}</tbody></table>
<p>{e(CONFIDENTIAL)}</p>
</body></html>
"""
    return {"comparison.csv": csv_text, "comparison.html": html_text}


def origin_words(c: Mapping[str, Any]) -> str:
    """Which origins each cycle's backtest scored, and what equal origins mean."""
    cur = c["current"]["test_origins"]
    prev = c["previous"]["test_origins"]

    def span(o: list) -> str:
        return f"{o[0]} to {o[-1]} ({len(o)} origins)" if o else "no test origins recorded"

    if c.get("same_test_origins"):
        return (
            f"Both cycles were backtested on the same origins, {span(cur)}: a metric moves "
            "only where data were revised or the settings changed, and 'unchanged' means "
            "exactly that."
        )
    return f"Test origins: previous {span(prev)}; current {span(cur)}."


def write_comparison(c: Mapping[str, Any], out: str | Path) -> Path:
    """Write :func:`comparison_files` into ``out`` (a new or empty folder)."""
    return io.write_output_folder(out, comparison_files(c))

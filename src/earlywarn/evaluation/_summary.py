"""The one headline of a cycle, said the same way everywhere: the report's first box, the
CLI's closing lines, the MLflow parent run and the model card.

The headline is what the model is chosen by and what a partnership would have got:
**within-origin AUROC** and the **published-list shares** (of the top ``k`` each year: the
share inspected in the window, the share failing among those inspected, the share of all
failures caught, each beside its chance level) of the published model and of the best
simple rule (highest within-origin AUROC), with their intervals. Pooled AUROC and the
other metrics stay in the detail table.

Example
-------
>>> ev = {"k": 2, "chosen_model": {"kind": "m"}, "test_origins": ["2019", "2020"],
...       "models": {"m": {"pooled": {"auroc_within_origin": {"value": .6, "lo": .5,
...                                                            "hi": .7}}}},
...       "baselines": {}, "published_list": {}}
>>> headline_lines(ev)[0]
'Within-origin AUROC (0.5 is chance): published model m 0.60 [0.50, 0.70].'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ANNOUNCED_SHARES",
    "HEADLINE_SHARES",
    "headline",
    "headline_lines",
    "headline_metric_values",
    "headline_shares",
]

HEADLINE_SHARES = {
    "share_inspected": "inspected in the window",
    "share_failing_of_inspected": "failing among those inspected",
    "share_of_failures_caught": "of all failures caught",
}
# a label seen without an inspection (a financial failure is announced): no inspected share
ANNOUNCED_SHARES = {
    "share_failing": "failing in the window",
    "share_of_failures_caught": "of all failures caught",
}


def headline_shares(evaluation: Mapping[str, Any]) -> dict[str, str]:
    """The published-list shares the headline gives: :data:`HEADLINE_SHARES`, or
    :data:`ANNOUNCED_SHARES` when the label's failures are not found by inspection."""
    from earlywarn.labels import announced

    events = (evaluation.get("label") or {}).get("events") or []
    return ANNOUNCED_SHARES if announced(events) else HEADLINE_SHARES


def _fig(d: Any) -> dict[str, float | None]:
    d = d if isinstance(d, Mapping) else {}
    return {k: d.get(k) for k in ("value", "lo", "hi", "chance")}


def headline(evaluation: Mapping[str, Any]) -> dict[str, Any]:
    """``{"k", "model", "rule", "figures": {name: {"auroc_within_origin": {...},
    <share>: {...}}}}`` for the published model and the best rule (module notes)."""
    chosen = (evaluation.get("chosen_model") or {}).get("kind", "")
    rules = evaluation.get("baselines") or {}

    def auroc(entry: Any) -> dict[str, float | None]:
        return _fig(((entry or {}).get("pooled") or {}).get("auroc_within_origin"))

    scored = {n: auroc(b) for n, b in rules.items() if auroc(b)["value"] is not None}
    best = max(scored, key=lambda n: scored[n]["value"]) if scored else ""
    pub = evaluation.get("published_list") or {}
    figures = {}
    for name, entry in ((chosen, (evaluation.get("models") or {}).get(chosen)), (best, None)):
        if not name:
            continue
        entry = entry if entry is not None else rules.get(name)
        figures[name] = {"auroc_within_origin": auroc(entry)}
        for share in {**HEADLINE_SHARES, **ANNOUNCED_SHARES}:
            figures[name][share] = _fig((pub.get(name) or {}).get(share))
    return {"k": evaluation.get("k"), "model": chosen, "rule": best, "figures": figures}


def _num(v: Any, pct: bool) -> str:
    if not isinstance(v, int | float) or v != v:
        return "n/a"
    return f"{v:.0%}" if pct else f"{v:.2f}"


def _with_interval(f: Mapping[str, Any], pct: bool) -> str:
    text = _num(f.get("value"), pct)
    if f.get("lo") is not None and f.get("hi") is not None:
        text += f" [{_num(f['lo'], pct)}, {_num(f['hi'], pct)}]"
    if f.get("chance") is not None:
        text += f" (chance {_num(f['chance'], pct)})"
    return text


def headline_lines(evaluation: Mapping[str, Any]) -> list[str]:
    """The headline in plain lines (the same on every surface)."""
    h = headline(evaluation)
    figs, model, rule = h["figures"], h["model"], h["rule"]
    if model not in figs:
        return ["No backtest of the published model: no headline."]
    auc = f"published model {model} {_with_interval(figs[model]['auroc_within_origin'], False)}"
    if rule:
        auc += f"; best simple rule, {rule.replace('_', ' ')}, "
        auc += _with_interval(figs[rule]["auroc_within_origin"], False)
    lines = [f"Within-origin AUROC (0.5 is chance): {auc}."]
    for name, who in (
        (model, f"published model {model}"),
        (rule, f"best simple rule, {rule.replace('_', ' ')}"),
    ):
        wanted = headline_shares(evaluation)
        if not name or figs[name][next(iter(wanted))]["value"] is None:
            continue
        shares = "; ".join(
            f"{words} {_with_interval(figs[name][s], True)}" for s, words in wanted.items()
        )
        lines.append(f"Its top {h['k']} at each past origin, {who}: {shares}.")
    return lines


def headline_metric_values(evaluation: Mapping[str, Any]) -> dict[str, float]:
    """The headline as flat metrics for the MLflow parent run: ``headline_model_<figure>``
    and ``headline_rule_<figure>`` with ``_lo``, ``_hi`` and ``_chance``."""
    h = headline(evaluation)
    out: dict[str, float] = {}
    for role, name in (("model", h["model"]), ("rule", h["rule"])):
        for fig, f in h["figures"].get(name, {}).items():
            for part, v in f.items():
                if isinstance(v, int | float) and v == v:
                    suffix = "" if part == "value" else f"_{part}"
                    out[f"headline_{role}_{fig}{suffix}"] = float(v)
    return out

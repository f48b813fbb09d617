"""The protocol for small data: choose on selection origins, score held-out origins once.

Real councils give ~60 distinct failures in a decade, so every choice (features, settings,
model kind) is made on the *selection* origins only (``evaluate.selection_origins``): the
cycle's evaluation and its choice of the published model use those. The *held-out*
origins (``evaluate.held_out_origins``, all after every selection origin) are then scored
once, for the chosen settings, and the evaluation records a hash of those settings
(:func:`settings_hash`), so a reader can tell whether the held-out figures were looked at
for one set of settings or many (the hash is also an MLflow tag,
``earlywarn.held_out_hash``).

Example
-------
>>> from earlywarn.config import parse_config
>>> cfg = parse_config({"cycle": "a", "as_of": "2023-03-31"})
>>> settings_hash(cfg) == settings_hash(parse_config({"cycle": "b", "as_of": "2023-03-31"}))
True
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["HELD_OUT_KEYS", "beats_best_baseline", "held_out_summary", "settings_hash"]

# what a held-out summary keeps of an evaluation (the headline figures)
HELD_OUT_KEYS = (
    "models", "baselines", "oracle", "published_list", "paired_differences",
    "unavailable_baselines", "target", "lead_times", "two_part", "recalibration",
    "usefulness_out_of_time",
)  # fmt: skip
_NOT_SETTINGS = ("cycle", "path", "tracking", "report")


def settings_hash(cfg: Any) -> str:
    """sha256 (first 16 hex digits) of everything that shapes the models and their
    evaluation: data source, horizon, seed, features, labels, models and the evaluation
    settings (not the cycle's name, paths, tracking, the report's layout, or the held-out
    origins themselves)."""
    d = cfg.to_dict()
    for key in _NOT_SETTINGS:
        d.pop(key, None)
    ev = dict(d.get("evaluate", {}))
    ev.pop("held_out_origins", None)
    d["evaluate"] = ev
    text = json.dumps(d, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def held_out_summary(evaluation: dict[str, Any], origins: list[str], digest: str) -> dict:
    """The held-out block of evaluation.json: the headline figures on the held-out origins,
    the origins, the settings hash, and a plain verdict on the chosen model."""
    out = {k: evaluation[k] for k in HELD_OUT_KEYS if k in evaluation}
    out["origins"] = origins
    out["settings_hash"] = digest
    out["words"] = (
        "scored once, after the settings and the published model were chosen on the "
        "selection origins; the settings hash identifies what was scored"
    )
    return out


def beats_best_baseline(block: dict[str, Any], model: str, target: str) -> dict[str, Any]:
    """Whether ``model`` beats the best baseline in a (held-out) evaluation block: the
    paired difference in within-origin AUROC and its interval, with a verdict in words."""
    paired = block.get("paired_differences", {}).get(target, {})
    for r in paired.get("rows", []):
        if (r["model"], r["role"], r["metric"]) == (model, "best baseline", "auroc_within_origin"):
            lo, hi = r.get("lo"), r.get("hi")
            if lo is not None and lo > 0:
                verdict = "beats"
            elif hi is not None and hi < 0:
                verdict = "is worse than"
            else:
                verdict = "is not shown to beat"
            return {**r, "verdict": verdict}
    return {"verdict": "cannot be compared with", "reference": paired.get("best_baseline")}

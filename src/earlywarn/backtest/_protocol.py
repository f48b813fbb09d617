"""The protocol for small data: choices on validation origins, confirmatory origins scored
once for a pre-registered settings hash.

Real councils give ~60 distinct failures in a decade, so every choice (features, settings,
model kind) is made on the *validation* origins (``evaluate.validation_origins``; old key
``selection_origins``): the cycle's evaluation and its choice of the published model use
those. After the choice, one more block of origins may be scored for the chosen settings:

- *confirmatory* origins, named only by ``experiments/<vintage>/PREREGISTRATION.md``
  (``evaluate.preregistration``), scored only when the config's :func:`settings_hash`
  equals the pre-registered one, every scoring appended to the protocol log beside it
  (:mod:`earlywarn.backtest` ``read_preregistration``, ``append_scoring``);
- *validation (seen)* origins (``evaluate.seen_origins``; old key ``held_out_origins``):
  origins already looked at, which can never be confirmatory again.

The block is ``evaluation.json``'s ``confirmatory`` or ``validation_seen`` key (older
folders: ``held_out``, read as validation (seen)); :func:`after_choice_block` reads any.

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

__all__ = [
    "AFTER_CHOICE_KEYS",
    "CONFIRMATORY",
    "HELD_OUT_KEYS",
    "SEEN",
    "after_choice_block",
    "beats_best_baseline",
    "held_out_summary",
    "settings_hash",
]

# what an after-choice summary keeps of an evaluation (the headline figures)
AFTER_CHOICE_KEYS = (
    "models", "baselines", "oracle", "published_list", "paired_differences",
    "unavailable_baselines", "target", "lead_times", "two_part", "recalibration",
    "usefulness_out_of_time",
)  # fmt: skip
HELD_OUT_KEYS = AFTER_CHOICE_KEYS  # the old name
#: the two roles of the origins scored after the choice, as every surface names them
CONFIRMATORY, SEEN = "confirmatory", "validation (seen)"
#: evaluation.json key of each role (``held_out``: folders written before the relabel)
BLOCK_KEYS = {CONFIRMATORY: "confirmatory", SEEN: "validation_seen"}
# what never shapes the models or their evaluation (or cannot be known before scoring)
_NOT_SETTINGS = ("cycle", "path", "tracking", "report", "compute")
_NOT_EVALUATE = ("seen_origins", "preregistration", "reserved_origins")
# [features] keys naming a file: hashed by the file's content (the same neighbours at
# another path hash alike, e.g. a packaged copy; a changed file changes the hash)
_FILES = ("neighbours", "soft_notes")


def _file_digest(cfg: Any, name: str) -> str:
    """``sha256:<hex>`` of a file a config names (relative to the config), or the name
    itself when there is no such file (the cycle then stops on it anyway)."""
    from pathlib import Path

    base = Path(cfg.path).parent if cfg.path else Path.cwd()
    p = (base / name).expanduser()
    if not p.is_file():
        return name
    return "sha256:" + hashlib.sha256(p.read_bytes()).hexdigest()


def _explicit(d: Any, default: Any) -> Any:
    """``d`` without the entries equal to ``default`` (recursively in tables)."""
    if not isinstance(d, dict) or not isinstance(default, dict):
        return d
    out = {}
    for k, v in d.items():
        if k in default and v == default[k]:
            continue
        out[k] = _explicit(v, default.get(k))
    return out


def settings_hash(cfg: Any) -> str:
    """sha256 (first 16 hex digits) of everything that shapes the models and their
    evaluation: data source, horizon, seed, features, labels, models and the evaluation
    settings with the validation origins (not the cycle's name, paths, tracking, compute,
    the report's layout, the seen origins or the pre-registration file).

    A file the features read (``neighbours``, ``soft_notes``) counts by its content, not
    its path. Settings left at their default are left out, so a new config key (with a
    default that keeps the old behaviour) leaves every earlier hash, and so every
    pre-registration, valid; the old key names hash as the new ones.
    """
    from earlywarn.config import CycleConfig

    d = cfg.to_dict()
    for key in _NOT_SETTINGS:
        d.pop(key, None)
    ev = dict(d.get("evaluate", {}))
    for key in _NOT_EVALUATE:
        ev.pop(key, None)
    d["evaluate"] = ev
    d = _explicit(d, CycleConfig(cycle="", as_of="").to_dict())
    feats = d.get("features", {})
    for key in _FILES:  # a file the settings read: its content, not where the config sits
        if feats.get(key):
            feats[key] = _file_digest(cfg, feats[key])
    text = json.dumps(d, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def held_out_summary(
    evaluation: dict[str, Any], origins: list[str], digest: str, role: str = SEEN
) -> dict:
    """The after-choice block of evaluation.json: the headline figures on the origins
    scored after the choice, the origins, the settings hash, their ``role``
    (:data:`CONFIRMATORY` or :data:`SEEN`) and what that means, in words."""
    out = {k: evaluation[k] for k in AFTER_CHOICE_KEYS if k in evaluation}
    out["origins"] = origins
    out["settings_hash"] = digest
    out["role"] = role
    out["words"] = (
        "scored after the settings and the published model were chosen on the validation "
        "origins, for the pre-registered settings hash; only the first scoring is confirmatory"
        if role == CONFIRMATORY
        else "scored after the settings and the published model were chosen on the "
        "validation origins, but already looked at before: validation (seen), not a "
        "confirmatory test"
    )
    return out


def after_choice_block(evaluation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """``(role, block)`` of the origins scored after the choice, or None: the
    ``confirmatory`` or ``validation_seen`` block, or an older folder's ``held_out`` block
    (read as validation (seen): nothing was pre-registered for it)."""
    for role, key in BLOCK_KEYS.items():
        if evaluation.get(key):
            return role, evaluation[key]
    if evaluation.get("held_out"):
        return SEEN, {**evaluation["held_out"], "role": SEEN}
    return None


def beats_best_baseline(block: dict[str, Any], model: str, target: str) -> dict[str, Any]:
    """Whether ``model`` beats the best baseline in an (after-choice) evaluation block: the
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

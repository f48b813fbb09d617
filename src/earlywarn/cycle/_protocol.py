"""The protocol's part of a cycle: the block of origins scored after the choice (confirmatory,
for the pre-registered hash and logged, or validation (seen)) and the protocol's words for
evaluation.json, the report, the model card and the CLI (:mod:`earlywarn.backtest`)."""

from __future__ import annotations

from typing import Any

from earlywarn.backtest import (
    CONFIRMATORY,
    SEEN,
    append_scoring,
    beats_best_baseline,
    held_out_summary,
    settings_hash,
)

__all__ = ["after_choice", "protocol_words"]


def after_choice(
    cfg: Any, evaluation: dict[str, Any], origins: list[str], pre: Any, tracker: Any
) -> dict[str, Any]:
    """``{key: block}`` for evaluation.json: the after-choice origins' figures. With a
    pre-registration ``pre`` they are confirmatory: the scoring is appended to the protocol
    log first, and the block says how many times these origins have now been scored and
    whether the pre-registered model beats the best rule by the pre-registered measure."""
    digest = settings_hash(cfg)
    if pre is None:
        tracker.set_tags({"earlywarn.protocol": SEEN, "earlywarn.seen_hash": digest})
        return {"validation_seen": held_out_summary(evaluation, origins, digest, SEEN)}
    n = append_scoring(pre, cfg, origins)
    block = held_out_summary(evaluation, origins, digest, CONFIRMATORY)
    test = beats_best_baseline(block, pre.model, evaluation.get("target", ""))
    block.update(
        preregistration=str(pre.path),
        protocol_log=str(pre.log_path),
        preregistered_hash=pre.settings_hash,
        preregistered_model=pre.model,
        minimum_effect=pre.minimum_effect,
        scorings=n,
        looked_at_more_than_once=n > 1,
        test=test,
    )
    if n > 1:
        block["words"] = (
            f"scored {n} times for the pre-registered settings hash (protocol log "
            f"{pre.log_path}): only the first scoring was confirmatory; these figures have "
            "been looked at more than once"
        )
    tracker.set_tags(
        {
            "earlywarn.protocol": CONFIRMATORY,
            "earlywarn.confirmatory_hash": digest,
            "earlywarn.confirmatory_scorings": str(n),
        }
    )
    return {"confirmatory": block}


def protocol_words(cfg: Any, pre: Any, evaluation: dict[str, Any]) -> dict[str, Any]:
    """The protocol block of evaluation.json: which origins had which role, the settings
    hash and one sentence saying whether any origin was confirmatory."""
    ev = cfg.evaluate
    out: dict[str, Any] = {
        "settings_hash": settings_hash(cfg),
        "validation_origins": list(evaluation.get("test_origins", [])),
        "seen_origins": list(ev.seen_origins),
        "confirmatory_origins": list(pre.confirmatory_origins) if pre is not None else [],
        "preregistration": str(pre.path) if pre is not None else None,
    }
    if pre is None:
        out["words"] = (
            "No origin is confirmatory: the config names no pre-registration "
            "(evaluate.preregistration), so every figure is validation"
            + (" (the seen origins were looked at before)" if ev.seen_origins else "")
            + "."
        )
        return out
    n = evaluation.get("confirmatory", {}).get("scorings", 0)
    out["scorings"] = n
    if not n:
        out["words"] = (
            f"No origin was scored as confirmatory: none of {', '.join(pre.confirmatory_origins)} "
            f"had {ev.min_train_origins} closed training windows before it."
        )
        return out
    out["words"] = (
        f"Confirmatory origins {', '.join(pre.confirmatory_origins)}, pre-registered in "
        f"{pre.path.name} for settings hash {pre.settings_hash}: "
        + (
            "scored for the first time (confirmatory)."
            if n == 1
            else f"scored {n} times (looked at more than once: only the first scoring, in "
            f"{pre.log_path.name}, was confirmatory)."
        )
    )
    return out

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

__all__ = ["after_choice", "preregistered_test", "protocol_words"]


def preregistered_test(
    cfg: Any,
    run: Any,
    model: str,
    reference: str | None,
    minimum_effect: float,
    reference_from: str = "validation origins",
) -> dict[str, Any] | None:
    """The pre-registered test on the confirmatory origins' rows (``run``, an
    :class:`~earlywarn.evaluation.EvaluationRun`): within-origin AUROC of ``model`` minus
    that of ``reference`` (the pre-registered rule, or else the best rule *on the validation
    origins*: fixed before these origins were scored), paired council bootstrap; ``beats``
    when the interval's lower end is above 0 (one-sided), and whether the difference
    reaches ``minimum_effect``."""
    from earlywarn.evaluation import paired_differences

    pred = run.predictions
    if reference is None or not {model, reference} <= set(pred["model"]):
        return None
    scores = {n: pred[pred["model"] == n] for n in (model, reference)}
    ev = cfg.evaluate
    rows = paired_differences(
        scores, {"best baseline": reference}, [model], ev.k, min(ev.n_boot, 200), cfg.seed
    )
    row = next((r for r in rows if r["metric"] == "auroc_within_origin"), None)
    if row is None:
        return None
    lo, value = row.get("lo"), row.get("value")
    verdict = "beats" if lo is not None and lo > 0 else "is not shown to beat"
    return {
        **row,
        "reference_chosen_on": reference_from,
        "alternative": "greater",
        "minimum_effect": minimum_effect,
        "meets_minimum_effect": value is not None and value >= minimum_effect,
        "verdict": verdict,
    }


def after_choice(
    cfg: Any,
    run: Any,
    origins: list[str],
    pre: Any,
    tracker: Any,
    validation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``{key: block}`` for evaluation.json: the after-choice origins' figures (``run``).
    With a pre-registration ``pre`` they are confirmatory: the scoring is appended to the
    protocol log first, and the block says how many times these origins have now been
    scored and the pre-registered test (:func:`preregistered_test`, against the best rule
    of the ``validation`` evaluation)."""
    evaluation = run.evaluation
    digest = settings_hash(cfg)
    if pre is None:
        tracker.set_tags({"earlywarn.protocol": SEEN, "earlywarn.seen_hash": digest})
        return {"validation_seen": held_out_summary(evaluation, origins, digest, SEEN)}
    n = append_scoring(pre, cfg, origins)
    block = held_out_summary(evaluation, origins, digest, CONFIRMATORY)
    target = evaluation.get("target", "")
    paired = ((validation or {}).get("paired_differences") or {}).get(target) or {}
    best = pre.reference or paired.get("best_baseline")
    where = "pre-registration" if pre.reference else "validation origins"
    test = preregistered_test(cfg, run, pre.model, best, pre.minimum_effect, where)
    if test is None:  # no validation reference: the best rule on these origins
        test = beats_best_baseline(block, pre.model, target)
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

"""Compare the latest two published cycles of an experiment (``earlywarn compare``): who
entered and who left the top *k*, how each model's pooled backtest metrics moved, and which
model version each used."""

from __future__ import annotations

import time

from earlywarn import io
from earlywarn.config import CycleConfig
from earlywarn.errors import UserInputError

__all__ = ["compare_cycles"]


def compare_cycles(cfg: CycleConfig, tracking_uri: str | None = None, k: int | None = None) -> dict:
    """This cycle's list and metrics against the previous cycle's (from the tracking store).

    Returns ``{"current", "previous"`` (cycle, model version, published_at),
    ``"k", "entered", "left"`` (council codes and names entering / leaving the top k),
    ``"metrics"`` (per model and pooled metric: previous, current, change)}.
    CONFIDENTIAL: names councils.
    """
    from earlywarn.cycle._preflight import check_existing_store
    from earlywarn.tracking import last_publications, resolve_tracking_uri

    k = cfg.evaluate.k if k is None else k
    if k < 1:  # before the store is opened
        raise UserInputError(f"--k {k}: expected a number of councils, at least 1")
    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    check_existing_store(uri, cfg.tracking.connect_timeout)  # reading never creates a store
    pubs = last_publications(uri, cfg.tracking.experiment, n=2)
    if len(pubs) < 2:
        raise UserInputError(
            f"{cfg.path or 'config'}: experiment {cfg.tracking.experiment!r} has "
            f"{len(pubs)} published cycle(s) in {uri}; compare needs two"
        )
    cur, prev = pubs
    lists = {}
    for key, pub in (("current", cur), ("previous", prev)):
        rl = io.read_list_text(pub["risk_list"])
        lists[key] = rl.sort_values("rank").head(k).set_index("council_code")
    names = {**lists["previous"]["council_name"], **lists["current"]["council_name"]}
    entered = sorted(set(lists["current"].index) - set(lists["previous"].index))
    left = sorted(set(lists["previous"].index) - set(lists["current"].index))
    metrics = []
    for model, ev in cur["evaluation"].get("models", {}).items():
        before = prev["evaluation"].get("models", {}).get(model)
        if before is None:
            continue
        for name, m in ev.get("pooled", {}).items():
            b = before.get("pooled", {}).get(name)
            if isinstance(m, dict) and isinstance(b, dict) and m.get("value") is not None:
                if b.get("value") is None:
                    continue
                metrics.append(
                    {
                        "model": model,
                        "metric": name,
                        "previous": b["value"],
                        "current": m["value"],
                        "change": m["value"] - b["value"],
                    }
                )

    def head(p: dict) -> dict:
        return {
            "cycle": p["cycle"],
            "published_at": p["published_at"],
            "model_version": p["model_version"],
            "registered_model": p["registered_model"],
            "chosen_model": p["evaluation"].get("chosen_model", {}).get("kind", ""),
        }

    return {
        "current": head(cur),
        "previous": head(prev),
        "k": k,
        "entered": [{"council_code": c, "council_name": names.get(c, "")} for c in entered],
        "left": [{"council_code": c, "council_name": names.get(c, "")} for c in left],
        "metrics": metrics,
        "compared_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }

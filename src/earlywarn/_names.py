"""The one vocabulary: names that several stages share, defined once (no heavy imports)."""

from __future__ import annotations

__all__ = ["MODEL_KINDS", "SELECT_BY"]

# model kinds, in the order reports list them (earlywarn.models.make_model builds each)
MODEL_KINDS = ("persistence", "red_flags", "logit", "hazard", "gbm", "ordinal")

# models.select_by: the config's word -> the evaluation entry that chooses the published model.
# "auroc" is the within-origin AUROC (the protocol's headline; pooled AUROC mixes origins).
SELECT_BY = {
    "auroc": "auroc_within_origin",
    "average_precision": "average_precision",
    "brier": "brier",
}

"""The one vocabulary: names that several stages share, defined once (no heavy imports)."""

from __future__ import annotations

__all__ = ["MODEL_KINDS"]

# model kinds, in the order reports list them (earlywarn.models.make_model builds each)
MODEL_KINDS = ("persistence", "red_flags", "logit", "hazard", "gbm", "ordinal", "mixed")

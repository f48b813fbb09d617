"""The financial-failure label, owned by :mod:`earlywarn.labels` (label kind
``financial_failure``): re-exported here under the names the finance scripts use."""

from __future__ import annotations

from earlywarn.labels import financial_failure_events as failure_events
from earlywarn.labels import financial_failure_labels

__all__ = ["failure_events", "financial_failure_labels"]

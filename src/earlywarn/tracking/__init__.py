"""Tracking: the only wing that imports MLflow (tracker, store, unfinished runs).

The modules inside are private; import from ``earlywarn.tracking``.
"""

from __future__ import annotations

from earlywarn.tracking._store import (
    ALIAS_CHAMPION,
    ALIAS_PREVIOUS,
    BUSY_BACKOFF,
    PUBLICATION_COLUMNS,
    PUBLISHED_TAG,
    RECALIBRATION_ARTEFACT,
    STORE_ERRORS,
    is_store_error,
    last_publications,
    load_model,
    load_recalibration,
    model_uri_from,
    published_lists,
    resolve_model_version,
    retry_busy,
    store_lock,
    utc_now,
)
from earlywarn.tracking._tracker import (
    SKLEARN_TRUSTED,
    TRACKED_PACKAGES,
    Tracker,
    default_log_outputs,
    git_state,
    headline_metrics,
    package_versions,
    resolve_tracking_uri,
)
from earlywarn.tracking._unfinished import (
    FAILED_REASON_TAG,
    OUT_DIR_TAG,
    OWNER_TAG,
    fail_unfinished,
    owner,
)

__all__ = [
    "SKLEARN_TRUSTED",
    "STORE_ERRORS",
    "is_store_error",
    "RECALIBRATION_ARTEFACT",
    "load_recalibration",
    "ALIAS_CHAMPION",
    "ALIAS_PREVIOUS",
    "BUSY_BACKOFF",
    "PUBLICATION_COLUMNS",
    "PUBLISHED_TAG",
    "last_publications",
    "load_model",
    "model_uri_from",
    "published_lists",
    "resolve_model_version",
    "retry_busy",
    "store_lock",
    "utc_now",
    "TRACKED_PACKAGES",
    "Tracker",
    "default_log_outputs",
    "git_state",
    "headline_metrics",
    "package_versions",
    "resolve_tracking_uri",
    "FAILED_REASON_TAG",
    "OUT_DIR_TAG",
    "OWNER_TAG",
    "fail_unfinished",
    "owner",
]

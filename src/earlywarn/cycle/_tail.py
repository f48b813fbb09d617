"""The one publishing tail of ``cycle`` and ``score``: check -> log -> write -> promote -> record.

Both commands end the same way once their files are rendered:

1. **check**: a pseudonymised publication fails closed if any file names a council,
   before anything is logged or written;
2. **log**: the files that name councils go into the tracking store only when
   :func:`log_outputs` says so (:data:`TO_STORE` lists them);
3. **write**: the output folder is written complete, beside its place, then renamed;
4. **promote**: (``cycle`` only) the ``champion`` alias moves to the new model;
5. **record**: the store records the publication (the list's hash and folder).

Nothing is recorded or promoted for a folder that was not completely written.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn import io
from earlywarn.config import CycleConfig

__all__ = ["TO_STORE", "log_outputs", "publish_tail"]

#: the published files that name councils, copied into the tracking store only when
#: :func:`log_outputs` is true (the model card and the evaluation name none: each command
#: logs those itself, always)
TO_STORE = ("risk_list.csv", "reasons.json", "report.html", "*.parquet")


def log_outputs(cfg: CycleConfig, uri: str) -> bool:
    """Whether named-council files go into the store: ``tracking.log_outputs`` (default:
    not for a remote ``http(s)://`` server), and always when pseudonymised (nothing in them
    names a council then)."""
    from earlywarn.tracking import default_log_outputs

    setting = cfg.tracking.log_outputs
    return bool(
        (default_log_outputs(uri) if setting is None else setting) or cfg.report.pseudonymise
    )


def publish_tail(
    tracker: Any,
    cfg: CycleConfig,
    files: dict[str, bytes | str],
    councils: pd.DataFrame,
    *,
    kind: str,
    run_info: dict[str, Any],
    out: Path,
    to_store: bool,
    champion: dict[str, Any] | None = None,
) -> Path:
    """Steps 1-5 (module notes) in the tracker's active run; returns the written folder.

    ``kind`` is ``"cycle"`` or ``"score"``; ``champion`` (the registry entry of the new
    model) is promoted after the folder is complete, before the publication is recorded.
    """
    from earlywarn.report import publication_record

    if cfg.report.pseudonymise:  # fail closed, before anything is logged or written
        from earlywarn.report import check_no_identifiers

        check_no_identifiers(files, councils)
    if to_store:
        for name, content in files.items():
            if any(fnmatch(name, pattern) for pattern in TO_STORE):
                if isinstance(content, bytes):
                    tracker.log_bytes(content, name)
                else:
                    tracker.log_text(content, name)
    written = io.write_output_folder(out, files)  # complete before it is recorded
    record = publication_record(kind, run_info, files["risk_list.csv"], written)
    io.fault_point("written")  # fault tests: the folder complete, nothing recorded yet
    io.hold_point("promoting")  # concurrency tests: both cycles registered, none promoted
    tracker.promote_and_record(champion, record)  # one step under the store's lock
    return written

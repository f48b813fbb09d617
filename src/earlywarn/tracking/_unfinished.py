"""An unfinished publication is marked failed by the next run on the same store.

A cycle killed (``kill -9``, power loss, a full disk) after MLflow recorded its runs but
before its output folder was complete leaves its parent run ``RUNNING`` and, possibly, a
hidden ``.<name>.partial-<host>-<pid>-*`` folder of confidential files beside the output folder.
The publication is never recorded and the ``champion`` alias never moves in that case
(both happen only after the folder is complete, see :mod:`earlywarn.cycle`), but the store
would still show a run that never ends.

So every top-level run is tagged with its owner (``earlywarn.owner`` = host, process id
and process start time) and its output folder (``earlywarn.out_dir``). When the next top-
level run starts on the same store (:meth:`earlywarn.tracking.Tracker.run`),
:func:`fail_unfinished` finds the runs still ``RUNNING`` whose owner process on this host
no longer exists, and for each:

- tags it ``earlywarn.failed_reason`` (why) and ``earlywarn.cycle`` =
  ``not confirmed``, and ends it and its nested runs still ``RUNNING`` ``FAILED``;
- tags the model versions its runs registered ``earlywarn.cycle`` = ``failed``
  (they never became ``champion``);
- unless the run had already recorded its publication (it was killed after that, while
  or before moving the aliases): then the publication stands, its version is not tagged
  failed, and the aliases are moved as the run would have (unless a later publication
  came since);
- removes the dead process's partial folders beside its output folder.

Runs owned by a live process (another cycle running at the same time) or by another host
(its liveness cannot be checked from here) are left alone. :func:`remove_stale_partials`
is also called by :func:`earlywarn.io.write_output_folder` for its own parent folder.

For the fault tests, :func:`earlywarn.io.fault_point` kills the process with ``SIGKILL`` at a named
point when ``EARLYWARN_FAULT_AT`` names it (e.g. ``publishing``: after the files are
written into the partial folder, before it is renamed into place).
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from earlywarn.io import remove_stale_partials
from earlywarn.tracking._store import PUBLISHED_TAG, move_champion

__all__ = [
    "FAILED_REASON_TAG",
    "OUT_DIR_TAG",
    "OWNER_TAG",
    "fail_unfinished",
    "owner",
]

OWNER_TAG = "earlywarn.owner"
OUT_DIR_TAG = "earlywarn.out_dir"
FAILED_REASON_TAG = "earlywarn.failed_reason"
PUBLICATION_TAG = "earlywarn.publication"
_DENIED = "denied"  # the process exists but belongs to someone else: alive


def _started(pid: int) -> str:
    import psutil

    try:
        return f"{psutil.Process(pid).create_time():.2f}"
    except psutil.NoSuchProcess:
        return ""
    except psutil.AccessDenied:
        return _DENIED


def owner() -> str:
    """``host|pid|start time`` of this process (the ``earlywarn.owner`` tag)."""
    return f"{socket.gethostname()}|{os.getpid()}|{_started(os.getpid())}"


def _dead(tag: str) -> bool:
    """True when the owner process is on this host and no longer exists."""
    parts = tag.split("|")
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    started = _started(int(parts[1]))
    if started == _DENIED:  # another user's live process (e.g. /proc hidepid)
        return False
    return started == "" or (parts[2] != "" and started != parts[2])  # gone, or pid reused


def fail_unfinished(client: Any, experiment_id: str) -> list[str]:
    """Mark runs left RUNNING by a dead process FAILED (module notes); return their ids.

    Parameters
    ----------
    client : mlflow.MlflowClient
    experiment_id : str
    """
    running = client.search_runs(
        [experiment_id], filter_string="attributes.status = 'RUNNING'", max_results=5000
    )
    dead = [r for r in running if _dead(r.data.tags.get(OWNER_TAG, ""))]
    when = datetime.now(UTC).isoformat(timespec="seconds")
    failed: list[str] = []
    for r in dead:
        rid = r.info.run_id
        who = r.data.tags.get(OWNER_TAG, "").split("|")
        family = [client.get_run(i) for i in [rid, *_descendants(client, experiment_id, rid)]]
        pub = next((f for f in family if f.data.tags.get(PUBLISHED_TAG) == "true"), None)
        if pub is None:
            reason = (
                f"unfinished: process {who[1]} on {who[0]} ended before the publication was "
                f"complete (found by a later run at {when}); no list was published by this run"
            )
        else:  # killed after recording: the list stands, the aliases are completed
            reason = (
                f"unfinished: process {who[1]} on {who[0]} ended after its list was published "
                f"and recorded (found by a later run at {when}); the publication stands"
            )
            _complete_promotion(client, experiment_id, pub)
        for run in family:
            run_id = run.info.run_id
            if run.info.status == "RUNNING":
                client.set_tag(run_id, FAILED_REASON_TAG, reason)
                client.set_terminated(run_id, "FAILED")
                failed.append(run_id)
            if pub is None:
                for mv in client.search_model_versions(f"run_id = '{run_id}'"):
                    client.set_model_version_tag(mv.name, mv.version, PUBLICATION_TAG, "failed")
        client.set_tag(rid, PUBLICATION_TAG, "not confirmed" if pub is None else "published")
        out = r.data.tags.get(OUT_DIR_TAG)
        if out:
            remove_stale_partials(Path(out).parent)
    return failed


def _complete_promotion(client: Any, experiment_id: str, pub: Any) -> None:
    """A cycle's publication recorded by a process killed before (or while) it moved the
    aliases: move them now, unless a later publication has come since (its aliases stand)."""
    tags = pub.data.tags
    name, version = (
        tags.get("earlywarn.pub.registered_model"),
        tags.get("earlywarn.pub.model_version"),
    )
    if tags.get("earlywarn.pub.kind") != "cycle" or not name or not version:
        return
    when = tags.get("earlywarn.pub.published_at", "")
    pubs = client.search_runs(
        [experiment_id], filter_string=f"tags.`{PUBLISHED_TAG}` = 'true'", max_results=5000
    )
    later = [r for r in pubs if r.data.tags.get("earlywarn.pub.published_at", "") > when]
    if later:
        return
    move_champion(client, name, version)


def _descendants(client: Any, experiment_id: str, run_id: str) -> list[str]:
    out, frontier = [], [run_id]
    while frontier:
        parent = frontier.pop()
        kids = client.search_runs(
            [experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent}'"
        )
        for k in kids:
            out.append(k.info.run_id)
            frontier.append(k.info.run_id)
    return out

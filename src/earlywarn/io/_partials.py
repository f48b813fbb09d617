"""Partial output folders: a folder is written hidden beside its target, then renamed.

A process killed mid-write leaves ``.<name>.partial-<host>-<pid>-*``; the next write into the
same parent folder removes those of this host whose process no longer exists (another
host's are left alone: their liveness cannot be checked here). :func:`fault_point` kills the
process at a named point when ``EARLYWARN_FAULT_AT`` names it (the fault tests);
:func:`hold_point` makes it wait there (the concurrency tests).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
from pathlib import Path

__all__ = ["fault_point", "hold_point", "partial_prefix", "remove_stale_partials"]

_PARTIAL = re.compile(r"^\..+\.partial-([A-Za-z0-9]*)-(\d+)-")


def _host_token() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:40]


def partial_prefix(name: str) -> str:
    """Prefix of this process's partial folder for output folder ``name`` (host and pid:
    a folder shared by several machines never sees another host's work as stale)."""
    return f".{name}.partial-{_host_token()}-{os.getpid()}-"


def remove_stale_partials(folder: Path) -> list[Path]:
    """Remove partial output folders in ``folder`` left by processes of this host that no
    longer exist (another host's are left alone: their liveness cannot be checked here)."""
    import psutil

    removed = []
    host = _host_token()
    if not Path(folder).is_dir():
        return removed
    for p in Path(folder).iterdir():
        m = _PARTIAL.match(p.name)
        if m and m.group(1) == host and p.is_dir() and not psutil.pid_exists(int(m.group(2))):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL when ``EARLYWARN_FAULT_AT`` equals ``name``."""
    if os.environ.get("EARLYWARN_FAULT_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def hold_point(name: str, timeout: float = 600.0) -> None:
    """Wait at a named point when ``EARLYWARN_HOLD_AT`` equals ``name`` (concurrency tests).

    The process writes ``$EARLYWARN_HOLD_FILE.<pid>`` (it has arrived) and waits until
    ``$EARLYWARN_HOLD_FILE`` exists (released) or ``timeout`` seconds pass.
    """
    if os.environ.get("EARLYWARN_HOLD_AT") != name:
        return
    import time

    release = Path(os.environ["EARLYWARN_HOLD_FILE"])
    Path(f"{release}.{os.getpid()}").write_text(name)
    deadline = time.monotonic() + timeout
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.1)

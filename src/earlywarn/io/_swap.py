"""Replacing a whole folder so that its path always holds the old content or the new.

:func:`swap_in` exchanges the new folder with the old one in one step where the kernel can
(Linux ``renameat2(RENAME_EXCHANGE)``); elsewhere it falls back to two renames, old aside
(``.<name>.old-<host>-<pid>``) then new in, and a process killed between them leaves no
folder at the path for a moment. :func:`recover_folder`, run before the next write, puts
the old folder back in that case and removes what killed builds left beside it
(``.<name>.building-<host>-<pid>-*`` and old copies of this host whose process is gone).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

from earlywarn.io._partials import fault_point

__all__ = ["building_prefix", "recover_folder", "swap_in"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _host() -> str:
    import socket

    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:40]


def building_prefix(name: str) -> str:
    """Prefix of this process's new folder built beside ``name`` (host and pid)."""
    return f".{name}.building-{_host()}-{os.getpid()}-"


def _old_path(out: Path) -> Path:
    return out.parent / f".{out.name}.old-{_host()}-{os.getpid()}"


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the kernel or libc cannot."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # no RENAME_EXCHANGE here (old kernel, some file systems)
    raise OSError(err, os.strerror(err), str(a))


def swap_in(new: Path, out: Path) -> None:
    """Put the complete folder ``new`` at ``out``; the old ``out`` (if any) is removed.

    At every instant ``out`` holds the old folder or the new one where the exchange is
    atomic; with the two-rename fallback a kill between the renames is repaired by
    :func:`recover_folder` before the next write.
    """
    if out.exists() and _exchange(new, out):
        fault_point("data-swapped")  # fault tests: killed before the old copy is removed
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now names the old folder
        return
    old = _old_path(out)
    if out.exists():
        os.rename(out, old)
    fault_point("data-swap")  # fault tests: killed between the two renames
    try:
        os.rename(new, out)
    except BaseException:
        if old.exists() and not out.exists():
            os.rename(old, out)  # put the old folder back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _dead(pid: int) -> bool:
    import psutil

    return pid != os.getpid() and not psutil.pid_exists(pid)


def recover_folder(out: Path) -> list[Path]:
    """Repair what a killed :func:`write_data_files` left beside ``out`` (this host's
    processes only): an old folder set aside with no folder at ``out`` goes back; other
    old copies and unfinished new folders are removed. Returns the paths removed or moved."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(old|building)-{_host()}-(\d+)")
    done = []
    if not out.parent.is_dir():
        return done
    for p in sorted(out.parent.iterdir()):
        m = pattern.match(p.name)
        if not m or not p.is_dir() or not _dead(int(m.group(2))):
            continue
        if m.group(1) == "old" and not out.exists():
            os.rename(p, out)  # the old bundle was never replaced: restore it
        else:
            shutil.rmtree(p, ignore_errors=True)
        done.append(p)
    return done

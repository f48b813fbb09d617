"""Where output may go: an output or data folder is checked before any work starts.

Nothing is created here; a check that fails raises one line naming the resolved path.
"""

from __future__ import annotations

import os
from pathlib import Path

from earlywarn.errors import UserInputError

__all__ = ["check_data_folder", "check_output_location", "nearest_existing"]


def nearest_existing(path: Path) -> Path:
    """The nearest ancestor of ``path`` (or ``path`` itself) that exists."""
    p = path
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output_location(out: str | Path, what: str = "output folder") -> Path:
    """The output folder can be created: new or empty, under a writable folder.

    Every existing ancestor must be a folder (not a file); the nearest one must be
    writable. Returns the resolved path. Nothing is created.
    """
    p = Path(out).expanduser()
    try:
        resolved = p.resolve()
    except (OSError, RuntimeError) as err:
        raise UserInputError(f"{p}: not a usable {what} path ({err})") from None
    if resolved.exists():
        if not resolved.is_dir():
            raise UserInputError(f"{resolved}: exists and is a file (expected a new {what})")
        if any(resolved.iterdir()):
            raise UserInputError(
                f"{resolved}: {what} already exists and is not empty (not overwriting)"
            )
    base = nearest_existing(resolved.parent)
    if not base.is_dir():
        raise UserInputError(
            f"{resolved}: cannot create the {what}: {base} is a file, not a folder"
        )
    if not os.access(base, os.W_OK | os.X_OK):
        raise UserInputError(f"{resolved}: cannot create the {what}: no write permission in {base}")
    return resolved


def check_data_folder(out: str | Path) -> Path:
    """A data folder ``data build`` may replace: a folder (or new) under a writable folder."""
    p = Path(out).expanduser().resolve()
    if p.exists() and not p.is_dir():
        raise UserInputError(f"{p}: exists and is a file (expected a data folder)")
    base = nearest_existing(p.parent)
    if not base.is_dir():
        raise UserInputError(f"{p}: cannot create the data folder: {base} is a file")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UserInputError(f"{p}: cannot create the data folder: no write permission in {base}")
    return p

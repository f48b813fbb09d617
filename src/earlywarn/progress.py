"""Progress people can follow: named stages with elapsed time.

Library code marks where a stage begins with :func:`step` (a no-op unless a command is
reporting). The CLI wraps a command in :func:`reporting`:

- on a terminal, a live list of stages (rich), each with its elapsed time;
- when output is not a terminal (piped, CI, a log file), one plain line per stage on
  stdout, beside the command's summary: ``[  12.3 s] backtest: 3 models ...`` (stderr
  keeps only warnings and the one line of an error);
- quiet (``-q``): nothing.

Example
-------
>>> from earlywarn.progress import reporting, step
>>> with reporting("demo", mode="lines"):  # doctest: +SKIP
...     step("loading data")
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, TextIO

__all__ = ["reporting", "step"]

MODES = ("terminal", "lines", "quiet")


class _Lines:
    """One line per stage, with the time since the command started."""

    def __init__(self, title: str, stream: TextIO) -> None:
        self.stream = stream
        self.t0 = time.perf_counter()
        self._line(title)

    def _line(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.t0:7.1f} s] {text}", file=self.stream, flush=True)

    def step(self, label: str) -> None:
        self._line(label)

    def close(self, ok: bool) -> None:
        self._line("done" if ok else "stopped")


class _Terminal:
    """A rich live display: finished stages ticked with their time, the current one spinning."""

    def __init__(self, title: str, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self.progress.start()
        self.progress.console.print(f"[bold]{title}")
        self.task: Any = None

    def step(self, label: str) -> None:
        self._finish()
        self.task = self.progress.add_task(label, total=1)

    def _finish(self) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=1)
            self.progress.stop_task(self.task)

    def close(self, ok: bool) -> None:
        if ok:
            self._finish()
        self.progress.stop()


_current: ContextVar[Any] = ContextVar("earlywarn_progress", default=None)


def step(label: str) -> None:
    """Start the stage ``label`` (ending the previous one) if a command is reporting."""
    reporter = _current.get()
    if reporter is not None:
        reporter.step(label)


def choose_mode(quiet: bool, stream: TextIO | None = None) -> str:
    """``quiet`` if asked, ``terminal`` on an interactive terminal, else ``lines``."""
    if quiet:
        return "quiet"
    s = stream or sys.stderr
    return "terminal" if getattr(s, "isatty", lambda: False)() else "lines"


@contextlib.contextmanager
def reporting(title: str, mode: str = "lines", stream: TextIO | None = None) -> Iterator[None]:
    """Report the stages marked by :func:`step` while the block runs (see module doc)."""
    if mode not in MODES:
        raise ValueError(f"progress mode {mode!r} is unknown (expected one of {MODES})")
    if mode == "quiet":
        yield
        return
    if mode == "terminal":
        reporter: Any = _Terminal(title, stream or sys.stderr)
    else:
        reporter = _Lines(title, stream or sys.stdout)
    token = _current.set(reporter)
    ok = False
    try:
        yield
        ok = True
    finally:
        _current.reset(token)
        reporter.close(ok)

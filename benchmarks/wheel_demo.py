"""The full wheel check: build the wheel, install it with every dependency into a clean
virtual environment (no system site-packages; pip's cache is reused), then run
`earlywarn demo` (the real-council cycle) from an empty folder.

Run with ``.venv/bin/python benchmarks/wheel_demo.py [--synthetic] [--keep]``; prints the
time of each step. (tests/test_wheel.py is the fast version run by the suite.) Outputs
name real councils: they are written into a temporary folder, deleted at the end unless
``--keep``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_wheel import build_wheel


def _timed(label: str, cmd: list[str], **kw) -> None:
    t = time.perf_counter()
    r = subprocess.run(cmd, **kw)
    print(f"{label:<46} {time.perf_counter() - t:7.1f} s", flush=True)
    if r.returncode != 0:
        raise SystemExit(f"{label}: failed with exit code {r.returncode}")


def main() -> None:
    synthetic = "--synthetic" in sys.argv
    keep = "--keep" in sys.argv
    base = Path(tempfile.mkdtemp(prefix="earlywarn-wheel-"))
    t = time.perf_counter()
    wheel = build_wheel(base)
    print(f"{'build the wheel':<46} {time.perf_counter() - t:7.1f} s", flush=True)
    venv = base / "venv"
    _timed("clean venv (no system site-packages)", [sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    _timed(
        "pip install the wheel and its dependencies",
        [str(py), "-m", "pip", "install", "-q", str(wheel)],
    )
    work = base / "work"
    work.mkdir()
    args = [str(venv / "bin" / "earlywarn"), "demo", *(["--synthetic"] if synthetic else [])]
    _timed(" ".join(["earlywarn", *args[1:]]), args, cwd=work)
    print(f"outputs in {work / 'runs'}" + ("" if keep else " (deleted)"))
    if not keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()

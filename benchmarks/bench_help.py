"""Benchmark: `earlywarn --help` beside a bare `python -c "import typer"`, side by side.

Both are run alternately in fresh processes (so machine load hits both alike); the best
and the median of each are printed with their ratio. Target: `--help` within 1.5x of the
bare typer import. Run with ``.venv/bin/python benchmarks/bench_help.py [REPEATS]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c 'import typer'": [sys.executable, "-c", "import typer"],
    "earlywarn --help": [sys.executable, "-m", "earlywarn.cli", "--help"],
}


def measure(repeats: int = 15) -> dict[str, list[float]]:
    """Wall times (s) of each command, run alternately ``repeats`` times."""
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeats):
        for name, cmd in COMMANDS.items():
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            times[name].append(time.perf_counter() - t)
    return times


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    times = measure(repeats)
    for name, ts in times.items():
        print(f"{name:<28} best {min(ts):.3f} s   median {statistics.median(ts):.3f} s")
    typer_t, help_t = times.values()
    print(
        f"ratio --help / import typer: best {min(help_t) / min(typer_t):.2f}x, median "
        f"{statistics.median(help_t) / statistics.median(typer_t):.2f}x (target <= 1.5x; "
        f"{repeats} alternating runs each)"
    )


if __name__ == "__main__":
    main()

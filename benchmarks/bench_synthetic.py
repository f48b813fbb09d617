"""Time the default synthetic panel: ``python benchmarks/bench_synthetic.py``."""

from __future__ import annotations

import time

from earlywarn.synthetic import make_synthetic_councils


def main(repeats: int = 3) -> None:
    """Print the best of ``repeats`` timings of the default call and the panel's size."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        data = make_synthetic_councils()
        best = min(best, time.perf_counter() - t0)
    t = data.tables
    print(
        f"make_synthetic_councils(): {best:.2f} s best of {repeats}; "
        f"{len(t.councils)} councils, {len(t.observations)} observations, "
        f"{len(t.events)} events, {len(data.true_risk)} council-origins"
    )


if __name__ == "__main__":
    main()

"""Print the measured properties of the easy and realistic synthetic presets (against
the real panel's: ~3% of features with within-origin AUROC > 0.6, timing AUROC ~0.85,
4-92% of cells observed by origin, declining failures, the 2020 inspection pause).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/realistic_properties.py [n_councils]
"""

from __future__ import annotations

import json
import sys

from earlywarn.synthetic import make_synthetic_councils, measured_properties


def main(n: int = 150) -> None:
    for preset in ("easy", "realistic"):
        data = make_synthetic_councils(
            n_councils=n, start_year=2008, end_year=2023, seed=3, n_oracle_sims=100,
            preset=preset,
        )  # fmt: skip
        print(preset, json.dumps(measured_properties(data), indent=1))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)

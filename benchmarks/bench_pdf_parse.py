"""The cold ``data build``'s dominant cost, the Ofsted report PDFs' text, measured as CPU time.

``python benchmarks/bench_pdf_parse.py [--raw ../shared/data/raw] [--n 40] [--jobs 2]``

Parses ``--n`` reports picked at random (seed 0) without the cache and prints the CPU time per
PDF (``time.process_time``: what the parse costs, little moved by other load on the machine),
the wall time, and the projection for every PDF in the folder on ``--jobs`` quiet workers
(``data build`` parses the uncached files with one joblib worker per core). A cold build is
about that projection plus a warm build (``earlywarn data build`` with the cache filled).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from earlywarn.sources.pdf_text import read_pdf_text

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=RAW)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    folder = args.raw / "ofsted_reports"
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".pdf")
    if not paths:
        raise SystemExit(f"no PDF under {folder.resolve()}")
    random.Random(0).shuffle(paths)
    sample = paths[: args.n]
    cpu0, wall0, pages = time.process_time(), time.perf_counter(), 0
    for p in sample:
        pages += read_pdf_text(p, use_cache=False).pages
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    per = cpu / len(sample)
    print(f"{len(sample)} of {len(paths)} PDFs ({pages} pages): CPU {cpu:.1f} s, {per:.2f} s each")
    print(f"  wall {wall:.1f} s (wall/CPU {wall / cpu:.2f}: above 1 means the machine was busy)")
    print(
        f"  all {len(paths)} PDFs: CPU {per * len(paths):.0f} s, "
        f"about {per * len(paths) / args.jobs:.0f} s on {args.jobs} quiet workers"
    )


if __name__ == "__main__":
    main()

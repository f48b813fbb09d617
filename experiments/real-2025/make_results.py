"""Regenerate RESULTS.md from the real-2025 cycle output folders (no hand-typed figures;
every figure is read from each folder's evaluation.json and run.json by
earlywarn.report.render_results). The folders are CONFIDENTIAL (named councils) and live
outside the repository; RESULTS.md names no council.

Give the confirmatory cycle's folder (cycle.toml: validation origins 2014-2021, then the
pre-registered confirmatory origins 2022 and 2023, scored once) and, optionally, the
validation-only cycle's (cycle-validation.toml = `make demo`'s config); README.md gives the
lead's two commands:

    .venv/bin/python experiments/real-2025/make_results.py /tmp/ew/real-2025 \\
        [/tmp/ew/real-2025-validation]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from earlywarn.backtest import read_preregistration
from earlywarn.report import render_results

HERE = Path(__file__).resolve().parent
COMMANDS = """export MLFLOW_TRACKING_URI=sqlite:////tmp/ew/mlflow.db MLFLOW_DISABLE_TELEMETRY=true
earlywarn cycle experiments/real-2025/cycle.toml --out /tmp/ew/real-2025
.venv/bin/python experiments/real-2025/make_results.py /tmp/ew/real-2025"""

LOG = """- Validation origins 2014-2021: looked at in the real-2023 cycles (validation (seen)
  there). Every choice for 2025 (label, feature short list by the coverage rule, model
  kind) was made on them, in one validation-only run (cycle-validation.toml with kinds
  logit and gbm; no preregistration key, so no origin after 2021 was scored).
- Confirmatory origins 2022-03-31 and 2023-03-31: their 24-month windows closed by
  31 March 2025 and no model was scored on them before PREREGISTRATION.md was committed.
  They are scored by cycle.toml only, for the pre-registered settings hash; every scoring is
  appended to PROTOCOL_LOG.jsonl (only the first is confirmatory)."""


def main(
    folders: list[str],
    results: Path = HERE / "RESULTS.md",
    preregistration: Path = HERE / "PREREGISTRATION.md",
) -> None:
    """Write ``results`` from the output folders (the confirmatory cycle's first)."""
    if not folders:
        sys.exit("usage: make_results.py CONFIRMATORY_OUT [VALIDATION_OUT] (cycle output folders)")
    for f in folders:
        if not (Path(f) / "evaluation.json").is_file():
            sys.exit(f"{Path(f).resolve()}: no evaluation.json (expected a cycle output folder)")
    pre = read_preregistration(preregistration)
    ev = json.loads((Path(folders[0]) / "evaluation.json").read_text(encoding="utf-8"))
    proto = ev.get("protocol") or {}
    if "confirmatory" not in ev:
        sys.exit(
            f"{Path(folders[0]).resolve()}: no confirmatory block (give the output of "
            "experiments/real-2025/cycle.toml first)"
        )
    text = render_results(
        folders,
        "Real-data cycle, as of 31 March 2025: validation (seen) and confirmatory origins "
        "(no council named)",
        COMMANDS,
        LOG,
        script="experiments/real-2025/make_results.py",
    )
    head = (
        f"Pre-registration: `experiments/real-2025/PREREGISTRATION.md`, settings hash "
        f"`{pre.settings_hash}` (the confirmatory run's: `{proto.get('settings_hash')}`), model "
        f"{pre.model}, minimum effect {pre.minimum_effect}, confirmatory origins "
        f"{', '.join(pre.confirmatory_origins)}. The validation origins' figures below are "
        "validation (seen); only the confirmatory section tests the pre-registered claim.\n\n"
    )
    title, rest = text.split("\n", 1)
    Path(results).write_text(f"{title}\n\n{head}{rest.lstrip()}", encoding="utf-8")
    # the financial-failure section comes from its own saved outputs (no run folder here)
    sys.path.insert(0, str(HERE))
    from make_results_finance import section, write

    write(Path(results), section())
    print(f"wrote {results}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Regenerate RESULTS.md from the three real-2023 cycle output folders (no hand-typed
figures; see earlywarn.report). The folders are CONFIDENTIAL (named councils) and live
outside the repository; RESULTS.md names no council.

    export MLFLOW_TRACKING_URI=sqlite:////tmp/ew/mlflow.db MLFLOW_DISABLE_TELEMETRY=true
    for c in cycle cycle-joint cycle-new-failures; do
        earlywarn cycle experiments/real-2023/$c.toml --out /tmp/ew/$c; done
    .venv/bin/python experiments/real-2023/make_results.py /tmp/ew/cycle /tmp/ew/cycle-joint \\
        /tmp/ew/cycle-new-failures
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from earlywarn.report import render_results

HERE = Path(__file__).resolve().parent
COMMANDS = """export MLFLOW_TRACKING_URI=sqlite:////tmp/ew/mlflow.db MLFLOW_DISABLE_TELEMETRY=true
for c in cycle cycle-joint cycle-new-failures; do
    earlywarn cycle experiments/real-2023/$c.toml --out /tmp/ew/$c; done
.venv/bin/python experiments/real-2023/make_results.py /tmp/ew/cycle /tmp/ew/cycle-joint \\
    /tmp/ew/cycle-new-failures"""

# every look at the origins scored after the choice, in order (docs/protocol.md)
LOG = """- Session 2: the three configs were fixed on the selection origins and the held-out origins
  were scored once. The published kind was then chosen by *pooled* AUROC (a flaw: pooled AUROC
  mixes origins with different failure rates; the protocol's headline is within-origin AUROC).
- Session 3: the selection rule was corrected to within-origin AUROC on the selection origins
  (`models.select_by = "auroc"` now reads `auroc_within_origin`), which changed the published
  kind of `cycle.toml` from gbm to logit. The held-out origins were scored again for the
  corrected choice: a second look, with no setting chosen on them. Every model's held-out
  figures were already in session 2's RESULTS.md (all models are scored on them).
- Relabel (issue 23): the 2019-2021 origins were scored in several sessions, under several
  settings hashes, with configs and the selection rule changed after looks. Under the
  pre-registration protocol (docs/protocol.md) they are "validation (seen)": no figure here is
  confirmatory, and these origins can never be confirmatory again."""


def main(folders: list[str]) -> None:
    if not folders:
        sys.exit("usage: make_results.py OUT_DIR [OUT_DIR ...] (cycle output folders)")
    for f in folders:
        if not (Path(f) / "evaluation.json").is_file():
            sys.exit(f"{Path(f).resolve()}: no evaluation.json (expected a cycle output folder)")
    text = render_results(
        folders,
        "Real-data cycles, as of 31 March 2023: backtest summary (no council named)",
        COMMANDS,
        LOG,
    )
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")
    # the first (main) cycle's model card, to the design's models/<cycle>/ folder
    card = Path(folders[0]) / "MODEL_CARD.md"
    if card.is_file():
        cycle = json.loads((Path(folders[0]) / "run.json").read_text(encoding="utf-8"))["cycle"]
        dest = HERE.parent.parent / "models" / cycle / "MODEL_CARD.md"
        dest.parent.mkdir(parents=True, exist_ok=True)
        text = card.read_text(encoding="utf-8")
        if text.startswith("<!--"):  # the output folder's confidentiality stamp line
            text = text.split("\n", 1)[1]
        dest.write_text(text, encoding="utf-8")
        print(f"wrote {dest}")


if __name__ == "__main__":
    main(sys.argv[1:])

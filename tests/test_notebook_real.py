"""The real-councils notebook executes: bundled panel, neighbour plots, the real-2025 cycle
(validation origins only, as `make demo`)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02-real-councils.ipynb"


def _default_stores() -> dict[str, int | None]:
    """Modification times of the stores a cycle writes by default (None: absent)."""
    paths = [ROOT / "runs" / "mlflow.db", ROOT / "experiments" / "mlflow.db"]
    return {str(p): p.stat().st_mtime_ns if p.exists() else None for p in paths}


def test_real_notebook_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own inline backend
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # no thread oversubscription on 2 cores
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    # the notebook's work folder (a real, named list) goes under tmp_path, never left in /tmp
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    before = _default_stores()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # the stored notebook carries no outputs: real councils' results are never committed
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(str(o.get("text", "")) + str(o.get("data", {})) for o in outputs)
    assert "test origins" in text and "auroc" in text
    # the notebook tracks into its own temporary store: what `make demo` leaves in the
    # checkout (runs/, experiments/) is neither needed nor touched
    assert _default_stores() == before
    from test_notebooks import assert_figures_shown

    assert_figures_shown(nb)
    assert "Ofsted judgements:" in text
    # the 2025 label's probability, or (not calibrated out of time) the tier instead
    shown = "P(inadequate_any | inspected within 24 months)" in text
    assert shown or "No probability shown (not calibrated out of time)" in text
    assert list(tmp_path.glob("earlywarn-real-*"))  # the named list stayed under tmp_path

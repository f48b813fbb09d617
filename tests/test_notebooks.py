"""Notebooks really execute: any cell error fails the test."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("name", ["01-quickstart.ipynb", "03-explain-a-council.ipynb"])
def test_notebook_executes(name, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own inline backend
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebook's work folder: cleaned up
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("reasons" in str(c.source) for c in nb.cells)
    assert_figures_shown(nb)
    assert list(tmp_path.glob("earlywarn-nb*"))  # its outputs went where the test cleans


def assert_figures_shown(nb) -> None:
    """Every cell that draws a figure has an image output (the package never switches a
    kernel's matplotlib backend away from inline)."""
    drawing = [c for c in nb.cells if c.cell_type == "code" and "plt.subplots" in c.source]
    for c in drawing:
        images = [o for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        assert images, f"no image output from: {c.source[:80]!r}"

"""The command line as a user meets it: fast help, one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = [sys.executable, "-m", "earlywarn.cli"]


def _run(args, cwd, **env):
    full_env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", **env}
    return subprocess.run(
        [*EXE, *args], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=600
    )


def test_help_imports_no_heavy_library():
    code = (
        "import sys; from typer.testing import CliRunner; from earlywarn.cli import app;"
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output;"
        "heavy = [m for m in ('mlflow', 'shap', 'statsmodels', 'sklearn', 'matplotlib') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('cycle = "x"\nas_of = "2020-03-31"\nhorizon = "soon"\n', "horizon"),
        ('cycle = "x"\nas_of = "2020-03-31"\ncolour = "red"\n', "unknown key 'colour'"),
        (
            'cycle = "x"\nas_of = "2020-03-31"\n[data]\nsource = "files"\n'
            'councils = "missing.csv"\nobservations = "o.csv"\nevents = "e.csv"\n',
            "missing.csv: file not found",
        ),
        ('cycle = "x"\nas_of = "2020-03-31"\n[models]\nkinds = ["xgb"]\n', "unknown model"),
    ],
)
def test_bad_config_one_line_exit_2_nothing_written(tmp_path, toml, needle):
    cfg = tmp_path / "cycle.toml"
    cfg.write_text(toml)
    out = tmp_path / "out"
    db = tmp_path / "mlflow.db"
    r = _run(
        ["cycle", str(cfg), "--out", str(out)], tmp_path, MLFLOW_TRACKING_URI=f"sqlite:///{db}"
    )
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle in lines[0]
    assert "Traceback" not in r.stderr
    assert not out.exists()
    assert not db.exists()


def test_missing_config_file(tmp_path):
    r = _run(["cycle", str(tmp_path / "nope.toml")], tmp_path)
    assert r.returncode == 2
    assert "config file not found" in r.stderr
    assert "Traceback" not in r.stderr


def test_cycle_command_end_to_end(tmp_path):
    src = Path(__file__).resolve().parents[1] / "experiments" / "demo" / "cycle.toml"
    text = src.read_text().replace("n_councils = 150", "n_councils = 40")
    text = text.replace("n_boot = 200", "n_boot = 20").replace(
        'as_of = "2024-03-31"', 'as_of = "2019-03-31"'
    )
    text = text.replace("end_year = 2024", "end_year = 2019")
    cfg = tmp_path / "cycle.toml"
    cfg.write_text(text)
    db = tmp_path / "mlflow.db"
    r = _run(
        ["cycle", str(cfg), "--out", str(tmp_path / "out")],
        tmp_path,
        MLFLOW_TRACKING_URI=f"sqlite:///{db}",
    )
    assert r.returncode == 0, r.stderr
    assert "Within-origin AUROC (0.5 is chance): published model" in r.stdout
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["tracking_uri"] == f"sqlite:///{db}"
    assert db.exists()

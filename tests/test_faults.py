"""Faults: a cycle killed at any point loses nothing already published and leaves the
tracking database intact; two cycles at once on one SQLite store both complete; the same
config and data give byte-identical published lists."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _config(tmp_path: Path, name: str = "cycle.toml", n: int = 40) -> Path:
    text = (ROOT / "experiments" / "demo" / "cycle.toml").read_text()
    text = text.replace("n_councils = 150", f"n_councils = {n}").replace(
        "n_boot = 200", "n_boot = 20"
    )
    text = text.replace('as_of = "2024-03-31"', 'as_of = "2019-03-31"').replace(
        "end_year = 2024", "end_year = 2019"
    )
    p = tmp_path / name
    p.write_text(text)
    return p


def _start(cfg: Path, out: Path, db: Path) -> subprocess.Popen:
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{db}", "MLFLOW_DISABLE_TELEMETRY": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "earlywarn.cli", "cycle", str(cfg), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def _finish(p: subprocess.Popen) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=600)
    return p.returncode, out, err


def _runs_in(db: Path) -> int:
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return con.execute("select count(*) from runs").fetchone()[0]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A first, completed cycle: its outputs and tracking store must survive what follows."""
    d = tmp_path_factory.mktemp("faults")
    cfg = _config(d)
    db = d / "mlflow.db"
    code, _, err = _finish(_start(cfg, d / "first", db))
    assert code == 0, err
    snapshot = {p.name: p.read_bytes() for p in (d / "first").iterdir()}
    return d, cfg, db, snapshot


@pytest.mark.parametrize("delay", [1.5, 4.0, 8.0])
def test_killed_cycle_loses_nothing_and_rerun_completes(published, delay):
    d, cfg, db, snapshot = published
    runs_before = _runs_in(db)
    out = d / f"killed-{delay}"
    p = _start(cfg, out, db)
    time.sleep(delay)
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=60)
    # earlier published outputs are untouched, byte for byte
    assert {f.name: f.read_bytes() for f in (d / "first").iterdir()} == snapshot
    # the tracking database is intact and still holds every earlier run
    assert _runs_in(db) >= runs_before
    # the output folder is either absent or complete, never half-written
    expected = {"risk_list.csv", "report.html", "evaluation.json", "run.json", "reasons.json"}
    if out.exists():
        assert expected <= {f.name for f in out.iterdir()}
    else:
        code, _, err = _finish(_start(cfg, out, db))
        assert code == 0, err
        assert expected <= {f.name for f in out.iterdir()}


def test_two_cycles_at_once_on_one_sqlite_store(published):
    d, cfg, db, _ = published
    before = _runs_in(db)
    a = _start(cfg, d / "con-a", db)
    b = _start(cfg, d / "con-b", db)
    (ca, _, ea), (cb, _, eb) = _finish(a), _finish(b)
    assert ca == 0, ea
    assert cb == 0, eb
    ids = set()
    for name in ("con-a", "con-b"):
        run = json.loads((d / name / "run.json").read_text())
        ids |= set(run["run_ids"].values())
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{db}")
    for rid in ids:
        assert client.get_run(rid).info.status == "FINISHED"
    assert _runs_in(db) >= before + len(ids)


def test_same_config_and_data_give_identical_published_files(published):
    d, cfg, db, snapshot = published
    code, _, err = _finish(_start(cfg, d / "again", db))
    assert code == 0, err
    for name in ("risk_list.csv", "reasons.json"):
        assert (d / "again" / name).read_bytes() == snapshot[name], name

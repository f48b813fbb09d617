"""A cycle killed (SIGKILL) while its output folder is half-written: the next cycle on the
same store marks the unfinished run FAILED with the reason, removes the hidden partial
folder of confidential files, and publishes; the champion alias never pointed at the list
that did not appear."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _config(d: Path) -> Path:
    text = (ROOT / "experiments" / "demo" / "cycle.toml").read_text()
    for old, new in [
        ("n_councils = 150", "n_councils = 40"),
        ("n_boot = 200", "n_boot = 20"),
        ('as_of = "2024-03-31"', 'as_of = "2019-03-31"'),
        ("end_year = 2024", "end_year = 2019"),
        ("start_year = 2008", "start_year = 2010"),
        ('kinds = ["persistence", "logit", "hazard", "gbm"]', 'kinds = ["logit"]'),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    p = d / "cycle.toml"
    p.write_text(text)
    return p


def _cycle(cfg: Path, out: Path, db: Path, **env: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{db}",
        "MLFLOW_DISABLE_TELEMETRY": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "earlywarn.cli", "cycle", str(cfg), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_killed_publication_is_marked_failed_on_the_next_start(tmp_path):
    import mlflow

    cfg, db = _config(tmp_path), tmp_path / "mlflow.db"
    killed = tmp_path / "a" / "killed"
    killed.parent.mkdir()
    res = _cycle(cfg, killed, db, EARLYWARN_FAULT_AT="publishing")
    assert res.returncode == -signal.SIGKILL, res.stderr
    # the state a kill -9 leaves: parent run RUNNING, a hidden partial folder, no alias
    partials = [p for p in killed.parent.iterdir() if p.name.startswith(".killed.partial-")]
    assert len(partials) == 1 and (partials[0] / "risk_list.csv").exists()
    assert not killed.exists()
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{db}")
    exp = client.get_experiment_by_name("earlywarn-demo").experiment_id
    running = client.search_runs([exp], filter_string="attributes.status = 'RUNNING'")
    parent = [r for r in running if "mlflow.parentRunId" not in r.data.tags]
    assert len(parent) == 1
    parent_id = parent[0].info.run_id
    assert "earlywarn.published" not in parent[0].data.tags
    assert client.get_registered_model("earlywarn-demo").aliases == {}

    # the next cycle on the same store (publishing elsewhere) cleans up, then publishes
    again = tmp_path / "b" / "again"
    again.parent.mkdir()
    res = _cycle(cfg, again, db)
    assert res.returncode == 0, res.stderr
    run = client.get_run(parent_id)
    assert run.info.status == "FAILED"
    assert run.data.tags["earlywarn.failed_reason"].startswith("unfinished: process ")
    assert run.data.tags["earlywarn.publication"] == "not confirmed"
    assert not client.search_runs([exp], filter_string="attributes.status = 'RUNNING'")
    assert not partials[0].exists() and not killed.exists()  # no confidential leftovers
    versions = {
        mv.version: mv.tags for mv in client.search_model_versions("name = 'earlywarn-demo'")
    }
    assert len(versions) == 2
    champion = client.get_model_version_by_alias("earlywarn-demo", "champion").version
    failed = [v for v, tags in versions.items() if tags.get("earlywarn.publication") == "failed"]
    assert failed and champion not in failed
    assert (again / "risk_list.csv").exists()


def test_only_dead_owners_on_this_host_count():
    from earlywarn.tracking._unfinished import _dead, owner

    mine = owner()
    assert _dead(mine) is False  # this process is alive
    host = mine.split("|")[0]
    assert _dead("other-host|1|0") is False  # cannot tell from here: left alone
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    assert _dead(f"{host}|{p.pid}|1.00") is True


def test_only_this_hosts_dead_partial_folders_are_removed(tmp_path, monkeypatch):
    """A shared runs/ folder: another host's partial folder (its process cannot be checked
    from here) stays, as does a live process's; this host's dead process's goes."""
    import psutil

    from earlywarn import io
    from earlywarn.tracking import _unfinished as unfinished

    dead = 4_000_000  # above any pid_max: no such process
    assert not psutil.pid_exists(dead)
    here = io.partial_prefix("out").replace(str(os.getpid()), str(dead))
    mine_dead = tmp_path / f"{here}abc"
    other_host = tmp_path / f".out.partial-someotherhost-{dead}-abc"
    mine_live = tmp_path / f"{io.partial_prefix('out')}abc"
    for p in (mine_dead, other_host, mine_live):
        p.mkdir()
    assert io.remove_stale_partials(tmp_path) == [mine_dead]
    assert other_host.is_dir() and mine_live.is_dir() and not mine_dead.exists()

    def denied(pid):  # another user's process under /proc hidepid: alive, not dead
        raise psutil.AccessDenied(pid)

    monkeypatch.setattr(psutil, "Process", denied)
    assert not unfinished._dead(f"{socket.gethostname()}|{os.getpid()}|123.00")

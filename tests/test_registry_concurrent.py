"""Two cycles finishing at once on an *existing* SQLite store: both complete, and the alias
history stays true (``previous`` is the champion that the last promotion replaced, never
the older one both cycles saw when they registered their models).

Real processes: a first cycle publishes version 1; two more start together and are held
(``EARLYWARN_HOLD_AT=promoting``) until both have registered their versions and written
their folders, then released at once, so they promote in a race.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

TOML = """cycle = "{cycle}"
as_of = "2020-03-31"
seed = 7
[data]
n_councils = 24
start_year = 2010
end_year = 2020
[models]
kinds = ["persistence"]
[evaluate]
k = 5
n_boot = 0
subgroups = []
baselines = []
[report]
interval_boot = 0
n_reasons = 1
[tracking]
uri = "sqlite:///{db}"
experiment = "race"
registry_name = "race"
"""


def _start(tmp: Path, cycle: str, **env: str) -> subprocess.Popen:
    cfg = tmp / f"{cycle}.toml"
    cfg.write_text(TOML.format(cycle=cycle, db=tmp / "mlflow.db"))
    full = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", **env}
    full.pop("MLFLOW_TRACKING_URI", None)
    args = [sys.executable, "-m", "earlywarn.cli", "-q", "cycle", str(cfg)]
    return subprocess.Popen(
        [*args, "--out", str(tmp / f"out-{cycle}")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full,
    )


def _done(p: subprocess.Popen) -> None:
    _, err = p.communicate(timeout=900)
    assert p.returncode == 0, err


def _version(tmp: Path, cycle: str) -> str:
    run = json.loads((tmp / f"out-{cycle}" / "run.json").read_text())
    return str(run["registered_model"]["version"])


def test_two_cycles_on_an_existing_store_keep_the_alias_history(tmp_path):
    import mlflow

    _done(_start(tmp_path, "first"))
    release = tmp_path / "release"
    hold = {"EARLYWARN_HOLD_AT": "promoting", "EARLYWARN_HOLD_FILE": str(release)}
    procs = [_start(tmp_path, name, **hold) for name in ("a", "b")]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:  # both registered and written, neither promoted
        arrived = [p for p in procs if Path(f"{release}.{p.pid}").exists()]
        if len(arrived) == 2 or any(p.poll() is not None for p in procs):
            break
        time.sleep(0.2)
    assert len(arrived) == 2, [p.communicate()[1] for p in procs if p.poll() is not None]
    release.write_text("go")
    for p in procs:
        _done(p)
    v1, va, vb = (_version(tmp_path, c) for c in ("first", "a", "b"))
    assert len({v1, va, vb}) == 3
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    champion = str(client.get_model_version_by_alias("race", "champion").version)
    previous = str(client.get_model_version_by_alias("race", "previous").version)
    assert {champion, previous} == {va, vb}, (v1, va, vb, champion, previous)
    # each cycle's publication is recorded once, by the run that published it
    exp = client.get_experiment_by_name("race")
    runs = client.search_runs([exp.experiment_id], "tags.`earlywarn.published` = 'true'")
    assert sorted(r.data.tags.get("earlywarn.cycle") for r in runs) == ["a", "b", "first"]


def test_a_kill_at_every_step_of_recording_leaves_tags_and_aliases_consistent(tmp_path):
    """Killed (-9) after the folder is written and at each step of recording the
    publication and moving the aliases; the clean-up the next start runs
    (``fail_unfinished``) leaves run tags, version tags and aliases telling one story."""
    import mlflow

    from earlywarn.tracking import fail_unfinished

    _done(_start(tmp_path, "first"))
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.get_experiment_by_name("race").experiment_id

    def alias(a: str) -> str | None:
        try:
            return str(client.get_model_version_by_alias("race", a).version)
        except mlflow.exceptions.MlflowException:
            return None

    for fault in ("written", "recorded", "previous-moved", "promoted"):
        before = alias("champion")
        p = _start(tmp_path, fault, EARLYWARN_FAULT_AT=fault)
        _, err = p.communicate(timeout=900)
        assert p.returncode == -9, err
        fail_unfinished(client, exp)  # what the next run on the store does first
        killed = _version(tmp_path, fault)  # the folder was complete in every case
        runs = client.search_runs([exp], f"tags.`earlywarn.cycle` = '{fault}'")
        assert runs and all(r.info.status != "RUNNING" for r in runs)
        parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
        published = any(r.data.tags.get("earlywarn.published") == "true" for r in runs)
        tag = client.get_model_version("race", killed).tags.get("earlywarn.publication")
        if fault == "written":  # nothing recorded: no publication, the aliases never moved
            assert not published and tag == "failed"
            assert parent.data.tags["earlywarn.publication"] == "not confirmed"
            assert alias("champion") == before
        else:  # recorded: the publication stands and the aliases are completed
            assert published and tag != "failed"
            assert parent.data.tags["earlywarn.publication"] == "published"
            assert (alias("champion"), alias("previous")) == (killed, before)
        for a in ("champion", "previous"):  # no alias points at a version tagged failed
            v = alias(a)
            assert (
                v is None
                or client.get_model_version("race", v).tags.get("earlywarn.publication") != "failed"
            ), (fault, a, v)

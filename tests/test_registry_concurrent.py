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

"""Hostile but legal text is data; two cycles at once and a failed publication are safe.

- Council names with markup, formula prefixes, control characters, right-to-left marks and
  10,000 characters go through a (pseudonymised and a named) cycle at the speed of plain
  names, escaped in HTML and neutralised in CSV.
- Two cycles started at once on one *new* SQLite store both complete, and no run is left
  RUNNING.
- A publication whose folder cannot be written records nothing and leaves the ``champion``
  alias where it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.config import parse_config
from earlywarn.schema import Tables

HOSTILE = [
    "<script>alert('x')</script> Borough",
    '=HYPERLINK("http://evil.example","click")',
    "+1+1 Council",
    "@SUM(A1:A9)",
    "-2 District",
    "\u202eyhguoroB\u202c Council",  # right-to-left override
    "Bell\x07and\x1bEscape Council",
    "Tab\tand\u200bzero-width Council",
    "&amp;&lt;b&gt; entity Council",
]


def _fast_config(tmp_path: Path, name: str, pseudonymise: bool) -> dict:
    return {
        "cycle": name,
        "as_of": "2020-03-31",
        "seed": 7,
        "data": {"n_councils": 24, "start_year": 2010, "end_year": 2020},
        "models": {"kinds": ["persistence"]},
        "evaluate": {"k": 5, "n_boot": 0, "subgroups": [], "baselines": []},
        "report": {"interval_boot": 0, "n_reasons": 1, "pseudonymise": pseudonymise},
        "tracking": {"uri": f"sqlite:///{tmp_path / 'mlflow.db'}", "experiment": name},
    }


def _hostile_names(n: int) -> list[str]:
    names = [f"{HOSTILE[i % len(HOSTILE)]} {i:03d}" for i in range(n)]
    for i in range(0, n, 3):  # every third name 10,000 characters long
        names[i] = (names[i] + " " + "Ab" * 5000)[: 10_000 - 4] + f"{i:04d}"
    return names


@pytest.fixture(scope="module")
def tiny_world():
    from earlywarn.synthetic import make_synthetic_councils

    return make_synthetic_councils(n_councils=24, start_year=2010, end_year=2020, seed=7)


def _cycle(tmp_path, tiny_world, names, pseudonymise):
    from earlywarn.cycle import run_cycle

    t = tiny_world.tables
    councils = t.councils.copy()
    if names is not None:
        councils["council_name"] = names[: len(councils)]
    data = (Tables(councils, t.observations, t.events, dict(t.sources)), tiny_world.true_risk, {})
    cfg = parse_config(_fast_config(tmp_path, "h" if names else "p", pseudonymise))
    t0 = time.perf_counter()
    res = run_cycle(cfg, out_dir=tmp_path / "out", data=data)
    return res, time.perf_counter() - t0


def test_hostile_names_are_published_safely(tmp_path, tiny_world):
    """Hostile council names (formulas, markup, 10,000 characters), named and pseudonymised.
    (Their cost against a plain cycle is a timing: benchmarks/, not a test.)"""
    names = _hostile_names(len(tiny_world.tables.councils))
    pseudo, _ = _cycle(tmp_path / "hostile-p", tiny_world, names, pseudonymise=True)
    named, _ = _cycle(tmp_path / "hostile-n", tiny_world, names, pseudonymise=False)
    out = named.out_dir
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    csv = (out / "risk_list.csv").read_text(encoding="utf-8")
    assert '"=HYPERLINK' not in csv and "\"'=HYPERLINK" in csv
    rl = named.risk_list
    full = [n for n in rl["council_name"] if len(n) == 10_000]
    assert full, "the full 10,000-character names are kept in the list"
    # the report shows long names cut (80 characters and an ellipsis), the whole in `title`
    import html as h
    import re

    assert f'title="{h.escape(full[0], quote=True)}"' in html
    assert "Ab" * 100 not in re.sub(r'title="[^"]*"', "", html)
    assert "Ab" * 4000 in csv  # the CSV keeps the whole name
    for p in pseudo.out_dir.iterdir():
        if p.suffix in (".csv", ".html", ".json"):
            text = p.read_text(encoding="utf-8")
            assert not any(n in text for n in names)


def to_toml(d: dict, prefix: str = "") -> str:
    import json

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v) if isinstance(v, str) else repr(v)

    lines = [f"{k} = {value(v)}" for k, v in d.items() if not isinstance(v, dict)]
    for k, v in d.items():
        if isinstance(v, dict):
            lines += [f"[{prefix}{k}]", to_toml(v, f"{prefix}{k}.")]
    return "\n".join(lines) + "\n"


def _script(args, cwd):
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "CI": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.Popen(
        [sys.executable, "-m", "earlywarn.cli", "-q", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_two_cycles_at_once_on_a_new_sqlite_store(tmp_path):
    procs = []
    for name in ("a", "b"):
        cfg = _fast_config(tmp_path, "shared", pseudonymise=False)
        cfg["cycle"] = name
        p = tmp_path / f"{name}.toml"
        p.write_text(to_toml(cfg))
        procs.append(_script(["cycle", str(p), "--out", str(tmp_path / f"out-{name}")], tmp_path))
    results = [(p.wait(timeout=900), p.stderr.read()) for p in procs]
    for rc, err in results:
        assert rc == 0, err
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.get_experiment_by_name("shared")
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    assert runs and all(r.info.status == "FINISHED" for r in runs)
    assert {r.data.tags.get("earlywarn.cycle") for r in runs} >= {"a", "b"}
    assert (tmp_path / "out-a" / "risk_list.csv").is_file()
    assert (tmp_path / "out-b" / "risk_list.csv").is_file()
    import sqlite3

    with sqlite3.connect(tmp_path / "mlflow.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_failed_publication_moves_no_alias_and_records_nothing(tmp_path, tiny_world, monkeypatch):
    """The folder cannot be written (disk full, killed): no publication recorded, the
    champion alias stays on the earlier model, every run ends FAILED, no partial folder."""
    import mlflow

    from earlywarn import io
    from earlywarn.tracking import published_lists

    first, _ = _cycle(tmp_path / "store", tiny_world, None, pseudonymise=False)
    uri = first.run_info["tracking_uri"]
    name = first.run_info["registered_model"]["name"]

    def disk_full(out_dir, files):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io, "write_output_folder", disk_full)
    from earlywarn.cycle import run_cycle

    t = tiny_world.tables
    cfg = parse_config({**_fast_config(tmp_path / "store", "p", False), "cycle": "second"})
    with pytest.raises(OSError):
        run_cycle(cfg, out_dir=tmp_path / "store" / "out2", data=(t, tiny_world.true_risk, {}))
    client = mlflow.MlflowClient(tracking_uri=uri)
    champion = client.get_model_version_by_alias(name, "champion")
    assert str(champion.version) == first.run_info["registered_model"]["version"]
    pubs = published_lists(uri, "p")
    assert list(pubs["cycle"]) == ["p"]
    exp = client.get_experiment_by_name("p")
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    assert not [r for r in runs if r.info.status == "RUNNING"]
    assert not (tmp_path / "store" / "out2").exists()
    leftovers = [p.name for p in (tmp_path / "store").iterdir() if ".partial-" in p.name]
    assert leftovers == []
    assert pd.Timestamp(pubs["published_at"].iloc[0]) is not None

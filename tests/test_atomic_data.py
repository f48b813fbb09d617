"""`data build --out` replaces its folder atomically: old bundle or new, never a mix."""

from __future__ import annotations

import os

import pytest

from earlywarn.io import write_data_files


def _bundle(d):
    d.mkdir()
    for name in ("a.csv", "b.csv", "c.csv"):
        (d / name).write_text(f"old {name}")
    (d / "README.md").write_text("docs")


def test_rebuild_replaces_the_folder_and_keeps_other_files(tmp_path):
    d = tmp_path / "real"
    _bundle(d)
    write_data_files(d, {"a.csv": "new a", "b.csv": "new b", "c.csv": "new c"})
    assert {p.name: p.read_text() for p in d.iterdir()} == {
        "a.csv": "new a",
        "b.csv": "new b",
        "c.csv": "new c",
        "README.md": "docs",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["real"]


def test_a_build_killed_halfway_leaves_the_old_bundle_whole(tmp_path, monkeypatch):
    d = tmp_path / "real"
    _bundle(d)
    calls = {"n": 0}
    real_fsync = os.fsync

    def dies_on_second(fd):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", dies_on_second)
    with pytest.raises(OSError):
        write_data_files(d, {"a.csv": "new a", "b.csv": "new b", "c.csv": "new c"})
    assert {p.name: p.read_text() for p in d.iterdir()} == {
        "a.csv": "old a.csv",
        "b.csv": "old b.csv",
        "c.csv": "old c.csv",
        "README.md": "docs",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["real"]  # no partial folder left


def test_data_build_into_a_file_is_one_line(tmp_path, capsys):
    from earlywarn.cli import main

    (tmp_path / "f").write_text("x")
    (tmp_path / "raw").mkdir()
    with pytest.raises(SystemExit) as exc:
        main(["data", "build", "--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "f")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file" in err


# -- kill -9 at every step of replacing the folder (real processes) ---------------------
_WRITER = """
import sys
from pathlib import Path
import earlywarn.io._swap as swap
from earlywarn.io import write_data_files
if sys.argv[2] == "no-exchange":  # a kernel or file system without RENAME_EXCHANGE
    swap._exchange = lambda a, b: False
write_data_files(Path(sys.argv[1]), {n: "new " + n for n in ("a.csv", "b.csv", "c.csv")})
"""
OLD = {"a.csv": "old a.csv", "b.csv": "old b.csv", "c.csv": "old c.csv", "README.md": "docs"}
NEW = {"a.csv": "new a.csv", "b.csv": "new b.csv", "c.csv": "new c.csv", "README.md": "docs"}


def _write(d, mode: str, fault: str = ""):
    import subprocess
    import sys

    env = {**os.environ, "EARLYWARN_FAULT_AT": fault}
    args = [sys.executable, "-c", _WRITER, str(d), mode]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def _content(d) -> dict:
    return {p.name: p.read_text() for p in d.iterdir()}


@pytest.mark.parametrize(
    ("fault", "mode"),
    [
        ("data-writing", "exchange"),
        ("data-swapped", "exchange"),
        ("data-writing", "no-exchange"),
        ("data-swap", "no-exchange"),
    ],
)
def test_killed_at_every_step_old_or_new_bundle_and_the_next_run_recovers(tmp_path, fault, mode):
    d = tmp_path / "real"
    _bundle(d)
    r = _write(d, mode, fault)
    assert r.returncode == -9, r.stderr  # killed at that step
    if mode == "exchange" or fault != "data-swap":
        assert _content(d) in (OLD, NEW)  # the folder never goes missing
    r = _write(d, mode)  # the next run repairs what the killed one left, then replaces
    assert r.returncode == 0, r.stderr
    assert _content(d) == NEW
    assert [p.name for p in tmp_path.iterdir()] == ["real"]  # nothing left beside it


def test_a_folder_left_aside_by_a_killed_build_is_put_back(tmp_path):
    """The two-rename fallback killed between its renames: no folder at the path; the
    recovery (run before any write) restores the old one."""
    d = tmp_path / "real"
    _bundle(d)
    r = _write(d, "no-exchange", "data-swap")
    assert r.returncode == -9 and not d.exists()
    from earlywarn.io._swap import recover_folder

    recover_folder(d)
    assert _content(d) == OLD and [p.name for p in tmp_path.iterdir()] == ["real"]

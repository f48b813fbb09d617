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

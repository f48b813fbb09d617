"""Checks before any work: output folder, tracking store, registry name (unit level)."""

from __future__ import annotations

import os

import pytest

from earlywarn.cycle import check_existing_store, check_registry_name, check_tracking_store
from earlywarn.errors import UserInputError
from earlywarn.io import check_output_location


def test_output_folder_without_write_permission(tmp_path, monkeypatch):
    # tests may run as root, for whom every folder is writable: simulate the permission
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    with pytest.raises(UserInputError, match="no write permission in"):
        check_output_location(tmp_path / "out")


def test_output_folder_nested_new_parents_are_fine(tmp_path):
    assert check_output_location(tmp_path / "a" / "b" / "out") == (tmp_path / "a/b/out")
    assert not (tmp_path / "a").exists()  # nothing created


@pytest.mark.parametrize(
    "name", ["a/b", "a:b", "x@champion", "tab\there", "..model", "", " ", "m" * 300]
)
def test_illegal_registry_names(name):
    with pytest.raises(UserInputError, match="tracking.registry_name"):
        check_registry_name(name, "cycle.toml")


@pytest.mark.parametrize("name", ["earlywarn", "earlywarn-2025", "Team model v2", "a.b_c"])
def test_legal_registry_names(name):
    check_registry_name(name, "cycle.toml")


def test_sqlite_store_checks(tmp_path):
    check_tracking_store(f"sqlite:///{tmp_path / 'new' / 'mlflow.db'}")  # can be created
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserInputError, match="is a file"):
        check_tracking_store(f"sqlite:///{tmp_path / 'file' / 'mlflow.db'}")
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(UserInputError, match="is a folder"):
        check_tracking_store(f"sqlite:///{tmp_path / 'dir.db'}")
    with pytest.raises(UserInputError, match="no tracking store"):
        check_existing_store(f"sqlite:///{tmp_path / 'none.db'}")
    assert not (tmp_path / "none.db").exists() and not (tmp_path / "new").exists()


def test_http_uri_without_host():
    with pytest.raises(UserInputError, match="no host name"):
        check_tracking_store("http://:5000")

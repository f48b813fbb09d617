"""Shared fixtures: small seeded synthetic panels, MLflow pointed at tmp_path."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(scope="session")
def small_data():
    """A small synthetic world (40 councils, 2008-2020), shared read-only across tests."""
    from earlywarn.synthetic import make_synthetic_councils

    return make_synthetic_councils(n_councils=40, start_year=2008, end_year=2020, seed=7)


@pytest.fixture(scope="session")
def small_config_dict():
    """A cycle config for a small, fast synthetic cycle."""
    return {
        "cycle": "test",
        "as_of": "2020-03-31",
        "horizon": "24M",
        "seed": 7,
        "data": {"source": "synthetic", "n_councils": 60, "start_year": 2008, "end_year": 2020},
        "evaluate": {"k": 8, "n_boot": 50},
        "tracking": {"experiment": "earlywarn-test"},
    }

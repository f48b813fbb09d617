"""Shared fixtures: small seeded synthetic panels, MLflow pointed at tmp_path."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(scope="session", autouse=True)
def _tracking_store_outside_the_checkout(tmp_path_factory):
    """Tests never track into the store `make demo` leaves (./runs/mlflow.db): a test that
    forgets to pass its own store gets a session temporary one. Tests of the default store
    remove this variable themselves."""
    old = os.environ.get("MLFLOW_TRACKING_URI")
    if old is None:
        db = tmp_path_factory.mktemp("mlflow-session") / "mlflow.db"
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{db}"
    yield
    if old is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)


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


@pytest.fixture(scope="session")
def explained_world(small_data):
    """Features of ``small_data`` as of 2020-03-31, fitted gbm and logit models, and the
    rows of the latest origin (for explanation and report tests; no MLflow, no files)."""
    from types import SimpleNamespace

    import pandas as pd

    from earlywarn.backtest import training_rows
    from earlywarn.features import build_features
    from earlywarn.models import make_model
    from earlywarn.panel import annual_origins, build_panel, restrict_to_as_of

    as_of = pd.Timestamp("2020-03-31")
    tables = restrict_to_as_of(small_data.tables, as_of)
    origins = annual_origins(tables, as_of)[2:]
    panel = build_panel(tables, origins)
    fs = build_features(tables, panel)
    train = [o for o in origins if o + pd.DateOffset(months=24) <= as_of]
    Xtr, ytr = training_rows(fs.X, tables.events, train, as_of, 24, ("inadequate",), "negative")
    now = fs.X[fs.X.index.get_level_values("origin") == max(origins)]
    models = {k: make_model(k, seed=0).fit(Xtr, ytr) for k in ("gbm", "logit")}
    return SimpleNamespace(
        tables=tables, panel=panel, features=fs, Xtr=Xtr, ytr=ytr, now=now, models=models
    )

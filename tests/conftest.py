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


# ---- test tiers ---------------------------------------------------------------------------
# `make test-fast` deselects the kinds below; `make test` (CI) runs everything but `perf`.
# A test is marked by what it calls (its own code, the fixtures it uses and the module's
# helper functions they call), so a new test lands in the right tier without a decorator.
import ast  # noqa: E402
import inspect  # noqa: E402

_CALLS = {
    "cycle": ("run_cycle(", "score_registered(", "run_demo(", "explain_council(", "cycle_result"),
    "subprocess": ("subprocess.", "Popen(", "CliRunner(", "dask", "loky", "LocalCluster"),
    "notebook": ("nbclient", "NotebookClient", "nbformat"),
    "real": (
        "RAW",
        "bundled:real",
        "load_real_tables(",
        "real_config",
        "real-20",
        "data/real",
        "real_bundle",
        "real.toml",
    ),
    "fuzz": ("@given", "hypothesis"),
}
_SLOW_KINDS = tuple(_CALLS)


def _source(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _called_helpers(src: str, module) -> list:
    """Module-level functions of ``module`` called by name in ``src``."""
    try:
        tree = ast.parse(src.lstrip() if src.startswith((" ", "\t")) else src)
    except SyntaxError:
        return []
    names = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    found = [getattr(module, n, None) for n in names]
    return [f for f in found if inspect.isfunction(f) and f.__module__ == module.__name__]


def _globals_text(src: str, module) -> str:
    """The values of the module-level paths and strings ``src`` names (``CONFIG = ROOT /
    "experiments" / "real-2023" / ...``), so a constant tells what a test reads."""
    import os

    try:
        tree = ast.parse(src.lstrip() if src.startswith((" ", "\t")) else src)
    except SyntaxError:
        return ""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    values = [getattr(module, n, None) for n in names]
    return " ".join(str(v) for v in values if isinstance(v, str | os.PathLike))


def _code_of(item) -> str:
    fn = getattr(item, "function", None)
    if fn is None:  # doctests
        return ""
    module = inspect.getmodule(fn)
    parts, seen, todo = [], set(), [fn]
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        todo += [d.func for d in defs if getattr(d, "func", None) is not None]
    marks = " ".join(str(m.args) for m in item.iter_markers("parametrize"))
    for _ in range(3):  # the test, its fixtures, and helpers two calls deep
        nxt = []
        for f in todo:
            if f in seen:
                continue
            seen.add(f)
            src = _source(f)
            parts.append(src)
            if module is not None and inspect.getmodule(f) is module:
                nxt += _called_helpers(src, module)
                parts.append(_globals_text(src, module))
        todo = nxt
    return "\n".join(parts) + marks


def pytest_collection_modifyitems(config, items):
    for item in items:
        code = _code_of(item)
        for kind, needles in _CALLS.items():
            if any(n in code for n in needles):
                item.add_marker(getattr(pytest.mark, kind))
    if not config.getoption("--run-perf"):
        skip = pytest.mark.skip(reason="wall-clock check: run with --run-perf (benchmarks/)")
        for item in items:
            if "perf" in item.keywords:
                item.add_marker(skip)


def pytest_addoption(parser):
    parser.addoption("--run-perf", action="store_true", help="also run wall-clock checks")

"""The main job as a newcomer meets it (issue 15): the demo's packaged configs, outputs under
the working directory's runs/, staged progress, strict input and a light import."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from earlywarn.config import load_config
from earlywarn.cycle import demo_config
from earlywarn.errors import UserInputError
from earlywarn.progress import reporting, step
from earlywarn.tracking import model_uri_from

ROOT = Path(__file__).resolve().parents[1]
EXE = [sys.executable, "-m", "earlywarn.cli"]
HEAVY = ("pandas", "numpy", "sklearn", "mlflow", "shap", "statsmodels", "scipy", "matplotlib")

TINY = """cycle = "tiny"
as_of = "2019-03-31"
horizon = "24M"
seed = 5
[data]
source = "synthetic"
n_councils = 30
start_year = 2009
end_year = 2019
[models]
kinds = ["persistence", "logit"]
[evaluate]
k = 6
n_boot = 10
[report]
interval_boot = 0
[tracking]
experiment = "tiny"
"""


def _run(args, cwd, drop_uri=True, **env):
    full = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", **env}
    if drop_uri:
        full.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [*EXE, *args], cwd=cwd, capture_output=True, text=True, env=full, timeout=600
    )


def _comparable(cfg):
    """A config without the fields a packaged copy may differ in (its path, neighbours)."""
    feats = dataclasses.replace(cfg.features, neighbours="")
    return dataclasses.replace(cfg, path="", features=feats)


def test_demo_configs_ship_with_the_package_and_match_the_experiments():
    with demo_config(synthetic=False) as real, demo_config(synthetic=True) as synth:
        assert real.is_relative_to(ROOT / "src" / "earlywarn")  # package data, not experiments/
        real_cfg, synth_cfg = load_config(real), load_config(synth)
    assert real_cfg.data.source == "bundled:real" and synth_cfg.data.source == "synthetic"
    # the real demo IS the validation-only real-2025 cycle; the synthetic demo is
    # experiments/demo
    assert _comparable(real_cfg) == _comparable(
        load_config(ROOT / "experiments/real-2025/cycle-validation.toml")
    )
    assert _comparable(synth_cfg) == _comparable(load_config(ROOT / "experiments/demo/cycle.toml"))
    neighbours = (real.parent / real_cfg.features.neighbours).resolve()
    assert neighbours == (ROOT / "src/earlywarn/data/real/statistical_neighbours.csv").resolve()
    for vintage in ("real-2023", "real-2025"):
        copy = ROOT / "experiments" / vintage / "statistical_neighbours.csv"
        assert neighbours.read_bytes() == copy.read_bytes()


def test_the_real_demo_has_the_preregistered_settings_and_scores_no_confirmatory_origin():
    """`make demo` publishes the pre-registered model and settings (the same settings hash
    as experiments/real-2025/cycle.toml) but never scores the confirmatory origins: it
    names no pre-registration and they are not among its validation origins."""
    from earlywarn.backtest import check_preregistered, settings_hash

    confirmatory = load_config(ROOT / "experiments/real-2025/cycle.toml")
    pre = check_preregistered(confirmatory)  # the dry check: reads, scores nothing
    assert pre is not None and pre.settings_hash == settings_hash(confirmatory)
    with demo_config(synthetic=False) as real:
        demo = load_config(real)
    assert settings_hash(demo) == pre.settings_hash
    assert demo.evaluate.preregistration == "" and demo.evaluate.seen_origins == ()
    assert demo.as_of == "2025-03-31" and demo.labels.events == ("inadequate_any",)
    assert max(demo.evaluate.validation_origins) < min(pre.confirmatory_origins)
    assert demo.models.kinds == (pre.model,)


def test_import_and_cli_app_load_no_heavy_module():
    code = (
        "import sys, earlywarn; a = sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r} or m.startswith('earlywarn.sources')); "
        "import typer.main; from earlywarn.cli import app; typer.main.get_command(app); "
        "b = sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r} or m.startswith('earlywarn.sources')); print(a, b)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] []"


def test_lazy_public_names_still_work():
    import earlywarn

    assert earlywarn.UserInputError is UserInputError
    assert earlywarn.Tables.__name__ == "Tables"
    assert "load_real_tables" in dir(earlywarn)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        earlywarn.nope  # noqa: B018


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("earlywarn-real-2023", "models:/earlywarn-real-2023@champion"),
        ("risk@previous", "models:/risk@previous"),
        ("risk/3", "models:/risk/3"),
        ("models:/risk@champion", "models:/risk@champion"),
        ("models:/risk/12", "models:/risk/12"),
        ("models:/risk", "models:/risk@champion"),
    ],
)
def test_model_argument_forms(text, uri):
    assert model_uri_from(text) == uri


@pytest.mark.parametrize("text", ["", "risk/0", "risk/v3", "risk@", "runs:/abc/model", "a b/3/4"])
def test_model_argument_rejected(text):
    with pytest.raises(UserInputError, match="expected NAME, NAME@alias, NAME/version"):
        model_uri_from(text)


def test_progress_lines_quiet_and_silent_outside_a_command():
    step("nobody listening")  # no reporter: a no-op
    buf = io.StringIO()
    with reporting("Cycle x", mode="lines", stream=buf):
        step("loading data")
        step("backtest")
    lines = buf.getvalue().splitlines()
    assert [ln.split("] ", 1)[1] for ln in lines] == ["Cycle x", "loading data", "backtest", "done"]
    assert all(ln.startswith("[") and " s] " in ln for ln in lines)
    quiet = io.StringIO()
    with reporting("Cycle x", mode="quiet", stream=quiet):
        step("loading data")
    assert quiet.getvalue() == ""
    term = io.StringIO()
    with reporting("Cycle x", mode="terminal", stream=term):
        step("loading data")
    assert "loading data" in term.getvalue()


@pytest.mark.parametrize(
    ("args", "files", "needle"),
    [
        # a date in any order but ISO 8601 is refused, not guessed
        (
            ["cycle", "c.toml"],
            {"c.toml": TINY.replace("2019-03-31", "03/04/2019")},
            "'03/04/2019' is not a date (expected YYYY-MM-DD)",
        ),
        (
            ["cycle", "c.toml"],
            {"c.toml": TINY.replace("2019-03-31", "2019-02-30")},
            "is not a date",
        ),
        (["cycle", "nope.toml"], {}, "{tmp}/nope.toml: config file not found"),
        (
            ["score", "c.toml", "--model", "risk/v2"],
            {"c.toml": TINY},
            "--model 'risk/v2' is not a registered model",
        ),
        (
            ["explain", "c.toml", "--council", "E1", "--model", "a b@"],
            {"c.toml": TINY},
            "is not a registered model",
        ),
        (["data", "build", "--raw", "raw"], {}, "{tmp}/raw: not a folder"),
    ],
)
def test_user_mistakes_one_line_exit_2_nothing_written(tmp_path, args, files, needle):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    r = _run(args, tmp_path, EARLYWARN_DATA_DIR=str(tmp_path / "userdata"))
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert needle.format(tmp=tmp_path.resolve()) in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)


def test_cycle_from_another_folder_writes_under_its_runs_with_stages(tmp_path):
    """No --out, no tracking URI: outputs and the MLflow store go under ./runs of the
    working directory (not the checkout), with one progress line per stage when piped and
    none of MLflow's own INFO lines."""
    (tmp_path / "c.toml").write_text(TINY)
    r = _run(["cycle", "c.toml"], tmp_path)
    assert r.returncode == 0, r.stderr
    runs = tmp_path / "runs"
    (out,) = [p for p in runs.iterdir() if p.name.startswith("tiny-")]  # not the checkout
    assert (out / "risk_list.csv").is_file() and (runs / "mlflow.db").is_file()
    info = json.loads((out / "run.json").read_text())
    assert info["tracking_uri"] == f"sqlite:///{(runs / 'mlflow.db').resolve()}"
    assert info["synthetic"] is True and info["warnings"] == []
    assert "# SYNTHETIC: made-up councils" in (out / "risk_list.csv").read_text()
    assert "(SYNTHETIC: made-up councils)" in r.stdout and "named councils" not in r.stdout
    stages = [ln for ln in r.stdout.splitlines() if ln.startswith("[")]
    assert any("backtest" in ln for ln in stages) and stages[-1].endswith("done"), r.stdout
    assert r.stderr == ""  # stderr: only warnings and errors (MLflow's INFO lines hidden)
    # -q: no progress, no summary; a named family without data: a warning, also in run.json;
    # -v: MLflow's own lines are shown
    families = '[features]\nfamilies = ["indicators", "inspection", "soft"]\n'
    text = TINY.replace("[models]", families + "[models]")
    (tmp_path / "w.toml").write_text(text)
    q = _run(["-q", "-v", "cycle", "w.toml", "--out", "quiet"], tmp_path)
    assert q.returncode == 0, q.stderr
    assert q.stdout == ""
    warn = [ln for ln in q.stderr.splitlines() if "warning:" in ln]
    assert len(warn) == 1 and "'soft'" in warn[0], q.stderr
    assert str((tmp_path / "w.toml").resolve()) in warn[0]
    assert "Created version '2' of model 'tiny'" in q.stderr
    run = json.loads((tmp_path / "quiet" / "run.json").read_text())
    assert any("'soft'" in w for w in run["warnings"])


def test_data_build_default_is_the_user_data_folder(tmp_path):
    from earlywarn.io import runs_dir, user_data_dir

    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert runs_dir() == tmp_path.resolve() / "runs"
    finally:
        os.chdir(old)
    env = os.environ.get("EARLYWARN_DATA_DIR")
    os.environ["EARLYWARN_DATA_DIR"] = str(tmp_path / "u")
    try:
        assert user_data_dir() == (tmp_path / "u").resolve()
    finally:
        if env is None:
            os.environ.pop("EARLYWARN_DATA_DIR")
        else:
            os.environ["EARLYWARN_DATA_DIR"] = env


@pytest.mark.parametrize("how", ["-C", "-f"])
def test_makefile_works_from_another_folder(tmp_path, how):
    """`make -C /path demo` and `make -f /path/Makefile demo` use the checkout's venv (dry run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    target = str(ROOT) if how == "-C" else str(ROOT / "Makefile")
    r = subprocess.run(
        ["make", "-n", how, target, "demo", "test"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"{ROOT}/.venv/bin/earlywarn demo" in r.stdout
    assert f"cd {ROOT} && {ROOT}/.venv/bin/python -m pytest" in r.stdout
    assert not list(tmp_path.iterdir())


def test_real_dir_reads_a_rebuilt_panel(tmp_path):
    """`[data] real_dir` (relative to the config) reads a panel written by `data build --out`."""
    from earlywarn.config import parse_config
    from earlywarn.cycle import load_cycle_data
    from earlywarn.sources.bundle import BUNDLE_FILES

    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    for name in BUNDLE_FILES:
        shutil.copy(ROOT / "src" / "earlywarn" / "data" / "real" / name, rebuilt / name)
    raw = {"cycle": "r", "as_of": "2023-03-31", "data": {"source": "bundled:real"}}
    raw["data"]["real_dir"] = "rebuilt"
    cfg = parse_config(raw, path=str(tmp_path / "c.toml"))
    tables, true_risk, hashes = load_cycle_data(cfg)
    assert true_risk is None and len(tables.events) > 100
    assert tables.sources["events"] == str(rebuilt.resolve() / "events.parquet")
    assert str(rebuilt.resolve()) in hashes["bundled"]
    (rebuilt / "events.parquet").unlink()
    with pytest.raises(UserInputError, match=f"{rebuilt.resolve()}/events.parquet: file not found"):
        load_cycle_data(cfg)

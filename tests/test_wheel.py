"""The built wheel works outside the checkout: installed into a clean virtual environment
(no system site-packages), it finds its packaged demo configs and real panel and runs a
cycle from an unrelated folder, writing only under that folder's runs/.

To keep the suite fast, the clean venv gets the wheel itself (``--no-deps``) and sees the
test environment's already-installed dependencies through a ``.pth`` path line (a plain
path: the checkout's editable ``earlywarn`` is *not* importable through it). The full
check - every dependency installed from pip's cache, then ``earlywarn demo`` on the real
panel - is ``benchmarks/wheel_demo.py`` (a few minutes).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TINY = """cycle = "wheel"
as_of = "2018-03-31"
seed = 3
[data]
n_councils = 25
start_year = 2009
end_year = 2018
[models]
kinds = ["persistence", "logit"]
[evaluate]
k = 5
n_boot = 10
[report]
interval_boot = 0
"""


def build_wheel(dest: Path) -> Path:
    """Build the wheel from a copy of the sources (the checkout gets no build/ folder)."""
    src = dest / "src-copy"
    shutil.copytree(
        ROOT / "src", src / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dest), str(src)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = dest.glob("earlywarn-*.whl")
    return wheel


def clean_venv(where: Path) -> Path:
    """A venv without system site-packages and without pip; returns its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=300
    )
    return where / "bin" / "python"


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(base)
    py = clean_venv(base / "venv")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    deps = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (Path(purelib) / "_test_deps.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    return py, Path(purelib)


def test_wheel_runs_from_a_clean_venv(wheel_venv, tmp_path):
    py, purelib = wheel_venv
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MLFLOW_TRACKING_URI")}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    check = (
        "import earlywarn, json; from earlywarn.cycle import demo_config; "
        "from earlywarn.config import load_config; from pathlib import Path\n"
        "out = {'file': earlywarn.__file__}\n"
        "for s in (False, True):\n"
        "    with demo_config(s) as p:\n"
        "        c = load_config(p); out[c.data.source] = str(p)\n"
        "        nb = c.features.neighbours\n"
        "        if nb: out['nb'] = (p.parent / nb).is_file()\n"
        "out['real_rows'] = len(earlywarn.load_real_tables().events)\n"
        "print(json.dumps(out))"
    )
    r = subprocess.run(
        [str(py), "-c", check], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert Path(got["file"]).is_relative_to(purelib), got  # the wheel's copy, not the checkout
    assert Path(got["bundled:real"]).is_relative_to(purelib) and got["nb"] is True
    assert Path(got["synthetic"]).is_relative_to(purelib) and got["real_rows"] > 100
    exe = py.parent / "earlywarn"
    help_ = subprocess.run([str(exe), "demo", "--help"], env=env, capture_output=True, text=True)
    assert help_.returncode == 0 and "--synthetic" in help_.stdout
    (tmp_path / "c.toml").write_text(TINY)
    before = sorted(
        p.relative_to(purelib) for p in purelib.rglob("*") if "__pycache__" not in p.parts
    )
    r = subprocess.run(
        [str(exe), "cycle", "c.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    (out,) = (tmp_path / "runs").glob("wheel-*")
    assert (out / "risk_list.csv").is_file() and (tmp_path / "runs" / "mlflow.db").is_file()
    after = sorted(
        p.relative_to(purelib) for p in purelib.rglob("*") if "__pycache__" not in p.parts
    )
    assert after == before  # nothing written into the install location

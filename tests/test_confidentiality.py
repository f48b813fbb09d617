"""Confidentiality of exports: ``--pseudonymise`` leaves no council code or name in any
output file, MLflow artefact or tracking-store row, and every exported file carries the
banner, the model identity and the data vintage.

One small synthetic cycle is run twice (plain, and ``earlywarn cycle --pseudonymise``
through the CLI), each with its own SQLite store and artefact folder, then
``earlywarn score --pseudonymise`` with the registered model. Every file is scanned as
bytes (XLSX also unzipped) and every table of the SQLite store row by row.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from earlywarn.cli import app
from earlywarn.config import load_config
from earlywarn.cycle import load_cycle_data, run_cycle
from earlywarn.report import CONFIDENTIAL, check_no_identifiers

ROOT = Path(__file__).resolve().parents[1]


def _config(d: Path) -> Path:
    text = (ROOT / "experiments" / "demo" / "cycle.toml").read_text()
    for old, new in (
        ("n_councils = 150", "n_councils = 30"),
        ("n_boot = 200", "n_boot = 10"),
        ('as_of = "2024-03-31"', 'as_of = "2018-03-31"'),
        ("end_year = 2024", "end_year = 2018"),
        ('kinds = ["persistence", "logit", "hazard", "gbm"]', 'kinds = ["hazard"]'),  # coef table
    ):
        assert old in text, old
        text = text.replace(old, new)
    p = d / "cycle.toml"
    p.write_text(text)
    return p


@contextlib.contextmanager
def _in(folder: Path):
    """MLflow writes artefacts under the working directory: keep them in ``folder``."""
    old_cwd, old_uri = Path.cwd(), os.environ.get("MLFLOW_TRACKING_URI")
    os.chdir(folder)
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{folder / 'mlflow.db'}"
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    try:
        yield
    finally:
        os.chdir(old_cwd)
        if old_uri is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = old_uri


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("confidential")
    cfg_path = _config(base)
    cfg = load_config(cfg_path)
    data = load_cycle_data(cfg)
    plain, pseudo = base / "plain", base / "pseudo"
    plain.mkdir()
    pseudo.mkdir()
    with _in(plain):
        run_cycle(cfg, out_dir=plain / "out", data=data)
    runner = CliRunner()
    with _in(pseudo):
        res = runner.invoke(app, ["-q", "cycle", str(cfg_path), "--out", "out", "--pseudonymise"])
        assert res.exit_code == 0, res.output
        res = runner.invoke(
            app,
            ["-q", "score", str(cfg_path), "--model", "models:/earlywarn-demo@champion"]
            + ["--out", "score", "--pseudonymise"],
        )
        assert res.exit_code == 0, res.output
    return {"plain": plain, "pseudo": pseudo, "councils": data[0].councils}


def _identifiers(councils: pd.DataFrame) -> re.Pattern:
    ids = sorted({*councils["council_code"], *councils["council_name"]}, key=len, reverse=True)
    return re.compile("|".join(re.escape(i) for i in ids).encode())


def _leaks(folder: Path, pattern: re.Pattern) -> dict[str, int]:
    """Identifier hits per file (XLSX members too) and per SQLite table under ``folder``."""
    hits: dict[str, int] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.suffix == ".db":
            continue
        blobs = [(str(p), p.read_bytes())]
        if zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                blobs += [(f"{p}!{n}", z.read(n)) for n in z.namelist()]
        for name, b in blobs:
            if n := len(pattern.findall(b)):
                hits[name] = n
    with sqlite3.connect(folder / "mlflow.db") as con:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        for t in tables:
            for row in con.execute(f'select * from "{t}"'):
                if pattern.search(repr(row).encode()):
                    hits[f"db:{t}"] = hits.get(f"db:{t}", 0) + 1
    return hits


def test_pseudonymised_run_names_no_council_anywhere(runs):
    pattern = _identifiers(runs["councils"])
    leaks = _leaks(runs["pseudo"], pattern)
    assert leaks == {}
    # the scan can fail: the plain run names councils in its exports, artefacts and store
    plain = _leaks(runs["plain"], pattern)
    for name in ("risk_list.csv", "reasons.json", "report.html", "risk_list.xlsx!"):
        assert any(name in k and "/out/" in k for k in plain), (name, plain)
    assert any("artifacts" in k for k in plain)
    # ... and the MLflow artefact folder of the pseudonymised run was scanned, not missing
    assert any(runs["pseudo"].rglob("artifacts/risk_list.csv"))


def test_pseudonyms_by_rank_and_same_list(runs):
    def read(folder: Path) -> pd.DataFrame:
        return pd.read_csv(folder / "risk_list.csv", comment="#")

    plain, pseudo = read(runs["plain"] / "out"), read(runs["pseudo"] / "out")
    expected = [f"Council {i:03d}" for i in range(1, len(pseudo) + 1)]
    assert list(pseudo["council_code"]) == expected
    assert list(pseudo["council_name"]) == expected
    # only the names changed (and dates cut to the year): same ranking, probabilities, reasons
    from earlywarn.report._pseudonymise import coarse_dates

    pd.testing.assert_series_equal(plain["probability"], pseudo["probability"])
    assert [coarse_dates(r) for r in plain["reason_1"]] == list(pseudo["reason_1"])
    reasons = json.loads((runs["pseudo"] / "out" / "reasons.json").read_text())
    assert {r["council_code"] for r in reasons["reasons"]} <= set(expected)
    html = (runs["pseudo"] / "out" / "report.html").read_text()
    assert "Council 001 (Council 001)" in html
    run = json.loads((runs["pseudo"] / "out" / "run.json").read_text())
    assert run["pseudonymised"] is True and run["config"]["report"]["pseudonymise"] is True
    # no mapping file anywhere: no file beyond the usual ones
    assert sorted(p.name for p in (runs["pseudo"] / "out").iterdir()) == sorted(
        p.name for p in (runs["plain"] / "out").iterdir()
    )
    score = read(runs["pseudo"] / "score")
    assert list(score["council_code"]) == [f"Council {i:03d}" for i in range(1, len(score) + 1)]


def _check_stamp(path: Path, as_of: str, identity: str) -> None:
    """The file carries the banner, the data vintage and the model identity."""
    if path.suffix == ".csv":
        head = [ln for ln in path.read_text().splitlines()[:3] if ln.startswith("#")]
        assert head and head[0] == f"# {CONFIDENTIAL}", path
        assert any(as_of in ln and identity in ln for ln in head), (path, head)
    elif path.suffix == ".json":
        obj = json.loads(path.read_text())
        assert obj["confidential"] == CONFIDENTIAL, path
        assert obj["as_of"] == as_of, path
        assert identity in obj["model_identity"], path
    elif path.suffix == ".html":
        import html as _html

        text = path.read_text()
        banner = _html.escape(CONFIDENTIAL)
        assert f'<div class="banner" role="note">{banner}</div>' in text
        assert f'<meta name="confidentiality" content="{banner}">' in text
        assert f'<meta name="earlywarn-data-as-of" content="{as_of}">' in text
        assert re.search(rf'<meta name="earlywarn-model" content="[^"]*{identity}', text)
    elif path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(path.read_bytes()))
        first = wb.worksheets[0]  # the list opens the workbook, its banner rows on top
        banner = [str(v) for row in first.iter_rows(max_row=3, values_only=True) for v in row]
        assert CONFIDENTIAL in banner, path
        assert any(as_of in v for v in banner) and any(identity in v for v in banner), path
        conf = wb["Confidential"]
        values = [str(v) for row in conf.iter_rows(values_only=True) for v in row]
        assert CONFIDENTIAL in values and as_of in values, path
        assert any(identity in v for v in values), path
    elif path.suffix == ".parquet":
        import pyarrow.parquet as pq

        meta = {k.decode(): v.decode() for k, v in pq.read_schema(path).metadata.items()}
        assert meta["earlywarn.confidential"] == CONFIDENTIAL, path
        assert meta["earlywarn.as_of"] == as_of, path
        assert identity in meta["earlywarn.model_identity"], path
    elif path.suffix == ".md":
        first = path.read_text().splitlines()[0]
        assert CONFIDENTIAL in first and as_of in first and identity in first, path
    else:
        pytest.fail(f"{path.name}: an export type with no confidentiality check")


@pytest.mark.parametrize("run,folder", [("plain", "out"), ("pseudo", "out"), ("pseudo", "score")])
def test_every_export_carries_banner_model_and_vintage(runs, run, folder):
    out = runs[run] / folder
    info = json.loads((out / "run.json").read_text())
    identity = info.get("model_fingerprint") or info["model_run_id"]
    files = sorted(out.iterdir())
    assert len(files) >= 2
    if folder == "out":
        assert {p.name for p in files} >= {
            "risk_list.csv",
            "risk_list.xlsx",
            "reasons.json",
            "report.html",
            "evaluation.json",
            "run.json",
            "coefficients.csv",
        }
    for p in files:
        _check_stamp(p, info["as_of"], identity)


def test_check_no_identifiers_fails_closed():
    from openpyxl import Workbook

    councils = pd.DataFrame(
        {"council_code": ["E06900001"], "council_name": ["Synthetic Borough 001"]}
    )
    check_no_identifiers({"a.csv": "Council 001,0.5\n", "b.json": b"{}"}, councils)
    wb = Workbook()
    wb.active.append(["Synthetic Borough 001"])
    buf = io.BytesIO()
    wb.save(buf)
    for files in ({"a.csv": "x,E06900001\n"}, {"l.xlsx": buf.getvalue()}):
        with pytest.raises(RuntimeError, match="nothing was published") as err:
            check_no_identifiers(files, councils)
        assert "E06900001" not in str(err.value) and "Synthetic" not in str(err.value)


def test_pseudonymised_text_dates_events_by_year_only(runs):
    """The day or month of a public event (an inspection, a financial notice) would tell
    which council a pseudonym stands for: pseudonymised exports date text by year only."""
    import re

    from earlywarn.report._pseudonymise import _MONTH_YEAR, coarse_dates

    assert coarse_dates("judged inadequate in September 2022 (2022-09-14)") == (
        "judged inadequate in 2022 (2022)"
    )
    for name in ("risk_list.csv", "reasons.json"):
        text = (runs["pseudo"] / "out" / name).read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        body = re.sub(r'"(as_of|score_origin|origin|created|generated)[^"]*": "[^"]*"', "", body)
        assert not _MONTH_YEAR.search(body), (name, _MONTH_YEAR.search(body))

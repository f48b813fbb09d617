"""Tracking and registry end to end: a real MLflow server on loopback and the default
SQLite store; champion/previous aliases; scoring with the registered model; compare."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from earlywarn.config import parse_config
from earlywarn.cycle import compare_cycles, run_cycle, score_registered
from earlywarn.tracking import load_model, published_lists, resolve_tracking_uri

FAST = {
    "horizon": "24M",
    "seed": 7,
    "data": {"source": "synthetic", "n_councils": 30, "start_year": 2011, "end_year": 2020},
    "models": {"kinds": ["persistence", "logit"], "select_by": "auroc"},
    "evaluate": {"k": 8, "n_boot": 20},
    "tracking": {"experiment": "ew-track", "registry_name": "ew-risk"},
}


def _cfg(cycle: str, as_of: str, path: Path | None = None):
    raw = {"cycle": cycle, "as_of": as_of, **FAST}
    if path is not None:  # a TOML file for the CLI
        lines = [f'cycle = "{cycle}"', f'as_of = "{as_of}"', 'horizon = "24M"', "seed = 7"]
        for table, body in FAST.items():
            if isinstance(body, dict):
                lines.append(f"[{table}]")
                lines += [f"{k} = {json.dumps(v)}" for k, v in body.items()]
        path.write_text("\n".join(lines) + "\n")
    return parse_config(raw, path=str(path or ""))


def _probabilities(out_dir: Path) -> pd.Series:
    rl = pd.read_csv(out_dir / "risk_list.csv", comment="#")
    return rl.set_index("council_code")["probability"].sort_index()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """`mlflow server` on loopback with a SQLite backend; stopped after the module."""
    base = tmp_path_factory.mktemp("server")
    port = _free_port()
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{base / 'mlflow.db'}",
            "--artifacts-destination",
            (base / "artifacts").as_uri(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(base / "server.log", "w"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a loaded 2-core machine can take minutes
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlflow server did not start: {(base / 'server.log').read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_cycle_against_a_tracking_server(mlflow_server, tmp_path):
    cfg = _cfg("srv-2020", "2020-03-31")
    result = run_cycle(cfg, out_dir=tmp_path / "cycle", tracking_uri=mlflow_server)
    reg = result.run_info["registered_model"]
    assert reg["name"] == "ew-risk" and reg["version"] == "1"
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=mlflow_server)
    assert str(client.get_model_version_by_alias("ew-risk", "champion").version) == "1"
    run = client.get_run(result.run_info["model_run_id"])
    assert run.data.tags["earlywarn.serialization"] == "skops"
    # the champion, loaded back by alias, scores exactly as the cycle did
    scored = score_registered(
        cfg, "models:/ew-risk@champion", out_dir=tmp_path / "score", tracking_uri=mlflow_server
    )
    pd.testing.assert_series_equal(_probabilities(scored.out_dir), _probabilities(result.out_dir))
    # score publishes the same list as the cycle: bands and support included
    cols = lambda d: list(pd.read_csv(d / "risk_list.csv", comment="#").columns)  # noqa: E731
    assert cols(scored.out_dir) == cols(result.out_dir)  # intervals included
    table = published_lists(mlflow_server, "ew-track")
    assert list(table["kind"]) == ["cycle", "score"]
    assert set(table["model_version"]) == {"1"}


@pytest.fixture(scope="module")
def two_cycles(tmp_path_factory):
    """Two consecutive cycles on the default SQLite store (in tmp), then a CLI compare."""
    base = tmp_path_factory.mktemp("default")
    old = os.environ.pop("MLFLOW_TRACKING_URI", None)
    try:
        uri = resolve_tracking_uri("", base / "experiments")
        assert uri == f"sqlite:///{(base / 'experiments' / 'mlflow.db').resolve()}"
        first = run_cycle(_cfg("2019", "2019-03-31"), out_dir=base / "c2019", tracking_uri=uri)
        second = run_cycle(_cfg("2020", "2020-03-31"), out_dir=base / "c2020", tracking_uri=uri)
    finally:
        if old is not None:
            os.environ["MLFLOW_TRACKING_URI"] = old
    return base, uri, first, second


def test_consecutive_cycles_set_champion_and_previous(two_cycles):
    import mlflow

    _, uri, first, second = two_cycles
    client = mlflow.MlflowClient(tracking_uri=uri)
    assert str(client.get_model_version_by_alias("ew-risk", "champion").version) == "2"
    assert str(client.get_model_version_by_alias("ew-risk", "previous").version) == "1"
    assert second.run_info["registered_model"]["previous_version"] == "1"
    # champion by alias = the second cycle's model: identical scores on its origin
    model = load_model(uri, "models:/ew-risk@champion")
    logged = load_model(uri, second.run_info["model_uri"])
    X = model.feature_names_in_
    assert list(X) == list(logged.feature_names_in_)
    rl = _probabilities(second.out_dir)
    table = published_lists(uri, "ew-track")
    assert list(table["cycle"]) == ["2019", "2020"]
    assert list(table["model_version"]) == ["1", "2"]
    assert table["list_sha256"].str.len().eq(64).all()
    if second.run_info["probability_gate"]["shown"]:
        assert rl.between(0, 1).all()
    else:  # not calibrated out of time: withheld (issue 23)
        assert rl.isna().all()


def test_compare_reports_entries_exits_and_metric_changes(two_cycles):
    base, uri, first, second = two_cycles
    cfg = _cfg("2020", "2020-03-31")
    c = compare_cycles(cfg, tracking_uri=uri)
    assert c["current"]["cycle"] == "2020" and c["previous"]["cycle"] == "2019"
    top = {
        key: set(pd.read_csv(r.out_dir / "risk_list.csv", comment="#").head(8)["council_code"])
        for key, r in (("prev", first), ("cur", second))
    }
    assert {r["council_code"] for r in c["entered"]} == top["cur"] - top["prev"]
    assert {r["council_code"] for r in c["left"]} == top["prev"] - top["cur"]
    assert c["entered"] or c["left"]  # a year later the top 8 is not the same
    auroc = {m["model"]: m for m in c["metrics"] if m["metric"] == "auroc"}
    assert set(auroc) == {"persistence", "logit"}
    for m in auroc.values():
        assert np.isclose(m["change"], m["current"] - m["previous"])
    # the backtests differ (a year more of test origins): real changes, not +0.000
    assert not c["same_test_origins"]
    assert any(abs(m["change"]) >= 0.0005 for m in auroc.values())
    assert auroc["logit"]["previous"] == pytest.approx(
        first.evaluation["models"]["logit"]["pooled"]["auroc"]["value"]
    )
    assert auroc["logit"]["current"] == pytest.approx(
        second.evaluation["models"]["logit"]["pooled"]["auroc"]["value"]
    )


def test_compare_gives_ranks_tiers_movement_and_changed_reasons(two_cycles):
    """Every council in either top k: both ranks and tiers as published, its movement,
    and the reasons added / dropped, matched by signal in the two reasons.json."""
    base, uri, first, second = two_cycles
    c = compare_cycles(_cfg("2020", "2020-03-31"), tracking_uri=uri)
    lists = {
        key: pd.read_csv(r.out_dir / "risk_list.csv", comment="#").set_index("council_code")
        for key, r in (("previous", first), ("current", second))
    }
    tops = {key: set(rl.sort_values("rank").head(8).index) for key, rl in lists.items()}
    rows = {r["council_code"]: r for r in c["councils"]}
    assert set(rows) == tops["previous"] | tops["current"]
    for code, r in rows.items():
        for key in ("previous", "current"):
            rl = lists[key]
            assert r[f"rank_{key}"] == int(rl.at[code, "rank"])
            assert r[f"tier_{key}"] == int(rl.at[code, "tier"])
        if code in tops["previous"] and code in tops["current"]:
            step = r["rank_previous"] - r["rank_current"]
            want = "same rank" if step == 0 else f"{'up' if step > 0 else 'down'} {abs(step)}"
            assert r["movement"] == want
        elif code in tops["current"]:
            assert r["movement"] == f"entered the top 8 (rank {r['rank_previous']} before)"
        else:
            assert r["movement"] == f"left the top 8 (rank {r['rank_current']} now)"
    reasons = {}
    for key, res in (("previous", first), ("current", second)):
        d = pd.DataFrame(json.loads((res.out_dir / "reasons.json").read_text())["reasons"])
        d = d[(d["direction"] == "raises") & (d["rank"] <= 3)]
        reasons[key] = d.groupby("council_code")["signal"].agg(set)
    changed = 0
    for code, r in rows.items():
        now = reasons["current"].get(code, set())
        before = reasons["previous"].get(code, set())
        added = [s for s in r["reasons_added"].split(" | ") if s]
        dropped = [s for s in r["reasons_dropped"].split(" | ") if s]
        assert len(added) == len(now - before) and len(dropped) == len(before - now)
        changed += bool(added or dropped)
    assert changed  # a year later some reasons changed

    from earlywarn.cli import app

    toml = base / "cycle.toml"
    _cfg("2020", "2020-03-31", path=toml)
    env = {"MLFLOW_TRACKING_URI": uri}
    out = base / "comparison"
    res = CliRunner().invoke(app, ["compare", str(toml), "--out", str(out)], env=env)
    assert res.exit_code == 0, res.output
    assert "entered the top 8" in res.output and "auroc" in res.output
    assert "+0.000" not in res.output  # the two cycles' metrics differ (issue 23 item 9)
    assert sorted(p.name for p in out.iterdir()) == ["comparison.csv", "comparison.html"]
    text = (out / "comparison.csv").read_text()
    assert text.startswith("# CONFIDENTIAL")
    rows = pd.read_csv(out / "comparison.csv", comment="#")
    from earlywarn.cycle import COMPARISON_COLUMNS

    assert list(rows.columns) == COMPARISON_COLUMNS
    html = (out / "comparison.html").read_text()
    assert "CONFIDENTIAL" in html and "Councils in either top 8" in html
    for name in rows["council_name"]:
        assert name in html
    # a folder that is not empty is never overwritten
    again = CliRunner().invoke(app, ["compare", str(toml), "--out", str(out)], env=env)
    assert again.exit_code == 2 and "not empty" in again.output
    res = CliRunner().invoke(app, ["score", str(toml), "--model", "models:/nope@champion"], env=env)
    assert res.exit_code == 2 and "not found" in res.output


def test_compare_html_prints_the_banner_on_every_page():
    """comparison.html carries the report's print stylesheet: the confidentiality banner
    in every printed page's header (CSS @page margin box), the cycle in the footer."""
    from earlywarn.cycle import comparison_files
    from earlywarn.report import CONFIDENTIAL
    from earlywarn.report._print import css_string

    head = {"cycle": "2020", "chosen_model": "logit", "registered_model": "ew-risk",
            "model_version": "2", "test_origins": [], "score_origin": "2020-03-31"}  # fmt: skip
    c = {"current": head, "previous": {**head, "cycle": "2019", "model_version": "1"},
         "k": 8, "councils": [], "metrics": [], "entered": [], "left": []}  # fmt: skip
    page = comparison_files(c)["comparison.html"]
    rule = page[page.index("@page") : page.index("@media print")]
    assert f"@top-center {{ content: {css_string(CONFIDENTIAL)};" in rule
    assert "earlywarn cycle 2020; data as of 2020-03-31" in rule and "size: A4" in rule


def test_compare_refuses_pseudonymised_lists(tmp_path):
    """Pseudonyms are given by rank each cycle ("Council 001" is another council a year
    later): compare refuses in one line, exit 2, when either list is pseudonymised."""
    from earlywarn.cli import app

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    fast = {**FAST, "models": {"kinds": ["persistence"]}}
    fast["tracking"] = {"experiment": "ew-pseudo", "registry_name": "ew-pseudo"}
    for year, pseudo in (("2019", False), ("2020", True)):
        raw = {"cycle": year, "as_of": f"{year}-03-31", **fast}
        raw["report"] = {"pseudonymise": pseudo, "interval_boot": 0}
        run_cycle(parse_config(raw), out_dir=tmp_path / f"c{year}", tracking_uri=uri)
    toml = tmp_path / "cycle.toml"
    toml.write_text(
        'cycle = "2020"\nas_of = "2020-03-31"\nhorizon = "24M"\nseed = 7\n'
        '[data]\nsource = "synthetic"\nn_councils = 30\nstart_year = 2011\n'
        'end_year = 2020\n[tracking]\nexperiment = "ew-pseudo"\n'
    )
    out = tmp_path / "comparison"
    res = CliRunner().invoke(
        app, ["compare", str(toml), "--out", str(out)], env={"MLFLOW_TRACKING_URI": uri}
    )
    assert res.exit_code == 2, res.output
    assert "pseudonymised list" in res.output and "Traceback" not in res.output
    errors = [ln for ln in res.output.splitlines() if "error:" in ln]
    assert len(errors) == 1 and "ew-pseudo" in errors[0], res.output
    assert not out.exists()


def test_server_cycle_is_reviewable_and_holds_no_named_list(mlflow_server, tmp_path):
    """On a remote server: parent headline metrics, baseline runs, the version's
    description, input datasets; and (log_outputs defaults to false there) no named list,
    reasons or report in the store, while the last publication is still readable."""
    import dataclasses

    import mlflow

    from earlywarn.tracking import last_publications

    cfg = _cfg("rev-2019", "2019-03-31")
    track = dataclasses.replace(cfg.tracking, experiment="ew-review", registry_name="ew-review")
    cfg = dataclasses.replace(cfg, tracking=track)
    result = run_cycle(cfg, out_dir=tmp_path / "out", tracking_uri=mlflow_server)
    info, ev = result.run_info, result.evaluation
    client = mlflow.MlflowClient(tracking_uri=mlflow_server)
    parent = client.get_run(info["parent_run_id"])
    chosen = ev["chosen_model"]["kind"]
    assert parent.data.metrics["published_auroc"] == pytest.approx(
        ev["models"][chosen]["pooled"]["auroc"]["value"]
    )
    best = parent.data.tags["earlywarn.best_baseline"]
    assert best in ev["baselines"]
    assert parent.data.metrics["best_baseline_auroc"] == pytest.approx(
        max(b["pooled"]["auroc"]["value"] for b in ev["baselines"].values())
    )
    runs = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
    )
    names = {r.info.run_name for r in runs}
    only_baselines = set(ev["baselines"]) - set(cfg.models.kinds)
    assert only_baselines and {f"baseline-{b}" for b in only_baselines} <= names
    assert {f"backtest-{k}" for k in cfg.models.kinds} <= names
    mv = client.get_model_version("ew-review", info["registered_model"]["version"])
    assert mv.description.startswith("# Model card: ") and "cycle rev-2019" in mv.description
    inputs = {d.dataset.name: d for d in parent.inputs.dataset_inputs}
    assert set(inputs) >= {"councils", "observations", "events"}
    digest = info["inputs"]["observations_sha256"]
    assert inputs["observations"].dataset.digest == digest[:32]
    tags = {t.key: t.value for t in inputs["observations"].tags}
    assert tags["sha256"] == digest and tags["vintage"] == "published by 2019-03-31"
    # no named-council artefact in the store; the output folder keeps them
    assert info["tracking_log_outputs"] is False
    for run_id in (info["model_run_id"], info["parent_run_id"]):
        logged = {a.path for a in client.list_artifacts(run_id)}
        assert not logged & {"risk_list.csv", "reasons.json", "report.html"}, logged
        assert not any(p.endswith(".parquet") for p in logged), logged
    (pub,) = last_publications(mlflow_server, "ew-review", n=1)
    assert pub["risk_list"] == (result.out_dir / "risk_list.csv").read_text()


def test_two_cycles_at_once_on_one_server(mlflow_server, tmp_path):
    """Two CLI cycles started together against one `mlflow server`: both publish, and every
    run they made (parent and nested) ends FINISHED; none is left RUNNING."""
    import mlflow

    procs = {}
    env = {**os.environ, "MLFLOW_TRACKING_URI": mlflow_server, "MLFLOW_DISABLE_TELEMETRY": "1"}
    for name in ("con-a", "con-b"):
        cfg = tmp_path / f"{name}.toml"
        _cfg(name, "2019-03-31", cfg)
        text = cfg.read_text().replace('"ew-track"', '"ew-two"').replace('"ew-risk"', '"ew-two"')
        text = text.replace('["persistence", "logit"]', '["logit"]')  # small: < 1 min
        cfg.write_text(text)
        cmd = [sys.executable, "-m", "earlywarn.cli", "cycle", str(cfg)]
        procs[name] = subprocess.Popen(
            [*cmd, "--out", str(tmp_path / name)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
    ids = set()
    for name, p in procs.items():
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        ids |= set(json.loads((tmp_path / name / "run.json").read_text())["run_ids"].values())
    client = mlflow.MlflowClient(tracking_uri=mlflow_server)
    exp = client.get_experiment_by_name("ew-two").experiment_id
    runs = client.search_runs([exp], max_results=1000)
    assert ids <= {r.info.run_id for r in runs}
    assert {r.info.status for r in runs} == {"FINISHED"}, [
        (r.info.run_name, r.info.status) for r in runs if r.info.status != "FINISHED"
    ]
    assert len([r for r in runs if "mlflow.parentRunId" not in r.data.tags]) == 2
    versions = client.search_model_versions("name = 'ew-two'")
    assert sorted(int(v.version) for v in versions) == [1, 2]


def test_headline_metrics_pick_the_best_baseline():
    from earlywarn.tracking import default_log_outputs, headline_metrics

    def entry(auroc, within, brier):
        v = {"auroc": auroc, "auroc_within_origin": within, "brier": brier}
        return {"pooled": {k: {"value": x} for k, x in v.items()}}

    ev = {
        "models": {"gbm": entry(0.7, 0.6, 0.2)},
        # pooled AUROC favours "a", within-origin AUROC (what "auroc" selects by) favours "b"
        "baselines": {"a": entry(0.66, 0.55, 0.1), "b": entry(0.65, 0.58, 0.3)},
    }
    metrics, best = headline_metrics(ev, "gbm", "auroc")
    assert best == "b" and metrics == {
        "published_auroc": 0.7,
        "published_brier": 0.2,
        "best_baseline_auroc": 0.65,
        "best_baseline_brier": 0.3,
    }
    assert headline_metrics(ev, "gbm", "brier")[1] == "a"  # lower is better
    assert default_log_outputs("sqlite:///x/mlflow.db") and default_log_outputs("/x/mlruns")
    assert not default_log_outputs("http://127.0.0.1:5000")
    assert not default_log_outputs("HTTPS://mlflow.example.org")


def test_the_published_kind_is_chosen_by_within_origin_auroc():
    """select_by = "auroc" reads the within-origin AUROC, not the pooled one (which mixes
    origins with different base rates)."""
    from earlywarn.cycle import select_kind as _select

    def entry(pooled, within):
        return {"pooled": {"auroc": {"value": pooled}, "auroc_within_origin": {"value": within}}}

    ev = {"models": {"logit": entry(0.60, 0.566), "gbm": entry(0.62, 0.537)}}
    assert _select(ev, "auroc", ("logit", "gbm")) == "logit"
    ev["models"]["gbm"] = entry(0.55, 0.566)  # a tie keeps the earlier-listed kind
    assert _select(ev, "auroc", ("logit", "gbm")) == "logit"

"""Mistakes made against a store that holds a published list: one line, exit 2, never a
silent answer for the wrong thing.

One tiny cycle (24 made-up councils, the persistence model only, two councils sharing a
name) is published once for the module; each case then runs ``explain`` or ``compare``
through the real CLI entry point, in-process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from earlywarn.config import parse_config
from earlywarn.schema import Tables

SHARED = "Twin Borough Council"


def _config(tmp: Path) -> dict:
    return {
        "cycle": "pub",
        "as_of": "2020-03-31",
        "seed": 7,
        "data": {"n_councils": 24, "start_year": 2010, "end_year": 2020},
        "models": {"kinds": ["persistence"]},
        "evaluate": {"k": 5, "n_boot": 0, "subgroups": [], "baselines": []},
        "report": {"interval_boot": 0, "n_reasons": 1},
        "tracking": {"uri": f"sqlite:///{tmp / 'mlflow.db'}", "experiment": "pub"},
    }


def _toml(d: dict, prefix: str = "") -> str:
    def value(v):
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v) if isinstance(v, str) else repr(v)

    lines = [f"{k} = {value(v)}" for k, v in d.items() if not isinstance(v, dict)]
    for k, v in d.items():
        if isinstance(v, dict):
            lines += [f"[{prefix}{k}]", _toml(v, f"{prefix}{k}.")]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """(config path, output folder, the two codes that share a name)."""
    from earlywarn.cycle import run_cycle
    from earlywarn.synthetic import make_synthetic_councils

    tmp = tmp_path_factory.mktemp("published")
    world = make_synthetic_councils(n_councils=24, start_year=2010, end_year=2020, seed=7)
    t = world.tables
    councils = t.councils.copy()
    live = councils.index[councils["valid_to"].isna()][:2]
    councils.loc[live, "council_name"] = SHARED
    data = (Tables(councils, t.observations, t.events, dict(t.sources)), world.true_risk, {})
    cfg = _config(tmp)
    res = run_cycle(parse_config(cfg), out_dir=tmp / "out", data=data)
    path = tmp / "cycle.toml"
    path.write_text(_toml(cfg))
    return path, res.out_dir, list(councils.loc[live, "council_code"])


def _main(args: list[str], capsys) -> tuple[int, str, str]:
    from earlywarn.cli import main

    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _one_line(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err, err
    for f in fragments:
        assert f in err, f"{f!r} not in {err}"


@pytest.fixture
def damaged(published):
    """Damage the published reasons.json for one test; put it back afterwards."""
    path = published[1] / "reasons.json"
    original = path.read_bytes()
    yield path
    path.write_bytes(original)


def test_explain_answers_from_the_published_list(published, capsys):
    cfg, _, codes = published
    code, out, err = _main(["explain", str(cfg), "--council", codes[0]], capsys)
    assert code == 0, err
    assert f"{SHARED} ({codes[0]})" in out


@pytest.mark.parametrize(
    ("damage", "fragment"),
    [
        (lambda b: b[: len(b) // 2], "not valid JSON"),
        (lambda b: b"[1, 2]", "not a JSON object"),
        (lambda b: json.dumps({"reasons": [{"council_code": "E1"}]}).encode(), "reasons[0] has no"),
        (lambda b: json.dumps({"reasons": [], "by_nature": {"E1": "x"}}).encode(), "by_nature"),
    ],
    ids=["truncated", "not an object", "reason without keys", "by_nature not numbers"],
)
def test_damaged_reasons_json_is_named(published, damaged, capsys, damage, fragment):
    cfg, _, codes = published
    damaged.write_bytes(damage(damaged.read_bytes()))
    code, _, err = _main(["explain", str(cfg), "--council", codes[0]], capsys)
    _one_line(code, err, str(damaged), fragment, "republish")


def test_explain_a_list_without_any_reason(published, damaged, capsys):
    """The real 2025 list has no reason at all (reasons.json ``"reasons": []``): explain
    says none passes the test, no internal error."""
    cfg, _, codes = published
    rj = json.loads(damaged.read_bytes())
    damaged.write_text(json.dumps({**rj, "reasons": []}))
    code, out, err = _main(["explain", str(cfg), "--council", codes[0]], capsys)
    assert code == 0, err
    assert "none: no signal of decline passes the reviewer's test" in out


def test_a_name_two_councils_share_is_refused(published, capsys):
    cfg, _, codes = published
    code, _, err = _main(["explain", str(cfg), "--council", SHARED.upper()], capsys)
    _one_line(code, err, "--council", *codes, "give the code")


@pytest.mark.parametrize("value", ["", "  "])
def test_explain_empty_model_is_refused_not_the_champion(published, capsys, value):
    """An unset shell variable (``--model "$MODEL"``) must not answer for the champion."""
    cfg, _, codes = published
    code, out, err = _main(["explain", str(cfg), "--council", codes[0], "--model", value], capsys)
    _one_line(code, err, "--model '", "is not a registered model")
    assert out == ""


@pytest.mark.parametrize("k", ["0", "-3"])
def test_compare_k_below_one_is_refused(published, capsys, k):
    cfg, _, _ = published
    code, out, err = _main(["compare", str(cfg), "--k", k], capsys)
    _one_line(code, err, f"--k {k}", "at least 1")


def test_garbage_tracking_uri_in_the_environment_is_named(tmp_path, monkeypatch, capsys):
    """``$MLFLOW_TRACKING_URI`` set to something MLflow cannot open, no tracking.uri: one
    line naming the variable, before any work and without writing anything."""
    cfg = _config(tmp_path)
    del cfg["tracking"]["uri"]
    path = tmp_path / "cycle.toml"
    path.write_text(_toml(cfg))
    for garbage in ("not a uri!", "mlfow://db", "sqlite:/x.db"):
        monkeypatch.setenv("MLFLOW_TRACKING_URI", garbage)
        code, _, err = _main(["cycle", str(path), "--out", str(tmp_path / "out")], capsys)
        _one_line(code, err, "$MLFLOW_TRACKING_URI", repr(garbage))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cycle.toml"]

"""`earlywarn evaluate`: one clear line and exit 2 on a bad events file or list folder."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from earlywarn.cli import app


def _folder(tmp_path):
    d = tmp_path / "list"
    d.mkdir()
    (d / "risk_list.csv").write_text(
        "# CONFIDENTIAL\n# cycle x\nrank,council_code,probability,reason_1\n"
        "1,E06000001,0.4,Reserves fell.\n2,E06000002,0.1,None.\n"
    )
    info = {
        "cycle": "x",
        "score_origin": "2018-03-31",
        "horizon": "24M",
        "config": {"labels": {"events": ["inadequate"]}, "evaluate": {"k": 1}},
    }
    (d / "run.json").write_text(json.dumps(info))
    return d


def test_evaluate_writes_outcomes_and_rejects_bad_files(tmp_path):
    d = _folder(tmp_path)
    ev = tmp_path / "events.csv"
    ev.write_text(
        "council_code,date,event_type,service,severity,source\n"
        "E06000001,2019-01-01,inspection,x,4,x\nE06000002,2020-06-01,inspection,x,2,x\n"
    )
    r = CliRunner().invoke(app, ["evaluate", "--lists", str(d), "--events", str(ev), "--out",
                                 str(tmp_path / "out")])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "1 hits, 0 misses" in r.output
    text = (tmp_path / "out" / "outcomes.csv").read_text()
    assert text.startswith("# CONFIDENTIAL") and "Reserves fell." in text
    bad = tmp_path / "bad.csv"
    bad.write_text("council_code,date\nE06000001,2019-01-01\n")
    r = CliRunner().invoke(app, ["evaluate", "--lists", str(d), "--events", str(bad)])
    assert r.exit_code == 2
    assert "bad.csv" in r.output and "missing column" in r.output
    assert len(r.output.strip().splitlines()) == 1
    r = CliRunner().invoke(app, ["evaluate", "--lists", str(tmp_path), "--events", str(ev)])
    assert r.exit_code == 2 and "risk_list.csv" in r.output

"""`earlywarn explain CONFIG --council CODE` end to end: a small synthetic cycle publishes
a champion (MLflow in tmp_path), then one council's reasons are printed from it; and the
cycle's probability intervals in the published list."""

from __future__ import annotations

import html
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from earlywarn.cli import app
from earlywarn.config import load_config
from earlywarn.cycle import explain_council, run_cycle
from earlywarn.report import CONFIDENTIAL

CONFIG = {
    "horizon": "24M",
    "seed": 7,
    "data": {"source": "synthetic", "n_councils": 40, "start_year": 2010, "end_year": 2020},
    "models": {"kinds": ["persistence", "logit"], "select_by": "auroc"},
    "evaluate": {"k": 8, "n_boot": 20},
    "report": {"interval_boot": 8},
}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    base = tmp_path_factory.mktemp("explain")
    lines = ['cycle = "ex"', 'as_of = "2020-03-31"']
    tables = {**CONFIG, "tracking": {"uri": f"sqlite:///{base / 'mlflow.db'}", "experiment": "ex"}}
    for table, body in tables.items():
        if isinstance(body, dict):
            lines.append(f"[{table}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in body.items()]
        else:
            lines.insert(2, f"{table} = {json.dumps(body)}")
    toml = base / "cycle.toml"
    toml.write_text("\n".join(lines) + "\n")
    cfg = load_config(toml)
    result = run_cycle(cfg, out_dir=base / "out")
    return toml, cfg, result


def test_published_list_carries_the_probability_interval(published):
    _, _, result = published
    rl = pd.read_csv(result.out_dir / "risk_list.csv", comment="#")
    assert {"probability_lo", "probability_hi"} <= set(rl.columns)
    assert (rl["probability_lo"] <= rl["probability_hi"]).all()
    # the published point always lies in its interval (widened where the refits miss it)
    assert (rl["probability_lo"] <= rl["probability"]).all()
    assert (rl["probability"] <= rl["probability_hi"]).all()
    page = (result.out_dir / "report.html").read_text()
    assert "90% council-bootstrap intervals" in page
    meaning = result.run_info["probability_meaning"]
    assert meaning == "P(inspected and inadequate within 24 months)"  # the default target
    assert html.escape(meaning) in page
    # beside it: P(inspected) and the conditional risk (joint = conditional x P(inspected))
    assert {"p_inspected", "conditional_probability"} <= set(rl.columns)
    assert (rl["probability"] <= rl["conditional_probability"] + 1e-6).all()
    from openpyxl import load_workbook

    sheet = load_workbook(result.out_dir / "risk_list.xlsx")["Risk list"]
    header = [c.value for c in sheet[4]]
    assert {"90% interval: from", "90% interval: to"} <= set(header)
    col = header.index("90% interval: from")
    lo = [row[col] for row in sheet.iter_rows(5, values_only=True)]
    assert lo == pytest.approx(rl["probability_lo"].tolist())


def test_explain_prints_the_councils_reasons_from_the_champion(published):
    toml, _, result = published
    rl = result.risk_list.set_index("council_code")
    code = rl.index[0]  # the top-ranked council
    res = CliRunner().invoke(app, ["explain", str(toml), "--council", code.lower()])
    assert res.exit_code == 0, res.output
    out = res.output
    assert out.startswith(CONFIDENTIAL)
    assert f"{rl.at[code, 'council_name']} ({code})" in out
    assert "model ex version 1" in out
    # the champion is the cycle's model: the same probability, band and first reason
    # with the council-bootstrap interval the cycle published for this model version
    lo, hi = rl.at[code, "probability_lo"], rl.at[code, "probability_hi"]
    prob = f"{rl.at[code, 'probability']:.1%}, interval {lo:.1%} to {hi:.1%}"
    meaning = result.run_info["probability_meaning"]
    assert f"{meaning} {prob} (rank 1 of {len(rl)})" in out
    assert f"matrix score {rl.at[code, 'risk_score']}): {rl.at[code, 'risk_band']}" in out
    if rl.at[code, "reason_1"].startswith("No signal"):
        assert "none: no signal of decline passes" in out
    else:
        assert f"  1. {rl.at[code, 'reason_1']}" in out
    assert "Protective factor: " in out
    support = rl.at[code, "support_offered"]
    assert f"Support usually offered: {support}" in out and support


def test_explain_council_api_agrees_with_the_published_reasons(published):
    _, cfg, result = published
    code = result.risk_list["council_code"].iloc[3]
    r = explain_council(cfg, code)
    assert r.rank == 4 and r.council_code == code
    row = result.risk_list.set_index("council_code").loc[code]
    assert (r.probability_lo, r.probability_hi) == (row["probability_lo"], row["probability_hi"])
    published_reasons = result.reasons[result.reasons["council_code"] == code]
    # the same training rows as SHAP background: the same reasons, in the same order
    assert r.reasons["sentence"].tolist() == published_reasons["sentence"].tolist()
    assert r.by_family.sum() == pytest.approx(r.by_nature.sum(), abs=1e-9)
    main = result.risk_list.set_index("council_code").at[code, "main_problem_nature"]
    assert r.main_nature == ("" if main == "no clear single nature" else main)
    if r.main_nature:  # the main nature is the one with the largest positive sum
        assert r.by_nature.idxmax() == r.main_nature


def test_unknown_council_is_one_line_exit_2(published):
    toml, _, _ = published
    res = CliRunner().invoke(app, ["explain", str(toml), "--council", "E99999999"])
    assert res.exit_code == 2
    err = res.stderr.strip() if hasattr(res, "stderr") else res.output.strip()
    assert len(err.splitlines()) == 1
    assert "E99999999" in err and "risk_list.csv" in err and "Traceback" not in res.output


def test_unknown_model_is_exit_2(published):
    toml, _, _ = published
    res = CliRunner().invoke(
        app, ["explain", str(toml), "--council", "E06900001", "--model", "models:/nope@champion"]
    )
    assert res.exit_code == 2 and "not found" in res.output + getattr(res, "stderr", "")


def test_explain_answers_from_the_published_list_by_name_in_seconds(published):

    toml, _, result = published
    rl = result.risk_list.set_index("council_code")
    code = rl.index[2]
    name = rl.at[code, "council_name"]
    res = CliRunner().invoke(app, ["explain", str(toml), "--council", name.upper()])
    assert res.exit_code == 0, res.output
    assert f"{name} ({code})" in res.output and "(rank 3 of" in res.output
    reason = rl.at[code, "reason_1"]
    assert reason in res.output or reason.startswith("No signal")


def test_unknown_name_is_rejected_at_once_with_close_matches(published):

    toml, _, result = published
    name = result.risk_list["council_name"].iloc[0]
    wrong = name[:-2] + name[-1]  # a typo
    res = CliRunner().invoke(app, ["explain", str(toml), "--council", wrong])
    assert res.exit_code == 2
    err = res.stderr.strip() if hasattr(res, "stderr") else res.output.strip()
    assert len(err.splitlines()) == 1 and "close matches" in err and name in err


def test_score_publishes_the_same_files_as_the_cycle(published, tmp_path):
    """One publishing path: the champion scored again writes the cycle's files with the same
    probabilities, intervals, bands and reasons."""
    from earlywarn.cycle import score_registered

    _, cfg, result = published
    scored = score_registered(cfg, "models:/ex@champion", out_dir=tmp_path / "score")
    names = lambda d: sorted(p.name for p in d.iterdir())  # noqa: E731
    assert names(scored.out_dir) == names(result.out_dir)
    a = pd.read_csv(result.out_dir / "risk_list.csv", comment="#")
    b = pd.read_csv(scored.out_dir / "risk_list.csv", comment="#")
    pd.testing.assert_frame_equal(a, b)
    ra = json.loads((result.out_dir / "reasons.json").read_text())
    rb = json.loads((scored.out_dir / "reasons.json").read_text())
    assert ra["reasons"] == rb["reasons"] and ra["by_nature"] == rb["by_nature"]
    ev = json.loads((scored.out_dir / "evaluation.json").read_text())
    assert ev["chosen_model"] == result.evaluation["chosen_model"]
    run = json.loads((scored.out_dir / "run.json").read_text())
    assert run["horizon"] == "24M" and run["model"] == result.run_info["model"]
    # `evaluate` accepts the score folder as it accepts a cycle's
    from earlywarn import io
    from earlywarn.evaluation import match_outcomes
    from earlywarn.synthetic import make_synthetic_councils

    events = make_synthetic_councils(n_councils=40, start_year=2010, end_year=2020, seed=7)
    lists = [io.read_published_list(d) for d in (result.out_dir, scored.out_dir)]
    frame, _ = match_outcomes(lists, events.tables.events)
    n = len(a)
    assert len(frame) == 2 * n
    assert frame["outcome"].iloc[:n].tolist() == frame["outcome"].iloc[n:].tolist()

"""One headline everywhere (issue 23): the report's first box, the CLI's closing lines, the
MLflow parent run and the model card all say the same within-origin AUROC and
published-list shares (with intervals and chance) of the published model and of the best
rule, read from the cycle's own evaluation.json."""

from __future__ import annotations

import html
import json

import pytest
from typer.testing import CliRunner

from earlywarn.cli import app

TINY = """cycle = "tiny"
as_of = "2019-03-31"
horizon = "24M"
seed = 5
[data]
source = "synthetic"
n_councils = 40
start_year = 2009
end_year = 2019
[models]
kinds = ["persistence", "logit"]
[evaluate]
k = 6
n_boot = 20
[report]
interval_boot = 0
[tracking]
experiment = "tiny"
"""


def test_report_cli_mlflow_and_card_share_one_headline(tmp_path, monkeypatch):
    import mlflow

    from earlywarn.evaluation import headline_lines, headline_metric_values

    cfg = tmp_path / "cycle.toml"
    cfg.write_text(TINY)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["cycle", str(cfg), "--out", str(out)])
    assert r.exit_code == 0, r.output
    evaluation = json.loads((out / "evaluation.json").read_text())
    lines = headline_lines(evaluation)
    assert len(lines) == 3  # AUROC line, the model's shares, the best rule's shares
    assert "Within-origin AUROC" in lines[0] and "best simple rule" in lines[0]
    assert "chance" in lines[1] and "failing among those inspected" in lines[1]
    page = (out / "report.html").read_text()
    first_box = page.split('<p class="verdict">', 1)[1].split("</p>", 1)[0]
    card = (out / "MODEL_CARD.md").read_text()
    run = json.loads((out / "run.json").read_text())
    parent = mlflow.MlflowClient(tracking_uri=uri).get_run(run["parent_run_id"])
    for line in lines:
        assert line in r.output, line  # the CLI's closing lines
        assert html.escape(line) in first_box, line  # the report's first box
        assert f"- {line}" in card, line  # the model card
    assert parent.data.tags["earlywarn.headline"] == "\n".join(lines)  # the MLflow parent
    for key, value in headline_metric_values(evaluation).items():
        assert parent.data.metrics[key] == pytest.approx(value), key
    assert "pooled" not in first_box.lower()  # pooled AUROC only in the detail table

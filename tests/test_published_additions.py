"""What a published cycle now carries beside the list, on one synthetic cycle:

- advisers' notes are shown (issue 23 item 8): each planted note appears beside the
  reasons in the list, the report and signals.csv; stderr and the report say whether the
  published model uses them (here the logit on every feature does: they are model inputs,
  on little history; "not modelled" only for a model without a soft_* input); a
  pseudonymised cycle dates them by year only;
- list stability (item 9): the overlap of the top k between consecutive backtest origins,
  with chance k^2/n, in evaluation.json and the report, recomputed here from the saved
  out-of-time predictions;
- the coverage table (issue 22 item 2) in run.json and the report, recomputed here from
  the features, with the threshold and the dropped features."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from earlywarn.cli import app
from earlywarn.config import parse_config
from earlywarn.cycle import load_cycle_data

AS_OF = "2020-03-31"


def _config(base: Path, notes: Path, pseudonymise: bool = False) -> Path:
    raw = f"""cycle = "notes"
as_of = "{AS_OF}"
horizon = "24M"
seed = 7
[data]
source = "synthetic"
n_councils = 30
start_year = 2011
end_year = 2020
[features]
soft_notes = "{notes}"
min_coverage = 0.9
uncovered = "drop"
[models]
kinds = ["persistence", "logit"]
[evaluate]
k = 8
n_boot = 20
[report]
interval_boot = 0
pseudonymise = {"true" if pseudonymise else "false"}
[tracking]
uri = "sqlite:///{base / "mlflow.db"}"
experiment = "notes"
"""
    path = base / "cycle.toml"
    path.write_text(raw)
    return path


def _plant(base: Path) -> tuple[Path, list[str]]:
    """Three notes in the 12 months to the origin (two councils), one older (not shown)."""
    cfg = parse_config(
        {"cycle": "x", "as_of": AS_OF, "horizon": "24M", "seed": 7,
         "data": {"source": "synthetic", "n_councils": 30, "start_year": 2011,
                  "end_year": 2020}}
    )  # fmt: skip
    councils = load_cycle_data(cfg).tables.councils
    codes = sorted(councils.loc[councils["valid_to"].isna(), "council_code"])[:2]
    notes = pd.DataFrame(
        {
            "council_code": [codes[0], codes[0], codes[1], codes[1]],
            "date": ["2019-11-15", "2019-06-01", "2020-02-10", "2016-05-01"],
            "problem_nature": ["capability", "capacity", "financial", "political"],
            "severity": [3, 1, 2, 3],
            "note": ["secret words one", "secret words two", "secret three", "secret four"],
        }
    )
    path = base / "notes.csv"
    notes.to_csv(path, index=False)
    return path, codes


@pytest.fixture(scope="module")
def noted(tmp_path_factory):
    base = tmp_path_factory.mktemp("notes")
    notes, codes = _plant(base)
    out = base / "out"
    r = CliRunner().invoke(app, ["cycle", str(_config(base, notes)), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return out, codes, r


def test_notes_appear_in_list_report_and_signals(noted):
    out, (a, b), _ = noted
    rl = pd.read_csv(out / "risk_list.csv", comment="#", keep_default_na=False)
    cell = rl.set_index("council_code")["adviser_notes"]
    assert cell[a] == (
        "adviser note: serious capability concern, November 2019; "
        "adviser note: minor capacity concern, June 2019"
    )
    assert cell[b] == "adviser note: significant financial concern, February 2020"
    assert (cell.drop([a, b]) == "").all()  # the 2016 note is outside the 12 months
    report = (out / "report.html").read_text()
    name = rl.set_index("council_code").at[b, "council_name"]
    assert "adviser note: significant financial concern, February 2020" in report
    assert "shown beside the reasons and are model inputs" in report
    assert "not modelled" not in report  # the published logit uses the soft_* features
    sig = pd.read_csv(out / "signals.csv", comment="#")
    rows = sig[sig["measure"].str.startswith("adviser_note_")]
    assert sorted(rows["signal"]) == sorted(
        [
            "adviser note: serious capability concern, November 2019",
            "adviser note: minor capacity concern, June 2019",
            "adviser note: significant financial concern, February 2020",
        ]
    )
    assert set(rows["role"]) == {"adviser note (shown beside the reasons)"}
    assert (
        rows.set_index("signal").at[
            "adviser note: significant financial concern, February 2020", "council_code"
        ]
        == b
    )
    run = json.loads((out / "run.json").read_text())
    assert run["adviser_notes"]["n_notes"] == 3 and run["adviser_notes"]["n_councils"] == 2
    assert name  # the council is named in the list
    for f in out.iterdir():  # the note text never leaves the machine
        assert b"secret" not in f.read_bytes(), f.name


def test_warning_says_the_notes_are_modelled(noted):
    out, _, r = noted
    ev = json.loads((out / "evaluation.json").read_text())
    assert ev["chosen_model"]["kind"] == "logit"  # on every feature: soft_* included
    err = r.stderr if hasattr(r, "stderr") else r.output
    lines = [ln for ln in err.splitlines() if "advisers' notes" in ln]
    assert len(lines) == 1, err
    assert "3 note(s) on 2 council(s)" in lines[0]
    assert "shown beside the reasons and are model inputs" in lines[0]
    assert "not modelled" not in lines[0]
    # the 2016 note falls in the 12 months before the 2017 origin: the only history
    assert "only 1 of the 6 training origins had any note" in lines[0]


def test_warning_without_history():
    from earlywarn.features import notes_warning

    notes = pd.DataFrame(
        {"council_code": ["A", "B"], "date": pd.to_datetime(["2020-01-10", "2019-12-01"]),
         "problem_nature": ["capability"] * 2, "severity": [3.0, 3.0]}
    )  # fmt: skip
    train = list(pd.to_datetime(["2016-03-31", "2017-03-31", "2018-03-31"]))
    soft = ["last_inspection_grade", "soft_notes_12m"]
    line = notes_warning(notes, pd.Timestamp("2020-03-31"), 12, train, soft)
    assert line.startswith("advisers' notes: 2 note(s) on 2 council(s) in the 12 months")
    assert "no history at the 3 training origins, so the model gives them no weight" in line
    assert notes_warning(notes, pd.Timestamp("2018-03-31"), 12, train, soft) == ""


def test_warning_follows_the_model_and_the_history():
    """'not modelled' only without a soft_* input; 'little history' only when fewer than
    all training origins had a note; otherwise the notes are said to be model inputs."""
    from earlywarn.features import notes_warning

    notes = pd.DataFrame(
        {"council_code": ["A", "B", "C"],
         "date": pd.to_datetime(["2020-01-10", "2019-01-10", "2018-01-10"]),
         "problem_nature": ["capability"] * 3, "severity": [3.0, 2.0, 1.0]}
    )  # fmt: skip
    now = pd.Timestamp("2020-03-31")
    train = list(pd.to_datetime(["2018-03-31", "2019-03-31"]))
    soft = ["deprivation_imd_score", "soft_capability_notes_12m"]
    for inputs in (None, [], ["deprivation_imd_score", "last_inspection_grade"]):
        line = notes_warning(notes, now, 12, train, inputs)
        assert "shown beside the reasons, not modelled" in line, inputs
    full = notes_warning(notes, now, 12, train, soft)
    assert "not modelled" not in full and "little history" not in full
    assert full.endswith("are model inputs (every one of the 2 training origins had a note)")
    part = notes_warning(notes, now, 12, [pd.Timestamp("2017-03-31"), *train], soft)
    assert "model inputs, but only 2 of the 3 training origins had any note" in part


def test_notes_line_speaks_of_the_inputs_the_fit_uses():
    """A persistence model given every column uses only the last grade: its notes line
    says 'not modelled'; a logit given every column uses them all."""
    import numpy as np

    from earlywarn.cycle._publication import _used_inputs
    from earlywarn.models import make_model

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"last_inspection_grade": rng.integers(1, 5, 60).astype(float),
         "soft_notes_12m": rng.integers(0, 3, 60).astype(float)}
    )  # fmt: skip
    y = pd.Series(np.r_[np.zeros(40, int), np.ones(20, int)])
    cols = list(X.columns)
    assert _used_inputs(make_model("persistence", None, 0).fit(X, y), cols) == [
        "last_inspection_grade"
    ]
    assert _used_inputs(make_model("logit", None, 0).fit(X, y), cols) == cols
    assert _used_inputs(None, cols) == cols


def test_pseudonymised_notes_dated_by_year(tmp_path):
    notes, _ = _plant(tmp_path)
    out = tmp_path / "out"
    cfg = _config(tmp_path, notes, pseudonymise=True)
    r = CliRunner().invoke(app, ["cycle", str(cfg), "--out", str(out)])
    assert r.exit_code == 0, r.output
    rl = pd.read_csv(out / "risk_list.csv", comment="#", keep_default_na=False)
    shown = [c for c in rl["adviser_notes"] if c]
    assert sorted(shown) == [
        "adviser note: serious capability concern, 2019; adviser note: minor capacity "
        "concern, 2019",
        "adviser note: significant financial concern, 2020",
    ]
    for f in out.iterdir():
        if f.suffix in (".csv", ".html", ".json"):
            text = f.read_text()
            assert "February 2020" not in text and "November 2019" not in text, f.name


def test_list_stability_from_saved_predictions(noted):
    out, _, _ = noted
    ev = json.loads((out / "evaluation.json").read_text())
    st = ev["list_stability"]
    chosen = ev["chosen_model"]["kind"]
    assert st["model"] == chosen and st["k"] == 8
    pred = pd.read_parquet(out / "backtest_predictions.parquet")
    target = ev.get("label", {}).get("target") or "conditional"
    rows = pred[(pred["model"] == chosen) & (pred["target"] == target)]
    tops = {
        o: set(g.sort_values("probability", ascending=False).head(8)["council_code"])
        for o, g in rows.groupby("origin")
    }
    assert all(g["probability"].nunique() == len(g) for _, g in rows.groupby("origin"))
    origins = sorted(tops)
    assert [r["to"] for r in st["origins"]] == [str(o.date()) for o in origins[1:]]
    for r, before, now in zip(st["origins"], origins[:-1], origins[1:], strict=True):
        n = int((rows["origin"] == now).sum())
        n_before = int((rows["origin"] == before).sum())
        common = len(set(rows.loc[rows["origin"] == before, "council_code"])
                     & set(rows.loc[rows["origin"] == now, "council_code"]))  # fmt: skip
        assert r["overlap"] == len(tops[before] & tops[now])
        want = 64 * common / (n_before * n)  # k^2/n when the same n councils are scored
        assert r["chance"] == pytest.approx(want, abs=1e-3) and r["n_councils"] == n
    report = (out / "report.html").read_text()
    assert "List stability" in report and "(k²/n when the same n councils" in report


def test_coverage_in_run_json_and_report(noted):
    from earlywarn.config import load_config
    from earlywarn.cycle import prepare

    out, _, _ = noted
    run = json.loads((out / "run.json").read_text())
    cov = run["coverage"]
    assert cov["min_coverage"] == 0.9 and cov["uncovered"] == "drop"
    assert cov["scored_origin"] == AS_OF and cov["origins"][-1] == AS_OF
    assert cov["dropped"], "a 3-year change is missing at the first origins: dropped"
    assert set(cov["dropped"]) <= set(cov["features"])
    assert any("dropped" in w and "uncovered" in w for w in run["warnings"])
    # recomputed from the features as the cycle built them, before the drop
    prep = prepare(load_config(out.parent / "cycle.toml"))
    assert not set(cov["dropped"]) & set(prep.X.columns)
    X = prep.coverage["features"]
    for name, row in cov["features"].items():
        assert row["share"] == X[name]["share"]
    some = next(n for n in cov["features"] if n not in cov["dropped"])
    origin = prep.X.index.get_level_values("origin")
    for o, share in zip(cov["origins"], cov["features"][some]["share"], strict=True):
        assert share == round(float(prep.X.loc[origin == pd.Timestamp(o), some].notna().mean()), 2)
    report = (out / "report.html").read_text()
    assert "Coverage of the model's inputs" in report and "at least 90%" in report
    assert f"{cov['dropped'][0]} (dropped)" in report
    assert "<details><summary>Coverage table" in report


def test_explain_shows_the_notes(noted):
    out, (a, _), _ = noted
    r = CliRunner().invoke(app, ["explain", str(out.parent / "cycle.toml"), "--council", a])
    assert r.exit_code == 0, r.output
    assert (
        "Advisers' notes: adviser note: serious capability concern, "
        "November 2019; adviser note: minor capacity concern, June 2019"
    ) in r.output


def test_coverage_sentence_counts_only_the_features_used():
    """The lowest share and the cells below the threshold are the used features' (a
    dropped feature's low shares are why it was dropped: listed apart)."""
    from earlywarn.report import coverage_html

    run = {
        "coverage": {
            "origins": ["2018-03-31", "2019-03-31"], "scored_origin": "2019-03-31",
            "min_coverage": 0.9, "uncovered": "drop", "dropped": ["gone"],
            "features": {
                "gone": {"family": "f", "share": [0.1, 0.2]},
                "kept": {"family": "f", "share": [0.95, 0.4]},
                "full": {"family": "f", "share": [1.0, 1.0]},
            },
        }
    }  # fmt: skip
    page = coverage_html(run)
    assert "2 features used, at 2 origins; lowest share 40% (kept, 2019)" in page
    assert "1 feature-origin cells below 90%" in page
    assert "Dropped as uncovered: gone." in page and "gone (dropped)" in page

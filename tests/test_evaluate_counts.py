"""`evaluate` counts what is known (issue 23): a warned council inspected in the window and
not judged inadequate counts as 'inspected, not failing' from its judgement; 'pending' is
only for the not-yet-inspected; precision is over the resolved warnings, with their number;
the bundled events.parquet is accepted as --events."""

from __future__ import annotations

import json
from importlib.resources import files

import pandas as pd
from typer.testing import CliRunner

from earlywarn.cli import app
from earlywarn.evaluation import match_outcomes


def _list(codes, origin="2022-03-31", k=4):
    rl = pd.DataFrame(
        {
            "rank": range(1, len(codes) + 1),
            "council_code": codes,
            "probability": [0.5 - 0.05 * i for i in range(len(codes))],
        }
    )
    info = {
        "cycle": "c",
        "score_origin": origin,
        "horizon": "24M",
        "config": {"labels": {"events": ["inadequate"]}, "evaluate": {"k": k}},
    }
    return rl, info


def _events(rows):
    return pd.DataFrame(
        [
            {"council_code": c, "date": pd.Timestamp(d), "event_type": "inspection",
             "service": "children", "severity": s, "source": "x"}
            for c, d, s in rows
        ]
    )  # fmt: skip


def test_an_open_window_counts_inspected_councils_as_known():
    # window 2022-03-31 .. 2024-03-31, events known to 2023-03-31: open
    rl, info = _list(["A", "B", "C", "D", "E"])
    ev = _events(
        [
            ("A", "2022-09-01", 4),  # warned, judged inadequate: hit
            ("B", "2022-11-01", 2),  # warned, judged good: inspected, not failing
            ("C", "2023-01-15", 3),  # warned, requires improvement: inspected, not failing
            ("E", "2023-03-31", 4),  # not warned (rank 5 > k 4), failed: miss
            ("Z", "2023-03-31", 2),  # another council: sets the events' end
        ]
    )
    frame, summary = match_outcomes([(rl, info)], ev)
    s = summary["lists"]["c"]
    assert not s["window_closed"]
    assert frame.set_index("council_code")["outcome"].to_dict() == {
        "A": "hit",
        "B": "inspected_not_failing",
        "C": "inspected_not_failing",
        "D": "pending",  # warned, not yet inspected
        "E": "miss",
    }
    assert (s["hit"], s["inspected_not_failing"], s["pending"], s["resolved"]) == (1, 2, 1, 3)
    assert s["precision"] == 1 / 3
    assert s["recall"] == 1 / 2


def test_the_bundled_events_parquet_is_accepted(tmp_path):
    path = files("earlywarn").joinpath("data", "real", "events.parquet")
    ev = pd.read_parquet(str(path))
    insp = ev[(ev["event_type"] == "inspection") & ev["severity"].notna()]
    # an origin whose 24-month window is still open at the events' end
    origin = (ev["date"].max() - pd.DateOffset(months=12)).normalize()
    seen = insp[(insp["date"] > origin)]
    good = seen[seen["severity"] < 4]["council_code"].unique()[:2]  # inspected, not failing
    never = sorted(set(insp["council_code"]) - set(seen["council_code"]))[:1]  # not inspected
    codes = [*good, *never]
    d = tmp_path / "list"
    d.mkdir()
    rl, info = _list(codes, origin=str(origin.date()), k=3)
    info["config"]["evaluate"]["k"] = 3
    (d / "risk_list.csv").write_text("# CONFIDENTIAL\n" + rl.to_csv(index=False))
    (d / "run.json").write_text(json.dumps(info))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["evaluate", "--lists", str(d), "--events", str(path),
                                 "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    s = json.loads((out / "outcomes.json").read_text())["lists"]["c"]
    first_bad = seen[seen["council_code"].isin(good) & (seen["severity"] == 4)]
    assert first_bad.empty  # the two picked were never judged inadequate after the origin
    assert s["inspected_not_failing"] == 2
    assert s["pending"] == 1
    assert s["resolved"] == 2 and s["precision"] == 0.0
    assert "precision 0.00 over 2 resolved warnings" in r.output

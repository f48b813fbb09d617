"""Out-of-time recalibration (earlywarn.evaluation): it never reads the outcomes of the
origin it scores, nor of an origin whose window was still open, and it moves a
miscalibrated score's slope toward 1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from earlywarn.evaluation import recalibrate_out_of_time
from earlywarn.metrics import calibration_slope_intercept

ORIGINS = pd.to_datetime([f"{y}-03-31" for y in range(2012, 2021)])


def _panel(seed: int = 0, n: int = 300, stretch: float = 3.0, origins=ORIGINS) -> pd.DataFrame:
    """Scores three times too extreme on the logit scale (true slope 1 / stretch)."""
    rng = np.random.default_rng(seed)
    rows = []
    for o in origins:
        true = expit(rng.normal(-2.0, 0.8, n))
        y = (rng.random(n) < true).astype(int)
        p = expit(stretch * (logit(true) + 2.0) - 2.0)
        rows.append(
            pd.DataFrame(
                {
                    "model": "m",
                    "council_code": [f"C{i}" for i in range(n)],
                    "origin": o,
                    "label": y,
                    "censored": False,
                    "p_joint": p,
                    "p_conditional": p,
                }
            )  # fmt: skip
        )
    return pd.concat(rows, ignore_index=True)


def test_moves_the_slope_toward_one():
    bt = _panel()
    out = recalibrate_out_of_time(bt, 24)
    late = pd.to_datetime(out["origin"]) >= ORIGINS[4]
    before, _ = calibration_slope_intercept(bt.loc[late, "label"], bt.loc[late, "p_joint"])
    after, _ = calibration_slope_intercept(out.loc[late, "label"], out.loc[late, "p_joint"])
    assert before < 0.5 and abs(after - 1.0) < 0.25, (before, after)
    assert out.loc[late, "recalibrated"].all()
    # the first two origins have no closed earlier window: left as they were
    first = pd.to_datetime(out["origin"]).isin(ORIGINS[:2])
    np.testing.assert_array_equal(out.loc[first, "p_joint"], bt.loc[first, "p_joint"])


def test_never_reads_the_scored_origin_or_open_windows():
    bt = _panel(seed=1)
    t = ORIGINS[5]
    base = recalibrate_out_of_time(bt, 24)
    at_t = (pd.to_datetime(base["origin"]) == t).to_numpy()
    # flip every label at t and at the origin whose window is still open at t (t - 1 year)
    leak = bt.copy()
    open_or_now = pd.to_datetime(leak["origin"]).isin([t, ORIGINS[4]]).to_numpy()
    leak.loc[open_or_now, "label"] = 1 - leak.loc[open_or_now, "label"]
    again = recalibrate_out_of_time(leak, 24)
    np.testing.assert_allclose(again.loc[at_t, "p_joint"], base.loc[at_t, "p_joint"])
    # flipping a closed earlier origin's labels does change them (the test can fail)
    used = bt.copy()
    closed = (pd.to_datetime(used["origin"]) == ORIGINS[3]).to_numpy()
    used.loc[closed, "label"] = 1 - used.loc[closed, "label"]
    moved = recalibrate_out_of_time(used, 24)
    assert not np.allclose(moved.loc[at_t, "p_joint"], base.loc[at_t, "p_joint"])


def test_history_is_fitted_on_but_never_returned():
    sel = _panel(seed=2, origins=ORIGINS[:5])  # 2012-2016
    held = _panel(seed=3, origins=ORIGINS[5:])  # 2017-2020
    out = recalibrate_out_of_time(held, 24, history=sel)
    assert len(out) == len(held) and (out["origin"].isin(ORIGINS[5:])).all()
    assert out.dtypes.drop("recalibrated").equals(held.dtypes)
    # the first held-out origin is recalibrated from the selection origins alone
    first = (pd.to_datetime(out["origin"]) == ORIGINS[5]).to_numpy()
    assert out.loc[first, "recalibrated"].all()
    alone = recalibrate_out_of_time(held, 24)
    assert not alone.loc[first, "recalibrated"].any()
    # a selection origin whose window is open at the held-out origin is not read
    t = ORIGINS[5]
    leak = sel.copy()
    open_at_t = (pd.to_datetime(leak["origin"]) == ORIGINS[4]).to_numpy()
    leak.loc[open_at_t, "label"] = 1 - leak.loc[open_at_t, "label"]
    again = recalibrate_out_of_time(held, 24, history=leak)
    np.testing.assert_allclose(again.loc[first, "p_joint"], out.loc[first, "p_joint"])
    assert pd.Timestamp(t) > ORIGINS[4]


def test_held_out_evaluation_is_recalibrated_from_the_selection_origins(small_data):
    from earlywarn.backtest import held_out_summary, rolling_origin_splits
    from earlywarn.evaluation import EvaluationSettings, evaluate_and_keep
    from earlywarn.features import build_features
    from earlywarn.panel import build_panel

    origins = [pd.Timestamp(f"{y}-03-31") for y in range(2010, 2019)]
    tables = small_data.tables
    panel = build_panel(tables, origins)
    feats = build_features(tables, panel)
    s = EvaluationSettings(
        horizon_months=24, censoring="drop", target="conditional", k=5, n_boot=10,
        subgroups=(), baselines=("persistence",), recalibrate=True,
    )  # fmt: skip
    sel = evaluate_and_keep(
        feats.X, tables.events, panel, rolling_origin_splits(origins, origins[4:7], 24, 2),
        s, ("logit",), {}, None,
    )  # fmt: skip
    held = evaluate_and_keep(
        feats.X, tables.events, panel, rolling_origin_splits(origins, origins[7:], 24, 2),
        s, ("logit",), {}, None, history=sel.backtest,
    )  # fmt: skip
    block = held_out_summary(held.evaluation, ["2017-03-31", "2018-03-31"], "x")
    recal = block["recalibration"]
    assert recal["uses_selection_history"]
    assert recal["origins_recalibrated"] == ["2017-03-31", "2018-03-31"]
    after = recal["models"]["logit"]["after"]["calibration_slope"]
    assert set(after) >= {"value", "lo", "hi"}
    # the saved backtest is the raw one; the evaluated probabilities are recalibrated
    bt = held.backtest
    raw = bt[(bt["model"] == "logit") & ~bt["censored"].astype(bool)]["p_conditional"]
    now = held.predictions.query("model == 'logit'")["p"]
    assert len(raw) == len(now) and not np.allclose(np.sort(raw), np.sort(now))


def test_never_reverses_a_ranking_and_fits_extreme_scores():
    bt = _panel(seed=6, stretch=12.0)  # scores far too extreme: slope near 0
    anti = bt.assign(p_joint=1.0 - bt["p_joint"], p_conditional=1.0 - bt["p_conditional"])
    for frame in (bt, anti):
        out = recalibrate_out_of_time(frame, 24)
        late = (pd.to_datetime(out["origin"]) == ORIGINS[-1]).to_numpy()
        assert out.loc[late, "recalibrated"].all()  # the fit succeeds, also here
        order = np.argsort(frame.loc[late, "p_joint"].to_numpy(), kind="stable")
        after = out.loc[late, "p_joint"].to_numpy()[order]
        assert (np.diff(after) >= 0).all()  # the same order (ties only where p was clipped)
    # the anti-calibrated score is pulled to (nearly) the base rate
    spread = out.loc[late, "p_joint"]
    assert spread.max() - spread.min() < 0.1
    assert abs(spread.mean() - bt["label"].mean()) < 0.05


def test_published_recalibration_uses_only_closed_past_origins():
    """The published probability's refit reads only the chosen model's origins whose
    windows closed by as_of, never the scored origin, and moves a too-extreme score's
    slope toward 1 (the true slope is 1/3)."""
    from earlywarn.evaluation import apply_recalibration, published_recalibration

    bt = _panel(seed=4)
    other = bt.assign(model="other", label=1 - bt["label"])  # another model's rows: unread
    as_of, score = pd.Timestamp("2020-03-31"), pd.Timestamp("2020-03-31")
    sel = bt[pd.to_datetime(bt["origin"]) <= "2016-03-31"]
    held = bt[pd.to_datetime(bt["origin"]) > "2016-03-31"]  # 2017..2020: 2019, 2020 open
    r = published_recalibration([sel, held, other], "m", "joint", 24, as_of, score)
    assert r["applied"]
    used = pd.to_datetime(r["origins"])
    assert all(o + pd.DateOffset(months=24) <= as_of for o in used) and score not in used
    assert list(used) == list(ORIGINS[ORIGINS <= "2018-03-31"])  # held-out closed ones too
    assert r["n"] == 300 * len(used)
    assert abs(r["slope"] - 1 / 3) < 0.1
    # the open origins' outcomes do not matter: flip them and refit
    still_open = pd.to_datetime(held["origin"]) > "2018-03-31"
    flipped = held.assign(label=np.where(still_open, 1 - held["label"], held["label"]))
    r2 = published_recalibration([sel, flipped], "m", "joint", 24, as_of, score)
    assert (r2["slope"], r2["intercept"]) == (r["slope"], r["intercept"])
    # a monotone map (ranks kept), the identity when not applied
    p = np.linspace(0.001, 0.999, 50)
    q = apply_recalibration(p, r)
    assert np.all(np.diff(q) > 0) and not np.allclose(q, p)
    assert np.array_equal(apply_recalibration(p, None), p)
    assert np.array_equal(apply_recalibration(p, {"applied": False}), p)


def test_published_recalibration_conditional_rows_and_one_class():
    from earlywarn.evaluation import published_recalibration

    bt = _panel(seed=5, origins=ORIGINS[:4])
    bt["censored"] = np.arange(len(bt)) % 3 == 0
    as_of = pd.Timestamp("2020-03-31")
    r = published_recalibration([bt], "m", "conditional", 24, as_of, as_of)
    assert r["n"] == int((~bt["censored"]).sum())  # the uncensored rows only
    none = published_recalibration([bt.assign(label=0)], "m", "joint", 24, as_of, as_of)
    assert not none["applied"] and "slope" not in none and none["n"] == len(bt)
    empty = published_recalibration([None], "m", "joint", 24, as_of, as_of)
    assert not empty["applied"] and empty["origins"] == []


def test_published_recalibration_on_too_little_support_is_not_applied_and_says_so():
    """One closed origin, 15 rows, 2 failures: no map fitted on almost nothing (its slope
    would sit at the floor and every probability near the base rate); one warning line."""
    from earlywarn.evaluation import published_recalibration

    bt = _panel(seed=6, n=15, origins=ORIGINS[:1])
    bt["label"] = [1, 1] + [0] * 13
    as_of = ORIGINS[0] + pd.DateOffset(months=24)
    r = published_recalibration([bt], "m", "joint", 24, as_of, as_of)
    assert not r["applied"] and "slope" not in r
    assert (r["n"], r["n_pos"], r["origins"]) == (15, 2, [str(ORIGINS[0].date())])
    assert "evaluate.recalibrate" in r["warning"] and "1 closed backtest origin" in r["warning"]
    assert "\n" not in r["warning"]
    enough = published_recalibration([_panel(seed=6)], "m", "joint", 24, ORIGINS[-1], ORIGINS[-1])
    assert enough["applied"] and "warning" not in enough
    few = _panel(seed=6, n=15, origins=ORIGINS[:2])
    few["label"] = ([1, 1, 1] + [0] * 12) * 2  # 2 origins, 6 failures: fitted, with a word
    as_of = ORIGINS[1] + pd.DateOffset(months=24)
    r = published_recalibration([few], "m", "joint", 24, as_of, as_of)
    assert r["applied"] and "fewer than 10 failures" in r["warning"]


@pytest.mark.cycle  # a whole cycle through main(), which the collection hook cannot see
def test_a_cycle_recalibrating_on_one_closed_origin_warns_once(tmp_path, capsys):
    """Through the CLI: exit 0, the list published raw, and one warning line on stderr."""
    import json

    from earlywarn.cli import main

    cfg = tmp_path / "cycle.toml"
    cfg.write_text(
        'cycle = "recal1"\nas_of = "2020-03-31"\nseed = 7\n'
        "[data]\nn_councils = 24\nstart_year = 2010\nend_year = 2020\n"
        '[models]\nkinds = ["persistence"]\n'
        "[evaluate]\nk = 5\nn_boot = 0\nsubgroups = []\nbaselines = []\nrecalibrate = true\n"
        'origins = ["2018-03-31"]\n'
        "[report]\ninterval_boot = 0\nn_reasons = 1\n"
        f'[tracking]\nuri = "sqlite:///{tmp_path / "mlflow.db"}"\nexperiment = "recal1"\n'
    )
    try:
        main(["cycle", str(cfg), "--out", str(tmp_path / "out")])
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr().err
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "evaluate.recalibrate" in ln]
    assert len(lines) == 1 and lines[0].startswith("earlywarn: warning: "), err
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert any("evaluate.recalibrate" in w for w in run["warnings"])

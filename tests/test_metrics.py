"""Known-answer tests for earlywarn.metrics: hand computations on tiny examples, agreement
with scikit-learn / statsmodels, and bootstrap behaviour on simulated data."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from earlywarn.errors import UserInputError
from earlywarn.metrics import (
    BootstrapCI,
    bootstrap_ci,
    brier_decomposition,
    calibration_slope_intercept,
    evaluate_predictions,
    flag_stability,
    lead_time,
    lift_at_k,
    noise_to_signal,
    precision_at_k,
    ranking_scores,
    recalibration_newton,
    recall_at_k,
    usefulness,
    usefulness_curve,
)

ORIGINS = pd.to_datetime(["2016-03-31", "2017-03-31", "2018-03-31", "2019-03-31"])


def _panel(n_councils: int, n_origins: int, seed: int, council_sd: float = 1.0) -> pd.DataFrame:
    """Predictions with a persistent council effect: rows of a council are correlated."""
    rng = np.random.default_rng(seed)
    codes = [f"E{i:07d}" for i in range(n_councils)]
    effect = rng.normal(scale=council_sd, size=n_councils)
    frames = []
    for t in range(n_origins):
        lp = -2.0 + effect + rng.normal(scale=0.5, size=n_councils)
        p = 1.0 / (1.0 + np.exp(-lp))
        frames.append(
            pd.DataFrame({
                "council_code": codes,
                "origin": pd.Timestamp("2005-03-31") + pd.DateOffset(years=t),
                "p": p,
                "y": rng.binomial(1, p),
            })
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


@contextmanager
def _no_warnings() -> Iterator[None]:
    """Turn every warning into an error inside the block."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------- ranking at k
def test_precision_recall_lift_at_k_with_ties():
    y = [0, 1, 1, 0, 1]
    p = [0.9, 0.5, 0.5, 0.5, 0.1]
    # Position 0 is flagged first; the tied 1, 2, 3 share the places left at the cut.
    assert precision_at_k(y, p, 1) == 0.0
    assert precision_at_k(y, p, 2) == pytest.approx(1 / 3)  # (1/3)(1 + 1 + 0) / 2
    assert precision_at_k(y, p, 3) == pytest.approx(4 / 9)
    assert precision_at_k(y, p, 4) == 0.5
    assert precision_at_k(y, p, 10) == pytest.approx(3 / 5)  # k > n flags everyone
    assert recall_at_k(y, p, 2) == pytest.approx(2 / 9)
    assert recall_at_k(y, p, 3) == pytest.approx(4 / 9)
    assert lift_at_k(y, p, 2) == pytest.approx((1 / 3) / 0.6)
    # Moving the positive within the tie changes nothing: no position breaks a tie.
    assert precision_at_k([0, 0, 0, 1], [0.9, 0.5, 0.5, 0.5], 2) == pytest.approx(1 / 6)
    assert precision_at_k([0, 1, 0, 0], [0.9, 0.5, 0.5, 0.5], 2) == pytest.approx(1 / 6)


def test_ranking_at_k_is_the_expectation_over_orders_of_ties():
    """Brute force: the mean over every order of the tied units, flagged by position."""
    from itertools import permutations

    rng = np.random.default_rng(3)
    for _ in range(20):
        n = 7
        p = rng.choice([0.1, 0.4, 0.4, 0.7], size=n)
        y = rng.integers(0, 2, size=n)
        if y.sum() == 0:
            y[0] = 1
        for k in (1, 2, 3, 5):
            precs, recs = [], []
            for perm in set(permutations(range(n))):
                order = sorted(range(n), key=lambda i: (-p[i], perm[i]))
                top = order[:k]
                precs.append(y[top].sum() / k)
                recs.append(y[top].sum() / y.sum())
            assert precision_at_k(y, p, k) == pytest.approx(np.mean(precs))
            assert recall_at_k(y, p, k) == pytest.approx(np.mean(recs))
    # a constant score gets exactly the chance level
    y = rng.integers(0, 2, size=40)
    assert precision_at_k(y, np.full(40, 0.3), 10) == pytest.approx(y.mean())
    assert recall_at_k(y, np.full(40, 0.3), 10) == pytest.approx(10 / 40)


def test_ranking_at_k_undefined_and_invalid():
    with _no_warnings():
        assert precision_at_k([0, 0, 0], [0.3, 0.2, 0.1], 2) == 0.0
        assert np.isnan(recall_at_k([0, 0, 0], [0.3, 0.2, 0.1], 2))
        assert np.isnan(lift_at_k([0, 0, 0], [0.3, 0.2, 0.1], 2))
    with pytest.raises(ValueError, match="k must be"):
        precision_at_k([0, 1], [0.1, 0.2], 0)
    with pytest.raises(ValueError, match="y must"):
        precision_at_k([0, 2], [0.1, 0.2], 1)


def test_weighted_precision_at_k():
    # Weighted share of positives in the top 2 (weights do not change the ranking).
    got = precision_at_k([1, 0, 1], [0.9, 0.8, 0.1], 2, sample_weight=[1.0, 3.0, 1.0])
    assert got == pytest.approx(0.25)


# --------------------------------------------------------------------------- Brier
def test_brier_decomposition_exact_when_p_constant_within_bins():
    y = np.array([1, 0, 0, 0, 1, 1, 1, 1, 0, 0])
    p = np.array([0.15] * 4 + [0.65] * 6)
    d = brier_decomposition(y, p, n_bins=10)
    # Hand: bin rates 1/4 and 4/6, overall 1/2.
    assert d["reliability"] == pytest.approx((4 * 0.1**2 + 6 * (0.65 - 2 / 3) ** 2) / 10)
    assert d["resolution"] == pytest.approx((4 * 0.25**2 + 6 * (1 / 6) ** 2) / 10)
    assert d["uncertainty"] == pytest.approx(0.25)
    assert d["brier"] == pytest.approx(0.2125)
    assert d["reliability"] - d["resolution"] + d["uncertainty"] == pytest.approx(
        d["brier"], abs=1e-12
    )
    assert d["within_bin"] == pytest.approx(0.0, abs=1e-12)


def test_brier_decomposition_within_bin_term_closes_identity():
    rng = np.random.default_rng(3)
    p = rng.random(500)
    y = rng.binomial(1, p)
    d = brier_decomposition(y, p, n_bins=5)
    assert d["brier"] == pytest.approx(brier_score_loss(y, p))
    assert abs(d["within_bin"]) > 1e-6  # binned identity is only approximate ...
    total = d["reliability"] - d["resolution"] + d["uncertainty"] + d["within_bin"]
    assert total == pytest.approx(d["brier"], abs=1e-12)  # ... and exact with the term


def test_reliability_bins_match_sklearn_calibration_curve():
    rng = np.random.default_rng(4)
    p = rng.random(300)
    y = rng.binomial(1, p)
    pred = pd.DataFrame({"council_code": np.arange(300), "origin": ORIGINS[0], "y": y, "p": p})
    curve = evaluate_predictions(pred, k=10, n_boot=0)["pooled"]["reliability_curve"]
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    np.testing.assert_allclose([c["y_mean"] for c in curve], prob_true)
    np.testing.assert_allclose([c["p_mean"] for c in curve], prob_pred)
    assert sum(c["n"] for c in curve) == 300


# --------------------------------------------------------------------------- calibration
def test_calibration_slope_intercept_known_answers():
    rng = np.random.default_rng(5)
    true = rng.uniform(0.02, 0.98, 4000)
    y = rng.binomial(1, true)
    slope, intercept = calibration_slope_intercept(y, true)
    assert slope == pytest.approx(1.0, abs=0.15)
    assert intercept == pytest.approx(0.0, abs=0.15)
    logit = np.log(true / (1 - true))
    too_extreme = 1 / (1 + np.exp(-2 * logit))
    assert calibration_slope_intercept(y, too_extreme)[0] == pytest.approx(0.5, abs=0.08)
    # The bootstrap's Newton fit agrees with statsmodels.
    np.testing.assert_allclose(
        recalibration_newton(y.astype(float), too_extreme, np.ones(y.size)),
        calibration_slope_intercept(y, too_extreme),
        rtol=1e-7,
    )


def test_calibration_undefined_cases_return_nan_without_warnings():
    with _no_warnings():
        assert all(np.isnan(calibration_slope_intercept([1, 1, 1], [0.2, 0.5, 0.7])))
        separated = calibration_slope_intercept([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
        assert all(np.isnan(separated))
        assert all(np.isnan(recalibration_newton(*map(np.asarray, ([0.0, 0, 1, 1],
                   [0.1, 0.2, 0.8, 0.9], [1.0] * 4)))))  # fmt: skip


# --------------------------------------------------------------------------- usefulness
Y10 = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
P10 = np.array([0.9, 0.7, 0.2, 0.6, 0.4, 0.3, 0.2, 0.1, 0.1, 0.0])
# threshold 0.5: TP=2, FN=1, FP=1, TN=6; P1=0.3, T1=1/3, T2=1/7


def test_usefulness_hand_computed():
    u = usefulness(Y10, P10, threshold=0.5, mu=0.5)
    assert u["t1"] == pytest.approx(1 / 3)
    assert u["t2"] == pytest.approx(1 / 7)
    assert u["loss"] == pytest.approx(0.5 * (1 / 3) * 0.3 + 0.5 * (1 / 7) * 0.7)  # 0.1
    assert u["ua"] == pytest.approx(0.15 - 0.1)
    assert u["ur"] == pytest.approx(1 / 3)
    u = usefulness(Y10, P10, threshold=0.5, mu=0.8)
    assert u["loss"] == pytest.approx(0.1)
    assert u["ua"] == pytest.approx(min(0.8 * 0.3, 0.2 * 0.7) - 0.1)
    assert u["ur"] == pytest.approx(0.04 / 0.14)


def test_perfect_score_gives_ur_one_and_single_class_nan():
    y = [0, 0, 0, 1, 1]
    p = [0.1, 0.2, 0.3, 0.8, 0.9]
    for mu in (0.2, 0.5, 0.9):
        assert usefulness(y, p, threshold=0.5, mu=mu)["ur"] == pytest.approx(1.0)
    assert usefulness_curve(y, p, mus=[0.2, 0.5, 0.9])["ur"].tolist() == pytest.approx([1.0] * 3)
    with _no_warnings():
        assert np.isnan(usefulness([0, 0], [0.1, 0.9], threshold=0.5, mu=0.5)["ur"])
        assert np.isnan(noise_to_signal([0, 0], [0.1, 0.9], threshold=0.5))


def test_noise_to_signal_hand_computed():
    assert noise_to_signal(Y10, P10, threshold=0.5) == pytest.approx((1 / 7) / (2 / 3))
    assert np.isnan(noise_to_signal(Y10, P10, threshold=0.95))  # no hits: unbounded


def test_usefulness_curve_optimal_matches_brute_force():
    rng = np.random.default_rng(6)
    p = np.round(rng.random(60), 1)  # many ties
    y = rng.binomial(1, p)
    mus = [0.1, 0.3, 0.5, 0.7, 0.9]
    curve = usefulness_curve(y, p, mus=mus, threshold_rule="optimal")
    for mu, row in zip(mus, curve.itertuples(), strict=True):
        candidates = [np.inf, *np.unique(p)]
        best = max(usefulness(y, p, t, mu)["ua"] for t in candidates)
        assert row.ua == pytest.approx(best)
        assert row.ua >= -1e-12
        assert usefulness(y, p, row.threshold, mu)["ua"] == pytest.approx(row.ua)
    fixed = usefulness_curve(y, p, mus=mus, threshold_rule=0.5)
    assert (fixed["threshold"] == 0.5).all()
    assert fixed["ua"].iloc[2] == pytest.approx(usefulness(y, p, 0.5, 0.5)["ua"])


# --------------------------------------------------------------------------- lead time
def _lead_pred() -> pd.DataFrame:
    # k = 2 of five councils at origins 2016..2019. Flagged (top 2):
    # 2016: A, B   2017: A, C   2018: A, B   2019: A, B
    p = {
        "A": [0.9, 0.9, 0.9, 0.9],
        "B": [0.8, 0.1, 0.8, 0.8],
        "C": [0.1, 0.8, 0.1, 0.1],
        "D": [0.2, 0.2, 0.2, 0.2],
        "E": [0.3, 0.3, 0.3, 0.3],
    }
    rows = [
        {"council_code": c, "origin": o, "y": 0, "p": v[j]}
        for c, v in p.items()
        for j, o in enumerate(ORIGINS)
    ]
    return pd.DataFrame(rows)


def test_lead_time_hand_computed():
    events = pd.DataFrame({
        "council_code": ["A", "B", "C", "D", "E"],
        "date": pd.to_datetime(["2019-09-30", "2019-12-31", "2019-06-30", "2015-06-30",
                                "2018-03-31"]),
    })  # fmt: skip
    frame, summary = lead_time(_lead_pred(), events, k=2)
    frame = frame.set_index("council_code")
    # A: flagged 2016-2019 without a break -> from 2016-03-31.
    assert frame.loc["A", "first_origin"] == ORIGINS[0]
    assert frame.loc["A", "lead_time_years"] == pytest.approx(
        (pd.Timestamp("2019-09-30") - ORIGINS[0]).days / 365.25
    )
    assert frame.loc["A", "n_origins_flagged"] == 4
    # B: flagged 2016, not 2017, then 2018-2019 -> the run starts 2018-03-31.
    assert frame.loc["B", "first_origin"] == ORIGINS[2]
    assert frame.loc["B", "lead_time_years"] == pytest.approx(640 / 365.25)
    # C: not flagged at the last origin before the failure -> 0.
    assert frame.loc["C", "lead_time_years"] == 0.0
    assert not frame.loc["C", "flagged_at_last"]
    # D: failure before any origin -> not evaluable.
    assert np.isnan(frame.loc["D", "lead_time_years"])
    # E: failure on an origin date uses the origin before it (2017, not flagged) -> 0.
    assert frame.loc["E", "last_origin"] == ORIGINS[1]
    assert frame.loc["E", "lead_time_years"] == 0.0
    assert summary["n_failures"] == 5
    assert summary["n_evaluable"] == 4
    assert summary["share_flagged"] == 0.5
    assert summary["median_years"] == pytest.approx((640 / 365.25) / 2)
    assert summary["share_ge_1y"] == 0.5
    assert summary["share_ge_2y"] == 0.25
    # With an 8-month horizon B (9 months after its last origin) and E (12) are out of reach.
    frame_h, summary_h = lead_time(_lead_pred(), events, k=2, horizon=pd.DateOffset(months=8))
    lead_h = frame_h.set_index("council_code")["lead_time_years"]
    assert lead_h[["B", "D", "E"]].isna().all() and lead_h[["A", "C"]].notna().all()
    assert summary_h["n_evaluable"] == 2


def test_flag_stability_hand_computed():
    frame, summary = flag_stability(_lead_pred(), k=2)
    # 2016->2017: C in, B out; 2017->2018: B in, C out; 2018->2019: no change.
    assert frame["n_entered"].tolist() == [1, 1, 0]
    assert frame["n_left"].tolist() == [1, 1, 0]
    assert frame["turnover"].tolist() == [0.5, 0.5, 0.0]
    assert frame["jaccard"].tolist() == pytest.approx([1 / 3, 1 / 3, 1.0])
    assert summary["mean_turnover"] == pytest.approx(1 / 3)
    assert summary["n_councils_ever_flagged"] == 3
    # overlap (1, 1, 2) against two random lists of 2 from 5 councils: k^2/n = 0.8
    assert frame["n_stayed"].tolist() == [1, 1, 2]
    assert frame["chance_stayed"].tolist() == pytest.approx([0.8] * 3)
    assert summary["mean_stayed"] == pytest.approx(4 / 3)
    assert summary["mean_chance_stayed"] == pytest.approx(0.8)


def test_flag_stability_chance_counts_only_councils_scored_at_both():
    """Two lists of 2 drawn at random from 4 councils (A-D) then from 4 (C-F): only C and
    D can be on both, so the chance overlap is 2 * 2 * 2 / (4 * 4) = 0.5, not k^2/n = 1."""
    pred = pd.DataFrame(
        {"council_code": list("ABCD") + list("CDEF"),
         "origin": pd.to_datetime(["2019-03-31"] * 4 + ["2020-03-31"] * 4),
         "y": 0, "p": [0.9, 0.8, 0.2, 0.1, 0.9, 0.8, 0.2, 0.1]}
    )  # fmt: skip
    frame, _ = flag_stability(pred, k=2)
    assert frame["n_stayed"].tolist() == [0.0] and frame["n_councils"].tolist() == [4]
    assert frame["chance_stayed"].tolist() == pytest.approx([0.5])


def test_frame_functions_ignore_row_order_and_share_ties():
    pred = _lead_pred()
    pred.loc[pred["council_code"] == "E", "p"] = 0.8  # ties B (and C in 2017)
    shuffled = pred.sample(frac=1.0, random_state=1)
    a, _ = flag_stability(pred, k=2)
    b, _ = flag_stability(shuffled, k=2)
    pd.testing.assert_frame_equal(a, b)
    # A always flagged; the second place is shared by the two tied councils (1/2 each),
    # so the expected number staying is 1 + 1/4 (E twice), + 1/4 more from 2018 (B twice)
    assert a["n_stayed"].tolist() == pytest.approx([1.25, 1.25, 1.5])
    assert a["n_entered"].tolist() == pytest.approx([0.75, 0.75, 0.5])
    # the same data with council codes swapped gives the same figures (no code order)
    swapped = pred.replace({"council_code": {"B": "Z", "E": "B"}}).replace(
        {"council_code": {"Z": "E"}}
    )
    c, _ = flag_stability(swapped, k=2)
    pd.testing.assert_frame_equal(a, c)
    events = pd.DataFrame({"council_code": ["E"], "date": pd.to_datetime(["2019-09-30"])})
    frame, summary = lead_time(pred, events, k=2)
    # flagged at 2019 w.p. 1/2; the run reaches back 1, 2, 3, 4 origins w.p. 1/2^r
    assert summary["share_flagged"] == pytest.approx(0.5)
    assert frame["n_origins_flagged"].iloc[0] == pytest.approx(0.5 + 0.25 + 0.125 + 0.0625)


# --------------------------------------------------------------------------- bootstrap
def _auroc_or_nan(d: pd.DataFrame) -> float:
    if d["y"].nunique() < 2:
        return float("nan")
    return float(roc_auc_score(d["y"], d["p"]))


def test_bootstrap_ci_contains_estimate_and_is_reproducible():
    pred = _panel(60, 3, seed=7)
    a = bootstrap_ci(pred, _auroc_or_nan, n_boot=100, seed=11)
    b = bootstrap_ci(pred, _auroc_or_nan, n_boot=100, seed=11)
    c = bootstrap_ci(pred, _auroc_or_nan, n_boot=100, seed=12)
    assert isinstance(a, BootstrapCI)
    est, lo, hi = a
    assert lo <= est <= hi
    assert est == pytest.approx(roc_auc_score(pred["y"], pred["p"]))
    assert tuple(a) == tuple(b)
    assert tuple(a) != tuple(c)
    assert a.n_skipped == 0 and a.n_boot == 100 and a.level == 0.95


def test_bootstrap_ci_skips_undefined_resamples():
    pred = pd.DataFrame({
        "council_code": ["A", "B", "C", "D", "E", "F"],
        "y": [1, 0, 0, 0, 0, 0],
        "p": [0.9, 0.1, 0.2, 0.3, 0.4, 0.5],
    })  # fmt: skip
    ci = bootstrap_ci(pred, _auroc_or_nan, n_boot=300, seed=0)
    # P(council A never drawn) = (5/6)^6 ~ 0.33
    assert 60 < ci.n_skipped < 140
    assert ci.estimate == 1.0 and ci.lo == 1.0 and ci.hi == 1.0


def test_council_bootstrap_wider_than_row_bootstrap_when_councils_correlated():
    pred = _panel(60, 8, seed=8, council_sd=2.0)

    def prevalence(d: pd.DataFrame) -> float:
        return float(d["y"].mean())

    council = bootstrap_ci(pred, prevalence, n_boot=300, seed=0)
    rows = bootstrap_ci(pred, prevalence, n_boot=300, seed=0, cluster=None)
    assert council.estimate == rows.estimate
    assert (council.hi - council.lo) > 1.5 * (rows.hi - rows.lo)


@pytest.mark.slow
def test_bootstrap_interval_covers_known_auroc():
    # Binormal scores: AUROC = Phi(d / sqrt(2)). Councils are independent units here.
    d, n, reps = 1.0, 200, 30
    true_auc = norm.cdf(d / np.sqrt(2))

    def auc(frame: pd.DataFrame) -> float:
        y, p = frame["y"].to_numpy(float), frame["p"].to_numpy(float)
        if y.min() == y.max():
            return float("nan")
        return ranking_scores(y, p, np.ones_like(y))[0]

    covered = 0
    for seed in range(reps):
        rng = np.random.default_rng(100 + seed)
        y = rng.binomial(1, 0.3, n)
        score = rng.normal(d * y, 1.0)
        frame = pd.DataFrame({"council_code": np.arange(n), "y": y, "p": norm.cdf(score)})
        _, lo, hi = bootstrap_ci(frame, auc, n_boot=200, seed=seed)
        covered += lo <= true_auc <= hi
    assert covered / reps >= 0.8


# --------------------------------------------------------------------------- evaluation
def test_fast_ranking_scores_agree_with_sklearn_with_ties_and_weights():
    rng = np.random.default_rng(9)
    p = np.round(rng.random(400), 2)
    y = rng.binomial(1, p).astype(float)
    w = rng.uniform(0.5, 2.0, 400)
    for weights in (np.ones(400), w):
        auroc, pauroc, ap = ranking_scores(y, p, weights)
        assert auroc == pytest.approx(roc_auc_score(y, p, sample_weight=weights), abs=1e-12)
        assert pauroc == pytest.approx(
            roc_auc_score(y, p, sample_weight=weights, max_fpr=0.2), abs=1e-12
        )
        assert ap == pytest.approx(average_precision_score(y, p, sample_weight=weights), abs=1e-12)


def test_evaluate_predictions_agrees_with_sklearn_and_is_json_ready():
    pred = _panel(50, 4, seed=10)
    with _no_warnings():
        out = evaluate_predictions(pred, k=5, n_boot=100, seed=3)
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == out
    pooled = out["pooled"]
    assert pooled["auroc"]["value"] == pytest.approx(roc_auc_score(pred["y"], pred["p"]))
    assert pooled["pauroc_fpr20"]["value"] == pytest.approx(
        roc_auc_score(pred["y"], pred["p"], max_fpr=0.2)
    )
    assert pooled["average_precision"]["value"] == pytest.approx(
        average_precision_score(pred["y"], pred["p"])
    )
    assert pooled["brier"]["value"] == pytest.approx(brier_score_loss(pred["y"], pred["p"]))
    assert pooled["n"] == 200 and pooled["n_pos"] == int(pred["y"].sum())
    for name, stat in pooled.items():
        if isinstance(stat, dict) and stat["value"] is not None:
            assert stat["lo"] <= stat["value"] + 1e-9 and stat["value"] <= stat["hi"] + 1e-9, name
    per = out["per_origin"]
    assert [r["origin"] for r in per] == ["2005-03-31", "2006-03-31", "2007-03-31", "2008-03-31"]
    for r in per:
        sub = pred[pred["origin"] == pd.Timestamp(r["origin"])]
        assert r["auroc"] == pytest.approx(roc_auc_score(sub["y"], sub["p"]))
        assert r["precision_at_k"] == pytest.approx(precision_at_k(sub["y"], sub["p"], 5))
    mean_p_at_k = np.mean([r["precision_at_k"] for r in per])
    assert pooled["precision_at_k"]["value"] == pytest.approx(mean_p_at_k)
    assert len(pooled["usefulness_curve"]) == 19


def test_evaluate_predictions_deterministic_order_free_and_consistent_with_bootstrap_ci():
    pred = _panel(40, 3, seed=12)
    a = evaluate_predictions(pred, k=4, n_boot=60, seed=5)
    b = evaluate_predictions(pred.sample(frac=1.0, random_state=0), k=4, n_boot=60, seed=5)
    assert a == b
    c = evaluate_predictions(pred, k=4, n_boot=60, seed=6)
    assert a["pooled"]["auroc"] != c["pooled"]["auroc"]
    ordered = pred.sort_values(["origin", "council_code"]).reset_index(drop=True)
    ci = bootstrap_ci(ordered, _auroc_or_nan, n_boot=60, seed=5)
    assert ci.lo == pytest.approx(a["pooled"]["auroc"]["lo"])
    assert ci.hi == pytest.approx(a["pooled"]["auroc"]["hi"])


def test_evaluate_predictions_undefined_origin_gives_none_without_warnings():
    pred = _panel(30, 2, seed=13)
    pred.loc[pred["origin"] == pred["origin"].min(), "y"] = 0  # first origin: one class
    events = pd.DataFrame({"council_code": ["E0000001"], "date": pd.to_datetime(["2007-01-01"])})
    with _no_warnings():
        out = evaluate_predictions(pred, k=3, n_boot=50, events=events)
    first = out["per_origin"][0]
    for name in ("auroc", "pauroc_fpr20", "average_precision", "recall_at_k", "ur",
                 "calibration_slope"):  # fmt: skip
        assert first[name] is None, name
    assert first["precision_at_k"] == 0.0
    assert out["lead_time"]["n_failures"] == 1
    json.dumps(out, allow_nan=False)


def test_evaluate_predictions_validates_input():
    with pytest.raises(UserInputError, match="missing column"):
        evaluate_predictions(pd.DataFrame({"y": [0], "p": [0.1]}), k=1)
    bad = _panel(5, 1, seed=0)
    bad.loc[2, "p"] = 1.5
    with pytest.raises(UserInputError, match="row 2, column 'p'"):
        evaluate_predictions(bad, k=1)


@pytest.mark.perf
def test_evaluate_predictions_fast_enough():
    pred = _panel(150, 20, seed=14)  # 3,000 rows
    evaluate_predictions(pred, k=15, n_boot=2)  # warm imports
    start = time.perf_counter()
    evaluate_predictions(pred, k=15, n_boot=200, seed=0)
    assert time.perf_counter() - start < 3.0

"""The reviewer's test on the bundled real panel: every reason of the top 20 councils of the
real-2025 cycle's published model (the `make demo` list) and of the real-2023 record's gbm
(a model on every column, so with many reasons) is a signal on the risk side of similar
councils (or moving that way) by a material margin, in words, with rates, dates and no
'-0.0'; no top-k council is 'No action necessary'. Also the number formatting rules on
their own."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from earlywarn.explain import GRADE_WORDS, ReasonFrame, fmt, role

ROOT = Path(__file__).resolve().parents[1]
# (config, model kind or None for the config's one published kind)
CASES = {
    "real-2025": (ROOT / "experiments" / "real-2025" / "cycle-validation.toml", None),
    "real-2023-gbm": (ROOT / "experiments" / "real-2023" / "cycle.toml", "gbm"),
}
MINUS_ZERO = re.compile(r"(?<![\d.])-0(?:\.0+)?(?![\d.]*[1-9])")


@pytest.mark.parametrize(
    ("x", "others", "text"),
    [
        (-0.00004, (), "-0.000040"),
        (-0.04, (), "-0.040"),
        (594.4, (594.0,), "594.4"),
        (2.0, (2.04,), "2.00"),
        (-0.0, (), "0.0"),
        (18.5, (20.55,), "18.5"),
    ],
)
def test_fmt_never_prints_minus_zero_or_equal_numbers(x, others, text):
    out = fmt(x, "", *others)
    assert out == text
    assert not MINUS_ZERO.search(out)
    for o in others:
        assert fmt(o, "", x) != out


@pytest.fixture(scope="module", params=list(CASES))
def real_list(request):
    """A real cycle's final model (no backtest) and its explained latest origin: the
    real-2025 published model (its one kind and short list), the real-2023 record's gbm."""
    from earlywarn.backtest import EvaluationSettings, final_training, fit_model
    from earlywarn.config import load_config
    from earlywarn.cycle import load_cycle_data, load_feature_inputs
    from earlywarn.explain import explain, latest_periods
    from earlywarn.features import build_features
    from earlywarn.models import make_model
    from earlywarn.panel import annual_origins, build_panel, restrict_to_as_of
    from earlywarn.report import build_banded_risk_list

    config, kind = CASES[request.param]
    cfg = load_config(config)
    tables, _, _ = load_cycle_data(cfg)
    tables = restrict_to_as_of(tables, cfg.as_of_date)
    origins = annual_origins(tables, cfg.as_of_date)[2:]
    panel = build_panel(tables, origins)
    notes, neighbours, _ = load_feature_inputs(cfg, tables)
    fs = build_features(
        tables, panel, cfg.features.families, cfg.features, soft_notes=notes, neighbours=neighbours
    )
    X = fs.X
    h = cfg.horizon_months
    train = [o for o in origins if o + pd.DateOffset(months=h) <= cfg.as_of_date]
    settings = EvaluationSettings.from_config(cfg)
    Xtr, ytr, wtr, to_target = final_training(X, tables.events, train, cfg.as_of_date, settings)
    if kind is None:
        (kind,) = cfg.models.kinds
        params = cfg.models.params.get(kind, {})
    else:
        params = {}
    spec = make_model(kind, params, cfg.seed, specs=fs.specs)
    model = fit_model(spec, Xtr, ytr, wtr)
    score_origin = max(origins)
    Xnow = X[X.index.get_level_values("origin") == score_origin]
    prob = to_target(model.predict_proba(Xnow)[:, 1], Xnow)
    periods = latest_periods(tables.observations, score_origin, tables.events)
    ex = explain(model, Xnow, Xtr, fs.specs, fs.peer_median, cfg.report.n_reasons, periods)
    scores = panel.loc[Xnow.index, ["council_name", "council_type", "region"]].reset_index()
    scores = scores.drop(columns="origin").assign(probability=prob)
    rl = build_banded_risk_list(
        scores,
        ex,
        tables.observations,
        score_origin,
        cfg.report,
        base_rate=float(np.mean(ytr)),
        top_k=cfg.evaluate.k,
    )
    frame = ReasonFrame(
        Xnow.droplevel("origin"),
        fs.peer_median.reindex(Xnow.index).droplevel("origin"),
        fs.specs,
        periods,
        score_origin,
    )
    return rl, ex, frame, cfg, request.param


def test_every_top_20_reason_passes_the_reviewers_test(real_list):
    rl, ex, frame, _, case = real_list
    top = list(rl.head(20)["council_code"])
    reasons = ex.reasons[ex.reasons["council_code"].isin(top)]
    ups = reasons[reasons["direction"] == "raises"]
    if case == "real-2023-gbm":
        assert len(ups) >= 20  # the real signals do give reasons
    # real-2025's short list (the coverage rule) is the looked-after rate, whose direction
    # is not settled (never a reason), and two political flags and counts (ties with the
    # peers' median are never reasons): whatever reasons it gives pass the same test
    specs = frame.specs
    for r in ups.itertuples():
        spec = specs[r.feature]
        where = f"{r.council_code} {r.feature}: {r.sentence}"
        assert role(spec) == "signal", where  # no size, count, population or timing
        assert not r.feature.endswith("_count") and spec.kind != "count", where
        assert r.basis in ("level", "trend"), where
        assert frame.basis(r.council_code, r.feature, "raises") == r.basis, where
        sign = 1.0 if spec.higher_is_worse else -1.0
        if r.basis == "level" and spec.kind in ("level", "change"):
            # on the risk side of the peers' median by a material margin, printed differently
            assert sign * (r.value - r.peer_median) > 0, where
            assert frame.gap(r.council_code, r.feature) >= 1, where
            if r.feature != "last_inspection_grade":
                assert fmt(r.value, spec.unit, r.peer_median) != fmt(
                    r.peer_median, spec.unit, r.value
                ), where
        if r.basis == "trend":  # a level moving to the risk side: its change passes
            chg = frame.change[spec.measure]
            assert frame.gap(r.council_code, chg) >= 1, where
            assert " from " in r.sentence and " to " in r.sentence, where
        assert not MINUS_ZERO.search(r.sentence), where
        assert "similar councils" in r.sentence, where
        if r.feature == "last_inspection_grade":
            assert any(w in r.sentence for w in GRADE_WORDS.values()), where
            assert re.search(
                r"(January|February|March|April|May|June|July|August|"
                r"September|October|November|December) \d{4}",
                r.sentence,
            ), where
            assert not re.search(r"grade[^.]*\d\.\d", r.sentence), where
        elif spec.family != "inspection":
            assert "England" in r.sentence, where
        if spec.measure.startswith("asc_"):
            assert r.sentence.startswith("Council-wide context (adult social care)"), where


def test_protective_factors_are_on_the_safe_side(real_list):
    rl, ex, frame, _, _ = real_list
    top = list(rl.head(20)["council_code"])
    downs = ex.reasons[ex.reasons["council_code"].isin(top) & (ex.reasons["direction"] == "lowers")]
    for r in downs.itertuples():
        spec = frame.specs[r.feature]
        where = f"{r.council_code} {r.feature}: {r.sentence}"
        assert role(spec) == "signal", where
        assert frame.gap(r.council_code, r.feature) <= -1, where
        assert not MINUS_ZERO.search(r.sentence), where


def test_top_k_is_never_no_action_and_bands_use_the_papers_wording(real_list):
    from earlywarn.report import WORDING

    rl, _, _, cfg, _ = real_list
    assert set(rl["risk_band"]) <= set(WORDING.values())
    top = rl.head(cfg.evaluate.k)
    assert not (top["risk_band"] == WORDING[1]).any()
    assert (top["likelihood_band"] != "low").all()
    # impact is not size: the largest councils are not simply the highest impact
    assert rl["impact_value"].notna().mean() > 0.9


def test_problem_nature_only_when_a_reason_has_it(real_list):
    rl, ex, _, _, _ = real_list
    ups = ex.reasons[ex.reasons["direction"] == "raises"]
    has = set(zip(ups["council_code"], ups["nature"], strict=True))
    for r in rl.itertuples():
        if r.main_problem_nature != "no clear single nature":
            assert (r.council_code, r.main_problem_nature) in has
            mine = ups[ups["council_code"] == r.council_code].groupby("nature")["shap"].sum()
            assert mine.idxmax() == r.main_problem_nature  # the nature the reasons show
            assert mine.max() >= 0.10
        else:
            assert r.support_offered == "no specific offer suggested"

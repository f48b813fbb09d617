"""Explanations of the baselines, the hazard logit and calibrated models: exact and fast.

Known answers: SHAP values add up to the explained log-odds (1e-6), columns a model does
not use get exactly 0, red-flag values equal a brute-force enumeration of all coalitions,
hazard values equal coef x (design - training mean) with the period dummies summed onto
``years_since_inspection``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from earlywarn.explain import (
    explain,
    explained_log_odds,
    model_log_odds,
    shap_values,
)
from earlywarn.models import make_model

KINDS = {
    "persistence": ("persistence", {}),
    "red_flags": ("red_flags", {}),
    "hazard": ("hazard", {}),
    "persistence_isotonic": ("persistence", {"calibration": "isotonic"}),
    "hazard_sigmoid": ("hazard", {"calibration": "sigmoid"}),
    "gbm_isotonic": ("gbm", {"calibration": "isotonic"}),
}


@pytest.fixture(scope="module")
def fitted(explained_world):
    w = explained_world
    return {
        name: make_model(kind, params, seed=0, specs=w.features.specs).fit(w.Xtr, w.ytr)
        for name, (kind, params) in KINDS.items()
    }


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", list(KINDS))
def test_shap_values_add_up_to_the_explained_log_odds(explained_world, fitted, name):
    model, X = fitted[name], explained_world.now
    vals, base = shap_values(model, X, explained_world.Xtr)  # timed in bench_explain.py
    assert list(vals.columns) == list(X.columns)
    total = base + vals.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, explained_log_odds(model, X), rtol=0, atol=1e-6)
    if "_" not in name or name == "red_flags":  # uncalibrated: the model's own log-odds
        np.testing.assert_allclose(total, model_log_odds(model, X), rtol=0, atol=1e-6)
        p = 1 / (1 + np.exp(-total))
        np.testing.assert_allclose(p, model.predict_proba(X)[:, 1], rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ["persistence", "red_flags", "persistence_isotonic"])
def test_unused_columns_get_exactly_zero(explained_world, fitted, name):
    model = fitted[name]
    clf = model.steps[-1][1]
    clf = getattr(clf, "estimator_", clf)
    used = set(clf.used_features_)
    if name.startswith("persistence"):
        assert used == {"last_inspection_grade"}
    else:
        assert used == {f[0] for f in clf.flags_used_} and len(used) >= 3
    vals, _ = shap_values(model, explained_world.now, explained_world.Xtr)
    assert (vals.drop(columns=sorted(used)) == 0).all().all()
    assert (vals[sorted(used)] != 0).any().any()


def _brute_force_shapley(f, x: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Interventional Shapley values of ``f`` at ``x`` over every coalition of columns."""
    k = len(x)

    def v(s: tuple[int, ...]) -> float:
        z = bg.copy()
        z[:, list(s)] = x[list(s)]
        return float(f(z).mean())

    phi = np.zeros(k)
    for j in range(k):
        rest = [i for i in range(k) if i != j]
        for r in range(k):
            w = math.factorial(r) * math.factorial(k - r - 1) / math.factorial(k)
            for s in itertools.combinations(rest, r):
                phi[j] += w * (v((*s, j)) - v(s))
    return phi


def test_red_flag_values_equal_a_brute_force_enumeration(explained_world, fitted):
    model = fitted["red_flags"]
    clf = model.steps[-1][1]
    cols = list(clf.used_features_)
    bg = explained_world.Xtr.sample(60, random_state=3)  # <= 100 rows: all are background
    X = explained_world.now.iloc[:4]
    vals, base = shap_values(model, X, bg)
    template = X.iloc[[0]].to_numpy()
    pos = [X.columns.get_loc(c) for c in cols]

    def f(a):
        full = np.repeat(template, len(a), axis=0)
        full[:, pos] = a
        p = model.predict_proba(pd.DataFrame(full, columns=X.columns))[:, 1]
        return np.log(p / (1 - p))

    for i in range(len(X)):
        expect = _brute_force_shapley(f, X[cols].to_numpy()[i], bg[cols].to_numpy())
        np.testing.assert_allclose(vals[cols].to_numpy()[i], expect, rtol=0, atol=1e-9)


def test_hazard_values_are_coef_times_design_minus_training_mean(explained_world, fitted):
    model, X, bg = fitted["hazard"], explained_world.now, explained_world.Xtr
    clf = model.steps[-1][1]
    vals, base = shap_values(model, X, bg)
    tab = clf.coef_table.set_index("term")
    # a covariate: coef per SD x (imputed value - training mean of imputed values) / SD
    j = 0
    cov = clf.covariates_[j]
    xi = X[cov].fillna(clf.medians_[j]).to_numpy()
    bi = bg[cov].fillna(clf.medians_[j]).to_numpy()
    expect = tab.loc[cov, "coef"] * (xi - bi.mean()) / clf.scales_[j]
    np.testing.assert_allclose(vals[cov].to_numpy(), expect, rtol=0, atol=1e-9)
    # the period dummies are summed onto the period feature
    period = [t for t in tab.index if t.startswith("period[")]
    assert len(period) == 3
    D, Db = clf.design_frame(model[:-1].transform(X)), clf.design_frame(model[:-1].transform(bg))
    expect = ((D[period] - Db[period].mean()) * tab.loc[period, "coef"]).sum(axis=1)
    np.testing.assert_allclose(
        vals["years_since_inspection"].to_numpy(), expect.to_numpy(), rtol=0, atol=1e-9
    )
    assert base == pytest.approx(float((Db.to_numpy() @ clf.params_).mean()), abs=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("name", ["persistence_isotonic", "hazard_sigmoid", "gbm_isotonic"])
def test_calibrated_models_explain_their_underlying_model_and_say_so(explained_world, fitted, name):
    w = explained_world
    model = fitted[name]
    ex = explain(model, w.now, w.Xtr, w.features.specs, w.features.peer_median)
    assert "before calibration" in ex.method
    # the same values as explaining the underlying fit as a pipeline of its own
    from sklearn.pipeline import Pipeline

    est = model.steps[-1][1].estimator_
    inner = Pipeline([*model.steps[:-1], *getattr(est, "steps", [("clf", est)])])
    vals, base = shap_values(inner, w.now, w.Xtr)
    np.testing.assert_allclose(ex.values.to_numpy(), vals.to_numpy(), rtol=0, atol=1e-12)
    assert ex.base_value == pytest.approx(base)
    np.testing.assert_allclose(
        explained_log_odds(model, w.now), model_log_odds(inner, w.now), atol=1e-12
    )
    assert set(ex.reasons["direction"]) <= {"raises", "lowers"}
    # persistence reads one input (the last grade): a reason only where a council's grade
    # differs from most similar councils' (the reasons' rule), which may be nowhere here
    assert len(ex.reasons) > 0 or name.startswith("persistence")


@pytest.mark.parametrize("monotone", ["auto", False])
def test_calibrated_gbm_fits_when_a_column_is_empty_in_early_origins(explained_world, monotone):
    """A column first published in later origins is empty in the calibration splits'
    training rows: the column filter is refitted inside each split (it used to fail in
    the binning), and the explanation still adds up."""
    w = explained_world
    Xtr = w.Xtr.copy()
    origins = Xtr.index.get_level_values("origin")
    col = "rereferral_pct"
    Xtr.loc[origins < origins.max(), col] = np.nan
    params = {"calibration": "isotonic", "calibration_origins": 1, "monotone": monotone}
    model = make_model("gbm", params, seed=0, specs=w.features.specs).fit(Xtr, w.ytr)
    assert model.steps[-1][1].n_calibration_rows_ > 0
    vals, base = shap_values(model, w.now, Xtr)
    total = base + vals.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, explained_log_odds(model, w.now), rtol=0, atol=1e-6)

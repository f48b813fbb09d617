"""The council random intercept (earlywarn.models._mixed, the ``mixed`` model kind)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss

from earlywarn.models import MixedLogitClassifier, council_codes, make_model


def _panel(seed: int, sd: float, n_councils: int = 120, n_origins: int = 8):
    rng = np.random.default_rng(seed)
    codes = [f"E{i:03d}" for i in range(n_councils)]
    idx = pd.MultiIndex.from_product(
        [codes, pd.date_range("2012-03-31", periods=n_origins, freq="12ME")],
        names=["council_code", "origin"],
    )
    u = np.repeat(rng.normal(0.0, sd, n_councils), n_origins)
    X = pd.DataFrame(rng.normal(size=(len(idx), 6)), index=idx, columns=[f"x{i}" for i in range(6)])
    X.iloc[rng.random(X.shape) < 0.03] = np.nan  # a few missing values
    eta = -2.3 + 0.7 * X["x0"].fillna(0.0) + u
    y = (rng.random(len(idx)) < 1 / (1 + np.exp(-eta))).astype(int)
    late = idx.get_level_values("origin") >= idx.get_level_values("origin").unique()[6]
    return X, y, late


@pytest.fixture(scope="module")
def planted():
    return _panel(seed=4, sd=1.3)


def test_a_planted_council_effect_is_found_and_helps_later_origins(planted):
    X, y, late = planted
    mixed = MixedLogitClassifier().fit(X[~late], y[~late])
    flat = MixedLogitClassifier(random_effect=False).fit(X[~late], y[~late])
    assert mixed.random_effect_used_ and not flat.random_effect_used_
    assert 0.5 < mixed.council_sd_ < 2.5
    # out of time, knowing the council's own intercept beats the population average
    ll_mixed = log_loss(y[late], mixed.predict_proba(X[late])[:, 1])
    ll_flat = log_loss(y[late], flat.predict_proba(X[late])[:, 1])
    assert ll_mixed < ll_flat - 0.005, (ll_mixed, ll_flat)
    # the planted slope has the right sign and dominates the noise columns
    coef = mixed.coef_table["coef"]
    assert coef["x0"] > 0.3 and coef.drop("x0").abs().max() < coef["x0"]


def test_no_council_effect_no_harm():
    X, y, late = _panel(seed=5, sd=0.0)
    mixed = MixedLogitClassifier().fit(X[~late], y[~late])
    flat = MixedLogitClassifier(random_effect=False).fit(X[~late], y[~late])
    assert mixed.council_sd_ < 0.6
    ll_mixed = log_loss(y[late], mixed.predict_proba(X[late])[:, 1])
    ll_flat = log_loss(y[late], flat.predict_proba(X[late])[:, 1])
    assert ll_mixed < ll_flat + 0.01


def test_unknown_councils_and_bare_arrays_get_the_population_average(planted):
    X, y, late = planted
    m = MixedLogitClassifier().fit(X[~late], y[~late])
    bare = m.predict_proba(X[late].to_numpy())[:, 1]
    renamed = X[late].rename(index=lambda c: "Z" + c[1:], level="council_code")
    np.testing.assert_allclose(m.predict_proba(renamed)[:, 1], bare)
    assert council_codes(X[late].to_numpy()) is None
    # the council intercepts move the known councils' predictions away from it
    assert np.abs(m.predict_proba(X[late])[:, 1] - bare).max() > 0.01


def test_the_model_kind_keeps_council_codes_through_a_short_list(planted):
    X, y, late = planted
    m = make_model("mixed", {"features": ["x0", "x1"]}, seed=0).fit(X[~late], y[~late])
    clf = m[-1]
    assert list(clf.used_features_) == ["x0", "x1"] and clf.random_effect_used_
    assert m.predict_proba(X[late]).shape == (int(late.sum()), 2)


def test_explained_on_its_fixed_part_if_published(planted):
    from earlywarn.explain import model_log_odds, shap_values

    X, y, late = planted
    m = make_model("mixed", {"features": ["x0", "x1", "x2"]}, seed=0).fit(X[~late], y[~late])
    rows = X[late].iloc[:20]
    vals, base = shap_values(m, rows, X[~late])
    assert (vals[["x3", "x4", "x5"]] == 0).all().all()  # unused columns are never reasons
    fixed = model_log_odds(m, rows.reset_index(drop=True))  # no council: u = 0
    np.testing.assert_allclose(base + vals.sum(axis=1).to_numpy(), fixed, atol=1e-6)


@pytest.mark.parametrize(
    ("extra", "uri"),
    [
        ({"report": {"pseudonymise": True}}, "sqlite:////tmp/x/mlflow.db"),
        ({}, "http://127.0.0.1:5000"),  # a shared server: named outputs off by default
        ({"tracking": {"log_outputs": False}}, "sqlite:////tmp/x/mlflow.db"),
    ],
)
def test_a_mixed_model_never_goes_where_named_outputs_may_not(extra, uri):
    """Its fitted intercepts name councils and their own risk: refused before any work."""
    from earlywarn.config import parse_config
    from earlywarn.cycle import check_named_model
    from earlywarn.errors import UserInputError

    raw = {"cycle": "m", "as_of": "2016-03-31", "models": {"kinds": ["logit", "mixed"]}, **extra}
    with pytest.raises(UserInputError, match="'mixed'") as err:
        check_named_model(parse_config(raw), uri)
    assert len(str(err.value).splitlines()) == 1
    check_named_model(parse_config({**raw, "models": {"kinds": ["logit"]}}), uri)
    if not extra and uri.startswith("http"):
        ok = {**raw, "tracking": {"log_outputs": True}}
        check_named_model(parse_config(ok), uri)  # a team that allows it says so

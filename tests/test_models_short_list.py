"""A model sized for the data: a pre-specified short list of features (``features = [...]``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn.explain import shap_values
from earlywarn.models import make_model


def _data(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f{i}" for i in range(6)])
    X.iloc[::9, 1] = np.nan
    y = (rng.random(n) < 1 / (1 + np.exp(-(X["f0"].to_numpy() - 1.5)))).astype(int)
    return X, y


@pytest.mark.parametrize("kind", ["logit", "gbm", "hazard"])
def test_short_list_model_uses_only_the_listed_columns(kind):
    X, y = _data()
    params = {"features": ["f0", "f1", "not_in_panel"]}
    if kind == "hazard":
        params |= {"period_feature": None, "covariates": None, "cov_type": "HC0"}
    m = make_model(kind, params).fit(X, y)
    base = m.predict_proba(X)[:, 1]
    scrambled = X.copy()
    scrambled[["f2", "f3", "f4", "f5"]] = 99.0  # unlisted columns cannot move the score
    np.testing.assert_allclose(m.predict_proba(scrambled)[:, 1], base)
    moved = X.assign(f0=X["f0"] + 3)
    assert not np.allclose(m.predict_proba(moved)[:, 1], base)
    vals, _ = shap_values(m, X.iloc[:20], X)
    assert list(vals.columns) == list(X.columns)
    assert (vals[["f2", "f3", "f4", "f5"]] == 0).all().all()
    assert vals["f0"].abs().sum() > 0


def test_short_list_must_be_a_list_of_names():
    with pytest.raises(ValueError, match="list of column names"):
        make_model("logit", {"features": "f0"})
    assert [n for n, _ in make_model("logit", {"features": []}).steps][0] == "impute"


def test_gbm_short_list_with_monotone_constraints_constrains_only_its_columns():
    """monotone = "auto" with the registry of every column and a short list: the constraints
    are the short list's (it was every column's: sklearn refused the unknown names)."""
    from earlywarn.features import FeatureSpec

    X, y = _data()
    specs = {c: FeatureSpec(c, "indicators", "capability", True, c) for c in X.columns}
    m = make_model("gbm", {"features": ["f0", "f1"], "monotone": "auto"}, specs=specs)
    m.fit(X, y)
    grid = X.iloc[:50].copy()
    risk = [m.predict_proba(grid.assign(f0=v))[:, 1] for v in (-2.0, 0.0, 2.0)]
    assert (np.diff(np.vstack(risk), axis=0) >= -1e-12).all()  # higher f0, never lower risk
    assert m[-1].monotonic_cst == {"f0": 1, "f1": 1}

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

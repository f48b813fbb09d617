"""The opt-in ``finance_ranks`` family (the pre-registered finance model's inputs in a
cycle): its columns, the ranks' orientation, and as-of (a later edition never reaches an
earlier origin)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.features import build_features
from earlywarn.financial import FAMILY_BUILDERS, MODEL_FEATURES
from earlywarn.panel import build_panel
from earlywarn.synthetic import make_synthetic_councils

ORIGINS = ["2014-03-31", "2015-03-31", "2016-03-31"]


@pytest.fixture(scope="module")
def tables():
    return make_synthetic_councils(n_councils=40, start_year=2008, end_year=2016, seed=3).tables


def _build(tables):
    panel = build_panel(tables, ORIGINS)
    return build_features(tables, panel, ("finance_ranks",), builders=FAMILY_BUILDERS)


def test_columns_specs_and_orientation(tables):
    fs = _build(tables)
    # the synthetic world has reserves and spending only: a column empty everywhere is
    # left out by build_features (it tells a model nothing), the others are there
    have = {"rank_reserves_pct_nre", "rank_reserves_pct_nre_chg_1y_pp", "prior_failure_ever"}
    assert have | {"reserves_pct_nre", "reserves_pct_nre_chg_1y_pp"} <= set(fs.X.columns)
    assert set(fs.X.columns) <= set(fs.specs)
    ranks = [f for f in fs.X.columns if f.startswith("rank_")]
    assert {fs.specs[f].kind for f in ranks} == {"rank"} and set(ranks) <= set(MODEL_FEATURES)
    assert all(not fs.specs[f].reason_ok for f in fs.X.columns if "council_type_" in f)
    now = fs.X.xs(pd.Timestamp(ORIGINS[-1]), level="origin")
    r = now[["reserves_pct_nre", "rank_reserves_pct_nre"]].dropna()
    assert r["rank_reserves_pct_nre"].between(0, 1).all()
    # low reserves = high rank (worse): the rank falls as the ratio rises
    assert r["rank_reserves_pct_nre"].corr(r["reserves_pct_nre"], method="spearman") < -0.99


def test_a_later_edition_never_reaches_an_earlier_origin(tables):
    before = _build(tables).X
    last = before.xs(pd.Timestamp(ORIGINS[2]), level="origin")
    code = last["reserves_pct_nre_chg_1y_pp"].dropna().index[0]
    late = pd.DataFrame(
        {
            "council_code": [code],
            "period": [pd.Timestamp("2014-03-31")],
            "measure": ["usable_reserves_gbp_m"],
            "value": [9999.0],
            "published": [pd.Timestamp("2015-06-30")],  # a revision after the 2015 origin
        }
    )
    obs = pd.concat([tables.observations, late], ignore_index=True)
    after = _build(dataclasses.replace(tables, observations=obs)).X
    for o in ORIGINS[:2]:  # published after 2014-03-31 and 2015-03-31: unseen there
        a = after.xs(pd.Timestamp(o), level="origin")
        b = before.xs(pd.Timestamp(o), level="origin")
        pd.testing.assert_frame_equal(a, b)
    a = after.xs(pd.Timestamp(ORIGINS[2]), level="origin").loc[code, "reserves_pct_nre_chg_1y_pp"]
    b = before.xs(pd.Timestamp(ORIGINS[2]), level="origin").loc[code, "reserves_pct_nre_chg_1y_pp"]
    assert a != b  # the probe can fail: the revision is read at 2016 (b is observed)


def test_not_a_default_family_and_unknown_without_its_builders(tables):
    from earlywarn.config import FeaturesConfig

    assert "finance_ranks" not in FeaturesConfig().families
    with pytest.raises(UserInputError, match="unknown family 'finance_ranks'"):
        build_features(tables, build_panel(tables, ORIGINS[:1]), ("finance_ranks",))

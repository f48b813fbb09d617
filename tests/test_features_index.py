"""The as-of observation index against a plain pandas reference; lazy peer medians; float32.

The index lays observations out by cell (period, council, measure) instead of sorting the
rows, and has a dense and a sparse layout: both are checked cell by cell against a slow,
obvious implementation on data with revisions, two periods in a year, stale and context
measures, and councils missing from the panel.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from earlywarn.config import FeaturesConfig
from earlywarn.explain import explain
from earlywarn.features import MEASURES, _series, build_features
from earlywarn.features._series import (
    CONTEXT_MAX_AGE_YEARS,
    MAX_AGE_YEARS,
    ObservationIndex,
    nanmedian,
)
from earlywarn.features.registry import measure_info
from earlywarn.models import make_model
from earlywarn.panel import annual_origins, build_panel

CONTEXT = next(m for m, i in MEASURES.items() if i.family == "context")


def _observations(seed: int) -> pd.DataFrame:
    """Sparse random observations: revisions, March and September periods, a stale measure."""
    rng = np.random.default_rng(seed)
    rows = []
    councils = [f"E0600{i:04d}" for i in range(12)]
    measures = ["a_pct", "b_pct", "stale_pct", CONTEXT]
    for c in councils:
        for m in measures:
            last = 2011 if m == "stale_pct" else 2020
            for y in range(2008, last + 1):
                for month in (3, 9) if m == "b_pct" else (3,):
                    if rng.random() < 0.3:
                        continue
                    period = pd.Timestamp(year=y, month=month, day=28 if month == 3 else 30)
                    pub = period + pd.Timedelta(days=int(rng.integers(30, 400)))
                    rows.append((c, period, m, round(rng.normal(50, 10), 2), pub))
                    for _ in range(int(rng.integers(0, 3))):  # revisions, some on one day
                        pub = pub + pd.Timedelta(days=int(rng.integers(0, 500)))
                        rows.append((c, period, m, round(rng.normal(50, 10), 2), pub))
    obs = pd.DataFrame(rows, columns=["council_code", "period", "measure", "value", "published"])
    return obs.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _reference_cube(obs, origin, councils, measures, n_back):
    """The slow, obvious as-of cube: latest revision, latest period per measure, by year."""
    out = np.full((len(councils), len(measures), n_back + 1), np.nan)
    known = obs[obs["published"] <= origin].assign(
        _row=np.arange(len(obs))[(obs["published"] <= origin).to_numpy()]
    )
    known = known.sort_values(["published", "_row"], kind="stable")
    known = known.groupby(["council_code", "measure", "period"]).tail(1)  # latest revision
    for j, m in enumerate(measures):
        om = known[known["measure"] == m].sort_values(["period", "_row"], kind="stable")
        if om.empty:
            continue
        latest = om["period"].max()
        age = CONTEXT_MAX_AGE_YEARS if measure_info(m).family == "context" else MAX_AGE_YEARS
        if latest < origin - pd.DateOffset(years=age):
            continue
        for r in om.itertuples():
            lag = latest.year - r.period.year
            if r.council_code in councils and 0 <= lag <= n_back:
                out[councils.get_loc(r.council_code), j, lag] = r.value  # later period wins
    return out


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("seed", [0, 1])
def test_cube_matches_a_plain_pandas_reference(monkeypatch, layout, seed):
    if layout == "sparse":
        monkeypatch.setattr(_series, "GRID_SLACK", -(10**9))  # force the sparse layout
    obs = _observations(seed)
    measures = sorted(obs["measure"].unique()) + ["never_observed_pct"]
    index = ObservationIndex(obs, measures)
    assert (index.cell_series is None) == (layout == "dense")
    assert len(index.rev_cell) > 0  # the data really has revised cells
    # the panel lacks two councils and has one the observations never mention
    councils = pd.Index(sorted(obs["council_code"].unique())[2:] + ["E06009999"])
    for origin in ["2009-06-30", "2012-03-31", "2014-10-01", "2016-03-31", "2021-03-31"]:
        origin = pd.Timestamp(origin)
        got = index.cube(origin, councils, 5)
        want = _reference_cube(obs, origin, councils, measures, 5)
        np.testing.assert_array_equal(got, want, err_msg=str(origin))
    stale = measures.index("stale_pct")
    assert np.isnan(index.cube(pd.Timestamp("2016-03-31"), councils, 5)[:, stale]).all()
    assert not np.isnan(index.cube(pd.Timestamp("2013-03-31"), councils, 5)[:, stale]).all()


def test_cube_before_any_publication_and_with_no_rows():
    obs = _observations(0)
    index = ObservationIndex(obs, ["a_pct"])
    assert np.isnan(index.cube(pd.Timestamp("2000-01-01"), pd.Index(["E06000000"]), 3)).all()
    empty = ObservationIndex(obs.iloc[:0], ["a_pct"])
    assert empty.cube(pd.Timestamp("2020-03-31"), pd.Index(["x"]), 3).shape == (1, 1, 4)


def test_nanmedian_equals_numpy_including_all_missing_and_even_counts():
    rng = np.random.default_rng(3)
    for shape, axis in [((7, 5), 0), ((8, 6), 0), ((4, 9, 3), 1), ((900, 4), 0)]:
        a = rng.normal(size=shape)
        a[rng.random(shape) < 0.4] = np.nan
        a[..., 0] = np.nan  # all-missing slices
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            want = np.nanmedian(a, axis=axis)
        np.testing.assert_array_equal(nanmedian(a, axis), want)


@pytest.fixture(scope="module")
def two_builds(small_data):
    tables = small_data.tables
    origins = annual_origins(tables, pd.Timestamp("2020-03-31"))[2:]
    panel = build_panel(tables, origins)
    f64 = build_features(tables, panel)
    f32 = build_features(tables, panel, config=FeaturesConfig(dtype="float32"))
    return f64, f32, max(origins)


def test_peer_medians_for_some_rows_equal_the_full_frame(two_builds):
    fs, _, last = two_builds
    now = fs.X.index[fs.X.index.get_level_values("origin") == last]
    some = fs.peer_median_for(now)  # before the full frame exists: only that origin
    assert fs._peer_median is None
    full = fs.peer_median
    assert full.index.equals(fs.X.index) and list(full.columns) == list(fs.X.columns)
    pd.testing.assert_frame_equal(some, full.loc[now])
    pd.testing.assert_frame_equal(fs.peer_median_for(now), full.loc[now])  # from the cache
    assert full.notna().to_numpy().mean() > 0.5


def test_float32_features_are_the_float64_ones_rounded(two_builds):
    f64, f32, _ = two_builds
    assert set(f32.X.dtypes) == {np.dtype("float32")}
    assert list(f32.X.columns) == list(f64.X.columns) and f32.X.index.equals(f64.X.index)
    np.testing.assert_array_equal(f32.X.to_numpy(), f64.X.to_numpy().astype(np.float32))
    np.testing.assert_allclose(
        f32.peer_median.to_numpy(), f64.peer_median.to_numpy(), rtol=1e-6, atol=1e-9
    )


def test_float32_features_score_and_explain_like_float64(two_builds, small_data):
    f64, f32, last = two_builds
    y = (small_data.true_risk["p_fail"].reindex(f64.X.index) > 0.1).astype(int)
    out = {}
    for name, fs in (("64", f64), ("32", f32)):
        now = fs.X[fs.X.index.get_level_values("origin") == last]
        train = fs.X[fs.X.index.get_level_values("origin") < last]
        model = make_model("logit", seed=0).fit(train, y.loc[train.index])
        ex = explain(model, now, train, fs.specs, fs.peer_median, top_k=3)
        out[name] = (model.predict_proba(now)[:, 1], ex.reasons)
    np.testing.assert_allclose(out["32"][0], out["64"][0], atol=1e-3)
    r64, r32 = (out[k][1].set_index(["council_code", "direction", "rank"]) for k in ("64", "32"))
    assert len(r32) > 20 and r32.index.equals(r64.index)
    assert (r32["feature"] == r64["feature"]).mean() >= 0.9
    assert r32["sentence"].str.len().gt(20).all()
    assert not r32["sentence"].str.contains(r"\bnan\b").any()
    # numbers in reasons are rounded: float32 storage does not change what they say
    same = r32["feature"] == r64["feature"]
    assert (r32.loc[same, "sentence"] == r64.loc[same, "sentence"]).mean() >= 0.95

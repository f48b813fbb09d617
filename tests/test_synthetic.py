"""Known-answer tests for the synthetic generator: the truth it plants must be recoverable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from earlywarn.schema import GRADES, validate_tables
from earlywarn.synthetic import SyntheticCouncils, make_synthetic_councils

SMALL = {"n_councils": 40, "start_year": 2012, "end_year": 2021, "n_oracle_sims": 50}
MEDIUM = {"n_councils": 80, "start_year": 2008, "end_year": 2020, "n_oracle_sims": 100}


@pytest.fixture(scope="module")
def small() -> SyntheticCouncils:
    return make_synthetic_councils(seed=11, **SMALL)


@pytest.fixture(scope="module", params=[0, 1])
def medium(request) -> SyntheticCouncils:
    return make_synthetic_councils(seed=request.param, **MEDIUM)


def _realized(data: SyntheticCouncils, end_year: int) -> pd.DataFrame:
    """true_risk rows with closed windows, plus what happened and months since inspection."""
    risk = data.true_risk.reset_index()
    h = pd.DateOffset(months=data.horizon_months)
    risk = risk[risk["origin"] + h <= pd.Timestamp(f"{end_year}-12-31")].copy()
    insp = data.tables.events.query("event_type == 'inspection'")
    pairs = risk[["council_code", "origin"]].merge(insp, on="council_code", how="left")
    in_window = (pairs["date"] > pairs["origin"]) & (pairs["date"] <= pairs["origin"] + h)
    before = pairs["date"] <= pairs["origin"]
    pairs = pairs.assign(
        inspected=in_window,
        failed=in_window & pairs["severity"].eq(4),
        last=pairs["date"].where(before),
    )
    agg = pairs.groupby(["council_code", "origin"]).agg(
        inspected=("inspected", "any"), failed=("failed", "any"), last=("last", "max")
    )
    out = risk.merge(agg.reset_index(), on=["council_code", "origin"])
    out["months_since_inspection"] = (out["origin"] - out["last"]).dt.days / 30.44
    return out


def _level_asof(data: SyntheticCouncils, rows: pd.DataFrame, measure: str) -> pd.Series:
    """The latest value of ``measure`` published on or before each row's origin."""
    obs = data.tables.observations.query("measure == @measure")
    out = pd.Series(np.nan, index=rows.index)
    for origin, part in rows.groupby("origin"):
        known = obs[obs["published"] <= origin].sort_values("period")
        latest = known.groupby("council_code")["value"].last()
        out.loc[part.index] = part["council_code"].map(latest).to_numpy()
    return out


def test_same_seed_same_data_and_other_seed_differs():
    a = make_synthetic_councils(seed=5, **SMALL)
    b = make_synthetic_councils(seed=5, **SMALL)
    c = make_synthetic_councils(seed=6, **SMALL)
    for name in ("councils", "observations", "events"):
        pd.testing.assert_frame_equal(getattr(a.tables, name), getattr(b.tables, name))
    pd.testing.assert_frame_equal(a.true_risk, b.true_risk)
    pd.testing.assert_frame_equal(a.latent, b.latent)
    assert not a.tables.observations["value"].equals(c.tables.observations["value"])


def test_tables_pass_the_contract(small):
    validate_tables(small.tables)
    obs, events = small.tables.observations, small.tables.events
    assert (obs["published"] > obs["period"]).all()
    assert set(events["event_type"]) >= {"inspection", "leadership_change", "intervention"}
    insp = events.query("event_type == 'inspection'")
    assert set(insp["severity"]) <= set(GRADES) and insp["service"].eq("childrens_services").all()
    lead = events.query("event_type == 'leadership_change'")
    assert set(lead["service"]) == {"chief_executive", "dcs", "leader"}
    assert set(lead["severity"]) == {1, 2}
    assert obs.duplicated(["council_code", "period", "measure"]).sum() == 0


def test_measures_are_plausible_and_described(small):
    obs = small.tables.observations
    measures = set(obs["measure"])
    assert measures == {m for m, d in small.truth.items() if "role" in d}
    pct = obs[obs["measure"].str.endswith("_pct")]
    assert pct["value"].between(0, 100).all()
    assert obs.query("measure == 'usable_reserves_gbp_m'")["value"].ge(0).all()
    assert small.truth["noise_index"]["role"] == "noise"
    assert small.truth["rereferral_pct"]["role"] == "leading"
    assert small.truth["rereferral_pct"]["higher_is_worse"] is True
    assert small.truth["assessment_timeliness_pct"]["higher_is_worse"] is False
    assert small.truth["cpp_repeat_pct"]["role"] == "lagging"
    # about 3% of cells are simply absent (no row)
    dfe = obs[obs["measure"].isin(["rereferral_pct", "cpp_repeat_pct", "noise_index"])]
    cells = len(dfe.drop_duplicates(["council_code", "period"]))
    present = dfe.groupby("measure").size() / cells
    assert present.between(0.93, 0.995).all()


def test_publication_lags(small):
    obs = small.tables.observations
    lag = (obs["published"] - obs["period"]).dt.days.groupby(obs["measure"]).median()
    assert 60 <= lag["resident_satisfaction_pct"] <= 120
    assert 180 <= lag["rereferral_pct"] <= 250
    assert lag["usable_reserves_gbp_m"] >= lag["rereferral_pct"]


def test_reorganisation(small):
    councils = small.tables.councils.set_index("council_code")
    reorg = small.truth["reorganisation"]
    new, date = reorg["successor"], reorg["date"]
    assert len(reorg["abolished"]) == 2
    assert councils.loc[new, "valid_from"] == date and pd.isna(councils.loc[new, "valid_to"])
    for old in reorg["abolished"]:
        assert councils.loc[old, "valid_to"] == date
        assert councils.loc[old, "successor_code"] == new
    obs, ev, lat = small.tables.observations, small.tables.events, small.latent
    old = obs["council_code"].isin(reorg["abolished"])
    assert old.any() and (obs.loc[old, "published"] < date).all()
    assert (ev.loc[ev["council_code"].isin(reorg["abolished"]), "date"] < date).all()
    assert (lat.loc[lat["council_code"].isin(reorg["abolished"]), "date"] < date).all()
    assert (obs.loc[obs["council_code"].eq(new), "period"] >= date).all()
    assert obs["council_code"].eq(new).any()
    assert (ev.loc[ev["council_code"].eq(new), "date"] >= date).all()
    assert (lat.loc[lat["council_code"].eq(new), "date"] >= date).all()
    origins = small.true_risk.index.get_level_values("origin")
    codes = small.true_risk.index.get_level_values("council_code")
    assert (origins[codes == new] >= date).all() and (codes == new).any()
    assert (origins[np.isin(codes, reorg["abolished"])] < date).all()


def test_true_risk_covers_every_council_at_every_origin(small):
    risk = small.true_risk
    assert not risk.index.duplicated().any()
    origins = pd.DatetimeIndex(
        [f"{y}-03-31" for y in range(SMALL["start_year"] + 2, SMALL["end_year"] + 1)]
    )
    assert set(risk.index.get_level_values("origin")) == set(origins)
    c = small.tables.councils
    started = [c["valid_from"].isna() | (c["valid_from"] <= t) for t in origins]
    ended = [c["valid_to"].notna() & (c["valid_to"] <= t) for t in origins]
    expected = sum(int((s & ~e).sum()) for s, e in zip(started, ended, strict=True))
    assert len(risk) == expected
    p = risk[["p_fail", "p_inspected"]]
    assert p.notna().all().all() and ((p >= 0) & (p <= 1)).all().all()
    assert (risk["p_fail"] <= risk["p_inspected"]).all()
    cond = risk["p_fail_given_inspected"]
    assert cond.isna().eq(risk["p_inspected"].eq(0)).all()
    assert cond.dropna().between(0, 1).all()


def test_latent_is_monthly_health(small):
    lat = small.latent
    assert list(lat.columns) == ["council_code", "date", "health"]
    assert lat["date"].dt.is_month_end.all()
    assert not lat.duplicated(["council_code", "date"]).any()
    assert lat["health"].notna().all() and lat["health"].std() > 0.3


def test_base_rates_and_grades(medium):
    rows = _realized(medium, MEDIUM["end_year"])
    assert 0.06 <= rows["failed"].mean() <= 0.16
    assert 0.35 <= rows["inspected"].mean() <= 0.8  # many windows are censored
    grades = medium.tables.events.query("event_type == 'inspection'")["severity"]
    share = grades.value_counts(normalize=True)
    assert share[2] + share[3] > 0.6 and 0.08 <= share[4] <= 0.22
    # the oracle and the world are the same process: calibrated on average
    assert abs(rows["p_fail"].mean() - rows["failed"].mean()) < 0.03
    assert abs(rows["p_inspected"].mean() - rows["inspected"].mean()) < 0.05


def test_oracle_is_informative(medium):
    rows = _realized(medium, MEDIUM["end_year"])
    assert roc_auc_score(rows["failed"], rows["p_fail"]) >= 0.75
    assert roc_auc_score(rows["inspected"], rows["p_inspected"]) >= 0.9


def test_leading_indicator_beats_noise(medium):
    rows = _realized(medium, MEDIUM["end_year"])
    failed = rows["failed"].astype(float)
    corr = {
        m: _level_asof(medium, rows, m).corr(failed)
        for m in ("rereferral_pct", "assessment_timeliness_pct", "noise_index")
    }
    assert corr["rereferral_pct"] > 0.1
    assert corr["rereferral_pct"] > abs(corr["noise_index"]) + 0.05
    assert corr["assessment_timeliness_pct"] < -0.1  # higher is better


def test_selective_inspection(medium):
    rows = _realized(medium, MEDIUM["end_year"]).dropna(subset=["months_since_inspection"])
    tsi = rows["months_since_inspection"]
    assert roc_auc_score(rows["inspected"], tsi) >= 0.85
    inspected = rows[rows["inspected"]]
    auc = roc_auc_score(inspected["failed"], inspected["months_since_inspection"])
    assert 0.35 < auc < 0.65


def test_leadership_changes_follow_low_health_and_hurt_it(medium):
    lat = medium.latent.sort_values(["council_code", "date"])
    lead = medium.tables.events.query("event_type == 'leadership_change'")
    month = lead["date"] + pd.offsets.MonthEnd(0)
    changed = pd.DataFrame({"council_code": lead["council_code"], "date": month})
    lat = lat.merge(changed.drop_duplicates().assign(changed=True), how="left")
    lat["changed"] = lat["changed"].astype("boolean").fillna(False).astype(bool)
    by_council = lat.groupby("council_code")["health"]
    before, after = by_council.shift(1), by_council.shift(-1)
    ok = before.notna() & after.notna()
    # changes are likelier after a low-health month ...
    low = before < before.quantile(0.2)
    assert lat.loc[ok & low, "changed"].mean() > 1.5 * lat.loc[ok & ~low, "changed"].mean()
    # ... and each change worsens health for a while
    drop = (after - before)[ok]
    assert drop[lat["changed"][ok]].mean() < drop[~lat["changed"][ok]].mean() - 0.05


def test_rejects_too_few_councils():
    with pytest.raises(ValueError, match="n_councils"):
        make_synthetic_councils(n_councils=2)

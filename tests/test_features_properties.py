"""Feature properties: no leakage in any family, row order and one row per key; planted
signals are recovered; soft-note text never reaches a model or an output."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from earlywarn.config import parse_config
from earlywarn.features import build_features
from earlywarn.panel import annual_origins, build_panel
from earlywarn.schema import SOFT_NOTE_NATURES, Tables, validate_soft_notes

MARKER = "ZQX-PRIVATE-ADVISER-WORDS"
FAMILIES = {"indicators", "satisfaction", "finance", "leadership", "soft", "inspection", "context"}


def make_soft_notes(data, seed: int = 0) -> pd.DataFrame:
    """Advisers' notes, likelier and more serious where the hidden health is low."""
    rng = np.random.default_rng(seed)
    lat = data.latent
    low = lat["health"] < -0.8
    sub = lat[rng.random(len(lat)) < np.where(low, 0.2, 0.01)]
    h = sub["health"].to_numpy()
    return validate_soft_notes(
        pd.DataFrame(
            {
                "council_code": sub["council_code"].to_numpy(),
                "date": sub["date"].to_numpy(),
                "problem_nature": rng.choice(SOFT_NOTE_NATURES, len(sub)),
                "severity": np.where(h < -1.5, 3, np.where(h < -0.8, 2, 1)),
                "note": [f"{MARKER} {i}: the director seemed overwhelmed" for i in range(len(sub))],
            }
        )
    )


@pytest.fixture(scope="module")
def notes(small_data):
    return make_soft_notes(small_data)


@pytest.fixture(scope="module")
def neighbours(small_data):
    codes = small_data.tables.councils["council_code"].to_numpy()
    rng = np.random.default_rng(1)
    rows = [(c, n) for c in codes[::2] for n in rng.choice(codes, 5, replace=False) if n != c]
    return pd.DataFrame(rows, columns=["council_code", "neighbour_code"])


def _build(tables, origins, notes, neighbours):
    panel = build_panel(tables, origins)
    return build_features(tables, panel, soft_notes=notes, neighbours=neighbours)


@settings(max_examples=8, deadline=None)
@given(year=st.integers(2012, 2019), seed=st.integers(0, 10_000))
def test_nothing_published_after_the_origin_changes_any_family(
    small_data, notes, neighbours, year, seed
):
    tables = small_data.tables
    origin = pd.Timestamp(f"{year}-03-31")
    before = _build(tables, [origin], notes, neighbours)
    assert {s.family for s in before.specs.values()} == FAMILIES
    rng = np.random.default_rng(seed)
    obs = tables.observations.copy()
    future = obs["published"] > origin
    obs.loc[future, "value"] *= rng.uniform(0.1, 3.0, future.sum())
    obs = obs[~(future & (rng.uniform(size=len(obs)) < 0.3))]
    old = tables.observations[~future].sample(20, random_state=seed)
    obs = pd.concat(
        [obs, old.assign(value=old["value"] + 50, published=origin + pd.Timedelta(1, "D"))]
    )
    ev = tables.events.copy()
    later = ev["date"] > origin
    ev.loc[later, "severity"] = np.where(ev.loc[later, "event_type"] == "inspection", 4, 2)
    extra = ev[~later].sample(8, random_state=seed).assign(date=origin + pd.Timedelta(3, "D"))
    fin = extra.head(2).assign(event_type="financial_notice", service="s114", severity=1.0)
    ev = pd.concat([ev, extra, fin], ignore_index=True)
    n = notes.copy()
    after_origin = n["date"] > origin
    n.loc[after_origin, "severity"] = 3.0
    n = pd.concat([n, n.sample(10, random_state=seed).assign(date=origin + pd.Timedelta(1, "D"))])
    after = _build(Tables(tables.councils, obs, ev), [origin], n, neighbours)
    pd.testing.assert_frame_equal(before.X, after.X)
    pd.testing.assert_frame_equal(before.peer_median, after.peer_median)


def test_past_changes_do_move_every_family(small_data, notes, neighbours):
    """The property above could not pass by accident."""
    tables = small_data.tables
    origin = pd.Timestamp("2016-03-31")
    base = _build(tables, [origin], notes, neighbours).X
    obs = tables.observations.copy()
    obs.loc[obs["published"] <= origin, "value"] *= 1.5
    ev = tables.events.copy()
    ev.loc[ev["date"] <= origin, "date"] -= pd.Timedelta(days=200)
    n = notes.assign(severity=1.0)
    changed = _build(Tables(tables.councils, obs, ev), [origin], n, neighbours)
    for fam in FAMILIES - {"context"}:  # deprivation is published only every fourth year
        cols = [c for c, s in changed.specs.items() if s.family == fam]
        assert not changed.X[cols].equals(base[cols]), fam


def test_row_order_does_not_matter_and_one_row_per_key(small_data, notes, neighbours):
    tables = small_data.tables
    origins = [pd.Timestamp(f"{y}-03-31") for y in (2013, 2016, 2019)]
    a = _build(tables, origins, notes, neighbours)
    shuffled = Tables(
        tables.councils.sample(frac=1, random_state=3),
        tables.observations.sample(frac=1, random_state=4),
        tables.events.sample(frac=1, random_state=5),
    )
    b = _build(
        shuffled,
        origins,
        notes.sample(frac=1, random_state=6),
        neighbours.sample(frac=1, random_state=7),
    )
    pd.testing.assert_frame_equal(a.X, b.X.loc[a.X.index])
    assert a.X.index.is_unique
    assert a.X.index.equals(build_panel(tables, origins).index)


@pytest.fixture(scope="module")
def all_origins(small_data, notes):
    tables = small_data.tables
    origins = annual_origins(tables, pd.Timestamp("2020-03-31"))[2:]
    fs = _build(tables, origins, notes, None)
    truth = small_data.true_risk.reindex(fs.X.index)["p_fail_given_inspected"]
    rho = fs.X.apply(lambda c: c.corr(truth, method="spearman"))
    return fs, rho


def test_each_family_carries_the_planted_signal(all_origins):
    fs, rho = all_origins
    for fam in FAMILIES - {"context"}:
        cols = [c for c, s in fs.specs.items() if s.family == fam]
        assert rho[cols].abs().max() > 0.25, (fam, rho[cols].abs().max())
    # signs follow the planted effects (risk: failure given inspection)
    assert rho["rereferral_pct"] > 0.3  # leading indicator, higher is worse
    assert rho["assessment_timeliness_pct"] < -0.3  # leading, higher is better
    assert rho["satisfaction_pct"] < -0.2
    assert rho["reserves_pct_net_spend"] < -0.3  # reserves deplete while health is low
    assert rho["leadership_changes_5y"] > 0.2  # churn follows and causes low health
    assert rho["soft_notes_12m"] > 0.25


def test_planted_leading_indicator_ranks_high_and_noise_does_not(all_origins):
    fs, rho = all_origins
    top = rho.abs().sort_values(ascending=False)
    assert top.index[0] in {
        "rereferral_pct",
        "rereferral_pct_peer_pctile",
        "reserves_pct_net_spend",
    }
    assert not [c for c in top.index[:15] if c.startswith("noise_index")]
    assert rho.filter(like="noise_index").abs().max() < 0.2
    # the leading indicators' trends beat the noise indicator's trends
    trend = [c for c in rho.index if "_chg_" in c or "_slope_" in c]
    leading = [c for c in trend if c.startswith(("rereferral", "assessment_timeliness"))]
    noise = [c for c in trend if c.startswith("noise_index")]
    assert rho[leading].abs().max() > rho[noise].abs().max() + 0.05


def test_soft_note_text_never_reaches_a_model_or_an_output(tmp_path, small_config_dict):
    from earlywarn.cycle import run_cycle
    from earlywarn.synthetic import make_synthetic_councils

    raw = small_config_dict["data"]
    data = make_synthetic_councils(
        n_councils=raw["n_councils"], start_year=raw["start_year"], end_year=raw["end_year"], seed=7
    )
    notes = make_soft_notes(data)
    assert len(notes) > 50
    path = tmp_path / "notes.csv"
    notes.assign(date=notes["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    cfg = parse_config(
        {
            **small_config_dict,
            "models": {"kinds": ["logit"]},
            "evaluate": {"k": 8, "n_boot": 10},
            "features": {"soft_notes": str(path)},
        }
    )
    res = run_cycle(
        cfg,
        out_dir=tmp_path / "out",
        tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        data=(data.tables, data.true_risk, {}),
    )
    scanned = 0
    for p in tmp_path.rglob("*"):
        if p.is_file() and p != path:
            assert MARKER.encode() not in p.read_bytes(), p
            assert b"seemed overwhelmed" not in p.read_bytes(), p
            scanned += 1
    assert scanned >= 5
    assert res.run_info["inputs"]["soft_notes_sha256"]
    by_family = json.loads((res.out_dir / "reasons.json").read_text())["by_family"]
    assert all("soft" in fams for fams in by_family.values())  # the notes were model inputs

"""As of, on the bundled real panel: every feature at every origin is what the tables cut
at that origin give, and values published after an origin cannot move its features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from earlywarn import load_real_tables
from earlywarn.features import build_features
from earlywarn.panel import annual_origins, asof_events, build_panel
from earlywarn.schema import Tables
from earlywarn.sources import load_real_neighbours, real_bundle_info

AS_OF = pd.Timestamp("2025-03-31")  # the staged vintage (every DfE edition read)


@pytest.fixture(scope="module")
def real():
    tables = load_real_tables()
    origins = annual_origins(tables, AS_OF)[2:]  # as run_cycle does
    panel = build_panel(tables, origins)
    nb = load_real_neighbours()[["council_code", "neighbour_code"]]
    full = build_features(tables, panel, neighbours=nb)
    return tables, panel, nb, full


def _cut(tables: Tables, origin: pd.Timestamp) -> Tables:
    obs = tables.observations
    return Tables(
        tables.councils,
        obs[obs["published"] <= origin].reset_index(drop=True),
        asof_events(tables.events, origin).reset_index(drop=True),
        tables.sources,
    )


def _compare(full: pd.DataFrame, part: pd.DataFrame, origin) -> None:
    extra = set(part.columns) - set(full.columns)
    assert not extra, (origin, sorted(extra)[:5])
    for col in full.columns:
        a = full[col].to_numpy()
        if col not in part.columns:  # the cut build never filled it: nothing known then
            assert np.isnan(a).all(), (origin, col)
            continue
        b = part[col].reindex(full.index).to_numpy()
        np.testing.assert_array_equal(a, b, err_msg=f"{origin.date()} {col}")


def test_every_feature_at_every_origin_equals_the_build_on_cut_tables(real):
    tables, panel, nb, full = real
    origins = sorted(set(panel.index.get_level_values("origin")))
    assert len(origins) >= 12 and full.X.shape[1] > 200
    for origin in origins:
        rows = panel.xs(origin, level="origin", drop_level=False)
        part = build_features(_cut(tables, origin), rows, neighbours=nb)
        _compare(full.X.loc[rows.index], part.X, origin)


@pytest.mark.parametrize("origin", ["2014-03-31", "2018-03-31", "2022-03-31", "2024-03-31"])
def test_leak_probe_changing_later_publications_changes_nothing(real, origin):
    """Every value published after the origin is scrambled and every later event moved
    and regraded: the origin's features are unchanged (and the probe is not vacuous)."""
    tables, panel, nb, full = real
    origin = pd.Timestamp(origin)
    rng = np.random.default_rng(11)
    obs = tables.observations.copy()
    later = obs["published"] > origin
    assert later.sum() > 1000
    obs.loc[later, "value"] = obs.loc[later, "value"] * 3 + rng.normal(0, 50, later.sum())
    ev = tables.events.copy()
    late_ev = ev["date"] > origin
    ev.loc[late_ev, "severity"] = 4.0
    probed = Tables(tables.councils, obs, ev, tables.sources)
    rows = panel.xs(origin, level="origin", drop_level=False)
    part = build_features(probed, rows, neighbours=nb)
    _compare(full.X.loc[rows.index], part.X, origin)
    # the same scrambling applied to the past does move the features
    past = obs["published"] <= origin
    obs.loc[past, "value"] = obs.loc[past, "value"] * 3 + 1
    moved = build_features(Tables(tables.councils, obs, ev, tables.sources), rows, neighbours=nb)
    assert not moved.X.equals(part.X)


def test_leadership_and_satisfaction_cover_the_real_councils(real):
    """Political control gives the leadership family a value for >= 80% of councils at
    every origin from 2016; the adult social care surveys do for satisfaction from 2017
    (Oflog's first year, 2015-16, was published in December 2016)."""
    _, _, _, full = real
    fam = pd.Series(full.families)
    for family, first in (("leadership", 2016), ("satisfaction", 2017)):
        cols = fam[fam == family].index
        share = full.X[cols].notna().any(axis=1).groupby(level="origin").mean()
        late = share[share.index >= pd.Timestamp(first, 3, 31)]
        assert len(late) >= 6 and (late >= 0.8).all(), (family, late.round(2).to_dict())
    assert "political_no_overall_control" in full.X.columns
    assert "asc_user_quality_of_life_drop_from_peak" in full.X.columns
    # raw counts are context only: flagged so that they are never offered as reasons
    counts = [
        n
        for n, s in full.specs.items()
        if s.family == "context" and (n.endswith("_count") or n.endswith("_gbp_m"))
    ]
    assert len(counts) >= 10 and not any(full.specs[n].reason_ok for n in counts)
    assert full.specs["referral_per_10k"].reason_ok
    report = real_bundle_info()["build_report"]
    cov = report["coverage_by_family"]
    assert cov["leadership"]["2019-03-31"] >= 0.95 and cov["satisfaction"]["2019-03-31"] >= 0.95

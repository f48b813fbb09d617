"""The feature registry covers every measure of the bundled real data."""

from __future__ import annotations

import pytest

from earlywarn import load_real_tables


@pytest.fixture(scope="module")
def real():
    return load_real_tables()


def test_every_bundled_measure_is_registered(real):
    """No real measure falls back to 'direction assumed': each has its words, unit,
    direction (or an explicit 'unclear'), family and nature in the registry."""
    from earlywarn.features.registry import MEASURES, measure_info

    measures = sorted(real.observations["measure"].unique())
    assert [m for m in measures if m not in MEASURES] == []
    assert not any("direction assumed" in measure_info(m).label for m in measures)
    ctx = [m for m in measures if m.startswith("s251_")]
    assert ctx and all(measure_info(m).family == "context" for m in ctx)
    assert all(not measure_info(m).direction_known for m in ctx)
    unclear = measure_info("asc_requests_resulting_in_service_per_100k")
    assert not unclear.direction_known and unclear.unit == ""
    for m in ("asc_carer_quality_of_life", "asc_users_easy_to_find_info_pct"):
        assert not measure_info(m).higher_is_worse and measure_info(m).direction_known
    assert measure_info("unallocated_reserves_gbp_m").family == "finance"
    assert not measure_info("unallocated_reserves_gbp_m").higher_is_worse
    dep = measure_info("deprivation_lsoa_decile1_pct")
    assert dep.family == "context" and dep.higher_is_worse

"""Feature builders: known answers on tiny hand-made tables, config errors, sentences."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from earlywarn.config import FeaturesConfig, parse_config
from earlywarn.errors import UserInputError
from earlywarn.features import build_features, measure_info, render_sentence
from earlywarn.features._series import slope_rows, volatility_rows
from earlywarn.features.finance import years_of_reserves_left
from earlywarn.features.indicators import coasting
from earlywarn.features.satisfaction import survey_change_z
from earlywarn.panel import build_panel
from earlywarn.schema import Tables, validate_soft_notes

ORIGIN = pd.Timestamp("2020-03-31")
CODES = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]


def _councils(codes=CODES, types=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "council_code": codes,
            "council_name": [f"C{i}" for i in range(len(codes))],
            "council_type": types or ["unitary"] * len(codes),
            "region": ["North East"] * len(codes),
            "valid_from": pd.NaT,
            "valid_to": pd.NaT,
            "successor_code": None,
        }
    )


def _obs(values: dict[str, dict[str, list[float]]], last_year: int = 2019) -> pd.DataFrame:
    """{measure: {council: [latest, 1 year earlier, ...]}} -> observations (NaN = absent)."""
    rows = []
    for measure, by_council in values.items():
        for code, series in by_council.items():
            for lag, v in enumerate(series):
                if v == v:
                    period = pd.Timestamp(f"{last_year - lag}-03-31")
                    rows.append((code, period, measure, float(v), period + pd.Timedelta(days=200)))
    return pd.DataFrame(rows, columns=["council_code", "period", "measure", "value", "published"])


def _events(rows=()) -> pd.DataFrame:
    cols = ["council_code", "date", "event_type", "service", "severity", "source"]
    df = pd.DataFrame(list(rows), columns=cols)
    df["date"] = pd.to_datetime(df["date"])
    df["severity"] = df["severity"].astype(float)
    return df


def _features(obs, events=None, councils=None, families=None, **kwargs):
    councils = _councils() if councils is None else councils
    tables = Tables(councils, obs, _events() if events is None else events)
    panel = build_panel(tables, [ORIGIN])
    return build_features(tables, panel, families, **kwargs)


def _row(fs, code):
    return fs.X.xs(code, level="council_code").iloc[0]


# --- helpers on hand examples ---------------------------------------------------------


def test_slope_known_answers_and_edge_cases():
    y = np.array(
        [
            [4.0, 3.0, 2.0, 1.0],  # rising by 1 a year (column j = j years back)
            [1.0, np.nan, 3.0, np.nan],  # two points two years apart: -1 a year
            [5.0, np.nan, np.nan, np.nan],  # one period only
            [np.nan] * 4,  # all missing
            [2.0, 2.0, 2.0, 2.0],  # flat
        ]
    )
    np.testing.assert_allclose(slope_rows(y), [1.0, -1.0, np.nan, np.nan, 0.0])


def test_volatility_needs_two_changes():
    y = np.array([[1.0, 3.0, 4.0, 7.0], [1.0, 2.0, np.nan, np.nan], [np.nan] * 4])
    np.testing.assert_allclose(volatility_rows(y), [1.0, np.nan, np.nan])


def test_years_of_reserves_left_hand_examples():
    r = np.array(
        [
            [40.0, 60.0, 80.0, 100.0],  # falls 20 a year: 40 / 20 = 2 years
            [50.0, 40.0, 30.0, 20.0],  # rising: defined, at the cap
            [50.0, 50.0, 50.0, 50.0],  # flat: at the cap
            [30.0, np.nan, np.nan, np.nan],  # one period only
            [np.nan] * 4,  # all missing
            [90.0, 100.0, np.nan, np.nan],  # falls 10 in one year: 9 years
            [0.0, 10.0, 20.0, 30.0],  # exhausted
            [99.0, 100.0, 101.0, 102.0],  # slow fall: 99 years, capped
        ]
    )
    got = years_of_reserves_left(r, 3, 20.0)
    np.testing.assert_allclose(got, [2.0, 20.0, 20.0, np.nan, np.nan, 9.0, 0.0, 20.0])


def test_coasting_rule():
    got = coasting(np.array([0.0, 1.0, -1.0, 0.0, np.nan]), np.array([-1.0, -1.0, -1.0, 1.0, -1]))
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.0, 0.0, np.nan])


def test_survey_change_z_hand_example():
    # 50% -> 45% with 1000 respondents each: se = 100 sqrt(.25/1000 + .2475/1000) = 2.2305
    z = survey_change_z(np.array([45.0]), np.array([1000.0]), np.array([50.0]), np.array([1000]))
    assert z[0] == pytest.approx(-5 / 2.2305, abs=1e-3)


# --- families on tiny tables ----------------------------------------------------------


def test_indicator_levels_changes_and_peer_position():
    obs = _obs(
        {
            "rereferral_pct": {
                CODES[0]: [10, 11, 12, 13, 14, 15],
                CODES[1]: [12, 12, 12, 12],
                CODES[2]: [14, 15, 16, 17],
                CODES[3]: [16, 17, 18, 19],
                CODES[4]: [30, 20, 20, 20],
            }
        }
    )
    fs = _features(obs, families=("indicators",))
    a, e = _row(fs, CODES[0]), _row(fs, CODES[4])
    assert a["rereferral_pct"] == 10
    assert a["rereferral_pct_chg_1y"] == -1
    assert a["rereferral_pct_chg_3y"] == -3
    assert a["rereferral_pct_slope_4y"] == pytest.approx(-1.0)
    assert e["rereferral_pct_chg_1y"] == 10
    # levels 10, 12, 14, 16, 30: median 14, MAD 2 -> robust z of 30 = 16 / (1.4826 * 2)
    assert e["rereferral_pct_peer_robust_z"] == pytest.approx(16 / (1.4826 * 2))
    assert e["rereferral_pct_peer_pctile"] == 100
    assert _row(fs, CODES[2])["rereferral_pct_peer_pctile"] == 50
    assert a["rereferral_pct_peer_pctile"] == 0
    # direction of travel: only E worsened (higher is worse); B did not change
    assert e["indicators_worsened_1y_count"] == 1
    assert a["indicators_worsened_1y_count"] == 0
    assert fs.peer_median.xs(CODES[0], level="council_code").iloc[0]["rereferral_pct"] == 14
    spec = fs.specs["rereferral_pct_chg_3y"]
    assert spec.family == "indicators" and spec.higher_is_worse and spec.kind == "change"


@pytest.mark.parametrize(
    ("measure", "improving", "flat"),
    [("rereferral_pct", [20, 22, 24, 26], [20, 20, 20, 20]),  # higher is worse
     ("assessment_timeliness_pct", [80, 78, 76, 74], [80, 80, 80, 80])],  # higher is better
)  # fmt: skip
def test_coasting_respects_direction(measure, improving, flat):
    series = {CODES[0]: flat, **{c: improving for c in CODES[1:]}}
    fs = _features(_obs({measure: series}), families=("indicators",))
    col = f"{measure}_coasting_3y"
    assert _row(fs, CODES[0])[col] == 1  # no improvement while peers improved
    assert _row(fs, CODES[1])[col] == 0
    assert _row(fs, CODES[0])["indicators_coasting_count"] == 1
    # the same council worsening while peers worsen too is not coasting
    worse = {c: list(reversed(improving)) for c in CODES}
    fs = _features(_obs({measure: worse}), families=("indicators",))
    assert _row(fs, CODES[0])[col] == 0


def test_statistical_neighbours_replace_the_council_type():
    levels = dict(zip(CODES, [10, 20, 30, 40, 25], strict=True))
    obs = _obs({"rereferral_pct": {c: [v] for c, v in levels.items()}})
    nb = pd.DataFrame(
        {"council_code": [CODES[4]] * 3, "neighbour_code": [CODES[1], CODES[2], CODES[3]]}
    )
    fs = _features(obs, families=("indicators",), neighbours=nb)
    e = _row(fs, CODES[4])
    # neighbours 20, 30, 40: one below 25 -> 33.3rd percentile; median 30; MAD 10
    assert e["rereferral_pct_peer_pctile"] == pytest.approx(100 / 3)
    assert e["rereferral_pct_peer_robust_z"] == pytest.approx(-5 / (1.4826 * 10))
    assert fs.peer_median.xs(CODES[4], level="council_code").iloc[0]["rereferral_pct"] == 30
    # councils without neighbours keep their council type as peers (4 others: 20,30,40,25)
    assert _row(fs, CODES[0])["rereferral_pct_peer_pctile"] == 0


def test_too_few_peers_give_no_position():
    obs = _obs({"rereferral_pct": {CODES[0]: [10], CODES[1]: [20], CODES[2]: [30]}})
    fs = _features(obs, families=("indicators",))
    assert "rereferral_pct_peer_pctile" not in fs.X.columns  # 2 peers < min_peers: all NaN


def test_satisfaction_peak_drop_and_noise():
    sat = {c: [60, 62, 61, 60] for c in CODES}
    sat[CODES[0]] = [50, 60, 64, 58]  # peak 64, fell 10 points in a year
    sat[CODES[1]] = [59, 60, 60, 60]  # a 1-point dip: within survey noise
    n = {c: [1000, 1000, 1000, 1000] for c in CODES}
    fs = _features(
        _obs({"resident_satisfaction_pct": sat, "resident_satisfaction_n": n}),
        families=("satisfaction",),
    )
    a, b = _row(fs, CODES[0]), _row(fs, CODES[1])
    assert a["satisfaction_drop_from_peak_pp"] == 14
    assert a["satisfaction_chg_1y_pp"] == -10
    assert a["satisfaction_drop_beyond_noise"] == 1
    assert b["satisfaction_drop_beyond_noise"] == 0
    # peers' median change is -1 (C, D, E: -2; B: -1; A: -10 -> median -2)
    assert a["satisfaction_chg_vs_peers_pp"] == -8
    assert "resident_satisfaction_n" not in fs.X.columns  # a sample size is not a feature


def test_finance_ratios_years_left_and_notices():
    res = {c: [40, 60, 80, 100] for c in CODES}
    res[CODES[1]] = [50, 40, 30, 20]
    spend = {c: [200, 200, 200, 200] for c in CODES}
    ev = _events(
        [
            (CODES[0], "2018-06-01", "financial_notice", "s114", 1, "t"),
            (CODES[0], "2012-06-01", "financial_notice", "efs", 1, "t"),
        ]
    )
    fs = _features(
        _obs({"usable_reserves_gbp_m": res, "net_revenue_expenditure_gbp_m": spend}),
        events=ev,
        families=("finance",),
    )
    a, b = _row(fs, CODES[0]), _row(fs, CODES[1])
    assert a["reserves_pct_net_spend"] == 20
    assert a["reserves_pct_net_spend_chg_3y_pp"] == -30
    assert a["reserves_years_left"] == 2
    assert b["reserves_years_left"] == 20  # rising reserves: defined, at the cap
    assert a["financial_notices_5y"] == 1 and b["financial_notices_5y"] == 0
    assert np.isnan(b["years_since_financial_notice"])
    assert "debt_pct_net_spend" not in fs.X.columns  # the data has no debt figures
    assert a["finance_data_available_pct"] == pytest.approx(200 / 3)


def test_leadership_turnover_counts():
    ev = _events(
        [
            (CODES[0], "2019-09-30", "leadership_change", "chief_executive", 1, "t"),
            (CODES[0], "2018-03-31", "leadership_change", "chief_executive", 1, "t"),
            (CODES[0], "2016-01-31", "leadership_change", "chief_executive", 1, "t"),
            (CODES[0], "2020-01-01", "leadership_change", "dcs", 2, "t"),  # interim
            (CODES[0], "2020-06-01", "leadership_change", "leader", 1, "t"),  # after origin
            (CODES[1], "2008-01-01", "leadership_change", "leader", 2, "t"),
            (CODES[1], "2009-01-01", "leadership_change", "leader", 1, "t"),  # replaced
        ]
        # another council's directors and leaders: the sources of those changes run
        # through the look-backs (a source with one event covers no window)
        + [
            (CODES[4], f"{y}-06-30", "leadership_change", role, 1, "t")
            for y in range(2013, 2020)
            for role in ("dcs", "leader")
        ]
    )
    fs = _features(_obs({}), events=ev, families=("leadership",))
    a, b, c = _row(fs, CODES[0]), _row(fs, CODES[1]), _row(fs, CODES[2])
    assert (a["ceo_changes_1y"], a["ceo_changes_3y"], a["ceo_changes_5y"]) == (1, 2, 3)
    assert (a["dcs_changes_1y"], a["leader_changes_1y"]) == (1, 0)
    assert a["leadership_changes_5y"] == 4
    assert a["interims_in_post"] == 1 and b["interims_in_post"] == 0
    assert a["years_since_leadership_change"] == pytest.approx(90 / 365.25)
    assert b["years_since_leadership_change"] == 10  # capped
    assert c["leadership_changes_5y"] == 0 and np.isnan(c["years_since_leadership_change"])
    assert "no_overall_control" not in fs.X.columns  # no political-control data


def test_no_leadership_data_gives_no_leadership_features():
    fs = _features(_obs({"rereferral_pct": {c: [1.0] for c in CODES}}), families=("leadership",))
    assert fs.X.shape[1] == 0


def test_political_control_where_given():
    ev = _events(
        [
            (CODES[0], "2017-05-05", "leadership_change", "political_control", 1, "t"),
            (CODES[0], "2019-05-03", "leadership_change", "political_control", 2, "t"),
            (CODES[1], "2019-05-03", "leadership_change", "political_control", 1, "t"),
        ]
    )
    a = _row(_features(_obs({}), events=ev, families=("leadership",)), CODES[0])
    assert a["control_changes_5y"] == 2 and a["no_overall_control"] == 1


def test_soft_notes_counts_and_max_severity_in_window():
    notes = validate_soft_notes(
        pd.DataFrame(
            {
                "council_code": [CODES[0], CODES[0], CODES[0], CODES[1], CODES[0]],
                "date": ["2019-06-01", "2019-12-01", "2018-01-01", "2020-01-15", "2020-05-01"],
                "problem_nature": ["financial", "financial", "financial", "Political", "capacity"],
                "severity": [1, 3, 3, 2, 3],
                "note": ["a", "b", "too old", "d", "after the origin"],
            }
        )
    )
    fs = _features(_obs({}), families=("soft",), soft_notes=notes)
    a, b, c = _row(fs, CODES[0]), _row(fs, CODES[1]), _row(fs, CODES[2])
    assert a["soft_financial_notes_12m"] == 2 and a["soft_financial_max_severity_12m"] == 3
    assert a["soft_capacity_notes_12m"] == 0  # the capacity note is after the origin
    assert b["soft_political_max_severity_12m"] == 2 and b["soft_notes_12m"] == 1
    assert c["soft_notes_12m"] == 0
    assert fs.specs["soft_financial_notes_12m"].nature == "financial"


def test_bad_soft_notes_are_one_line_without_the_text():
    bad = pd.DataFrame(
        {
            "council_code": [CODES[0]],
            "date": ["2019-06-01"],
            "problem_nature": ["gossip"],
            "severity": [1],
            "note": ["PRIVATE WORDS"],
        }
    )
    with pytest.raises(UserInputError) as err:
        validate_soft_notes(bad, "notes.csv")
    assert "row 2, column problem_nature" in str(err.value)
    assert "PRIVATE" not in str(err.value) and "\n" not in str(err.value)


def test_real_measures_are_registered_and_counts_are_context():
    for m in ["sw_turnover_pct", "sw_agency_pct", "sw_vacancy_pct", "sw_caseload_per_fte"]:
        assert measure_info(m).nature == "capacity" and measure_info(m).higher_is_worse
    for m in ["rereferral_pct", "cpp_repeat_pct", "cpp_2y_plus_pct", "placement_3plus_pct"]:
        assert measure_info(m).family == "indicators" and measure_info(m).direction_known
    assert not measure_info("cla_rate_per_10k").direction_known
    for m in ["pop_0_17_count", "cla_count", "referral_count", "sw_fte_count"]:
        assert measure_info(m).family == "context"
    obs = _obs({"pop_0_17_count": {c: [1000.0, 990.0] for c in CODES}})
    fs = _features(obs)
    assert [c for c in fs.X.columns if c.startswith("pop_0_17")] == ["pop_0_17_count"]
    assert fs.specs["pop_0_17_count"].family == "context"


def test_missing_data_stays_missing():
    obs = _obs({"rereferral_pct": {CODES[0]: [10, 11], CODES[1]: [np.nan, 12]}})
    fs = _features(obs, families=("indicators",))
    assert np.isnan(_row(fs, CODES[1])["rereferral_pct"])
    assert np.isnan(_row(fs, CODES[2])["rereferral_pct_chg_1y"])
    assert _row(fs, CODES[2])["indicators_data_available_pct"] == 0
    assert _row(fs, CODES[0])["indicators_data_available_pct"] == 100


def test_config_chooses_measures_and_windows_and_rejects_unknown_names():
    obs = _obs(
        {
            "rereferral_pct": {c: [10, 11, 12, 13, 14, 15] for c in CODES},
            "cpp_repeat_pct": {c: [10, 11, 12] for c in CODES},
        }
    )
    cfg = FeaturesConfig(measures=("rereferral_pct",), change_periods=2, slope_periods=5)
    fs = _features(obs, families=("indicators",), config=cfg)
    assert "rereferral_pct_chg_2y" in fs.X.columns and "rereferral_pct_slope_5y" in fs.X.columns
    assert not [c for c in fs.X.columns if c.startswith("cpp_repeat")]
    with pytest.raises(UserInputError, match="features.measures names 'typo_pct'"):
        _features(obs, config=FeaturesConfig(measures=("typo_pct",)))
    with pytest.raises(UserInputError, match="unknown family 'vibes'"):
        _features(obs, families=("vibes",))
    base = {"cycle": "x", "as_of": "2020-03-31"}
    for bad, needle in [
        ({"slope_periods": 1}, "slope_periods"),
        ({"peer_group": "vibes"}, "peer_group"),
        ({"soft_months": 0}, "soft_months"),
    ]:
        with pytest.raises(UserInputError, match=needle):
            parse_config({**base, "features": bad})


def test_every_feature_renders_a_sentence_not_a_name(small_data):
    tables = small_data.tables
    panel = build_panel(tables, [pd.Timestamp("2016-03-31"), pd.Timestamp("2017-03-31")])
    fs = build_features(tables, panel)
    assert set(fs.specs) == set(fs.X.columns)
    assert {s.family for s in fs.specs.values()} >= {
        "indicators",
        "satisfaction",
        "finance",
        "leadership",
        "inspection",
    }
    row = fs.X.iloc[-1]
    peer = fs.peer_median.iloc[-1]
    for name, spec in fs.specs.items():
        for value in (row[name], 0.0, 1.0, -2.5):
            sentence = render_sentence(spec, float(value), float(peer[name]))
            assert sentence[0].isupper() and sentence.endswith("."), sentence
            assert name not in sentence
            assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", sentence), sentence
            assert "{" not in sentence


def test_example_soft_notes_file_reads():
    from earlywarn.io import project_root, read_soft_notes

    notes = read_soft_notes(project_root() / "data" / "examples" / "soft_notes.csv")
    assert len(notes) >= 5 and set(notes["problem_nature"]) <= set(
        ["financial", "capacity", "capability", "political"]
    )
    assert notes["council_code"].str.match(r"E\d{2}900\d{3}").all()  # synthetic codes only

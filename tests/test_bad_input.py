"""Bad input gets one clear line: which file, which row, which column, what was expected.

The table ``CASES`` below is the list of bad-input cases tried, each with the fragment its
one-line message must contain; the suite runs them all, through the validators and (for a
sample) through the CLI, which must exit 2, print no traceback and write nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earlywarn.errors import UserInputError
from earlywarn.io import read_tables
from earlywarn.schema import (
    COUNCIL_COLUMNS,
    EVENT_COLUMNS,
    OBSERVATION_COLUMNS,
    validate_councils,
    validate_events,
    validate_observations,
)


@pytest.fixture(scope="module")
def files(tmp_path_factory, small_data):
    """The small synthetic world written as the three core-table CSVs."""
    d = tmp_path_factory.mktemp("tables")
    t = small_data.tables
    t.councils.to_csv(d / "councils.csv", index=False)
    t.observations.to_csv(d / "observations.csv", index=False)
    t.events.to_csv(d / "events.csv", index=False)
    return d


def _obs(files):
    return pd.read_csv(files / "observations.csv", dtype=str)


def _ev(files):
    return pd.read_csv(files / "events.csv", dtype=str)


def _set(df, row, col, value):
    df = df.copy()
    df.loc[row, col] = value
    return df


# (case, table, corrupt(frame, councils) -> frame, expected fragment of the one-line message)
CASES = [
    (
        "missing column",
        "observations",
        lambda o, c: o.drop(columns="published"),
        "missing column(s) published",
    ),
    (
        "renamed column",
        "observations",
        lambda o, c: o.rename(columns={"value": "val"}),
        "missing column(s) value",
    ),
    (
        "value not a number",
        "observations",
        lambda o, c: _set(o, 4, "value", "abc"),
        "row 6, column value: 'abc' is not a number",
    ),
    (
        "date not a date",
        "observations",
        lambda o, c: _set(o, 2, "period", "31/13/2015"),
        "row 4, column period: '31/13/2015' is not a date",
    ),
    (
        "published before period",
        "observations",
        lambda o, c: _set(o, 1, "published", "2000-01-01"),
        "row 3, column published",
    ),
    (
        "duplicated row",
        "observations",
        lambda o, c: pd.concat([o, o.iloc[[3]]]),
        "duplicate of council",
    ),
    (
        "unknown council code",
        "observations",
        lambda o, c: _set(o, 0, "council_code", "E06999999"),
        "row 2, column council_code: 'E06999999' is not in the councils table",
    ),
    (
        "not a GSS code",
        "observations",
        lambda o, c: _set(o, 0, "council_code", "Barnet"),
        "'Barnet' is not an ONS GSS code",
    ),
    ("retired council code", "observations", None, "was abolished on"),
    (
        "date in the future",
        "observations",
        lambda o, c: _set(o, 0, "published", "2099-01-01"),
        "row 2, column published: 2099-01-01 is in the future",
    ),
    ("negative count", "observations", None, "is negative (expected a count >= 0)"),
    ("percentage above 100", "observations", None, "is outside 0-100"),
    (
        "unknown event type",
        "events",
        lambda e, c: _set(e, 0, "event_type", "audit"),
        "row 2, column event_type: 'audit' is not one of",
    ),
    ("grade outside 1-4", "events", None, "is not an inspection grade"),
    (
        "event date in the future",
        "events",
        lambda e, c: _set(e, 0, "date", "2099-05-01"),
        "is in the future",
    ),
    ("duplicated council", "councils", lambda k, c: pd.concat([k, k.iloc[[0]]]), "appears twice"),
]


def _corrupt_special(case, df, councils):
    if case == "retired council code":
        gone = councils[councils["valid_to"].notna()].iloc[0]
        return (
            _set(df, 0, "council_code", gone["council_code"])
            .pipe(_set, 0, "period", str(pd.Timestamp(gone["valid_to"]).date()))
            .pipe(
                _set,
                0,
                "published",
                str((pd.Timestamp(gone["valid_to"]) + pd.Timedelta(days=200)).date()),
            )
        )
    if case == "negative count":
        i = df.index[df["measure"] == "resident_satisfaction_n"][0]
        return _set(df, i, "value", "-3")
    if case == "percentage above 100":
        i = df.index[df["measure"] == "rereferral_pct"][0]
        return _set(df, i, "value", "140")
    if case == "grade outside 1-4":
        i = df.index[df["event_type"] == "inspection"][0]
        return _set(df, i, "severity", "5")
    raise AssertionError(case)


@pytest.mark.parametrize(("case", "table", "corrupt", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_case(files, tmp_path, case, table, corrupt, expected):
    councils = pd.read_csv(files / "councils.csv", dtype=str)
    frames = {"councils": councils, "observations": _obs(files), "events": _ev(files)}
    df = frames[table]
    frames[table] = corrupt(df, councils) if corrupt else _corrupt_special(case, df, councils)
    paths = {}
    for name, frame in frames.items():
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    with pytest.raises(UserInputError) as err:
        read_tables(paths["councils"], paths["observations"], paths["events"])
    msg = str(err.value)
    assert expected in msg, msg
    assert "\n" not in msg
    assert str(paths[table]) in msg  # names the file


def test_clean_files_pass(files):
    t = read_tables(files / "councils.csv", files / "observations.csv", files / "events.csv")
    assert len(t.observations) > 1000


def test_cli_bad_data_file_exit_2_nothing_written(files, tmp_path):
    obs = _set(_obs(files), 4, "value", "n/a")
    obs.to_csv(tmp_path / "observations.csv", index=False)
    cfg = tmp_path / "cycle.toml"
    cfg.write_text(
        'cycle = "bad"\nas_of = "2020-03-31"\n[data]\nsource = "files"\n'
        f'councils = "{files / "councils.csv"}"\nobservations = "observations.csv"\n'
        f'events = "{files / "events.csv"}"\n'
    )
    db = tmp_path / "mlflow.db"
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{db}", "MLFLOW_DISABLE_TELEMETRY": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "earlywarn.cli", "cycle", str(cfg), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1
    assert "observations.csv: row 6, column value: 'n/a' is not a number" in r.stderr
    assert not (tmp_path / "out").exists() and not db.exists()


# -- fuzzing: malformed tables end in a clean user error or a valid result -------------
cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-(10**6), 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        [
            "E06900001",
            "E09000008",
            "2015-03-31",
            "1899-12-31",
            "c",
            "..",
            "[x]",
            "inspection",
            "4",
            "=1+1",
            "\ufeff",
            "2015-13-45",
        ]
    ),
)


def _frame(columns):
    return st.lists(st.fixed_dictionaries({c: cells for c in columns}), max_size=6).map(
        lambda rows: pd.DataFrame(rows, columns=columns)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(["councils", "observations", "events"]),
    data=st.data(),
    drop=st.booleans(),
)
def test_validators_never_crash(which, data, drop):
    columns = {
        "councils": COUNCIL_COLUMNS,
        "observations": OBSERVATION_COLUMNS,
        "events": EVENT_COLUMNS,
    }[which]
    df = data.draw(_frame(columns))
    if drop and len(columns) > 1:
        df = df.drop(columns=data.draw(st.sampled_from(columns)))
    fn = {
        "councils": validate_councils,
        "observations": validate_observations,
        "events": validate_events,
    }[which]
    try:
        out = fn(df, which)
    except UserInputError as err:
        assert "\n" not in str(err)
        return
    assert len(out) == len(df)


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=300))
def test_csv_reader_never_crashes(tmp_path_factory, raw):
    from earlywarn.io import read_csv_table

    p = tmp_path_factory.mktemp("fuzz") / "obs.csv"
    p.write_bytes(raw)
    try:
        df = read_csv_table(p, OBSERVATION_COLUMNS)
        validate_observations(df, str(p))
    except UserInputError as err:
        assert "\n" not in str(err)


def test_numbers_survive_round_trip(files):
    o = validate_observations(_obs(files))
    assert np.isfinite(o["value"]).all()

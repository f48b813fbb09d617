"""Fuzzing every loader in earlywarn.sources on malformed copies of the real raw files.

Each example writes one mutated copy of a real file (the header and a few dozen rows, for
speed) into an empty raw folder and calls the loader on it. Mutations: a dropped or renamed
column, junk rows above the header (or the header moved down), random garbage or
suppression markers in cells, an empty file, a truncated file, and the text re-encoded
(cp1252, UTF-16, UTF-8 with BOM, random bytes). The loader must either return a valid
result or raise :class:`earlywarn.errors.UserInputError` with a one-line message; any other
exception fails the test. Examples per loader: :data:`EXAMPLES` (derandomised, so CI
replays the same cases).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from earlywarn.errors import UserInputError
from earlywarn.sources import (
    SUPPRESSION_MARKERS,
    build_crosswalk,
    load_cla_sfr,
    load_dfe_csc,
    load_finance_events,
    load_imd,
    load_leadership,
    load_oflog_asc,
    load_ofsted_inspections,
    load_political_control,
    load_revenue_outturn,
    load_s251,
    load_satisfaction,
    load_statistical_neighbours,
    load_youth_justice,
)
from earlywarn.sources._common import SourceReport

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
EXAMPLES = int(os.environ.get("EARLYWARN_FUZZ_EXAMPLES", "20"))
ROWS = 40
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

UK_LA = "mysociety_la_codes/uk_local_authorities.csv"


def _rel(pattern: str) -> str:
    """The newest raw file matching ``pattern`` (found by name, not by its end year)."""
    hits = sorted(RAW.rglob(pattern), key=lambda p: p.name) if RAW.exists() else []
    return str(hits[-1].relative_to(RAW)) if hits else pattern


# case -> (real file under RAW, the loader run on a folder holding the copy)
CSV_CASES: dict[str, tuple[str, str]] = {
    "crosswalk": (UK_LA, "crosswalk"),
    "crosswalk_names": ("mysociety_la_codes/lookup_name_to_registry.csv", "crosswalk"),
    "crosswalk_provider": ("d2i_ilacs_scrape/Provider_data_lookup.csv", "crosswalk"),
    "ofsted_ilacs": (_rel("ILACS_inspection_history_2018_*.csv"), "ofsted"),
    "ofsted_in_year": (_rel("In_year_inspections_*.csv"), "ofsted"),
    "ofsted_2009": ("ofsted_la_inspections/LA_inspections_2009_2023_current_LAs.csv", "ofsted"),
    "finance_events": ("council_finance_events/s114_and_efs_events.csv", "finance_events"),
    "dfe_csc_cin": (_rel("b1_children_in_need_2013_to_*.csv"), "dfe_csc"),
    "dfe_csc_csww": ("dfe_csc_dashboard/csww_headline_measures_2017_to_2022.csv", "dfe_csc"),
    "cla_sfr": ("goodair_csc/cla_sfr/2013_SFR36_CLA2013.csv", "cla_sfr"),
    "imd": ("goodair_csc/imd19_utla.csv", "imd"),
    "oflog_asc": ("oflog_asc/ASC_data.csv", "oflog_asc"),
    "s251": ("goodair_csc/s251_outturn/outturn_1314.csv", "s251"),
    "political_old": ("political_control/history1973-2015.csv", "political_control"),
    "political_new": (_rel("history2016-*.csv"), "political_control"),
    "youth_justice": ("youth_justice/hmi_youth_justice_inspection_ratings.csv", "youth_justice"),
    "neighbours": (
        "dfe_csc_dashboard/New_Statistical_Neighbour_Groupings_April_2021.csv",
        "neighbours",
    ),
}
FOLDER_LOADERS: dict[str, Callable] = {
    "ofsted": load_ofsted_inspections,
    "finance_events": load_finance_events,
    "dfe_csc": load_dfe_csc,
    "cla_sfr": load_cla_sfr,
    "imd": load_imd,
    "oflog_asc": load_oflog_asc,
    "s251": load_s251,
    "neighbours": load_statistical_neighbours,
    "revenue_outturn": load_revenue_outturn,
    "political_control": load_political_control,
    "youth_justice": load_youth_justice,
}


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


def _rows(relpath: str) -> list[list[str]]:
    raw = (RAW / relpath).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return list(csv.reader(io.StringIO(text)))[: ROWS + 1]


GARBAGE = st.one_of(
    st.sampled_from(sorted(SUPPRESSION_MARKERS) + ["", "-1", "1e308", "NaN", "101", "31/02/2020"]),
    st.text(max_size=12),
)


@st.composite
def mutated(draw, rows: list[list[str]]) -> bytes:
    """A malformed variant of ``rows`` as file bytes."""
    rows = [list(r) for r in rows]
    ncol = max(len(r) for r in rows)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(
            st.sampled_from(["drop", "rename", "header", "cells", "markers", "shuffle", "none"])
        )
        if op == "drop" and ncol > 1:
            j = draw(st.integers(0, ncol - 1))
            rows = [r[:j] + r[j + 1 :] for r in rows]
            ncol -= 1
        elif op == "rename" and rows:
            j = draw(st.integers(0, len(rows[0]) - 1)) if rows[0] else 0
            if rows[0]:
                rows[0][j] = draw(st.text(max_size=15))
        elif op == "header":  # junk rows above the header, or the header moved down
            junk = [[draw(st.text(max_size=10))] for _ in range(draw(st.integers(1, 3)))]
            if draw(st.booleans()) or len(rows) < 3:
                rows = junk + rows
            else:
                k = draw(st.integers(1, len(rows) - 1))
                rows = rows[1 : k + 1] + [rows[0]] + rows[k + 1 :]
        elif op in ("cells", "markers") and len(rows) > 1:
            for _ in range(draw(st.integers(1, 8))):
                i = draw(st.integers(1, len(rows) - 1))
                if not rows[i]:
                    continue
                j = draw(st.integers(0, len(rows[i]) - 1))
                rows[i][j] = draw(
                    GARBAGE if op == "cells" else st.sampled_from(sorted(SUPPRESSION_MARKERS))
                )
        elif op == "shuffle" and len(rows) > 2:
            body = rows[1:]
            perm = draw(st.permutations(range(len(body))))
            rows = [rows[0]] + [body[i] for i in perm]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    text = buf.getvalue()
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16", "garbage"]))
    if enc == "garbage":
        data = draw(st.binary(max_size=200))
    else:
        data = text.encode(enc, errors="replace")
    ending = draw(st.sampled_from(["whole", "whole", "truncated", "empty"]))
    if ending == "truncated":
        data = data[: draw(st.integers(0, max(0, len(data) - 1)))]
    elif ending == "empty":
        data = b""
    return data


def _check(call: Callable[[], object]) -> object:
    """Run a loader: a valid result or a one-line UserInputError; anything else fails."""
    try:
        out = call()
    except UserInputError as err:
        msg = str(err)
        assert msg and "\n" not in msg.strip() and "Traceback" not in msg, repr(msg)
        return None
    return out


def _valid_pair(out: object) -> None:
    if out is None:
        return
    frame, rep = out
    assert isinstance(frame, pd.DataFrame)
    assert isinstance(rep, SourceReport)
    if "council_code" in frame:
        assert frame["council_code"].notna().all()


def _run_folder(kind: str, relpath: str, data: bytes, cw) -> None:
    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / relpath
        target.parent.mkdir(parents=True)
        target.write_bytes(data)
        if kind == "crosswalk" and relpath != UK_LA:  # the optional files need the main one
            (Path(d) / UK_LA).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(RAW / UK_LA, Path(d) / UK_LA)
        if kind == "crosswalk":
            out = _check(lambda: build_crosswalk(Path(d)))
            if out is not None:
                assert isinstance(out.councils, pd.DataFrame)
            return
        _valid_pair(_check(lambda: FOLDER_LOADERS[kind](Path(d), cw)))


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_unmutated_copy_is_read(case, cw):
    """The fuzzing is not vacuous: each loader reads rows from the intact shortened copy."""
    relpath, kind = CSV_CASES[case]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(_rows(relpath))
    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / relpath
        target.parent.mkdir(parents=True)
        target.write_text(buf.getvalue(), encoding="utf-8")
        if kind == "crosswalk":
            if relpath != UK_LA:
                (Path(d) / UK_LA).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(RAW / UK_LA, Path(d) / UK_LA)
            assert len(build_crosswalk(Path(d)).councils) > 0
            return
        frame, rep = FOLDER_LOADERS[kind](Path(d), cw)
        assert rep.files and rep.rows_read > 0 and len(frame) > 0


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_csv_loader_survives_malformed_files(case, cw):
    relpath, kind = CSV_CASES[case]
    rows = _rows(relpath)

    @FUZZ
    @given(data=mutated(rows))
    def run(data):
        _run_folder(kind, relpath, data, cw)

    run()


@pytest.mark.parametrize(
    "case", ["empty", "truncated", "garbage", "no_sheet", "header_moved", "garbage_cells"]
)
def test_revenue_outturn_survives_malformed_workbooks(case, cw):
    """The RS workbooks: a small workbook with the real header row, then broken."""
    from openpyxl import Workbook

    real = sorted((RAW / "bbc_council_reserves").glob("RS_2016-17*.xlsx"))[0]
    sheet = "RS LA Data 2016-17"
    head = pd.read_excel(real, sheet_name=sheet, header=None, dtype=str, nrows=12)
    wb = Workbook()
    ws = wb.active
    ws.title = "Other" if case == "no_sheet" else sheet
    rows = head.fillna("").to_numpy().tolist()
    if case == "header_moved":
        rows = [["junk"]] * 5 + rows
    if case == "garbage_cells":
        rows = [
            [("[c]" if (i + j) % 3 == 0 else v) for j, v in enumerate(r)]
            for i, r in enumerate(rows)
        ]
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    data = {
        "empty": b"",
        "truncated": buf.getvalue()[:500],
        "garbage": b"PK\x03\x04not really a zip" * 10,
    }.get(case, buf.getvalue())
    _run_folder("revenue_outturn", f"bbc/{real.name}", data, cw)


OPTIONAL = {
    "satisfaction": (
        load_satisfaction,
        [
            ["council_code", "period", "measure", "value", "published"],
            ["E06000001", "2015-03-31", "satisfaction_overall_pct", "61", "2015-06-30"],
            ["E06000002", "2015-03-31", "satisfaction_overall_pct", "55.5", "2015-06-30"],
        ],
    ),
    "leadership": (
        load_leadership,
        [
            ["council_code", "date", "role", "change_type"],
            ["E06000001", "2015-03-31", "chief_executive", "permanent"],
            ["E06000002", "2016-01-31", "leader", "interim"],
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(OPTIONAL))
def test_optional_loader_survives_malformed_files(case, cw):
    loader, rows = OPTIONAL[case]

    @FUZZ
    @given(data=mutated(rows))
    def run(data):
        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / f"{case}.csv"
            p.write_bytes(data)
            out = _check(lambda: loader(p, cw.councils))
            if out is not None:
                assert isinstance(out, pd.DataFrame)

    run()

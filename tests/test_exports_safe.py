"""Every CSV the package writes opens safely in a spreadsheet: a cell with a line break is
quoted (a lone CR too), and no cell starts with ``= + - @``, also when the values were read
back from an earlier file (``evaluate`` copies the names of a re-saved list)."""

from __future__ import annotations

import csv
import io as _io
import json
import re
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

SRC = Path(__file__).resolve().parents[1] / "src" / "earlywarn"
DANGER = ("=", "+", "-", "@")


def _records(text: str) -> list[list[str]]:
    """Rows as a spreadsheet splits them: a CR or LF outside quotes ends a row."""
    lines = text.split("\n")  # the banner: leading "#" lines (str.splitlines would also
    while lines and lines[0].startswith("#"):  # split on \x1e and friends, no spreadsheet does)
        lines.pop(0)
    return list(csv.reader(_io.StringIO("\n".join(lines), newline="")))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _no_live_formula(rows: list[list[str]]) -> None:
    """No text cell starts with a formula prefix (a negative number is a number)."""
    for row in rows:
        for cell in row:
            assert _is_number(cell) or not cell.startswith(DANGER), f"a live formula: {cell!r}"


# a list re-saved by a spreadsheet: the leading apostrophes are gone, a CR sits in a name
RESAVED = [
    ("E08900001", "Bad\r=2+3"),
    ("E08900008", 'Worse\r=HYPERLINK("http://x","y")'),
    ("E08900002", "=1+1"),
    ("E08900003", "+SUM(A1)"),
    ("E08900004", "-2 District"),
    ("E08900005", "@cmd"),
    ("E08900006", "Two\nlines"),
    ("E08900007", "Plain Council"),
]


def test_evaluate_quotes_line_breaks_and_neutralises_read_back_values(small_data, tmp_path):
    from earlywarn.cli import main

    d = tmp_path / "list"
    d.mkdir()
    rl = pd.DataFrame(
        {
            "rank": range(1, len(RESAVED) + 1),
            "council_code": [c for c, _ in RESAVED],
            "probability": [0.5 - 0.05 * i for i in range(len(RESAVED))],
            "council_name": [n for _, n in RESAVED],
        }
    )
    text = rl.to_csv(index=False, lineterminator="\r\n")  # as the spreadsheet saved it
    (d / "risk_list.csv").write_text("# CONFIDENTIAL\n" + text)
    info = {
        "cycle": "x",
        "score_origin": "2016-03-31",
        "horizon": "24M",
        "config": {"labels": {"events": ["inadequate"]}, "evaluate": {"k": 3}},
    }
    (d / "run.json").write_text(json.dumps(info))
    events, o = tmp_path / "events.csv", tmp_path / "o"
    small_data.tables.events.to_csv(events, index=False, date_format="%Y-%m-%d")
    try:
        main(
            [
                "-q",
                "evaluate",
                "--lists",
                str(d),
                "--events",
                str(events),
                "--out",
                str(o),
            ]
        )
    except SystemExit as exc:
        assert exc.code in (0, None), exc.code
    out = (o / "outcomes.csv").read_text(encoding="utf-8")
    rows = _records(out)
    header, data = rows[0], rows[1:]
    assert len(data) == len(RESAVED), data  # no row broken by the CR or the LF
    assert all(len(r) == len(header) for r in data)
    _no_live_formula(rows)
    names = set(pd.DataFrame(data, columns=header)["council_name"])
    assert "'=1+1" in names and any(n.startswith("Bad") and "=2+3" in n for n in names)


text_cells = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["=1", "+1", "-1", "@a", "\t=1", "\r=1", "a\rb", "a\nb", "a\r\nb", '"q"']),
)


@settings(max_examples=120, deadline=None)
@given(rows=st.lists(st.tuples(text_cells, text_cells, st.floats(-5, 5)), max_size=6))
def test_spreadsheet_csv_keeps_rows_and_runs_no_formula(rows):
    from earlywarn.io import FORMULA_PREFIXES, spreadsheet_csv

    df = pd.DataFrame(rows, columns=["a", "b", "x"])
    parsed = _records(spreadsheet_csv(df))
    assert len(parsed) == len(df) + 1
    assert all(len(r) == 3 for r in parsed)
    _no_live_formula(parsed)
    for got, (a, b, _) in zip(parsed[1:], rows, strict=True):  # nothing else changes
        for cell, value in zip(got[:2], (a, b), strict=True):
            want = "'" + value if value.startswith(FORMULA_PREFIXES) else value
            assert cell == want


def test_every_csv_is_written_by_the_one_function():
    """``DataFrame.to_csv`` is called in one place (io's ``spreadsheet_csv``) only."""
    calls = [
        f"{p.relative_to(SRC)}:{i}"
        for p in SRC.rglob("*.py")
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"\.to_csv\(", line) and not line.lstrip().startswith(("#", ">>>"))
    ]
    assert [c.split(":")[0] for c in calls] == ["io/_files.py"], calls


def test_a_hash_in_a_council_name_is_data_not_a_comment():
    """Reading a published list back skips only its leading banner lines: a name holding
    '#' (or starting with it) keeps every character and its row."""
    import pandas as pd

    from earlywarn.io import read_list_text, spreadsheet_csv

    df = pd.DataFrame({"rank": [1, 2], "council_name": ["#1 Council", "Town #2"]})
    text = "# CONFIDENTIAL\n# banner\n" + spreadsheet_csv(df)
    back = read_list_text(text)
    assert back["council_name"].tolist() == ["#1 Council", "Town #2"]

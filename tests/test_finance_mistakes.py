# ruff: noqa: E501  (the table of cases reads best one case per line)
"""The financial-failure outcome's raw files, broken as users break them: each mistake is
one line naming the file (and the row and column), never rows silently dropped or read
twice. A table of cases on a copy of the staged files: a renamed column, a header with no
rows, a suppression marker in an identifying column, a newer edition saved beside the
older one ("name (1).csv")."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from earlywarn.errors import UserInputError

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
if not RAW.exists():
    RAW = Path("/work/shared/data/raw")
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")

EVENTS = "council_finance_events_dated/efs_s114_events_dated.csv"
CSP = "derived_core_spending_power/SpendingMillions.csv"


def _set(col: str, value: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df.loc[3, col] = value  # file row 5
        return df

    return edit


def _second_edition(path: Path) -> list[str]:
    again = path.with_name(f"{path.stem} (1){path.suffix}")
    shutil.copy(path, again)
    return [str(path.resolve()), str(again.resolve())]


# (case, file, edit of its rows, extra step on the written file, fragment, named)
CASES = [
    ("events renamed column", EVENTS, lambda d: d.rename(columns={"announce_date": "date"}), None, "missing column(s) announce_date", ["row 1"]),
    ("events header only", EVENTS, lambda d: d.iloc[0:0], None, "no data rows", ["row 2"]),
    ("events marker in gss_code", EVENTS, _set("gss_code", ".."), None, "suppression marker", ["row 5, column gss_code"]),
    ("events marker in name", EVENTS, _set("council_name_as_published", "[x]"), None, "suppression marker", ["row 5, column council_name_as_published"]),
    ("events second edition", EVENTS, lambda d: d, _second_edition, "a second edition", []),
    ("spending header only", CSP, lambda d: d.iloc[0:0], None, "no data rows", ["row 2"]),
    ("spending marker in ons_code", CSP, _set("ons_code", ".."), None, "suppression marker", ["row 5, column ons_code"]),
    ("spending marker in name", CSP, _set("ons_name", "c"), None, "suppression marker", ["row 5, column ons_name"]),
    ("spending second edition", CSP, lambda d: d, _second_edition, "a second edition", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "rel", "edit", "extra", "expected", "named"), CASES, ids=[c[0] for c in CASES]
)
def test_finance_raw_mistake_is_one_line(tmp_path, case, rel, edit, extra, expected, named):
    from earlywarn.sources.finance_councils import build_finance_councils
    from earlywarn.sources.finance_csp import load_core_spending_power
    from earlywarn.sources.finance_events_dated import load_finance_events_dated

    shutil.copytree(RAW / "mysociety_la_codes", tmp_path / "mysociety_la_codes")
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    edit(pd.read_csv(RAW / rel, dtype=str, keep_default_na=False)).to_csv(path, index=False)
    named = [*named, *(extra(path) if extra else [str(path.resolve())])]
    councils = build_finance_councils(tmp_path)
    load = load_finance_events_dated if rel == EVENTS else load_core_spending_power
    with pytest.raises(UserInputError) as err:
        load(tmp_path, councils)
    msg = str(err.value)
    assert "\n" not in msg and expected in msg, msg
    for n in named:
        assert n in msg, f"{n!r} not in {msg}"


def test_the_clean_copy_loads(tmp_path):
    """The same copy unbroken reads every row (the cases above fail for their mistake)."""
    from earlywarn.sources.finance_councils import build_finance_councils
    from earlywarn.sources.finance_events_dated import load_finance_events_dated

    shutil.copytree(RAW / "mysociety_la_codes", tmp_path / "mysociety_la_codes")
    (tmp_path / EVENTS).parent.mkdir(parents=True)
    shutil.copy(RAW / EVENTS, tmp_path / EVENTS)
    events, rep = load_finance_events_dated(tmp_path, build_finance_councils(tmp_path))
    assert rep.rows_read == len(pd.read_csv(RAW / EVENTS)) and len(events) > 0

"""Long text is cut for display in the HTML report; the whole value stays in `title` and in
the CSV/XLSX (see earlywarn.report._text.display_text)."""

from __future__ import annotations

import html
import re

import pandas as pd

from earlywarn.report import DISPLAY_LIMITS, display_text
from earlywarn.report.html import _table


def test_short_text_is_escaped_only():
    assert display_text('<a href="x">Bury</a>') == html.escape('<a href="x">Bury</a>')


def test_long_name_is_cut_with_the_whole_in_title():
    name = '<script>alert("x")</script> ' + "Ab" * 5000
    out = display_text(name)
    assert out.startswith(f'<span title="{html.escape(name, quote=True)}">')
    visible = re.sub(r"<[^>]+>", "", out)
    assert len(html.unescape(visible)) == DISPLAY_LIMITS["council_name"]
    assert visible.endswith("\u2026") and "<script" not in out


def test_table_cells_cut_names_not_reasons():
    reason = "Repeat child protection plans is 28.3% (Mar 2018); " * 4  # ~210 characters
    df = pd.DataFrame({"council_name": ["x" * 500], "reason_1": [reason]})
    cell = _table(df)
    assert "x" * 100 not in re.sub(r'title="[^"]*"', "", cell)
    assert f'title="{"x" * 500}"' in cell
    assert html.escape(reason) in cell  # generated reasons are shown whole

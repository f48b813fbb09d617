"""The printed report: the print stylesheet of ``report.html``.

On screen the report is complete; on paper (a browser's Print, or headless Chromium's
``--print-to-pdf``) it is A4 portrait and short:

- every page carries the confidentiality banner in its header and a footer naming the
  cycle, the data vintage and the page (CSS ``@page`` margin boxes, printed by Chromium
  from version 131: the first page's banner alone would leave later pages unmarked);
- the ranked list keeps the columns a reader acts on (:data:`PRINT_COLUMNS`, also the
  printed page of the XLSX list sheet);
- each council's section is kept on one page, its text beside and under its figure, so
  two or three councils share a page;
- the wide detail tables (elements of class ``detail``: all metrics, the other target,
  subgroups) are left to the screen and ``evaluation.json``, and a line says so (class
  ``print-only``); the evaluation plots print small, three to a row.

Example
-------
>>> css = print_css({"cycle": 'x"</style>', "as_of": "2025-03-31"})
>>> "@top-center" in css and "</style>" not in css and "size: A4;" in css
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from earlywarn.report.banner import CONFIDENTIAL

__all__ = [
    "BASE_CSS",
    "PRINT_COLUMNS",
    "PRINT_NOTE",
    "PRINT_WIDTHS",
    "column_class",
    "css_string",
    "print_css",
    "print_first",
]

# The screen style every confidential HTML page shares (the report, the comparison).
BASE_CSS = """body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
.banner { background: #8b0000; color: #fff; padding: .8em 1em; font-weight: bold; }
table { border-collapse: collapse; margin: 1em 0; font-size: 90%; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }"""

#: The ranked list's printed columns, in the HTML report and on the XLSX list sheet's
#: printed page (the other columns stay on screen and in ``risk_list.csv``/``.xlsx``: the
#: tier note repeats its tier's sentence on every row, the interval ends and the other
#: probabilities are in the council sections).
PRINT_COLUMNS = (
    "rank",
    "council_name",
    "risk_band",
    "tier",
    "already_inadequate",
    "financial_notice",
    "probability",
    "main_problem_nature",
    "reason_1",
)

#: Printed widths of the ranked list's columns (the reasons take what is left).
PRINT_WIDTHS = {
    "rank": "3.3em",
    "council_name": "11%",
    "risk_band": "17%",
    "tier": "2.4em",
    "already_inadequate": "11%",
    "financial_notice": "11%",
    "probability": "7%",
    "main_problem_nature": "8%",
}

#: Said on paper where the detail tables were left out.
PRINT_NOTE = (
    "Printed copy: the detail tables (every metric of every model, the other target, "
    "subgroups) are in the on-screen report and in evaluation.json."
)

_SAFE = re.compile(r"[A-Za-z0-9 .,:;()_/+-]")


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but plain letters, digits and a
    little punctuation written as a 6-digit escape, so no text can close the string or
    the ``<style>`` element.

    >>> css_string('a"b</style>')
    '"a\\\\000022b\\\\00003C/style\\\\00003E"'
    """
    return '"' + "".join(c if _SAFE.fullmatch(c) else f"\\{ord(c):06X}" for c in text) + '"'


def print_first(columns: list[str]) -> list[str]:
    """``columns`` with the printed ones (:data:`PRINT_COLUMNS`) first, in their order.

    >>> print_first(["rank", "tier_note", "reason_1", "council_name"])
    ['rank', 'council_name', 'reason_1', 'tier_note']
    """
    return [c for c in PRINT_COLUMNS if c in columns] + [
        c for c in columns if c not in PRINT_COLUMNS
    ]


def column_class(column: str) -> str:
    """The class of a table column's cells (``c-`` and the name, other characters ``_``)."""
    return "c-" + re.sub(r"[^A-Za-z0-9_-]", "_", str(column))


def print_css(run_info: Mapping[str, Any]) -> str:
    """The report's print rules (an ``@page`` rule and an ``@media print`` block)."""
    foot = (
        f"CONFIDENTIAL - earlywarn cycle {run_info.get('cycle', '')}; data as of "
        f"{run_info.get('as_of', '')}"
    )
    margin_box = "font: 7pt system-ui, sans-serif; color: #8b0000;"
    widths = " ".join(
        f"#risk-list th.{column_class(c)} {{ width: {w}; }}" for c, w in PRINT_WIDTHS.items()
    )
    shown = ", ".join(f".{column_class(c)}" for c in PRINT_COLUMNS)
    hidden = f"#risk-list th:not({shown}), #risk-list td:not({shown})"
    return f"""
@page {{
  size: A4; margin: 15mm 11mm 13mm 11mm;
  @top-center {{ content: {css_string(CONFIDENTIAL)}; {margin_box} font-weight: bold; }}
  @bottom-left {{ content: {css_string(foot)}; {margin_box} }}
  @bottom-right {{ content: "page " counter(page) " of " counter(pages); {margin_box} }}
}}
.print-only {{ display: none; }}
@media print {{
  body {{ margin: 0; font-size: 8.5pt; line-height: 1.25; }}
  h1 {{ font-size: 14pt; margin: .2em 0 .3em; }}
  h2 {{ font-size: 11.5pt; margin: .9em 0 .3em; break-after: avoid; }}
  h3 {{ font-size: 9.5pt; margin: .6em 0 .2em; break-after: avoid; }}
  h4 {{ font-size: 8.5pt; margin: .3em 0 .1em; break-after: avoid; }}
  p, ul {{ margin: .25em 0; }} ul {{ padding-left: 1.3em; }}
  .banner {{ padding: .4em .8em; }}
  .verdict {{ padding: .3em .7em; }}
  table {{ width: 100%; margin: .4em 0; font-size: 7pt; }}
  th, td {{ padding: .12em .3em; overflow-wrap: break-word; hyphens: auto; }}
  thead {{ display: table-header-group; }}
  tr, img, li {{ break-inside: avoid; }}
  .print-only {{ display: block; }}
  .detail {{ display: none; }}
  {hidden} {{ display: none; }}
  #risk-list {{ table-layout: fixed; }}
  {widths}
  .matrix td {{ width: auto; font-size: 7pt; }}
  .council {{
    display: flow-root; break-inside: avoid; margin-top: .4em; padding-top: .1em;
    font-size: 8pt; line-height: 1.2;
  }}
  .council > * {{ margin-block: .2em; }}
  .council li {{ margin: 0; }}
  .council > img {{ float: right; width: 44%; margin: .3em 0 .3em 1em; }}
  .council .cols {{ display: block; }}
  .council .support {{ display: flow-root; padding: .1em .6em; }}
  .council .support p {{ margin: .1em 0; }}
  .plots img {{ width: 32%; margin-right: 1%; }}
  img {{ max-height: 110mm; object-fit: contain; }}
  body > img {{ width: 45%; }}
  .banner, .band, th, .verdict, .support {{
    -webkit-print-color-adjust: exact; print-color-adjust: exact;
  }}
}}
"""

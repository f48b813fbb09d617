"""The risk list (CSV/XLSX content) and the HTML report.

Every artefact is confidential: the banner says so, and names the model run and the data
vintage. Text is HTML-escaped and the page carries a content security policy that allows no
script and no network request; exports are made safe to open in a spreadsheet by
:func:`earlywarn.io.safe_for_spreadsheet`. The functions here return text or bytes; writing
them is :func:`earlywarn.io.write_output_folder`'s job.

Other sections (e.g. the evaluation) are passed to :func:`render_report` as HTML fragments
through ``extra_sections``.
"""

from __future__ import annotations

from earlywarn.report.banner import BAND_COLOURS, CONFIDENTIAL, NO_CLEAR_NATURE
from earlywarn.report.councils import grade_history_words, render_council_sections
from earlywarn.report.html import render_report
from earlywarn.report.plots import calibration_png, council_png
from earlywarn.report.risk_list import build_banded_risk_list, build_risk_list
from earlywarn.report.xlsx import render_risk_list_xlsx

__all__ = [
    "BAND_COLOURS",
    "CONFIDENTIAL",
    "NO_CLEAR_NATURE",
    "build_banded_risk_list",
    "build_risk_list",
    "calibration_png",
    "council_png",
    "grade_history_words",
    "render_council_sections",
    "render_report",
    "render_risk_list_xlsx",
]

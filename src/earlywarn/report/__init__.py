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

from earlywarn.report.banner import BAND_COLOURS, CONFIDENTIAL, NO_CLEAR_NATURE, NO_OFFER
from earlywarn.report.councils import grade_history_words, render_council_sections
from earlywarn.report.html import render_report
from earlywarn.report.plots import calibration_png, council_png
from earlywarn.report.risk_list import build_banded_risk_list, build_risk_list
from earlywarn.report.xlsx import render_risk_list_xlsx

__all__ = [
    "coverage_html",
    "notes_html",
    "stability_html",
    "COMBINED_FILE",
    "combine_lists",
    "combine_runs",
    "list_outcome",
    "BAND_COLOURS",
    "CONFIDENTIAL",
    "NO_CLEAR_NATURE",
    "NO_OFFER",
    "build_banded_risk_list",
    "build_risk_list",
    "calibration_png",
    "council_png",
    "grade_history_words",
    "render_council_sections",
    "render_report",
    "render_risk_list_xlsx",
]

# satellites (private modules) re-exported
from earlywarn.report._bands import (
    ACTIONS,
    BAND_NAMES,
    DEFAULT_SUPPORT,
    WORDING,
    build_bands,
    build_evidence_bands,
    latest_measure,
    likelihood_by_rank,
    risk_score,
    support_for,
)
from earlywarn.report._combine import COMBINED_FILE, combine_lists, combine_runs, list_outcome
from earlywarn.report._detail_sections import coverage_html, notes_html, stability_html
from earlywarn.report._evaluation_section import (
    METRICS,
    render_section,
)
from earlywarn.report._exports import (
    confidential_banner,
    csv_header,
    export_json,
    model_fingerprint,
    model_identity,
    publication_record,
    published_view,
    reasons_json,
    risk_list_csv,
    saved_predictions,
)
from earlywarn.report._model_card import (
    render_model_card,
    stamped_card,
)
from earlywarn.report._print import (
    BASE_CSS,
    print_css,
)
from earlywarn.report._pseudonymise import (
    check_no_identifiers,
    find_identifiers,
    pseudonymise_explanation,
    pseudonymise_index,
    pseudonymise_risk_list,
    pseudonyms,
)
from earlywarn.report._results_md import (
    render_results,
)
from earlywarn.report._text import (
    DISPLAY_LIMITS,
    DISPLAY_ORDER,
    MATRIX_WORDS,
    PERCENT_COLUMNS,
    display_text,
    headers,
    matrix_words,
    ranking_words,
    verdict,
)
from earlywarn.report._words import (
    calibration_words,
    figure_words,
    plain_summary,
    share_words,
)

__all__ = [
    *__all__,
    "ACTIONS",
    "BAND_NAMES",
    "DEFAULT_SUPPORT",
    "WORDING",
    "build_bands",
    "build_evidence_bands",
    "likelihood_by_rank",
    "latest_measure",
    "risk_score",
    "support_for",
    "METRICS",
    "render_section",
    "confidential_banner",
    "csv_header",
    "export_json",
    "model_fingerprint",
    "model_identity",
    "publication_record",
    "published_view",
    "reasons_json",
    "risk_list_csv",
    "saved_predictions",
    "render_model_card",
    "stamped_card",
    "BASE_CSS",
    "print_css",
    "check_no_identifiers",
    "find_identifiers",
    "pseudonymise_explanation",
    "pseudonymise_index",
    "pseudonymise_risk_list",
    "pseudonyms",
    "render_results",
    "DISPLAY_LIMITS",
    "DISPLAY_ORDER",
    "MATRIX_WORDS",
    "matrix_words",
    "PERCENT_COLUMNS",
    "display_text",
    "headers",
    "ranking_words",
    "verdict",
    "calibration_words",
    "figure_words",
    "plain_summary",
    "share_words",
]

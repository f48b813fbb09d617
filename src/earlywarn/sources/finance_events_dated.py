"""Dated EFS approvals and section 114 notices -> financial-failure ``events``.

Reads ``council_finance_events_dated/efs_s114_events_dated.csv`` (found by its columns):
one row per EFS decision for one council and one gov.uk year page, or per s114 notice,
with an ``announce_date`` and its ``announce_date_precision``.

Dates
-----
An imprecise date is an interval. ``date`` is its **latest possible** day (features use
it: nothing is known before it could have been); ``date_earliest`` is its **earliest
possible** day (the label uses both ends: see
:func:`earlywarn.financial.financial_failure_labels`):

=================  ==============================  ====================================
precision          ``date_earliest``               ``date``
=================  ==============================  ====================================
``day``            the date as given               the date as given
``month``          the first day of its month      the last day of its month
``approx_month``   the first day of its month      the last day of its month
``upper_bound``    1 April of the financial year   the date as given (the decision was
                   *before* the row's year page    made on or before it)
=================  ==============================  ====================================

An ``upper_bound`` row says only "on or before" (SOURCES.md: "decision made in or before
2022-23, date not found"). EFS support for a year is given in principle ahead of that
year's budget setting (the 2024-25 round on 29 Feb 2024, the 2025-26 round on 20 Feb
2025), so a decision listed on year page ``Y`` can come as early as the financial year
before ``Y``: that year's 1 April is the earliest day. An ``upper_bound`` row without a
year page cannot be bounded and is refused (one-line error).

``published`` = ``date`` (an announcement is public on the day it is made).

Rows
----
``service`` is ``efs`` or ``s114``; ``status`` is kept (``in_principle_or_direction``,
``grant``, ``withdrawn``, ``issued``), as are ``s114_subsection`` and
``announce_date_precision``. Withdrawn EFS requests are kept and marked (the label drops
them by default). Rows are matched by GSS code to a principal council of
:mod:`earlywarn.sources.finance_councils` (districts included; an abolished council keeps
its own code: Copeland's events are not Cumberland's, Northamptonshire's are not its
successors'). A row whose code is not a council (a combined authority) is skipped and
listed as unmatched, for the allowance to name.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    SourceReport,
    check_has_rows,
    check_id_cells,
    check_one_edition,
    find_files,
    one_of,
    read_csv_text,
    require_columns,
)
from earlywarn.sources.finance_councils import FinanceCouncils

__all__ = [
    "EVENT_COLUMNS",
    "PRECISIONS",
    "earliest_possible_date",
    "latest_possible_date",
    "load_finance_events_dated",
]

_NEED = ["event_type", "status", "council_name_as_published", "gss_code"]
_NEED += ["announce_date", "announce_date_precision", "s114_subsection", "year_page"]
_KINDS = {"efs_support": "efs", "s114_notice": "s114"}
PRECISIONS = ("day", "month", "approx_month", "upper_bound")
EVENT_COLUMNS = ["council_code", "date", "date_earliest", "event_type", "service", "severity"]
EVENT_COLUMNS += ["source"]
EVENT_COLUMNS += ["published", "status", "precision", "announced_as", "s114_subsection"]
EVENT_COLUMNS += ["year_page", "council_name"]


def latest_possible_date(text: str, precision: str, where: str) -> pd.Timestamp:
    """The latest day an announcement dated ``text`` at ``precision`` could have been made.

    >>> latest_possible_date("2018-07-24", "month", "x").date()
    datetime.date(2018, 7, 31)
    >>> latest_possible_date("2021-03-17", "upper_bound", "x").date()
    datetime.date(2021, 3, 17)
    """
    one_of(precision, PRECISIONS, where, "announce_date_precision")
    try:
        day = pd.Timestamp(str(text).strip())
        if pd.isna(day):
            raise ValueError("empty")
    except ValueError as exc:
        raise UserInputError(
            f"{where}, column announce_date: {text!r} is not a date (expected YYYY-MM-DD)"
        ) from exc
    if precision in ("month", "approx_month"):
        return day + pd.offsets.MonthEnd(0)
    return day


def earliest_possible_date(text: str, precision: str, year_page: str, where: str) -> pd.Timestamp:
    """The earliest day an announcement dated ``text`` at ``precision`` could have been made.

    ``year_page`` is the gov.uk EFS year page of the row (``"2022-23"``; empty for s114
    notices); only ``upper_bound`` rows use it.

    >>> earliest_possible_date("2018-07-24", "month", "", "x").date()
    datetime.date(2018, 7, 1)
    >>> earliest_possible_date("2024-02-29", "upper_bound", "2022-23", "x").date()
    datetime.date(2021, 4, 1)
    """
    day = latest_possible_date(text, precision, where)
    if precision in ("month", "approx_month"):
        return day.replace(day=1)
    if precision == "upper_bound":
        page = str(year_page or "").strip()
        if not page or page.lower() == "nan":
            raise UserInputError(
                f"{where}, column year_page: an upper_bound announce_date needs the row's "
                "year page (YYYY-YY) to bound it from below"
            )
        try:
            start_year = int(page[:4])
        except ValueError as exc:
            raise UserInputError(
                f"{where}, column year_page: {page!r} is not a financial year (expected YYYY-YY)"
            ) from exc
        return min(pd.Timestamp(year=start_year - 1, month=4, day=1), day)
    return day


def load_finance_events_dated(
    raw_dir: Path, councils: FinanceCouncils
) -> tuple[pd.DataFrame, SourceReport]:
    """Load every dated EFS decision and s114 notice under ``raw_dir``.

    Returns
    -------
    events : pandas.DataFrame
        :data:`EVENT_COLUMNS`; ``event_type`` is ``financial_failure``.
    report : SourceReport
        Rows read and kept; unmatched identifiers (bodies that are not councils).
    """
    rep = SourceReport("finance_events_dated")
    rows = []
    paths = []
    for path in find_files(raw_dir, "*.csv"):
        try:
            cols = set(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        if len(cols & set(_NEED)) > len(_NEED) / 2:  # this layout, a column renamed or not
            paths.append(path)
    check_one_edition(paths, "the dated EFS and s114 events")
    for path in paths:
        df = read_csv_text(path)
        require_columns(df, _NEED, str(path.resolve()))
        check_has_rows(df, path)
        for col in ("council_name_as_published", "gss_code"):
            check_id_cells(df[col], str(path.resolve()), col, 2)
        rep.files.append(str(path))
        for i, r in df.iterrows():
            where = f"{path}: row {i + 2}"
            rep.rows_read += 1
            kind = one_of(r["event_type"], _KINDS, where, "event_type")
            precision = r["announce_date_precision"].strip()
            date = latest_possible_date(r["announce_date"], precision, where)
            gss = r["gss_code"].strip()
            code = councils.resolve_gss(gss, date)
            if code is None:
                rep.skip("not a principal council")
                shown = f"{gss} ({r['council_name_as_published']})"
                rep.add_unmatched(shown, path, i + 2, gss)
                continue
            rows.append(
                {
                    "council_code": code,
                    "date": date,
                    "date_earliest": earliest_possible_date(
                        r["announce_date"], precision, r["year_page"], where
                    ),
                    "event_type": "financial_failure",
                    "service": kind,
                    "severity": 1.0,
                    "source": "council_finance_events_dated",
                    "published": date,
                    "status": r["status"].strip(),
                    "precision": precision,
                    "announced_as": r["announce_date"].strip(),
                    "s114_subsection": r["s114_subsection"].strip(),
                    "year_page": r["year_page"].strip(),
                    "council_name": r["council_name_as_published"].strip(),
                }
            )
    out = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    out = out.sort_values(["council_code", "date", "service"], ignore_index=True)
    rep.rows_out = len(out)
    return out, rep

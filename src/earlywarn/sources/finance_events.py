"""Section 114 notices and exceptional financial support (EFS) -> ``events``.

Reads a CSV with columns ``event_type`` (``section_114_notice`` or
``exceptional_financial_support``), ``council_name_as_published``, ``gss_code``,
``financial_year`` (``2020-21``), ``event_date`` (ISO), ``amount_text`` (``"£70.0m"``),
``revised``, ``note`` (the hand-transcribed list in ``council_finance_events/``; found by
its columns).

Each row is one ``financial_notice`` event (``severity`` 1, as the schema asks) with
``service`` = ``"s114"`` or ``"efs"``.

Dates
-----
``s114``: ``date`` = ``published`` = the notice date.
``efs``: the list gives only the financial year, and an approval can be announced before
or during that year. ``date`` = the first day of the financial year (1 April) and
``published`` = its last day (31 March): a feature for origin ``t`` should use
``published <= t``; a label may use ``date``.

Rows for councils that are not upper-tier (districts such as Eastbourne and Copeland) are
skipped and counted; unknown codes are listed as unmatched.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    SourceReport,
    find_files,
    one_of,
    read_csv_text,
    require_columns,
)
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["load_finance_events"]

_COLUMNS = [
    "event_type",
    "council_name_as_published",
    "gss_code",
    "financial_year",
    "event_date",
    "amount_text",
]
_KINDS = {"section_114_notice": "s114", "exceptional_financial_support": "efs"}


def _amount(text: str) -> float:
    m = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*(m|bn)?", str(text).replace("£", ""))
    if not m:
        return np.nan
    v = float(m.group(1).replace(",", ""))
    return v * 1000 if m.group(2) == "bn" else v


def load_finance_events(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load s114 and EFS events found under ``raw_dir``.

    Returns
    -------
    events : pandas.DataFrame
        Schema event columns plus ``published, financial_year, amount_gbp_m, note``.
    report : SourceReport
    """
    rep = SourceReport("finance_events")
    rows = []
    for path in find_files(raw_dir, "*.csv"):
        try:
            cols = set(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        if not {"council_name_as_published", "event_type"} <= cols:
            continue
        if "announce_date" in cols:  # the dated list (efs_s114_events_dated.csv): not this layout
            continue
        df = read_csv_text(path)
        require_columns(df, _COLUMNS, str(path))
        rep.files.append(str(path))
        for i, r in df.iterrows():
            where = f"{path}: row {i + 2}"
            rep.rows_read += 1
            kind = one_of(r["event_type"], _KINDS, where, "event_type")
            if kind == "s114":
                try:
                    date = pd.Timestamp(r["event_date"].strip())
                    if pd.isna(date):
                        raise ValueError("no date")
                except ValueError as exc:
                    raise UserInputError(
                        f"{where}, column event_date: {r['event_date']!r} is not a date "
                        "(expected YYYY-MM-DD)"
                    ) from exc
                published = date
            else:
                m = re.fullmatch(r"(\d{4})-(\d{2})", r["financial_year"].strip())
                if not m:
                    raise UserInputError(
                        f"{where}, column financial_year: {r['financial_year']!r} is not a "
                        "financial year (expected e.g. 2020-21)"
                    )
                y = int(m.group(1))
                date, published = pd.Timestamp(y, 4, 1), pd.Timestamp(y + 1, 3, 31)
            gss = r["gss_code"].strip()
            code = crosswalk.resolve_gss(gss, date) if gss else None
            if code is None and r["council_name_as_published"].strip():
                code = crosswalk.resolve_name(r["council_name_as_published"], date)
            if code is None:
                if gss.startswith("E07"):
                    rep.skip("not an upper-tier council (district)")
                else:
                    rep.skip("unknown council")
                    shown = f"{gss} ({r['council_name_as_published']})"
                    rep.add_unmatched(shown, path, i + 2, gss or r["council_name_as_published"])
                continue
            rows.append(
                {
                    "council_code": code,
                    "date": date,
                    "event_type": "financial_notice",
                    "service": kind,
                    "severity": 1.0,
                    "source": "council_finance_events",
                    "published": published,
                    "financial_year": r["financial_year"] or None,
                    "amount_gbp_m": _amount(r["amount_text"]),
                    "note": r.get("note") or None,
                }
            )
    cols = ["council_code", "date", "event_type", "service", "severity", "source"]
    cols += ["published", "financial_year", "amount_gbp_m", "note"]
    out = pd.DataFrame(rows, columns=cols).sort_values(["council_code", "date"], ignore_index=True)
    rep.rows_out = len(out)
    return out, rep

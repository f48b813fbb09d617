"""Oflog adult social care metrics (long CSV) -> ``observations``.

Reads a CSV with columns ``Financial year`` (``2016-17``), ``Local authority code`` (ONS),
``Local authority name``, ``Code`` (``ASC1`` .. ``ASC7``) and ``Value`` (found by its
columns). Each known code becomes one measure (:data:`ASC_MEASURES`); rows with another
code are skipped and counted (a newer edition may add metrics). Oflog's ``MEDIAN`` and
rank columns are not used: peers are recomputed as of each origin.

Dates: ``period`` = 31 March of the year the financial year ends. The metrics come from
DHSC's ASCOF (published in the autumn-winter after the year) and Skills for Care's
workforce estimates (autumn): ``published`` = 31 December of that year.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    SourceReport,
    csv_headers,
    finish_observations,
    parse_numbers,
    read_csv_text,
    require_columns,
)
from earlywarn.sources.crosswalk import Crosswalk

__all__ = ["ASC_MEASURES", "load_oflog_asc"]

#: Oflog code -> measure name.
ASC_MEASURES = {
    "ASC1": "asc_carer_quality_of_life",
    "ASC2": "asc_user_quality_of_life",
    "ASC3": "asc_users_easy_to_find_info_pct",
    "ASC4": "asc_carers_easy_to_find_info_pct",
    "ASC5": "asc_short_term_service_no_further_need_pct",
    "ASC6": "asc_requests_resulting_in_service_per_100k",
    "ASC7": "asc_workforce_turnover_pct",
}
_COLUMNS = ["Financial year", "Local authority code", "Local authority name", "Code", "Value"]


def load_oflog_asc(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load Oflog adult social care metrics found under ``raw_dir``.

    Returns
    -------
    observations : pandas.DataFrame
    report : SourceReport
    """
    rep = SourceReport("oflog_asc")
    frames: list[pd.DataFrame] = []
    for path, cols in csv_headers(raw_dir):
        if not {"Local authority code", "MADs_from_median"} <= set(cols):
            continue
        df = read_csv_text(path)
        require_columns(df, _COLUMNS, str(path))
        rep.files.append(str(path))
        rep.rows_read += len(df)
        code = df["Code"].str.strip()
        known = code.isin(ASC_MEASURES)
        rep.skip("metric code not known", int((~known).sum()))
        df = df[known]
        years = {}
        for fy in df["Financial year"].unique():
            m = re.fullmatch(r"(\d{4})-(\d{2})", fy.strip())
            if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
                i = df.index[df["Financial year"].eq(fy)][0]
                raise UserInputError(
                    f"{path}: row {i + 2}, column Financial year: {fy!r} is not a financial "
                    "year (expected e.g. 2016-17)"
                )
            years[fy] = int(m.group(1)) + 1
        y = df["Financial year"].map(years)
        period = pd.to_datetime(y.astype(str) + "-03-31")
        published = pd.to_datetime(y.astype(str) + "-12-31")
        cache: dict[tuple, str | None] = {}
        codes = []
        for g, p in zip(df["Local authority code"].str.strip(), period, strict=True):
            if (g, p) not in cache:
                cache[(g, p)] = crosswalk.resolve_gss(g, p)
            codes.append(cache[(g, p)])
        codes = pd.Series(codes, index=df.index, dtype=object)
        bad = codes.isna()
        if bad.any():
            rep.skip("unknown council code", int(bad.sum()))
            names = df.loc[bad, "Local authority code"] + " (" + df.loc[bad, "Local authority name"]
            keys = df.loc[bad, "Local authority code"]
            rep.add_unmatched((names + ")").tolist(), path, df.index[bad] + 2, keys)
        vals = parse_numbers(df["Value"], str(path), "Value", rep)
        rep.skip("blank value", int(df["Value"].str.strip().eq("").sum()))
        out = pd.DataFrame(
            {
                "council_code": codes,
                "period": period,
                "measure": df["Code"].str.strip().map(ASC_MEASURES),
                "value": vals,
                "published": published,
                "source": "oflog_asc",
            }
        )[~bad & vals.notna()]
        dup = out.duplicated(["council_code", "period", "measure"])
        if dup.any():
            i = out.index[dup][0]
            raise UserInputError(
                f"{path}: row {i + 2}: a second value for council {out.at[i, 'council_code']}, "
                f"{df.at[i, 'Financial year']}, {df.at[i, 'Code']} (expected one per LA, year "
                "and metric)"
            )
        frames.append(out)
    return finish_observations(frames, rep), rep

"""Other inspectorates and high-needs finance: area SEND, youth justice, DSG deficits.

- :func:`load_send_inspections` - Ofsted/CQC area SEND inspections (2016 framework), the
  ``Area_SEND_*`` sheet of an ODS workbook whose header is on row 5. One
  ``other_inspection`` event per inspection (``service = "send_area"``, ``severity`` 1
  when a written statement of action (WSoA) was required, else 0, ``send_weaknesses`` the
  number of significant weaknesses) dated and published on its **publication date**, and
  one per revisit (``service = "send_revisit"``, ``severity`` 0 sufficient progress on all
  weaknesses, 1 on some, 2 on none) on the revisit's publication date. Codes are GSS codes
  in use at the inspection, resolved as of the publication date.
- :func:`load_youth_justice` - HM Inspectorate of Probation youth justice ratings (D2I
  scrape, one row per service: its latest report). One ``other_inspection`` event per
  English council the service covers (``service = "youth_justice"``, ``severity`` the
  overall rating 1 outstanding .. 4 inadequate) on the **publication date**. Names only:
  matched through the crosswalk after removing the words "youth offending services in" /
  "- Joint_Inspection"; joint services (:data:`YJ_SERVICES`; and, when the name is no
  council on the date, :data:`YJ_SUCCESSOR_SERVICES`, e.g. ``Northamptonshire`` after
  2021) are split into their councils; Welsh services are skipped and counted. A rating
  that is not one of the four (after removing the stray spaces of the scrape) is a user
  error naming file and row.
- :func:`load_dsg_deficits` - the DSG deficit as a % of the year's DSG allocation
  (``dsg_deficit_pct_of_grant``, positive = a deficit) from the SEND and AP dashboard's
  derived table (an xlsx with ``time_period, geographic_level, la_name, deficit``).
  ``period`` = 31 March of the financial year's end; ``published`` = 31 March of the next
  year (the s251 outturn it is derived from is published about a year after the year
  ends, as for :mod:`earlywarn.sources.s251`). Names only (DfE spellings).

A council name that does not resolve in a source keyed by names is a user error naming
the file and row (except the Welsh services and the known joint services).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    SourceReport,
    csv_headers,
    find_files,
    finish_observations,
    parse_numbers,
    read_csv_text,
    require_columns,
)
from earlywarn.sources.crosswalk import Crosswalk

__all__ = [
    "YJ_SERVICES",
    "YJ_SUCCESSOR_SERVICES",
    "load_dsg_deficits",
    "load_send_inspections",
    "load_youth_justice",
]

EVENT_OUT = ["council_code", "date", "event_type", "service", "severity", "source", "published"]
RATINGS = {"outstanding": 1.0, "good": 2.0, "requiresimprovement": 3.0, "inadequate": 4.0}
#: services covering several councils (name as scraped, normalised) -> council names
YJ_SERVICES = {
    "bedfordshire": ["Bedford", "Central Bedfordshire"],
    "west mercia": ["Herefordshire", "Shropshire", "Telford and Wrekin", "Worcestershire"],
    "tower hamlets and city of london": ["Tower Hamlets", "City of London"],
    "newcastle": ["Newcastle upon Tyne"],
}
#: services named after a council that was abolished, kept by its successors jointly: used
#: only when the name is not a council on the publication date
YJ_SUCCESSOR_SERVICES = {
    "northamptonshire": ["North Northamptonshire", "West Northamptonshire"],
}
WELSH = re.compile(
    r"blaenau gwent|caerphilly|bridgend|swansea|powys|vale of glamorgan|cardiff|newport|"
    r"wrexham|flintshire|conwy|gwynedd|anglesey|ceredigion|pembrokeshire|carmarthenshire|"
    r"neath|rhondda|merthyr|torfaen|monmouthshire|denbighshire|western bay|cwm taf",
    re.I,
)


def _read_ods(path: Path, where: str) -> dict[str, pd.DataFrame]:
    try:
        return pd.read_excel(path, sheet_name=None, engine="odf", header=None, dtype=str)
    except Exception as exc:
        raise UserInputError(
            f"{where}: cannot be read as an ODS workbook ({type(exc).__name__})"
        ) from exc


def _dates(values: pd.Series, path: str, column: str, header_row: int) -> pd.Series:
    text = values.fillna("").astype(str).str.strip()
    out = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    bad = out.isna() & text.ne("") & ~text.str.lower().str.startswith("not ")
    if bad.any():
        i = values.index[bad][0]
        raise UserInputError(
            f"{path}: row {i + header_row + 1}, column {column}: {values[i]!r} is not a date "
            "(expected YYYY-MM-DD)"
        )
    return out


def load_send_inspections(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load area SEND inspections and revisits (see the module docstring)."""
    rep = SourceReport("send_inspections")
    frames = []
    for path in find_files(raw_dir, "*SEND*.ods"):
        sheets = _read_ods(path, str(path))
        name = next((s for s in sheets if s.startswith("Area_SEND")), None)
        if name is None:
            raise UserInputError(
                f"{path}: no sheet named Area_SEND_* (found {', '.join(sheets)[:120]})"
            )
        raw = sheets[name]
        where = f"{path}#{name}"
        hdr = next(
            (i for i in range(min(10, len(raw))) if "Local authority code" in set(raw.iloc[i])),
            None,
        )
        if hdr is None:
            raise UserInputError(
                f"{where}: no header row with 'Local authority code' in the first 10 rows "
                "(expected it on row 5)"
            )
        df = raw.iloc[hdr + 1 :].copy()
        df.columns = [str(c).strip() for c in raw.iloc[hdr]]
        df = df[df["Local authority code"].notna()]
        cols = {
            "code": "Local authority code",
            "pub": "Inspection publication date",
            "wsoa": "Inspection outcome: written statement of action required?",
            "weak": "Number significant weaknesses identified in written statement of action",
            "rpub": "Revisit publication date",
            "rout": "Revisit outcome: sufficient progress in addressing all significant "
            "weaknesses?",
        }
        require_columns(df, list(cols.values()), where, header_row=hdr + 1)
        rep.files.append(where)
        rep.rows_read += len(df)
        pub = _dates(df[cols["pub"]], where, cols["pub"], 1)
        rpub = _dates(df[cols["rpub"]], where, cols["rpub"], 1)
        wsoa = df[cols["wsoa"]].fillna("").str.strip().str.lower()
        bad = ~wsoa.isin(["yes", "no"])
        if bad.any():
            i = df.index[bad][0]
            raise UserInputError(
                f"{where}: row {i + 1}, column {cols['wsoa']}: {df.at[i, cols['wsoa']]!r} "
                "(expected Yes or No)"
            )
        weak = parse_numbers(df[cols["weak"]].fillna(""), where, cols["weak"], rep, 1)
        outcome = df[cols["rout"]].fillna("").str.strip().str.lower()
        rsev = outcome.map({"yes": 0.0, "some": 1.0, "no": 2.0})
        badr = rsev.isna() & outcome.ne("")
        if badr.any():
            i = df.index[badr][0]
            raise UserInputError(
                f"{where}: row {i + 1}, column {cols['rout']}: {df.at[i, cols['rout']]!r} "
                "(expected Yes, Some or No)"
            )
        for i in df.index:
            g = str(df.at[i, cols["code"]]).strip()
            if pd.isna(pub[i]):
                rep.skip("no publication date")
                continue
            code = crosswalk.resolve_gss(g, pub[i])
            if code is None:
                raise UserInputError(
                    f"{where}: row {i + 1}, column Local authority code: {g!r} is not an "
                    "upper-tier council on the publication date"
                )
            frames.append(
                {
                    "council_code": code,
                    "date": pub[i],
                    "service": "send_area",
                    "severity": 1.0 if wsoa[i] == "yes" else 0.0,
                    "send_weaknesses": weak[i],
                    "published": pub[i],
                }
            )
            if pd.notna(rpub[i]) and pd.notna(rsev[i]):
                rcode = crosswalk.resolve_gss(g, rpub[i]) or code
                frames.append(
                    {
                        "council_code": rcode,
                        "date": rpub[i],
                        "service": "send_revisit",
                        "severity": rsev[i],
                        "send_weaknesses": weak[i],
                        "published": rpub[i],
                    }
                )
    out = pd.DataFrame(frames, columns=[*EVENT_OUT, "send_weaknesses"])
    out["event_type"] = "other_inspection"
    out["source"] = "ofsted_send_area"
    rep.rows_out = len(out)
    return out, rep


def load_youth_justice(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load HMI Probation youth justice ratings (see the module docstring)."""
    rep = SourceReport("youth_justice")
    rows = []
    for path, cols in csv_headers(raw_dir):
        if not {"la_name", "overall_rating", "publication_date"} <= set(cols):
            continue
        df = read_csv_text(path)
        require_columns(df, ["la_name", "overall_rating", "publication_date"], str(path))
        rep.files.append(str(path))
        rep.rows_read += len(df)
        for i in df.index:
            name = df.at[i, "la_name"].strip()
            rating = re.sub(r"\s+", "", df.at[i, "overall_rating"]).lower()
            if rating in ("", "rating"):  # the scrape lost the rating (West Sussex)
                rep.skip("overall rating not scraped")
                continue
            rating = rating.removeprefix("rating").removesuffix("rating")
            if rating not in RATINGS:
                raise UserInputError(
                    f"{path}: row {i + 2}, column overall_rating: "
                    f"{df.at[i, 'overall_rating']!r} (expected Outstanding, Good, Requires "
                    "improvement or Inadequate)"
                )
            date = pd.to_datetime(
                df.at[i, "publication_date"].strip(), format="%d/%m/%Y", errors="coerce"
            )
            if pd.isna(date):
                raise UserInputError(
                    f"{path}: row {i + 2}, column publication_date: "
                    f"{df.at[i, 'publication_date']!r} is not a date (expected dd/mm/yyyy)"
                )
            clean = re.sub(r"(?i)youth offending services? in|- ?joint_inspection", "", name)
            clean = " ".join(clean.split())
            if WELSH.search(clean):
                rep.skip("Welsh service")
                continue
            names = YJ_SERVICES.get(clean.lower(), [clean])
            codes = [crosswalk.resolve_name(n, date) for n in names]
            if None in codes and clean.lower() in YJ_SUCCESSOR_SERVICES:
                names = YJ_SUCCESSOR_SERVICES[clean.lower()]
                codes = [crosswalk.resolve_name(n, date) for n in names]
            if any(c is None for c in codes):
                raise UserInputError(
                    f"{path}: row {i + 2}, column la_name: {name!r} is not a council name "
                    "known to the crosswalk (expected an English council or a known joint "
                    "service)"
                )
            for code in codes:
                rows.append((code, date, RATINGS[rating]))
    out = pd.DataFrame(rows, columns=["council_code", "date", "severity"])
    out["published"] = out["date"]
    out["event_type"] = "other_inspection"
    out["service"] = "youth_justice"
    out["source"] = "hmi_probation_youth_justice"
    rep.rows_out = len(out)
    return out[EVENT_OUT], rep


def load_dsg_deficits(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load DSG deficits as a share of the grant (see the module docstring)."""
    rep = SourceReport("dsg_deficits")
    frames = []
    for path in find_files(raw_dir, "*dsg*deficit*.xlsx"):
        try:
            df = pd.read_excel(path, dtype=str)
        except Exception as exc:
            raise UserInputError(
                f"{path}: cannot be read as an xlsx workbook ({type(exc).__name__})"
            ) from exc
        need = ["time_period", "geographic_level", "la_name", "deficit"]
        require_columns(df, need, str(path))
        rep.files.append(str(path))
        la = df["geographic_level"].fillna("").str.strip().eq("Local authority")
        rep.skip("regional or national row", int((~la).sum()))
        df = df[la]
        rep.rows_read += len(df)
        tp = df["time_period"].fillna("").str.strip()
        ok = tp.str.fullmatch(r"\d{6}")
        if not ok.all():
            i = df.index[~ok][0]
            raise UserInputError(
                f"{path}: row {i + 2}, column time_period: {df.at[i, 'time_period']!r} "
                "(expected e.g. 201920)"
            )
        end = tp.str[:4].astype(int) + 1
        value = parse_numbers(df["deficit"].fillna(""), str(path), "deficit", rep)
        codes = []
        for i, name, y in zip(df.index, df["la_name"].fillna(""), end, strict=True):
            code = crosswalk.resolve_name(name.strip(), pd.Timestamp(int(y), 3, 31))
            if code is None:
                raise UserInputError(
                    f"{path}: row {i + 2}, column la_name: {name!r} is not a council name "
                    "known to the crosswalk (expected a DfE LA name)"
                )
            codes.append(code)
        frames.append(
            pd.DataFrame(
                {
                    "council_code": codes,
                    "period": pd.to_datetime(end.astype(str) + "-03-31").to_numpy(),
                    "measure": "dsg_deficit_pct_of_grant",
                    "value": value.to_numpy(),
                    "published": pd.to_datetime((end + 1).astype(str) + "-03-31").to_numpy(),
                    "source": "dsg_deficits",
                }
            )[value.notna().to_numpy()]
        )
    return finish_observations(frames, rep), rep

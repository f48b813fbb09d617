"""English Indices of Deprivation 2010 and 2015 at district level -> upper-tier observations.

No official upper-tier summary of the IoD2010 or IoD2015 is in the raw folder (SOURCES.md,
"imd/"). The district tables (``imd2010_lad21_england.csv``, ``imd2015_lad21_england.csv``:
``ltla21_code, Score, Proportion, Extent``, found by their columns) are aggregated to the
upper-tier councils **as they were on the edition's release date**:

- a unitary, metropolitan or London borough in existence then is its own council;
- a non-metropolitan district goes to its county (the register's ``county-la``);
- a 2021 unitary created after the release goes to its one predecessor when it was formed
  on the same area or by a split (Buckinghamshire -> Buckinghamshire County Council, North
  and West Northamptonshire -> Northamptonshire); one formed by a merger or a boundary
  change (Bournemouth, Christchurch and Poole; Dorset Council) spans several councils of
  the time, so those councils (Bournemouth, Poole, Dorset County Council) get no value: a
  part-county average would be a different area. They are counted in the report.

Weights: district **population** from the mySociety register's ``pop-2020`` column (the
only district population in the raw folder: the ONS files here are on upper-tier DfE
geography). It is a later population (mid-2019/2020) used only as relative weights of the
districts within a county; the district scores themselves are population-weighted LSOA
means on mid-2008 (IoD2010) and mid-2012 (IoD2015) populations. A district's share of its
county changes little over a decade, so the weights move a county's score by a fraction of
a point; docs/data-build.md says so.

Measures (as :mod:`earlywarn.sources.imd`): ``deprivation_imd_score`` = the weighted mean
of the district scores; ``deprivation_lsoa_decile1_pct`` = the weighted mean of the
districts' shares of LSOAs in England's most deprived tenth, x 100. Dates: ``period`` =
``published`` = the edition's release (:data:`earlywarn.sources.imd.RELEASE_DATES`; the
edition is read from the file name, ``imd2010_...``, the only place it is printed).
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
from earlywarn.sources.crosswalk import Crosswalk, _split
from earlywarn.sources.imd import RELEASE_DATES

__all__ = ["aggregate_districts", "district_parents", "load_imd_districts"]

_CODE = re.compile(r"^ltla\d{2}_code$")
_EDITION = re.compile(r"imd(\d{4})_", re.IGNORECASE)
REGISTER = "uk_local_authorities.csv"
_UPPER = {"UA", "MD", "LBO", "CC"}
#: a unitary formed on these terms maps back to its one predecessor
_WHOLE = {"same_area", "split"}


def district_parents(
    codes: list[str], register: pd.DataFrame, crosswalk: Crosswalk, date: pd.Timestamp
) -> tuple[dict[str, str | None], set[str]]:
    """Each district code's upper-tier council on ``date``, and the councils left partial.

    Returns ``(parent, partial)``: ``parent[code]`` is a council code or None (no council
    then, or the district spans several); ``partial`` holds the councils of that date that
    such a spanning district covers in part (they get no aggregate).
    """
    reg = register.set_index("gss-code")
    by_my = register.set_index("local-authority-code")["gss-code"]
    alive = set(crosswalk.current_on(date)["council_code"])
    c = crosswalk.councils.set_index("council_code")
    parent: dict[str, str | None] = {}
    partial: set[str] = set()
    for code in codes:
        kind = reg.at[code, "local-authority-type"] if code in reg.index else ""
        if code in alive:
            parent[code] = code
        elif kind == "NMD":
            county = by_my.get(reg.at[code, "county-la"])
            parent[code] = crosswalk.resolve_gss(county, date) if county else None
        elif kind in _UPPER and code in c.index:
            preds = [p for p in _split(c.at[code, "predecessor_codes"]) if p in alive]
            whole = c.at[code, "reorganisation"] in _WHOLE and len(preds) == 1
            parent[code] = preds[0] if whole else None
            if not whole:
                partial |= set(preds)
        else:
            parent[code] = None
    return parent, partial


def aggregate_districts(
    values: pd.DataFrame, parent: dict[str, str | None], weight: pd.Series, partial: set[str]
) -> pd.DataFrame:
    """Weighted means of ``values`` (index: district code; numeric columns) per parent.

    Districts with no parent and councils in ``partial`` are left out.

    >>> v = pd.DataFrame({"score": [10.0, 30.0, 7.0]}, index=["d1", "d2", "u"])
    >>> w = pd.Series({"d1": 100.0, "d2": 300.0, "u": 50.0})
    >>> aggregate_districts(v, {"d1": "C", "d2": "C", "u": "u"}, w, set())["score"].to_dict()
    {'C': 25.0, 'u': 7.0}
    """
    par = pd.Series(parent).reindex(values.index)
    keep = par.notna() & ~par.isin(partial)
    v, w, p = values[keep], weight.reindex(values.index)[keep], par[keep]
    num = v.mul(w, axis=0).groupby(p).sum()
    den = v.notna().mul(w, axis=0).groupby(p).sum()
    return num / den


def _register(raw_dir: Path) -> pd.DataFrame:
    paths = find_files(raw_dir, REGISTER)
    if not paths:
        raise UserInputError(
            f"{raw_dir}: no {REGISTER} (the district register whose county-la and pop-2020 "
            "columns aggregate the district IMD files to upper tier)"
        )
    reg = read_csv_text(paths[0])
    require_columns(
        reg,
        ["gss-code", "local-authority-code", "local-authority-type", "county-la", "pop-2020"],
        str(paths[0]),
    )
    return reg


def load_imd_districts(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load every district-level IMD file under ``raw_dir`` (see the module docstring)."""
    rep = SourceReport("imd_districts")
    frames: list[pd.DataFrame] = []
    reg: pd.DataFrame | None = None
    for path, cols in csv_headers(raw_dir):
        code_col = next((c for c in cols if _CODE.match(c)), None)
        if code_col is None or not {"Score", "Proportion"} <= set(cols):
            continue
        m = _EDITION.search(path.name)
        edition = int(m.group(1)) if m else None
        if edition not in RELEASE_DATES:
            raise UserInputError(
                f"{path}: the file name gives no IMD edition with a known release date "
                f"(expected e.g. imd2015_lad21_england.csv; known: "
                f"{', '.join(map(str, RELEASE_DATES))})"
            )
        if reg is None:
            reg = _register(raw_dir)
            rep.files.append(str(find_files(raw_dir, REGISTER)[0]))
        date = RELEASE_DATES[edition]
        df = read_csv_text(path)
        df.columns = cols
        rep.files.append(str(path))
        rep.rows_read += len(df)
        codes = df[code_col].str.strip()
        values = pd.DataFrame(
            {
                "deprivation_imd_score": parse_numbers(df["Score"], str(path), "Score", rep),
                "deprivation_lsoa_decile1_pct": 100.0
                * parse_numbers(df["Proportion"], str(path), "Proportion", rep),
            }
        ).set_axis(codes)
        pop = reg.drop_duplicates("gss-code").set_index("gss-code")["pop-2020"]
        weight = parse_numbers(pop, REGISTER, "pop-2020", rep).reindex(codes)
        if weight.isna().any():
            bad = weight.index[weight.isna()][0]
            raise UserInputError(
                f"{path}: district {bad} has no population in {REGISTER} (column pop-2020), "
                "so it cannot be weighted"
            )
        parent, partial = district_parents(list(codes), reg, crosswalk, date)
        orphan = [c for c in codes if parent[c] is None]
        rep.skip(
            f"imd{edition}: district spanning several councils of {date.date()}",
            sum(1 for c in orphan if c in crosswalk.councils["council_code"].values),
        )
        unknown = [c for c in orphan if c not in crosswalk.councils["council_code"].values]
        if unknown:
            rows = [int(i) + 2 for i in df.index[codes.isin(unknown)]]
            rep.add_unmatched(unknown, path, rows)
        rep.skip(f"imd{edition}: council covered in part only (left out)", len(partial))
        agg = aggregate_districts(values, parent, weight, partial)
        for measure in values.columns:
            frames.append(
                pd.DataFrame(
                    {
                        "council_code": agg.index,
                        "period": date,
                        "measure": measure,
                        "value": agg[measure].to_numpy(),
                        "published": date,
                        "source": f"imd{edition}_districts",
                    }
                ).dropna(subset=["value"])
            )
    return finish_observations(frames, rep), rep

"""Older DfE 'children looked after' SFR tables (one wide CSV per year) -> ``observations``.

The statistical first releases for 31 March 2010 to 2017 are one CSV per year, with
columns that change between years. A file is recognised by ``geog_l``, ``geog_c`` and
``geog_n`` plus a count column for 31 March: ``CLA_Mar{YYYY}`` (2011 on) or
``MarTotal_{YYYY}`` (2010). The year comes from that column's name, never from the file
name. Only ``geog_l == "LA"`` rows are used.

Measures
--------
``cla_count``
    children looked after at 31 March Y.
``cla_rate_per_10k``
    ``cla_count`` per 10,000 children aged 0-17: the 2010 file carries its own population
    (``Mid2009Pop0-17``); for other years the ONS mid-year estimate for mid Y-1 is taken
    from the DfE population file when it is loaded (:func:`add_cla_rates`), so the rate
    is known only once both are published. Years with no population (2011) have no rate.

Codes: ``New_geog_code`` (ONS, from 2011) and ``geog_c`` (DfE number) are both resolved
as of 31 March Y; if both resolve to different councils the loader stops. Dates:
``period`` = 31 March Y; ``published`` = 31 December Y (the SFR came out in the autumn).
Newer years of the same counts come from the EES ``cla_number_and_rate_per_10k_children``
file (see :mod:`~earlywarn.sources.dfe_csc`); where both exist the EES value wins.
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

__all__ = ["add_cla_rates", "load_cla_sfr"]

_COUNT = re.compile(r"^(?:CLA_Mar|MarTotal_)(\d{4})$")


def _resolve(cw: Crosswalk, gss: str, dfe: str, date: pd.Timestamp, where: str) -> str | None:
    a = cw.resolve_gss(gss, date) if gss else None
    b = cw.resolve_dfe(dfe, date) if dfe else None
    if a and b and a != b:
        raise UserInputError(
            f"{where}: New_geog_code {gss!r} is {a} but geog_c {dfe!r} is {b} on "
            f"{date.date()} (expected both codes to name the same council)"
        )
    return a or b


def load_cla_sfr(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load every older CLA SFR table under ``raw_dir`` (see the module docstring).

    Returns
    -------
    observations : pandas.DataFrame
        ``cla_count`` (all years) and ``cla_rate_per_10k`` (where the file has a
        population), plus ``source``.
    report : SourceReport
    """
    rep = SourceReport("cla_sfr")
    frames: list[pd.DataFrame] = []
    for path, cols in csv_headers(raw_dir, encoding="latin-1"):
        if not {"geog_l", "geog_c", "geog_n"} <= set(cols):
            continue
        counts = [c for c in cols if _COUNT.match(c)]
        if len(counts) != 1:
            raise UserInputError(
                f"{path}: row 1 (header): {len(counts)} columns for children looked after at "
                "31 March (expected one named CLA_MarYYYY or MarTotal_YYYY)"
            )
        count_col = counts[0]
        year = int(_COUNT.match(count_col).group(1))
        period, published = pd.Timestamp(year, 3, 31), pd.Timestamp(year, 12, 31)
        df = read_csv_text(path, encoding="latin-1")
        df.columns = cols
        pop_col = next((c for c in cols if re.fullmatch(r"Mid\d{4}Pop0-17", c)), None)
        require_columns(df, ["geog_l", "geog_c", "geog_n", count_col], str(path))
        rep.files.append(str(path))
        la = df[df["geog_l"].str.strip().str.upper().eq("LA")]
        rep.rows_read += len(la)
        rep.skip("national or regional rows", len(df) - len(la))
        gss = la["New_geog_code"].str.strip() if "New_geog_code" in la else ""
        codes = []
        for i in la.index:
            g = gss.at[i] if isinstance(gss, pd.Series) else ""
            codes.append(
                _resolve(crosswalk, g, la.at[i, "geog_c"].strip(), period, f"{path}: row {i + 2}")
            )
        codes = pd.Series(codes, index=la.index, dtype=object)
        bad = codes.isna()
        if bad.any():
            rep.skip("unknown council code", int(bad.sum()))
            b = la.loc[bad]
            rep.add_unmatched(
                (b["geog_c"] + " (" + b["geog_n"].str.strip() + f", {year})").tolist(),
                path,
                b.index + 2,
                b["geog_c"],
            )
        n = parse_numbers(la[count_col], str(path), count_col, rep)
        parts = {"cla_count": n}
        if pop_col:
            pop = parse_numbers(la[pop_col], str(path), pop_col, rep)
            parts["cla_rate_per_10k"] = n / pop.where(pop > 0) * 10000
        for measure, vals in parts.items():
            frames.append(
                pd.DataFrame(
                    {
                        "council_code": codes,
                        "period": period,
                        "measure": measure,
                        "value": vals,
                        "published": published,
                        "source": "cla_sfr",
                    }
                )[~bad & vals.notna()]
            )
    return finish_observations(frames, rep), rep


def add_cla_rates(sfr: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Add ``cla_rate_per_10k`` for SFR years without one, from ``pop_0_17_count``.

    The rate for 31 March Y uses the mid-(Y-1) population estimate and is published when
    both inputs are (the later of the two dates). Returns the new rows only.
    """
    counts = sfr[sfr["measure"].eq("cla_count")]
    have = set(
        map(
            tuple, sfr.loc[sfr["measure"].eq("cla_rate_per_10k"), ["council_code", "period"]].values
        )
    )
    pop = population[population["measure"].eq("pop_0_17_count")].copy()
    pop["period"] = pd.to_datetime((pop["period"].dt.year + 1).astype(str) + "-03-31")
    pop = pop.sort_values("published").drop_duplicates(["council_code", "period"], keep="first")
    m = counts.merge(pop, on=["council_code", "period"], suffixes=("", "_pop"))
    m = m[[(c, p) not in have for c, p in m[["council_code", "period"]].itertuples(index=False)]]
    m = m[m["value_pop"] > 0]
    return pd.DataFrame(
        {
            "council_code": m["council_code"],
            "period": m["period"],
            "measure": "cla_rate_per_10k",
            "value": m["value"] / m["value_pop"] * 10000,
            "published": m[["published", "published_pop"]].max(axis=1),
            "source": "cla_sfr+ons_population",
        }
    ).reset_index(drop=True)

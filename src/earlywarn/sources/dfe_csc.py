"""DfE children's social care statistics (explore-education-statistics CSVs) -> observations.

Every file has ``time_period, geographic_level, old_la_code, new_la_code, la_name``; only
``geographic_level == "Local authority"`` rows are used. Files are recognised by their
columns (see :data:`SPECS`), never by their names, so newer editions with more years load
the same way. Values are read as text and suppression markers (``c``, ``x``, ``z``,
``u``, ``low``, ``[c]``, ``..`` ...) become missing, are counted in the report and dropped.

Council codes: ``new_la_code`` is resolved as of the period end through the crosswalk; if
it is unknown, ``old_la_code`` (DfE number) is tried. If both resolve but to different
councils the loader stops (a wrong join is worse than none). Rows that resolve to no
council are skipped and counted: silently when every value is a marker or blank (DfE
prints ``z`` rows for councils on dates they did not exist, e.g. Cumberland in 2021),
otherwise they are also listed as unmatched. Joint returns of two councils (``E09000021 /
E09000027``, Kingston upon Thames / Richmond upon Thames workforce) are skipped and
counted, not split.

Periods and publication lags (``period`` -> ``published``)
----------------------------------------------------------
========================  ==================  ==========================================
family                    period              published (conservative, on or after the
                                              real release)
========================  ==================  ==========================================
children in need (CIN:    31 March Y          30 November Y (released late Oct/early
referrals, assessment                         Nov Y)
factors, child protection
plans)
children looked after     31 March Y          31 December Y (released Nov/Dec Y)
(rates, placement
stability)
social work workforce     30 September Y      last day of February Y+1 (released Feb Y+1)
ONS mid-year population   30 June Y           31 December Y+1 (ONS releases in summer
(0-17)                                        Y+1; mid-2021 came in December 2022)
========================  ==================  ==========================================

A CSV that has the EES columns but matches no spec is skipped and counted in the report
under its name (a renamed identifying column); a matched file missing any other expected
column, or with its header below an extra row, raises :class:`UserInputError`.

Editions (real-time vintages)
-----------------------------
DfE re-issues each publication every year with every earlier year reprinted, sometimes
restated; the raw folder keeps the older editions (e.g. ``editions/2022/``, ``2023/``).
Every matching file is read; a file's *edition* is published with its newest year (the
rule above applied to its last ``time_period``), and
:func:`earlywarn.sources.vintages.real_time_vintages` keeps each value's first print (at
its usual date) and each restatement as a second row dated by the edition that restated
it, so an origin before that edition sees the old value. Two files of the same edition
(two layouts of one release: the workforce *indicators* and *headline measures*) keep the
one listed first in :data:`~earlywarn.sources.dfe_specs.SPECS`; the others are counted as
superseded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import (
    SourceReport,
    find_files,
    parse_numbers,
    read_csv_text,
    require_columns,
)
from earlywarn.sources.crosswalk import Crosswalk
from earlywarn.sources.dfe_specs import BASE_COLUMNS as _BASE
from earlywarn.sources.dfe_specs import SPECS, Spec
from earlywarn.sources.vintages import real_time_vintages

__all__ = ["SPECS", "Spec", "load_dfe_csc"]


def _match(columns: set[str]) -> Spec | None:
    for spec in SPECS:
        if set(spec.signature) <= columns and not set(spec.excludes) & columns:
            return spec
    return None


def _year(text: str, where: str) -> int:
    s = str(text).strip()
    if len(s) == 4 and s.isdigit():
        return int(s)
    if len(s) == 6 and s.isdigit():  # 202122 = financial year 2021-22 -> ends 2022
        return int(s[:4]) + 1
    raise UserInputError(f"{where}: {text!r} is not a year (expected e.g. 2022 or 202122)")


def _load_file(path: Path, spec: Spec, cw: Crosswalk, rep: SourceReport) -> pd.DataFrame:
    df = read_csv_text(path)
    cond_cols = sorted({c for cond, _ in spec.selections for c in cond})
    value_cols = [c for _, ms in spec.selections for c in ms if c not in spec.signature]
    require_columns(df, _BASE + list(spec.signature) + cond_cols + value_cols, str(path))
    la = df[df["geographic_level"].str.strip().eq("Local authority")]
    rep.rows_read += len(la)
    if la.empty:
        return pd.DataFrame(columns=["council_code", "period", "measure", "value", "published"])
    years = {t: _year(t, f"{path}, column time_period") for t in la["time_period"].unique()}
    yr = la["time_period"].map(years)
    period = yr.map(spec.period)
    # resolve codes once per (code, dfe number, period)
    keys = pd.DataFrame({"gss": la["new_la_code"].str.strip(), "dfe": la["old_la_code"]})
    keys["period"] = period
    resolved: dict[tuple, str | None] = {}
    codes = []
    for i, (g, d, p) in zip(la.index, keys.itertuples(index=False, name=None), strict=True):
        k = (g, d, p)
        if k not in resolved:
            if " / " in g:  # joint return of two councils (Kingston / Richmond)
                resolved[k] = "combined"
            else:
                a = cw.resolve_gss(g, p) if g else None
                b = cw.resolve_dfe(d, p) if str(d).strip() else None
                if a and b and a != b:
                    raise UserInputError(
                        f"{path}: row {i + 2}: new_la_code {g!r} is {a} but old_la_code {d!r} "
                        f"is {b} on {p.date()} (expected both codes to name the same council)"
                    )
                resolved[k] = a or b
        codes.append(resolved[k])
    edition = spec.published(int(yr.max()))  # the edition: published with its newest year
    la = la.assign(_code=codes, _period=period, _published=yr.map(spec.published))
    la["_key"] = la["new_la_code"].str.strip().where(la["new_la_code"].str.strip().ne(""))
    la["_key"] = la["_key"].fillna(la["old_la_code"].str.strip())
    la["_name"] = la["new_la_code"].str.strip() + "/" + la["old_la_code"].str.strip()
    la["_name"] += " (" + la["la_name"].str.strip() + ", " + la["time_period"] + ")"
    out = []
    used = pd.Series(False, index=la.index)
    for cond, measures in spec.selections:
        mask = pd.Series(True, index=la.index)
        for c, v in cond.items():
            mask &= la[c].str.strip().eq(v)
        used |= mask
        sub = la[mask]
        for col, measure in measures.items():
            vals = parse_numbers(sub[col], str(path), col, rep)
            out.append(
                pd.DataFrame(
                    {
                        "council_code": sub["_code"],
                        "period": sub["_period"],
                        "measure": measure,
                        "value": vals,
                        "published": sub["_published"],
                        "_edition": edition,
                        "_name": sub["_name"],
                        "_row": sub.index + 2,
                        "_key": sub["_key"],
                    }
                )
            )
    rep.skip(f"{spec.name}: breakdown rows not used", int((~used).sum()))
    if not out:
        return pd.DataFrame(columns=["council_code", "period", "measure", "value", "published"])
    res = pd.concat(out, ignore_index=True)
    res = res[res["value"].notna()]
    # rows of a council on a date it did not exist (DfE fills them with z/x): no values
    la_used = la[used]
    gone = la_used["_code"].isna() & ~la_used["_name"].isin(res["_name"])
    rep.skip(f"{spec.name}: council not in existence on the period, no values", int(gone.sum()))
    combined = la_used["_code"].eq("combined")
    rep.skip(f"{spec.name}: joint return of two councils (not split)", int(combined.sum()))
    bad = res["council_code"].isna()
    rep.skip(
        f"{spec.name}: unknown council code",
        int(la_used["_name"].isin(res.loc[bad, "_name"]).sum()),
    )
    b = res[bad].sort_values("_row").drop_duplicates("_name")
    rep.add_unmatched(b["_name"].tolist(), path, b["_row"], b["_key"])
    keep = ~bad & res["council_code"].ne("combined")
    return res[keep].drop(columns=["_name", "_row", "_key"])


def _check_late_header(path: Path) -> None:
    """Fail when an EES header turns up below an extra title row."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            lines = [fh.readline() for _ in range(5)]
    except OSError:
        return
    for i, line in enumerate(lines[1:], start=2):
        if "time_period" in line and "geographic_level" in line:
            raise UserInputError(
                f"{path}: the header is on row {i}, expected on row 1 (an extra header or "
                f"title row?); expected columns {', '.join(_BASE)}"
            )


def load_dfe_csc(raw_dir: Path, crosswalk: Crosswalk) -> tuple[pd.DataFrame, SourceReport]:
    """Load every DfE children's social care CSV under ``raw_dir`` into observations.

    Parameters
    ----------
    raw_dir : pathlib.Path
        Folder searched recursively for ``*.csv`` files whose columns match one of
        :data:`SPECS`; other CSVs are ignored.
    crosswalk : Crosswalk

    Returns
    -------
    observations : pandas.DataFrame
        ``council_code, period, measure, value, published`` (plus ``source``), one row per
        council, period and measure.
    report : SourceReport
    """
    rep = SourceReport("dfe_csc")
    frames = []
    for path in find_files(raw_dir, "*.csv"):
        try:
            cols = set(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        if not set(_BASE[:2]) <= cols:
            _check_late_header(path)
            continue
        spec = _match(cols)
        if spec is None:
            rep.skip(f"unrecognised file with EES columns: {path.name}")
            continue
        rep.files.append(str(path))
        obs = _load_file(path, spec, crosswalk, rep)
        obs["source"] = spec.name
        obs["_priority"] = SPECS.index(spec)
        obs["_file"] = len(frames)
        frames.append(obs)
    if not frames:
        raise UserInputError(
            f"{raw_dir}: no DfE children's social care file found (expected CSVs with columns "
            f"{', '.join(_BASE)} and a known set of measure columns)"
        )
    obs = pd.concat(frames, ignore_index=True)
    key = ["council_code", "period", "measure"]
    same_file = obs.duplicated([*key, "_file"])
    if same_file.any():
        r = obs[same_file].iloc[0]
        raise UserInputError(
            f"{rep.files[r['_file']]}: two rows for council {r['council_code']}, period "
            f"{r['period'].date()}, measure {r['measure']} (expected one row per LA and year)"
        )
    obs = real_time_vintages(obs.drop(columns="_file"), rep)
    obs = obs.sort_values([*key, "published"], ignore_index=True)
    rep.rows_out = len(obs)
    return obs, rep

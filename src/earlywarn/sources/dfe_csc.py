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

Where two files give the same measure for the same council and period (the workforce
*indicators* and *headline measures* layouts; the DfE and older CLA editions), the file
listed first in :data:`SPECS` wins and the other rows are counted as superseded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
from earlywarn.sources.vintages import real_time_vintages

__all__ = ["SPECS", "Spec", "load_dfe_csc"]

_BASE = ["time_period", "geographic_level", "old_la_code", "new_la_code", "la_name"]


def _march(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 3, 31)


def _nov30(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 11, 30)


def _dec31(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 12, 31)


def _sep30(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 9, 30)


def _end_feb_next(y: int) -> pd.Timestamp:
    return pd.Timestamp(y + 1, 3, 1) - pd.Timedelta(days=1)


def _june30(y: int) -> pd.Timestamp:
    return pd.Timestamp(y, 6, 30)


def _dec31_next(y: int) -> pd.Timestamp:
    return pd.Timestamp(y + 1, 12, 31)


@dataclass(frozen=True)
class Spec:
    """How to read one DfE publication.

    Attributes
    ----------
    name : str
        Short name used in the report.
    signature : tuple of str
        Columns that identify the file (all must be present).
    selections : list of (dict, dict)
        ``(conditions, measures)``: rows where every ``column == value`` in
        ``conditions`` give one observation per ``value column -> measure`` pair.
    period : callable
        Year ``Y`` (from ``time_period``) -> period end date.
    published : callable
        Year ``Y`` -> publication date (see the module docstring).
    """

    name: str
    signature: tuple[str, ...]
    selections: list[tuple[dict[str, str], dict[str, str]]]
    period: Callable[[int], pd.Timestamp] = _march
    published: Callable[[int], pd.Timestamp] = _nov30
    excludes: tuple[str, ...] = field(default=())


_CLA_31 = "Children looked after on 31 March each year"
_STAB_25 = (
    "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years"
)
_STAB_25_OLD = (
    "Children looked after continuously for at least 2.5 years at 31 March aged under 16 years"
)
_SAME_PLACEMENT_OLD = (
    "Living in the same placement for at least 2 years, or are placed for adoption and their "
    "adoption and their adoptive placement together with their previous placement, last for "
    "at least 2 years"
)

_SAME_CARER_2023 = (
    "Living with the same carer for at least 2 years, or are placed for adoption and their "
    "adoptive placement together with their previous placement, last for at least 2 years"
)

#: The publications read, in priority order.
SPECS: list[Spec] = [
    Spec(
        "csww_indicators",
        ("turnover_rate_fte", "agency_rate_fte", "vacancy_rate_fte", "caseload_fte"),
        [
            (
                {},
                {
                    "turnover_rate_fte": "sw_turnover_pct",
                    "agency_rate_fte": "sw_agency_pct",
                    "vacancy_rate_fte": "sw_vacancy_pct",
                    "caseload_fte": "sw_caseload_per_fte",
                    "absence_rate_fte": "sw_absence_pct",
                    "inpost_fte": "sw_fte_count",
                },
            )
        ],
        _sep30,
        _end_feb_next,
    ),
    Spec(
        "csww_headline_measures",
        ("turnover_rate_fte_%", "agency_worker_rate_fte_%", "vacancy_rate_fte_%", "caseload_fte"),
        [
            (
                {},
                {
                    "turnover_rate_fte_%": "sw_turnover_pct",
                    "agency_worker_rate_fte_%": "sw_agency_pct",
                    "vacancy_rate_fte_%": "sw_vacancy_pct",
                    "caseload_fte": "sw_caseload_per_fte",
                    "absence_rate_fte_%": "sw_absence_pct",
                    "social_worker_fte": "sw_fte_count",
                },
            )
        ],
        _sep30,
        _end_feb_next,
    ),
    Spec(
        "cin",
        ("At31_episodes", "Started_episodes", "awaiting_assessment"),
        [
            (
                {},
                {
                    "At31_episodes": "cin_at31_count",
                    "Started_episodes": "cin_started_count",
                    "awaiting_assessment": "cin_awaiting_assessment_count",
                },
            )
        ],
    ),
    Spec(
        "cin_2023",
        ("At31_episodes", "Started_episodes", "Awaiting_assessment"),
        [
            (
                {},
                {
                    "At31_episodes": "cin_at31_count",
                    "Started_episodes": "cin_started_count",
                    "Awaiting_assessment": "cin_awaiting_assessment_count",
                },
            )
        ],
    ),
    Spec(
        "cin_referrals_2023",
        ("Referrals", "Re_referrals_percent"),
        [
            (
                {},
                {
                    "Referrals": "referral_count",
                    "Re_referrals_percent": "rereferral_pct",
                    "No_Further_Action_percent": "referral_nfa_pct",
                    "Not_in_Need_percent": "assessed_not_in_need_pct",
                },
            )
        ],
    ),
    Spec(
        "cin_referrals",
        ("referral_count", "rereferral_percent"),
        [
            (
                {},
                {
                    "referral_count": "referral_count",
                    "rereferral_percent": "rereferral_pct",
                    "no_further_action_percent": "referral_nfa_pct",
                    "not_in_need_percent": "assessed_not_in_need_pct",
                },
            )
        ],
    ),
    Spec(
        "cin_assessment_factors",
        ("Episodes_with_assessment_factor", "Domestic_Abuse_person", "Neglect"),
        [
            (
                {},
                {
                    "Episodes_with_assessment_factor": "assessment_factor_episodes_count",
                    "Domestic_Abuse_person": "factor_domestic_abuse_count",
                    "Mental_Health_person": "factor_mental_health_count",
                    "Neglect": "factor_neglect_count",
                    "Child_sexual_exploitation": "factor_cse_count",
                },
            )
        ],
    ),
    Spec(
        "cpp_subsequent",
        ("CPP_start", "CPP_subsequent_percent"),
        [({}, {"CPP_start": "cpp_started_count", "CPP_subsequent_percent": "cpp_repeat_pct"})],
    ),
    Spec(
        "cpp_duration",
        ("CPP_At31", "2_years_or_more_percent"),
        [({}, {"CPP_At31": "cpp_at31_count", "2_years_or_more_percent": "cpp_2y_plus_pct"})],
    ),
    Spec(
        "cla_rates",
        ("population_type", "children_count", "rate_per_10000"),
        [
            (
                {"population_type": _CLA_31},
                {"rate_per_10000": "cla_rate_per_10k", "children_count": "cla_count"},
            ),
            (
                {"population_type": "Children starting to be looked after each year"},
                {"rate_per_10000": "cla_started_rate_per_10k"},
            ),
            (
                {"population_type": "Children ceasing to be looked after each year"},
                {"rate_per_10000": "cla_ceased_rate_per_10k"},
            ),
        ],
        published=_dec31,
    ),
    Spec(
        "cla_rates_older",
        ("population_count", "number", "rate_per_10000"),
        [
            (
                {"population_count": "Children looked after at 31 March each year"},
                {"rate_per_10000": "cla_rate_per_10k", "number": "cla_count"},
            ),
            (
                {"population_count": "Children starting to be looked after each year"},
                {"rate_per_10000": "cla_started_rate_per_10k"},
            ),
            (
                {"population_count": "Children ceasing to be looked after each year"},
                {"rate_per_10000": "cla_ceased_rate_per_10k"},
            ),
        ],
        published=_dec31,
    ),
    Spec(
        "placement_stability",
        ("cla_group", "placement_stability", "children_percent"),
        [
            (
                {
                    "cla_group": "CLA on 31 March",
                    "placement_stability": "With 3 or more placements during the year",
                },
                {"children_percent": "placement_3plus_pct"},
            ),
            (
                {
                    "cla_group": _STAB_25,
                    "placement_stability": "Living with the same carer for at least 2 years",
                },
                {"children_percent": "placement_same_carer_2y_pct"},
            ),
        ],
        published=_dec31,
    ),
    Spec(
        "placement_stability_2023",
        ("cla_group", "placement_stability", "percentage"),
        [
            (
                {
                    "cla_group": "CLA on 31 March",
                    "placement_stability": "With 3 or more placements during the year",
                },
                {"percentage": "placement_3plus_pct"},
            ),
            (
                {
                    "cla_group": _STAB_25,
                    "placement_stability": "Living with the same carer for at least 2 years",
                },
                {"percentage": "placement_same_carer_2y_pct"},
            ),
            (
                {"cla_group": _STAB_25_OLD, "placement_stability": _SAME_CARER_2023},
                {"percentage": "placement_same_carer_2y_pct"},
            ),
        ],
        published=_dec31,
        excludes=("children_percent",),
    ),
    Spec(
        "placement_stability_older",
        ("cla_group", "characteristic", "percentage"),
        [
            (
                {
                    "cla_group": "Children looked after at 31 March",
                    "characteristic": "With 3 or more placements during the year",
                },
                {"percentage": "placement_3plus_pct"},
            ),
            (
                {"cla_group": _STAB_25_OLD, "characteristic": _SAME_PLACEMENT_OLD},
                {"percentage": "placement_same_placement_2y_pct"},
            ),
        ],
        published=_dec31,
    ),
    Spec(
        "population",
        ("age_group", "population_estimate"),
        [({"age_group": "Children aged 0 to 17 years"}, {"population_estimate": "pop_0_17_count"})],
        _june30,
        _dec31_next,
        excludes=("population_type", "population_count"),
    ),
]


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

"""One council crosswalk across codes, names and reorganisations.

Built from ``mysociety_la_codes/uk_local_authorities.csv`` (GSS codes, former GSS codes,
E-codes, DfE numbers in ``old-ons-la-code``, names, start/end dates, successors), its
``lookup_name_to_registry.csv`` (name variants) and ``d2i_ilacs_scrape/
Provider_data_lookup.csv`` (Ofsted URN, DfE number, ONS code, names). Only upper-tier
English councils are kept: counties (CTY), unitaries (UA, incl. the Isles of Scilly),
metropolitan districts (MD), London boroughs (LBO) and the City of London (CC, typed
"London borough" as DfE and Ofsted treat it).

Keys and dates
--------------
``council_code`` is the GSS code **in force at the date** of the row: DfE files key the
year to 31 March 2020 to Buckinghamshire County (E10000002) and 2021 on to
Buckinghamshire Council (E06000060), and the loaders do the same for every source by
resolving identifiers *as of* the period end or event date (:meth:`Crosswalk.resolve`).
``valid_from`` is mySociety's start date when it is a reorganisation date (2009 or
later; earlier dates there are register dates, so they are left open); ``valid_to`` is the
first day the council no longer existed (exclusive, as in :mod:`earlywarn.schema`:
mySociety end dates given as 1 April are already the successor's first day; other end
dates are a last day and are moved on one day).

Codes that changed without a change of council (Gateshead E08000020 -> E08000037,
Northumberland E06000048 -> E06000057, mySociety's ``former-gss-codes``) and GSS codes in
Provider_data_lookup that mySociety does not list (Barnsley E08000038, Sheffield
E08000039) are aliases of one council and resolve to its mySociety code.

Reorganisations and carried history
-----------------------------------
Each council that ended has successors (``successor_code``, ``;``-separated). The kind of
change is derived from the data (``reorganisation`` on the *successor*):

``same_area``
    one predecessor, one successor, and every district of the old county went to the
    successor (Buckinghamshire 2020, North Yorkshire and Somerset 2023).
``boundary_change``
    one predecessor, but some of its area went elsewhere (Dorset County -> Dorset
    Council 2019: Christchurch went to BCP).
``merger``
    several upper-tier predecessors (Bournemouth + Poole -> BCP 2019).
``split``
    one predecessor with several successors (Northamptonshire 2021, Cumbria 2023).

:func:`carry_history` copies a predecessor's rows dated before the successor existed to
the successor, with ``carried_from`` (the predecessor's code) and ``history_carried``
(True unless the change was ``same_area``), so analyses can drop them. Events are carried
from every predecessor (BCP inherits both Bournemouth's and Poole's inspections).
Observations are carried only when the successor has a single predecessor, because two
merged councils' rates cannot be combined without weights (BCP's indicators start in
2019-20). Original rows stay under the predecessor's code.

Newer releases restate the years before a reorganisation on the new councils: DfE's and
ONS's 2023 editions give Cumberland (E06000063, DfE 942) and Westmorland and Furness
(E06000064, DfE 943) rows for periods before 1 April 2023. A GSS code or DfE number of a
council created by reorganisation that is still in existence resolves to that council even
for dates before it existed, when nothing else matches (:meth:`Crosswalk.resolve`); such a
row is the successor's own, and :func:`carry_history` then carries no predecessor copy for
the same council, date and measure (or event type and source).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import find_files, read_csv_text, require_columns

__all__ = [
    "Crosswalk",
    "build_crosswalk",
    "normalise_name",
]

UPPER_TIER_TYPES = {
    "CTY": "county",
    "UA": "unitary",
    "MD": "metropolitan",
    "LBO": "London borough",
    "CC": "London borough",
}
_MYSOCIETY_COLUMNS = [
    "local-authority-code",
    "official-name",
    "nice-name",
    "gss-code",
    "start-date",
    "end-date",
    "replaced-by",
    "nation",
    "region",
    "local-authority-type",
    "county-la",
    "alt-names",
    "former-gss-codes",
    "ecode",
    "old-ons-la-code",
]
_PROVIDER_COLUMNS = ["urn", "la_code", "la_code_new", "local_authority_ons_name", "region_name"]
_EARLIEST_REAL_START = pd.Timestamp("2009-01-01")

_DROP_WORDS = re.compile(
    r"\b(the|council|county|borough|metropolitan|district|city of|royal borough of|"
    r"london borough of|corporation|mbc|ua)\b"
)


def normalise_name(name: str) -> str:
    """Normalise a council name for matching.

    Lower-cases, turns ``&`` into ``and``, drops punctuation and words such as
    "council", "county", "borough", "city of", and collapses spaces, so that
    ``"Bristol, City of"``, ``"City of Bristol"`` and ``"Bristol City Council"`` all give
    ``"bristol"``.

    Examples
    --------
    >>> normalise_name("Kingston Upon Hull, City of")
    'kingston upon hull'
    >>> normalise_name("St. Helens")
    'st helens'
    """
    s = str(name).lower().replace("&", " and ")
    s = re.sub(r"[.,'’()\[\]]", " ", s)
    s = s.replace("-", " ")
    s = _DROP_WORDS.sub(" ", s)
    return " ".join(s.split())


@dataclass
class Crosswalk:
    """Upper-tier councils and every identifier that points at them.

    Attributes
    ----------
    councils : pandas.DataFrame
        One row per upper-tier council, past or present: the schema's council columns
        (``council_code, council_name, council_type, region, valid_from, valid_to,
        successor_code``) plus ``mysociety_code, dfe_number, ofsted_urn, ecode,
        former_codes, predecessor_codes, reorganisation``.
    aliases : pandas.DataFrame
        ``kind`` (``name``, ``dfe``, ``urn``, ``ecode``, ``gss``), ``key`` (normalised)
        and ``council_code``; one key can point at several councils over time (DfE 825 is
        Buckinghamshire County and then Buckinghamshire Council).
    """

    councils: pd.DataFrame
    aliases: pd.DataFrame
    _index: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], list[str]] = {}
        for kind, key, code in self.aliases[["kind", "key", "council_code"]].itertuples(
            index=False
        ):
            codes = index.setdefault((kind, key), [])
            if code not in codes:
                codes.append(code)
        self._index = index
        c = self.councils.set_index("council_code")
        self._from = c["valid_from"].to_dict()
        self._to = c["valid_to"].to_dict()
        self._succ = {k: _split(v) for k, v in c["successor_code"].items()}
        self._pred = {k: _split(v) for k, v in c["predecessor_codes"].items()}

    # -- resolution --------------------------------------------------------------------
    def _valid(self, code: str, date: pd.Timestamp) -> bool:
        lo, hi = self._from.get(code), self._to.get(code)
        return (pd.isna(lo) or lo <= date) and (pd.isna(hi) or date < hi)

    def _walk(self, code: str, date: pd.Timestamp) -> str | None:
        """Follow single-line history (one predecessor / one successor) to ``date``."""
        seen = set()
        while code not in seen:
            seen.add(code)
            if self._valid(code, date):
                return code
            lo = self._from.get(code)
            if pd.notna(lo) and date < lo:
                preds = self._pred.get(code, [])
                if len(preds) != 1 or len(self._succ.get(preds[0], [])) != 1:
                    return None
                code = preds[0]
            else:
                succ = self._succ.get(code, [])
                if len(succ) != 1 or len(self._pred.get(succ[0], [])) != 1:
                    return None
                code = succ[0]
        return None

    def candidates(self, kind: str, value: object) -> list[str]:
        """Councils an identifier has ever pointed at (no date filter)."""
        return list(self._index.get((kind, _key(kind, value)), []))

    def resolve(self, kind: str, value: object, date: object) -> str | None:
        """Resolve an identifier to the upper-tier GSS code in force on ``date``.

        Parameters
        ----------
        kind : {"name", "dfe", "urn", "ecode", "gss"}
            What ``value`` is: a council name (any variant), a DfE 3-digit LA number, an
            Ofsted URN, an MHCLG E-code, or a GSS code (current, former or newer).
        value : str or int
            The identifier as published.
        date : date-like
            The date the row refers to (period end or event date).

        Returns
        -------
        str or None
            The GSS code, or ``None`` when the identifier is unknown, is not an upper-tier
            council, or is ambiguous on that date (e.g. "Northamptonshire" after 2021).
        """
        date = pd.Timestamp(date)
        found = set()
        codes = self.candidates(kind, value)
        for code in codes:
            hit = self._walk(code, date)
            if hit is not None:
                found.add(hit)
        if not found and kind in {"gss", "dfe"}:
            # a council created by reorganisation, in a newer release that restates the
            # years before it existed on its own area (Cumberland in the 2023 releases)
            found = {c for c in codes if self._restated(c, date)}
        return found.pop() if len(found) == 1 else None

    def _restated(self, code: str, date: pd.Timestamp) -> bool:
        """``code`` was created by reorganisation after ``date`` (and still exists)."""
        lo, hi = self._from.get(code), self._to.get(code)
        return bool(self._pred.get(code)) and pd.notna(lo) and date < lo and pd.isna(hi)

    def resolve_name(self, name: str, date: object) -> str | None:
        """Resolve a council name or name variant (see :meth:`resolve`)."""
        return self.resolve("name", name, date)

    def resolve_dfe(self, number: object, date: object) -> str | None:
        """Resolve a DfE 3-digit LA number (see :meth:`resolve`)."""
        return self.resolve("dfe", number, date)

    def resolve_urn(self, urn: object, date: object) -> str | None:
        """Resolve an Ofsted local-authority URN (see :meth:`resolve`)."""
        return self.resolve("urn", urn, date)

    def resolve_ecode(self, ecode: str, date: object) -> str | None:
        """Resolve an MHCLG finance E-code such as ``E0101`` (see :meth:`resolve`)."""
        return self.resolve("ecode", ecode, date)

    def resolve_gss(self, code: str, date: object) -> str | None:
        """Resolve a current, former or newer GSS code (see :meth:`resolve`)."""
        return self.resolve("gss", code, date)

    def current_on(self, date: object) -> pd.DataFrame:
        """Councils in existence on ``date``."""
        date = pd.Timestamp(date)
        ok = [self._valid(c, date) for c in self.councils["council_code"]]
        return self.councils[ok]


def _split(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return []
    return [v for v in str(value).split(";") if v]


def _key(kind: str, value: object) -> str:
    s = str(value).strip()
    if kind == "name":
        return normalise_name(s)
    if kind in {"dfe", "urn"}:
        s = s.removesuffix(".0")
        return s.lstrip("0") or s
    return s.upper()


def _date(text: str, where: str) -> pd.Timestamp:
    """A date cell (blank = NaT) or a one-line error naming the row and column."""
    if not str(text).strip():
        return pd.NaT
    try:
        d = pd.Timestamp(str(text).strip())
    except (ValueError, OverflowError):
        d = pd.NaT
    if pd.isna(d):
        raise UserInputError(f"{where}: {text!r} is not a date (expected YYYY-MM-DD)")
    return d


def _end_date(text: str, where: str = "end-date") -> pd.Timestamp:
    d = _date(text, where)
    if pd.isna(d):
        return pd.NaT
    return d if (d.month, d.day) == (4, 1) else d + pd.Timedelta(days=1)


def build_crosswalk(raw_dir: Path) -> Crosswalk:
    """Build the crosswalk from the staged lookup files.

    Parameters
    ----------
    raw_dir : pathlib.Path
        The raw data folder; files are found by name anywhere below it:
        ``uk_local_authorities.csv`` (required), ``lookup_name_to_registry.csv`` and
        ``Provider_data_lookup.csv`` (optional but needed for names and URNs).

    Returns
    -------
    Crosswalk

    Raises
    ------
    UserInputError
        When the mySociety file is missing or lacks a column, or the provider lookup
        names a DfE number that is not an upper-tier council.
    """
    files = find_files(raw_dir, "uk_local_authorities.csv")
    if not files:
        raise UserInputError(
            f"{raw_dir}: no uk_local_authorities.csv found (expected the mySociety "
            "local authority register, see SOURCES.md)"
        )
    path = files[0]
    m = read_csv_text(path)
    require_columns(m, _MYSOCIETY_COLUMNS, str(path))
    keep = m["nation"].eq("England") & m["local-authority-type"].isin(UPPER_TIER_TYPES)
    m = m[keep & m["gss-code"].str.strip().ne("")]
    if m.empty:
        raise UserInputError(
            f"{path}: no English upper-tier council with a gss-code (expected rows with nation "
            f"England and local-authority-type one of {', '.join(UPPER_TIER_TYPES)})"
        )
    row_of = {k: i + 2 for i, k in zip(m.index, m["local-authority-code"], strict=True)}
    m = m.reset_index(drop=True)

    by_my = {r["local-authority-code"]: r for _, r in m.iterrows()}
    succ = {k: [s for s in r["replaced-by"].split(",") if s in by_my] for k, r in by_my.items()}
    pred: dict[str, list[str]] = {k: [] for k in by_my}
    for k, ss in succ.items():
        for s in ss:
            pred[s].append(k)
    # districts of each county and where they went (for same_area vs boundary_change)
    allm = read_csv_text(path)
    districts = allm[allm["county-la"].ne("")]
    reorg: dict[str, str] = {}
    for s, ps in pred.items():
        if not ps:
            continue
        if len(ps) > 1:
            reorg[s] = "merger"
        elif len(succ[ps[0]]) > 1:
            reorg[s] = "split"
        else:
            # districts that still existed when the county ended
            ended_with = districts["county-la"].eq(ps[0]) & districts["end-date"].eq(
                by_my[ps[0]]["end-date"]
            )
            went = set(districts.loc[ended_with, "replaced-by"])
            reorg[s] = "same_area" if went <= {s} else "boundary_change"

    gss = {k: r["gss-code"] for k, r in by_my.items()}
    rows = []
    for k, r in by_my.items():
        where = f"{path}: row {row_of.get(k, '?')}, column"
        start = _date(r["start-date"], f"{where} start-date")
        rows.append(
            {
                "council_code": r["gss-code"],
                "council_name": r["nice-name"],
                "council_type": UPPER_TIER_TYPES[r["local-authority-type"]],
                "region": r["region"] or None,
                "valid_from": start
                if pd.notna(start) and start >= _EARLIEST_REAL_START
                else pd.NaT,
                "valid_to": _end_date(r["end-date"], f"{where} end-date"),
                "successor_code": ";".join(gss[s] for s in succ[k]) or None,
                "mysociety_code": k,
                "dfe_number": r["old-ons-la-code"] or None,
                "ofsted_urn": None,
                "ecode": r["ecode"] or None,
                "former_codes": r["former-gss-codes"].replace(",", ";") or None,
                "predecessor_codes": ";".join(gss[p] for p in pred[k]) or None,
                "reorganisation": reorg.get(k),
            }
        )
    councils = pd.DataFrame(rows)
    aliases: list[tuple[str, str, str]] = []
    for r in by_my.values():
        code = r["gss-code"]
        aliases.append(("gss", code, code))
        for f in filter(None, r["former-gss-codes"].split(",")):
            aliases.append(("gss", f.strip().upper(), code))
        if r["ecode"]:
            aliases.append(("ecode", r["ecode"].upper(), code))
        if r["old-ons-la-code"].isdigit():
            aliases.append(("dfe", _key("dfe", r["old-ons-la-code"]), code))
        for n in [r["official-name"], r["nice-name"], *r["alt-names"].split(",")]:
            if n.strip():
                aliases.append(("name", normalise_name(n), code))

    names = find_files(raw_dir, "lookup_name_to_registry.csv")
    if names:
        nm = read_csv_text(names[0])
        require_columns(nm, ["la-name", "local-authority-code"], str(names[0]))
        for n, k in nm[["la-name", "local-authority-code"]].itertuples(index=False):
            if k in by_my:
                aliases.append(("name", normalise_name(n), gss[k]))

    prov_files = find_files(raw_dir, "Provider_data_lookup.csv")
    if prov_files:
        councils = _add_provider(councils, aliases, prov_files[0])
    aliases_df = pd.DataFrame(aliases, columns=["kind", "key", "council_code"])
    aliases_df = aliases_df[aliases_df["key"].ne("")].drop_duplicates(ignore_index=True)
    # regions of councils that ended: take the successor's
    reg = councils.set_index("council_code")["region"].to_dict()
    for i, r in councils.iterrows():
        if pd.isna(r["region"]) and pd.notna(r["successor_code"]):
            councils.loc[i, "region"] = reg.get(_split(r["successor_code"])[0])
    return Crosswalk(councils=councils, aliases=aliases_df)


def _add_provider(councils: pd.DataFrame, aliases: list, path: Path) -> pd.DataFrame:
    """Add Ofsted URNs, DfE numbers for new councils and extra names/codes."""
    p = read_csv_text(path)
    require_columns(p, _PROVIDER_COLUMNS, str(path))
    councils = councils.copy()
    by_code = {c: i for i, c in enumerate(councils["council_code"])}
    by_dfe: dict[str, list[int]] = {}
    for i, d in enumerate(councils["dfe_number"]):
        if d:
            by_dfe.setdefault(_key("dfe", d), []).append(i)
    for row, r in p.iterrows():
        code, dfe = r["la_code_new"].strip().upper(), _key("dfe", r["la_code"])
        if code in by_code:
            i = by_code[code]
        elif len(by_dfe.get(dfe, [])) == 1:
            # a GSS code mySociety does not list (Barnsley E08000038): alias of the
            # council with the same DfE number
            i = by_dfe[dfe][0]
            aliases.append(("gss", code, councils.at[i, "council_code"]))
        else:
            raise UserInputError(
                f"{path}: row {row + 2}, column la_code_new: {code!r} (DfE {dfe}) is not an "
                "upper-tier council in uk_local_authorities.csv (expected a county, "
                "unitary, metropolitan district or London borough GSS code)"
            )
        target = councils.at[i, "council_code"]
        if pd.isna(councils.at[i, "dfe_number"]):
            councils.at[i, "dfe_number"] = dfe
        councils.at[i, "ofsted_urn"] = _key("urn", r["urn"])
        aliases.append(("dfe", dfe, target))
        aliases.append(("urn", _key("urn", r["urn"]), target))
        aliases.append(("name", normalise_name(r["local_authority_ons_name"]), target))
        for extra in ("also_known_as", "ofsted_ilacs_scrape_la_name", "utla23nm"):
            if extra in p.columns:
                for n in re.split(r"[,\[\]]", r[extra]):
                    if n.strip() and not n.strip().isdigit():
                        aliases.append(("name", normalise_name(n), target))
    return councils

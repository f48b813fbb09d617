"""Every English principal council, districts included, for the financial-failure outcome.

The children's-services crosswalk (:mod:`earlywarn.sources.crosswalk`) keeps upper-tier
councils only. Financial failure concerns every principal council, so this module reads
the same mySociety register (``mysociety_la_codes/uk_local_authorities.csv``) and keeps
English councils of type county (``CTY``), unitary (``UA``, and the Isles of Scilly
``SRA``), metropolitan district (``MD``), London borough (``LBO``, and the City of London
``CC``) and shire district (``NMD``). Combined authorities (``COMB``) and other bodies are
not councils.

Dates: ``valid_from`` is the register's start date when it is 2009 or later (earlier
dates are register dates, left open); ``valid_to`` is the first day the council no longer
existed (an end date of 1 April is already the successor's first day; any other end date
is a last day and moves on one day).

MHCLG finance files key rows by E-code (``E0101``). The register's ``ecode`` column maps
most of them; councils created after the register's E-codes were filled (Buckinghamshire,
the Northamptonshire, Cumbria, North Yorkshire and Somerset unitaries ...) have none, so
the loaders match on the ONS code first where a file prints one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.sources._common import read_csv_text, require_columns

__all__ = ["COUNCIL_TYPES", "FinanceCouncils", "build_finance_councils"]

#: mySociety type -> council type (the words of :mod:`earlywarn.schema`, plus district).
COUNCIL_TYPES = {
    "CTY": "county",
    "UA": "unitary",
    "SRA": "unitary",
    "MD": "metropolitan district",
    "LBO": "London borough",
    "CC": "London borough",
    "NMD": "district",
}
_REGISTER = "uk_local_authorities.csv"
_COLUMNS = ["gss-code", "official-name", "nice-name", "nation", "local-authority-type"]
_COLUMNS += ["start-date", "end-date", "replaced-by", "ecode", "former-gss-codes"]
_COLUMNS += ["local-authority-code"]


@dataclass
class FinanceCouncils:
    """All principal councils and their identifiers.

    Attributes
    ----------
    councils : pandas.DataFrame
        ``council_code, council_name, council_type, register_code, ecode, valid_from,
        valid_to, successor_codes`` (one row per council ever in the register since 2009).
    aliases : dict
        Old GSS codes of a council whose code changed without a change of council.
    """

    councils: pd.DataFrame
    aliases: dict[str, str] = field(default_factory=dict)
    _by_ecode: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _by_name: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index()

    def _index(self) -> None:
        self._by_ecode = {}
        for code, e in zip(self.councils["council_code"], self.councils["ecode"], strict=False):
            for one in str(e).split(";"):
                if one and one != "nan":
                    self._by_ecode.setdefault(one, []).append(code)

    def alive(self, code: str, date: pd.Timestamp) -> bool:
        """True when council ``code`` existed on ``date``."""
        row = self.councils.loc[self.councils["council_code"] == code]
        if row.empty:
            return False
        vf, vt = row["valid_from"].iloc[0], row["valid_to"].iloc[0]
        return (pd.isna(vf) or vf <= date) and (pd.isna(vt) or vt > date)

    def resolve_gss(self, code: object, date: object = None) -> str | None:
        """The council of a GSS code (old codes of the same council included)."""
        c = str(code).strip()
        c = self.aliases.get(c, c)
        return c if c in self.codes else None

    def resolve_ecode(self, ecode: object, date: object) -> str | None:
        """The council holding an MHCLG E-code on ``date`` (``None`` if none or several)."""
        hits = self._by_ecode.get(str(ecode).strip(), [])
        when = pd.Timestamp(date)
        alive = [c for c in hits if self.alive(c, when)]
        if len(alive) == 1:
            return alive[0]
        return hits[0] if len(hits) == 1 else None

    def resolve_name(self, name: object, date: object) -> str | None:
        """The council of a name (matched as :func:`~earlywarn.sources.crosswalk.normalise_name`
        does) existing on ``date``, else the only council ever of that name; ``None`` when
        none or several."""
        from earlywarn.sources.crosswalk import normalise_name

        if not self._by_name:
            for code, n in zip(
                self.councils["council_code"], self.councils["council_name"], strict=True
            ):
                self._by_name.setdefault(normalise_name(n), []).append(code)
        hits = self._by_name.get(normalise_name(str(name)), [])
        alive = [c for c in hits if self.alive(c, pd.Timestamp(date))]
        if len(alive) == 1:
            return alive[0]
        return hits[0] if len(hits) == 1 else None

    def resolve_row(self, gss: object, ecode: object, date: object) -> str | None:
        """The council of a finance-file row: by its ONS code where it prints one, else by
        its E-code as of ``date`` (the period end); ``None`` when neither resolves."""
        g = "" if gss is None or pd.isna(gss) else str(gss).strip()
        code = self.resolve_gss(g) if g.startswith("E") else None
        return code or self.resolve_ecode(ecode, date)

    @property
    def codes(self) -> frozenset[str]:
        """Every council code."""
        return frozenset(self.councils["council_code"])

    def learn_ecode(self, ecode: str, gss: str) -> bool:
        """Give a council without an E-code the one printed beside its ONS code in a file.

        Used only when the register has no E-code for that council and no council holds
        the E-code yet; returns True when the E-code was learnt.
        """
        code, e = self.resolve_gss(gss), str(ecode).strip()
        if code is None or e in self._by_ecode:
            return False
        at = self.councils.index[self.councils["council_code"] == code]
        if self.councils.loc[at, "ecode"].notna().any():
            return False
        self.councils.loc[at, "ecode"] = e
        self._by_ecode[e] = [code]
        return True

    def on(self, date: object) -> pd.DataFrame:
        """The councils that existed on ``date``."""
        d = pd.Timestamp(date)
        c = self.councils
        ok = (c["valid_from"].isna() | (c["valid_from"] <= d)) & (
            c["valid_to"].isna() | (c["valid_to"] > d)
        )
        return c.loc[ok].reset_index(drop=True)


def _date(text: object, where: str) -> pd.Timestamp:
    if pd.isna(text) or str(text).strip() == "":
        return pd.NaT
    try:
        return pd.Timestamp(str(text).strip())
    except ValueError as exc:
        raise UserInputError(f"{where}: {text!r} is not a date (expected YYYY-MM-DD)") from exc


def build_finance_councils(raw_dir: Path) -> FinanceCouncils:
    """Read every English principal council from the mySociety register under ``raw_dir``.

    Raises
    ------
    earlywarn.errors.UserInputError
        No register, a missing column, or a date that is not a date.
    """
    paths = sorted(Path(raw_dir).rglob(_REGISTER))
    if not paths:
        raise UserInputError(
            f"{raw_dir}: no {_REGISTER} found (expected the mySociety register of councils)"
        )
    path = paths[0]
    reg = read_csv_text(path)
    require_columns(reg, _COLUMNS, str(path))
    reg = reg[reg["nation"].eq("England") & reg["local-authority-type"].isin(COUNCIL_TYPES)]
    rows, aliases = [], {}
    for i, r in reg.iterrows():
        where = f"{path}: row {i + 2}"
        start = _date(r["start-date"], where + ", column start-date")
        end = _date(r["end-date"], where + ", column end-date")
        if pd.notna(end) and not (end.month == 4 and end.day == 1):
            end = end + pd.Timedelta(days=1)
        if pd.notna(end) and end.year < 2009:
            continue
        rows.append(
            {
                "council_code": r["gss-code"].strip(),
                "council_name": r["nice-name"].strip() or r["official-name"].strip(),
                "council_type": COUNCIL_TYPES[r["local-authority-type"]],
                "register_code": r["local-authority-code"].strip(),
                "ecode": r["ecode"].strip() or None,
                "valid_from": start if pd.notna(start) and start.year >= 2009 else pd.NaT,
                "valid_to": end,
                "successor_codes": r["replaced-by"].strip(),
            }
        )
        for old in str(r["former-gss-codes"]).split(","):
            if old.strip():
                aliases[old.strip()] = r["gss-code"].strip()
    councils = pd.DataFrame(rows)
    reg_to_gss = dict(zip(councils["register_code"], councils["council_code"], strict=False))
    councils["successor_codes"] = [
        ";".join(reg_to_gss.get(s.strip(), s.strip()) for s in str(v).split(",") if s.strip())
        for v in councils["successor_codes"]
    ]
    councils = councils.sort_values("council_code", ignore_index=True)
    return FinanceCouncils(councils, aliases)

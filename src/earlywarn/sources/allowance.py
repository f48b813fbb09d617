"""The documented allowance: raw files not read and rows not matched, with reasons.

``earlywarn data build`` never drops a file or a council silently. A raw file no loader
reads (:mod:`earlywarn.sources.inventory`), and a row whose council identifier resolves to
no upper-tier council on the row's date, stop the build with one line naming the file, the
row (header = row 1) and the value - unless the package's ``allowance.toml`` lists them:

``[[not_read]]``
    ``file`` (a glob on the file name) and ``reason``: a raw file kept for provenance but
    not read (e.g. the district lookup, the workbooks the derived CSVs were cut from).
``[[unmatched]]``
    ``source`` (the loader's report name), ``file`` (a glob on the file name), ``values``
    (the identifiers as published) and/or ``patterns`` (case-insensitive globs on the
    identifier, for kinds of body rather than single rows: ``"* Combined Authority"``,
    ``"* Police and Crime Commissioner"``, a council created after the folder's vintage)
    and ``reason``: rows known not to match (e.g. the 2008-09 s251 returns of the counties
    reorganised in April 2009).

The allowed rows are still counted in the build report (``skipped`` and ``unmatched``), and
the build report lists the allowance entries used. To accept a new exception, add an entry
with its reason; nothing is allowed by default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

from earlywarn.errors import UserInputError

__all__ = ["Allowance", "load_allowance"]


@dataclass(frozen=True)
class Allowance:
    """The parsed allowance: file globs not read, and (source, file glob, values)."""

    not_read: tuple[tuple[str, str], ...]
    unmatched: tuple[tuple[str, str, frozenset[str], str], ...]
    path: str = ""
    patterns: tuple[tuple[str, str, tuple[str, ...], str], ...] = ()

    def is_unread(self, path: Path) -> bool:
        """True when the allowance lists ``path`` as a file not read."""
        return any(fnmatch(path.name, glob) for glob, _ in self.not_read)

    def allows(self, source: str, path: str | None, value: str) -> bool:
        """True when ``value`` of ``source`` in ``path`` may stay unmatched."""
        name = Path(str(path).split("#")[0]).name if path else ""
        if any(
            s == source and fnmatch(name, glob) and value in values
            for s, glob, values, _ in self.unmatched
        ):
            return True
        low = " ".join(str(value).lower().split())
        return any(
            s == source and fnmatch(name, glob) and any(fnmatch(low, g.lower()) for g in globs)
            for s, glob, globs, _ in self.patterns
        )

    def check(self, reports: dict) -> None:
        """Fail on the first unmatched row the allowance does not list.

        Parameters
        ----------
        reports : dict of str -> earlywarn.sources._common.SourceReport
        """
        for name, rep in reports.items():
            for shown, (key, path, row) in rep.unmatched_at.items():
                if self.allows(name, path, key):
                    continue
                where = f"{Path(str(path).split('#')[0]).resolve()}" if path else name
                if path and "#" in str(path):
                    where += f", sheet {str(path).split('#', 1)[1]!r}"
                at = f": row {row}" if row is not None else ""
                raise UserInputError(
                    f"{where}{at}: {shown!r} matches no upper-tier council on the row's date "
                    f"({name}; expected a code or name the crosswalk knows, or an entry in "
                    f"{self.path})"
                )


def load_allowance(path: Path | None = None) -> Allowance:
    """Read the allowance (default: the package's ``sources/allowance.toml``)."""
    if path is None:
        res = resources.files("earlywarn.sources") / "allowance.toml"
        text, shown = res.read_text(encoding="utf-8"), str(res)
    else:
        text, shown = Path(path).read_text(encoding="utf-8"), str(Path(path).resolve())
    try:
        data = tomllib.loads(text)
        not_read = tuple((e["file"], e["reason"]) for e in data.get("not_read", []))
        entries = data.get("unmatched", [])
        for e in entries:
            if "values" not in e and "patterns" not in e:
                raise KeyError(f"values or patterns in [[unmatched]] source {e.get('source')}")
        unmatched = tuple(
            (e["source"], e["file"], frozenset(map(str, e.get("values", []))), e["reason"])
            for e in entries
        )
        patterns = tuple(
            (e["source"], e["file"], tuple(map(str, e["patterns"])), e["reason"])
            for e in entries
            if e.get("patterns")
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise UserInputError(f"{shown}: not a valid allowance ({exc})") from exc
    return Allowance(not_read, unmatched, shown, patterns)

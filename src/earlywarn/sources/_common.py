"""Shared helpers for the source loaders: reading, column checks, suppression, reports.

Private module. Every loader reads files as text (``dtype=str``) and converts values with
:func:`parse_numbers`, which turns the published suppression markers into missing values
and counts them, and fails with :class:`~earlywarn.errors.UserInputError` on anything
else that is not a number.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from earlywarn.errors import UserInputError

__all__ = [
    "OBSERVATION_OUT",
    "SUPPRESSION_MARKERS",
    "csv_headers",
    "SourceReport",
    "find_files",
    "finish_observations",
    "parse_numbers",
    "check_has_rows",
    "check_id_cells",
    "check_one_edition",
    "one_of",
    "ods_sheet_names",
    "read_csv_text",
    "read_ods_sheets",
    "require_columns",
]

#: Cell values read as "suppressed or not available" (compared after stripping and
#: lower-casing). DfE/EES codes: ``c`` confidential, ``x`` not available, ``z`` not
#: applicable, ``u`` low reliability, ``low`` fewer than 5 / rounds to 0, and the bracketed
#: forms used by newer releases (``[c]``, ``[x]``, ``[z]``, ``[u]``, ``[low]``); ONS/MHCLG
#: use ``..``, ``...`` (or the ellipsis character), ``:``, ``-``, ``*`` and ``n/a``.
SUPPRESSION_MARKERS = frozenset(
    {"c", "x", "z", "u", "low", "[c]", "[x]", "[z]", "[u]", "[low]", "..", ".", ":", "-", "*"}
    | {"n/a", "na", "[n/a]", "-", "...", "\u2026"}
)

_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][-+]?\d+)?$")


@dataclass
class SourceReport:
    """What one loader read, kept, skipped and could not match.

    Attributes
    ----------
    source : str
        Short name of the source (e.g. ``"dfe_csc"``).
    files : list of str
        Files read.
    rows_read : int
        Data rows read (after filtering to local-authority rows where relevant).
    rows_out : int
        Rows written to the output table (before history is carried to successors).
    suppressed : int
        Cells holding a suppression marker (see :data:`SUPPRESSION_MARKERS`), read as
        missing and dropped.
    skipped : dict
        Reason -> number of rows skipped on purpose (documented in each loader).
    unmatched : list of str
        Names or codes that did not resolve to an upper-tier council (each once).
    unreadable : list of str
        Files that could not be read at all ("path: reason"), e.g. a PDF that is an HTML
        page; listed in the build report instead of stopping the build.
    """

    source: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_out: int = 0
    suppressed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    unmatched_at: dict[str, tuple[str, str | None, int | None]] = field(
        default_factory=dict, repr=False
    )

    def skip(self, reason: str, n: int = 1) -> None:
        """Count ``n`` rows skipped for ``reason``."""
        if n:
            self.skipped[reason] = self.skipped.get(reason, 0) + int(n)

    def add_unmatched(
        self,
        values: object,
        path: object = None,
        rows: object = None,
        keys: object = None,
    ) -> None:
        """Record names/codes that did not resolve (kept unique, in first-seen order).

        ``path`` is the file (``file#sheet`` for a workbook), ``rows`` the spreadsheet row
        of each value (header = row 1) and ``keys`` the identifier as published (what the
        allowance lists; default: the value shown). ``data build`` fails on the first one
        :mod:`earlywarn.sources.allowance` does not list.
        """
        vals = [values] if isinstance(values, str) else [str(v) for v in values]
        if isinstance(rows, int):
            rows = [rows]
        if isinstance(keys, str):
            keys = [keys]
        rows = [None] * len(vals) if rows is None else [int(r) for r in rows]
        keys = vals if keys is None else [str(k).strip() for k in keys]
        for v, r, k in zip(vals, rows, keys, strict=True):
            if v not in self.unmatched:
                self.unmatched.append(v)
                self.unmatched_at[v] = (k, None if path is None else str(path), r)

    def to_dict(self) -> dict:
        """Return the report as plain data (for JSON/YAML)."""
        d = asdict(self)
        d.pop("unmatched_at")
        return d


def find_files(raw_dir: Path, pattern: str) -> list[Path]:
    """Return files under ``raw_dir`` whose name matches a glob ``pattern`` in any case
    (``*.pdf`` finds ``x.PDF``: downloads often come upper-case), recursive, sorted."""
    import fnmatch

    want = pattern.casefold()
    return sorted(
        p
        for p in Path(raw_dir).rglob("*")
        if fnmatch.fnmatchcase(p.name.casefold(), want) and p.is_file()
    )


#: Columns every observation loader returns.
OBSERVATION_OUT = ["council_code", "period", "measure", "value", "published", "source"]


def csv_headers(raw_dir: Path, encoding: str = "utf-8-sig"):
    """Yield ``(path, stripped column names)`` for every readable CSV under ``raw_dir``."""
    for path in find_files(raw_dir, "*.csv"):
        try:
            head = pd.read_csv(path, nrows=0, encoding=encoding).columns
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        yield path, [str(c).strip() for c in head]


def finish_observations(frames: list[pd.DataFrame], report: SourceReport) -> pd.DataFrame:
    """Concatenate observation frames, type the columns and record ``rows_out``."""
    out = pd.concat([pd.DataFrame(columns=OBSERVATION_OUT), *frames], ignore_index=True)
    out["period"] = pd.to_datetime(out["period"])
    out["published"] = pd.to_datetime(out["published"])
    out["value"] = out["value"].astype(float)
    report.rows_out = len(out)
    return out


def read_csv_text(path: Path, encoding: str = "utf-8-sig") -> pd.DataFrame:
    """Read a CSV with every cell as text and blanks as ``""``.

    Falls back to latin-1 when the file is not valid UTF-8 (older DfE downloads are
    cp1252). Raises :class:`UserInputError` when the file cannot be parsed.
    """
    try:
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="latin-1")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        first = (str(exc).strip().splitlines() or ["empty"])[0]
        raise UserInputError(f"{path}: cannot be read as CSV ({first})") from exc


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def ods_sheet_names(path: Path) -> list[str]:
    """Sheet names of an OpenDocument spreadsheet, in order (without parsing the cells)."""
    import zipfile
    from html import unescape

    try:
        with zipfile.ZipFile(path) as z, z.open("content.xml") as f:
            text = f.read().decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise UserInputError(f"{path}: cannot be read as an ODS workbook ({exc})") from exc
    return [unescape(n) for n in re.findall(r'<table:table table:name="([^"]*)"', text)]


def read_ods_sheets(path: Path, wanted: set[str]) -> dict[str, list[list[str]]]:
    """The cells of the sheets ``wanted`` of an ODS workbook, as text rows.

    A streaming read of ``content.xml`` that stops after the last wanted sheet: Ofsted's
    workbooks carry ~40 MB of cells (and a hundred empty phantom sheets left by external
    links) that a full read (``pandas.read_excel(engine="odf")``, a minute or more) parses
    for nothing. Dates come back as ISO text (``2021-05-26T00:00:00``), numbers as their
    value, text as the paragraphs joined by new lines; trailing blank cells are dropped
    and blank rows kept once. A sheet with no cells gives ``[]``.
    """
    import xml.etree.ElementTree as ET
    import zipfile

    out: dict[str, list[list[str]]] = {}
    left = set(wanted)
    rows: list[list[str]] | None = None
    try:
        with zipfile.ZipFile(path) as z, z.open("content.xml") as f:
            for event, el in ET.iterparse(f, events=("start", "end")):
                if el.tag == _ODS_TABLE + "table":
                    name = el.get(_ODS_TABLE + "name", "")
                    if event == "start":
                        rows = [] if name in left else None
                        continue
                    if rows is not None:
                        while rows and not any(rows[-1]):
                            rows.pop()
                        out[name] = rows
                        left.discard(name)
                        if not left:
                            break
                    rows = None
                    el.clear()
                    continue
                if event != "end" or el.tag != _ODS_TABLE + "table-row":
                    continue
                if rows is not None:
                    rows.extend(
                        [_ods_row(el)]
                        * min(int(el.get(_ODS_TABLE + "number-rows-repeated", "1")), 2)
                    )
                el.clear()
    except (zipfile.BadZipFile, KeyError, ET.ParseError) as exc:
        raise UserInputError(f"{path}: cannot be read as an ODS workbook ({exc})") from exc
    return out


def _ods_row(el) -> list[str]:
    cells: list[str] = []
    for c in el:
        if c.tag not in (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell"):
            continue
        value = c.get(_ODS_OFFICE + "date-value") or c.get(_ODS_OFFICE + "value")
        if value is None:
            value = "\n".join("".join(p.itertext()) for p in c.iter(_ODS_TEXT + "p"))
        repeat = int(c.get(_ODS_TABLE + "number-columns-repeated", "1"))
        cells.extend([value.strip()] * min(repeat, 64))
    while cells and not cells[-1]:
        cells.pop()
    return cells


def require_columns(
    df: pd.DataFrame, columns: list[str] | tuple[str, ...], where: str, header_row: int = 1
) -> None:
    """Fail with a one-line message when any of ``columns`` is missing.

    When the expected names turn up in one of the first data rows instead, the message
    says the header is on a later row (an extra header or title row above it).
    """
    missing = [c for c in columns if c not in df.columns]
    if not missing:
        return
    for i in range(min(5, len(df))):
        cells = {str(v).strip() for v in df.iloc[i].tolist()}
        if all(c in cells for c in columns):
            raise UserInputError(
                f"{where}: the header is on row {header_row + i + 1}, expected on row "
                f"{header_row} (an extra header or title row?); expected columns "
                f"{', '.join(columns)}"
            )
    raise UserInputError(
        f"{where}: row {header_row} (header): missing column(s) {', '.join(missing)}; "
        f"found {', '.join(map(str, df.columns[:12]))}{' ...' if len(df.columns) > 12 else ''}"
    )


def check_one_edition(paths: list[Path], what: str) -> None:
    """One file of a cumulative publication per raw folder: a second edition beside the
    first ("name (1).csv", a newer download) is an error naming both, never read twice."""
    if len(paths) > 1:
        a, b = sorted(paths)[:2]
        raise UserInputError(
            f"{b.resolve()}: a second edition of {what} beside {a.resolve()} (expected one "
            "file: remove the one not to use; the loaders do not choose between editions)"
        )


def check_has_rows(df: pd.DataFrame, path: Path) -> None:
    """A data file with a header and no rows is an error, not zero rows read."""
    if df.empty:
        raise UserInputError(
            f"{Path(path).resolve()}: row 2: no data rows under the header (expected at least "
            "one row)"
        )


def check_id_cells(values: pd.Series, where: str, column: str, row_offset: int = 1) -> None:
    """An identifying cell (a council code or name) never holds a suppression marker: a
    row keyed by ``..`` would be skipped or joined to nobody without a word. ``row_offset``
    turns the 0-based index into the spreadsheet row (1: the index counts every row).

    >>> check_id_cells(pd.Series(["E06000023", ".."]), "rs.xlsx", "ONS Code")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    earlywarn.errors.UserInputError: rs.xlsx: row 2, column ONS Code: '..' is a suppression ...
    """
    low = values.fillna("").astype(str).str.strip().str.lower()
    bad = low.isin(SUPPRESSION_MARKERS)
    if bad.any():
        i = values.index[bad.to_numpy().nonzero()[0][0]]
        raise UserInputError(
            f"{where}: row {int(i) + row_offset}, column {column}: {str(values.at[i]).strip()!r} "
            "is a suppression marker in an identifying column (expected a council code or name)"
        )


def parse_numbers(
    values: pd.Series, where: str, column: str, report: SourceReport, row_offset: int = 2
) -> pd.Series:
    """Convert published text cells to floats.

    Blanks become missing; suppression markers become missing and are counted in
    ``report.suppressed``; thousands separators (``"1,234"``) and a trailing ``%`` are
    removed. Anything else raises :class:`UserInputError` naming the file row
    (``index + row_offset``) and column.
    """
    text = values.astype(str).str.strip()
    low = text.str.lower()
    blank = text.eq("") | values.isna()
    suppressed = low.isin(SUPPRESSION_MARKERS) & ~blank
    report.suppressed += int(suppressed.sum())
    cleaned = text.str.replace(r"%$", "", regex=True)
    ok = cleaned.str.match(_NUMBER) & cleaned.ne("")
    bad = ~(blank | suppressed | ok)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise UserInputError(
            f"{where}: row {values.index[pos] + row_offset}, column {column}: "
            f"{values.iloc[pos]!r} is not a number or a known suppression marker "
            f"(expected a number or one of {', '.join(sorted(SUPPRESSION_MARKERS))})"
        )
    out = pd.to_numeric(cleaned.where(ok).str.replace(",", "", regex=False), errors="coerce")
    return out.astype(float)


def one_of(value: str, allowed: dict[str, str] | tuple[str, ...], where: str, column: str) -> str:
    """``value`` (stripped) looked up in ``allowed`` (a code table, or the allowed values
    themselves); anything else is one line naming the row, the column and what was expected.

    >>> one_of(" s114_notice ", {"s114_notice": "s114"}, "f.csv: row 2", "event_type")
    's114'
    """
    key = str(value).strip()
    if key not in allowed:
        raise UserInputError(
            f"{where}, column {column}: {value!r} is not one of {', '.join(allowed)}"
        )
    return allowed[key] if isinstance(allowed, dict) else key

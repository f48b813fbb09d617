"""Every raw file is read, or listed as not read: nothing is skipped silently.

The loaders recognise their files by columns (never by year ranges in names), so a file
whose header was renamed would simply not be recognised. :func:`check_raw_files` (before
the loaders run) and :func:`check_all_read` (after) close that gap for ``data build``:

- a zero-byte data file, or a CSV with a header and no data rows, is an error;
- two editions side by side of a cumulative table whose newer edition holds every older
  row (the Ofsted ILACS history, the LA inspections tables, Oflog ...: layouts marked
  ``"one"``) are an error naming both files. The DfE children's social care editions
  (``"many"``) are all read, each as a real-time vintage
  (:mod:`earlywarn.sources.vintages`);
- after the loaders ran, every data file (``.csv``, ``.xlsx``, ``.xls``, ``.ods``) under the
  raw folder must have been read by one of them or be listed under ``[[not_read]]`` in the
  allowance (:mod:`earlywarn.sources.allowance`); otherwise the error names the file and the
  column(s) the closest known layout expects but did not find.

:data:`LAYOUTS` lists each known layout: its name, the loader, the header columns that
identify it and whether the raw folder may hold several files of it (``editions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

import pandas as pd

from earlywarn.errors import UserInputError

__all__ = ["LAYOUTS", "Layout", "check_all_read", "check_raw_files", "data_files"]

#: File types a loader may read.
DATA_SUFFIXES = (".csv", ".xlsx", ".xls", ".ods", ".parquet")


@dataclass(frozen=True)
class Layout:
    """One known raw layout.

    Attributes
    ----------
    name : str
        Short name (the DfE spec name for DfE files).
    source : str
        The loader that reads it.
    columns : tuple of str
        Header columns (row 1) that identify the layout; all must be present.
    editions : {"one", "name", "many"}
        ``"one"``: a cumulative publication, one file of the layout per raw folder;
        ``"name"``: one file per file name with its digits removed (a file per part);
        ``"many"``: one file per year (SFR tables, s251 outturn), never a clash.
    excludes : tuple of str
        Columns that must be absent.
    """

    name: str
    source: str
    columns: tuple[str, ...]
    editions: str = "one"
    excludes: tuple[str, ...] = ()

    def matches(self, cols: set[str]) -> bool:
        """True when ``cols`` hold every identifying column and none of the excluded."""
        return set(self.columns) <= cols and not set(self.excludes) & cols


_SN_COLS = ("LA num", "LA Name", *[f"SN{i}" for i in range(1, 11)])
_SN_2025_COLS = ("old_la_code", "la_name", *[f"SN_{i}" for i in range(1, 11)])
_YJ_COLS = ("la_name", "overall_rating", "publication_date")
_PC = ("authority", "year", "total", "majority")
_S251_COLS = ("LEA Number:", "S52 Line Reference:", "NET Current Expenditure (m)")
_S251_MID = ("S52 Line Reference", "NET Current Expenditure (m)")
_S251_NEW = ("LA", "CYPServiceDescription", "NetCurrentExpenditure")
_IMD_COLS = ("Upper Tier Local Authority District code (2019)", "IMD - Average score")
_FUTURE_COLS = ("official-name", "nice-name", "gss-code")


def _layouts() -> list[Layout]:
    from earlywarn.sources import finance_events, oflog_asc, ofsted
    from earlywarn.sources.crosswalk import _MYSOCIETY_COLUMNS, _PROVIDER_COLUMNS
    from earlywarn.sources.dfe_specs import BASE_COLUMNS as _BASE
    from earlywarn.sources.dfe_specs import SPECS
    from earlywarn.sources.ofsted_in_year import IN_YEAR_COLUMNS

    out = [Layout(s.name, "dfe_csc", (*_BASE, *s.signature), "many", s.excludes) for s in SPECS]
    out += [
        Layout("ILACS history", "ofsted_inspections", tuple(ofsted._HISTORY_COLUMNS.values())),
        Layout("LA inspections table", "ofsted_inspections", tuple(ofsted._WIDE_KEY), "name"),
        Layout(
            "Ofsted in-year table", "ofsted_inspections", tuple(IN_YEAR_COLUMNS.values()), "many"
        ),
        Layout("s114 and EFS events", "finance_events", tuple(finance_events._COLUMNS)),
        Layout("Oflog adult social care", "oflog_asc", (*oflog_asc._COLUMNS, "MADs_from_median")),
        Layout("statistical neighbours", "statistical_neighbours", _SN_COLS),
        Layout("statistical neighbours (2025)", "statistical_neighbours", _SN_2025_COLS),
        Layout("youth justice ratings", "youth_justice", _YJ_COLS),
        Layout("council compositions (old)", "political_control", (*_PC, "plurality"), "name"),
        Layout("council compositions (new)", "political_control", (*_PC, "council id"), "name"),
        Layout("CLA SFR table", "cla_sfr", ("geog_l", "geog_c", "geog_n"), "many"),
        Layout("s251 outturn (2008-09)", "s251", _S251_COLS, "many"),
        Layout("s251 outturn (2009-11)", "s251", _S251_MID, "many"),
        Layout("s251 outturn (2011-)", "s251", _S251_NEW, "many"),
        Layout("IMD upper-tier summary", "imd", _IMD_COLS, "many"),
        Layout("mySociety councils", "crosswalk", tuple(_MYSOCIETY_COLUMNS), "name"),
        Layout("mySociety name lookup", "crosswalk", ("la-name", "local-authority-code")),
        Layout("Ofsted provider lookup", "crosswalk", tuple(_PROVIDER_COLUMNS)),
        Layout("mySociety councils (future)", "political_control", _FUTURE_COLS),
    ]
    return out


LAYOUTS: list[Layout] = []  # filled on first use (the loaders are imported lazily)

#: Layouts read by their columns without recording the file in a loader's report.
_READ_BY_COLUMNS = {
    "mySociety councils",
    "mySociety name lookup",
    "Ofsted provider lookup",
    "mySociety councils (future)",
}


def _all_layouts() -> list[Layout]:
    if not LAYOUTS:
        LAYOUTS.extend(_layouts())
    return LAYOUTS


def data_files(raw_dir: Path) -> list[Path]:
    """Data files under ``raw_dir`` (recursive, sorted), PDFs and notes excluded."""
    return sorted(
        p for p in Path(raw_dir).rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
    )


def _header(path: Path) -> tuple[list[str], bool]:
    """Row-1 column names and whether a data row follows (CSV only)."""
    for enc in ("utf-8-sig", "latin-1"):
        try:
            df = pd.read_csv(path, nrows=1, dtype=str, encoding=enc, keep_default_na=False)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError):
            return [], False
        return [str(c).strip() for c in df.columns], len(df) > 0
    return [], False


def _year_key(path: Path) -> tuple[int, float]:
    years = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", path.name)]
    return (max(years) if years else 0, path.stat().st_mtime)


def check_raw_files(raw_dir: Path, allowed_unread: set[Path]) -> None:
    """Fail on an empty data file or two editions of one publication (see the module).

    Parameters
    ----------
    raw_dir : pathlib.Path
    allowed_unread : set of pathlib.Path
        Files the allowance lists as not read (not checked).

    Raises
    ------
    earlywarn.errors.UserInputError
        One line naming the resolved file(s).
    """
    groups: dict[tuple, list[Path]] = {}
    for path in data_files(raw_dir):
        if path in allowed_unread:
            continue
        full = path.resolve()
        if path.stat().st_size == 0:
            raise UserInputError(
                f"{full}: the file is empty (0 bytes; expected a data file with a header "
                "row and data rows)"
            )
        if path.suffix.lower() != ".csv":
            continue
        cols, has_rows = _header(path)
        if cols and not has_rows:
            raise UserInputError(
                f"{full}: row 2: no data rows under the header (expected at least one row; "
                f"header {', '.join(cols[:6])}{' ...' if len(cols) > 6 else ''})"
            )
        layout = _layout_of(cols)
        if layout is None:
            near = _closest(cols)
            if near and near[0].editions != "many" and len(near[1]) <= len(near[0].columns) / 2:
                raise _missing(full, cols, *near)  # a renamed or dropped column
            continue
        if layout.editions == "many":
            continue
        key = (layout.name,)
        if layout.editions == "name":
            key += (re.sub(r"\d", "", path.name),)
        groups.setdefault(key, []).append(path)
    for key, paths in groups.items():
        if len(paths) > 1:
            older, newer = sorted(paths, key=_year_key)[-2:]
            raise UserInputError(
                f"{newer.resolve()}: a second edition of {key[0]} beside {older.resolve()} "
                "(expected one edition per publication: remove the one not to use; the "
                "loaders do not choose between editions)"
            )


def _layout_of(cols: list[str]) -> Layout | None:
    """The known layout of a header: by its identifying columns, else by the header
    variants a loader documents (the Ofsted in-year table, the statistical neighbours)."""
    from earlywarn.sources.neighbours import sn_layout
    from earlywarn.sources.ofsted_in_year import in_year_layout

    layout = next((lay for lay in _all_layouts() if lay.matches(set(cols))), None)
    if layout is not None:
        return layout
    try:
        if in_year_layout(cols, "") is not None:
            name = "Ofsted in-year table"
        elif (sn := sn_layout(cols, "")) is not None:
            name = "statistical neighbours" + (" (2025)" if sn["model"] == "2025" else "")
        else:
            return None
    except UserInputError:  # the loader says what is missing, naming the file
        return None
    return next(lay for lay in _all_layouts() if lay.name == name)


def _closest(cols: list[str]) -> tuple[Layout, list[str]] | None:
    have = set(cols)
    best, score = None, 0.0
    for lay in _all_layouts():
        s = len(set(lay.columns) & have) / len(lay.columns)
        if s > score:
            best, score = lay, s
    if best is None:
        return None
    return best, [c for c in best.columns if c not in have]


def check_all_read(raw_dir: Path, read: set[Path], allowed_unread: set[Path]) -> None:
    """Fail when a data file under ``raw_dir`` was read by no loader (see the module).

    Parameters
    ----------
    raw_dir : pathlib.Path
    read : set of pathlib.Path
        Files the loaders report as read (resolved).
    allowed_unread : set of pathlib.Path
        Files the allowance lists as not read.
    """
    for path in data_files(raw_dir):
        if path.resolve() in read or path in allowed_unread:
            continue
        full = path.resolve()
        if path.suffix.lower() != ".csv":
            raise UserInputError(
                f"{full}: read by no loader{_sheets(path)} (expected a workbook with a sheet "
                "named like 'RS LA Data 2015-16', a '*SEND*.ods' or '*dsg*deficit*.xlsx' file, "
                "or a LAIT .parquet with columns Short Desc, Years, LA Number, Values; see "
                "SOURCES.md, or list it under [[not_read]] in the allowance)"
            )
        cols, _ = _header(path)
        if any(lay.name in _READ_BY_COLUMNS and lay.matches(set(cols)) for lay in LAYOUTS):
            continue
        found = f"found {', '.join(cols[:8])}{' ...' if len(cols) > 8 else ''}"
        near = _closest(cols)
        if near is not None and not near[1]:
            raise UserInputError(
                f"{full}: has the columns of the {near[0].name} layout but "
                f"{near[0].source} did not read it ({found})"
            )
        if near is None:
            raise UserInputError(
                f"{full}: row 1 (header): read by no loader, the columns match no known "
                f"layout ({found}; see SOURCES.md, or list it under [[not_read]] in the "
                "allowance)"
            )
        raise _missing(full, cols, *near)


def _sheets(path: Path) -> str:
    """`` (sheets A, B)`` of an xlsx workbook, else ``""``."""
    if path.suffix.lower() != ".xlsx":
        return ""
    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        names = list(wb.sheetnames)
        wb.close()
    except Exception:  # not a readable workbook: the loaders said so already, or no matter
        return ""
    return f" (sheets {', '.join(map(repr, names[:6]))}{' ...' if len(names) > 6 else ''})"


def _missing(full: Path, cols: list[str], lay: Layout, missing: list[str]) -> UserInputError:
    near = [c for m in missing for c in get_close_matches(m, cols, n=1, cutoff=0.6)]
    found = f"found {', '.join(cols[:8])}{' ...' if len(cols) > 8 else ''}"
    if near:  # the renamed column, most likely
        found = f"found {', '.join(map(repr, near))} instead; {found}"
    return UserInputError(
        f"{full}: row 1 (header): missing column(s) {', '.join(missing)} of the {lay.name} "
        f"layout ({lay.source}, the closest known layout); {found}"
    )

"""Reading and writing files: the only module (with cli.py) that touches paths.

Outputs are confidential. They are written into a hidden temporary folder beside the
destination, with owner-only permissions, and moved into place only when complete: an
interrupted run leaves nothing half-written, and an existing output folder is never
overwritten.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn.errors import UserInputError
from earlywarn.schema import (
    COUNCIL_COLUMNS,
    EVENT_COLUMNS,
    OBSERVATION_COLUMNS,
    Tables,
    validate_tables,
)

__all__ = [
    "FORMULA_PREFIXES",
    "default_out_dir",
    "file_sha256",
    "frame_sha256",
    "project_root",
    "read_csv_table",
    "read_list_text",
    "read_neighbours",
    "read_published_list",
    "read_soft_notes",
    "read_tables",
    "runs_dir",
    "safe_for_spreadsheet",
    "spreadsheet_csv",
    "user_data_dir",
    "write_data_files",
    "write_output_folder",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def project_root() -> Path:
    """The folder holding ``experiments/``: the source checkout, else the working directory.

    For finding the checkout's own files (tests, benchmarks); outputs never go here
    (:func:`runs_dir`).
    """
    here = Path(__file__).resolve().parents[3]  # src/earlywarn/io/_files.py -> the checkout
    if (here / "experiments").is_dir() and (here / "pyproject.toml").is_file():
        return here
    return Path.cwd()


def runs_dir() -> Path:
    """Where outputs and the default MLflow store go: ``runs/`` under the working directory.

    Never the package's install location or source checkout, whatever folder the command
    is run from.
    """
    return Path.cwd().resolve() / "runs"


def user_data_dir() -> Path:
    """The user's data folder for a rebuilt real panel (``data build`` without ``--out``).

    ``$EARLYWARN_DATA_DIR`` if set, else ``$XDG_DATA_HOME/earlywarn`` (default
    ``~/.local/share/earlywarn``); the panel goes into its ``real/`` subfolder.
    """
    env = os.environ.get("EARLYWARN_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return (Path(xdg).expanduser() / "earlywarn").resolve()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def frame_sha256(df: pd.DataFrame) -> str:
    """A content hash of a frame (values, index and column names)."""
    h = hashlib.sha256()
    h.update(",".join(map(str, df.columns)).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()


def read_csv_table(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """Read a core-table CSV (UTF-8, UTF-8 with BOM or cp1252) with one-line errors."""
    p = Path(path).expanduser().resolve()  # messages name the resolved path
    if p.is_dir():
        raise UserInputError(f"{p}: is a folder, not a file (expected a CSV: {', '.join(columns)})")
    if not p.is_file():
        raise UserInputError(f"{p}: file not found")
    raw = p.read_bytes()
    if not raw.strip():
        raise UserInputError(f"{p}: file is empty (expected a header row: {', '.join(columns)})")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise UserInputError(f"{p}: not UTF-8 or cp1252 text")
    import io as _io

    try:
        df = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as err:
        raise UserInputError(f"{p}: not a readable CSV ({str(err).splitlines()[0]})") from None
    except pd.errors.EmptyDataError:
        raise UserInputError(
            f"{p}: no header row (expected a header row: {', '.join(columns)})"
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserInputError(
            f"{p}: row 1: missing column(s) {', '.join(missing)} (expected {', '.join(columns)}; "
            f"found {', '.join(df.columns)})"
        )
    if df.empty:
        raise UserInputError(
            f"{p}: a header and no rows (expected at least one row under the header; "
            "leave the file out of the config if it has nothing to add)"
        )
    return df


def read_events_table(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """An events table from a core-format CSV (:func:`read_csv_table`) or a panel's
    ``events.parquet`` (the bundled real panel, or one written by ``earlywarn data
    build``), as text columns like the CSV's, with one-line errors."""
    p = Path(path).expanduser().resolve()
    if p.suffix.lower() != ".parquet":
        return read_csv_table(p, columns)
    if not p.is_file():
        raise UserInputError(f"{p}: file not found")
    try:
        df = pd.read_parquet(p)
    except Exception as err:  # pyarrow raises several kinds for a damaged file
        raise UserInputError(f"{p}: not a readable parquet file ({type(err).__name__})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserInputError(f"{p}: missing column(s) {', '.join(missing)}")
    if "date" in df.columns:
        df["date"] = pd.to_datetime(df["date"]).dt.strftime("%Y-%m-%d")
    return df


def read_tables(councils: str | Path, observations: str | Path, events: str | Path) -> Tables:
    """Read and validate the three core tables from CSV files."""
    c = read_csv_table(councils, COUNCIL_COLUMNS)
    o = read_csv_table(observations, OBSERVATION_COLUMNS)
    e = read_csv_table(events, EVENT_COLUMNS)
    sources = {"councils": str(councils), "observations": str(observations), "events": str(events)}
    return validate_tables(Tables(c, o, e, sources))


def read_soft_notes(path: str | Path, councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and check advisers' soft-intelligence notes (see docs/features.md).

    The ``note`` text is kept in the returned frame for the analyst's own use, but the
    features drop it unread: it is never a model input and never written to any output.
    """
    from earlywarn.schema import SOFT_NOTE_COLUMNS, validate_soft_notes

    df = read_csv_table(path, SOFT_NOTE_COLUMNS)
    return validate_soft_notes(df, str(path), councils)


def read_neighbours(path: str | Path, councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and check a statistical-neighbours CSV (``council_code, neighbour_code``);
    with ``councils``, every code must be a known council."""
    from earlywarn.schema import NEIGHBOUR_COLUMNS, validate_neighbours

    return validate_neighbours(read_csv_table(path, NEIGHBOUR_COLUMNS), str(path), councils)


def read_list_text(csv_text: str) -> pd.DataFrame:
    """A published ``risk_list.csv``'s text as a frame (its leading banner lines skipped).

    Only the leading ``#`` lines are the banner: a ``#`` inside a council's name (or at the
    start of a row) is data, so this is not ``read_csv(comment="#")``, which would cut it.
    """
    from io import StringIO

    lines = csv_text.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    return pd.read_csv(StringIO("".join(lines[skip:])))


def read_published_list(folder: str | Path) -> tuple[pd.DataFrame, dict]:
    """A cycle's frozen list: ``risk_list.csv`` (after its banner lines) and ``run.json``."""
    import json

    d = Path(folder).expanduser().resolve()
    if not d.is_dir():
        raise UserInputError(f"{d}: not a folder (expected a cycle's output folder)")
    for name in ("risk_list.csv", "run.json"):
        if not (d / name).is_file():
            raise UserInputError(f"{d}: no {name} (expected a cycle's output folder)")
    from earlywarn.io._readback import decode_text, validate_published_list

    try:
        info = json.loads(decode_text((d / "run.json").read_bytes(), str(d / "run.json")))
    except json.JSONDecodeError as err:
        raise UserInputError(f"{d / 'run.json'}: not valid JSON ({err})") from None
    text = decode_text((d / "risk_list.csv").read_bytes(), str(d / "risk_list.csv"))
    lines = text.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    import io as _io

    try:
        rl = pd.read_csv(_io.StringIO("".join(lines[skip:])), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise UserInputError(f"{d / 'risk_list.csv'}: not a readable CSV ({err})") from None
    missing = [c for c in ("rank", "council_code", "probability") if c not in rl.columns]
    if missing:
        raise UserInputError(f"{d / 'risk_list.csv'}: missing column(s) {', '.join(missing)}")
    return validate_published_list(
        rl, info, str(d / "risk_list.csv"), str(d / "run.json"), header_row=skip + 1
    )


def safe_for_spreadsheet(df: pd.DataFrame) -> pd.DataFrame:
    """Neutralise text cells a spreadsheet would run as a formula (prefix with ``'``)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    return out


def spreadsheet_csv(df: pd.DataFrame, quoting: int | None = None, **to_csv: Any) -> str:
    """The one way the package writes a CSV: safe to open in a spreadsheet.

    Text cells that a spreadsheet would run as a formula (``= + - @``, tab, CR) get a
    leading ``'`` (:func:`safe_for_spreadsheet`), also for values read back from an earlier
    file; a cell holding a line break (LF or a lone CR) is always quoted, so no spreadsheet
    splits the row. Lines end with LF. ``quoting`` (a :mod:`csv` constant) and the other
    keywords go to :meth:`pandas.DataFrame.to_csv` (``index=False`` by default).

    >>> df = pd.DataFrame({"name": ["Ok", "=1+1", "A\\r=2+2"], "n": [1, 2, 3]})
    >>> print(spreadsheet_csv(df).replace("\\r", "<CR>"), end="")
    "name","n"
    "Ok",1
    "'=1+1",2
    "A<CR>=2+2",3
    """
    import csv

    safe = safe_for_spreadsheet(df)
    if quoting is None:
        quoting = csv.QUOTE_MINIMAL
    # the csv module quotes a field holding a character of the line terminator ("\n"), but
    # not a lone "\r": with any line break in a text cell, quote every text cell
    if quoting == csv.QUOTE_MINIMAL and _has_line_break(safe):
        quoting = csv.QUOTE_NONNUMERIC
    to_csv.setdefault("index", False)
    return safe.to_csv(lineterminator="\n", quoting=quoting, **to_csv)


def _has_line_break(df: pd.DataFrame) -> bool:
    """Whether a column name or a text cell holds a CR or LF."""
    texts = [c for c in df.columns if isinstance(c, str)]
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            texts += [v for v in df[col] if isinstance(v, str)]
    return any("\r" in t or "\n" in t for t in texts)


def default_out_dir(cycle: str, base: Path | None = None) -> Path:
    """A new folder name per run: ``runs/<cycle>-<UTC time>`` under the working directory."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return (base or runs_dir()) / f"{cycle}-{stamp}"


def write_output_folder(out_dir: str | Path, files: dict[str, bytes | str]) -> Path:
    """Write ``files`` (name -> content) into ``out_dir`` atomically, owner-only.

    Raises :class:`UserInputError` if ``out_dir`` exists and is not empty: an earlier
    run's outputs are never overwritten.
    """
    from earlywarn.io._paths import check_output_location

    out = check_output_location(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    from earlywarn.io._partials import fault_point, partial_prefix, remove_stale_partials

    remove_stale_partials(out.parent)  # left by a killed run (named by its process id)
    tmp = Path(tempfile.mkdtemp(prefix=partial_prefix(out.name), dir=out.parent))
    try:
        os.chmod(tmp, 0o700)
        for name, content in files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        fault_point("publishing")  # fault tests: killed with the folder half-published
        if out.exists():
            out.rmdir()  # empty, checked above
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def write_data_files(out_dir: str | Path, files: dict[str, bytes | str]) -> Path:
    """Replace the data folder ``out_dir`` by one holding exactly ``files``, atomically.

    The new folder is built beside the old one (``.<name>.building-*``) and swapped in
    (:func:`earlywarn.io._swap.swap_in`: one atomic exchange on Linux), so a reader (or a
    build killed at any step) sees the old bundle or the new one, never a mix and never
    none; what a killed build left beside the folder is repaired first. Unlike
    :func:`write_output_folder` this replaces an existing folder: it is for rebuilt public
    data, never for confidential outputs. Files in the old folder that the build does not
    write (e.g. a README) are carried over unchanged.
    """
    from earlywarn.io._partials import fault_point
    from earlywarn.io._swap import building_prefix, recover_folder, swap_in

    out = Path(out_dir).expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_folder(out)  # a build killed at the swap: the old bundle goes back first
    tmp = Path(tempfile.mkdtemp(prefix=building_prefix(out.name), dir=out.parent))
    try:
        os.chmod(tmp, 0o755)
        if out.is_dir():  # keep what the build does not produce (documentation, licences)
            for p in out.iterdir():
                if p.is_file() and p.name not in files and not p.name.startswith("."):
                    shutil.copy2(p, tmp / p.name)
        for i, (name, content) in enumerate(files.items()):
            data = content.encode("utf-8") if isinstance(content, str) else content
            with open(tmp / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp / name, 0o644)
            if i == 0:
                fault_point("data-writing")  # fault tests: killed with the new one half-built
        swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out

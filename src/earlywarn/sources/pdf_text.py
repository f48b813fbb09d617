"""Text of a PDF, read with pypdf and cached by the file's SHA-256.

pypdf (pure Python, BSD licence, maintained) was chosen over pdfplumber/pdfminer.six (MIT,
slower, more dependencies) and PyMuPDF (AGPL: not compatible with shipping the package
freely). Parsing one Ofsted report takes about a second, so the text is cached per file
hash in a user cache folder (``$EARLYWARN_CACHE_DIR``, else ``$XDG_CACHE_HOME/earlywarn``,
else ``~/.cache/earlywarn``), under ``pdf_text/<sha256>.json``: a rebuild re-parses only
files whose bytes changed, and nothing is written inside the package.

A file that cannot be read (not a PDF - e.g. an HTML page saved as .pdf -, encrypted,
truncated, or with no text layer) gives an error message naming the file and, where known,
the page, instead of raising: callers list it in the build report.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PdfText", "cache_dir", "parse_uncached", "read_pdf_text"]

CACHE_VERSION = 1


@dataclass(frozen=True)
class PdfText:
    """The text of one PDF (pages joined by form feeds), or why it could not be read."""

    path: str
    sha256: str
    text: str
    pages: int
    error: str = ""
    cached: bool = False


def cache_dir() -> Path:
    """The user cache folder for parsed text (created on first write)."""
    env = os.environ.get("EARLYWARN_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "earlywarn"


def _parse(data: bytes) -> tuple[str, int, str]:
    """(text, pages, error) of a PDF's bytes."""
    if not data.lstrip()[:5].startswith(b"%PDF"):
        head = data.lstrip()[:8]
        return "", 0, f"not a PDF (the file starts with {head!r})"
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                return "", 0, f"encrypted ({type(exc).__name__})"
            if not ok:
                return "", 0, "encrypted (a password is needed)"
        n = len(reader.pages)
    except Exception as exc:
        return "", 0, f"cannot be read as PDF ({type(exc).__name__}: {str(exc)[:80]})"
    parts = []
    for i in range(n):
        try:
            parts.append(reader.pages[i].extract_text() or "")
        except Exception as exc:
            return "", n, f"page {i + 1}: text cannot be extracted ({type(exc).__name__})"
    text = "\f".join(parts)
    if len(text.strip()) < 20 * max(n, 1) // 10:
        return "", n, "no text layer (image-only PDF?)"
    return text, n, ""


def read_pdf_text(path: Path, use_cache: bool = True) -> PdfText:
    """Read ``path``'s text through the cache (see the module docstring).

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "page.pdf"
    >>> _ = p.write_bytes(b"<!DOCTYPE html><html></html>")
    >>> read_pdf_text(p, use_cache=False).error
    "not a PDF (the file starts with b'<!DOCTYP')"
    """
    path = Path(path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    store = cache_dir() / "pdf_text" / f"{digest}.json"
    if use_cache and store.is_file():
        try:
            got = json.loads(store.read_text(encoding="utf-8"))
            if got.get("version") == CACHE_VERSION:
                return PdfText(
                    str(path), digest, got["text"], got["pages"], got["error"], cached=True
                )
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache entry is parsed again
    text, pages, error = _parse(data)
    if use_cache:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            tmp = store.with_suffix(f".tmp{os.getpid()}")
            payload = {"version": CACHE_VERSION, "text": text, "pages": pages, "error": error}
            tmp.write_text(json.dumps(payload), encoding="utf-8")
            tmp.replace(store)
        except OSError:
            pass  # a read-only cache only costs time
    return PdfText(str(path), digest, text, pages, error)


def _is_cached(path: Path) -> bool:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return (cache_dir() / "pdf_text" / f"{digest}.json").is_file()


def _parse_one(path: str) -> str:
    """Parse one PDF into the cache (a worker's task); returns the path."""
    read_pdf_text(Path(path), use_cache=True)
    return path


def parse_uncached(
    paths: list[Path], n_jobs: int = -1, progress: object = None, every: int = 25
) -> int:
    """Fill the text cache for the ``paths`` not cached yet, in parallel (joblib).

    Parsing dominates a cold ``data build`` (about a second per report on one core), so the
    files whose text is not cached are parsed by ``n_jobs`` worker processes (``-1``: one
    per core) before the loader reads them through the cache. ``progress`` (e.g.
    :func:`earlywarn.progress.step`) is called with ``"... parsed n/N (t s)"`` every
    ``every`` files and at the end. Returns the number of files parsed.

    Example
    -------
    >>> parse_uncached([])
    0
    """
    import time

    from joblib import Parallel, delayed

    todo = [str(p) for p in paths if not _is_cached(p)]
    if not todo:
        return 0
    t0 = time.perf_counter()
    jobs = 1 if len(todo) < 4 else n_jobs
    results = Parallel(n_jobs=jobs, return_as="generator_unordered")(
        delayed(_parse_one)(p) for p in todo
    )
    for i, _ in enumerate(results, start=1):
        if progress is not None and (i % every == 0 or i == len(todo)):
            progress(
                f"Ofsted report PDFs: parsed {i}/{len(todo)} not cached "
                f"({time.perf_counter() - t0:.0f} s)"
            )
    return len(todo)

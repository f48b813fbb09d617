"""Pseudonymised exports: councils named only as "Council 001", "Council 002", ... by rank.

With ``report.pseudonymise = true`` (or ``--pseudonymise`` on ``cycle``, ``demo`` and
``score``) every exported file and every MLflow artefact of the run replaces the council
code and name by a pseudonym given by the council's rank in that run's list. Pseudonyms
are stable within a run and say nothing about the code; across runs they differ. No
mapping is written anywhere: to see the names, rerun without the flag on the secure
machine. Council type and region are kept (they are not identifiers on their own).

Before anything is written or logged, :func:`check_no_identifiers` scans every export
(for XLSX, the unzipped XML) for each council code and name and refuses to publish if one
is left: the pseudonymisation fails closed.

Example
-------
>>> import pandas as pd
>>> rl = pd.DataFrame({"rank": [1, 2], "council_code": ["E06900002", "E06900001"],
...                    "council_name": ["Synthetic Borough 002", "Synthetic Borough 001"]})
>>> pseudonyms(rl)
{'E06900002': 'Council 001', 'E06900001': 'Council 002'}
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
    "check_no_identifiers",
    "find_identifiers",
    "pseudonymise_explanation",
    "pseudonymise_index",
    "coarse_dates",
    "pseudonymise_risk_list",
    "pseudonyms",
]


def pseudonyms(risk_list: pd.DataFrame) -> dict[str, str]:
    """``council_code -> "Council NNN"`` in the order of the (ranked) list."""
    ranked = risk_list.sort_values("rank", kind="stable") if "rank" in risk_list else risk_list
    width = max(3, len(str(len(ranked))))
    return {code: f"Council {i:0{width}d}" for i, code in enumerate(ranked["council_code"], 1)}


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH_YEAR = re.compile(rf"\b(?:\d{{1,2}} )?(?:{_MONTHS}) (\d{{4}})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-\d{2}-\d{2}\b")


def coarse_dates(text: Any) -> Any:
    """Dates in words or ISO form cut to their year ("judged inadequate in September 2022"
    -> "... in 2022"): the day or month of a public event (an inspection, a financial
    notice) would tell which council a pseudonym stands for. Non-text passes unchanged."""
    if not isinstance(text, str):
        return text
    return _ISO_DATE.sub(r"\1", _MONTH_YEAR.sub(r"\1", text))


def _coarse_text_columns(df: pd.DataFrame, skip: tuple[str, ...] = ()) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if col not in skip and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(coarse_dates)
    return out


def pseudonymise_risk_list(risk_list: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    """The list with ``council_code`` and ``council_name`` both replaced by the pseudonym,
    and every date in its text cut to the year (:func:`coarse_dates`)."""
    out = _coarse_text_columns(risk_list, skip=("council_code", "council_name"))
    out["council_code"] = out["council_code"].map(mapping)
    if "council_name" in out:
        out["council_name"] = out["council_code"]
    return out


def pseudonymise_index(df: pd.DataFrame | pd.Series, mapping: Mapping[str, str]) -> Any:
    """Rename the ``council_code`` index level (or a plain index of codes) by ``mapping``.

    Councils outside ``mapping`` (e.g. earlier-origin rows of councils not scored now) get
    ``"Council -"`` numbers after the last pseudonym, in order of first appearance.
    """
    full = dict(mapping)
    idx = df.index
    level = idx.get_level_values("council_code") if "council_code" in (idx.names or []) else idx
    for code in pd.unique(level):
        if code not in full:
            full[code] = f"Council x{len(full) + 1:03d}"
    if isinstance(idx, pd.MultiIndex):
        return df.rename(index=full, level="council_code")
    return df.rename(index=full)


def pseudonymise_explanation(expl: Any, mapping: Mapping[str, str]) -> Any:
    """A copy of an :class:`~earlywarn.explain.Explanation` keyed by pseudonyms."""
    reasons = _coarse_text_columns(expl.reasons, skip=("council_code",))
    reasons = reasons.assign(council_code=expl.reasons["council_code"].map(mapping))
    changes: dict[str, Any] = {"reasons": reasons}
    for name in ("values", "by_family", "by_nature", "main_nature", "notes"):
        obj = getattr(expl, name, None)
        if obj is not None:
            if isinstance(obj, pd.Series) and name == "notes":
                obj = obj.map(coarse_dates)
            changes[name] = pseudonymise_index(obj, mapping)
    return dataclasses.replace(expl, **changes)


def _texts(name: str, content: str | bytes) -> Iterable[tuple[str, str]]:
    data = content.encode("utf-8") if isinstance(content, str) else content
    if data[:2] == b"PK":  # xlsx and other zip containers: scan every member
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for member in z.namelist():
                    yield f"{name}!{member}", z.read(member).decode("utf-8", "replace")
            return
        except zipfile.BadZipFile:
            pass
    yield name, data.decode("utf-8", "replace")


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _count_whole(text: str, name: str) -> int:
    """Occurrences of ``name`` in ``text`` not inside a longer word (``str.find``: linear in
    the text, whatever the name holds — markup, RTL marks, 10,000 characters)."""
    n, start = 0, 0
    head, tail = _is_word(name[0]), _is_word(name[-1])
    while (i := text.find(name, start)) >= 0:
        j = i + len(name)
        before_ok = not head or i == 0 or not _is_word(text[i - 1])
        after_ok = not tail or j == len(text) or not _is_word(text[j])
        n += before_ok and after_ok
        start = i + 1
    return n


def find_identifiers(files: Mapping[str, str | bytes], councils: pd.DataFrame) -> dict[str, int]:
    """Per file (``name`` or ``name!member`` inside a zip) the number of council codes and
    names found (codes as substrings, names as whole words, case-sensitive).

    Plain substring search, not one big regular expression: compiling and running an
    alternation of many long, hostile names took minutes.
    """
    codes = sorted({str(c) for c in councils["council_code"].dropna() if str(c)})
    names = []
    if "council_name" in councils:
        names = sorted({str(n) for n in councils["council_name"].dropna() if str(n).strip()})
    if not codes and not names:
        return {}
    found = {}
    for name, content in files.items():
        for where, text in _texts(name, content):
            n = sum(text.count(c) for c in codes) + sum(_count_whole(text, m) for m in names)
            if n:
                found[where] = n
    return found


def check_no_identifiers(files: Mapping[str, str | bytes], councils: pd.DataFrame) -> None:
    """Refuse to publish pseudonymised exports that still hold a council code or name.

    Raises
    ------
    RuntimeError
        Naming the files (not the identifiers found): an internal error, nothing written.
    """
    found = find_identifiers(files, councils)
    if found:
        where = ", ".join(f"{k} ({v})" for k, v in sorted(found.items()))
        raise RuntimeError(
            f"pseudonymised export still names councils in {where}; nothing was published"
        )

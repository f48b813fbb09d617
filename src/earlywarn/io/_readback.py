"""Published files read back (``earlywarn evaluate``) are checked like any user input.

A published folder may have been opened and re-saved in a spreadsheet (cp1252, a rank
typed as a word) or its ``run.json`` edited by hand. Each problem is one line naming the
file, the row (header = row 1, after the banner lines) and column, or the JSON key.

Example
-------
>>> import pandas as pd
>>> rl = pd.DataFrame({"rank": [1], "council_code": ["E09000008"], "probability": [0.2]})
>>> info = {"score_origin": "2020-03-31", "horizon": "24M",
...         "config": {"labels": {"events": ["inadequate"]}, "evaluate": {"k": 5}}}
>>> validate_published_list(rl, info, "risk_list.csv", "run.json", header_row=1)[0]["rank"].tolist()
[1]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from earlywarn.errors import UserInputError

__all__ = ["decode_text", "read_reasons_json", "validate_published_list"]


def decode_text(raw: bytes, where: str) -> str:
    """UTF-8 (with or without BOM), else cp1252 (a spreadsheet's re-save)."""
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UserInputError(f"{where}: not UTF-8 or cp1252 text")  # pragma: no cover


def _first(mask: pd.Series) -> int | None:
    bad = mask.to_numpy().nonzero()[0]
    return int(bad[0]) if len(bad) else None


def _json_key(info: dict[str, Any], path: tuple[str, ...], where: str) -> Any:
    v: Any = info
    for key in path:
        if not isinstance(v, dict) or key not in v:
            raise UserInputError(f"{where}: no key {'.'.join(path)} (expected a cycle's run.json)")
        v = v[key]
    return v


def validate_published_list(
    rl: pd.DataFrame, info: Any, list_where: str, info_where: str, header_row: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Check a published ``risk_list.csv`` frame and its ``run.json``; return them typed.

    ``header_row`` is the file row of the CSV header (after the banner comment lines), so
    data row ``i`` (0-based) is file row ``header_row + 1 + i``.
    """
    from earlywarn.config import parse_horizon
    from earlywarn.schema import FIRST_YEAR, LAST_YEAR

    if not isinstance(info, dict):
        raise UserInputError(f"{info_where}: expected a JSON object")
    text = _json_key(info, ("score_origin",), info_where)
    origin = pd.to_datetime(str(text), errors="coerce", format="ISO8601")
    if pd.isna(origin) or not FIRST_YEAR <= origin.year <= LAST_YEAR:
        raise UserInputError(
            f"{info_where}: score_origin {text!r} is not a date from {FIRST_YEAR} to "
            f"{LAST_YEAR} (expected YYYY-MM-DD)"
        )
    horizon = _json_key(info, ("horizon",), info_where)
    try:
        parse_horizon(str(horizon))
    except UserInputError as err:
        raise UserInputError(f"{info_where}: horizon: {err}") from None
    events = _json_key(info, ("config", "labels", "events"), info_where)
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise UserInputError(
            f"{info_where}: config.labels.events {events!r} is not a list of event names"
        )
    k = _json_key(info, ("config", "evaluate", "k"), info_where)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise UserInputError(f"{info_where}: config.evaluate.k {k!r} is not a whole number >= 1")

    def where(i: int, col: str) -> str:
        return f"{list_where}: row {header_row + 1 + i}, column {col}"

    out = rl.copy()
    rank = pd.to_numeric(rl["rank"], errors="coerce")
    i = _first(rank.isna() | (rank < 1) | (rank % 1 != 0))
    if i is not None:
        raise UserInputError(
            f"{where(i, 'rank')}: {rl['rank'].iloc[i]!r} is not a rank (expected 1, 2, ...)"
        )
    prob = pd.to_numeric(rl["probability"], errors="coerce")
    # a list whose probability was withheld (not calibrated out of time) ranks by tier
    withheld = "tier" in rl.columns and bool(
        (rl["probability"].astype(str).str.strip() == "").all()
    )
    i = _first((prob.isna() & (not withheld)) | (prob < 0) | (prob > 1))
    if i is not None:
        raise UserInputError(
            f"{where(i, 'probability')}: {rl['probability'].iloc[i]!r} is not a probability "
            "(expected a number from 0 to 1)"
        )
    codes = rl["council_code"].astype("string").str.strip().str.lstrip("'")
    i = _first(codes.isna() | (codes == ""))
    if i is not None:
        raise UserInputError(f"{where(i, 'council_code')}: empty (expected a council code)")
    i = _first(codes.duplicated())
    if i is not None:
        raise UserInputError(
            f"{where(i, 'council_code')}: {codes.iloc[i]!r} appears twice (expected one row "
            "per council)"
        )
    out["rank"] = rank.astype(int)
    out["probability"] = prob.astype(float)
    out["council_code"] = codes.astype(str)
    return out, info


#: What ``explain`` reads of each reason in a published ``reasons.json``.
REASON_KEYS = ("council_code", "direction", "sentence", "nature", "shap")


def read_reasons_json(text: str, where: str) -> dict[str, Any]:
    """A published ``reasons.json`` read back: valid JSON of the shape a cycle writes, or
    one line naming the file and the key that is damaged.

    >>> read_reasons_json('{"reasons": [], "by_family": {}, "by_nature": {}}', "r.json")["reasons"]
    []
    >>> read_reasons_json('{"reasons": [{"council_code": "E1"}', "r.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    earlywarn.errors.UserInputError: r.json: not valid JSON (...); republish the list (...)
    """
    import json

    again = "republish the list (earlywarn cycle or score)"
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise UserInputError(f"{where}: not valid JSON ({err}); {again}") from None
    if not isinstance(obj, dict):
        raise UserInputError(f"{where}: not a JSON object (expected reasons.json); {again}")
    reasons = obj.get("reasons", [])
    if not isinstance(reasons, list):
        raise UserInputError(f"{where}: key reasons is not a list; {again}")
    for i, r in enumerate(reasons):
        missing = [k for k in REASON_KEYS if not isinstance(r, dict) or k not in r]
        if missing:
            raise UserInputError(
                f"{where}: reasons[{i}] has no {', '.join(missing)} (expected a cycle's "
                f"reasons.json); {again}"
            )
        if isinstance(r["shap"], bool) or not isinstance(r["shap"], int | float):
            raise UserInputError(f"{where}: reasons[{i}].shap {r['shap']!r} is not a number")
    for key in ("by_family", "by_nature"):
        table = obj.get(key, {})
        ok = isinstance(table, dict) and all(
            isinstance(row, dict)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in row.values())
            for row in table.values()
        )
        if not ok:
            raise UserInputError(f"{where}: key {key} is not a table of numbers; {again}")
    return obj

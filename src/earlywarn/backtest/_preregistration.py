"""The pre-registration: ``experiments/<vintage>/PREREGISTRATION.md`` and its protocol log.

A human-readable file with one fenced ``toml`` block that fixes, before any confirmatory
scoring, what will be tested and how::

    model = "logit"                     # the published model kind
    features = ["level", "change"]      # the config's features.families
    settings_hash = "0123456789abcdef"  # earlywarn.backtest.settings_hash of the config
    config = "cycle.toml"               # (optional) the config the hash belongs to
    metric = "auroc_within_origin"      # within-origin AUROC ...
    against = "best_baseline"           # ... of the model minus the best simple rule's
    reference = "red_flags"             # (optional) that rule, named; default: the best
                                        # baseline on the validation origins
    alternative = "greater"             # one-sided: the model is better
    minimum_effect = 0.10               # the smallest difference worth finding
    confirmatory_origins = ["2021-03-31"]

The cycle scores the confirmatory origins only for that settings hash
(:func:`check_preregistered`, before any heavy work) and appends every scoring, one JSON
line (who, when, hash, config, origins), to ``PROTOCOL_LOG.jsonl`` beside the file
(:func:`append_scoring`); the log is never rewritten. Only the first scoring of the
confirmatory origins is confirmatory; later ones are marked as looked at more than once.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import socket
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn.errors import UserInputError

__all__ = [
    "LOG_NAME",
    "Preregistration",
    "append_scoring",
    "check_preregistered",
    "preregistration_path",
    "read_preregistration",
    "read_protocol_log",
]

#: the protocol log's file name, beside PREREGISTRATION.md
LOG_NAME = "PROTOCOL_LOG.jsonl"
_BLOCK = re.compile(r"^```toml[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_HASH = re.compile(r"^[0-9a-f]{16}$")
_REQUIRED = (
    "model", "features", "settings_hash", "metric", "against", "alternative",
    "minimum_effect", "confirmatory_origins",
)  # fmt: skip
_KNOWN = (*_REQUIRED, "config", "target", "reference")
# the protocol's one test: within-origin AUROC, model minus the best rule, one-sided
_FIXED = {"metric": "auroc_within_origin", "against": "best_baseline", "alternative": "greater"}


@dataclass(frozen=True)
class Preregistration:
    """A parsed, checked PREREGISTRATION.md (:func:`read_preregistration`)."""

    path: Path
    model: str
    features: tuple[str, ...]
    settings_hash: str
    minimum_effect: float
    confirmatory_origins: tuple[str, ...]
    metric: str = "auroc_within_origin"
    against: str = "best_baseline"
    alternative: str = "greater"
    config: str = ""
    target: str = ""
    reference: str = ""

    @property
    def log_path(self) -> Path:
        """The protocol log beside the file (append-only)."""
        return self.path.parent / LOG_NAME


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise UserInputError(f"{where}: {key} must be a non-empty list of strings, got {value!r}")
    return tuple(value)


def _origin(value: str, where: str) -> str:
    try:
        o = pd.Timestamp(value)
    except (ValueError, TypeError):
        o = None
    if o is None or (o.month, o.day) != (3, 31):
        raise UserInputError(
            f"{where}: confirmatory_origins {value!r} is not an origin (origins are 31 March "
            "of a year, e.g. 2021-03-31)"
        )
    return str(o.date())


def read_preregistration(path: str | Path) -> Preregistration:
    """Parse and check a PREREGISTRATION.md: its one fenced ``toml`` block must hold every
    key of the module docstring with a legal value. A bad file is one
    :class:`~earlywarn.errors.UserInputError` naming the file and the key."""
    p = Path(path).expanduser().resolve()
    if not p.is_file():
        raise UserInputError(f"{p}: pre-registration file not found")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserInputError(f"{p}: not UTF-8 text (expected a Markdown file)") from None
    blocks = _BLOCK.findall(text)
    if len(blocks) != 1:
        raise UserInputError(
            f"{p}: expected one fenced ```toml block of pre-registered settings, found "
            f"{len(blocks)}"
        )
    try:
        raw = tomllib.loads(blocks[0])
    except tomllib.TOMLDecodeError as err:
        raise UserInputError(f"{p}: the ```toml block is not valid TOML ({err})") from None
    where = str(p)
    unknown = sorted(set(raw) - set(_KNOWN))
    if unknown:
        raise UserInputError(
            f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(_KNOWN)})"
        )
    for key in _REQUIRED:
        if key not in raw:
            raise UserInputError(f"{where}: missing key {key!r}")
    for key in (*_FIXED, "model", "settings_hash", "config", "target", "reference"):
        if key in raw and not isinstance(raw[key], str):
            raise UserInputError(f"{where}: {key} must be a string, got {raw[key]!r}")
    for key, value in _FIXED.items():
        if raw[key] != value:
            raise UserInputError(
                f"{where}: {key} = {raw[key]!r} is not the protocol's (expected {value!r}: "
                "within-origin AUROC of the model minus the best simple rule's, one-sided)"
            )
    if not _HASH.match(raw["settings_hash"]):
        raise UserInputError(
            f"{where}: settings_hash {raw['settings_hash']!r} is not a settings hash (16 "
            "lower-case hex digits; `earlywarn protocol CONFIG` prints it)"
        )
    effect = raw["minimum_effect"]
    if isinstance(effect, bool) or not isinstance(effect, int | float) or not 0 < effect < 0.5:
        raise UserInputError(
            f"{where}: minimum_effect must be a within-origin AUROC difference between 0 and "
            f"0.5 (e.g. 0.10), got {effect!r}"
        )
    named = _strings(raw["confirmatory_origins"], where, "confirmatory_origins")
    origins = tuple(_origin(o, where) for o in named)
    return Preregistration(
        path=p,
        model=raw["model"],
        features=_strings(raw["features"], where, "features"),
        settings_hash=raw["settings_hash"],
        minimum_effect=float(effect),
        confirmatory_origins=origins,
        config=raw.get("config", ""),
        target=raw.get("target", ""),
        reference=raw.get("reference", ""),
    )


def preregistration_path(cfg: Any) -> Path | None:
    """The config's pre-registration file (``evaluate.preregistration``, relative to the
    config file), or None: then no origin is confirmatory."""
    name = cfg.evaluate.preregistration
    if not name:
        return None
    base = Path(cfg.path).parent if cfg.path else Path.cwd()
    return (base / name).expanduser().resolve()


def read_protocol_log(path: str | Path) -> list[dict[str, Any]]:
    """Every scoring in a protocol log (none when there is no log yet)."""
    p = Path(path)
    if not p.is_file():
        return []
    rows = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not isinstance(row, dict) or "settings_hash" not in row:
            raise UserInputError(
                f"{p}: line {i} is not a protocol log entry (one JSON object per line)"
            )
        rows.append(row)
    return rows


def check_preregistered(cfg: Any) -> Preregistration | None:
    """Before any heavy work: the config's pre-registration (None when it has none), after
    checking that the config's settings hash is the pre-registered one, that the
    pre-registered model and features are the config's, and that the confirmatory origins
    were never scored for another hash nor are validation origins. Each refusal is one
    :class:`~earlywarn.errors.UserInputError` naming the file (and hashes or key)."""
    from earlywarn.backtest._protocol import settings_hash

    path = preregistration_path(cfg)
    if path is None:
        return None
    where = cfg.path or "config"
    if not path.is_file():
        raise UserInputError(
            f"{where}: evaluate.preregistration: {path} not found (the file that fixes the "
            "confirmatory test; remove the key to score no confirmatory origin)"
        )
    pre = read_preregistration(path)
    digest = settings_hash(cfg)
    if digest != pre.settings_hash:
        raise UserInputError(
            f"{where}: settings hash {digest} is not the pre-registered hash "
            f"{pre.settings_hash} ({path}): the confirmatory origins are scored only for the "
            "pre-registered settings"
        )
    if pre.model not in cfg.models.kinds:
        raise UserInputError(
            f"{path}: model {pre.model!r} is not in the config's models.kinds "
            f"({', '.join(cfg.models.kinds)})"
        )
    if pre.target and pre.target != cfg.labels.target:
        raise UserInputError(
            f"{path}: target {pre.target!r} is not the config's labels.target {cfg.labels.target!r}"
        )
    if pre.reference and pre.reference not in cfg.evaluate.baselines:
        raise UserInputError(
            f"{path}: reference {pre.reference!r} is not one of the config's "
            f"evaluate.baselines ({', '.join(cfg.evaluate.baselines)})"
        )
    if sorted(pre.features) != sorted(cfg.features.families):
        raise UserInputError(
            f"{path}: features {list(pre.features)} are not the config's features.families "
            f"{list(cfg.features.families)}"
        )
    valid = set(cfg.evaluate.validation_origins)
    for o in pre.confirmatory_origins:
        if o in valid:
            raise UserInputError(
                f"{path}: confirmatory_origins {o} is also a validation origin of {where} (a "
                "choice made on it: it can never be confirmatory)"
            )
    if valid and min(pre.confirmatory_origins) <= max(valid):
        raise UserInputError(
            f"{path}: confirmatory_origins must all come after every validation origin "
            f"({min(pre.confirmatory_origins)} is not after {max(valid)})"
        )
    today = dt.datetime.now(dt.UTC).date()
    if cfg.as_of_date.date() > today:
        raise UserInputError(
            f"{where}: as_of {cfg.as_of_date.date()} is after today ({today}): the "
            f"confirmatory origins {', '.join(pre.confirmatory_origins)} are scored only on "
            "the data published by as_of, which do not exist yet"
        )
    for row in read_protocol_log(pre.log_path):
        other = set(row.get("origins", [])) & set(pre.confirmatory_origins)
        if row["settings_hash"] != pre.settings_hash and other:
            raise UserInputError(
                f"{pre.log_path}: origin {min(other)} was already scored for settings hash "
                f"{row['settings_hash']} on {row.get('when', '?')}: it is validation (seen) "
                "and can never be confirmatory again"
            )
    return pre


def append_scoring(pre: Preregistration, cfg: Any, origins: list[str]) -> int:
    """Append one scoring of the confirmatory origins to the protocol log (who, when, hash,
    config, origins) and return how many scorings for this hash it now holds.

    One ``os.write`` of one whole line to a file opened with ``O_APPEND``, then ``fsync``:
    a line is written whole or not at all, and nothing already in the log is rewritten."""
    try:
        who = f"{getpass.getuser()}@{socket.gethostname()}"
    except (KeyError, OSError):  # no user name in a container: the uid
        who = f"uid{os.getuid()}@{socket.gethostname()}"
    row = {
        "who": who,
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "settings_hash": pre.settings_hash,
        "config": cfg.path or "",
        "origins": list(origins),
        "model": pre.model,
    }
    line = (json.dumps(row, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(pre.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    rows = read_protocol_log(pre.log_path)
    return sum(r["settings_hash"] == pre.settings_hash for r in rows)

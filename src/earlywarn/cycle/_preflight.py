"""Checks made before any work starts: the tracking store, the output folder, the config.

A cycle that will fail should fail in seconds, with one line, and before anything is
written: an unreachable tracking server, an output folder that cannot be created, a
registered-model name MLflow forbids, an unknown hyperparameter. Each check raises
:class:`~earlywarn.errors.UserInputError` naming the URI, path or config key.

Example
-------
>>> from earlywarn.cycle import check_registry_name
>>> check_registry_name("earlywarn-2025", "config")
"""

from __future__ import annotations

import os
import posixpath
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from earlywarn.config import check_uri_scheme
from earlywarn.errors import UserInputError
from earlywarn.io import check_output_location, nearest_existing

__all__ = [
    "check_existing_store",
    "check_k_within",
    "check_model_params",
    "check_named_model",
    "check_registry_name",
    "check_tracking_store",
    "check_two_classes",
    "missing_family_warnings",
    "preflight_cycle",
]

#: Seconds to wait for a tracking server to accept a connection (``tracking.connect_timeout``).
DEFAULT_CONNECT_TIMEOUT = 10.0
# MLflow refuses "/" and ":" in registered-model names; "@" would break models:/NAME@alias
_REGISTRY_FORBIDDEN = re.compile(r"[/:@\x00-\x1f\x7f]")
_REGISTRY_MAX = 256


def _sqlite_path(uri: str) -> Path | None:
    rest = uri.removeprefix("sqlite://")
    if rest in ("", "/", "/:memory:"):
        return None
    return Path(rest[1:] if rest.startswith("/") else rest)


def _http_health(uri: str, timeout: float) -> None:
    """An MLflow server answers ``GET /health`` with 200; anything else is not one."""
    import urllib.error
    import urllib.request

    url = uri.rstrip("/") + "/health"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as resp:
            resp.read(64)
    except urllib.error.HTTPError as err:
        raise UserInputError(
            f"tracking URI {uri!r}: the server answered HTTP {err.code} to {url} (expected an "
            "MLflow tracking server)"
        ) from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError | socket.timeout):
            raise TimeoutError from None
        raise UserInputError(
            f"tracking URI {uri!r}: no answer from {url} ({err.reason}; is it an MLflow "
            "tracking server?)"
        ) from None


def check_tracking_store(uri: str, timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
    """The tracking store can be reached: a server accepts a connection, a file can be made.

    - ``http(s)://host:port``: a TCP connection within ``timeout`` seconds;
    - ``sqlite:///path``: the database is a file (or can be created: its folder exists,
      or can be created, and is writable);
    - ``file:`` and plain paths: the folder exists or can be created.

    Other schemes (e.g. ``databricks``) are left to MLflow. Nothing is created.
    """
    where = f"tracking URI {uri!r}"
    check_uri_scheme(uri)  # a scheme MLflow opens (config's one check of a URI)
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        parts = urlsplit(uri)
        try:
            host, port = parts.hostname, parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise UserInputError(f"{where}: not a valid server address") from None
        if not host:
            raise UserInputError(f"{where}: no host name (expected e.g. http://127.0.0.1:5000)")
        try:
            with socket.create_connection((host, port), timeout=timeout):
                pass
            _http_health(uri, timeout)
        except TimeoutError:
            raise UserInputError(
                f"{where}: the tracking server did not answer within {timeout:g} s "
                "(is it running? set tracking.connect_timeout to wait longer)"
            ) from None
        except OSError as err:
            reason = err.strerror or type(err).__name__
            raise UserInputError(
                f"{where}: cannot connect to the tracking server ({reason}; is it running?)"
            ) from None
        return
    if scheme == "sqlite":
        db = _sqlite_path(uri)
        if db is None:
            return
        db = db.expanduser().resolve()
        if db.exists():
            if not db.is_file():
                raise UserInputError(f"{where}: {db} is a folder, not a database file")
            if not os.access(db, os.R_OK | os.W_OK):
                raise UserInputError(f"{where}: no read/write permission on {db}")
            return
        base = nearest_existing(db.parent)
        if not base.is_dir():
            raise UserInputError(f"{where}: cannot create {db}: {base} is a file, not a folder")
        if not os.access(base, os.W_OK | os.X_OK):
            raise UserInputError(f"{where}: cannot create {db}: no write permission in {base}")
        return
    if scheme in ("", "file"):
        path = Path(urlsplit(uri).path if scheme == "file" else uri).expanduser().resolve()
        base = nearest_existing(path)
        if base.exists() and not base.is_dir():
            raise UserInputError(f"{where}: {base} is a file, not a folder")
        if not os.access(base, os.W_OK | os.X_OK):
            raise UserInputError(f"{where}: no write permission in {base}")


def check_existing_store(uri: str, timeout: float = DEFAULT_CONNECT_TIMEOUT) -> None:
    """For commands that only read: the store must already exist (never create one)."""
    check_tracking_store(uri, timeout)
    if urlsplit(uri).scheme.lower() == "sqlite":
        db = _sqlite_path(uri)
        if db is not None and not db.expanduser().is_file():
            raise UserInputError(
                f"tracking URI {uri!r}: no tracking store at {db.expanduser().resolve()} "
                "(expected the store a cycle published to; run a cycle first)"
            )


def check_registry_name(name: str, where: str, key: str = "tracking.registry_name") -> None:
    """A registered-model name MLflow accepts (no ``/ : @`` or control characters, not a
    path that normalises to another name)."""
    if not name.strip():
        raise UserInputError(f"{where}: {key} is empty (expected a model name)")
    bad = _REGISTRY_FORBIDDEN.search(name)
    if bad:
        raise UserInputError(
            f"{where}: {key} {name!r} contains {bad.group()!r}, which MLflow forbids in model "
            "names (use letters, digits, '-', '_', '.' or spaces)"
        )
    if posixpath.normpath(name) != name or name.startswith(".."):
        raise UserInputError(
            f"{where}: {key} {name!r} would be read by MLflow as the path "
            f"{posixpath.normpath(name)!r} (expected a plain name)"
        )
    if len(name) > _REGISTRY_MAX:
        raise UserInputError(
            f"{where}: {key} is {len(name)} characters long (expected at most {_REGISTRY_MAX})"
        )


def check_model_params(cfg: Any, where: str) -> None:
    """Every ``[models.params.KIND]`` names a model in ``models.kinds`` and only parameters
    that model accepts (built, not fitted, to find out)."""
    from earlywarn.models import make_model

    for kind, params in cfg.models.params.items():
        key = f"models.params.{kind}"
        if kind not in cfg.models.kinds:
            raise UserInputError(
                f"{where}: {key}: {kind!r} is not in models.kinds "
                f"({', '.join(cfg.models.kinds)}); its parameters would be ignored"
            )
        if not isinstance(params, dict):
            raise UserInputError(f"{where}: {key} must be a table of parameters")
        try:
            make_model(kind, dict(params), cfg.seed)
        except TypeError as err:
            m = re.search(r"keyword argument '([^']+)'", str(err))
            name = m.group(1) if m else str(err)
            raise UserInputError(
                f"{where}: {key}: unknown parameter {name!r} for the {kind} model"
            ) from None
        except (ValueError, KeyError) as err:
            raise UserInputError(f"{where}: {key}: {err}") from None


def check_k_within(cfg: Any, n_scored: int) -> None:
    """``evaluate.k`` (and ``report.top_n``) are at most the number of councils scored."""
    where = cfg.path or "config"
    for key, v in (("evaluate.k", cfg.evaluate.k), ("report.top_n", cfg.report.top_n)):
        if v > n_scored:
            raise UserInputError(
                f"{where}: {key} = {v} is out of range (expected 1 to {n_scored}, the number "
                "of councils scored at the latest origin)"
            )


def preflight_cycle(cfg: Any, out: str | Path | None, uri: str) -> None:
    """Everything that can be checked before a cycle loads data or touches MLflow."""
    where = cfg.path or "config"
    registry = cfg.tracking.registry_name or cfg.tracking.experiment
    key = "tracking.registry_name" if cfg.tracking.registry_name else "tracking.experiment"
    check_registry_name(registry, where, key)
    if out is not None:
        check_output_location(out)
    timeout = getattr(cfg.tracking, "connect_timeout", DEFAULT_CONNECT_TIMEOUT)
    check_tracking_store(uri, timeout)
    check_named_model(cfg, uri, where)
    check_model_params(cfg, where)  # last: imports scikit-learn


def check_named_model(cfg: Any, uri: str, where: str = "config") -> None:
    """A fitted ``mixed`` model holds every council's code and its own risk effect: it may
    go into the tracking store only where named-council outputs may (not with
    ``report.pseudonymise``, not where ``tracking.log_outputs`` is off)."""
    if "mixed" not in cfg.models.kinds:
        return
    from earlywarn.tracking import default_log_outputs

    named = cfg.tracking.log_outputs
    named = default_log_outputs(uri) if named is None else named
    if cfg.report.pseudonymise or not named:
        raise UserInputError(
            f"{where}: models.kinds lists 'mixed', whose fitted model holds each council's "
            f"code and own risk effect, but named-council outputs may not go into the "
            f"tracking store {uri} (report.pseudonymise or tracking.log_outputs): drop "
            "'mixed' or use a store that may hold named outputs"
        )


def missing_family_warnings(cfg: Any, specs: dict[str, Any]) -> list[str]:
    """One warning per feature family named in ``features.families`` that has no features:
    its data are absent from the inputs, so the models run without it. (The default, every
    family, names none: families without data are then simply left out.)"""
    from earlywarn.config import FeaturesConfig

    if cfg.features.families == FeaturesConfig().families:
        return []  # the default (every family), not named in the config: nothing asked for
    built = {getattr(s, "family", None) for s in specs.values()}
    where = cfg.path or "config"
    return [
        f"{where}: features.families asks for {fam!r} but the data have no {fam} measures "
        "or events: no features built for it"
        for fam in cfg.features.families
        if fam not in built
    ]


def check_two_classes(cfg: Any, X: Any, events: Any, origins: list, as_of: Any) -> None:
    """The labels give both failures and non-failures to learn from (before any MLflow write)."""
    import pandas as pd

    from earlywarn.labels import make_labels
    from earlywarn.panel import closed_origins

    h = cfg.horizon_months
    train = pd.DatetimeIndex(closed_origins(origins, as_of, h))
    rows = X.index[X.index.get_level_values("origin").isin(train)]
    lab = make_labels(events, rows, h, cfg.labels.events, known_at=as_of)["label"]
    n_pos = int(lab.sum())
    if n_pos == 0 or n_pos == len(lab):
        what = "no" if n_pos == 0 else "only"
        raise UserInputError(
            f"{cfg.path or 'config'}: labels.events {list(cfg.labels.events)} gives {what} "
            f"failures in the {len(lab)} training rows before as_of {as_of.date()} (expected "
            "both failures and non-failures: choose other events or more years of data)"
        )

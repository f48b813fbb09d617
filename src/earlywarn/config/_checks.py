"""Every check of a cycle config's values: dates, names, ranges, the protocol's origins,
bands and compute settings. One line per mistake, naming the file and the key."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pandas as pd

from earlywarn._names import (
    BASELINES,
    CENSORING,
    FAMILIES,
    LABEL_EVENTS,
    MODEL_KINDS,
    OPT_IN_FAMILIES,
    SELECT_BY,
    SUBGROUPS,
    TARGETS,
    UNCOVERED,
)
from earlywarn.errors import UserInputError

if TYPE_CHECKING:
    from earlywarn.config._sections import ComputeConfig, CycleConfig, ReportConfig


__all__ = ["INT_LIMITS", "check_config", "parse_horizon"]


def parse_horizon(text: str) -> int:
    """Parse a horizon such as ``"24M"``, ``"2Y"`` or ``"18m"`` into months."""
    m = re.fullmatch(r"\s*(\d+)\s*([MmYy])\s*", str(text))
    if not m or int(m.group(1)) == 0:
        raise UserInputError(
            f"horizon {text!r} is not a horizon (expected a number of months or years, "
            "e.g. '24M' or '2Y')"
        )
    n = int(m.group(1))
    return n * 12 if m.group(2) in "Yy" else n


def _check_compute(c: ComputeConfig, where: str) -> None:
    if isinstance(c.n_jobs, bool) or not isinstance(c.n_jobs, int) or c.n_jobs < 1:
        raise UserInputError(
            f"{where}: compute.n_jobs must be a whole number >= 1, got {c.n_jobs!r}"
        )
    if c.backend not in ("loky", "dask"):
        raise UserInputError(
            f"{where}: compute.backend {c.backend!r} is unknown (expected 'loky' or 'dask')"
        )
    if c.scheduler and c.backend != "dask":
        raise UserInputError(f"{where}: compute.scheduler is set but compute.backend is not 'dask'")
    t = c.connect_timeout
    if isinstance(t, bool) or not isinstance(t, int | float) or not 0 < t <= 600:
        raise UserInputError(
            f"{where}: compute.connect_timeout must be seconds in (0, 600], got {t!r}"
        )


def _is_iso_date(value: Any) -> bool:
    """``YYYY-MM-DD`` and a real calendar date: no guessing of '03/04/2023' (US or UK?)."""
    import datetime as _dt

    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_ordinal(cfg: CycleConfig, where: str) -> None:
    """The ordinal model predicts P(grade >= at_least) given an inspection: the label must
    be that grade, and the target conditional (not censoring = "negative")."""
    if "ordinal" not in cfg.models.kinds:
        return
    if cfg.labels.censoring == "negative":
        raise UserInputError(
            f"{where}: models.kinds has 'ordinal', which models the grade given an "
            "inspection; labels.censoring = 'negative' needs a joint model (use 'drop' or "
            "'weight')"
        )
    grades = {"inadequate": 4.0, "requires_improvement_or_worse": 3.0}
    events = tuple(cfg.labels.events)
    if len(events) != 1 or events[0] not in grades:
        raise UserInputError(
            f"{where}: models.kinds has 'ordinal', so labels.events must be ['inadequate'] "
            f"or ['requires_improvement_or_worse'], got {list(events)}"
        )
    at_least = cfg.models.params.get("ordinal", {}).get("at_least", 4.0)
    if at_least != grades[events[0]]:
        raise UserInputError(
            f"{where}: models.params.ordinal.at_least = {at_least} does not match "
            f"labels.events {list(events)} (expected {grades[events[0]]:g})"
        )


#: URI schemes MLflow has a tracking and registry store for (a folder, "" or file:, only
#: where ``MLFLOW_ALLOW_FILE_STORE`` lets MLflow open its retired file store).
TRACKING_SCHEMES = (
    "sqlite", "http", "https", "postgresql", "mysql", "mssql", "databricks", "databricks-uc",
    "uc",
)  # fmt: skip
_EXPECTED_URI = "expected sqlite:///PATH or http(s)://HOST:PORT"


def check_uri_scheme(uri: str, where: str = "tracking URI") -> None:
    """A tracking URI MLflow can open: a known scheme (a bare folder is MLflow's retired
    file store, refused unless ``MLFLOW_ALLOW_FILE_STORE`` is true).

    >>> check_uri_scheme("sqlite:///runs/mlflow.db")
    >>> check_uri_scheme("mlfow://x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    earlywarn.errors.UserInputError: tracking URI 'mlfow://x': unknown scheme 'mlfow' (...)
    """
    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError:
        raise UserInputError(f"{where} {uri!r}: not a URI ({_EXPECTED_URI})") from None
    if scheme in ("", "file"):
        if os.environ.get("MLFLOW_ALLOW_FILE_STORE", "").lower() in ("true", "1"):
            return
        raise UserInputError(
            f"{where} {uri!r}: not a URI MLflow opens (a folder is MLflow's retired file "
            f"store; {_EXPECTED_URI})"
        )
    if scheme.split("+", 1)[0] not in TRACKING_SCHEMES:  # postgresql+psycopg2 & co
        raise UserInputError(f"{where} {uri!r}: unknown scheme {scheme!r} ({_EXPECTED_URI})")
    if scheme == "sqlite" and not uri.lower().startswith("sqlite://"):
        raise UserInputError(f"{where} {uri!r}: a SQLite URI starts sqlite:/// ({_EXPECTED_URI})")


def check_config(cfg: CycleConfig, where: str) -> None:
    """Every check of a config's values (``where`` names the file in messages)."""
    _check_compute(cfg.compute, where)
    _check_ordinal(cfg, where)
    try:
        parse_horizon(cfg.horizon)
    except UserInputError as err:
        raise UserInputError(f"{where}: {err}") from None
    for key, value in (
        ("as_of", cfg.as_of),
        *(("evaluate.origins", o) for o in cfg.evaluate.origins),
        *(
            (("evaluate.first_origin", cfg.evaluate.first_origin),)
            if cfg.evaluate.first_origin
            else ()
        ),
    ):
        if not _is_iso_date(value):
            raise UserInputError(f"{where}: {key} {value!r} is not a date (expected YYYY-MM-DD)")
    if cfg.data.source not in ("synthetic", "files", "bundled:real"):
        raise UserInputError(
            f"{where}: data.source {cfg.data.source!r} is unknown (expected 'synthetic', "
            "'files' or 'bundled:real')"
        )
    _check_source_keys(cfg, where)
    if cfg.tracking.uri:
        check_uri_scheme(cfg.tracking.uri, f"{where}: tracking.uri")
    for kind in cfg.models.kinds:
        if kind not in MODEL_KINDS:
            raise UserInputError(
                f"{where}: models.kinds names an unknown model {kind!r} "
                f"(expected one of {', '.join(MODEL_KINDS)})"
            )
    if not cfg.models.kinds:
        raise UserInputError(f"{where}: models.kinds is empty (name at least one model)")
    for fam in cfg.features.families:
        if fam not in FAMILIES + OPT_IN_FAMILIES:
            raise UserInputError(
                f"{where}: features.families names an unknown family {fam!r} "
                f"(expected some of {', '.join(FAMILIES + OPT_IN_FAMILIES)})"
            )
    f = cfg.features
    for key in ("change_periods", "slope_periods", "volatility_periods", "peak_periods"):
        if not 1 <= getattr(f, key) <= 20 or (key != "change_periods" and getattr(f, key) < 2):
            raise UserInputError(
                f"{where}: features.{key} = {getattr(f, key)} is out of range (expected 2 to 20 "
                "periods; change_periods may be 1)"
            )
    if f.peer_group not in ("council_type", "region"):
        raise UserInputError(
            f"{where}: features.peer_group {f.peer_group!r} is unknown (expected "
            "'council_type' or 'region'; statistical neighbours come from features.neighbours)"
        )
    if f.dtype not in ("float64", "float32"):
        raise UserInputError(
            f"{where}: features.dtype {f.dtype!r} is unknown (expected 'float64' or 'float32')"
        )
    if f.uncovered not in UNCOVERED:
        raise UserInputError(
            f"{where}: features.uncovered {f.uncovered!r} is unknown (expected 'fail' or 'drop')"
        )
    mc = f.min_coverage
    if not isinstance(mc, int | float) or isinstance(mc, bool) or not 0 <= mc <= 1:
        raise UserInputError(
            f"{where}: features.min_coverage must be a share in [0, 1], got {mc!r}"
        )
    for key in ("notice_years", "reserves_years_cap", "leadership_years_cap", "soft_months"):
        if getattr(f, key) < 1:
            raise UserInputError(f"{where}: features.{key} must be at least 1")
    if not isinstance(f.noise_z, int | float) or isinstance(f.noise_z, bool) or f.noise_z <= 0:
        raise UserInputError(f"{where}: features.noise_z must be a positive number")
    for ev in cfg.labels.events:
        if ev not in LABEL_EVENTS:
            raise UserInputError(
                f"{where}: labels.events names an unknown event {ev!r} "
                f"(expected some of {', '.join(LABEL_EVENTS)})"
            )
    events = list(cfg.labels.events)
    if "financial_failure" in events and len(events) > 1:
        raise UserInputError(
            f"{where}: labels.events {events}: 'financial_failure' is a label of its own "
            "(its interval rule and five-year repeat window do not combine with other events)"
        )
    if cfg.labels.censoring not in CENSORING:
        raise UserInputError(
            f"{where}: labels.censoring {cfg.labels.censoring!r} is unknown "
            f"(expected one of {', '.join(CENSORING)})"
        )
    if cfg.labels.target not in TARGETS:
        raise UserInputError(
            f"{where}: labels.target {cfg.labels.target!r} is unknown (expected 'joint' or "
            "'conditional')"
        )
    if not isinstance(cfg.report.pseudonymise, bool):
        raise UserInputError(f"{where}: report.pseudonymise must be true or false")
    if cfg.tracking.log_outputs is not None and not isinstance(cfg.tracking.log_outputs, bool):
        raise UserInputError(f"{where}: tracking.log_outputs must be true or false")
    if not isinstance(cfg.labels.new_failures_only, bool):
        raise UserInputError(f"{where}: labels.new_failures_only must be true or false")
    mu = cfg.evaluate.mu
    if isinstance(mu, bool) or not isinstance(mu, int | float) or not 0 <= mu <= 1:
        raise UserInputError(f"{where}: evaluate.mu = {mu!r} is not a number from 0 to 1")
    for key, allowed in (("subgroups", SUBGROUPS), ("baselines", BASELINES)):
        for name in getattr(cfg.evaluate, key):
            if name not in allowed:
                raise UserInputError(
                    f"{where}: evaluate.{key} names an unknown entry {name!r} "
                    f"(expected some of {', '.join(allowed)})"
                )
    if cfg.models.select_by not in SELECT_BY:
        raise UserInputError(
            f"{where}: models.select_by {cfg.models.select_by!r} is unknown "
            f"(expected one of {', '.join(SELECT_BY)})"
        )
    _check_numbers(cfg, where)
    _check_bands(cfg.report, where)
    _check_protocol(cfg, where)


#: The [data] keys each source reads; set for another source they would be silently ignored.
_SOURCE_KEYS = {
    "files": ("councils", "observations", "events"),
    "bundled:real": ("real_dir",),
}


def _check_source_keys(cfg: CycleConfig, where: str) -> None:
    """A [data] path that the chosen source does not read is a mistake, not a no-op."""
    for source, keys in _SOURCE_KEYS.items():
        for key in keys:
            if getattr(cfg.data, key) and cfg.data.source != source:
                raise UserInputError(
                    f"{where}: data.{key} is set but data.source = {cfg.data.source!r} does not "
                    f"read it (it is read when data.source = {source!r}; remove one of them)"
                )


def _check_protocol(cfg: CycleConfig, where: str) -> None:
    """labels.frameworks, evaluate.recalibrate and the validation / seen origins."""
    if cfg.labels.frameworks not in ("headline", "all"):
        raise UserInputError(
            f"{where}: labels.frameworks {cfg.labels.frameworks!r} is unknown (expected "
            "'headline' or 'all')"
        )
    if cfg.labels.timing not in ("features", "hazard"):
        raise UserInputError(
            f"{where}: labels.timing {cfg.labels.timing!r} is unknown (expected 'features' "
            "or 'hazard')"
        )
    if not isinstance(cfg.evaluate.recalibrate, bool):
        raise UserInputError(f"{where}: evaluate.recalibrate must be true or false")
    ev = cfg.evaluate
    dates = {}
    for key in ("validation_origins", "seen_origins"):
        for value in getattr(ev, key):
            try:
                dates.setdefault(key, []).append(pd.Timestamp(value))
            except (ValueError, TypeError):
                raise UserInputError(
                    f"{where}: evaluate.{key} {value!r} is not a date (expected YYYY-MM-DD)"
                ) from None
    sel, held = dates.get("validation_origins", []), dates.get("seen_origins", [])
    if (held or ev.preregistration) and not sel:
        key = "seen_origins" if held else "preregistration"
        raise UserInputError(
            f"{where}: evaluate.{key} is set but evaluate.validation_origins is empty "
            "(settings must be chosen on validation origins first)"
        )
    if sel and held and max(sel) >= min(held):
        raise UserInputError(
            f"{where}: evaluate.seen_origins must all come after every validation origin "
            f"({min(held).date()} is not after {max(sel).date()})"
        )
    if held and ev.preregistration:
        raise UserInputError(
            f"{where}: evaluate.seen_origins and evaluate.preregistration are both set (seen "
            "origins are validation: move them into evaluate.validation_origins)"
        )
    _check_reserved(ev, where)
    as_of = pd.Timestamp(cfg.as_of)
    for key in ("origins", "validation_origins", "seen_origins"):
        for value in getattr(ev, key):
            o = pd.Timestamp(value)
            if o > as_of:
                raise UserInputError(
                    f"{where}: evaluate.{key} '{value}' is after as_of {cfg.as_of} (an origin "
                    "is scored only once its outcome window has closed by as_of)"
                )
            if (o.month, o.day) != (3, 31):
                raise UserInputError(
                    f"{where}: evaluate.{key} '{value}' is not an origin (origins are 31 March "
                    "of each year, e.g. 2018-03-31)"
                )


def _check_reserved(ev: Any, where: str) -> None:
    """evaluate.reserved_origins (confirmatory under another protocol) are never scored:
    not in origins, validation_origins or seen_origins, and those not all empty."""
    reserved = set()
    for value in ev.reserved_origins:
        try:
            reserved.add(pd.Timestamp(value))
        except (ValueError, TypeError):
            raise UserInputError(
                f"{where}: evaluate.reserved_origins {value!r} is not a date (expected YYYY-MM-DD)"
            ) from None
    if not reserved:
        return
    for key in ("origins", "validation_origins", "seen_origins"):
        for value in getattr(ev, key):
            if pd.Timestamp(value) in reserved:
                raise UserInputError(
                    f"{where}: evaluate.{key} '{value}' is in evaluate.reserved_origins "
                    "(confirmatory under another protocol: this cycle never scores it; "
                    "nothing was scored)"
                )
    if not (ev.origins or ev.validation_origins or ev.seen_origins):
        raise UserInputError(
            f"{where}: evaluate.reserved_origins is set but evaluate.origins and "
            "evaluate.validation_origins are empty (every closed origin, the reserved ones "
            "included, would be scored: name the origins to score)"
        )


#: (key, lowest, highest, what) for every integer setting; None = no upper limit
INT_LIMITS: tuple[tuple[str, int, int | None, str], ...] = (
    ("seed", 0, 2**32 - 1, "a seed from 0 to 2**32 - 1"),
    ("data.n_councils", 10, 5000, "at least 10 councils"),
    ("data.start_year", 1990, 2100, "a year from 1990 to 2100"),
    ("data.end_year", 1990, 2100, "a year from 1990 to 2100"),
    ("features.min_peers", 1, None, "at least 1 peer"),
    ("evaluate.min_train_origins", 1, None, "at least 1 training origin"),
    ("evaluate.k", 1, None, "at least 1 council"),
    ("evaluate.n_boot", 0, 100_000, "0 (no bootstrap) to 100000 resamples"),
    ("report.top_n", 1, None, "at least 1 council"),
    ("report.n_reasons", 0, 50, "0 to 50 reasons"),
    ("report.interval_boot", 0, 10_000, "0 to 10000 refits"),
)


def _get(cfg: CycleConfig, key: str) -> Any:
    obj: Any = cfg
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def _check_numbers(cfg: CycleConfig, where: str) -> None:
    """Every number in range; lists that must name something are not empty."""
    for key, lo, hi, what in INT_LIMITS:
        v = _get(cfg, key)
        if v < lo or (hi is not None and v > hi):
            raise UserInputError(f"{where}: {key} = {v} is out of range (expected {what})")
    d = cfg.data
    if d.source == "synthetic" and d.start_year + 4 > d.end_year:
        raise UserInputError(
            f"{where}: data.start_year {d.start_year} and data.end_year {d.end_year} leave "
            "fewer than 5 years (expected end_year at least start_year + 4)"
        )
    t = cfg.tracking.connect_timeout
    if not 0 < t <= 600:
        raise UserInputError(
            f"{where}: tracking.connect_timeout = {t:g} is out of range (expected 0 < seconds "
            "<= 600)"
        )
    if not cfg.tracking.experiment.strip():
        raise UserInputError(f"{where}: tracking.experiment is empty (expected a name)")
    if not cfg.labels.events:
        raise UserInputError(
            f"{where}: labels.events is empty (expected some of {', '.join(LABEL_EVENTS)})"
        )
    if not cfg.features.families:
        raise UserInputError(
            f"{where}: features.families is empty (expected some of {', '.join(FAMILIES)})"
        )
    for key in ("as_of", *(f"evaluate.origins[{i}]" for i in range(len(cfg.evaluate.origins)))):
        text = cfg.as_of if key == "as_of" else cfg.evaluate.origins[int(key[17:-1])]
        year = pd.Timestamp(text).year
        if not 1990 <= year <= 2100:
            raise UserInputError(
                f"{where}: {key} {text!r} is out of range (expected a date from 1990 to 2100)"
            )


def _check_bands(rep: ReportConfig, where: str) -> None:
    lr = rep.likelihood_ratios
    if len(lr) != 2 or not 0 < lr[0] < lr[1]:
        raise UserInputError(
            f"{where}: report.likelihood_ratios {list(lr)} must be two increasing positive "
            "ratios of the probability to the base rate"
        )
    lt = rep.likelihood_thresholds
    if len(lt) != 2 or not 0 < lt[0] < lt[1] < 1:
        raise UserInputError(
            f"{where}: report.likelihood_thresholds {list(lt)} must be two increasing "
            "probabilities between 0 and 1"
        )
    st = rep.size_thresholds
    if len(st) != 2 or not st[0] < st[1]:
        raise UserInputError(
            f"{where}: report.size_thresholds {list(st)} must be two increasing numbers"
        )
    if rep.interval_boot < 0 or rep.interval_boot == 1:
        raise UserInputError(
            f"{where}: report.interval_boot {rep.interval_boot} must be 0 (no interval) or "
            "at least 2 bootstrap refits"
        )
    lvl = rep.interval_level
    if isinstance(lvl, bool) or not isinstance(lvl, int | float) or not 0 < lvl < 1:
        raise UserInputError(
            f"{where}: report.interval_level {lvl!r} must be a number between 0 and 1"
        )
    if rep.service_criticality not in (1, 2, 3):
        raise UserInputError(
            f"{where}: report.service_criticality {rep.service_criticality} must be 1, 2 or 3"
        )
    for nature, kinds in rep.support.items():
        if nature not in ("financial", "capacity", "capability", "political"):
            raise UserInputError(
                f"{where}: report.support names an unknown problem nature {nature!r} "
                "(expected financial, capacity, capability or political)"
            )
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise UserInputError(
                f"{where}: report.support.{nature} must be a list of strings, got {kinds!r}"
            )

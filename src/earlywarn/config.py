"""The cycle config: one TOML file, parsed into frozen dataclasses.

Unknown keys are rejected, so a typo never silently falls back to a default. Every
problem is a :class:`~earlywarn.errors.UserInputError` naming the file and the key.

Example
-------
>>> from earlywarn.config import parse_config
>>> cfg = parse_config({"cycle": "t", "as_of": "2020-03-31", "horizon": "24M"})
>>> cfg.horizon_months
24
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

import pandas as pd

from earlywarn._names import MODEL_KINDS
from earlywarn.errors import UserInputError

__all__ = [
    "CycleConfig",
    "DataConfig",
    "EvaluateConfig",
    "FeaturesConfig",
    "LabelsConfig",
    "ModelsConfig",
    "ReportConfig",
    "TrackingConfig",
    "load_config",
    "parse_config",
    "parse_horizon",
]

FAMILIES = ("indicators", "satisfaction", "finance", "leadership", "soft", "inspection", "context")
LABEL_EVENTS = (
    "inadequate",
    "requires_improvement_or_worse",
    "financial_notice",
    "intervention",
    "leaders_inadequate",
    "help_protection_inadequate",
    "decline",
)
CENSORING = ("drop", "negative", "weight")
TARGETS = ("joint", "conditional")
SUBGROUPS = ("council_type", "region", "deprivation_quintile")
BASELINES = ("persistence", "time_since_inspection", "deprivation", "red_flags")


@dataclass(frozen=True)
class DataConfig:
    """Where the core tables come from.

    ``source`` is ``"synthetic"`` (generated with the parameters below), ``"files"``
    (``councils``, ``observations`` and ``events`` CSV paths, relative to the config file)
    or ``"bundled:real"`` (the public data shipped with the package, as of 31 March 2023;
    see :func:`earlywarn.load_real_tables`; ``real_dir``, relative to the config file, reads
    a panel rebuilt by ``earlywarn data build --out`` instead). ``satisfaction`` and
    ``leadership`` are optional CSVs (relative to the config file) of resident satisfaction
    and leadership changes, appended to any source (formats in :mod:`earlywarn.sources.optional`).
    """

    source: str = "synthetic"
    n_councils: int = 150
    start_year: int = 2008
    end_year: int = 2024
    councils: str = ""
    observations: str = ""
    events: str = ""
    real_dir: str = ""
    satisfaction: str = ""
    leadership: str = ""


@dataclass(frozen=True)
class FeaturesConfig:
    """Which feature families to build, from which measures, over which windows.

    ``measures`` empty = every measure in the data. Windows count periods (years).
    Peers are the statistical neighbours in ``neighbours`` (a CSV ``council_code,
    neighbour_code``, relative to the config file) where a council has at least
    ``min_peers`` of them, else councils of the same ``peer_group`` (``council_type`` or
    ``region``). ``soft_notes`` is an optional CSV of advisers' dated notes (see
    docs/features.md); its text is never used. ``dtype`` ``"float32"`` halves the memory
    of the feature frame for very wide data (features are computed in float64, then stored
    rounded to about seven significant digits).
    """

    families: tuple[str, ...] = FAMILIES
    measures: tuple[str, ...] = ()
    change_periods: int = 3
    slope_periods: int = 4
    volatility_periods: int = 5
    peak_periods: int = 5
    noise_z: float = 1.96
    notice_years: int = 5
    reserves_years_cap: int = 20
    leadership_years_cap: int = 10
    soft_months: int = 12
    peer_group: str = "council_type"
    min_peers: int = 3
    neighbours: str = ""
    soft_notes: str = ""
    dtype: str = "float64"


@dataclass(frozen=True)
class LabelsConfig:
    """What counts as a failure, and how rows with no inspection in the window are treated.

    ``censoring = "negative"`` trains on the joint risk P(inspected and failing in the
    window) on all rows; ``"drop"`` trains on P(failing | inspected) on inspected rows only;
    ``"weight"`` as ``"drop"`` with inspected rows weighted by 1 / their estimated chance of
    inspection. ``target`` ("joint" or "conditional") is what the risk list ranks by (both
    are evaluated). ``new_failures_only`` leaves out councils already failed at the origin.
    ``frameworks = "headline"`` counts only overall (headline) inspection judgements, where
    the events say which are (``headline`` column); ``"all"`` also counts re-inspections
    and thematic or partial frameworks (TLAC, CPRI, SLAC re-inspections).
    """

    events: tuple[str, ...] = ("inadequate",)
    censoring: str = "negative"
    target: str = "joint"
    new_failures_only: bool = False
    frameworks: str = "headline"
    timing: str = "features"  # P(inspected): "features" or "hazard" (earlywarn.timing)


@dataclass(frozen=True)
class ModelsConfig:
    """Which models to backtest, and how the published one is chosen."""

    kinds: tuple[str, ...] = ("persistence", "logit", "gbm")
    select_by: str = "auroc"
    params: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluateConfig:
    """Rolling-origin backtest settings. ``origins`` empty = every origin with history."""

    origins: tuple[str, ...] = ()
    min_train_origins: int = 2
    k: int = 15
    n_boot: int = 200
    mu: float = 0.5
    subgroups: tuple[str, ...] = SUBGROUPS
    baselines: tuple[str, ...] = BASELINES
    # out-of-time recalibration: each origin's probabilities refitted (logistic, slope and
    # intercept) on the out-of-time predictions of earlier origins whose windows closed
    recalibrate: bool = False
    # the protocol (small data, honest claims): settings are chosen on selection_origins
    # only; held_out_origins are scored once for the chosen settings (empty = not used)
    selection_origins: tuple[str, ...] = ()
    held_out_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportConfig:
    """What the published list shows."""

    top_n: int = 20
    n_reasons: int = 3
    # risk bands of the published list (earlywarn.bands.build_evidence_bands): likelihood
    # from probability / base rate (medium, high at these ratios; high also needs the
    # interval's lower end above the base rate; the top evaluate.k at least medium), impact
    # from thirds of a consequence measure (children looked after per 10,000 children)
    likelihood_ratios: tuple[float, ...] = (1.0, 1.5)
    impact_measure: str = "cla_rate_per_10k"
    # legacy bands (earlywarn.bands.build_bands, not used by the published list):
    # likelihood from fixed probabilities, impact from criticality (1-3) and size
    likelihood_thresholds: tuple[float, ...] = (0.10, 0.25)
    service_criticality: int = 2
    size_measure: str = "net_revenue_expenditure_gbp_m"
    size_thresholds: tuple[float, ...] = (300.0, 700.0)
    # problem nature -> kinds of support offered (empty = earlywarn.bands.DEFAULT_SUPPORT)
    support: dict[str, Any] = field(default_factory=dict)
    # every export and MLflow artefact names councils only as "Council 001".. (by rank);
    # no mapping is written anywhere: rerun without it, on the secure machine, for names
    pseudonymise: bool = False
    # council-bootstrap interval of each published probability (earlywarn.intervals):
    # the chosen model refitted on interval_boot council-resampled training sets (0 = off)
    interval_boot: int = 20
    interval_level: float = 0.9


@dataclass(frozen=True)
class TrackingConfig:
    """MLflow tracking. Empty ``uri`` = ``$MLFLOW_TRACKING_URI`` or the project's SQLite file.

    ``registry_name``: the registered model the chosen model is published under (aliases
    ``champion`` / ``previous``); empty = the experiment name. ``log_outputs``: copy the
    named-council artefacts (risk list, reasons, report) into the tracking store; unset =
    yes for a local store, no for a remote server (``http(s)://``), where only pseudonymised
    or aggregate artefacts are logged. ``connect_timeout``: seconds to wait for a tracking
    server before the cycle stops (checked before any work).
    """

    uri: str = ""
    experiment: str = "earlywarn"
    registry_name: str = ""
    log_outputs: bool | None = None
    # seconds a cycle waits for a tracking server to accept a connection before it stops
    connect_timeout: float = 10.0


@dataclass(frozen=True)
class ComputeConfig:
    """Where a cycle's independent tasks run (:mod:`earlywarn.compute`): ``n_jobs`` local
    processes (``backend = "loky"``), or a dask cluster (``backend = "dask"``) at
    ``scheduler`` (empty = a ``LocalCluster`` of ``n_jobs`` workers on loopback).
    Results are identical to a serial run."""

    n_jobs: int = 1
    backend: str = "loky"
    scheduler: str = ""
    connect_timeout: float = 10.0


@dataclass(frozen=True)
class CycleConfig:
    """One cycle: data, features, labels, models, evaluation and report."""

    cycle: str
    as_of: str
    horizon: str = "24M"
    seed: int = 0
    data: DataConfig = field(default_factory=DataConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    labels: LabelsConfig = field(default_factory=LabelsConfig)
    models: ModelsConfig = field(default_factory=ModelsConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    path: str = ""

    @property
    def horizon_months(self) -> int:
        """The horizon in months."""
        return parse_horizon(self.horizon)

    @property
    def as_of_date(self) -> pd.Timestamp:
        """``as_of`` as a timestamp: nothing published after it is used."""
        return pd.Timestamp(self.as_of)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain data (for logging)."""

        def conv(obj: Any) -> Any:
            if is_dataclass(obj):
                return {f.name: conv(getattr(obj, f.name)) for f in fields(obj)}
            if isinstance(obj, tuple):
                return [conv(v) for v in obj]
            if isinstance(obj, dict):
                return {k: conv(v) for k, v in obj.items()}
            return obj

        return conv(self)


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


def _build(cls: type, raw: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)} - {"path"}
    unknown = sorted(set(raw) - known)
    if unknown:
        table = f" in [{where}]" if where else ""
        raise UserInputError(
            f"unknown key {unknown[0]!r}{table} (expected one of {', '.join(sorted(known))})"
        )
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        hint = hints[name]
        key = f"{where}.{name}" if where else name
        if is_dataclass(hint):
            if not isinstance(value, dict):
                raise UserInputError(f"{key}: expected a table [{name}]")
            kwargs[name] = _build(hint, value, key)
            continue
        kwargs[name] = _coerce(hint, value, key)
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, key: str) -> Any:
    origin = getattr(hint, "__origin__", None)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserInputError(f"{key}: {value!r} is not an integer")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise UserInputError(f"{key}: {value!r} is not a string")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserInputError(f"{key}: {value!r} is not a number")
        return float(value)
    if origin is tuple and hint.__args__[0] is float:
        ok = isinstance(value, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        )
        if not ok:
            raise UserInputError(f"{key}: expected a list of numbers, got {value!r}")
        return tuple(float(v) for v in value)
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UserInputError(f"{key}: expected a list of strings, got {value!r}")
        return tuple(value)
    if origin is dict:
        if not isinstance(value, dict):
            raise UserInputError(f"{key}: expected a table")
        return value
    return value


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


def _check(cfg: CycleConfig, where: str) -> None:
    _check_compute(cfg.compute, where)
    _check_ordinal(cfg, where)
    try:
        parse_horizon(cfg.horizon)
    except UserInputError as err:
        raise UserInputError(f"{where}: {err}") from None
    for key, value in (
        ("as_of", cfg.as_of),
        *(("evaluate.origins", o) for o in cfg.evaluate.origins),
    ):
        if not _is_iso_date(value):
            raise UserInputError(f"{where}: {key} {value!r} is not a date (expected YYYY-MM-DD)")
    if cfg.data.source not in ("synthetic", "files", "bundled:real"):
        raise UserInputError(
            f"{where}: data.source {cfg.data.source!r} is unknown (expected 'synthetic', "
            "'files' or 'bundled:real')"
        )
    for kind in cfg.models.kinds:
        if kind not in MODEL_KINDS:
            raise UserInputError(
                f"{where}: models.kinds names an unknown model {kind!r} "
                f"(expected one of {', '.join(MODEL_KINDS)})"
            )
    if not cfg.models.kinds:
        raise UserInputError(f"{where}: models.kinds is empty (name at least one model)")
    for fam in cfg.features.families:
        if fam not in FAMILIES:
            raise UserInputError(
                f"{where}: features.families names an unknown family {fam!r} "
                f"(expected some of {', '.join(FAMILIES)})"
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
    if cfg.models.select_by not in ("auroc", "average_precision", "brier"):
        raise UserInputError(
            f"{where}: models.select_by {cfg.models.select_by!r} is unknown "
            "(expected auroc, average_precision or brier)"
        )
    _check_numbers(cfg, where)
    _check_bands(cfg.report, where)
    _check_protocol(cfg, where)


def _check_protocol(cfg: CycleConfig, where: str) -> None:
    """labels.frameworks, evaluate.recalibrate and the selection / held-out origins."""
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
    for key in ("selection_origins", "held_out_origins"):
        for value in getattr(ev, key):
            try:
                dates.setdefault(key, []).append(pd.Timestamp(value))
            except (ValueError, TypeError):
                raise UserInputError(
                    f"{where}: evaluate.{key} {value!r} is not a date (expected YYYY-MM-DD)"
                ) from None
    sel, held = dates.get("selection_origins", []), dates.get("held_out_origins", [])
    if held and not sel:
        raise UserInputError(
            f"{where}: evaluate.held_out_origins is set but evaluate.selection_origins is "
            "empty (settings must be chosen on selection origins first)"
        )
    if sel and held and max(sel) >= min(held):
        raise UserInputError(
            f"{where}: evaluate.held_out_origins must all come after every selection origin "
            f"({min(held).date()} is not after {max(sel).date()})"
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


def parse_config(raw: dict[str, Any], where: str = "config", path: str = "") -> CycleConfig:
    """Build a :class:`CycleConfig` from parsed TOML, rejecting unknown keys."""
    for required in ("cycle", "as_of"):
        if required not in raw:
            raise UserInputError(f"{where}: missing key {required!r}")
    try:
        cfg = _build(CycleConfig, raw, "")
    except UserInputError as err:
        raise UserInputError(f"{where}: {err}") from None
    cfg = CycleConfig(**{**{f.name: getattr(cfg, f.name) for f in fields(cfg)}, "path": path})
    _check(cfg, where)
    return cfg


def load_config(path: str | Path) -> CycleConfig:
    """Read and check a cycle config TOML file."""
    p = Path(path).expanduser().resolve()  # messages name the resolved path
    if not p.is_file():
        raise UserInputError(f"{p}: config file not found")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise UserInputError(f"{p}: not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise UserInputError(f"{p}: not UTF-8 text (expected a TOML file)") from None
    return parse_config(raw, where=str(p), path=str(p))

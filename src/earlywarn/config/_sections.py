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

import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

import pandas as pd

from earlywarn._names import (
    BASELINES,
    FAMILIES,
    SUBGROUPS,
)
from earlywarn.config._checks import check_config, parse_horizon
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
    rounded to about seven significant digits). A feature a configured model would use
    must be observed for at least ``min_coverage`` of the training rows and of the councils
    scored (0, the default, turns the rule off; the real configs set 0.5); otherwise the
    cycle stops (``uncovered = "fail"``) or leaves it out and says so (``"drop"``): see
    :mod:`earlywarn.features` (coverage).
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
    min_coverage: float = 0.0  # 0 = off; the real configs set 0.5
    uncovered: str = "fail"


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
    timing: str = "features"  # P(inspected): "features" or "hazard" (earlywarn.models)


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
    # the training start: the first origin the cycle trains, tests or scores on (empty =
    # every origin with two years of history); features are still built from all the
    # history before it (a 3-year change at the first origin is observed). Moved later so
    # that a feature's source covers every training origin (features.min_coverage)
    first_origin: str = ""
    k: int = 15
    n_boot: int = 200
    mu: float = 0.5
    subgroups: tuple[str, ...] = SUBGROUPS
    baselines: tuple[str, ...] = BASELINES
    # out-of-time recalibration: each origin's probabilities refitted (logistic, slope and
    # intercept) on the out-of-time predictions of earlier origins whose windows closed
    recalibrate: bool = False
    # the protocol (small data, honest claims; earlywarn.backtest): every choice is made on
    # validation_origins (old key: selection_origins); seen_origins (old key:
    # held_out_origins) are scored after the choice but were already looked at, so they are
    # "validation (seen)", never confirmatory; the confirmatory origins are named only by the
    # pre-registration file (PREREGISTRATION.md, relative to the config), scored for its
    # settings hash only and logged beside it (empty = no origin is confirmatory)
    validation_origins: tuple[str, ...] = ()
    seen_origins: tuple[str, ...] = ()
    preregistration: str = ""
    # origins confirmatory under another protocol (e.g. a script's pre-registration, as
    # experiments/real-2025/cycle-finance.toml's 2023 and 2024): this cycle never scores them,
    # so none may be in origins, validation_origins or seen_origins, and those may not be
    # left empty (every closed origin would be scored); training on them is not scoring
    reserved_origins: tuple[str, ...] = ()

    @property
    def selection_origins(self) -> tuple[str, ...]:
        """The old name of :attr:`validation_origins` (read-only)."""
        return self.validation_origins

    @property
    def held_out_origins(self) -> tuple[str, ...]:
        """The old name of :attr:`seen_origins` (read-only)."""
        return self.seen_origins


@dataclass(frozen=True)
class ReportConfig:
    """What the published list shows."""

    top_n: int = 20
    n_reasons: int = 3
    # risk bands of the published list (earlywarn.report.build_evidence_bands): likelihood
    # from probability / base rate (medium, high at these ratios; high also needs the
    # interval's lower end above the base rate; the top evaluate.k at least medium), impact
    # from thirds of a consequence measure (children looked after per 10,000 children)
    likelihood_ratios: tuple[float, ...] = (1.0, 1.5)
    impact_measure: str = "cla_rate_per_10k"
    # legacy bands (earlywarn.report.build_bands, not used by the published list):
    # likelihood from fixed probabilities, impact from criticality (1-3) and size
    likelihood_thresholds: tuple[float, ...] = (0.10, 0.25)
    service_criticality: int = 2
    size_measure: str = "net_revenue_expenditure_gbp_m"
    size_thresholds: tuple[float, ...] = (300.0, 700.0)
    # problem nature -> kinds of support offered (empty = earlywarn.report.DEFAULT_SUPPORT)
    support: dict[str, Any] = field(default_factory=dict)
    # every export and MLflow artefact names councils only as "Council 001".. (by rank);
    # no mapping is written anywhere: rerun without it, on the secure machine, for names
    pseudonymise: bool = False
    # council-bootstrap interval of each published probability (earlywarn.evaluation):
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


#: old [evaluate] key -> its new name (the old one is still read)
RENAMED_KEYS = {"selection_origins": "validation_origins", "held_out_origins": "seen_origins"}


def _renamed(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """``raw`` with the old [evaluate] keys under their new names (both set = a mistake)."""
    ev = raw.get("evaluate")
    if not isinstance(ev, dict) or not set(ev) & set(RENAMED_KEYS):
        return raw
    ev = dict(ev)
    for old, new in RENAMED_KEYS.items():
        if old in ev:
            if new in ev:
                raise UserInputError(
                    f"{where}: evaluate.{old} and evaluate.{new} are both set ({old} is the "
                    f"old name of {new}; keep {new})"
                )
            ev[new] = ev.pop(old)
    return {**raw, "evaluate": ev}


def parse_config(raw: dict[str, Any], where: str = "config", path: str = "") -> CycleConfig:
    """Build a :class:`CycleConfig` from parsed TOML, rejecting unknown keys (the old
    [evaluate] keys of :data:`RENAMED_KEYS` are read under their new names)."""
    for required in ("cycle", "as_of"):
        if required not in raw:
            raise UserInputError(f"{where}: missing key {required!r}")
    raw = _renamed(raw, where)
    try:
        cfg = _build(CycleConfig, raw, "")
    except UserInputError as err:
        raise UserInputError(f"{where}: {err}") from None
    cfg = CycleConfig(**{**{f.name: getattr(cfg, f.name) for f in fields(cfg)}, "path": path})
    check_config(cfg, where)
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

"""A cycle's inputs: ``cfg.data`` -> the core tables, the true risk where known (synthetic
data) and the input hashes; and the optional tables ``[features]`` names (soft notes,
statistical neighbours). Read once, by :func:`earlywarn.cycle.prepare`."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd

from earlywarn import io
from earlywarn.config import CycleConfig
from earlywarn.errors import UserInputError
from earlywarn.schema import Tables, validate_tables

__all__ = ["CycleInputs", "load_cycle_data", "load_feature_inputs"]


class CycleInputs(NamedTuple):
    """What a cycle reads (the hand-off from inputs to prepare): the core tables, the true
    risk where known (synthetic data; ``None`` for real data) and the input files' hashes."""

    tables: Tables
    true_risk: pd.DataFrame | None
    hashes: dict[str, str]


def load_cycle_data(cfg: CycleConfig) -> CycleInputs:
    """The core tables for a cycle, the true risk where known, and input hashes.

    ``data.source`` picks the tables (synthetic, CSV files or the bundled real panel);
    ``data.satisfaction`` / ``data.leadership``, when given, are appended to them (see
    :mod:`earlywarn.sources.optional`). Real data has no true risk (``None``).
    """
    tables, true_risk, hashes = _load_source(cfg)
    d = cfg.data
    if not (d.satisfaction or d.leadership):
        return CycleInputs(tables, true_risk, hashes)
    from earlywarn.sources.optional import load_leadership, load_satisfaction

    base = Path(cfg.path).parent if cfg.path else Path.cwd()
    obs, events = tables.observations, tables.events
    if d.satisfaction:
        p = (base / d.satisfaction).resolve()
        obs = pd.concat([obs, load_satisfaction(p, tables.councils)], ignore_index=True)
        hashes["satisfaction_sha256"] = io.file_sha256(p)
    if d.leadership:
        p = (base / d.leadership).resolve()
        events = pd.concat([events, load_leadership(p, tables.councils)], ignore_index=True)
        hashes["leadership_sha256"] = io.file_sha256(p)
    return CycleInputs(Tables(tables.councils, obs, events, tables.sources), true_risk, hashes)


def _load_source(cfg: CycleConfig) -> tuple[Tables, pd.DataFrame | None, dict[str, str]]:
    d = cfg.data
    if d.source == "bundled:real":
        from earlywarn.sources.bundle import load_real_tables

        base = Path(cfg.path).parent if cfg.path else Path.cwd()
        folder = (base / d.real_dir).resolve() if d.real_dir else None
        tables = load_real_tables(folder)
        if folder:
            where = f"real panel rebuilt in {folder}"
        else:
            from earlywarn.sources.bundle import real_bundle_info

            vintage = real_bundle_info()["build_report"].get("coverage_date", "unknown")
            where = f"bundled:real (public data as of {vintage})"
        hashes = {
            "bundled": where,
            **{
                f"{n}_sha256": io.frame_sha256(getattr(tables, n))
                for n in ("councils", "observations", "events")
            },
        }
        return tables, None, hashes
    if d.source == "synthetic":
        from earlywarn.synthetic import make_synthetic_councils

        data = make_synthetic_councils(
            n_councils=d.n_councils,
            start_year=d.start_year,
            end_year=d.end_year,
            seed=cfg.seed,
            horizon_months=cfg.horizon_months,
        )
        tables = validate_tables(data.tables)
        hashes = {
            "synthetic": f"make_synthetic_councils(n_councils={d.n_councils}, start_year="
            f"{d.start_year}, end_year={d.end_year}, seed={cfg.seed})",
            **{
                f"{n}_sha256": io.frame_sha256(getattr(tables, n))
                for n in ("councils", "observations", "events")
            },
        }
        return tables, data.true_risk, hashes
    base = Path(cfg.path).parent if cfg.path else Path.cwd()
    paths = {}
    for name in ("councils", "observations", "events"):
        value = getattr(d, name)
        if not value:
            raise UserInputError(
                f"{cfg.path or 'config'}: data.{name} is required when data.source = 'files'"
            )
        paths[name] = (base / value).resolve()
    tables = io.read_tables(paths["councils"], paths["observations"], paths["events"])
    hashes = {f"{n}_sha256": io.file_sha256(p) for n, p in paths.items()}
    return tables, None, hashes


def load_feature_inputs(
    cfg: CycleConfig, tables: Tables
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, dict[str, str]]:
    """The optional soft-notes and statistical-neighbours tables named in ``[features]``."""
    base = Path(cfg.path).parent if cfg.path else Path.cwd()
    notes = neighbours = None
    hashes: dict[str, str] = {}
    if cfg.features.soft_notes:
        p = (base / cfg.features.soft_notes).resolve()
        notes = io.read_soft_notes(p, tables.councils)
        hashes["soft_notes_sha256"] = io.file_sha256(p)
    if cfg.features.neighbours:
        p = (base / cfg.features.neighbours).resolve()
        neighbours = io.read_neighbours(p, tables.councils)
        hashes["neighbours_sha256"] = io.file_sha256(p)
    return notes, neighbours, hashes

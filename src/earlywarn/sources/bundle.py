"""The bundled real panel: build it from the raw files, load it from the package.

``earlywarn data build --raw PATH`` runs :func:`earlywarn.sources.load_raw_tables` on the
staged public files and writes, into ``src/earlywarn/data/real/`` (or ``--out``):

- ``councils.parquet``, ``observations.parquet``, ``events.parquet`` - the core tables
  (schema columns plus the loaders' extras: ``source``, ``carried_from``,
  ``history_carried``, inspection framework and sub-judgements ...);
- ``statistical_neighbours.csv`` - DfE's April 2021 statistical neighbours as
  ``council_code, neighbour_code, rank, closeness`` (the peers for the features);
- ``provenance.json`` and ``PROVENANCE.md`` - every source with its publisher, the
  repository copy (``repo@commit``), licences, OGL v3 attribution lines, and the SHA-256
  of each raw file read;
- ``build_report.json`` - the loaders' counts, skipped rows, unmatched names/codes and
  council coverage per origin;
- ``DATA_DICTIONARY.md`` - every table, column and measure.

:func:`load_real_tables` reads the bundled tables through :mod:`importlib.resources`: no
network and no path outside the installed package.

Example
-------
>>> from earlywarn import load_real_tables
>>> tables = load_real_tables()  # doctest: +SKIP
>>> sorted(tables.events["framework"].dropna().unique())[:2]  # doctest: +SKIP
['CPI', 'ILACS']
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from earlywarn.io import spreadsheet_csv
from earlywarn.schema import Tables
from earlywarn.sources.provenance import MEASURE_DOCS, OGL, PROVENANCE

__all__ = [
    "BUNDLE_FILES",
    "PROVENANCE",
    "build_bundle",
    "load_real_neighbours",
    "load_real_tables",
    "real_bundle_info",
]

BUNDLE_FILES = ("councils.parquet", "observations.parquet", "events.parquet")


def _doc(measure: str) -> tuple[str, str, str]:
    for prefix, doc in MEASURE_DOCS.items():
        if measure.startswith(prefix):
            if measure.endswith(("_per_10k", "_per_child")) and not measure.startswith("cla_"):
                per = "per 10,000 children" if measure.endswith("_10k") else "£ per child"
                return (
                    f"{doc[0]}, {per} aged 0-17 (the count over the latest ONS estimate "
                    "published by the count's date)",
                    doc[1],
                    doc[2],
                )
            return doc
    return ("(undocumented)", "", "")


def _provenance(report) -> dict:
    files = {}
    import hashlib

    for src in report.sources.values():
        for f in src.files:
            p = Path(f.split("#")[0])
            if p.is_file() and str(p) not in files:
                files[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    raw = Path(report.raw_dir)
    return {
        "vintage": "public on 31 March 2025 (see SOURCES.md of the raw folder)",
        "attribution": OGL,
        "sources": [
            {
                **{k: v for k, v in s.items() if k != "attribution_text"},
                "attribution": s.get("attribution_text") or f"{OGL} Source: {s['publisher']}.",
            }
            for s in PROVENANCE
        ],
        "raw_files_sha256": {
            (str(Path(k).relative_to(raw)) if Path(k).is_relative_to(raw) else k): v
            for k, v in sorted(files.items())
        },
    }


def _provenance_md(prov: dict) -> str:
    lines = [
        "# Provenance of the bundled real panel",
        "",
        f"Vintage: {prov['vintage']}.",
        "",
        "The data are Crown copyright, published under the Open Government Licence v3.0.",
        "Repository licences below cover each repository's code and packaging, not the data.",
        "",
    ]
    for s in prov["sources"]:
        lines += [
            f"## {s['folder']}",
            f"- what: {s['what']}",
            f"- copy: `{s['repository']}` (repository licence: {s['repository_licence']}; "
            f"data licence: {s['data_licence']})",
            f'- attribution: "{s["attribution"]}"',
            "",
        ]
    lines += ["## Raw files read (SHA-256)", ""]
    lines += [f"- `{k}` {v}" for k, v in prov["raw_files_sha256"].items()]
    return "\n".join(lines) + "\n"


def _dictionary_md(tables: Tables) -> str:
    obs = tables.observations
    lines = [
        "# Data dictionary: the bundled real panel",
        "",
        "Keys: `council_code` is the ONS GSS code in force at the row's date; dates are days.",
        "A feature for origin t may use only observations with `published <= t`.",
        "",
        "## councils.parquet",
        "- council_code, council_name, council_type (county, unitary, metropolitan, London "
        "borough), region, valid_from / valid_to (reorganisations; blank = open), "
        "successor_code (`;`-separated), mysociety_code, dfe_number, ofsted_urn, ecode, "
        "former_codes, predecessor_codes, reorganisation (same_area, boundary_change, merger, "
        "split: how the council was formed).",
        "",
        "## observations.parquet (long)",
        "- council_code, period (end of the period described), measure, value, published "
        "(the date the value became public, by each source's documented lag), source "
        "(publication), carried_from (predecessor's code when a row was copied to a "
        "successor), history_carried (True for copies across a split, merger or boundary "
        "change: drop them to exclude carried history), revised (True for a value back-filled "
        "from the DfE LAIT snapshot of 25 March 2025: as revised then, not as first published, "
        "used only where no first edition in the raw folder gives it, dated by its period's "
        "usual first-print date; source dfe_lait).",
        "",
        "| measure | source | period | published | rows | councils | periods |",
        "|---|---|---|---|---|---|---|",
    ]
    for m, g in obs.groupby("measure", sort=True):
        src, per, pub = _doc(m)
        years = f"{g['period'].min().date()}..{g['period'].max().date()}"
        lines.append(
            f"| `{m}` | {src} | {per} | {pub} | {len(g)} | {g['council_code'].nunique()} | "
            f"{years} |"
        )
    ev = tables.events
    lines += [
        "",
        "## events.parquet",
        "- council_code, date (inspection: publication date of the report; s114: notice "
        "date; EFS: 1 April of the financial year), event_type (inspection, "
        "financial_notice, other_inspection, ofsted_visit), service (childrens_services; "
        "s114 / efs; "
        "send_area, send_revisit, youth_justice), severity (inspection: "
        "1 outstanding .. 4 inadequate on the common scale; notices: 1; send_area: 1 a "
        "written statement of action, else 0; send_revisit: 0 sufficient progress on all "
        "weaknesses, 1 some, 2 none; youth_justice: 1 outstanding .. 4 inadequate), "
        "leadership_change (from report text): service dcs / chief_executive, date = in post "
        "since, severity 1 permanent / 2 interim or acting, published = the report's "
        "publication date; "
        "send_weaknesses, report_improve_points, report_workforce_mentions, "
        "report_interim_leaders (counts read from the inspection report's text, on the "
        "inspection event), source, framework "
        "(SLAC, CPI, SIF, ILACS ...; ofsted_visit: focused visit / monitoring visit, dated "
        "by the letter's publication or, flagged published_estimated, its first day + 79 "
        "days; visit_theme as published), published, headline, inspection_start, la_name, "
        "grade_* (sub-judgements on the same scale), financial_year, amount_gbp_m, note, "
        "carried_from, history_carried.",
        "",
        "| event_type | framework/service | rows | first | last |",
        "|---|---|---|---|---|",
    ]
    key = ev["framework"].fillna(ev["service"]) if "framework" in ev else ev["service"]
    for (t, f), g in ev.groupby([ev["event_type"], key], sort=True):
        lines.append(
            f"| {t} | {f} | {len(g)} | {g['date'].min().date()} | {g['date'].max().date()} |"
        )
    return "\n".join(lines) + "\n"


def _relative(f: str, raw_dir: str) -> str:
    path, _, sheet = f.partition("#")
    p = Path(path)
    rel = str(p.relative_to(raw_dir)) if p.is_relative_to(raw_dir) else path
    return rel + (f"#{sheet}" if sheet else "")


def _relative_reason(entry: str, raw_dir: str) -> str:
    """'path.pdf: reason' with the path made relative to the raw folder."""
    path, sep, reason = entry.partition(".pdf: ")
    if not sep:
        return entry
    return _relative(path + ".pdf", raw_dir) + ": " + reason


def build_bundle(raw_dir: Path) -> tuple[dict[str, bytes], object]:
    """Build the bundle's files (name -> bytes) from the raw folder, and the build report.

    Rows are sorted and Parquet is written without an index, so the same raw files give
    the same tables.
    """
    import io as _io

    from earlywarn.sources import load_raw_tables
    from earlywarn.sources.crosswalk import build_crosswalk
    from earlywarn.sources.neighbours import load_statistical_neighbours

    tables, report = load_raw_tables(Path(raw_dir))
    nb, report.sources["statistical_neighbours"] = load_statistical_neighbours(
        Path(raw_dir), build_crosswalk(Path(raw_dir))
    )
    files: dict[str, bytes] = {"statistical_neighbours.csv": spreadsheet_csv(nb).encode()}
    frames = {
        "councils.parquet": tables.councils.sort_values("council_code"),
        "observations.parquet": tables.observations.sort_values(
            ["council_code", "measure", "period", "published", "source"], kind="stable"
        ),
        "events.parquet": tables.events.sort_values(
            ["council_code", "date", "event_type", "source"], kind="stable"
        ),
    }
    for name, df in frames.items():
        buf = _io.BytesIO()
        df = df.reset_index(drop=True)
        for col in df.columns:  # mixed None/str object columns -> pandas strings
            if df[col].dtype == object:
                df[col] = df[col].astype("string")
        df.to_parquet(buf, index=False, compression="zstd")
        files[name] = buf.getvalue()
    prov = _provenance(report)
    files["provenance.json"] = json.dumps(prov, indent=2, sort_keys=True).encode()
    files["PROVENANCE.md"] = _provenance_md(prov).encode()
    rep = report.to_dict()
    rep["raw_dir"] = Path(report.raw_dir).name
    for src in rep["sources"].values():
        src["files"] = [_relative(f, report.raw_dir) for f in src["files"]]
        src["unreadable"] = [_relative_reason(f, report.raw_dir) for f in src["unreadable"]]
    rep["unreadable"] = {
        k: [_relative_reason(f, report.raw_dir) for f in v] for k, v in rep["unreadable"].items()
    }
    files["build_report.json"] = json.dumps(rep, indent=2, sort_keys=True, default=str).encode()
    files["DATA_DICTIONARY.md"] = _dictionary_md(tables).encode()
    return files, report


def _resource(name: str):
    from importlib.resources import files

    return files("earlywarn").joinpath("data", "real", name)


def real_bundle_info() -> dict:
    """The bundled panel's provenance and build report (plain data)."""
    return {
        "provenance": json.loads(_resource("provenance.json").read_text(encoding="utf-8")),
        "build_report": json.loads(_resource("build_report.json").read_text(encoding="utf-8")),
    }


def load_real_neighbours() -> pd.DataFrame:
    """The bundled DfE statistical neighbours: ``council_code, neighbour_code, rank,
    closeness`` (April 2021 model; abolished councils' older sets included)."""
    with _resource("statistical_neighbours.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype={"council_code": str, "neighbour_code": str})


def load_real_tables(folder: str | Path | None = None) -> Tables:
    """Load the bundled real panel (public OGL data as of 31 March 2023).

    ``folder``: a panel rebuilt by ``earlywarn data build --out FOLDER`` instead of the
    one bundled with the package.

    Returns
    -------
    earlywarn.schema.Tables
        ``councils``, ``observations`` and ``events`` with typed columns (the schema's
        plus the loaders' extras; see ``DATA_DICTIONARY.md``), and ``sources`` naming the
        bundled files.

    Raises
    ------
    earlywarn.errors.UserInputError
        When the package was installed without its data (rebuild with
        ``earlywarn data build --raw PATH``).
    """
    from earlywarn.errors import UserInputError
    from earlywarn.schema import validate_councils, validate_events, validate_observations

    frames, where = {}, {}
    if folder and not Path(folder).is_dir():
        raise UserInputError(
            f"{Path(folder).resolve()}: not a folder (data.real_dir: expected a folder written "
            "by `earlywarn data build`)"
        )
    for name in BUNDLE_FILES:
        res = Path(folder).resolve() / name if folder else _resource(name)
        if folder and not res.is_file():
            raise UserInputError(
                f"{res}: file not found (expected a folder written by `earlywarn data build`)"
            )
        if not res.is_file():
            raise UserInputError(
                f"earlywarn/data/real/{name}: not installed with the package (rebuild it with "
                "`earlywarn data build --raw PATH`)"
            )
        shown = str(res) if folder else f"earlywarn/data/real/{name}"
        try:
            with res.open("rb") as fh:
                df = pd.read_parquet(fh)
        except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
            first = (str(err).splitlines() or [type(err).__name__])[0]
            raise UserInputError(
                f"{shown}: not a readable Parquet file ({first}; rebuild the folder with "
                "`earlywarn data build --raw PATH`)"
            ) from None
        where[name.split(".")[0]] = shown
        for col in df.columns:
            if isinstance(df[col].dtype, pd.StringDtype):
                df[col] = df[col].astype(object).where(df[col].notna(), None)
        frames[name.split(".")[0]] = df
    councils = validate_councils(frames["councils"], where["councils"])
    obs = frames["observations"]
    v_obs = validate_observations(obs, where["observations"], councils)
    obs = pd.concat([v_obs, obs.drop(columns=v_obs.columns)], axis=1)
    events = validate_events(frames["events"], where["events"], councils)
    sources = {
        n.split(".")[0]: str(Path(folder).resolve() / n) if folder else f"bundled:real/{n}"
        for n in BUNDLE_FILES
    }
    return Tables(councils, obs, events, sources)

"""Export stamping: every file a cycle or ``score`` publishes carries the confidentiality
banner, the cycle, the data vintage and the model's identity; CSVs are safe to open in a
spreadsheet; the saved out-of-time predictions and the publications table's record."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn import io
from earlywarn._json import to_jsonable as _jsonable

__all__ = [
    "confidential_banner",
    "csv_header",
    "export_json",
    "model_fingerprint",
    "model_identity",
    "publication_record",
    "published_view",
    "reasons_json",
    "risk_list_csv",
    "saved_predictions",
]


def confidential_banner() -> str:
    from earlywarn.report import CONFIDENTIAL

    return CONFIDENTIAL


def publication_record(kind: str, run_info: dict, csv_text: str, out: Path) -> dict:
    """What the publications table records: which model version made which list, when."""
    import hashlib

    reg = run_info.get("registered_model") or {}
    return {
        "kind": kind,
        "cycle": run_info["cycle"],
        "score_origin": run_info["score_origin"],
        "registered_model": reg.get("name", ""),
        "model_version": reg.get("version", ""),
        "model_run_id": run_info["model_run_id"],
        "list_sha256": hashlib.sha256(csv_text.encode()).hexdigest(),
        "out_dir": str(Path(out).resolve()),
    }


def model_fingerprint(run_info: dict, versions: dict) -> str:
    """A deterministic identity of the published model: what went into it, not when.

    The SHA-256 (first 16 hex digits) of the config, the input hashes, the code commit and
    the package versions. The byte-identical exports (``risk_list.csv``, ``reasons.json``)
    carry it instead of the MLflow run id, which changes at every run; ``run.json``, the
    report and the MLflow publications table link it to the run.
    """
    import hashlib

    payload = {
        k: run_info.get(k)
        for k in ("cycle", "as_of", "horizon", "score_origin", "model", "inputs", "git_commit")
    }
    config = dict(run_info.get("config", {}))
    config.pop("path", None)
    config.pop("compute", None)  # where the tasks ran changes no result (tests check it)
    payload |= {"config": config, "versions": versions}
    text = json.dumps(_jsonable(payload), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def model_identity(run_info: dict) -> str:
    if run_info.get("model_fingerprint"):
        return f"fingerprint {run_info['model_fingerprint']}; MLflow run in run.json"
    return f"MLflow run {run_info.get('model_run_id', 'unknown')}"


def saved_predictions(
    ev_run: Any,
    risk_list: pd.DataFrame,
    pseudonymise: bool,
    suffix: str = "",
    stamp: dict | None = None,
) -> dict:
    """``backtest_predictions.parquet`` and ``backtest_failures.parquet`` (the failure
    dates of the lead times) as bytes: evaluation.json can be recomputed from these two
    (:func:`earlywarn.evaluation.evaluation_from_predictions`). With ``pseudonymise``,
    council codes become the list's pseudonyms (others ``Council xNNN``)."""
    from io import BytesIO

    from earlywarn.evaluation import PREDICTIONS_FILE

    long, fails = ev_run.long, ev_run.failures
    if pseudonymise:
        from earlywarn.report._pseudonymise import pseudonymise_index, pseudonyms

        mapping = pseudonyms(risk_list)
        codes = pd.Index(pd.unique(pd.concat([long["council_code"], fails["council_code"]])))
        full = pseudonymise_index(pd.Series(codes, index=codes), mapping).index
        rename = dict(zip(codes, full, strict=True))
        long = long.assign(council_code=long["council_code"].map(rename))
        fails = fails.assign(council_code=fails["council_code"].map(rename))
    out = {}
    import pyarrow as pa
    import pyarrow.parquet as pq

    for name, frame in ((PREDICTIONS_FILE, long), ("backtest_failures.parquet", fails)):
        buf = BytesIO()
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = {**(table.schema.metadata or {})}
        meta.update({f"earlywarn.{k}".encode(): str(v).encode() for k, v in (stamp or {}).items()})
        pq.write_table(table.replace_schema_metadata(meta), buf)
        out[name.replace(".parquet", f"{suffix}.parquet")] = buf.getvalue()
    return out


def published_view(
    risk_list: pd.DataFrame,
    expl: Any,
    history: pd.DataFrame,
    peers: pd.DataFrame,
    pseudonymise: bool,
) -> tuple[pd.DataFrame, Any, pd.DataFrame, pd.DataFrame]:
    """The list, explanation and histories as exported: as they are, or pseudonymised."""
    if not pseudonymise:
        return risk_list, expl, history, peers
    from earlywarn.report._pseudonymise import (
        pseudonymise_explanation,
        pseudonymise_index,
        pseudonymise_risk_list,
        pseudonyms,
    )

    mapping = pseudonyms(risk_list)
    return (
        pseudonymise_risk_list(risk_list, mapping),
        pseudonymise_explanation(expl, mapping),
        pseudonymise_index(history, mapping),
        pseudonymise_index(peers, mapping),
    )


def csv_header(run_info: dict) -> str:
    """The two comment lines every exported CSV starts with: banner, then (SYNTHETIC for
    made-up councils,) cycle, vintage and model identity."""
    synthetic = "SYNTHETIC: made-up councils, not real ones; " if run_info.get("synthetic") else ""
    return (
        f"# {confidential_banner()}\n# {synthetic}cycle {run_info['cycle']}; data as of "
        f"{run_info['as_of']}; model {run_info['model']} ({model_identity(run_info)})\n"
    )


def export_json(obj: dict, run_info: dict) -> str:
    """A JSON export with the banner, cycle, data vintage and model identity on top."""
    stamp = {
        "confidential": confidential_banner(),
        "cycle": run_info["cycle"],
        "as_of": run_info["as_of"],
        "model_identity": model_identity(run_info),
        **({"synthetic": True} if run_info.get("synthetic") else {}),
    }
    return json.dumps(_jsonable({**obj, **stamp}), indent=2, sort_keys=True)


def risk_list_csv(risk_list: pd.DataFrame, run_info: dict) -> str:
    header = csv_header(run_info)
    body = io.spreadsheet_csv(risk_list, quoting=csv.QUOTE_NONNUMERIC)
    return header + body


def reasons_json(expl, run_info: dict) -> str:
    from earlywarn.report import CONFIDENTIAL

    obj = {
        "confidential": CONFIDENTIAL,
        "cycle": run_info["cycle"],
        "as_of": run_info["as_of"],
        "model": run_info["model"],
        "model_identity": model_identity(run_info),
        **({"synthetic": True} if run_info.get("synthetic") else {}),
        "base_value_log_odds": expl.base_value,
        "reasons": expl.reasons.round(6).to_dict(orient="records"),
        "by_family": expl.by_family.round(6).to_dict(orient="index"),
        "by_nature": expl.by_nature.round(6).to_dict(orient="index"),
        "main_nature": {} if expl.main_nature is None else expl.main_nature.to_dict(),
        "grouping_rule": "sums of SHAP values (log-odds) over each family / problem nature",
        "explainer": getattr(expl, "method", ""),
    }
    return json.dumps(_jsonable(obj), indent=2, sort_keys=True)

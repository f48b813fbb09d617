"""One council's risk and reasons: from the latest published list of the experiment
(:func:`explain_published`, seconds), or re-scored with a registered model
(:func:`explain_council`, for ``--model`` and the notebooks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from earlywarn import io
from earlywarn.config import CycleConfig
from earlywarn.cycle._inputs import CycleInputs
from earlywarn.cycle._registered import load_registered
from earlywarn.errors import UserInputError
from earlywarn.schema import Tables
from earlywarn.tracking import is_store_error

__all__ = ["CouncilReasons", "explain_council", "explain_published", "resolve_council"]


@dataclass
class _Scored:
    """The latest origin scored and explained by a registered model (``explain --model``)."""

    uri: str
    version: dict[str, Any]
    tables: Tables
    hashes: dict[str, str]
    panel: pd.DataFrame
    features: Any  # FeatureSet
    score_origin: pd.Timestamp
    explanation: Any  # earlywarn.explain.Explanation
    risk_list: pd.DataFrame


def _score_latest(
    cfg: CycleConfig,
    model_uri: str,
    tracking_uri: str | None,
    data: CycleInputs | None,
) -> _Scored:
    """Score and explain the latest origin with the registered model (for ``explain``);
    the risk list is not pseudonymised."""
    from earlywarn.cycle._cycle import score_and_explain
    from earlywarn.cycle._publication import gate_of
    from earlywarn.cycle._score import _model_cycle
    from earlywarn.report import build_banded_risk_list

    ld = load_registered(cfg, model_uri, tracking_uri, data)
    pr = ld.prep
    _, evaluation = _model_cycle(ld.uri, ld.version["run_id"], cfg)
    scored = score_and_explain(cfg, pr, ld.model, ld.X, *ld.training(cfg), ld.recalibration)
    risk_list = build_banded_risk_list(
        scored.scores,
        scored.explanation,
        pr.tables.observations,
        pr.score_origin,
        cfg.report,
        base_rate=scored.base_rate,
        top_k=cfg.evaluate.k,
        events=pr.tables.events,
        notice_years=cfg.features.notice_years,
        gate=gate_of(evaluation),  # the same probability gate as the published list
        finance="financial_failure" in cfg.labels.events,
    )
    return _Scored(
        ld.uri,
        ld.version,
        pr.tables,
        pr.hashes,
        pr.panel,
        pr.features,
        pr.score_origin,
        scored.explanation,
        risk_list,
    )


@dataclass
class CouncilReasons:
    """One council's risk and reasons at the latest origin (:func:`explain_council`).

    CONFIDENTIAL: names a council. ``reasons`` is the council's rows of
    ``Explanation.reasons`` (``direction`` 'raises' or 'lowers', ``sentence``, ``shap``,
    ``value``, ``peer_median``, ``signal``, ...); ``by_nature`` / ``by_family`` its summed
    SHAP values; ``values`` its SHAP value per feature; ``history`` / ``peers`` its features
    and its peers' medians over the origins (for trend plots of a reason's ``signal``).
    """

    council_code: str
    council_name: str
    score_origin: pd.Timestamp
    model: str
    probability: float
    rank: int
    n_councils: int
    bands: dict[str, Any]
    reasons: pd.DataFrame
    by_family: pd.Series
    by_nature: pd.Series
    main_nature: str
    support: str
    values: pd.Series | None = None  # SHAP value (log-odds) per source feature
    history: pd.DataFrame | None = None  # the council's features over origins
    peers: pd.DataFrame | None = None  # its peers' medians over origins
    specs: dict[str, Any] | None = None  # feature metadata (FeatureSpec per feature)
    # the council-bootstrap interval published with this model's cycle list (if any)
    probability_lo: float | None = None
    probability_hi: float | None = None
    context_note: str = ""  # when context, not signals of decline, carries the risk
    probability_meaning: str = "Probability"
    england: pd.DataFrame | None = None  # England's median of each feature over origins
    tier_note: str = ""  # the tier's hit rate at past origins, in words
    adviser_notes: str = ""  # the advisers' notes shown beside the reasons

    def _interval(self) -> str:
        if self.probability_lo is None or self.probability_hi is None:
            return ""
        return f", interval {self.probability_lo:.1%} to {self.probability_hi:.1%}"

    def to_text(self) -> str:
        """The terminal view: banner, probability and band, reasons, nature, support."""
        from earlywarn.report import CONFIDENTIAL

        b = self.bands
        up = self.reasons[self.reasons["direction"] == "raises"]
        down = self.reasons[self.reasons["direction"] == "lowers"]
        lines = [
            CONFIDENTIAL,
            f"{self.council_name} ({self.council_code}), origin {self.score_origin.date()}; "
            f"model {self.model}",
            (
                f"{self.probability_meaning} {self.probability:.1%}{self._interval()} "
                if self.probability == self.probability
                else "No probability shown (not calibrated out of time) "
            )
            + f"(rank {self.rank} of {self.n_councils}); "
            f"likelihood {b['likelihood_band']}, impact {b['impact_band']} (matrix score "
            f"{b['risk_score']}): {b['risk_band']}",
            "Reasons raising the risk:",
            *(
                f"  {i}. {r.sentence} ({r.nature}, {r.shap:+.2f} log-odds)"
                for i, r in enumerate(up.itertuples(), 1)
            ),
        ]
        if up.empty:
            lines.append("  none: no signal of decline passes the reviewer's test")
        if self.tier_note:
            lines.insert(3, f"Tier: {self.tier_note}")
        if self.adviser_notes:
            lines.append(f"Advisers' notes: {self.adviser_notes}")
        if self.context_note:
            lines.append(f"Context: {self.context_note}")
        if not down.empty:
            r = next(down.itertuples())
            lines.append(f"Protective factor: {r.sentence} ({r.shap:+.2f} log-odds)")
        else:
            lines.append("Protective factor: none passes the test")
        natures = ", ".join(
            f"{n} {v:+.2f}" for n, v in self.by_nature.sort_values(ascending=False).items()
        )
        lines.append(
            f"Problem nature: {self.main_nature or 'no clear single nature'} (log-odds by "
            f"nature: {natures})"
        )
        lines.append(f"Support usually offered: {self.support or 'none listed'}")
        return "\n".join(lines)


def explain_council(
    cfg: CycleConfig,
    council: str,
    model_uri: str | None = None,
    tracking_uri: str | None = None,
    data: CycleInputs | None = None,
) -> CouncilReasons:
    """One council's reasons at the latest origin as of ``cfg.as_of``, from a registered model.

    The model (default ``models:/<registry name>@champion``, the registry name being
    ``tracking.registry_name`` or the experiment) is loaded, panel and features are rebuilt
    and scored as ``earlywarn score`` does (no retraining, nothing written); the band and
    support come from ``[report]`` as in the cycle.

    Raises
    ------
    UserInputError
        The council code is not scored at that origin, or the model is not found.
    """
    model_uri = model_uri or (
        f"models:/{cfg.tracking.registry_name or cfg.tracking.experiment}@champion"
    )
    sc = _score_latest(cfg, model_uri, tracking_uri, data)
    rl = sc.risk_list.set_index("council_code")
    code = resolve_council(council, rl, f"the councils scored at {sc.score_origin.date()}")
    expl = sc.explanation
    # the published list already carries the council's bands and support
    bands = rl.loc[code, ["likelihood_band", "impact_band", "risk_score", "risk_band"]]
    reasons = expl.reasons[expl.reasons["council_code"] == code].reset_index(drop=True)
    main = "" if expl.main_nature is None else str(expl.main_nature.get(code, ""))
    v = sc.version
    lo, hi = _published_interval(sc, cfg, code, float(rl.at[code, "probability"]))
    return CouncilReasons(
        council_code=code,
        council_name=str(rl.at[code, "council_name"]),
        score_origin=sc.score_origin,
        model=f"{v['name']} version {v['version']} ({model_uri})",
        probability=float(rl.at[code, "probability"]),
        rank=int(rl.at[code, "rank"]),
        n_councils=len(rl),
        bands=bands.to_dict(),
        reasons=reasons,
        by_family=expl.by_family.loc[code],
        by_nature=expl.by_nature.loc[code],
        main_nature=main,
        support=str(rl.at[code, "support_offered"]),
        values=expl.values.loc[code],
        history=sc.features.X.xs(code, level="council_code"),
        peers=sc.features.peer_median.xs(code, level="council_code"),
        specs=sc.features.specs,
        probability_lo=lo,
        probability_hi=hi,
        context_note=_text(rl.at[code, "context_note"]) if "context_note" in rl else "",
        tier_note=_text(rl.at[code, "tier_note"]) if "tier_note" in rl else "",
        adviser_notes=_text(rl.at[code, "adviser_notes"]) if "adviser_notes" in rl else "",
        probability_meaning=_meaning({}, cfg),
        england=sc.features.X.groupby(level="origin").median(),
    )


def explain_published(
    cfg: CycleConfig, council: str, tracking_uri: str | None = None
) -> CouncilReasons | None:
    """One council's reasons read from the latest published list of the config's experiment
    (no scoring: seconds, not minutes); ``None`` when nothing is published yet.

    ``council`` is a council code or name (any case); an unknown one is rejected at once
    with the closest codes and names (:func:`resolve_council`).
    """
    import os

    from earlywarn.cycle._preflight import check_existing_store
    from earlywarn.tracking import last_publications, resolve_tracking_uri

    # a terminal answer: no artefact download progress bars on stderr
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    uri = tracking_uri or resolve_tracking_uri(cfg.tracking.uri, io.runs_dir())
    check_existing_store(uri, cfg.tracking.connect_timeout)  # reading never creates a store
    pub = None
    for kind in ("cycle", "score"):
        try:
            pubs = last_publications(uri, cfg.tracking.experiment, n=1, kind=kind)
        except Exception as err:  # no publications table yet
            if not is_store_error(err):
                raise
            pubs = []
        if pubs and (pub is None or str(pubs[0]["published_at"]) > str(pub["published_at"])):
            pub = pubs[0]
    if pub is None:
        return None
    rl = io.read_list_text(pub["risk_list"]).set_index("council_code")
    code = resolve_council(council, rl, f"the list published at {pub['published_at']}")
    rj = _published_reasons(pub, uri)
    reasons = pd.DataFrame(rj.get("reasons", []))
    if len(reasons):
        reasons = reasons[reasons["council_code"] == code].reset_index(drop=True)
    else:  # a list with no reason at all (the real 2025 list): none to show, no crash
        reasons = pd.DataFrame(columns=["council_code", "direction", "sentence", "nature", "shap"])
    row = rl.loc[code]
    main = row.get("main_problem_nature", "")
    main = "" if not isinstance(main, str) or main == "no clear single nature" else main

    def series(key: str) -> pd.Series:
        return pd.Series(rj.get(key, {}).get(code, {}), dtype=float)

    def num(col: str) -> float | None:
        v = row.get(col)
        return None if v is None or v != v else float(v)

    return CouncilReasons(
        council_code=code,
        council_name=str(row["council_name"]),
        score_origin=pd.Timestamp(pub["score_origin"]),
        model=(
            f"{pub['registered_model']} version {pub['model_version']} "
            f"(published {pub['kind']} list of {pub['published_at']})"
        ),
        probability=_float(row["probability"]),
        rank=int(row["rank"]),
        n_councils=len(rl),
        bands={c: row.get(c) for c in _BAND_COLUMNS},
        reasons=reasons,
        by_family=series("by_family"),
        by_nature=series("by_nature"),
        main_nature=main,
        support=str(row.get("support_offered", "")),
        probability_lo=num("probability_lo"),
        probability_hi=num("probability_hi"),
        context_note=_text(row.get("context_note")),
        tier_note=_text(row.get("tier_note")),
        adviser_notes=_text(row.get("adviser_notes")),
        probability_meaning=_meaning(pub, cfg),
    )


def _float(v: Any) -> float:
    """A number of a published list, NaN when empty (a withheld probability)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _meaning(pub: dict, cfg: CycleConfig) -> str:
    from earlywarn.cycle._publication import probability_meaning

    return probability_meaning(cfg)


_BAND_COLUMNS = ["likelihood_band", "impact_band", "risk_score", "risk_band"]


def _published_reasons(pub: dict, uri: str) -> dict:
    """``reasons.json`` of a publication: from its output folder, else the tracking store."""
    from earlywarn.io import decode_text, read_reasons_json

    folder = Path(str(pub.get("out_dir", "")))
    path = folder / "reasons.json"
    if path.is_file():
        return read_reasons_json(decode_text(path.read_bytes(), str(path)), str(path))
    import mlflow

    mlflow.set_tracking_uri(uri)
    run = pub["model_run_id"] if pub["kind"] == "cycle" else pub["run_id"]
    where = f"runs:/{run}/reasons.json"
    try:
        text = mlflow.artifacts.load_text(where)
    except Exception as err:
        if not is_store_error(err):
            raise
        return {}
    return read_reasons_json(text, f"{where} (tracking store {uri})")


def resolve_council(council: str, rl: pd.DataFrame, where: str) -> str:
    """The council code for a code or a name (any case) in ``rl`` (indexed by code).

    Raises
    ------
    UserInputError
        Unknown: one line listing the closest codes and names (difflib).
    """
    import difflib

    text = council.strip()
    if text.upper() in rl.index:
        return text.upper()
    names: dict[str, str] = {}
    for c, n in rl["council_name"].items():
        key = str(n).casefold()
        if key in names and text.casefold() == key:  # two councils share the name
            same = rl["council_name"].astype(str).str.casefold() == key
            both = ", ".join(str(x) for x in rl.index[same])
            raise UserInputError(
                f"--council {council!r}: {both} share that name in {where} (give the code)"
            )
        names.setdefault(key, str(c))
    if text.casefold() in names:
        return names[text.casefold()]
    close_names = difflib.get_close_matches(text.casefold(), list(names), n=3, cutoff=0.6)
    close_codes = difflib.get_close_matches(text.upper(), list(rl.index), n=3, cutoff=0.7)
    hints = [f"{rl.at[names[n], 'council_name']} ({names[n]})" for n in close_names]
    hints += [f"{rl.at[c, 'council_name']} ({c})" for c in close_codes if c not in names.values()]
    near = f"; close matches: {', '.join(hints)}" if hints else ""
    raise UserInputError(
        f"--council {council!r}: no council with that code or name in {where} (codes are ONS "
        f"GSS codes, as in the council_code column of risk_list.csv){near}"
    )


def _published_interval(
    sc: _Scored, cfg: CycleConfig, code: str, probability: float
) -> tuple[float | None, float | None]:
    """The council's ``probability_lo/hi`` from the latest cycle list published in the
    tracking store, when that list came from this model version, for this origin, and gave
    this council the same probability (an interval needs the training data: explain does
    not refit). ``(None, None)`` otherwise."""
    from earlywarn.tracking import last_publications

    try:
        pubs = last_publications(sc.uri, cfg.tracking.experiment, n=1)
    except Exception as err:  # no publications table yet: no interval to show
        if not is_store_error(err):
            raise
        return None, None
    if not pubs:
        return None, None
    pub = pubs[0]
    same = (
        str(pub.get("model_version")) == str(sc.version["version"])
        and pub.get("registered_model") == sc.version["name"]
        and pub.get("score_origin") == str(sc.score_origin.date())
    )
    rl = io.read_list_text(pub["risk_list"]) if same else pd.DataFrame()
    if not {"council_code", "probability", "probability_lo", "probability_hi"} <= set(rl):
        return None, None
    row = rl[rl["council_code"] == code]
    if len(row) != 1 or abs(float(row["probability"].iloc[0]) - probability) > 1e-6:
        return None, None
    return float(row["probability_lo"].iloc[0]), float(row["probability_hi"].iloc[0])

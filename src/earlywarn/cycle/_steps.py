"""The tracked steps of :func:`earlywarn.cycle.run_cycle`, each a function of the config,
the prepared data and the tracker: the protocol's splits, the backtest and the choice of
the published kind, the published fit and its registration, and ``run.json``."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from earlywarn._names import LOWER_IS_BETTER, SELECT_BY
from earlywarn.backtest import Split, Training, rolling_origin_splits
from earlywarn.config import CycleConfig
from earlywarn.cycle._protocol import after_choice, protocol_words
from earlywarn.errors import UserInputError
from earlywarn.panel import closed_origins, earliest_known
from earlywarn.progress import step

__all__ = [
    "DATA_REACH_SLACK",
    "backtest_and_choose",
    "data_reach",
    "compute_context",
    "fit_and_register",
    "log_inputs",
    "protocol_splits",
    "published_recalibration_for",
    "run_info_for",
    "select_kind",
    "stamp_identity",
]


def select_kind(evaluation: dict, select_by: str, kinds: tuple[str, ...]) -> str:
    """The kind with the best ``select_by`` on the validation origins (``auroc`` means the
    within-origin AUROC, see ``_names.SELECT_BY``); ties keep the earlier-listed kind."""
    metric = SELECT_BY[select_by]
    best, best_v = kinds[-1], None
    for kind in kinds:
        v = evaluation["models"].get(kind, {}).get("pooled", {}).get(metric, {}).get("value")
        if v is None:
            continue
        better = best_v is None or (v < best_v if metric in LOWER_IS_BETTER else v > best_v)
        if better:
            best, best_v = kind, v
    return best


#: the label's events are published day by day, so the last one is seldom on the window's
#: last day: a confirmatory window may close at most this long after the label's last event
#: (real-2025: 13 days, the synthetic fixture: 33; an events file that stops a quarter
#: early, as the review feared, is refused). Observations never extend the data end.
DATA_REACH_SLACK = pd.Timedelta(days=45)


def data_reach(tables: Any, kinds: tuple[str, ...] = ("inadequate",)) -> pd.Timestamp:
    """The last date the *label's* data reach: the latest date or publication of the
    events the label of ``kinds`` reads (its failure events, and every inspection when a
    failure is found by inspection). Observations and other events do not count: a late
    observation says nothing about whether the label's events after it are in hand. NaT
    when the label reads no event."""
    from earlywarn.labels import failure_events, found_by_inspection

    ev = tables.events.reset_index(drop=True)
    read = ev.index.isin(failure_events(ev, tuple(kinds)).index)
    if any(found_by_inspection(k) for k in kinds):
        read |= (ev["event_type"] == "inspection").to_numpy()
    ev = ev[read]
    # an imprecise date counts by its earliest day (date_earliest): an event whose interval
    # straddles as_of is kept for the label (panel.restrict_to_as_of) but does not carry the
    # data past it
    exact = ev["date_earliest"].isna() if "date_earliest" in ev.columns else ev["date"].notna()
    dates = [ev.loc[exact, "date"].max(), earliest_known(ev).max()]
    known = [pd.Timestamp(d) for d in dates if pd.notna(d)]
    return max(known) if known else pd.NaT


def protocol_splits(
    cfg: CycleConfig,
    origins: list[pd.Timestamp],
    pre: Any = None,
    data_end: pd.Timestamp | None = None,
) -> tuple[list[Split], list[Split]]:
    """The validation splits and the after-choice splits (the protocol, earlywarn.backtest):
    every choice is made on the first; the second is scored once for the chosen settings,
    at the pre-registered confirmatory origins (``pre``, a checked
    :class:`~earlywarn.backtest.Preregistration`) or else at the seen origins. With
    ``data_end`` (:func:`data_reach`), a confirmatory origin whose window closes more than
    :data:`DATA_REACH_SLACK` after it is refused: its labels are not all in the data yet."""
    h, as_of, where = cfg.horizon_months, cfg.as_of_date, cfg.path or "config"
    closed = closed_origins(origins, as_of, h)
    ev = cfg.evaluate
    after = pre.confirmatory_origins if pre is not None else ev.seen_origins
    held_out = [pd.Timestamp(o) for o in after]
    if pre is not None and data_end is not None:
        for o in held_out:
            end = o + pd.DateOffset(months=h)
            if pd.isna(data_end) or end > data_end + DATA_REACH_SLACK:
                raise UserInputError(
                    f"{where}: confirmatory_origins of {pre.path} '{o.date()}': its {h}-month "
                    f"window closes on {end.date()}, but the label's events end on "
                    f"{'no date' if pd.isna(data_end) else data_end.date()} "
                    "(rebuild the panel from the files published after the window closed; "
                    "nothing was scored)"
                )
    test_origins = [pd.Timestamp(o) for o in ev.validation_origins] or [
        pd.Timestamp(o) for o in ev.origins
    ]
    test_origins = test_origins or closed
    named = {
        "validation_origins": ev.validation_origins,
        "seen_origins": ev.seen_origins,
        "origins": ev.origins,
    }
    if pre is not None:
        named[f"confirmatory_origins of {pre.path}"] = pre.confirmatory_origins
    for key, values in named.items():
        for o in (pd.Timestamp(v) for v in values):
            if o in closed:
                continue
            why = (
                f"its {h}-month window closes on {(o + pd.DateOffset(months=h)).date()}, "
                f"after as_of {as_of.date()}"
                if o in origins
                else f"the first origin with two years of data is {min(origins).date()}"
            )
            name = key if key.startswith("confirmatory") else f"evaluate.{key}"
            raise UserInputError(
                f"{where}: {name} '{o.date()}' is not an origin whose window closed "
                f"by as_of ({why})"
            )
    n_min = ev.min_train_origins
    splits = rolling_origin_splits(origins, test_origins, h, n_min)
    if not splits:
        raise UserInputError(
            f"{where}: no test origin has {n_min} closed training windows before it with "
            f"horizon {cfg.horizon} (add years of data, shorten the horizon or lower "
            "evaluate.min_train_origins)"
        )
    held = rolling_origin_splits(origins, held_out, h, n_min) if held_out else []
    return splits, held


def compute_context(cfg: CycleConfig) -> Any:
    """The context in which a cycle's independent tasks run (``[compute]``)."""
    from earlywarn.compute import compute_backend

    c = cfg.compute
    return compute_backend(c.backend, c.n_jobs, c.scheduler, c.connect_timeout)


def log_inputs(tracker: Any, cfg: CycleConfig, prep: Any) -> None:
    """The parent run's config, input hashes, package versions and panel shape."""
    from earlywarn.tracking import package_versions

    hashes, X = prep.hashes, prep.X
    tracker.log_params({"config": cfg.to_dict(), **{f"input.{k}": v for k, v in hashes.items()}})
    tracker.log_dict(cfg.to_dict(), "config.json")
    tracker.log_dict(package_versions(), "package_versions.json")
    tracker.log_input_tables(
        {**prep.tables.sources, **{k: v for k, v in hashes.items() if "_sha256" not in k}},
        hashes,
        f"published by {cfg.as_of_date.date()}",
    )
    tracker.log_params(
        {
            "panel.rows": len(X),
            "panel.features": X.shape[1],
            "panel.first_origin": str(min(prep.origins).date()),
            "panel.last_origin": str(prep.score_origin.date()),
        }
    )


def backtest_and_choose(
    cfg: CycleConfig,
    prep: Any,
    splits: list[Split],
    held_splits: list[Split],
    settings: Any,
    tracker: Any,
    timings: dict[str, float],
    pre: Any = None,
) -> tuple[Any, Any, dict[str, Any], pd.DataFrame, str]:
    """Backtest every model and baseline on the validation origins (both targets), choose
    the published kind there, then score the after-choice origins once for that choice:
    the confirmatory origins of ``pre`` (each scoring appended to its protocol log) or the
    seen origins (validation (seen)).

    Returns ``(run, after-choice run or None, evaluation, the models' kept rows, chosen)``.
    """
    from earlywarn.evaluation import evaluate_and_keep

    kinds, params = cfg.models.kinds, cfg.models.params
    evaluation: dict[str, Any] = {
        "k": cfg.evaluate.k,
        "test_origins": [str(s.test_origin.date()) for s in splits],
        "train_origins": {
            str(s.test_origin.date()): [str(o.date()) for o in s.train_origins] for s in splits
        },
    }
    step(f"backtest: {len(kinds)} models and the baselines over {len(splits)} test origins")
    t1 = time.perf_counter()
    args = (prep.X, prep.tables.events, prep.panel)
    rest = (settings, kinds, params, prep.true_risk, prep.features.specs)
    with compute_context(cfg):  # the splits run where [compute] says (earlywarn.compute)
        ev_run = evaluate_and_keep(*args, splits, *rest)
    evaluation.update(ev_run.evaluation)
    timings["backtest"] = time.perf_counter() - t1
    for kind in kinds:
        with tracker.run(f"backtest-{kind}", nested=True, tags={"earlywarn.model": kind}):
            tracker.log_params(
                {
                    "model": kind,
                    **params.get(kind, {}),
                    "censoring": cfg.labels.censoring,
                    "target": settings.target,
                }
            )
            pooled = evaluation["models"].get(kind, {}).get("pooled", {})
            tracker.log_metrics(
                {k: v.get("value") for k, v in pooled.items() if isinstance(v, dict)},
                prefix="pooled_",
            )
    rows = ev_run.predictions
    kept = rows[rows["model"].isin([*kinds, "oracle"])].reset_index(drop=True)
    if "oracle" in evaluation:
        pooled = evaluation["oracle"]["pooled"]
        tracker.log_metrics(
            {k: v.get("value") for k, v in pooled.items() if isinstance(v, dict)},
            prefix="oracle_pooled_",
        )
    chosen = select_kind(evaluation, cfg.models.select_by, kinds)
    evaluation["chosen_model"] = {
        "kind": chosen,
        "select_by": cfg.models.select_by,
        "metric": SELECT_BY[cfg.models.select_by],  # "auroc": within-origin AUROC
    }
    from earlywarn.evaluation import probability_gate

    # whether the published probability may be shown: its out-of-time calibration slope
    # (the saved backtest predictions of the ranking target, on the evaluation's population)
    saved = ev_run.long[ev_run.long["target"] == settings.target]
    evaluation["probability_gate"] = probability_gate(
        saved, chosen, cfg.evaluate.k, new_failures_only=settings.new_failures_only
    )
    held_run = None
    if held_splits:  # scored once, after the choice above, for these settings
        with compute_context(cfg):
            held_run = evaluate_and_keep(*args, held_splits, *rest, history=ev_run.backtest)
        after = [str(s.test_origin.date()) for s in held_splits]
        evaluation.update(after_choice(cfg, held_run, after, pre, tracker, evaluation))
    from earlywarn.evaluation import list_stability

    # the published kind's top k from one backtest origin to the next, against chance
    saved = ev_run.long if held_run is None else pd.concat([ev_run.long, held_run.long])
    saved = saved.drop_duplicates(["model", "target", "council_code", "origin"])
    evaluation["list_stability"] = list_stability(saved, chosen, cfg.evaluate.k, settings.target)
    evaluation["protocol"] = protocol_words(cfg, pre, evaluation)
    tracker.log_baselines_and_headline(
        evaluation, kinds, chosen, cfg.models.select_by, settings.target
    )
    return ev_run, held_run, evaluation, kept, chosen


def published_recalibration_for(
    cfg: CycleConfig, prep: Any, chosen: str, ev_run: Any, held_run: Any, settings: Any
) -> dict[str, Any] | None:
    """With ``evaluate.recalibrate``: the published probability's recalibration, fitted on
    the chosen kind's raw out-of-time predictions of the ranking target at the validation
    and after-choice origins whose windows closed by as_of (never the scored origin);
    ``None`` otherwise (:func:`earlywarn.evaluation.published_recalibration`)."""
    if not cfg.evaluate.recalibrate:
        return None
    from earlywarn.evaluation import published_recalibration

    runs = [r.backtest for r in (ev_run, held_run) if r is not None]
    return published_recalibration(
        runs,
        chosen,
        settings.target,
        cfg.horizon_months,
        cfg.as_of_date,
        prep.score_origin,
        new_failures_only=settings.new_failures_only,
    )


def fit_and_register(
    cfg: CycleConfig,
    prep: Any,
    chosen: str,
    fit: Training,
    train: list[pd.Timestamp],
    evaluation: dict[str, Any],
    tracker: Any,
    recalibration: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit the chosen kind on every closed window, log it with its model card and register
    a version (the champion alias moves only once the published folder is complete).
    ``recalibration`` (:func:`published_recalibration_for`) is logged with the model run
    (``recalibration.json``, read back by ``score``) and described in the card."""
    from earlywarn.backtest import fit_model
    from earlywarn.models import make_model
    from earlywarn.report import render_model_card

    Xtr, ytr, wtr = fit.X, fit.y, fit.weights
    params = cfg.models.params.get(chosen, {})

    def make() -> Any:
        return make_model(chosen, params, cfg.seed, specs=prep.features.specs)

    model = fit_model(make(), Xtr, ytr, wtr)
    origin = str(prep.score_origin.date())
    tracker.log_params(
        {
            "model": chosen,
            "train_rows": len(ytr),
            "train_origins": ",".join(str(o.date()) for o in train),
            "score_origin": origin,
        }
    )
    model_uri = tracker.log_model(model, Xtr)
    if recalibration is not None:  # `score` applies what its model run holds
        from earlywarn.tracking import RECALIBRATION_ARTEFACT

        tracker.log_dict(recalibration, RECALIBRATION_ARTEFACT)
        if recalibration.get("applied"):
            tracker.log_params(
                {f"recalibration.{k}": recalibration[k] for k in ("slope", "intercept", "n")}
            )
    research = tracker.log_research_tables(model)  # hazard: coefficients.csv
    card = render_model_card(
        evaluation,
        {
            "rows": len(ytr),
            "events": int(np.asarray(ytr).sum()),
            "features": Xtr.shape[1],
            "train_origins": [str(o.date()) for o in train],
            "score_origin": origin,
        },
        {"cycle": cfg.cycle, "as_of": str(cfg.as_of_date.date()), "horizon": cfg.horizon,
         "data_source": cfg.data.source, "inputs": prep.hashes},
        recalibration=recalibration,
    )  # fmt: skip
    registry = tracker.register_version(
        model_uri,
        cfg.tracking.registry_name or cfg.tracking.experiment,
        {"cycle": cfg.cycle, "kind": chosen, "score_origin": origin},
        description=card,
    )
    return {
        "model": model,
        "make_model": make,
        "model_uri": model_uri,
        "research": research,
        "card": card,
        "registry": registry,
    }


def run_info_for(
    cfg: CycleConfig,
    prep: Any,
    chosen: str,
    uri: str,
    run_ids: tuple[str, str],
    final: dict[str, Any],
    tracker: Any,
) -> dict[str, Any]:
    """``run.json``: what was run, on which inputs, tracked where."""
    parent_id, model_run = run_ids
    return {
        "cycle": cfg.cycle,
        "as_of": str(cfg.as_of_date.date()),
        "horizon": cfg.horizon,
        "score_origin": str(prep.score_origin.date()),
        "model": chosen,
        "tracking_uri": uri,
        "experiment": cfg.tracking.experiment,
        "parent_run_id": parent_id,
        "model_run_id": model_run,
        "model_uri": final["model_uri"],
        "registered_model": final["registry"],
        "run_ids": dict(tracker.run_ids),
        "config": cfg.to_dict(),
        "inputs": prep.hashes,
        "pseudonymised": cfg.report.pseudonymise,
        "synthetic": cfg.data.source == "synthetic",
        "warnings": prep.warnings,
    }


def stamp_identity(run_info: dict[str, Any]) -> None:
    """The model's fingerprint and identity, and the banner, into ``run_info``."""
    from earlywarn.report import confidential_banner, model_fingerprint, model_identity
    from earlywarn.tracking import package_versions

    run_info["model_fingerprint"] = model_fingerprint(run_info, package_versions())
    run_info["model_identity"] = model_identity(run_info)
    run_info["confidential"] = confidential_banner()

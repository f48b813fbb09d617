"""The policymaker's usefulness with its threshold fixed out of time.

The evaluation's ``ur`` (Sarlin 2013) signals ``p >= threshold`` with the threshold that
maximises the usefulness *on the same rows* it is scored on: in-sample, so optimistic (it
can never be worse than the best trivial rule). Here the threshold a model would have used
at test origin ``t`` is chosen on the out-of-time predictions of earlier origins whose
windows had closed by ``t`` (``o + horizon <= t``; for the after-choice origins, the validation
origins count as earlier origins), and the usefulness is scored on origin ``t``'s rows
only. Origins without such history are left out (said so). A negative ``ur`` is possible
and honest: the rule did worse than always or never signalling.

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> o = pd.to_datetime(["2014-03-31", "2016-03-31", "2018-03-31"])
>>> p = rng.random(300)
>>> bt = pd.DataFrame({"model": "m", "council_code": np.tile(np.arange(100), 3).astype(str),
...     "origin": np.repeat(o, 100), "p": p, "y": (rng.random(300) < p).astype(int)})
>>> out = usefulness_out_of_time(bt, horizon_months=24, mu=0.5, n_boot=20)
>>> out["m"]["origins"]
['2016-03-31', '2018-03-31']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from earlywarn.metrics import bootstrap_ci, usefulness, usefulness_curve
from earlywarn.panel import window_closed

__all__ = ["usefulness_block", "usefulness_out_of_time"]


def _thresholds(
    rows: pd.DataFrame, past_for: Callable[[pd.Timestamp], pd.DataFrame], mu: float
) -> dict[pd.Timestamp, float | None]:
    """Origin -> threshold chosen on ``past_for(origin)``, the earlier closed origins' rows
    (``None`` = no history with both outcomes)."""
    out = {}
    for t in sorted(pd.to_datetime(rows["origin"]).unique()):
        past = past_for(pd.Timestamp(t))
        if past.empty or past["y"].nunique() < 2:
            out[pd.Timestamp(t)] = None
            continue
        w = past["weight"].to_numpy(dtype=float) if "weight" in past else None
        curve = usefulness_curve(past["y"], past["p"], mus=[mu], sample_weight=w)
        out[pd.Timestamp(t)] = float(curve["threshold"].iloc[0])
    return out


def _closed_before(frame: pd.DataFrame, t: pd.Timestamp, horizon_months: int) -> pd.DataFrame:
    return frame[window_closed(frame["origin"], horizon_months, t)]


def usefulness_out_of_time(
    pred: pd.DataFrame,
    horizon_months: int,
    mu: float,
    history: pd.DataFrame | None = None,
    n_boot: int = 200,
    seed: int = 0,
    past_at: Callable[[str, pd.Timestamp], pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """Per model: the usefulness of ``p >= threshold`` at each origin, the threshold chosen
    on earlier closed origins only.

    Parameters
    ----------
    pred : DataFrame
        ``model, council_code, origin, y, p`` (optional ``weight``): the rows a target is
        measured on (:func:`earlywarn.evaluation.target_rows`).
    history : DataFrame, optional
        The same for earlier test origins (e.g. the validation origins): thresholds may be
        chosen on them; they are never scored.
    past_at : callable, optional
        ``past_at(model, t)``: the rows a threshold at ``t`` is chosen on, with labels as
        known at ``t`` (:func:`usefulness_block` builds it); default: the rows of ``pred``
        and ``history`` at origins closed by ``t``, with their own labels.

    Returns
    -------
    dict
        Model -> ``origins`` scored, ``thresholds`` (per origin; ``inf`` = never signal),
        ``ur`` / ``ua`` as ``{value, lo, hi}`` (council bootstrap, thresholds held fixed),
        ``t1``, ``t2``, ``n``, ``n_pos``.
    """
    out: dict[str, Any] = {}
    for name, rows in pred.groupby("model", sort=False):
        if past_at is not None:
            cuts = _thresholds(rows, lambda t, n=name: past_at(n, t), mu)
        else:
            mine = history[history["model"] == name] if history is not None else rows.iloc[:0]
            both = pd.concat([mine, rows], ignore_index=True)
            cuts = _thresholds(rows, lambda t, b=both: _closed_before(b, t, horizon_months), mu)
        scored = [t for t, c in cuts.items() if c is not None]
        if not scored:
            out[name] = {"origins": [], "words": "no earlier closed origin to choose a threshold"}
            continue
        at = pd.to_datetime(rows["origin"])
        sub = rows[at.isin(scored).to_numpy()].copy()
        cut = pd.to_datetime(sub["origin"]).map(cuts).to_numpy(dtype=float)
        sub["signal"] = (sub["p"].to_numpy(dtype=float) >= cut).astype(float)

        def metric(d: pd.DataFrame, key: str) -> float:
            w = d["weight"].to_numpy(dtype=float) if "weight" in d else None
            return usefulness(d["y"], d["signal"], 0.5, mu, sample_weight=w)[key]

        point = usefulness(
            sub["y"], sub["signal"], 0.5, mu,
            sample_weight=sub["weight"].to_numpy(dtype=float) if "weight" in sub else None,
        )  # fmt: skip
        entry: dict[str, Any] = {
            "origins": [str(t.date()) for t in scored],
            "thresholds": {str(t.date()): cuts[t] for t in scored},
            "n": int(len(sub)),
            "n_pos": int(sub["y"].sum()),
            "t1": point["t1"],
            "t2": point["t2"],
        }
        for key in ("ur", "ua"):
            if n_boot > 0:
                ci = bootstrap_ci(sub, lambda d, k=key: metric(d, k), n_boot=n_boot, seed=seed)
                entry[key] = {"value": ci.estimate, "lo": ci.lo, "hi": ci.hi}
            else:
                entry[key] = {"value": point[key], "lo": None, "hi": None}
        out[name] = entry
    return out


def usefulness_block(
    bt: pd.DataFrame,
    settings: Any,
    history: pd.DataFrame | None,
    target_rows: Callable[[pd.DataFrame, str, Any], pd.DataFrame],
    known_at: Callable[[pd.DataFrame, pd.Timestamp], pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """The ``usefulness_out_of_time`` block of ``evaluation.json`` (ranking target);
    ``target_rows(frame, target, settings)`` picks the rows a target is measured on
    (:func:`earlywarn.evaluation.target_rows`); ``known_at(rows, t)`` gives the labels
    as known at ``t`` (:func:`earlywarn.evaluation.labels_known_at`), so a threshold chosen
    at ``t`` never reads a judgement published after ``t``."""
    s = settings
    cols = ["model", "council_code", "origin", "y", "p", "weight"]

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        r = target_rows(frame[frame["model"] != "oracle"], s.target, s)
        return r[[c for c in cols if c in r]]

    if history is not None and len(history) and getattr(s, "recalibrate", False):
        # the earlier origins on the scale they were evaluated on (recalibrated)
        from earlywarn.evaluation._recalibration import recalibrate_out_of_time

        history = recalibrate_out_of_time(
            history, s.horizon_months, known_at=known_at, new_failures_only=s.new_failures_only
        )
    past = rows(history) if history is not None and len(history) else None
    past_at = None
    if known_at is not None:
        wide = bt if history is None or not len(history) else pd.concat([history, bt])
        wide = wide[wide["model"] != "oracle"]

        def past_at(name: str, t: pd.Timestamp) -> pd.DataFrame:
            w = _closed_before(wide[wide["model"] == name], t, s.horizon_months)
            if w.empty:
                return rows(w)
            known = known_at(w[["council_code", "origin"]], t)
            w = w.assign(label=known["label"].to_numpy(), censored=known["censored"].to_numpy())
            return rows(w)

    return {
        "mu": s.mu,
        "target": s.target,
        "words": "signal when p >= a threshold chosen, at each test origin, to maximise the "
        "usefulness on earlier origins whose windows had closed (never on the origin scored), "
        "with their outcomes as known at that origin; the evaluation's own 'ur' chooses it on "
        "the scored rows (in-sample, optimistic)",
        "models": usefulness_out_of_time(
            rows(bt),
            s.horizon_months,
            s.mu,
            past,
            n_boot=min(int(s.n_boot), 200),
            seed=s.seed,
            past_at=past_at,
        ),  # fmt: skip
    }

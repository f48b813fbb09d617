"""Coverage: a feature is used only where its source covers the training origins and the
scored origin.

A source that starts or stops between origins leaves a feature observed at some origins and
missing at others; a model trained in one regime and scoring in another turns the switch
into a calendar artefact (a mean shift of several log-odds at one origin). So, before any
model is fitted, every feature a configured model would see is measured: the share of
councils with a value at each origin (:func:`coverage_table`). A feature observed for fewer
than ``features.min_coverage`` of the training rows (origins whose label window closed by
``as_of``, pooled) or of the councils at the scored origin either stops the cycle with one
line (``features.uncovered = "fail"``, the default) or is dropped, and the cycle says so
(``"drop"``). Windowed features (a 3-year change) are missing at the first origins of any
panel; pooled over the training origins they pass when most rows have them. The time since
an event (``years_since_*``) is missing where no such event happened yet: the cycle leaves
those out of the rule (their event counts carry the source's coverage), unless the feature
is gated by its source's window (``FeatureSpec.gated``, e.g. ``months_since_visit``, missing
for every council before the visit tables start): that one is held to the rule and is in
the coverage record (:func:`coverage_exempt`).

Example
-------
>>> import numpy as np, pandas as pd
>>> idx = pd.MultiIndex.from_product([["a", "b"], pd.to_datetime(["2019-03-31", "2020-03-31"])],
...                                  names=["council_code", "origin"])
>>> X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [np.nan, 1.0, np.nan, 1.0]}, index=idx)
>>> coverage_table(X).to_numpy().tolist()  # features x origins
[[1.0, 1.0], [0.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from earlywarn._names import UNCOVERED
from earlywarn.errors import UserInputError

__all__ = [
    "UNCOVERED_ACTIONS",
    "check_coverage",
    "coverage_for",
    "coverage_record",
    "coverage_message",
    "coverage_table",
    "uncovered_features",
]

UNCOVERED_ACTIONS = UNCOVERED


def coverage_table(X: pd.DataFrame) -> pd.DataFrame:
    """Share of councils with a value, feature (rows) x origin (columns)."""
    origin = X.index.get_level_values("origin")
    return X.notna().groupby(origin).mean().T


def uncovered_features(
    X: pd.DataFrame,
    used: Iterable[str],
    train_origins: Sequence[pd.Timestamp],
    score_origin: pd.Timestamp,
    min_share: float,
) -> dict[str, tuple[str, float]]:
    """The features of ``used`` observed for fewer than ``min_share`` of the training rows
    (all training origins pooled) or of the councils at the scored origin: feature ->
    (where, share), ``where`` being ``"training origins"`` or the scored origin's date."""
    cols = [c for c in X.columns if c in set(used)]
    origin = X.index.get_level_values("origin")
    train = X.loc[origin.isin(pd.DatetimeIndex(train_origins)), cols].notna().mean()
    now = X.loc[origin == pd.Timestamp(score_origin), cols].notna().mean()
    out: dict[str, tuple[str, float]] = {}
    for c in cols:
        if now[c] < min_share:
            out[str(c)] = (f"the scored origin {pd.Timestamp(score_origin).date()}", float(now[c]))
        elif train[c] < min_share:
            out[str(c)] = ("the training origins", float(train[c]))
    return out


def coverage_message(found: dict[str, tuple[str, float]], min_share: float, where: str) -> str:
    """One line naming the uncovered features, where they fall short and the config keys."""
    shown = ", ".join(f"{f} ({share:.0%} at {o})" for f, (o, share) in sorted(found.items())[:6])
    more = f" and {len(found) - 6} more" if len(found) > 6 else ""
    return (
        f"{where}: {len(found)} feature(s) a model would use are observed for fewer than "
        f"{min_share:.0%} of the training rows or of the councils scored: {shown}{more} "
        f'(features.min_coverage; set features.uncovered = "drop" to leave them out)'
    )


def check_coverage(
    X: pd.DataFrame,
    used: Iterable[str],
    train_origins: Sequence[pd.Timestamp],
    score_origin: pd.Timestamp,
    min_share: float,
    action: str,
    where: str,
) -> tuple[list[str], list[str]]:
    """Apply the rule (module notes): ``(features to drop, warnings)``; raises
    :class:`UserInputError` for ``action = "fail"``."""
    found = uncovered_features(X, used, train_origins, score_origin, min_share)
    if not found:
        return [], []
    message = coverage_message(found, min_share, where)
    if action == "fail":
        raise UserInputError(message)
    dropped = sorted(found)
    return dropped, [f"dropped {len(dropped)} uncovered feature(s): " + message.split(": ", 1)[1]]


def coverage_exempt(specs: Mapping[str, Any]) -> set[str]:
    """The features the coverage rule leaves out: the time since an event (an event
    feature that is not a count), where missing means no such event yet, unless the feature
    is gated by its source's window (``gated``: missing there means the source was not
    running).

    Example
    -------
    >>> from types import SimpleNamespace as S
    >>> sorted(coverage_exempt({"since": S(event="inspection", kind="level", gated=False),
    ...     "visit": S(event="ofsted_visit", kind="level", gated=True),
    ...     "n": S(event="inspection", kind="count", gated=False)}))
    ['since']
    """
    return {
        n
        for n, s in specs.items()
        if getattr(s, "event", "") and s.kind != "count" and not getattr(s, "gated", False)
    }


def coverage_record(
    X: pd.DataFrame,
    specs: Mapping[str, Any],
    used: Iterable[str],
    train_origins: Sequence[pd.Timestamp],
    score_origin: pd.Timestamp,
    min_share: float,
    action: str,
    dropped: Sequence[str] = (),
) -> dict[str, Any]:
    """The coverage table of ``used`` as run.json carries it (compact): the training
    origins and the scored origin, and per feature its family, measure and share of
    councils observed at each of those origins (2 decimals), with the rule's threshold,
    its action and the features it dropped (their rows kept, from the frame before the
    drop).

    Example
    -------
    >>> idx = pd.MultiIndex.from_product([["a", "b"], pd.to_datetime(["2019-03-31",
    ...     "2020-03-31"])], names=["council_code", "origin"])
    >>> X = pd.DataFrame({"x": [1.0, 2.0, None, 4.0]}, index=idx)
    >>> rec = coverage_record(X, {}, ["x"], [pd.Timestamp("2019-03-31")],
    ...                       pd.Timestamp("2020-03-31"), 0.8, "fail")
    >>> rec["origins"], rec["features"]["x"]["share"]
    (['2019-03-31', '2020-03-31'], [0.5, 1.0])
    """
    origins = sorted({*map(pd.Timestamp, train_origins), pd.Timestamp(score_origin)})
    cols = [c for c in X.columns if c in set(used)]
    table = coverage_table(X[cols]).reindex(columns=pd.DatetimeIndex(origins))
    features = {}
    for name, row in table.iterrows():
        spec = specs.get(name)
        features[str(name)] = {
            "family": getattr(spec, "family", ""),
            "measure": getattr(spec, "measure", "") or "",
            "share": [None if v != v else round(float(v), 2) for v in row.to_numpy()],
        }
    return {
        "min_coverage": float(min_share),
        "uncovered": action,
        "dropped": sorted(dropped),
        "origins": [str(o.date()) for o in origins],
        "scored_origin": str(pd.Timestamp(score_origin).date()),
        "features": features,
    }


def coverage_for(record: Mapping[str, Any] | None, features: Iterable[str]) -> dict[str, Any]:
    """``record`` (:func:`coverage_record`) cut to ``features`` (those of the published
    model) and the dropped ones; ``{}`` without a record."""
    if not record:
        return {}
    keep = set(features) | set(record.get("dropped", ()))
    rows = {n: v for n, v in record["features"].items() if n in keep}
    return {**record, "features": rows}

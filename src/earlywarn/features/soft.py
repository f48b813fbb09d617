"""Soft intelligence from advisers' dated notes, as of the origin.

Input: a soft-notes table (``council_code, date, problem_nature, severity``; see
:func:`earlywarn.schema.validate_soft_notes`). The note *text* never reaches this module:
it is dropped when the table is read into the features, so it is never a model input and
never appears in any output.

Per problem nature (financial, capacity, capability, political), over the last
``soft_months`` months: ``soft_{nature}_notes_{m}m`` (count) and
``soft_{nature}_max_severity_{m}m`` (0 = no note, else 1 minor .. 3 serious), plus
``soft_notes_{m}m`` in all. Without a notes file the family produces no features; with
one, a council with no note in the window has count 0 (an adviser noted nothing).

The notes are also *shown* (:func:`note_words`): beside each council's reasons in the list,
the report and signals.csv, as "adviser note: serious capability concern, February 2023"
(built from the nature, severity and date, never from the text). Notes usually start long
after the backtest's first origin, so a model using the ``soft_*`` features sees them at
few or no training origins; :func:`notes_warning` says in one line whether the published
model uses them and on how much history.
"""

from __future__ import annotations

import pandas as pd

from earlywarn.features._base import Columns, OriginData
from earlywarn.features.registry import NATURES, FeatureSpec

__all__ = ["FAMILY", "SEVERITY_WORDS", "build", "note_words", "notes_in_window", "notes_warning"]

FAMILY = "soft"
SEVERITY_WORDS = {1: "minor", 2: "significant", 3: "serious"}


def build(d: OriginData) -> Columns:
    """Soft-intelligence features for one origin."""
    out = Columns()
    if d.notes is None:
        return out
    months = d.config.soft_months
    notes = notes_in_window(d.notes, d.origin, months)
    span = f"the last {months} months"
    for nature in NATURES:
        sub = notes[notes["problem_nature"] == nature]
        by = sub.groupby("council_code")
        out.add(
            FeatureSpec(
                f"soft_{nature}_notes_{months}m",
                FAMILY,
                nature,
                True,
                f"advisers' notes of {nature} concern in {span}",
                "",
                "count",
            ),
            d.per_council(by.size(), 0.0),
        )
        out.add(
            FeatureSpec(
                f"soft_{nature}_max_severity_{months}m",
                FAMILY,
                nature,
                True,
                f"the most serious {nature} concern noted by advisers in {span} "
                "(0 none, 1 minor to 3 serious)",
                "",
                states=("none", "minor", "significant", "serious"),
            ),
            d.per_council(by["severity"].max(), 0.0),
        )
    out.add(
        FeatureSpec(
            f"soft_notes_{months}m",
            FAMILY,
            "capability",
            True,
            f"advisers' notes of concern in {span}",
            "",
            "count",
        ),
        d.per_council(notes.groupby("council_code").size(), 0.0),
    )
    return out


def notes_in_window(notes: pd.DataFrame, origin: pd.Timestamp, months: int) -> pd.DataFrame:
    """The notes a feature at ``origin`` counts: dated in the ``months`` up to it."""
    origin = pd.Timestamp(origin)
    start = origin - pd.DateOffset(months=months)
    return notes[(notes["date"] > start) & (notes["date"] <= origin)]


def note_words(notes: pd.DataFrame, origin: pd.Timestamp, months: int) -> pd.DataFrame:
    """The notes of the window at ``origin`` in words, newest first per council:
    ``council_code, date, problem_nature, severity, words`` ("adviser note: serious
    capability concern, February 2023"). The note text is never read.

    Example
    -------
    >>> notes = pd.DataFrame({"council_code": ["A", "A", "B"],
    ...     "date": pd.to_datetime(["2023-02-10", "2021-01-01", "2022-11-30"]),
    ...     "problem_nature": ["capability", "financial", "capacity"],
    ...     "severity": [3.0, 1.0, 2.0]})
    >>> for w in note_words(notes, pd.Timestamp("2023-03-31"), 12)["words"]:
    ...     print(w)
    adviser note: serious capability concern, February 2023
    adviser note: significant capacity concern, November 2022
    """
    cols = ["council_code", "date", "problem_nature", "severity"]
    shown = notes_in_window(notes, origin, months)[cols]
    shown = shown.sort_values(["council_code", "date"], ascending=[True, False], kind="stable")
    words = [
        f"adviser note: {SEVERITY_WORDS.get(int(s), 'a')} {n} concern, {pd.Timestamp(d):%B %Y}"
        for n, s, d in zip(shown["problem_nature"], shown["severity"], shown["date"], strict=True)
    ]
    return shown.assign(words=words).reset_index(drop=True)


def notes_warning(
    notes: pd.DataFrame,
    origin: pd.Timestamp,
    months: int,
    train_origins: list,
    model_features: list[str] | None = None,
) -> str:
    """One line: how many notes are shown beside the reasons at ``origin``, and whether the
    published model uses them: "not modelled" only when none of ``model_features`` (the
    published model's inputs) is a ``soft_*`` feature; otherwise how many of its training
    origins had any note ("little history" when fewer than all). '' without notes in the
    window at ``origin``.

    Example
    -------
    >>> notes = pd.DataFrame({"council_code": ["A"], "date": pd.to_datetime(["2020-01-10"]),
    ...     "problem_nature": ["capability"], "severity": [3.0]})
    >>> line = notes_warning(notes, pd.Timestamp("2020-03-31"), 12,
    ...     [pd.Timestamp("2019-03-31")], ["last_inspection_grade"])
    >>> print(line.split(" are ")[1])
    shown beside the reasons, not modelled: the published model has no advisers'-notes input
    """
    now = notes_in_window(notes, origin, months)
    if now.empty:
        return ""
    head = (
        f"advisers' notes: {len(now)} note(s) on {now['council_code'].nunique()} council(s) "
        f"in the {months} months to the scored origin are shown beside the reasons"
    )
    if not any(str(f).startswith(f"{FAMILY}_") for f in model_features or []):
        return head + ", not modelled: the published model has no advisers'-notes input"
    n = len(train_origins)
    seen = sum(not notes_in_window(notes, o, months).empty for o in train_origins)
    if seen == 0:
        return head + (
            f" and are model inputs, but the notes file has no history at the {n} training "
            "origins, so the model gives them no weight"
        )
    if seen < n:
        return head + (
            f" and are model inputs, but only {seen} of the {n} training origins had any "
            "note, so whatever weight the model gives them rests on that little history"
        )
    return head + f" and are model inputs (every one of the {n} training origins had a note)"

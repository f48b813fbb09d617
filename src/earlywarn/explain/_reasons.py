"""Which SHAP drivers are *reasons*, and how they are said: the reviewer's test.

SHAP says what moves the model; a reason must also be something an improvement adviser
can defend in a meeting. A feature the model leans on becomes a **risk-raising reason**
only when all of these hold (:func:`passes`):

1. it is a **signal** (:func:`role`), not context: sizes, counts and populations
   (``context`` family, ``count`` kind, a measure whose name ends in ``_count``, or a
   registry flag ``reason_ok = False``), measures whose direction is not settled
   (``MeasureInfo.direction_known`` False, e.g. the rate of children looked after), the
   time since the last inspection (inspection timing) and data coverage are context;
2. the council is on the **risk side of its similar councils by a material margin**:
   - a level or a change: ``(value - peers' median)`` in the worse direction by at least
     ``MARGIN_IQR`` (a quarter) of the interquartile range of that feature across all
     councils scored at the same date, and the two numbers differ when printed; a change
     must also be a worsening itself (a smaller fall than peers' is not a reason);
   - a level that is not (yet) worse than peers' passes when it is **moving that way**: its
     one-year change passes the change test;
   - a robust z-score against similar councils: at least ``Z_MATERIAL`` (1) typical
     deviation on the worse side; a percentile: in the worse quarter of similar councils;
   - a 'coasting' flag: set (no improvement while similar councils improved);
   - the last inspection grade: at least ``GRADE_MARGIN`` (half a grade) worse than the
     similar councils' median grade.

A driver must also move the council's log-odds by at least ``MIN_SHAP`` (0.02), and
each measure gives at most one reason (its strongest feature).

A **mitigating factor** is the mirror image (a signal on the safe side by the same
margins); none is shown when no lowering driver passes. When more than
``CONTEXT_SHARE`` (half) of a council's risk-raising SHAP comes from context, a note says
so instead of inventing reasons (:func:`context_note`).

Sentences (:func:`sentence`) give the actual value with its period, the similar
councils' median and the England median (all councils scored at that date), and the
trend where one is known; grades are in words with their date; measures of other
services (adult social care) and council finances are labelled council-wide context.
Numbers are printed with :func:`fmt` (never ``-0.0``; more decimals until different
values print differently).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from earlywarn.explain._context import CONTEXT_SHARE, NOTICE, context_note, role
from earlywarn.explain._words import (
    EVENT_NOUNS,
    GRADE_WORDS,
    cap,
    finance_sentence,
    fmt,
    is_ordinal,
    median_words,
    plain_label,
)
from earlywarn.explain._words import (
    prefix as service_prefix,
)
from earlywarn.features.registry import FeatureSpec

__all__ = [
    "CONTEXT_SHARE",
    "GRADE_MARGIN",
    "GRADE_WORDS",
    "MARGIN_IQR",
    "MIN_SHAP",
    "Z_MATERIAL",
    "ReasonFrame",
    "context_note",
    "fmt",
    "passes",
    "role",
    "sentence",
]

MARGIN_IQR = 0.25  # material margin: a quarter of the interquartile range across councils
Z_MATERIAL = 1.0  # robust z-scores: one typical deviation
PERCENTILE_MATERIAL = 75.0  # percentiles: the worse quarter of similar councils
GRADE_MARGIN = 0.5  # inspection grades: half a grade worse than the peers' median
MIN_SHAP = 0.02  # a driver below 0.02 log-odds (about 0.2 points at 10%) is not a reason


class ReasonFrame:
    """The numbers behind the tests and sentences at one origin.

    Parameters
    ----------
    X : DataFrame
        Features of the scored councils at one origin, indexed by council code.
    peer : DataFrame
        Similar councils' median of each feature, aligned with ``X``.
    specs : mapping
        Feature metadata.
    periods : DataFrame, optional
        Latest period known at the origin per council (rows) and measure (columns).
    origin : Timestamp, optional
        The scored origin (for the date of the last inspection).
    """

    def __init__(
        self,
        X: pd.DataFrame,
        peer: pd.DataFrame,
        specs: Mapping[str, FeatureSpec],
        periods: pd.DataFrame | None = None,
        origin: pd.Timestamp | None = None,
    ) -> None:
        self.X, self.peer, self.specs = X, peer, specs
        self.periods = periods
        self.origin = origin
        q = X.quantile([0.25, 0.5, 0.75])
        self.england = q.loc[0.5]
        self.iqr = (q.loc[0.75] - q.loc[0.25]).abs()
        from earlywarn.features.registry import level_feature

        self.level = {}  # measure -> its level feature
        self.change = {}  # measure -> its one-year (else shortest) change feature
        self.level_of = {}  # change feature -> its level feature (same family and words)
        # a rank feature (kind "rank", ``rank_<ratio>``) is said in its ratio's words
        self.ranked = {
            n: n.removeprefix("rank_")
            for n, s in specs.items()
            if s.kind == "rank" and n.removeprefix("rank_") in X.columns
        }
        ratios = set(self.ranked.values())
        for n, s in specs.items():
            if s.kind == "change" and n in X.columns:
                lv = level_feature(n, dict(specs))
                if lv is not None and lv in X.columns:
                    self.level_of[n] = lv
        for n, s in specs.items():
            if not s.measure or n not in X.columns or n in ratios or s.kind == "rank":
                continue
            if s.kind == "level" and n == s.measure:
                self.level[s.measure] = n
            if s.kind == "change" and "_chg_" in n:
                cur = self.change.get(s.measure)
                if cur is None or (n.endswith("_chg_1y") and not cur.endswith("_chg_1y")):
                    self.change[s.measure] = n

    # ------------------------------------------------------------------ the tests
    def gap(self, code: str, feat: str) -> float:
        """How far the council is on the risk side of its peers (negative: the safe side),
        in units of the feature's material margin (1 = exactly material)."""
        spec = self.specs[feat]
        if spec.kind == "rank":  # the ratio it ranks, against similar councils' ratio
            ratio = self.ranked.get(feat)
            return self.gap(code, ratio) if ratio else float("nan")
        v = float(self.X.at[code, feat])
        p = float(self.peer.at[code, feat])
        if v != v:
            return float("nan")
        sign = 1.0 if spec.higher_is_worse else -1.0
        if spec.event == NOTICE:  # had a notice in the window, unlike most similar councils
            had = (v > 0) if spec.kind == "count" else True
            peers = (p > 0) if spec.kind == "count" else (p == p)
            return 0.0 if had == peers else 1.0 if had else -1.0
        if spec.kind == "robust_z":
            return sign * v / Z_MATERIAL
        if spec.kind == "percentile":
            worse = v if spec.higher_is_worse else 100.0 - v
            return (worse - 50.0) / (PERCENTILE_MATERIAL - 50.0)
        if spec.kind == "flag":
            # the council's state raises risk (or lowers it) and most similar councils are
            # in the other state; a tie (median 0.5) or unknown peers: neither
            mine, theirs = sign * (v - 0.5), sign * (p - 0.5)
            if p != p or mine * theirs >= 0:
                return 0.0
            return 1.0 if mine > 0 else -1.0
        if p != p:
            return float("nan")
        if is_ordinal(spec) or feat == "last_inspection_grade":
            return sign * (v - p) / GRADE_MARGIN
        margin = max(MARGIN_IQR * float(self.iqr.get(feat, 0.0)), 1e-9)
        g = sign * (v - p) / margin
        if spec.kind == "change" and sign * v <= 0 < g:  # not itself a worsening
            g = 0.0
        if g != 0 and fmt(v, spec.unit, p) == fmt(p, spec.unit, v):
            return 0.0
        return g

    def passes(self, code: str, feat: str, direction: str) -> bool:
        """Whether ``feat`` is a reason (``'raises'``) or a protective factor (``'lowers'``)
        for the council (module notes)."""
        return self.basis(code, feat, direction) != ""

    def basis(self, code: str, feat: str, direction: str) -> str:
        """``'level'`` (the feature itself passes), ``'trend'`` (a level moving to the risk
        side: its one-year change passes) or '' (not a reason / not protective)."""
        spec = self.specs[feat]
        if role(spec) != "signal" or not self.citable(code, feat):
            return ""
        g = self.gap(code, feat)
        if direction == "lowers":
            return "level" if g == g and g <= -1 and spec.kind != "flag" else ""
        if g == g and g >= 1:
            return "level"
        chg = self.change.get(spec.measure) if spec.kind == "level" else None
        if chg is not None and chg != feat:
            gc = self.gap(code, chg)
            if gc == gc and gc >= 1:
                return "trend"
        return ""

    def event_date(self, code: str, feat: str) -> pd.Timestamp | None:
        """The date of the event an event-based feature's value comes from (None: not
        event-based, or not known)."""
        spec = self.specs[feat]
        col = f"event:{spec.event}"
        if not spec.event or self.periods is None or col not in self.periods.columns:
            return None
        d = self.periods.at[code, col] if code in self.periods.index else None
        return None if d is None or d != d else pd.Timestamp(d)

    def citable(self, code: str, feat: str) -> bool:
        """An event-based feature may be cited only with its date, and only when the event
        is within the feature's look-back (``FeatureSpec.lookback_years``)."""
        spec = self.specs[feat]
        if not spec.event:
            return True
        date = self.event_date(code, feat)
        if date is None:
            return False
        if spec.lookback_years and self.origin is not None:
            return (self.origin - date).days / 365.25 <= spec.lookback_years
        return True

    def stated(self, feat: str, basis: str) -> str:
        """The feature whose value a reason's sentence states (a trend reason states the
        one-year change of its level)."""
        spec = self.specs[feat]
        if spec.kind == "rank":
            return self.ranked.get(feat, feat)
        if basis == "trend" and feat != "last_inspection_grade":
            return self.change.get(spec.measure) or feat
        return feat

    # ------------------------------------------------------------------ the words
    def _period(self, code: str, measure: str) -> str:
        if self.periods is None or measure not in self.periods.columns:
            return ""
        p = self.periods.at[code, measure] if code in self.periods.index else None
        return "" if p is None or p != p else f" ({pd.Timestamp(p):%b %Y})"

    def _when(self, code: str, feat: str) -> str:
        """The period a sentence's value belongs to: the event's date, the measure's latest
        period, else the origin ('as of')."""
        spec = self.specs[feat]
        date = self.event_date(code, feat)
        if date is not None:
            noun = EVENT_NOUNS.get(spec.event.split("_grade")[0], "event")
            return f" ({noun} of {date:%B %Y})"
        when = self._period(code, spec.measure) if spec.measure else ""
        if when or self.origin is None:
            return when
        return f" (as of {pd.Timestamp(self.origin):%b %Y})"

    def _level_words(self, code: str, measure: str) -> str | None:
        lv = self.level.get(measure)
        if lv is None:
            return None
        spec = self.specs[lv]
        v = float(self.X.at[code, lv])
        p = float(self.peer.at[code, lv])
        e = float(self.england.get(lv, np.nan))
        if v != v:
            return None
        chg = self.change.get(measure)
        c = float(self.X.at[code, chg]) if chg is not None else float("nan")
        start = v - c if c == c and c != 0 else float("nan")
        text = (
            f"{spec.label} is {fmt(v, spec.unit, p, e, start)}{self._period(code, measure)}; "
            f"similar councils' median {fmt(p, spec.unit, v)}, England median "
            f"{fmt(e, spec.unit, v)}"
        )
        if start == start:
            span = self.specs[chg].span or "the last year"
            verb = "up" if c > 0 else "down"
            text += f" ({verb} from {fmt(start, spec.unit, v)} over {span})"
        return text

    def sentence(self, code: str, feat: str, basis: str = "level") -> str:
        """The reason in words (module notes); ``basis='trend'`` words a level reason by its
        one-year change (the council is moving to the risk side)."""
        spec = self.specs[feat]
        if spec.kind == "rank" and feat in self.ranked:
            return self._ratio(code, self.ranked[feat])
        v = float(self.X.at[code, feat])
        p = float(self.peer.at[code, feat])
        if v != v:
            return f"No recent figure is published for {spec.label}."
        if feat == "last_inspection_grade":
            return self._grade(code, v, p)
        if basis == "trend" and self.change.get(spec.measure):
            return self.sentence(code, self.change[spec.measure])
        prefix = service_prefix(spec)
        lv = self.level.get(spec.measure)
        if spec.kind == "change":
            return prefix + self._change(code, feat, v, p) + "."
        level = self._level_words(code, spec.measure) if lv else None
        when = self._when(code, feat)
        if spec.event == NOTICE:
            return prefix + self._notice(code, feat, v, when)
        if spec.kind == "flag":
            return prefix + self._flag(code, feat, v, p, when, level)
        if is_ordinal(spec):
            return prefix + self._ordinal_words(feat, v, p, when)
        if spec.kind in ("robust_z", "percentile") and level is not None:
            if spec.kind == "robust_z":
                side = "above" if v >= 0 else "below"
                level += f": {fmt(abs(v), '', 0.0)} typical deviations {side} similar councils"
            else:
                level += f": higher than in {v:.0f}% of similar councils"
            return prefix + cap(level) + "."
        if feat == lv and level is not None:
            return prefix + cap(level) + "."
        e = float(self.england.get(feat, np.nan))
        return (
            prefix + f"{cap(spec.label)} is {fmt(v, spec.unit, p, e)}{when}; similar councils' "
            f"median {fmt(p, spec.unit, v)}, England median {fmt(e, spec.unit, v)}."
        )

    def _ratio(self, code: str, ratio: str) -> str:
        """A finance ratio in an adviser's words (:func:`finance_sentence`): a level with its
        longest known change ('fell from 14% to 6% in three years (2020-21 to 2023-24)'), or
        a change; each with its period and similar councils' median."""
        spec = self.specs[ratio]
        v = float(self.X.at[code, ratio])
        p = float(self.peer.at[code, ratio])
        end = None
        if self.periods is not None and spec.measure in self.periods.columns:
            e = self.periods.at[code, spec.measure] if code in self.periods.index else None
            end = None if e is None or e != e else pd.Timestamp(e)
        if v != v:
            return f"No recent figure is published for {spec.label}."
        if spec.kind == "change":
            return finance_sentence(spec.label, spec.unit, v, p, span=spec.span,
                                    end_period=end, is_change=True)  # fmt: skip
        for years, span in ((3, "three years"), (1, "one year")):
            chg = f"{ratio}_chg_{years}y_pp"
            c = float(self.X.at[code, chg]) if chg in self.X.columns else float("nan")
            if c == c and c != 0 and end is not None:
                start = end - pd.DateOffset(years=years)
                return finance_sentence(spec.label, spec.unit, v, p, change=c, span=span,
                                        start_period=start, end_period=end)  # fmt: skip
        return finance_sentence(spec.label, spec.unit, v, p, end_period=end)

    def _flag(self, code: str, feat: str, v: float, p: float, when: str, level: str | None) -> str:
        """A flag names the state the council is in (from its value), and whether most
        similar councils are in the other state."""
        spec = self.specs[feat]
        state = spec.state(v) or f"{spec.label}: {'yes' if v >= 0.5 else 'no'}"
        mine, theirs = v >= 0.5, p >= 0.5
        peers = (
            "similar councils are split"
            if p != p or p == 0.5
            else "as in most similar councils"
            if mine == theirs
            else "unlike most similar councils"
        )
        base = f" ({level})" if level else ""
        return f"{cap(state)}{when}, {peers}{base}."

    def _notice(self, code: str, feat: str, v: float, when: str) -> str:
        """A financial failure notice (section 114) or exceptional support: its date, how
        many in the window (the count feature), and that most similar councils had none."""
        spec = self.specs[feat]
        window = f" in the last {spec.span}" if spec.span else ""
        if spec.kind == "count":
            n = int(round(v))
            when = when.replace(" (notice of", " (latest notice of") if n > 1 else when
            what = (
                f"{n} financial failure notices or exceptional support agreements{window}"
                if n != 1
                else f"a financial failure notice or exceptional support{window}"
            )
        else:
            what = (
                f"a financial failure notice or exceptional support {fmt(v, ' years')} before "
                f"{pd.Timestamp(self.origin):%B %Y}"
                if self.origin is not None
                else "a financial failure notice or exceptional support"
            )
        return f"{cap(what)}{when}, unlike most similar councils."

    def _ordinal_words(self, feat: str, v: float, p: float, when: str) -> str:
        """An ordinal code (a grade, a revisit's progress) in words, with its date and the
        similar councils' median in words."""
        spec = self.specs[feat]
        word = spec.state(v) or "not known"
        return (
            f"{cap(plain_label(spec.label))}: {word}{when}; similar councils' median: "
            f"{median_words(spec, p)}."
        )

    def _change(self, code: str, feat: str, v: float, p: float) -> str:
        """'X rose from A to B over <span> (similar councils' median change ..., England
        ...); similar councils' median now ..., England ...' (a slope: 'by N a year')."""
        spec = self.specs[feat]
        lv = self.level.get(spec.measure) or self.level_of.get(feat)
        label = self.specs[lv].label if lv else spec.label
        e = float(self.england.get(feat, np.nan))
        slope = "slope" in feat
        rate = " a year" if slope else ""
        span = f" over {spec.span}" if spec.span else ""
        verb = "rose" if v > 0 else "fell" if v < 0 else "did not change"
        peers = (
            f"similar councils' median change {fmt(p, spec.unit, v)}{rate}, England "
            f"{fmt(e, spec.unit, v)}{rate}"
        )
        now = float(self.X.at[code, lv]) if lv else float("nan")
        if now != now:
            amount = f" by {fmt(abs(v), spec.unit, abs(p))}{rate}" if v != 0 else ""
            return f"{cap(label)} {verb}{amount}{span}{self._when(code, feat)} ({peers})"
        ls = self.specs[lv]
        pn = float(self.peer.at[code, lv])
        en = float(self.england.get(lv, np.nan))
        when = self._when(code, feat)
        if slope or v == 0:
            amount = f" by {fmt(abs(v), spec.unit, abs(p))}{rate}" if v != 0 else ""
            moved = f"{verb}{amount}{span}, to {fmt(now, ls.unit, pn, en)}{when}"
        else:
            start = now - v
            moved = (
                f"{verb} from {fmt(start, ls.unit, now)} to {fmt(now, ls.unit, start, pn)}"
                f"{when}{span}"
            )
        return (
            f"{cap(label)} {moved} ({peers}); similar councils' median now "
            f"{fmt(pn, ls.unit, now)}, England {fmt(en, ls.unit, now)}"
        )

    def _grade(self, code: str, v: float, p: float) -> str:
        word = GRADE_WORDS.get(int(round(v)), "not known")
        when = ""
        date = self.event_date(code, "last_inspection_grade")
        if date is not None:
            when = f", judgement of {date:%B %Y}"
        elif "years_since_inspection" in self.X.columns and self.origin is not None:
            yrs = float(self.X.at[code, "years_since_inspection"])
            if yrs == yrs:
                date = self.origin - pd.Timedelta(days=round(yrs * 365.25))
                when = f", judgement of {date:%B %Y}"
        lo, hi = int(np.floor(p)), int(np.ceil(p))
        peers = (
            GRADE_WORDS.get(lo, "not known")
            if lo == hi
            else f"between {GRADE_WORDS.get(lo, '?')} and {GRADE_WORDS.get(hi, '?')}"
        )
        if p != p:
            peers = "not known"
        return (
            f"Ofsted's last overall judgement of children's services: {word}{when}; "
            f"similar councils' median: {peers}."
        )


def passes(frame: ReasonFrame, code: str, feat: str, direction: str) -> bool:
    """:meth:`ReasonFrame.passes` as a function."""
    return frame.passes(code, feat, direction)


def sentence(frame: ReasonFrame, code: str, feat: str) -> str:
    """:meth:`ReasonFrame.sentence` as a function."""
    return frame.sentence(code, feat)

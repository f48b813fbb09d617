"""When Ofsted inspects: a discrete-time model of the next graded inspection.

Failures found by inspection are seen only where an inspection happens, so the joint risk
P(inspected and failing in the window) = P(inspected in the window) x P(fail | inspected)
has two parts. This module models the first part from the inspection history alone, as a
**discrete-time hazard** (one row per council and month at risk, a penalised logistic
regression of "a graded inspection was published this month" on):

- the months since the last graded inspection, in bins (the schedule is close to a step:
  few inspections soon after the last, many once it is due), and their interaction with
  the last grade (inadequate councils are re-inspected sooner, good ones later);
- the last grade (1 outstanding .. 4 inadequate; none known);
- whether the last inspection was an ILACS *short* one (given to councils judged good);
- another inspectorate's visit (area SEND, youth justice: ``other_inspection`` events) in
  the previous 12 months;
- **pauses** (:data:`PAUSES`, Ofsted's Covid-19 pause from April 2020 to April 2021):
  months inside a pause are not at risk in training, and at a forecast origin the months
  of a pause announced by then get hazard 0. The pause's end is taken as known from its
  announcement: a small look-ahead at an origin inside the pause (2020-03-31), said so.

A forecast for council ``c`` at origin ``t`` rolls the state forward month by month
(months since the last inspection grow; the grade stays) and returns ``P(at least one
graded inspection in (t, t + horizon]) = 1 - prod_k (1 - h_k)``.

With ``visits=True``, Ofsted's **monitoring and focused visits** (``ofsted_visit`` events,
:mod:`earlywarn.sources.ofsted_in_year`) enter too: the number of each published in the 24
months before the month (capped at :data:`VISIT_CAP`). The visit tables begin in April 2021,
so such a model is fitted only on the council-months whose 24 months the visit tables cover
(the source's window as known at the fit, :func:`earlywarn.features.source_window`, the
rule of the features), and a forecast at an origin they do not cover is missing (NaN), never
made with the counts read as 0. At a forecast the counts stay as known at the origin (as
the grade does). Off by default: no configured model uses it.

:func:`two_part_summary` reports each part's own skill for ``evaluation.json``: the timing
part (AUROC and calibration for "inspected within the horizon", for the feature timing
model and this hazard model), the grade part (each model's within-origin AUROC among the
inspected) and their product on the joint label.

Example
-------
>>> import pandas as pd
>>> ev = pd.DataFrame({"council_code": ["A", "A", "B", "B"],
...     "date": pd.to_datetime(["2010-05-01", "2013-06-01", "2011-01-10", "2014-02-01"]),
...     "event_type": "inspection", "severity": [3.0, 2.0, 4.0, 3.0]})
>>> m = InspectionHazard(horizon_months=24, pauses=()).fit(ev, pd.Timestamp("2015-03-31"))
>>> idx = pd.MultiIndex.from_tuples([("A", pd.Timestamp("2015-03-31"))],
...                                 names=["council_code", "origin"])
>>> p = m.predict(idx)
>>> bool(0.0 < p[0] < 1.0)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PAUSES",
    "InspectionHazard",
    "hazard_timing",
    "skill_summary",
    "two_part_summary",
]

# (first month without inspections, first month with them again, date announced)
PAUSES: tuple[tuple[str, str, str], ...] = (("2020-04-01", "2021-04-01", "2020-03-17"),)
BIN_EDGES = (0, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60, 72)  # months since the last inspection
OTHER_RECENT_MONTHS = 12
VISIT_MONTHS = 24  # visits counted in the 24 months before a month
VISIT_CAP = 4  # counts above this are read as 4 (few councils have more)
_VISIT_KINDS = ("monitoring visit", "focused visit")
_GRADE_GROUPS = {1.0: 0, 2.0: 0, 3.0: 1, 4.0: 2}  # good or better / RI / inadequate


def _month(d: Any) -> np.ndarray:
    """Months since year 0 (an integer per date; NaT -> a very small number)."""
    ts = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(d)))
    out = (ts.year * 12 + ts.month - 1).to_numpy(dtype=np.int64, na_value=-(10**6))
    return out


def _pause_months(pauses: Sequence[tuple[str, str, str]], known_at: pd.Timestamp | None):
    """``[(first, last_excluded)]`` month numbers of the pauses announced by ``known_at``."""
    out = []
    for start, end, announced in pauses:
        if known_at is None or pd.Timestamp(announced) <= known_at:
            out.append((int(_month(start)[0]), int(_month(end)[0])))
    return out


def _in_pause(months: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    hit = np.zeros(months.shape, dtype=bool)
    for a, b in spans:
        hit |= (months >= a) & (months < b)
    return hit


class InspectionHazard:
    """Discrete-time model of the next graded inspection (see the module notes).

    Parameters
    ----------
    horizon_months : int
        The window a forecast covers: P(inspected in ``(t, t + horizon]``).
    pauses : sequence of (start, end, announced), default :data:`PAUSES`
    C : float
        Inverse L2 penalty of the logistic regression.
    interact : bool
        Time bins x grade group (good or better / requires improvement / inadequate).
    visits : bool
        Monitoring and focused visits as covariates (module notes; needs ``ofsted_visit``
        events covering the fit's months).
    """

    def __init__(
        self,
        horizon_months: int = 24,
        pauses: Sequence[tuple[str, str, str]] = PAUSES,
        C: float = 1.0,
        interact: bool = True,
        seed: int = 0,
        visits: bool = False,
    ):
        self.horizon_months = horizon_months
        self.pauses = tuple(pauses)
        self.C = C
        self.interact = interact
        self.seed = seed
        self.visits = visits

    # ---------------------------------------------------------------- history
    def _history(self, events: pd.DataFrame, known_at: pd.Timestamp | None) -> None:
        from earlywarn.labels import known_events

        ev = known_events(events, known_at)
        insp = ev[ev["event_type"] == "inspection"].sort_values("date", kind="stable")
        short = (
            insp["framework"].astype(str).eq("ILACS short").to_numpy()
            if "framework" in insp.columns
            else np.zeros(len(insp), dtype=bool)
        )
        insp = insp.assign(_m=_month(insp["date"]), _short=short)
        self.insp_ = {
            c: (
                g["_m"].to_numpy(),
                g["severity"].to_numpy(dtype=float),
                g["_short"].to_numpy(dtype=bool),
            )
            for c, g in insp.groupby("council_code", sort=False)
        }
        other = ev[ev["event_type"] == "other_inspection"]
        self.other_ = {
            c: np.sort(_month(g["date"])) for c, g in other.groupby("council_code", sort=False)
        }
        self.visits_ = {}
        self.visit_span_ = None  # (first, last) months whose 24 months back are covered
        if self.visits:
            self._visit_history(ev[ev["event_type"] == "ofsted_visit"], known_at)

    def _visit_history(self, vis: pd.DataFrame, known_at: pd.Timestamp | None) -> None:
        from earlywarn.errors import UserInputError
        from earlywarn.features import source_window

        window = source_window(vis) if len(vis) else None
        if window is None:
            raise UserInputError(
                "inspection timing with visits: no ofsted_visit events are known"
                + (f" at {known_at.date()}" if known_at is not None else "")
                + " (the Ofsted in-year visit tables; turn the visits option off)"
            )
        first, last, tol = window
        self.visit_span_ = (
            int(_month(first - tol)[0]) + VISIT_MONTHS + 1,
            int(_month(last + tol)[0]),
        )
        for c, g in vis.groupby("council_code", sort=False):
            self.visits_[c] = tuple(
                np.sort(_month(g.loc[g["framework"] == k, "date"])) for k in _VISIT_KINDS
            )

    def _visit_counts(self, code: str, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Monitoring and focused visits published in the 24 months before each month."""
        out = []
        for k in range(len(_VISIT_KINDS)):
            v = self.visits_.get(code, (np.array([], dtype=np.int64),) * 2)[k]
            n = np.searchsorted(v, months, side="left") - np.searchsorted(
                v, months - VISIT_MONTHS, side="left"
            )
            out.append(np.minimum(n, VISIT_CAP).astype(float))
        return out[0], out[1]

    def _visit_covered(self, months: np.ndarray) -> np.ndarray:
        a, b = self.visit_span_ if self.visit_span_ else (1, 0)
        return (months >= a) & (months <= b)

    def _state(self, code: str, at_month: int) -> tuple[float, float, float, float]:
        """``(last inspection month, grade, short, last other month)`` before ``at_month``
        (inspections dated in months ``< at_month``); NaN where none."""
        last_m = grade = short = other_m = np.nan
        if code in self.insp_:
            m, sev, sh = self.insp_[code]
            j = np.searchsorted(m, at_month, side="left") - 1
            if j >= 0:
                last_m, short = float(m[j]), float(sh[j])
                known = np.flatnonzero(~np.isnan(sev[: j + 1]))
                grade = float(sev[known[-1]]) if known.size else np.nan
        if code in self.other_:
            o = self.other_[code]
            j = np.searchsorted(o, at_month, side="left") - 1
            if j >= 0:
                other_m = float(o[j])
        return last_m, grade, short, other_m

    # ---------------------------------------------------------------- design
    def _design(
        self,
        tsi: np.ndarray,
        grade: np.ndarray,
        short: np.ndarray,
        other_recent: np.ndarray,
        visits: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        edges = np.asarray(BIN_EDGES)
        known = ~np.isnan(tsi)
        b = np.where(known, np.searchsorted(edges, np.nan_to_num(tsi), side="right") - 1, -1)
        n_bins = len(edges)
        cols = [(b == i).astype(float) for i in range(n_bins)]
        cols.append((~known).astype(float))
        g = np.nan_to_num(grade, nan=0.0)
        cols += [(g == v).astype(float) for v in (1.0, 2.0, 3.0, 4.0)]
        cols.append(np.nan_to_num(short, nan=0.0))
        cols.append(other_recent.astype(float))
        if visits is not None:
            cols += [np.asarray(v, dtype=float) for v in visits]
        if self.interact:
            grp = np.vectorize(lambda v: _GRADE_GROUPS.get(v, -1), otypes=[int])(g)
            for k in (1, 2):  # RI and inadequate: their own schedule
                for i in range(n_bins):
                    cols.append(((b == i) & (grp == k)).astype(float))
        return np.column_stack(cols)

    # ---------------------------------------------------------------- fit / predict
    def fit(self, events: pd.DataFrame, known_at: pd.Timestamp) -> InspectionHazard:
        """Fit on the council-months up to ``known_at`` (events known by then)."""
        from sklearn.linear_model import LogisticRegression

        known_at = pd.Timestamp(known_at)
        self._history(events, known_at)
        end = int(_month(known_at)[0])
        spans = _pause_months(self.pauses, known_at)
        rows = []
        for code, (m, sev, sh) in self.insp_.items():
            months = np.arange(m[0] + 1, end + 1)  # at risk from the month after the first
            if months.size == 0:
                continue
            j = np.searchsorted(m, months, side="left") - 1  # last inspection before month
            event = np.isin(months, m)
            pos = np.maximum.accumulate(np.where(np.isnan(sev), 0, np.arange(len(sev))))
            sev_f = sev[pos]  # the latest known grade (a missing grade carries the last)
            o = self.other_.get(code, np.array([], dtype=np.int64))
            jo = np.searchsorted(o, months, side="left") - 1
            last_o = np.where(jo >= 0, o[np.clip(jo, 0, None)] if o.size else 0, -(10**6))
            keep = ~_in_pause(months, spans)
            mon, foc = self._visit_counts(code, months)
            if self.visits:
                keep &= self._visit_covered(months)
            cols = (
                (months - m[j]).astype(float),  # months since the last inspection
                sev_f[j],  # its grade
                sh[j].astype(float),  # short ILACS
                (months - last_o <= OTHER_RECENT_MONTHS).astype(float),  # other inspectorate
                mon,  # monitoring visits in 24 months (0 without the visits option)
                foc,  # focused visits
                event.astype(float),
            )
            rows.append(np.column_stack(cols)[keep])
        pm = np.vstack(rows) if rows else np.zeros((0, 7))
        self.n_person_months_ = len(pm)
        y = pm[:, -1].astype(int)
        self.constant_ = None
        if y.size == 0 or y.min() == y.max():
            self.constant_ = float(y.mean()) if y.size else 0.0
            return self
        raw = pm[:, :-1]
        # the covariates take few values: fit on their distinct rows, weighted by how many
        # months had (and had not) an inspection - the same likelihood, far fewer rows
        uniq_raw, inv = np.unique(np.nan_to_num(raw, nan=-1.0), axis=0, return_inverse=True)
        inv = inv.ravel()
        uniq_raw[uniq_raw == -1.0] = np.nan
        vis = (uniq_raw[:, 4], uniq_raw[:, 5]) if self.visits else None
        uniq = self._design(uniq_raw[:, 0], uniq_raw[:, 1], uniq_raw[:, 2], uniq_raw[:, 3] > 0, vis)
        n = np.bincount(inv, minlength=len(uniq)).astype(float)
        k = np.bincount(inv, weights=y, minlength=len(uniq))
        Zu = np.vstack([uniq, uniq])
        yu = np.r_[np.ones(len(uniq)), np.zeros(len(uniq))].astype(int)
        wu = np.r_[k, n - k]
        keep = wu > 0
        self.clf_ = LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed)
        self.clf_.fit(Zu[keep], yu[keep], sample_weight=wu[keep])
        return self

    def monthly_hazard(self, index: pd.MultiIndex) -> np.ndarray:
        """``(rows, horizon)`` hazards of the months after each ``(council_code, origin)``
        (state from inspections dated before the origin's month ends)."""
        codes = index.get_level_values("council_code").astype(str)
        o_m = _month(index.get_level_values("origin"))
        h = self.horizon_months
        states = np.array([self._state(c, int(t) + 1) for c, t in zip(codes, o_m, strict=True)])
        states = states.reshape(len(index), 4)
        ahead = np.arange(1, h + 1)
        months = o_m[:, None] + ahead[None, :]
        tsi = months - states[:, [0]]
        grade = np.repeat(states[:, [1]], h, axis=1)
        short = np.repeat(states[:, [2]], h, axis=1)
        other = (months - states[:, [3]]) <= OTHER_RECENT_MONTHS  # NaN -> False
        vis = None
        if self.visits:  # as known at the origin, held over the horizon
            now = np.array(
                [
                    self._visit_counts(c, np.array([int(t) + 1]))
                    for c, t in zip(codes, o_m, strict=True)
                ]
            ).reshape(len(index), 2)
            vis = tuple(np.repeat(now[:, [k]], h, axis=1).ravel() for k in range(2))
        if self.constant_ is not None:
            haz = np.full(months.shape, self.constant_)
        else:
            Z = self._design(tsi.ravel(), grade.ravel(), short.ravel(), other.ravel(), vis)
            haz = self.clf_.predict_proba(Z)[:, 1].reshape(months.shape)
        if self.visits:  # an origin whose 24 months the visit tables miss: no forecast
            haz[~self._visit_covered(o_m + 1)] = np.nan
        return haz

    def predict(self, index: pd.MultiIndex, known_at: pd.Timestamp | None = None) -> np.ndarray:
        """P(at least one graded inspection in ``(origin, origin + horizon]``) per row.

        Months inside a pause announced by the row's origin (or by ``known_at`` when
        given) get hazard 0.
        """
        haz = self.monthly_hazard(index)
        origins = pd.DatetimeIndex(index.get_level_values("origin"))
        o_m = _month(origins)
        months = o_m[:, None] + np.arange(1, self.horizon_months + 1)[None, :]
        for start, end, announced in self.pauses:
            ann = pd.Timestamp(announced)
            seen = (origins >= ann) if known_at is None else np.full(len(origins), known_at >= ann)
            a, b = int(_month(start)[0]), int(_month(end)[0])
            haz = np.where(seen[:, None] & (months >= a) & (months < b), 0.0, haz)
        return 1.0 - np.prod(1.0 - haz, axis=1)


def hazard_timing(
    events: pd.DataFrame,
    known_at: pd.Timestamp,
    horizon_months: int,
    seed: int = 0,
    visits: bool = False,
):
    """Fit :class:`InspectionHazard` on events known at ``known_at``; return
    ``X -> P(inspected in the window)`` for a feature frame indexed by
    ``(council_code, origin)`` (the evaluation's timing hook)."""
    model = InspectionHazard(horizon_months=horizon_months, seed=seed, visits=visits)
    model.fit(events, known_at)

    def timing(X: pd.DataFrame) -> np.ndarray:
        return model.predict(X.index)

    timing.model = model  # type: ignore[attr-defined]
    return timing


# ------------------------------------------------------------------- reporting
_KEEP = (
    "auroc", "auroc_within_origin", "calibration_slope", "calibration_intercept",
    "observed_expected", "brier",
)  # fmt: skip


def skill_summary(rows: pd.DataFrame, y: str, p: str, n_boot: int, seed: int) -> dict[str, Any]:
    from earlywarn.metrics import evaluate_predictions

    df = rows.assign(y=rows[y].astype(int), p=rows[p].astype(float))
    df = df[["council_code", "origin", "y", "p"]].dropna()
    if df.empty or df["y"].nunique() < 2:
        return {"n": len(df), "n_pos": int(df["y"].sum()) if len(df) else 0}
    ev = evaluate_predictions(df, k=1, n_boot=n_boot, seed=seed)
    out = {k: ev["pooled"][k] for k in _KEEP if k in ev["pooled"]}
    out["n"], out["n_pos"] = int(len(df)), int(df["y"].sum())
    return out


def _conditional_section(evaluation: dict[str, Any] | None) -> dict[str, Any]:
    """Name -> pooled metrics of the conditional target in an evaluation dict."""
    if not evaluation:
        return {}
    sec = evaluation if evaluation.get("target") == "conditional" else None
    other = evaluation.get("other_target", {})
    if sec is None and other.get("target") == "conditional":
        sec = other
    if sec is None:
        return {}
    both = {**sec.get("baselines", {}), **sec.get("models", {})}
    return {n: ev.get("pooled", {}) for n, ev in both.items()}


def two_part_summary(
    bt: pd.DataFrame, settings: Any, evaluation: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Each part's own skill, for ``evaluation.json``'s ``two_part`` block.

    ``bt`` is the backtest frame (one row per model, council and origin) with
    ``p_inspected_features`` / ``p_inspected_hazard`` (the two timing models). The timing
    part gets council-bootstrap intervals; the grade part is taken from ``evaluation``'s
    conditional section when given (the same figures, weighted as the run weighs them);
    the product of each model with each timing model is given as point estimates (the
    product with the timing model the run used, with intervals, is the joint target).
    """
    from earlywarn.labels import in_population

    s = settings
    n_boot = min(int(s.n_boot), 200)
    rows = bt[in_population(bt, new_failures_only=s.new_failures_only)]
    rows = rows[rows["model"] != "oracle"]
    one = rows.drop_duplicates(["council_code", "origin"])
    timing: dict[str, Any] = {}
    for name in ("features", "hazard"):
        col = f"p_inspected_{name}"
        if col in one:
            timing[name] = skill_summary(one, "inspected", col, n_boot, s.seed)
    seen = rows[~rows["censored"].astype(bool)]
    known = _conditional_section(evaluation)
    grade, joint = {}, {}
    for name, g in rows.groupby("model", sort=False):
        if name in known:
            grade[name] = {k: known[name][k] for k in _KEEP if k in known[name]}
            grade[name].update(n=known[name].get("n"), n_pos=known[name].get("n_pos"))
        else:
            mine = seen[seen["model"] == name]
            grade[name] = skill_summary(mine, "label", "p_conditional", n_boot, s.seed)
        for t in timing:
            prod = g.assign(p_two_part=g["p_conditional"] * g[f"p_inspected_{t}"])
            joint.setdefault(name, {})[t] = skill_summary(prod, "label", "p_two_part", 0, s.seed)
    return {
        "words": "the joint risk P(inspected and failing) = P(inspected in the window) x "
        "P(fail | inspected); the timing part is scored on 'inspected within the horizon' "
        "(all councils), the grade part on the failure label among the inspected, and "
        "their product on the failure label (all councils; point estimates)",
        "timing_used": getattr(s, "timing", "features"),
        "timing": timing,
        "grade": grade,
        "joint_product": joint,
    }

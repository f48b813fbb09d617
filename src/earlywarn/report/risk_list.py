"""The risk list: councils ranked by probability, with their bands, reasons and
the evidence behind each band (the CSV/XLSX content)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from earlywarn.report._bands import support_for
from earlywarn.report.banner import NO_CLEAR_NATURE, NO_OFFER


def build_banded_risk_list(
    scores: pd.DataFrame,
    expl: Any,
    observations: pd.DataFrame,
    origin: pd.Timestamp,
    report_config: Any,
    *,
    base_rate: float | None = None,
    top_k: int = 0,
    events: pd.DataFrame | None = None,
    notice_years: int = 5,
    gate: Mapping[str, Any] | None = None,
    adviser_notes: pd.Series | None = None,
    finance: bool = False,
) -> pd.DataFrame:
    """The published list: ranked scores with reasons, risk bands and support offered.

    With ``adviser_notes`` (council code -> "adviser note: serious capability concern,
    February 2023"; from :func:`earlywarn.features.note_words`), the column
    ``adviser_notes`` beside the reasons ('' for councils without; run.json says whether
    the model uses them).

    ``finance`` (label kind ``financial_failure``): the standing column is the council's
    EFS/s114 in the previous five years (``financial_failure_on_record``), with no
    children's-services column.

    With ``events``, what the council's standing already is at the origin
    (:func:`standing`): ``already_inadequate`` ("judged inadequate in September 2022, the
    most recent judgement") and ``financial_notice`` (a financial failure notice or
    exceptional support in the last ``notice_years``), each also the first sentence of the
    ``context_note``.

    With ``gate`` (:func:`earlywarn.evaluation.probability_gate`): each council's ``tier``
    (from its rank), ``tier_hit_rate`` and ``tier_note`` (the tier's hit rate at past
    origins, in words); when the gate does not show the probability (its out-of-time
    calibration slope is outside the range), the likelihood comes from the tier's hit rate
    against the backtest's rate, and the probability columns are left empty
    (:func:`apply_gate`).

    One function for every command that publishes a list (``cycle`` and ``score``), so the
    two lists have the same columns. ``report_config`` is the cycle's ``[report]`` section;
    ``base_rate`` the training failure rate on the list's target (default: the mean
    probability), ``top_k`` the councils that are at least medium likelihood
    (:func:`earlywarn.report.build_evidence_bands`).
    """
    from earlywarn.report._bands import DEFAULT_SUPPORT, build_evidence_bands, latest_measure

    rep = report_config
    impact = latest_measure(observations, rep.impact_measure, origin)
    prob_by_code = scores.set_index("council_code")["probability"]
    # no interval in the band: explain --model has none, and the band must agree everywhere
    lower = None
    rate = float(prob_by_code.mean()) if base_rate is None else float(base_rate)
    bands = build_evidence_bands(
        prob_by_code,
        rate,
        impact.reindex(prob_by_code.index),
        lower=lower,
        ratios=rep.likelihood_ratios,
        top_k=top_k,
    )
    support = rep.support or {n: list(v) for n, v in DEFAULT_SUPPORT.items()}
    out = build_risk_list(
        scores,
        expl.reasons,
        rep.n_reasons,
        bands=bands,
        main_nature=expl.main_nature,
        support=support,
    )
    notes = getattr(expl, "notes", None)
    if notes is not None:
        out["context_note"] = out["council_code"].map(notes).fillna("")
    if events is not None:
        st = standing(events, origin, notice_years, finance=finance)
        st = st.reindex(out["council_code"]).fillna("")
        for col in st.columns:
            out[col] = st[col].to_numpy()
        if finance:
            lead = [f"Had {f}." if f else "" for f in st[FINANCE_STANDING]]
        else:
            lead = [
                " ".join(t for t in (f"Already {a}." if a else "", f"Had {f}." if f else "") if t)
                for a, f in zip(st["already_inadequate"], st["financial_notice"], strict=True)
            ]
        note = out["context_note"] if "context_note" in out else pd.Series("", index=out.index)
        out["context_note"] = [
            " ".join(t for t in (a, n) if t) for a, n in zip(lead, note.fillna(""), strict=True)
        ]
    if adviser_notes is not None:
        out["adviser_notes"] = out["council_code"].map(adviser_notes).fillna("")
    if gate is not None:
        out = apply_gate(out, gate, top_k or 15, rep.likelihood_ratios, finance=finance)
    out.attrs["base_rate"] = rate
    return out


PROBABILITY_COLUMNS = (
    "probability",
    "probability_lo",
    "probability_hi",
    "p_inspected",
    "joint_probability",
    "conditional_probability",
)


def apply_gate(
    out: pd.DataFrame,
    gate: Mapping[str, Any],
    k: int,
    ratios: Sequence[float] = (1.0, 1.5),
    finance: bool = False,
) -> pd.DataFrame:
    """Tiers and their hit rates on a ranked list; without a shown probability, the
    likelihood from the tier's hit rate (still never above a higher rank's) and no
    probability columns (see :func:`build_banded_risk_list`)."""
    from earlywarn.evaluation import FINANCE_TIER, tier_of_rank, tier_words
    from earlywarn.report._bands import BAND_NAMES, WORDING, likelihood_by_rank

    out = out.copy()
    tiers = tier_of_rank(out["rank"], k)
    rates = {t["tier"]: t["hit_rate"] for t in gate.get("tiers", [])}
    out["tier"] = tiers
    out["tier_hit_rate"] = [rates.get(int(t)) for t in tiers]
    words = FINANCE_TIER if finance else ()
    out["tier_note"] = [
        tier_words(gate, int(t), *words) if gate.get("tiers") else "" for t in tiers
    ]
    if gate.get("shown"):
        return out
    rate = gate.get("rate")
    if rate and "impact_band" in out.columns:
        hit = pd.Series(out["tier_hit_rate"].astype(float).fillna(0.0).to_numpy(), index=out.index)
        # ranked order: the stable sort keeps the list's rank order inside a tier
        lik = likelihood_by_rank(hit, float(rate), ratios, k)
        imp = out["impact_band"].map({v: n for n, v in BAND_NAMES.items()}).to_numpy()
        score = 3 * (imp - 1) + lik
        out["likelihood_ratio"] = (hit / float(rate)).round(2)
        out["likelihood_band"] = pd.Series(lik, index=out.index).map(BAND_NAMES)
        out["risk_score"] = score.astype("int64")
        out["risk_band"] = pd.Series(score, index=out.index).map(WORDING)
    for col in PROBABILITY_COLUMNS:
        if col in out.columns:
            out[col] = np.nan
    out.attrs["probability_shown"] = False
    return out


#: the finance list's standing column: an EFS approval or s114 notice in the last five years
FINANCE_STANDING = "financial_failure_on_record"


def _finance_standing(ev: pd.DataFrame, origin: pd.Timestamp) -> pd.Series:
    """Each council's financial-failure standing at ``origin``, in words, from the label's
    own rule (:func:`earlywarn.labels.financial_failure_labels`, one owner): a repeat (an
    EFS approval or s114 notice surely in the five years to ``origin``; its latest
    such date, 'by' its latest possible month when imprecise), or an event whose imprecise
    date may or may not fall in those years (the label leaves that row out); else none."""
    from earlywarn.labels import financial_failure_events, financial_failure_labels

    codes = sorted(set(ev["council_code"]))
    if not codes:
        return pd.Series(dtype=object)
    ix = pd.MultiIndex.from_product(
        [codes, [pd.Timestamp(origin)]], names=["council_code", "origin"]
    )
    lab = financial_failure_labels(ev, ix).droplevel("origin")
    fails = financial_failure_events(ev)
    lo = pd.to_datetime(fails["date_earliest"]) if "date_earliest" in fails else fails["date"]
    sure = fails[lo.isna() | lo.eq(fails["date"])]  # dated to the day
    exact = set(zip(sure["council_code"], pd.to_datetime(sure["date"]), strict=True))
    out = {}
    for code, pop, d in zip(lab.index, lab["population"], lab["prior_event_date"], strict=True):
        if pop == "repeat":
            out[code] = (
                f"exceptional financial support or a section 114 notice "
                f"{'in' if (code, d) in exact else 'by'} {d:%B %Y} (within five years: a "
                "repeat, not a new failure)"
            )
        elif pop == "ambiguous":
            out[code] = (
                "exceptional financial support or a section 114 notice dated too loosely to "
                "say whether it falls in the five years to this origin (neither a new failure "
                "nor a repeat here)"
            )
    return pd.Series(out, dtype=object)


def standing(
    events: pd.DataFrame, origin: pd.Timestamp, notice_years: int = 5, finance: bool = False
) -> pd.DataFrame:
    """What is already known of each council at ``origin`` (events known by then):
    ``already_inadequate`` ("judged inadequate in September 2022, the most recent
    judgement" when the latest graded inspection was inadequate, else '') and
    ``financial_notice`` ("a financial failure notice or exceptional support in February
    2023" for the latest within ``notice_years``, else ''); with ``finance``, only
    :data:`FINANCE_STANDING` (an EFS/s114 in the previous five years, in words).

    Example
    -------
    >>> ev = pd.DataFrame({"council_code": ["A", "B"], "event_type": ["inspection"] * 2,
    ...                    "service": ["children"] * 2, "severity": [4.0, 2.0],
    ...                    "date": pd.to_datetime(["2022-09-01", "2021-01-01"])})
    >>> standing(ev, pd.Timestamp("2023-03-31")).loc["A", "already_inadequate"]
    'judged inadequate in September 2022, the most recent judgement'
    """
    from earlywarn.panel import asof_events

    ev = asof_events(events, pd.Timestamp(origin))
    if finance:  # the financial-failure list: EFS/s114 on record, nothing of inspections
        from earlywarn.panel import earliest_known

        # as the label sees them: an event whose interval straddles the origin included
        known = events[earliest_known(events) <= pd.Timestamp(origin)]
        out = pd.DataFrame(index=pd.Index(sorted(set(known["council_code"])), name="council_code"))
        out[FINANCE_STANDING] = _finance_standing(known, origin)
        return out.fillna("")
    insp = ev[(ev["event_type"] == "inspection") & ev["severity"].notna()]
    last = insp.sort_values("date", kind="stable").groupby("council_code").tail(1)
    bad = last[last["severity"] >= 4].set_index("council_code")["date"]
    out = pd.DataFrame(index=pd.Index(sorted(set(ev["council_code"])), name="council_code"))
    out["already_inadequate"] = bad.map(
        lambda d: f"judged inadequate in {d:%B %Y}, the most recent judgement"
    )
    notes = ev[ev["event_type"] == "financial_notice"]
    start = pd.Timestamp(origin) - pd.DateOffset(years=notice_years)
    latest = notes[notes["date"] > start].groupby("council_code")["date"].max()
    out["financial_notice"] = latest.map(
        lambda d: f"a financial failure notice or exceptional support in {d:%B %Y}"
    )
    return out.fillna("")


def build_risk_list(
    scores: pd.DataFrame,
    reasons: pd.DataFrame,
    n_reasons: int = 3,
    *,
    bands: pd.DataFrame | None = None,
    main_nature: pd.Series | None = None,
    support: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """One row per council at the scored origin, ranked by probability.

    Parameters
    ----------
    scores : DataFrame
        ``council_code, council_name, council_type, region, probability`` (optionally
        ``probability_lo, probability_hi``).
    reasons : DataFrame
        From :func:`earlywarn.explain.explain`.
    bands : DataFrame, optional
        From :func:`earlywarn.report.build_bands`, indexed by ``council_code``.
    main_nature : Series, optional
        Main problem nature per council (``Explanation.main_nature``); default: the nature
        of the first reason.
    support : mapping, optional
        The support matrix (problem nature -> kinds of support): adds ``support_offered``
        for the natures of the council's reasons, main nature first.
    """
    up = reasons[reasons["direction"] == "raises"]
    wide = up.pivot(index="council_code", columns="rank", values="sentence")
    wide = wide.reindex(columns=range(1, n_reasons + 1))
    wide.columns = [f"reason_{i}" for i in range(1, n_reasons + 1)]
    if main_nature is None:
        fam = up.pivot(index="council_code", columns="rank", values="nature")
        main_nature = fam.get(1, pd.Series(dtype=object))
    main_nature = main_nature.replace("", np.nan).rename("main_problem_nature")
    down = reasons[reasons["direction"] == "lowers"].set_index("council_code")["sentence"]
    out = scores.join(wide, on="council_code").join(main_nature, on="council_code")
    out["mitigating_factor"] = out["council_code"].map(down)
    if bands is not None:
        out = out.join(bands, on="council_code")
    if support is not None:  # support only for a material main nature (explain.py)
        out["support_offered"] = [
            support_for([m], support) if isinstance(m, str) and m else NO_OFFER
            for m in out["main_problem_nature"]
        ]
    out["main_problem_nature"] = out["main_problem_nature"].fillna(NO_CLEAR_NATURE)
    out = out.sort_values(["probability", "council_code"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    reason_cols = [f"reason_{i}" for i in range(1, n_reasons + 1)]
    out[reason_cols] = out[reason_cols].fillna("")
    first = out["reason_1"] == ""
    out.loc[first, "reason_1"] = "No signal of decline passes the reviewer's test (see the note)."
    return out.reset_index(drop=True)

"""The pre-registered financial-failure model's inputs, as a feature family a cycle builds.

Opt-in (``features.families = ["finance_ranks"]``; never in the default families): the
cycle hands :data:`FAMILY_BUILDERS` to :func:`earlywarn.features.build_features` (this
wing sits above the features wing, so the features wing does not import it). For each
origin, :func:`build_finance_features` computes the finance
ratios of every council from the observations published by then (one owner of those
features), and :func:`earlywarn.financial.rank_features` turns six of them into
within-origin percentile ranks oriented so that high = worse. The family returns:

- the model's short list (``earlywarn.financial.MODEL_FEATURES``, kind ``rank``): the six
  ranks, ``prior_failure_ever`` and four council-type indicators (unitary the base);
- the ratios the ranks are made of, with their units and directions (kind ``level`` or
  ``change``): never model inputs (the cycle's ``models.params.logit.features`` names the
  short list), they are what a reason states. A rank's reason is said in the words of its
  ratio, with the ratio's period and similar councils' median
  (:mod:`earlywarn.explain`): "usable reserves fell from 14% to 6% of net spending in three
  years (2020-21 to 2023-24); similar councils 11%".

Every value is as of the origin: the observations published on or before it and the
events dated and published on or before it (withdrawn requests count as a prior failure,
as pre-registered).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.features import Columns, OriginData
from earlywarn.features.registry import FeatureSpec
from earlywarn.financial._baselines import MODEL_FEATURES, rank_features
from earlywarn.financial._features import build_finance_features, preregistered_inputs
from earlywarn.labels import finance_mask

__all__ = ["FAMILY", "FAMILY_BUILDERS", "RANKED", "RATIOS", "build", "ratio_spec", "specs"]

FAMILY = "finance_ranks"
RESERVES = "usable_reserves_gbp_m"
#: ratio -> (words, unit, higher is worse, kind, span, the observation measure it reads)
RATIOS = {
    "reserves_pct_nre": (
        "usable reserves as a share of net spending", "%", False, "level", "", RESERVES,
    ),
    "reserves_pct_nre_chg_1y_pp": (
        "usable reserves as a share of net spending", " points", False, "change", "one year",
        RESERVES,
    ),
    "reserves_pct_nre_chg_3y_pp": (
        "usable reserves as a share of net spending", " points", False, "change",
        "three years", RESERVES,
    ),
    "cfr_pct_nre": (
        "capital financing requirement (borrowing need) as a share of net spending", "%", True,
        "level", "", "cfr_gbp_m",
    ),
    "social_care_pct_service_spend": (
        "social care's share of service spending", "%", True, "level", "",
        "adult_social_care_spend_gbp_m",
    ),
    "council_tax_pct_nre": (
        "council tax as a share of net spending", "%", False, "level", "",
        "council_tax_requirement_gbp_m",
    ),
    "core_spending_power_chg_1y_pct": (
        "core spending power", "%", False, "change", "one year", "core_spending_power_gbp_m",
    ),
}  # fmt: skip
#: the ratios the model ranks (:data:`MODEL_FEATURES` without ``rank_``)
RANKED = tuple(f.removeprefix("rank_") for f in MODEL_FEATURES if f.startswith("rank_"))
PRIOR_STATES = (
    "no exceptional financial support or section 114 notice on record",
    "an earlier exceptional financial support request or section 114 notice on record "
    "(more than five years before, or a withdrawn request)",
)
TYPE_WORDS = {
    "council_type_county": "county council or not",
    "council_type_district": "district council or not",
    "council_type_london_borough": "London borough or not",
    "council_type_metropolitan_district": "metropolitan district or not",
}


def ratio_spec(name: str) -> FeatureSpec:
    """The spec of one of the ratios a rank is made of (:data:`RATIOS`)."""
    words, unit, hw, kind, span, measure = RATIOS[name]
    return FeatureSpec(name, FAMILY, "financial", hw, words, unit, kind, span, "", measure)


def specs() -> list[FeatureSpec]:
    """Every column of the family: the model's short list, then the ratios."""
    out = []
    for name in RANKED:
        words, _, _, _, span, measure = RATIOS[name]
        label = f"rank of {words}" + (f" (change over {span})" if span else "")
        out.append(FeatureSpec(f"rank_{name}", FAMILY, "financial", True, label, "", "rank",
                               span, "", measure))  # fmt: skip
    out.append(
        FeatureSpec(
            "prior_failure_ever",
            FAMILY,
            "financial",
            True,
            "an earlier EFS request or s114 notice",
            kind="flag",
            states=PRIOR_STATES,
        )
    )
    for name, words in TYPE_WORDS.items():
        out.append(FeatureSpec(name, FAMILY, "financial", True, f"council type: {words}",
                               kind="flag", reason_ok=False))  # fmt: skip
    return out + [ratio_spec(n) for n in RATIOS]


def _as_registered() -> dict:
    """The settings of :func:`build_finance_features` the model was pre-registered and
    scored with (:func:`preregistered_inputs` owns them: no staleness rule). The sources are
    chosen where the cycle's input files are written (``build_finance_files.py``)."""
    return preregistered_inputs(pd.DataFrame({"source": []}))[1]


def build(d: OriginData) -> Columns:
    """The family at one origin (module notes)."""
    out = Columns()
    obs = d.observations
    if obs is None:  # pragma: no cover - build_features always passes them
        raise ValueError("the finance_ranks family needs the observations")
    ev = d.events[finance_mask(d.events, include_withdrawn=True)]
    if "published" not in ev.columns:
        ev = ev.assign(published=ev["date"])
    ev = ev.assign(published=pd.to_datetime(ev["published"]).fillna(ev["date"]))
    types = d.council_types if d.council_types is not None else np.full(len(d.councils), "")
    councils = pd.DataFrame({"council_code": list(d.councils), "council_type": types})
    feats = build_finance_features(obs, ev, lambda _o: councils, [d.origin], **_as_registered())
    feats = rank_features(feats).droplevel("origin").reindex(d.councils)
    cols = {s.name: s for s in specs()}
    for name in [*MODEL_FEATURES, *RATIOS]:
        spec = cols[name]
        out.add(spec, feats[name].to_numpy(dtype=float))
    return out


#: the families this wing adds to :func:`earlywarn.features.build_features` (opt-in)
FAMILY_BUILDERS = {FAMILY: build}

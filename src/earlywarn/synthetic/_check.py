"""Measured properties of a synthetic world, to compare with the real panel.

The audit of the real 2023 runs found the easy synthetic world far easier than the real
one: 43% of its features had a univariate within-origin AUROC above 0.6 (real: 3%),
inspection timing predicted being inspected at 0.97 (real: 0.85), and its data were
complete and stationary (real: 4-92% of feature cells observed by origin, failures
declining, a pause in inspections in 2020). :func:`measured_properties` measures these on
any :class:`~earlywarn.synthetic.SyntheticCouncils`; ``benchmarks/realistic_properties.py``
prints them for both presets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["measured_properties"]


def measured_properties(data: Any, horizon_months: int = 24) -> dict[str, Any]:
    """The properties the realistic preset is held to (see the module notes).

    Returns
    -------
    dict
        ``share_features_auroc_gt_0_6`` (univariate, within origin, either direction, over
        features with a value in at least half the rows of some origin),
        ``timing_auroc`` (the inspection-timing model, trained on the first half of the
        origins, within-origin AUROC for being inspected on the second half),
        ``observed_share_by_origin`` (share of feature cells observed), ``failure_rate``
        by origin (joint label, closed windows), ``inspections_by_year`` and
        ``oracle_observed_expected`` (failures / sum of the oracle's p_fail).
    """
    from earlywarn.features import build_features
    from earlywarn.labels import make_labels
    from earlywarn.metrics import within_origin_scores
    from earlywarn.models import make_timing_model
    from earlywarn.panel import build_panel, closed_origins

    tables = data.tables
    origins = sorted(data.true_risk.index.get_level_values("origin").unique())
    last = max(pd.Timestamp(o) for o in origins)
    closed = closed_origins(origins, last, horizon_months)
    panel = build_panel(tables, origins)
    X = build_features(tables, panel).X
    lab = make_labels(tables.events, X.index, horizon_months)
    keep = X.index.get_level_values("origin").isin(pd.DatetimeIndex(closed))
    Xc, lc = X[keep], lab[keep]
    ids, _ = pd.factorize(Xc.index.get_level_values("origin"), sort=True)
    y = lc["label"].to_numpy(dtype=float)
    strong, n_feat = 0, 0
    for col in Xc.columns:
        v = Xc[col].to_numpy(dtype=float)
        ok = np.isfinite(v)
        if ok.sum() < 50 or y[ok].sum() < 10 or np.nanstd(v) == 0:
            continue
        auc, _ = within_origin_scores(y[ok], v[ok], np.ones(ok.sum()), ids[ok])
        if auc != auc:
            continue
        n_feat += 1
        strong += max(auc, 1 - auc) > 0.6
    half = closed[len(closed) // 2]
    o = Xc.index.get_level_values("origin")
    insp = lc["inspected"].to_numpy(dtype=int)
    tr, te = (o < half), (o >= half)
    timing = make_timing_model(0).fit(Xc[tr], insp[tr])
    p = timing.predict_proba(Xc[te])[:, 1]
    t_auc, _ = within_origin_scores(insp[te].astype(float), p, np.ones(te.sum()), ids[te])
    observed = X.notna().groupby(level="origin").mean().mean(axis=1)
    rate = lc.groupby(level="origin")["label"].mean()
    ev = tables.events
    insp_year = ev[ev["event_type"] == "inspection"].groupby(ev["date"].dt.year).size()
    tr_risk = data.true_risk.reindex(lc.index)["p_fail"]
    return {
        "n_features": n_feat,
        "share_features_auroc_gt_0_6": strong / n_feat if n_feat else float("nan"),
        "timing_auroc": float(t_auc),
        "observed_share_by_origin": {
            str(k.date()): round(float(v), 3) for k, v in observed.items()
        },
        "failure_rate": {str(k.date()): round(float(v), 3) for k, v in rate.items()},
        "inspections_by_year": {int(k): int(v) for k, v in insp_year.items()},
        "oracle_observed_expected": float(y.sum() / tr_risk.sum()),
    }

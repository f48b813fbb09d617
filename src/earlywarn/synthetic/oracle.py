"""The oracle: each council simulated forward from its hidden state at an origin, for
the true probabilities of failure, of inspection and of failure given inspection."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from earlywarn.synthetic.dynamics import (
    _LINEAR,
    _OTHER,
    PUBLICATION,
    _Dynamics,
)
from earlywarn.synthetic.world import (
    _State,
    _step,
)


def _oracle(snaps, origin_ms, codes_alive, last_m, horizon, n_sims, rng, d, chunk=400_000):
    """Monte-Carlo P(inadequate), P(inspected) in (t, t + h] from the state at each t."""
    pairs_m = np.concatenate(
        [np.full(len(c), m) for m, c in zip(origin_ms, codes_alive, strict=True)]
    )
    pairs_c = np.concatenate(codes_alive)
    n_pairs = pairs_m.size
    stacked = {k: np.stack([snaps[m][k] for m in origin_ms]) for k in snaps[0]}
    o_index = np.concatenate([np.full(len(c), i) for i, c in enumerate(codes_alive)])
    p_fail = np.empty(n_pairs)
    p_insp = np.empty(n_pairs)
    per = max(1, chunk // n_sims)
    for lo in range(0, n_pairs, per):
        sl = slice(lo, min(lo + per, n_pairs))
        rep_o = np.repeat(o_index[sl], n_sims)
        rep_c = np.repeat(pairs_c[sl], n_sims)
        s = _State(**{k: v[rep_o, rep_c].copy() for k, v in stacked.items()})
        m0 = np.repeat(pairs_m[sl], n_sims)
        ever_insp = np.zeros(rep_c.size, dtype=bool)
        ever_fail = np.zeros(rep_c.size, dtype=bool)
        for k in range(1, horizon + 1):
            active = m0 + k <= last_m[rep_c]
            _, grade, _, _, _ = _step(s, active, rng, d)
            ever_insp |= grade > 0
            ever_fail |= grade == 4
        p_insp[sl] = ever_insp.reshape(-1, n_sims).mean(axis=1)
        p_fail[sl] = ever_fail.reshape(-1, n_sims).mean(axis=1)
    return pairs_m, pairs_c, p_fail, p_insp


def _truth(d: _Dynamics, codes, reorg, horizon, n_sims) -> dict:
    truth: dict = {}
    for name, spec in _LINEAR.items():
        effect = {k: spec[k] for k in ("mean", "council_sd", "noise_sd", "clip")}
        effect.update(spec["coef"])
        truth[name] = {
            "role": spec["role"],
            "higher_is_worse": spec["higher_is_worse"],
            "family": spec["family"],
            "nature": spec["nature"],
            "publication": PUBLICATION[spec["publication"]]["lag"],
            "effect": effect,
        }
    for name, spec in _OTHER.items():
        truth[name] = {k: v for k, v in spec.items() if k != "publication"}
        truth[name]["publication"] = PUBLICATION[spec["publication"]]["lag"]
    truth["dynamics"] = asdict(d)
    truth["reorganisation"] = {
        "date": reorg,
        "abolished": [str(codes[0]), str(codes[1])],
        "successor": str(codes[-1]),
    }
    truth["oracle"] = {
        "horizon_months": horizon,
        "n_sims": n_sims,
        "fail": "inspection with severity 4 dated in (origin, origin + horizon]",
    }
    return truth

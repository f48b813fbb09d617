"""From the hidden world to the published tables: observations as published (dates,
missing values), events, and the latent health for checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from earlywarn.schema import (
    EVENT_COLUMNS,
)
from earlywarn.synthetic.dynamics import (
    _LINEAR,
    _OTHER,
    MISSING_SHARE,
    PUBLICATION,
)


def _window_mean(a: np.ndarray, ends: np.ndarray, start_back: int, end_back: int) -> np.ndarray:
    """Mean of rows ``end - start_back .. end - end_back`` of ``a`` for each end."""
    cs = np.vstack([np.zeros((1, a.shape[1])), np.cumsum(a, axis=0)])
    hi = ends - end_back + 1
    lo = ends - start_back
    return (cs[hi] - cs[lo]) / (start_back - end_back + 1)


def _published(periods: np.ndarray, pub: str, shape, rng) -> np.ndarray:
    spec = PUBLICATION[pub]
    years = pd.DatetimeIndex(periods).year + spec["years"]
    target = pd.to_datetime({"year": years, "month": spec["month"], "day": spec["day"]}).to_numpy()
    jitter = rng.integers(-spec["jitter_days"], spec["jitter_days"] + 1, shape)
    return target[:, None] + jitter.astype("timedelta64[D]")


def _observations(world: dict, rng: np.random.Generator) -> tuple[pd.DataFrame, list]:
    periods = world["periods"]  # datetime64, shape (Y,)
    ends = world["period_m"]  # month index of each period end
    n = world["base"].size
    health, rate, churn = world["health"], world["rate"], world["churn"]
    cov = {
        "h_recent": _window_mean(health, ends, 5, 0),
        "h_year": _window_mean(health, ends, 11, 0),
        "h_lag": _window_mean(health, ends, 23, 12),
        "slope": 12.0 * rate[ends],
        "churn": _window_mean(churn, ends, 11, 0),
        "deprivation": np.broadcast_to(world["dep_z"], (len(ends), n)),
    }
    shape = (len(ends), n)
    values: dict[str, np.ndarray] = {}
    scale = world.get("signal", 1.0)
    for name, spec in _LINEAR.items():
        v = spec["mean"] + spec["council_sd"] * rng.standard_normal(n)
        v = v + spec["noise_sd"] / np.sqrt(scale) * rng.standard_normal(shape)
        for key, coef in spec["coef"].items():
            v = v + coef * scale * cov[key]
        values[name] = np.clip(v, *spec["clip"])
    # satisfaction: a survey of n residents around a true level
    eff = _OTHER["resident_satisfaction_pct"]["effect"]
    true = eff["mean"] + eff["council_sd"] * rng.standard_normal(n)
    true = np.clip(true + eff["h_recent"] * scale * cov["h_recent"], *eff["clip"]) / 100.0
    eff = _OTHER["resident_satisfaction_n"]["effect"]
    wobble = rng.uniform(1 - eff["yearly_variation"], 1 + eff["yearly_variation"], shape)
    resp = np.round(rng.uniform(*eff["respondents"], n) * wobble).astype(int)
    values["resident_satisfaction_pct"] = 100.0 * rng.binomial(resp, true) / resp
    values["resident_satisfaction_n"] = resp.astype(float)
    # finance: a reserves balance (% of net spend) that depletes while health is low
    eff = _OTHER["net_revenue_expenditure_gbp_m"]["effect"]
    nre = world["nre_base"] * (1 + eff["growth_per_year"]) ** np.arange(len(ends))[:, None]
    nre = nre * np.exp(eff["noise_sd_log"] * rng.standard_normal(shape))
    eff = _OTHER["usable_reserves_gbp_m"]["effect"]
    res = np.empty(shape)
    r = rng.uniform(*eff["start_pct"], n)
    notices = []
    succ, preds, m_merge = n - 1, [0, 1], world["m_merge"]
    for y in range(len(ends)):
        if ends[y] - 12 < m_merge <= ends[y]:
            r[succ] = r[preds].mean()
        r = r + eff["pull"] * (eff["target_pct"] - r) + eff["per_health"] * scale * cov["h_year"][y]
        r = np.maximum(r + eff["noise_sd"] * rng.standard_normal(n), eff["floor_pct"])
        res[y] = r
        hit = (r < eff["notice_below_pct"]) & (rng.random(n) < eff["notice_prob"])
        for c in np.flatnonzero(hit):
            notices.append((int(ends[y]) - int(rng.integers(0, 3)), c))
        r = np.where(hit, r + rng.uniform(*eff["support_pct"], n), r)  # exceptional support
    values["net_revenue_expenditure_gbp_m"] = np.round(nre, 1)
    values["usable_reserves_gbp_m"] = np.round(res / 100.0 * nre, 2)
    frames = []
    for name, v in values.items():
        pub = (_LINEAR.get(name) or _OTHER[name])["publication"]
        frames.append(_long(name, v, periods, _published(periods, pub, shape, rng), world))
    # deprivation: a static score published every fourth year
    imd_rows = np.arange(0, len(ends), 4)
    v = world["dep"][None, :] + 0.5 * rng.standard_normal((imd_rows.size, n))
    pub = _published(periods[imd_rows], "imd", (imd_rows.size, n), rng)
    frames.append(_long("deprivation_imd_score", v, periods[imd_rows], pub, world))
    obs = pd.concat(frames, ignore_index=True)
    obs = obs[rng.random(len(obs)) >= MISSING_SHARE]
    for name, first in world.get("first_period", {}).items():  # measures that start late
        obs = obs[(obs["measure"] != name) | (obs["period"] >= first)]
    obs["value"] = obs["value"].round(3)
    return obs, notices


def _long(name, v, periods, published, world) -> pd.DataFrame:
    y, c = np.indices(v.shape)
    df = pd.DataFrame(
        {
            "council_code": world["codes"][c.ravel()],
            "period": periods[y.ravel()],
            "measure": name,
            "value": v.ravel(),
            "published": published.ravel(),
        }
    )
    vf = world["valid_from"][c.ravel()]
    vt = world["valid_to"][c.ravel()]
    year_start = df["period"] - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    keep = (
        (pd.isna(vf) | (year_start >= vf))
        & (pd.isna(vt) | (df["published"] < vt))
        & (df["published"] <= world["data_end"])
    )
    return df[keep.to_numpy()]


def _day_in_month(months: pd.DatetimeIndex, m: np.ndarray, rng) -> np.ndarray:
    ends = months[m]
    days = rng.integers(0, ends.day.to_numpy())  # 0 .. days_in_month - 1
    return (ends - pd.to_timedelta(days, unit="D")).to_numpy()


def _events_table(raw, months, codes, start, data_end, valid_to, rng) -> pd.DataFrame:
    # lag_days: days after a random day of the month; -1 means the month's first day
    cols = ["m", "c", "event_type", "service", "severity", "lag_days"]
    df = pd.DataFrame(raw, columns=cols)
    lag = df["lag_days"].to_numpy()
    date = pd.DatetimeIndex(_day_in_month(months, df["m"].to_numpy(), rng))
    date = date + pd.to_timedelta(np.maximum(lag, 0), unit="D")
    first_day = (months[df["m"].to_numpy()] - pd.offsets.MonthBegin(1)).to_numpy()
    df["date"] = np.where(lag < 0, first_day, date.to_numpy())
    df["council_code"] = codes[df["c"].to_numpy()].astype(str)
    df["source"] = "synthetic"
    vt = pd.Series(valid_to[df["c"].to_numpy()], index=df.index)
    keep = (df["date"] <= data_end) & (vt.isna() | (df["date"] < vt))
    # before the data start, keep only each council's last inspection (the schedule)
    before = df["date"] < start
    last_before = (
        df[before & df["event_type"].eq("inspection")].groupby("c")["date"].transform("max")
    )
    keep_before = (
        before & df.index.isin(last_before.index) & (df["date"] == last_before.reindex(df.index))
    )
    df = df[keep & (~before | keep_before)]
    df = df.assign(severity=df["severity"].astype(int))
    return df[EVENT_COLUMNS]


def _notice_events(notices, months, codes, data_end, valid_from, valid_to, rng) -> pd.DataFrame:
    rows = []
    for m, c in notices:
        date = pd.Timestamp(_day_in_month(months, np.array([m]), rng)[0])
        rows.append((c, date, "financial_notice", "finance", 1))
        if rng.random() < _OTHER["usable_reserves_gbp_m"]["effect"]["intervention_prob"]:
            later = date + pd.Timedelta(days=int(rng.integers(30, 181)))
            rows.append((c, later, "intervention", "finance", 1))
    df = pd.DataFrame(rows, columns=["c", "date", "event_type", "service", "severity"])
    df["council_code"] = codes[df["c"].to_numpy(dtype=int)].astype(str)
    df["source"] = "synthetic"
    vf = pd.Series(valid_from[df["c"].to_numpy(dtype=int)], index=df.index)
    vt = pd.Series(valid_to[df["c"].to_numpy(dtype=int)], index=df.index)
    keep = (df["date"] <= data_end) & (vt.isna() | (df["date"] < vt))
    keep &= vf.isna() | (df["date"] >= vf)
    return df.loc[keep, EVENT_COLUMNS]


def _latent(health, months, codes, first_m, last_m, in_span) -> pd.DataFrame:
    m_idx, c_idx = np.nonzero(
        in_span[:, None]
        & (np.arange(len(months))[:, None] >= first_m)
        & (np.arange(len(months))[:, None] <= last_m)
    )
    out = pd.DataFrame(
        {
            "council_code": codes[c_idx].astype(str),
            "date": months[m_idx],
            "health": health[m_idx, c_idx],
        }
    )
    return out.sort_values(["council_code", "date"], kind="stable").reset_index(drop=True)

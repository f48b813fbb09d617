"""Write the finance tables as the cycle's ``files`` source (councils, observations, events).

Usage::

    .venv/bin/python experiments/real-2025/build_finance_files.py [--raw DIR] [--out DIR]

Default ``--out``: ``experiments/real-2025/finance-data/`` (public data only, no scores;
git-ignored, rebuilt by this script; ``make finance-data`` runs it when the files are
missing). Events are the EFS/s114 events as ``financial_notice`` rows with ``status``
(withdrawn requests kept and marked) and ``date_earliest`` (the earliest possible day of an
imprecise date; ``date`` is the latest), read by the label kind ``financial_failure``;
observations add ``social_care_spend_share_pct`` (children's + adults' social care as %
of total service expenditure) for the package's finance family. Budgets and forecasts
published before their year ends (core spending power, Band D, CER) are dated at their
publication (the schema's ``period <= published``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from earlywarn.financial import failure_events, preregistered_inputs
from earlywarn.sources.finance_tables import load_finance_tables

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", default=str(HERE.parents[2] / "shared" / "data" / "raw"))
    ap.add_argument("--out", default=str(HERE / "finance-data"))
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t = load_finance_tables(Path(a.raw))
    c = t.councils.councils
    councils = pd.DataFrame(
        {
            "council_code": c["council_code"],
            "council_name": c["council_name"],
            "council_type": c["council_type"],
            "region": "",
            "valid_from": c["valid_from"],
            "valid_to": c["valid_to"],
            "successor_code": c["successor_codes"],
        }
    )
    obs = t.observations
    # the sources the pre-registered model was scored on (later sources are for a future
    # pre-registration): the cycle's finance_ranks family reproduces the scored features
    obs, _ = preregistered_inputs(obs)
    w = obs.pivot_table(
        index=["council_code", "period", "published"], columns="measure", values="value"
    )
    care = (
        100
        * (w["childrens_social_care_spend_gbp_m"] + w["adult_social_care_spend_gbp_m"])
        / w["total_service_expenditure_gbp_m"].where(lambda s: s > 0)
    ).dropna()
    care = care[(care >= 0) & (care <= 100)]  # a negative net spend line is not a share
    extra = (
        care.rename("value")
        .reset_index()
        .assign(measure="social_care_spend_share_pct", source="rs_finance")
    )
    obs = pd.concat([obs, extra], ignore_index=True)
    # budgets and forecasts (core spending power, Band D, CER) are published before their year
    # ends; the schema wants period <= published, so such a row is dated at its publication
    early = obs["published"] < obs["period"]
    obs.loc[early, "period"] = obs.loc[early, "published"]
    obs = obs.assign(_early=early).sort_values("_early", kind="stable")
    obs = obs.drop_duplicates(["council_code", "period", "measure", "published"], keep="last")
    # every EFS/s114 row, withdrawn requests included (``status``: the label leaves them out,
    # the prior-failure feature counts them, as pre-registered), with ``date_earliest``: an
    # imprecise date is the interval [date_earliest, date] for the label kind
    # financial_failure (a new failure needs the whole interval in the window)
    ev = failure_events(t.events, include_withdrawn=True).assign(event_type="financial_notice")
    # an event dated (at its latest possible day) after its council was abolished (Copeland's
    # 2022-23 EFS, upper bound 29 Feb 2024) is a repeat for that council; the schema wants
    # events of existing councils, so it is left out of the cycle's files and counted
    end = ev["council_code"].map(c.set_index("council_code")["valid_to"])
    late = end.notna() & (ev["date"] >= end)
    print(f"{int(late.sum())} event(s) dated after their council's abolition left out")
    ev = ev[~late]
    cols = ["council_code", "date", "event_type", "service", "severity", "source", "published"]
    ev = ev[[*cols, "date_earliest", "status"]]
    councils.to_csv(out / "councils.csv", index=False)
    obs[["council_code", "period", "measure", "value", "published"]].to_csv(
        out / "observations.csv", index=False
    )
    ev.to_csv(out / "events.csv", index=False)
    print(f"{len(councils)} councils, {len(obs)} observations, {len(ev)} events -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

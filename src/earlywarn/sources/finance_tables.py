"""The finance tables for the financial-failure outcome, for every principal council.

:func:`load_finance_tables` runs the finance loaders on one raw folder and returns one
:class:`FinanceTables`: the councils (districts included), tidy ``observations`` with the
date each value became known (``published``) and the dated EFS/s114 ``events``. Every
event either matches a council or is named by the allowance
(:mod:`earlywarn.sources.allowance`); anything else stops with one line naming the file,
row and value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from earlywarn.sources._common import SourceReport
from earlywarn.sources.allowance import Allowance, load_allowance
from earlywarn.sources.finance_capital import load_capital_finance
from earlywarn.sources.finance_council_tax import load_council_tax
from earlywarn.sources.finance_councils import FinanceCouncils, build_finance_councils
from earlywarn.sources.finance_csp import load_core_spending_power
from earlywarn.sources.finance_events_dated import load_finance_events_dated
from earlywarn.sources.finance_outturn import load_rs_finance

__all__ = ["FinanceTables", "load_finance_tables"]


@dataclass
class FinanceTables:
    """Councils, observations and events for the financial-failure outcome."""

    councils: FinanceCouncils
    observations: pd.DataFrame
    events: pd.DataFrame
    reports: dict[str, SourceReport] = field(default_factory=dict)

    def coverage(self) -> pd.DataFrame:
        """Councils with a value, by measure and period (the coverage holes, stated)."""
        obs = self.observations
        return obs.groupby(["measure", "period"])["council_code"].nunique().unstack("period")


def load_finance_tables(raw_dir: Path, allowance: Allowance | None = None) -> FinanceTables:
    """Load every finance source under ``raw_dir``.

    Parameters
    ----------
    raw_dir : pathlib.Path
        The raw data folder (``shared/data/raw``).
    allowance : Allowance, optional
        Unmatched rows allowed (default: the package's ``allowance.toml``).

    Returns
    -------
    FinanceTables
    """
    raw_dir = Path(raw_dir)
    councils = build_finance_councils(raw_dir)
    events, rep_ev = load_finance_events_dated(raw_dir, councils)
    rs, rep_rs = load_rs_finance(raw_dir, councils)
    csp, rep_csp = load_core_spending_power(raw_dir, councils)
    cap, rep_cap = load_capital_finance(raw_dir, councils)
    ctax, rep_ctax = load_council_tax(raw_dir, councils)
    reports = {r.source: r for r in (rep_ev, rep_rs, rep_csp, rep_cap, rep_ctax)}
    (allowance or load_allowance()).check(reports)
    obs = pd.concat([rs, csp, cap, ctax], ignore_index=True)
    obs = obs.sort_values(["council_code", "measure", "period", "published"], ignore_index=True)
    return FinanceTables(councils, obs, events, reports)

"""The finance tables for the financial-failure outcome, for every principal council.

:func:`load_finance_tables` runs the finance loaders on one raw folder and returns one
:class:`FinanceTables`: the councils (districts included), tidy ``observations`` with the
date each value became known (``published``) and the dated EFS/s114 ``events``. Every
event either matches a council or is named by the allowance
(:mod:`earlywarn.sources.allowance`); anything else stops with one line naming the file,
row and value.

Besides the MHCLG finance files, the loaders of the children's-services panel add the
measures the finance family reads, as they compute them (no copies of their rules): the
political-control measures for **every** council
(:func:`~earlywarn.sources.political_control.load_political_control`, given these
councils: :meth:`FinanceCouncils.resolve_name` matches the table's names), and, for
upper-tier councils (their crosswalk keeps upper tier only), the DSG deficit as % of the
grant (:func:`~earlywarn.sources.other_inspectorates.load_dsg_deficits`) and each Ofsted
children's services inspection as ``childrens_services_judgement`` (overall grade 1
outstanding .. 4 inadequate; ``period`` = the inspection's date, ``published`` = its
publication, :func:`~earlywarn.sources.ofsted.load_ofsted_inspections`). A raw folder
without those files gives none of these rows.
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
from earlywarn.sources.finance_rsx import load_rsx_finance

__all__ = ["CHILDRENS_PANEL_MEASURES", "FinanceTables", "load_finance_tables"]


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
    rsx, rep_rsx = load_rsx_finance(raw_dir, councils)
    upper, rep_upper = _childrens_panel_measures(raw_dir, councils)
    reports = {r.source: r for r in (rep_ev, rep_rs, rep_csp, rep_cap, rep_ctax, rep_rsx)}
    (allowance or load_allowance()).check(reports | rep_upper)
    upper = upper[upper["council_code"].isin(councils.codes)]
    obs = pd.concat([rs, csp, cap, ctax, rsx, upper], ignore_index=True)
    obs = obs.sort_values(["council_code", "measure", "period", "published"], ignore_index=True)
    return FinanceTables(councils, obs, events, reports | rep_upper)


#: measures of the children's-services loaders the finance family reads (the first two
#: for upper-tier councils only, political control for every council)
CHILDRENS_PANEL_MEASURES = (
    "dsg_deficit_pct_of_grant",
    "childrens_services_judgement",
    "political_no_overall_control",
    "political_control_changes_4y",
)


def _childrens_panel_measures(
    raw_dir: Path, councils: FinanceCouncils
) -> tuple[pd.DataFrame, dict[str, SourceReport]]:
    """Political control (every council); DSG deficits and Ofsted judgements (upper tier)."""
    from earlywarn.sources.crosswalk import build_crosswalk
    from earlywarn.sources.ofsted import load_ofsted_inspections
    from earlywarn.sources.other_inspectorates import load_dsg_deficits
    from earlywarn.sources.political_control import load_political_control

    pol, rep_pol = load_political_control(raw_dir, councils)
    if not any(Path(raw_dir).rglob("Provider_data_lookup.csv")):  # no children's crosswalk
        pol = pol[pol["measure"].isin(CHILDRENS_PANEL_MEASURES)]
        return pol, {rep_pol.source: rep_pol}
    cw = build_crosswalk(raw_dir)
    dsg, rep_dsg = load_dsg_deficits(raw_dir, cw)
    ins, rep_ins = load_ofsted_inspections(raw_dir, cw)
    ins = ins[ins["event_type"].eq("inspection") & ins["severity"].notna()]
    judged = pd.DataFrame(
        {
            "council_code": ins["council_code"],
            "period": ins["date"],
            "measure": "childrens_services_judgement",
            "value": ins["severity"].astype(float),
            "published": ins["published"],
            "source": "ofsted_inspections",
        }
    )
    obs = pd.concat([dsg, pol, judged], ignore_index=True)
    obs = obs[obs["measure"].isin(CHILDRENS_PANEL_MEASURES)]
    obs = obs.assign(
        period=pd.to_datetime(obs["period"]), published=pd.to_datetime(obs["published"])
    )
    return obs, {r.source: r for r in (rep_dsg, rep_pol, rep_ins)}

"""What the bundled real panel says about its sources: one entry per staged folder
(publisher, repository copy, licences) and, per measure prefix, the source, period and
publication rule written into ``PROVENANCE.md`` and ``DATA_DICTIONARY.md`` by
:mod:`earlywarn.sources.bundle`."""

from __future__ import annotations

__all__ = ["MEASURE_DOCS", "OGL", "PROVENANCE"]

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."

#: One entry per staged folder (from ``SOURCES.md``).
PROVENANCE: list[dict[str, str]] = [
    {
        "folder": "ofsted_la_inspections",
        "what": "Ofsted local authority children's services inspection outcomes, all "
        "frameworks 2009-2023 (labels and inspection history)",
        "publisher": "Ofsted, Children's social care in England 2023; Local authority "
        "inspection outcomes",
        "repository": "dfe-analytical-services/CSC_outcomes_and_enablers@"
        "2f5d11a431050523dab58810083259d3313029ae",
        "repository_licence": "MIT",
        "data_licence": "OGL v3",
    },
    {
        "folder": "d2i_ilacs_scrape",
        "what": "ILACS/SIF report scrape (inspection end dates) and the LA lookup (URN, DfE "
        "number, ONS code, statistical neighbours)",
        "publisher": "Ofsted (report PDFs), via Data to Insight (D2I) Ofsted ILACS scrape tool",
        "repository": "JT-39/ofsted-ilacs-scrape-tool@54af59bf7856a26530b1eeb45c1c1c146f34cb8a",
        "repository_licence": "MIT",
        "data_licence": "OGL v3",
    },
    {
        "folder": "dfe_csc_dashboard",
        "what": "DfE children in need, child protection, looked-after children, social work "
        "workforce; ONS mid-year population; statistical neighbours",
        "publisher": "Department for Education; Office for National Statistics",
        "repository": "dfe-analytical-services/CSC_outcomes_and_enablers@"
        "2f5d11a431050523dab58810083259d3313029ae",
        "repository_licence": "MIT",
        "data_licence": "OGL v3",
    },
    {
        "folder": "goodair_csc",
        "what": "older looked-after children SFR tables 2010-2017, CLA rates 2019-2022, "
        "placement stability 2018-2022, IMD 2019 upper-tier summary",
        "publisher": "Department for Education; MHCLG English Indices of Deprivation 2019, "
        "via BenGoodair/childrens_social_care_data",
        "repository": "BenGoodair/childrens_social_care_data@"
        "ca4389abf37edc6531b03995b1d30be0e1a37807",
        "repository_licence": "none",
        "data_licence": "OGL v3",
    },
    {
        "folder": "oflog_asc",
        "what": "adult social care outcome metrics 2015-16..2021-22",
        "publisher": "Office for Local Government (Oflog) Local Authority Data Explorer, from "
        "DHSC ASCOF and Skills for Care",
        "repository": "communitiesuk/oflog-automated-text@8036fa87bff7902004956b0561765af21af665da",
        "repository_licence": "none",
        "data_licence": "OGL v3",
    },
    {
        "folder": "bbc_council_reserves",
        "what": "Revenue Outturn Summary (RS) 2015-16..2017-18: reserves and net expenditure",
        "publisher": "MHCLG Revenue Outturn Summary (RS), via BBC Shared Data Unit",
        "repository": "BBC-Data-Unit/council-reserves@b92252397964f1367fab6a762bc4afc9a41c1103",
        "repository_licence": "none",
        "data_licence": "OGL v3",
    },
    {
        "folder": "mysociety_la_codes",
        "what": "local authority names, codes, start/end dates and successors",
        "publisher": "mySociety UK local authority names and codes (ONS/OS codes)",
        "repository": "mysociety/uk_local_authority_names_and_codes@"
        "67ef8b118938678401a452f4f19f669a7221cc73",
        "repository_licence": "MIT",
        "data_licence": "OGL v3 (codes)",
    },
    {
        "folder": "council_finance_events",
        "what": "section 114 notices and exceptional financial support, transcribed by hand",
        "publisher": "MHCLG exceptional financial support pages and councils' notices, via "
        "mrngmkmichael-cell/propertyvalue",
        "repository": "mrngmkmichael-cell/propertyvalue@041c5311d8fe1878cb0b9053a0748ec78da85c47",
        "repository_licence": "none",
        "data_licence": "OGL v3 (facts from MHCLG pages)",
    },
    {
        "folder": "political_control",
        "what": "council composition and political control after each May's elections, "
        "1973-2022, with mySociety's Open Council Data id list",
        "publisher": "Open Council Data UK (opencouncildata.co.uk), via "
        "lucyfionashaw/uk-energy-devolution; mySociety UK local authority names and codes",
        "repository": "lucyfionashaw/uk-energy-devolution@73b036b927ac8cb6bf6637a1028d30045cf66eef",
        "repository_licence": "none",
        "data_licence": "not settled: Open Council Data UK calls its CSVs public domain, its "
        "site CC BY-SA; derived tables treated as CC BY-SA",
        "attribution_text": "Council composition data: Open Council Data UK "
        "(opencouncildata.co.uk).",
    },
    {
        "folder": "send_inspections",
        "what": "area SEND inspection and revisit outcomes, 1 May 2016 to 31 August 2022",
        "publisher": "Ofsted, Area SEND inspection and revisit outcomes (official statistics, "
        "published 17 November 2022)",
        "repository": "dfe-analytical-services/SEND-AP-Inclusion-Dashboard@"
        "b215e61ee7717f3263380f3c9dba53232b1b7c16",
        "repository_licence": "MIT",
        "data_licence": "OGL v3",
    },
    {
        "folder": "dfe_lait",
        "what": "DfE Local Authority Interactive Tool snapshot of 25 March 2025: social work "
        "workforce 2015-2016, looked-after children 2018, s251 gross outturn 2015-16..2023-24 "
        "and other years no first edition in the folder gives (values as revised by then)",
        "publisher": "Department for Education, Local Authority Interactive Tool (LAIT)",
        "repository": "dfe-analytical-services/local-authority-interactive-tool@"
        "0d8b32e44c41331c34e570f103c5af0a8607ce56",
        "repository_licence": "MIT",
        "data_licence": "OGL v3",
    },
    {
        "folder": "imd",
        "what": "English Indices of Deprivation 2010 and 2015, district tables (aggregated to "
        "upper tier by population weights)",
        "publisher": "DCLG English Indices of Deprivation 2010 and 2015, via humaniverse/IMD",
        "repository": "humaniverse/IMD@419a7881fc3741251c286c1cb6528d5c3e757a1a",
        "repository_licence": "MIT",
        "data_licence": "OGL v3",
    },
    {
        "folder": "dsg_deficits",
        "what": "dedicated schools grant deficits as a share of the grant, 2019-20..2021-22",
        "publisher": "derived by the DfE SEND and AP inclusion dashboard from DfE LA and "
        "school expenditure (section 251 outturn) and ESFA DSG allocations",
        "repository": "dfe-analytical-services/SEND-AP-Inclusion-Dashboard@"
        "b215e61ee7717f3263380f3c9dba53232b1b7c16",
        "repository_licence": "MIT",
        "data_licence": "OGL v3",
    },
    {
        "folder": "youth_justice",
        "what": "HM Inspectorate of Probation youth justice inspection ratings (latest report "
        "of each service, 2021-2023)",
        "publisher": "HM Inspectorate of Probation youth justice inspection reports, via Data "
        "to Insight (D2I) HMI Probation youth justice scrape",
        "repository": "data-to-insight/hmi-probation-youth-justice-scrape@"
        "23af6a9174b765f50e764a764fce382fea3866c5",
        "repository_licence": "MIT",
        "data_licence": "OGL v3",
    },
]

_S251_GROSS = (
    "DfE section 251 outturn, gross expenditure, £ million (DfE LAIT snapshot of 25 March "
    "2025: values as revised then, column revised = True)",
    "31 Mar Y",
    "31 Mar Y+1",
)

#: Measure -> (source, unit, period, published rule) for the data dictionary.
MEASURE_DOCS = {
    "sw_": ("DfE social work workforce", "30 Sep Y", "end of Feb Y+1"),
    "cin_": ("DfE children in need", "31 Mar Y", "30 Nov Y"),
    "referral": ("DfE children in need: referrals", "31 Mar Y", "30 Nov Y"),
    "rereferral": ("DfE children in need: referrals", "31 Mar Y", "30 Nov Y"),
    "assessed_": ("DfE children in need: referrals", "31 Mar Y", "30 Nov Y"),
    "factor_": ("DfE children in need: assessment factors", "31 Mar Y", "30 Nov Y"),
    "assessment_factor": ("DfE children in need: assessment factors", "31 Mar Y", "30 Nov Y"),
    "cpp_": ("DfE child protection plans", "31 Mar Y", "30 Nov Y"),
    "cla_": ("DfE looked-after children (EES 2019-; SFR 2010-2017)", "31 Mar Y", "31 Dec Y"),
    "placement_": ("DfE looked-after children: placement stability", "31 Mar Y", "31 Dec Y"),
    "pop_": ("ONS mid-year estimates (DfE geography)", "30 Jun Y", "31 Dec Y+1"),
    "asc_": ("Oflog adult social care metrics", "31 Mar Y", "31 Dec Y"),
    "s251_cla_gross": _S251_GROSS,
    "s251_family_support_gross": _S251_GROSS,
    "s251_childrens_services_gross": _S251_GROSS,
    "s251_": (
        "DfE section 251 outturn, net current expenditure, £ million",
        "31 Mar Y",
        "31 Mar Y+1",
    ),
    "deprivation_": (
        "English Indices of Deprivation 2019 (upper-tier summary); 2010 and 2015 (district "
        "tables, population-weighted to the upper-tier councils of the release date)",
        "the release: 24 Mar 2011, 30 Sep 2015, 26 Sep 2019",
        "the release",
    ),
    "dsg_": (
        "DfE SEND and AP dashboard: DSG carried forward / DSG allocation (s251 outturn, ESFA)",
        "31 Mar Y",
        "31 Mar Y+1",
    ),
    "political_": (
        "Open Council Data UK council composition (derived per council and year)",
        "31 May Y (after the May elections)",
        "30 Jun Y",
    ),
    "net_": ("MHCLG Revenue Outturn Summary (RS), £ million", "31 Mar Y", "30 Nov Y"),
    "childrens_social": ("MHCLG Revenue Outturn Summary (RS), £ million", "31 Mar Y", "30 Nov Y"),
    "adult_social": ("MHCLG Revenue Outturn Summary (RS), £ million", "31 Mar Y", "30 Nov Y"),
    "social_care": ("MHCLG Revenue Outturn Summary (RS)", "31 Mar Y", "30 Nov Y"),
    "usable_reserves": (
        "MHCLG RS: other earmarked + unallocated reserves, £ million",
        "31 Mar Y (and Y-1)",
        "30 Nov Y",
    ),
    "unallocated_reserves": ("MHCLG RS: unallocated reserves, £ million", "31 Mar Y", "30 Nov Y"),
}

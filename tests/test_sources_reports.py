"""Ofsted report PDFs: text through a hash-keyed cache, counts and dated leadership facts,
unreadable files listed (never raised); other inspectorates' loaders."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from earlywarn.errors import UserInputError
from earlywarn.sources import (
    build_crosswalk,
    load_dsg_deficits,
    load_ofsted_reports,
    load_send_inspections,
    load_youth_justice,
)
from earlywarn.sources.ofsted_reports import (
    FRAMEWORK_OUTCOMES,
    count_improve_points,
    count_improve_points_by_outcome,
    count_workforce_mentions,
    leadership_facts,
)
from earlywarn.sources.pdf_text import read_pdf_text

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
REPORTS = RAW / "ofsted_reports" / "inspection_reports"
pytestmark = pytest.mark.skipif(not RAW.exists(), reason="shared raw data not present")


@pytest.fixture(scope="module")
def cw():
    return build_crosswalk(RAW)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("EARLYWARN_CACHE_DIR", str(d))
    return d


def test_leadership_facts_from_sentences():
    text = (
        "Local leadership\n The interim Director of Children’s Services (DCS) has been in post "
        "since July 2013.\n The chief executive of the trust has been in post since July 2014. "
        "The DCS has been in post since April 2013 and the chief executive since September "
        "2012. The acting chief executive has been in post since 3 March 2016."
    )
    got = [(r, str(d.date()), s) for r, d, s in leadership_facts(text)]
    assert got == [
        ("dcs", "2013-07-01", 2.0),
        ("dcs", "2013-04-01", 1.0),
        ("chief_executive", "2012-09-01", 1.0),
        ("chief_executive", "2016-03-03", 2.0),
    ]  # the trust's chief executive is not the council's
    assert leadership_facts("The director has been in post for less than three months.") == []
    both = (
        "The current Director of Children’s Services has been in post since 2012 and more. "
        "The Director of Children’s Services has been in post since March 2012."
    )
    assert [(r, str(d.date())) for r, d, _ in leadership_facts(both)] == [("dcs", "2012-03-01")]


#: a post-reform ILACS report (inspections from April 2026) as pypdf gives it: points to
#: improve grouped under the national framework's outcomes and enablers, some tagged in
#: the point itself, some wrapped over two lines (planted: no such report is in the vintage)
POST_REFORM = """Inspection of Barchester local authority children's services
Inspection dates: 11 May to 22 May 2026
Leaders                                   Requires improvement
What needs to improve
Outcome 1: Children, young people and families stay together and get the help and support
they need
◼ The timeliness and quality of early help assessments for families whose needs
escalate.
◼ Step-down from statutory services to early help.
Outcome 2: Children and young people are supported by their family network
◼ Family group decision-making before proceedings.
Outcome 3: Children and young people are safe in and outside of their homes
◼ The response to children at risk of exploitation, including return home interviews.
children in care and care leavers have stable, loving homes is a phrase in a wrapped line
◼ Responses to children missing from home.
◼ Management oversight of strategy discussions. (Outcome 4: children in care and care
leavers have stable, loving homes)
◼ Sufficiency of local homes for children in care [Outcome 4]
Enablers: The workforce is equipped and effective
◼ Caseloads of social workers in the assessment teams.
◼ Leaders' understanding of practice through audit.
The experiences and progress of children who need help and protection
◼ Not a point to improve.
"""


def test_improvement_points_per_framework_outcome():
    got = count_improve_points_by_outcome(POST_REFORM)
    assert got == {
        "help": 2.0,
        "family_network": 1.0,
        "safe": 2.0,  # a wrapped line opening with an outcome's words is no heading
        "stable_homes": 2.0,  # tagged in the point itself
        "enablers": 2.0,
    }
    assert sum(got.values()) == count_improve_points(POST_REFORM) == 9
    assert all(isinstance(v, float) for v in got.values())  # counts, never text
    # a report before the reform: its points carry no outcome -> missing, not 0
    ilacs = "What needs to improve? \n\u25fc One\ncontinued\n\n\u25fc Two\nThe experiences"
    assert count_improve_points(ilacs) == 2
    old = count_improve_points_by_outcome(ilacs)
    assert list(old) == list(FRAMEWORK_OUTCOMES) and all(np.isnan(v) for v in old.values())
    assert all(np.isnan(v) for v in count_improve_points_by_outcome("no section").values())


def test_improvement_points_of_each_framework():
    ilacs = "What needs to improve? \n◼ One\ncontinued\n\n◼ Two\nThe experiences and progress"
    assert count_improve_points(ilacs) == 2
    sif = (
        "Contents\nWhat does the local authority need to improve? 4\nSummary\n\f"
        "What does the local authority need to improve? \nPriority and immediate action\n"
        "1. Act now.\nAreas for improvement\n2. Do this.\n3. And that.\n"
        "Summary for children and young people\n4. Not a point."
    )
    assert count_improve_points(sif) == 3
    later = "Recommendations \n1. A.\n2. B\n2.1 sub\nSummary for children and young people\n"
    assert count_improve_points(later) == 2
    assert np.isnan(count_improve_points("An inspection of services for looked after children"))
    assert count_workforce_mentions("Caseloads are high; agency staff and vacancies.") == 3


def test_pdf_text_cache_and_unreadable_files(tmp_path, cache):
    pdf = next(REPORTS.glob("80426_barnsley/*2018.pdf"))
    copy = tmp_path / "r.pdf"
    shutil.copy(pdf, copy)
    first = read_pdf_text(copy)
    assert not first.error and not first.cached and "Barnsley" in first.text
    again = read_pdf_text(copy)
    assert again.cached and again.text == first.text and again.sha256 == first.sha256
    assert len(list((cache / "pdf_text").glob("*.json"))) == 1
    bad = {
        "html.pdf": b"<!DOCTYPE html><html><body>Not found</body></html>",
        "truncated.pdf": pdf.read_bytes()[:3000],
        "garbage.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 4,
        "empty.pdf": b"",
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
        got = read_pdf_text(tmp_path / name)
        assert got.error and got.text == "", name
        assert "\n" not in got.error


def test_load_reports_lists_unreadable_and_dates_facts(tmp_path, cache, cw):
    root = tmp_path / "ofsted_reports" / "inspection_reports"
    for folder, pattern in (("80418_norfolk", "*2015.pdf"), ("80426_barnsley", "*2018.pdf")):
        (root / folder).mkdir(parents=True)
        for f in (REPORTS / folder).glob(pattern):
            shutil.copy(f, root / folder / f.name)
    html = next((REPORTS / "80429_birmingham").glob("*2012.pdf"))
    (root / "80429_birmingham").mkdir()
    shutil.copy(html, root / "80429_birmingham" / html.name)
    reports, lead, rep = load_ofsted_reports(tmp_path, cw)
    assert len(rep.files) == 3 and len(reports) == 2
    assert len(rep.unreadable) == 1 and "19 october 2012.pdf: not a PDF" in rep.unreadable[0]
    norfolk = lead[lead["council_code"].eq("E10000020")]
    # SIF October 2015: "The interim Director ... has been in post since July 2013."
    assert norfolk[["service", "severity"]].values.tolist() == [["dcs", 2.0]]
    assert (norfolk["date"] == pd.Timestamp("2013-07-01")).all()
    assert (norfolk["published"] == pd.Timestamp("2015-10-20")).all()  # file-name date
    barnsley = reports[reports["council_code"].eq("E08000016")].iloc[0]
    assert barnsley["report_improve_points"] == 4  # ILACS 2018: four bullets
    bad = tmp_path / "ofsted_reports" / "inspection_reports" / "norfolk" / "x - 1 may 2019.pdf"
    bad.parent.mkdir()
    bad.write_bytes(b"%PDF")
    with pytest.raises(UserInputError, match="does not start with an Ofsted URN"):
        load_ofsted_reports(tmp_path, cw)
    bad.unlink()
    (root / "80418_norfolk" / "report.pdf").write_bytes(b"%PDF")
    with pytest.raises(UserInputError, match="report.pdf: the file name has no publication"):
        load_ofsted_reports(tmp_path, cw)


def test_other_inspectorates_and_dsg(cw):
    send, rep = load_send_inspections(RAW, cw)
    assert rep.rows_read == 149 and rep.unmatched == []
    area = send[send["service"].eq("send_area")]
    assert len(area) == 149 and area["severity"].sum() == 82  # 82 WSoAs (SOURCES.md)
    revisit = send[send["service"].eq("send_revisit")]
    assert revisit["severity"].value_counts().to_dict() == {1.0: 24, 0.0: 20, 2.0: 2}
    assert (send["published"] == send["date"]).all()
    yj, rep = load_youth_justice(RAW, cw)
    assert rep.skipped.get("Welsh service", 0) >= 4
    assert rep.skipped.get("overall rating not scraped") == 1  # West Sussex
    assert set(yj["severity"]) <= {1.0, 2.0, 3.0, 4.0}
    # West Mercia covers four councils, one rating each
    wm = yj.groupby("date")["council_code"].nunique()
    assert wm.max() >= 4
    dsg, rep = load_dsg_deficits(RAW, cw)
    assert rep.rows_read == 448 and dsg["council_code"].nunique() >= 149
    assert ((dsg["published"] - dsg["period"]).dt.days == 365).all()


def test_other_inspectorates_bad_input(tmp_path, cw):
    p = tmp_path / "youth_justice" / "yj.csv"
    p.parent.mkdir()
    head = "la_name,overall_rating,publication_date\n"
    p.write_text(head + "Kent,Excellent,01/02/2022\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=r"yj.csv: row 2, column overall_rating"):
        load_youth_justice(tmp_path, cw)
    p.write_text(head + "Kentish Town,Good,01/02/2022\n", encoding="utf-8")
    with pytest.raises(UserInputError, match=r"row 2, column la_name: 'Kentish Town'"):
        load_youth_justice(tmp_path, cw)
    p.write_text(head + "Kent,Requires i mprov ement,01/02/2022\n", encoding="utf-8")
    assert load_youth_justice(tmp_path, cw)[0]["severity"].tolist() == [3.0]
    ods = tmp_path / "send" / "Area_SEND_broken.ods"
    ods.parent.mkdir()
    ods.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UserInputError, match="Area_SEND_broken.ods: cannot be read as an ODS"):
        load_send_inspections(tmp_path, cw)
    xlsx = tmp_path / "dsg" / "dsg_deficit_derived.xlsx"
    xlsx.parent.mkdir()
    xlsx.write_bytes(b"not a workbook")
    with pytest.raises(UserInputError, match="dsg_deficit_derived.xlsx: cannot be read as an xlsx"):
        load_dsg_deficits(tmp_path, cw)
    pd.DataFrame(
        {
            "time_period": ["202021"],
            "geographic_level": ["Local authority"],
            "la_name": ["Atlantis"],
            "deficit": ["1.0"],
        }
    ).to_excel(xlsx, index=False)
    with pytest.raises(UserInputError, match=r"row 2, column la_name: 'Atlantis'"):
        load_dsg_deficits(tmp_path, cw)


def test_upper_case_pdf_extension_is_read(tmp_path, cache, cw):
    """A report downloaded as 'NAME.PDF' is read like 'NAME.pdf' (not silently skipped)."""
    root = tmp_path / "ofsted_reports" / "inspection_reports" / "80426_barnsley"
    root.mkdir(parents=True)
    src = next((REPORTS / "80426_barnsley").glob("*2018.pdf"))
    shutil.copy(src, root / (src.stem + ".PDF"))
    reports, _, rep = load_ofsted_reports(tmp_path, cw)
    assert [Path(f).name for f in rep.files] == [src.stem + ".PDF"]
    assert reports["council_code"].tolist() == ["E08000016"]


def test_find_files_ignores_the_case_of_the_pattern(tmp_path):
    from earlywarn.sources._common import find_files

    for name in ("a.CSV", "b.csv", "c.Csv", "d.txt"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in find_files(tmp_path, "*.csv")] == ["a.CSV", "b.csv", "c.Csv"]

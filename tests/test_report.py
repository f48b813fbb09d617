"""Risk bands, support, export safety (CSV, XLSX, HTML) and the report in headless Chromium."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from earlywarn.config import parse_config
from earlywarn.errors import UserInputError
from earlywarn.explain import explain
from earlywarn.report import (
    CONFIDENTIAL,
    DEFAULT_SUPPORT,
    WORDING,
    build_bands,
    build_evidence_bands,
    build_risk_list,
    calibration_png,
    render_council_sections,
    render_report,
    render_risk_list_xlsx,
    risk_score,
    support_for,
)

EVIL = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
SCRIPT = "<script>alert('x')</script> Borough"


def test_matrix_scores_and_wording():
    assert risk_score(3, 3) == 9 and risk_score(1, 3) == 7 and risk_score(3, 1) == 3
    assert risk_score(1, 1) == 1
    assert WORDING[9].startswith("Immediate action needed")
    assert WORDING[1] == "No action necessary"
    with pytest.raises(ValueError):
        risk_score(0, 2)


def test_bands_follow_thresholds_criticality_and_size():
    p = pd.Series([0.05, 0.15, 0.30, 0.30, 0.30], index=list("abcde"))
    size = pd.Series([500.0, 500.0, 500.0, 900.0, np.nan], index=list("abcde"))
    b = build_bands(p, size, (0.1, 0.25), criticality=2, size_thresholds=(300, 700))
    assert b["likelihood_band"].tolist() == ["low", "medium", "high", "high", "high"]
    assert b["impact_band"].tolist() == ["medium", "medium", "medium", "high", "medium"]
    assert b["risk_score"].tolist() == [4, 5, 6, 9, 6]
    small = build_bands(p, pd.Series(100.0, index=p.index), (0.1, 0.25), criticality=2)
    assert (small["impact_band"] == "low").all()
    # thresholds come from the config
    b2 = build_bands(p, size, (0.02, 0.04), criticality=2)
    assert (b2["likelihood_band"] == "high").all()


def test_band_config_is_checked():
    base = {"cycle": "t", "as_of": "2020-03-31"}
    cfg = parse_config({**base, "report": {"likelihood_thresholds": [0.05, 0.2]}})
    assert cfg.report.likelihood_thresholds == (0.05, 0.2)
    for bad in (
        {"likelihood_thresholds": [0.3, 0.2]},
        {"service_criticality": 4},
        {"support": {"magic": ["x"]}},
        {"size_thresholds": ["a", "b"]},
    ):
        with pytest.raises(UserInputError, match="report"):
            parse_config({**base, "report": bad})


def test_support_for_natures_in_order_without_repeats():
    s = support_for(["political", "financial", "political"], DEFAULT_SUPPORT)
    assert s.startswith("political peer mentoring") and s.count("political peer mentoring") == 1
    assert "finance peer review" in s


@pytest.fixture(scope="module")
def report_parts(explained_world):
    """An explained world with hostile council names, its risk list and report."""
    w = explained_world
    model = w.models["gbm"]
    ex = explain(model, w.now, w.Xtr, w.features.specs, w.features.peer_median)
    codes = w.now.index.get_level_values("council_code")
    prob = model.predict_proba(w.now)[:, 1]
    names = w.panel.loc[w.now.index, "council_name"].to_numpy().copy()
    order = np.argsort(-prob)
    for j, evil in zip(order, [SCRIPT, *EVIL], strict=False):
        names[j] = evil
    scores = pd.DataFrame(
        {
            "council_code": codes,
            "council_name": names,
            "council_type": w.panel.loc[w.now.index, "council_type"].to_numpy(),
            "probability": prob,
        }
    )
    bands = build_evidence_bands(
        pd.Series(prob, index=codes), float(prob.mean()), pd.Series(50.0, index=codes), top_k=4
    )
    rl = build_risk_list(
        scores, ex.reasons, 3, bands=bands, main_nature=ex.main_nature, support=DEFAULT_SUPPORT
    )
    sections = render_council_sections(
        rl, ex, w.features.X, w.features.peer_median, w.features.specs, k=4
    )
    evaluation = {
        "models": {"gbm": {"pooled": {"auroc": {"value": 0.8, "lo": 0.7, "hi": 0.9}}}},
        "label": {"description": "an 'inadequate' judgement within 24 months"},
        "test_origins": ["2018-03-31"],
        "k": 4,
    }
    run_info = {"cycle": "t", "as_of": "2020-03-31", "model": "gbm", "model_run_id": "abc"}
    pred = pd.DataFrame({"model": "gbm", "p": prob, "y": (prob > 0.1).astype(int)})
    page = render_report(
        rl,
        evaluation,
        run_info,
        calibration_png(pred),
        top_n=20,
        council_sections=sections,
        extra_sections=["<h2 id='extra'>Evaluation hook</h2>"],
    )
    return rl, ex, page, run_info


def test_risk_list_carries_bands_support_and_main_nature(report_parts):
    rl, ex, _, _ = report_parts
    for col in ("risk_score", "likelihood_band", "impact_band", "risk_band", "support_offered"):
        assert rl[col].notna().all(), col
    assert rl["risk_score"].between(1, 9).all()
    assert set(rl["risk_band"]) <= set(WORDING.values())
    main = ex.main_nature.replace("", "no clear single nature")
    assert rl.set_index("council_code")["main_problem_nature"].equals(
        main.reindex(rl["council_code"]).rename("main_problem_nature")
    )
    for r in rl.itertuples():
        if r.main_problem_nature in DEFAULT_SUPPORT:
            assert r.support_offered.startswith(DEFAULT_SUPPORT[r.main_problem_nature][0])
        else:
            assert r.support_offered == "no specific offer suggested"


def test_csv_export_neutralises_formulas(report_parts):
    from earlywarn.report import risk_list_csv

    rl, _, _, run_info = report_parts
    text = risk_list_csv(rl, {**run_info, "model_run_id": "abc"})
    assert text.splitlines()[0] == f"# {CONFIDENTIAL}"
    back = pd.read_csv(io.StringIO(text), skiprows=2, keep_default_na=False)
    assert len(back) == len(rl)  # a CR or tab in a name does not break the rows
    names = set(back["council_name"])
    for evil in EVIL:
        assert evil not in names and "'" + evil in names
    for col in back.columns:
        for v in back[col]:
            assert not (isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t", "\r")))


def test_xlsx_list_sheet_is_readable_and_safe(report_parts):
    from openpyxl import load_workbook

    from earlywarn.report import headers

    rl, _, _, run_info = report_parts
    run_info = {
        **run_info,
        "probability_meaning": "P(inadequate | inspected within 24 months)",
        "interval": {"level": 0.9, "n_boot": 20},
        "config": {"horizon": "24M"},
    }
    signals = pd.DataFrame({"council_code": ["E1"], "measure": ["x_pct"], "value": [1.0]})
    data = render_risk_list_xlsx(rl, run_info, signals=signals)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Risk list", "Confidential", "Signals"]
    conf = wb["Confidential"]
    assert conf["B1"].value == CONFIDENTIAL
    assert {conf.cell(r, 1).value for r in range(1, 9)} >= {"model run (MLflow)", "cycle"}
    ws = wb["Risk list"]
    assert ws["A1"].value == CONFIDENTIAL  # banner rows on the list sheet itself
    assert "P(inadequate | inspected within 24 months)" in ws["A2"].value
    names = headers(run_info)
    header = [c.value for c in ws[4]]
    assert header[:3] == ["Rank", "Council", "Risk band (EMRIEP wording)"]
    assert "P(inadequate | inspected within 24 months)" in header
    assert not any("_" in str(h) for h in header if h)  # human headers, not field names
    assert ws.freeze_panes == "C5"  # header and the rank + name columns stay in view
    assert ws.auto_filter.ref.startswith("A4:")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4"
    pcol = header.index(names["probability"]) + 1
    assert ws.cell(5, pcol).number_format == "0.0%"
    assert 0 <= ws.cell(5, pcol).value <= 1
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    name_col = header.index("Council") + 1
    shown = {ws.cell(r, name_col).value for r in range(5, ws.max_row + 1)}
    assert '\'=HYPERLINK("http://x","y")' in shown and "'@SUM(A1)" in shown
    band_col = header.index("Risk band (EMRIEP wording)") + 1
    score_col = header.index("Matrix score (1-9)") + 1
    fills = {
        ws.cell(r, score_col).value: ws.cell(r, band_col).fill.fgColor.rgb
        for r in range(5, ws.max_row + 1)
    }
    assert len(set(fills.values())) == len({(s - 1) // 3 + (s == 9) for s in fills})
    assert wb["Signals"]["A3"].value == "E1"


def test_html_escapes_names_and_is_self_contained(report_parts):
    _, _, page, _ = report_parts
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert CONFIDENTIAL.split(" - ")[0] in page
    assert "Content-Security-Policy" in page
    assert not re.search(r"(src|href)=\"(https?:|//)", page)
    assert page.count('class="council"') == 4
    assert "<h2 id='extra'>Evaluation hook</h2>" in page
    assert page.count("data:image/png;base64,") == 5  # 4 councils + calibration


CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if shutil.os.path.exists("/usr/bin/chromium") else None
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def _chromium(tmp_path, *args):
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(report_parts, tmp_path):
    rl, _, page, _ = report_parts
    html_file = tmp_path / "report.html"
    html_file.write_text(page, encoding="utf-8")
    res = _chromium(tmp_path, "--dump-dom", html_file.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert 'id="risk-list"' in dom
    table = dom.split('id="risk-list"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == min(20, len(rl)) + 1  # header + rows
    assert "&lt;script&gt;" in dom
    console = [ln for ln in res.stderr.splitlines() if "CONSOLE" in ln]
    assert not console, console

    # every embedded image decodes: an instrumented copy (scripts allowed only here)
    probe = (
        "<script>addEventListener('load', () => { const bad = [...document.images]"
        ".filter(i => !(i.complete && i.naturalWidth > 0)).length;"
        " document.body.insertAdjacentHTML('beforeend',"
        " `<p id='probe'>images=${document.images.length} broken=${bad}</p>`); });</script>"
    )
    inst = page.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
    inst = inst.replace("</head>", probe + "</head>", 1)
    probe_file = tmp_path / "probe.html"
    probe_file.write_text(inst, encoding="utf-8")
    res = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", probe_file.as_uri())
    m = re.search(r"images=(\d+) broken=(\d+)", res.stdout)
    assert m, res.stdout[-500:]
    assert int(m.group(1)) == 5 and int(m.group(2)) == 0

    shot = tmp_path / "report.png"
    res = _chromium(tmp_path, "--window-size=1280,2000", f"--screenshot={shot}", html_file.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
def test_report_screenshots_at_screen_and_a4_print_sizes(report_parts, tmp_path):
    """The report in a real browser: a screenshot at a laptop screen size, one at the width
    of an A4 page (96 dpi), and the print rendering (A4 portrait, the print stylesheet) as
    PDF, all kept under the test's tmp folder (paths printed, for the closing note)."""
    _, _, page, _ = report_parts
    html_file = tmp_path / "report.html"
    html_file.write_text(page, encoding="utf-8")
    shots = {
        "screen": (tmp_path / "report-screen.png", "1366,2400"),
        "a4": (tmp_path / "report-a4-width.png", "794,1123"),
    }
    for path, size in shots.values():
        res = _chromium(
            tmp_path, f"--window-size={size}", f"--screenshot={path}", html_file.as_uri()
        )
        assert res.returncode == 0, res.stderr[-2000:]
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    pdf = tmp_path / "report-a4-print.pdf"
    res = _chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html_file.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    # A4 portrait pages (595 x 842 pt) from the print stylesheet (earlywarn.report._print)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data)
    assert boxes and all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes)
    assert "@media print" in page and "size: A4;" in page
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(tmp_path / "print"),
            ],
            check=True,
            timeout=60,
        )
    print("report screenshots:", *[p for p, _ in shots.values()], pdf, sep="\n  ")

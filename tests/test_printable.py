"""The printed report and list, and the published model's level at every backtest origin
(issue 23: item 10 and a "Done when").

The real demo (``earlywarn demo``: the packaged configs/real.toml on the bundled panel)
and the synthetic demo are run once each into a temporary folder. Their ``report.html``
is printed by headless Chromium to PDF: at most 12 A4 portrait pages for the top 15,
CONFIDENTIAL on every page, every council section printed. Their ``risk_list.xlsx`` list
sheet prints A4 landscape, fitted to the width, with the banner in every page's header
and footer and a printed page of the key columns of the first tier; where LibreOffice is
installed the sheet is converted to PDF and its pages counted.

The real demo's saved out-of-time predictions give, per validation origin, the published
model's median P(fail | inspected) among the inspected against the realised failure rate.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
SOFFICE = shutil.which("soffice")
MAX_PAGES = 12  # issue 23 item 10: "at most ~12 A4 pages for the top 15"
A4 = (595.3, 841.9)  # points, portrait
_OUT: dict[str, Path] = {}


def _demo_out(name: str, tmp_path_factory) -> Path:
    """The demo's output folder, run once per module: the real one is the packaged
    configs/real.toml (validation origins only), the other the synthetic demo."""
    from earlywarn.config import load_config
    from earlywarn.cycle import demo_config, run_cycle

    if name not in _OUT:
        tmp = tmp_path_factory.mktemp(f"print-{name}")
        with demo_config(synthetic=name == "synthetic") as path:
            cfg = load_config(path)
        run_cycle(cfg, tmp / "out", tracking_uri=f"sqlite:///{tmp / 'mlflow.db'}")
        _OUT[name] = tmp / "out"
    return _OUT[name]


@pytest.fixture(scope="module", params=["real", "synthetic"])
def demo(request, tmp_path_factory):
    return request.param, _demo_out(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def real_demo(tmp_path_factory):
    """The real demo (configs/real.toml, the bundled real panel)."""
    return _demo_out("real", tmp_path_factory)


def _pdf_pages(pdf: Path) -> list[tuple[float, float, str]]:
    from pypdf import PdfReader

    return [
        (float(p.mediabox.width), float(p.mediabox.height), p.extract_text() or "")
        for p in PdfReader(pdf).pages
    ]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (.ci/run installs it)")
def test_report_prints_to_a_few_a4_pages_marked_confidential(demo, tmp_path):
    name, out = demo
    pdf = tmp_path / "report.pdf"
    res = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            (out / "report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    pages = _pdf_pages(pdf)
    print(f"{name}: report.html prints to {len(pages)} A4 pages")
    assert 1 < len(pages) <= MAX_PAGES, len(pages)
    for i, (w, h, text) in enumerate(pages, start=1):
        assert abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2, (i, w, h)
        assert "CONFIDENTIAL" in text, f"page {i} has no banner"
        assert f"page {i} of {len(pages)}" in text, i
    printed = "\n".join(t for _, _, t in pages)
    rl = pd.read_csv(out / "risk_list.csv", comment="#", keep_default_na=False)
    k = json.loads((out / "run.json").read_text())["config"]["evaluate"]["k"]
    for r in rl.head(k).itertuples():  # every council section is printed, in rank order
        assert re.search(rf"{r.rank}\. .*\({r.council_code}\)", printed), r.rank
    page = (out / "report.html").read_text()
    # the screen keeps everything the paper leaves out
    screen = page.split("@media print", 1)[0]
    assert ".detail" not in screen and "#risk-list th:not(" not in screen
    assert 'class="detail"' in page and "all metrics" in page
    assert "all metrics" not in printed  # ... the detail tables are left to the screen
    assert "Printed copy: the detail tables" in printed


def _list_sheet(out: Path):
    from openpyxl import load_workbook

    return load_workbook(out / "risk_list.xlsx")


def test_xlsx_list_sheet_print_setup(demo):
    from openpyxl.utils import get_column_letter

    from earlywarn.report import CONFIDENTIAL, headers

    _, out = demo
    wb = _list_sheet(out)
    run = json.loads((out / "run.json").read_text())
    rl = pd.read_csv(out / "risk_list.csv", comment="#", keep_default_na=False)
    for ws in wb.worksheets:  # every sheet: A4 landscape, fitted, banner on every page
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.center.text == CONFIDENTIAL, ws.title
        assert ws.oddFooter.left.text.startswith("CONFIDENTIAL"), ws.title
        assert "&P" in ws.oddFooter.right.text
    ws = wb["Risk list"]
    header = [c.value for c in ws[4]]
    names = headers(run)
    printed = ["Rank", "Council", names["risk_band"], "Tier"]
    assert header[:4] == printed  # the printed columns come first
    assert ws.print_title_rows == "$4:$4"
    tier1 = int((rl["tier"].astype(int) == 1).sum())
    assert tier1 == run["config"]["evaluate"]["k"]
    area = str(ws.print_area).split("!")[1].replace("$", "")
    last = header.index(names["reason_1"]) + 1
    assert area == f"A1:{get_column_letter(last)}{4 + tier1}", area
    assert f"ranks 1-{tier1} of {len(rl)}" in ws.oddFooter.left.text


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed (libreoffice-calc-nogui)")
def test_xlsx_list_sheet_prints_to_a_few_pages(demo, tmp_path):
    """The list sheet alone (the other sheets removed from a copy), converted by
    LibreOffice headless: a few pages, each with the banner."""
    name, out = demo
    wb = _list_sheet(out)
    for other in [s for s in wb.sheetnames if s != "Risk list"]:
        del wb[other]
    copy = tmp_path / "list.xlsx"
    wb.save(copy)
    res = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(copy),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    pages = _pdf_pages(tmp_path / "list.pdf")
    print(f"{name}: the XLSX list sheet prints to {len(pages)} A4 pages")
    assert 1 <= len(pages) <= 3, len(pages)
    for i, (w, h, text) in enumerate(pages, start=1):
        assert w > h, i  # landscape
        assert "CONFIDENTIAL" in text, i


# ---- the published model's level at every backtest origin --------------------------------
LEVEL = (0.5, 1.5)  # "within +-50% of the realised rate"


def _level_by_origin(out: Path) -> pd.DataFrame:
    """Per backtest origin, among the councils inspected in the window: how many, how many
    failed, the realised rate, and the published model's median and mean probability of
    its ranking target, from the saved out-of-time predictions."""
    run = json.loads((out / "run.json").read_text())
    saved = pd.read_parquet(out / "backtest_predictions.parquet")
    mine = saved[
        (saved["model"] == run["model"]) & (saved["target"] == run["config"]["labels"]["target"])
    ]
    known = mine[mine["label"].notna()]
    t = known.groupby("origin").agg(
        inspected=("label", "size"),
        failing=("label", "sum"),
        realised=("label", "mean"),
        median=("probability", "median"),
        mean=("probability", "mean"),
    )
    t["ratio"] = t["median"] / t["realised"]
    print(t.round(3).to_string())
    return t


def test_the_level_is_read_on_validation_origins_only(real_demo):
    """The confirmatory origins (2022, 2023) are never looked at here."""
    t = _level_by_origin(real_demo)
    run = json.loads((real_demo / "run.json").read_text())
    validation = pd.to_datetime(run["config"]["evaluate"]["validation_origins"])
    assert set(t.index) == set(validation)
    assert t.index.max() < pd.Timestamp("2022-03-31")


def test_the_published_models_risk_does_not_move_with_the_calendar(real_demo):
    """The artefact of issue 23 (medians 0.25, 0.24, 0.52, 0.87, 0.07 across origins from
    missing-indicators of sources starting and stopping) is gone: the published model's
    median varies by less than half across the origins."""
    t = _level_by_origin(real_demo)
    assert t["median"].max() / t["median"].min() < 1.5


def test_a_probability_is_published_only_if_its_level_held_at_every_origin(real_demo):
    """Done when: no published probability unless the published model's median predicted
    risk stayed within +-50% of the realised rate at every backtest origin."""
    t = _level_by_origin(real_demo)
    run = json.loads((real_demo / "run.json").read_text())
    rl = pd.read_csv(real_demo / "risk_list.csv", comment="#", keep_default_na=False)
    held = bool(t["ratio"].between(*LEVEL).all())
    if not held:
        assert not run["probability_gate"]["shown"]
        assert pd.to_numeric(rl["probability"], errors="coerce").isna().all()


@pytest.mark.xfail(
    strict=True,
    reason="the published logit (looked-after rate, political control) predicts a median "
    "0.20-0.24 at every origin while the realised rate among the inspected fell from 0.26-0.28 "
    "(2014-15) to 0.12 (2020: 3 of 25; 2021: 8 of 68): +83% at 2020 and 2021; the gate "
    "withholds its probability (calibration slope outside 0.7-1.3)",
)
def test_the_published_median_risk_is_within_half_of_the_realised_rate_at_every_origin(
    real_demo,
):
    t = _level_by_origin(real_demo)
    assert t["ratio"].between(*LEVEL).all()

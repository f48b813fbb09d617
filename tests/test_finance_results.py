"""RESULTS.md's finance section (experiments/real-2025/make_results_finance.py): the one
confirmatory look is shown, the second look is marked not confirmatory, every verdict clause
is computed from the saved figures and the pre-registration, and the reference rule is shown
on the model's own validation rows. Reads saved outputs only: nothing is scored."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1] / "experiments" / "real-2025"


@pytest.fixture(scope="module")
def mrf():
    spec = importlib.util.spec_from_file_location(
        "make_results_finance_t", HERE / "make_results_finance.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _copy(tmp_path: Path) -> tuple[Path, Path, Path]:
    saved = tmp_path / "results-finance"
    shutil.copytree(HERE / "results-finance", saved)
    log = tmp_path / "SCORING-LOG-finance.md"
    pre = tmp_path / "PREREGISTRATION-finance.md"
    shutil.copy(HERE / log.name, log)
    shutil.copy(HERE / pre.name, pre)
    return saved, log, pre


def test_the_first_look_is_the_confirmatory_one_and_the_second_is_not(mrf):
    text = mrf.section()
    first = text.index("the confirmatory look (the first and only one; 2026-12-06 04:28 UTC")
    second = text.index("second look after the label fix: **not confirmatory**")
    assert first < second
    model = "| pre-registered penalised logit (C 0.1, 11 features) | model | 2 | 27 |"
    assert f"{model} 0.786 [0.688, 0.864] | +0.030 [-0.011, +0.076] | 0.095 |" in text
    assert "| resilience composite (rank average) | rule (baseline) | 2 | 27 | 0.756" in text
    verdict = text[text.index("**Does the model beat") :]
    assert verdict.startswith("**Does the model beat the best rule? No, by the pre-registered")
    assert "the difference is +0.030, p 0.095" in verdict.split("\n\n")[0]
    assert "The second look (not confirmatory" in verdict
    assert "about 0.15 (the power calculation" in verdict


def test_the_saved_results_md_is_the_generated_section(mrf):
    assert mrf.section() in (HERE / "RESULTS.md").read_text(encoding="utf-8")


def test_the_reference_rule_is_shown_on_the_model_s_validation_rows(mrf):
    text = mrf.section()
    validation = text[: text.index("### Confirmatory")]
    # the model is scored at 2 origins (4 failures), the rules at 3 (7): the reference on the
    # model's rows is the model's 0.897 minus the paired difference 0.056
    assert (
        "| resilience composite (rank average), on the model's rows | rule (reference) | 2 | 4 "
        "| 0.841 (" in validation
    )
    confirmatory = text[text.index("### Confirmatory") :]
    assert "on the model's rows" not in confirmatory  # same origins: no extra row


def test_the_interval_and_power_clauses_are_computed_not_typed(mrf, tmp_path):
    saved, log, pre = _copy(tmp_path)
    text = log.read_text(encoding="utf-8")
    row = (
        "logit                       2      27   616  0.786  0.688  0.864  "
        "resilience_composite  0.030   -0.011    0.076        0.095"
    )
    assert row in text
    log.write_text(text.replace(row, row.replace("-0.011", " 0.011")), encoding="utf-8")
    p = pre.read_text(encoding="utf-8")
    assert "about **0.15** pooled" in p
    pre.write_text(p.replace("about **0.15** pooled", "about **0.21** pooled"), encoding="utf-8")
    out = mrf.section(saved, log, pre)
    head = out[out.index("**Does the model beat") :].split("\n\n")[0]
    assert "The interval of the difference (+0.011, +0.076) excludes zero" in head
    assert "about 0.21 (the power calculation" in head and "0.15" not in head


def test_the_probability_gate_reads_the_new_failure_population():
    """Item 7: the cycle's gate slope (2.81) differed from its evaluation's (3.18) because the
    gate kept the repeats (councils failed at the origin) that the label's population leaves
    out; with new_failures_only it reads the evaluation's rows."""
    import numpy as np
    import pandas as pd

    from earlywarn.evaluation import probability_gate
    from earlywarn.metrics import calibration_slope_intercept

    rng = np.random.default_rng(0)
    n = 400
    p = rng.uniform(0.01, 0.6, n)
    rows = pd.DataFrame(
        {
            "model": "logit",
            "origin": np.repeat(["2021-03-31", "2022-03-31"], n // 2),
            "probability": p,
            "label": rng.binomial(1, p).astype(float),
            "failed_at_origin": np.arange(n) % 10 == 0,
        }
    )
    rows.loc[rows["failed_at_origin"], "label"] = 1.0  # repeats that fail again
    new = rows[~rows["failed_at_origin"]]
    want = calibration_slope_intercept(new["label"], new["probability"])[0]
    gate = probability_gate(rows, "logit", 20, new_failures_only=True)
    assert gate["calibration_slope"] == pytest.approx(want)
    assert sum(t["n_known"] for t in gate["tiers"]) == len(new)
    everyone = probability_gate(rows, "logit", 20)
    assert everyone["calibration_slope"] != pytest.approx(want)
    assert sum(t["n_known"] for t in everyone["tiers"]) == n

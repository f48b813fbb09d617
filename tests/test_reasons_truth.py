"""Every published reason says what its value is (issue 23).

The real demo (``earlywarn demo``: the packaged ``configs/real.toml`` on the bundled panel,
the real-2025 cycle), the real-2023 record's cycle (a model on every column: many reasons)
and the synthetic demo are run into ``tmp_path``; every reason of ``reasons.json`` is read
back: the number, the period and the direction are parsed out of the sentence and compared
with the reason's recorded value and peer median and with the feature value at the scored
origin. A flag reason must name the state the council is in; a coded value (a grade, a
revisit's progress) must be in words; a value tied with the peer median is never a reason;
an event older than its feature's look-back is never cited.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from earlywarn.features.registry import FeatureSpec
from earlywarn.io import project_root

MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (?:19|20)\d\d\b")
NUM = r"(-?[\d,]*\d(?:\.\d+)?)"
_LISTS: dict[str, tuple] = {}  # demo -> (risk list, events, scored origin)
# the columns the checks read, for a list with no reason at all
EMPTY_REASON = ["council_code", "direction", "feature", "stated", "family", "nature", "sentence"]
EMPTY_REASON += ["value", "peer_median"]
_OUT: dict[str, Path] = {}  # demo -> its output folder


def _num(text: str) -> tuple[float, float]:
    """A printed number and half its last printed digit (the print's tolerance)."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return float(text.replace(",", "")), 0.5 * 10.0**-decimals + 1e-9


def _close(text: str, value: float) -> bool:
    x, tol = _num(text)
    return abs(x - value) <= tol


@pytest.fixture(scope="module", params=["real", "real-2023", "synthetic"])
def published(request, tmp_path_factory):
    """A demo run (real or synthetic) into a temporary folder: its reasons, the features
    of the scored origin and their specs."""
    from earlywarn.config import load_config
    from earlywarn.cycle import demo_config

    tmp = tmp_path_factory.mktemp(f"demo-{request.param}")
    if request.param == "real-2023":
        cfg = load_config(project_root() / "experiments" / "real-2023" / "cycle.toml")
    else:
        with demo_config(synthetic=request.param == "synthetic") as path:
            cfg = load_config(path)
    reasons, Xnow, prep, rl = _run_and_read(cfg, tmp)
    _LISTS[request.param] = (rl, prep.tables.events, prep.score_origin)
    _OUT[request.param] = tmp / "out"
    return request.param, reasons, Xnow, prep.features.specs, prep.score_origin


def _run_and_read(cfg, tmp: Path) -> tuple:
    """Run a cycle into ``tmp/out``; its reasons, the features of the scored origin, the
    prepared data and the list read back."""
    from earlywarn.cycle import prepare, run_cycle

    run_cycle(cfg, tmp / "out", tracking_uri=f"sqlite:///{tmp / 'mlflow.db'}")
    rows = json.loads((tmp / "out" / "reasons.json").read_text())["reasons"]
    reasons = pd.DataFrame(rows, columns=None if rows else EMPTY_REASON)
    prep = prepare(cfg)
    X = prep.features.X
    Xnow = X[X.index.get_level_values("origin") == prep.score_origin].droplevel("origin")
    rl = pd.read_csv(tmp / "out" / "risk_list.csv", comment="#", keep_default_na=False)
    return reasons, Xnow, prep, rl


def _sign(spec: FeatureSpec) -> float:
    return 1.0 if spec.higher_is_worse else -1.0


def check_reason(r, spec: FeatureSpec) -> list[str]:
    """What is wrong with one reason (empty: its sentence agrees with its value)."""
    s, v, p, raises = r.sentence, float(r.value), float(r.peer_median), r.direction == "raises"
    bad = []
    if not MONTH.search(s):
        bad.append("no period (month and year)")
    if v != v:
        return [*bad, "a reason without a value"]
    if raises and v == p:
        bad.append("value tied with the similar councils' median")
    if spec.event == "financial_notice":
        if "financial failure notice" not in s or (raises and "unlike most" not in s):
            bad.append("a financial notice reason that does not say what happened")
        if spec.kind == "count" and v != 1 and not re.search(rf"\b{int(round(v))} financial", s):
            bad.append(f"the number of notices is not {v}")
        if raises and (v != v or (spec.kind == "count" and (v <= 0 or p > 0))):
            bad.append("a notice reason without a notice, or most peers had one too")
        return bad
    if spec.kind == "flag":
        state, other = spec.state(v), spec.state(1.0 - v)
        if not state or state[1:] not in s or (other and other[1:] in s):
            bad.append(f"does not name the council's state ({state!r})")
        if raises and (_sign(spec) * (v - 0.5) <= 0 or _sign(spec) * (p - 0.5) >= 0):
            bad.append("a flag state that does not raise risk or is most peers' state too")
        if raises and "unlike most similar councils" not in s:
            bad.append("does not say most similar councils differ")
        return bad
    if spec.states or r.stated == "last_inspection_grade":
        word = spec.state(v)
        if not word or not re.search(rf": {re.escape(word)}\b", s):
            bad.append(f"the code {v} is not in words ({word!r})")
        if re.search(r"\(\d [a-z]", s):
            bad.append("prints a code key")
        if raises and _sign(spec) * (v - p) <= 0:
            bad.append("not worse than similar councils")
        return bad
    if spec.kind == "robust_z":
        m = re.search(NUM + r" typical deviations (above|below)", s)
        if not m or not _close(m.group(1), abs(v)) or (m.group(2) == "above") != (v >= 0):
            bad.append("typical deviations do not match the value")
        if raises and _sign(spec) * v < 1:
            bad.append("not a typical deviation on the risk side")
        return bad
    if spec.kind == "percentile":
        m = re.search(r"higher than in " + NUM + "%", s)
        if not m or abs(float(m.group(1)) - v) > 0.5:
            bad.append("percentile does not match the value")
        return bad
    if spec.kind == "change":
        m = re.search(r"(rose|fell) from " + NUM + r"\S* to " + NUM, s)
        by = re.search(r"(rose|fell) by " + NUM, s)
        if m:
            a, tol_a = _num(m.group(2))
            b, tol_b = _num(m.group(3))
            if abs((b - a) - v) > tol_a + tol_b or (m.group(1) == "rose") != (v > 0):
                bad.append(f"'{m.group(0)}' does not match the change {v}")
        elif by:
            if not _close(by.group(2), abs(v)) or (by.group(1) == "rose") != (v > 0):
                bad.append(f"'{by.group(0)}' does not match the change {v}")
        else:
            bad.append("a change without its amount")
        peers = re.search(r"similar councils' median change " + NUM, s)
        if not peers or not _close(peers.group(1), p):
            bad.append("the similar councils' median change is not the recorded one")
        if raises and (_sign(spec) * v <= 0 or _sign(spec) * (v - p) <= 0):
            bad.append("a change that is not a worsening beyond similar councils'")
        return bad
    m = re.search(r" is " + NUM, s)
    peers = re.search(r"similar councils' median " + NUM, s)
    if not m or not _close(m.group(1), v):
        bad.append(f"the stated value is not {v}")
    if not peers or not _close(peers.group(1), p):
        bad.append(f"the similar councils' median is not {p}")
    elif m and raises and _sign(spec) * (_num(m.group(1))[0] - _num(peers.group(1))[0]) <= 0:
        bad.append("as printed, not on the risk side of similar councils")
    return bad


def test_every_reason_says_what_its_value_is(published):
    name, reasons, Xnow, specs, _ = published
    if name != "real":  # the real-2025 short list (the coverage rule: the looked-after rate,
        # direction not settled, and two political flags and counts) gives next to none
        assert len(reasons) > 50, name
    problems = _false_reasons(name, reasons, Xnow, lambda r: check_reason(r, specs[r.stated]))
    assert not problems, f"{len(problems)} false reasons:\n" + "\n".join(problems[:20])


def _false_reasons(name: str, reasons: pd.DataFrame, Xnow: pd.DataFrame, check) -> list[str]:
    """What is wrong with each reason: its recorded value is not the feature's value at the
    scored origin, or ``check(reason)`` finds its sentence false."""
    problems = []
    for r in reasons.itertuples():
        where = f"{name} {r.council_code} {r.feature} ({r.direction}): {r.sentence}"
        x = float(Xnow.at[r.council_code, r.stated])
        if not (np.isclose(x, r.value, rtol=1e-6, atol=1e-6) or (x != x and r.value != r.value)):
            problems.append(f"{where}: recorded {r.value}, feature {x}")
        problems += [f"{where}: {b}" for b in check(r)]
    return problems


def test_no_event_older_than_its_look_back_is_cited(published):
    name, reasons, _, specs, origin = published
    months = "|".join(pd.date_range("2000-01-01", periods=12, freq="MS").strftime("%B"))
    for r in reasons.itertuples():
        spec = specs[r.stated]
        if not spec.event:
            continue
        m = re.search(rf"of ({months}) (\d{{4}})[),;]", r.sentence)
        assert m, f"{name} {r.feature}: the event is not dated: {r.sentence}"
        date = pd.Timestamp(f"1 {m.group(1)} {m.group(2)}")
        assert date <= origin, r.sentence
        if spec.lookback_years:
            age = (origin - date).days / 365.25
            assert age <= spec.lookback_years + 1 / 12, f"{name}: {r.sentence}"


def test_the_flag_check_catches_the_old_wording():
    """The property test fails on the sentence the list used to print for a standard
    inspection (value 0): '...was a short one ...: yes'."""
    spec = FeatureSpec(
        "last_ilacs_short",
        "inspection",
        "capability",
        False,
        "the last ILACS inspection was a short one (for councils judged good before)",
        kind="flag",
        states=("the last ILACS inspection was a standard one", "... a short one"),
        event="ilacs",
    )
    row = pd.Series(
        {
            "sentence": "The last ILACS inspection was a short one (for councils judged good "
            "before): yes.",
            "value": 0.0,
            "peer_median": 0.0,
            "direction": "raises",
            "stated": "last_ilacs_short",
        }
    )
    r = next(pd.DataFrame([row]).itertuples())
    problems = check_reason(r, spec)
    assert any("state" in b for b in problems)
    assert any("tied" in b for b in problems)
    assert any("period" in b for b in problems)


def test_already_inadequate_councils_are_marked(published):
    """Known answer from the events: every council whose latest graded inspection known at
    the origin was inadequate is marked, with the month, in a column and its context note;
    no other council is."""
    name = published[0]
    rl, events, origin = _LISTS[name]
    known = events[(events["event_type"] == "inspection") & events["severity"].notna()]
    known = known[known["date"] <= origin].sort_values("date", kind="stable")
    last = known.groupby("council_code").tail(1).set_index("council_code")
    for r in rl.itertuples():
        bad = r.council_code in last.index and last.at[r.council_code, "severity"] == 4
        if bad:
            month = f"{last.at[r.council_code, 'date']:%B %Y}"
            want = f"judged inadequate in {month}, the most recent judgement"
            assert r.already_inadequate == want, (name, r.rank)
            assert r.context_note.startswith(f"Already {want}."), (name, r.rank)
        else:
            assert r.already_inadequate == "", (name, r.rank)


def test_financial_notices_are_finance_reasons_and_support_follows_the_nature(published):
    name, reasons, _, specs, _ = published
    rl = _LISTS[name][0]
    ups = reasons[reasons["direction"] == "raises"]
    is_notice = [specs[f].event == "financial_notice" for f in ups["stated"]]
    notice = ups[pd.Series(is_notice, index=ups.index, dtype=bool)]
    assert (notice["nature"] == "financial").all()
    assert (notice["family"] == "finance").all()
    if name == "real-2023":  # the record's list: notices drive some of its top councils
        top = rl.head(15)
        marked = top[top["financial_notice"] != ""]
        assert len(marked) >= 1
        for r in marked.itertuples():
            assert r.council_code in set(notice["council_code"]), r.rank
    for r in rl.itertuples():
        if r.main_problem_nature == "financial":
            assert "finance peer review" in r.support_offered
        if r.main_problem_nature == "no clear single nature":
            assert r.support_offered == "no specific offer suggested"
        # a sentence a person would write, not a list of internal labels
        assert not re.search(r"(need|timing|settled|coverage) and ", r.context_note), r.rank
        assert r.context_note == "" or r.context_note.endswith("."), r.rank


def test_a_probability_is_shown_only_when_calibrated_out_of_time(published):
    """The gate reads the saved backtest predictions: the calibration slope of the published
    model within 0.7-1.3, else no probability (rank, tier and the tier's hit rate
    instead); an interval never excludes its own point."""
    from earlywarn.evaluation import probability_gate

    name = published[0]
    rl, _, _ = _LISTS[name]
    out = _OUT[name]
    run = json.loads((out / "run.json").read_text())
    gate = run["probability_gate"]
    saved = pd.read_parquet(out / "backtest_predictions.parquet")
    saved = saved[saved["target"] == run["config"]["labels"]["target"]]
    new_only = bool(run["config"]["labels"].get("new_failures_only", False))
    k = int(run["config"]["evaluate"]["k"])
    again = probability_gate(saved, run["model"], k, new_failures_only=new_only)
    assert again["calibration_slope"] == pytest.approx(gate["calibration_slope"])
    assert gate["shown"] == (0.7 <= gate["calibration_slope"] <= 1.3)
    prob = pd.to_numeric(rl["probability"], errors="coerce")
    assert (rl["tier"].astype(int).diff().fillna(0) >= 0).all()  # tiers follow ranks
    assert rl["tier_note"].str.contains("past origins").all()
    if gate["shown"]:
        assert prob.notna().all()
        lo = pd.to_numeric(rl.get("probability_lo"), errors="coerce")
        hi = pd.to_numeric(rl.get("probability_hi"), errors="coerce")
        both = lo.notna() & hi.notna()
        assert ((lo[both] <= prob[both]) & (prob[both] <= hi[both])).all()
    else:
        for col in ("probability", "probability_lo", "probability_hi", "joint_probability"):
            if col in rl.columns:
                assert pd.to_numeric(rl[col], errors="coerce").isna().all(), col
        html = (out / "report.html").read_text()
        assert "No probability is shown" in html and "nan%" not in html
    if name == "real-2023":  # the published logit's probabilities moved with the calendar
        assert not gate["shown"]


# ----------------------------------------------------------------- a finance cycle's reasons
FINANCE_FEATURES = [
    "rank_reserves_pct_nre",
    "rank_reserves_pct_nre_chg_1y_pp",
    "rank_cfr_pct_nre",
    "rank_social_care_pct_service_spend",
    "rank_council_tax_pct_nre",
    "rank_core_spending_power_chg_1y_pct",
    "prior_failure_ever",
    "council_type_county",
    "council_type_district",
    "council_type_london_borough",
    "council_type_metropolitan_district",
]
FINANCE_SYNTHETIC = f"""
cycle = "finance-synthetic"
as_of = "2024-03-31"
horizon = "12M"
seed = 7
[data]
source = "synthetic"
n_councils = 200
start_year = 2011
end_year = 2024
[features]
families = ["finance_ranks"]
[labels]
events = ["financial_failure"]
new_failures_only = true
[models]
kinds = ["logit"]
[models.params.logit]
C = 0.1
features = {json.dumps(FINANCE_FEATURES)}
[evaluate]
k = 15
n_boot = 20
baselines = []
subgroups = ["council_type"]
[report]
interval_boot = 0
impact_measure = "net_revenue_expenditure_gbp_m"
[report.support]
financial = ["finance peer review", "CIPFA-style resilience review"]
"""
FY = r"(\d{4})-(\d{2})"
PERIOD = rf"(?:{FY}|published [A-Z][a-z]{{2}} \d{{4}})"
_FIN: dict[str, tuple] = {}


@pytest.fixture(scope="module", params=["finance-synthetic", "finance-real-2025"])
def finance_published(request, tmp_path_factory):
    """A financial-failure cycle (label kind financial_failure, the finance_ranks family,
    the pre-registered logit): synthetic councils, and the real config when its input
    files are built (``make finance-data``)."""
    from earlywarn.config import load_config

    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "finance-synthetic":
        path = tmp / "cycle.toml"
        path.write_text(FINANCE_SYNTHETIC)
    else:
        path = project_root() / "experiments" / "real-2025" / "cycle-finance.toml"
        if not (path.parent / "finance-data" / "events.csv").is_file():
            pytest.skip("the real finance files are not built (make finance-data)")
    reasons, Xnow, prep, rl = _run_and_read(load_config(path), tmp)
    _FIN[request.param] = (rl, prep.tables.events, prep.score_origin, tmp / "out")
    return request.param, reasons, Xnow, prep.features.specs, prep.score_origin


def check_finance_reason(r, spec: FeatureSpec) -> list[str]:
    """What is wrong with one finance reason (its ratio's words): the numbers, the period,
    the direction and similar councils' median parsed back out of the sentence."""
    s, v, p, raises = r.sentence, float(r.value), float(r.peer_median), r.direction == "raises"
    bad = []
    if not re.search(rf"\({PERIOD}\)|\(to {PERIOD}\)|\({PERIOD} to {PERIOD}\)", s):
        bad.append("no period (financial year or publication month)")
    if v != v:
        return [*bad, "a reason without a value"]
    if raises and v == p:
        bad.append("value tied with the similar councils' median")
    sign = _sign(spec)
    if spec.kind == "change":
        m = re.search(r"(rose|fell) by " + NUM + r"(?:%| points)? in (one year|three years)", s)
        if not m or not _close(m.group(2), abs(v)) or (m.group(1) == "rose") != (v > 0):
            bad.append(f"the change is not {v}")
        peers = re.search(r"similar councils' median change " + NUM, s)
        if not peers or not _close(peers.group(1), p):
            bad.append("the similar councils' median change is not the recorded one")
        if raises and (sign * v <= 0 or sign * (v - p) <= 0):
            bad.append("a change that is not a worsening beyond similar councils'")
        return bad
    moved = re.search(
        r"(rose|fell) from " + NUM + r"\S* to " + NUM + r"\S* in (one year|three years) "
        rf"\({FY} to {FY}\)",
        s,
    )
    level = moved or re.search(r" is " + NUM, s)
    if moved:
        a, b = _num(moved.group(2)), _num(moved.group(3))
        if not _close(moved.group(3), v) or (moved.group(1) == "rose") != (b[0] > a[0]):
            bad.append(f"'{moved.group(0)}' does not end at {v}")
        years = int(moved.group(7)) - int(moved.group(5))
        if years != (1 if moved.group(4) == "one year" else 3):
            bad.append("the years named are not the span")
    elif not level or not _close(level.group(1), v):
        bad.append(f"the stated value is not {v}")
    peers = re.search(r"similar councils " + NUM, s)
    if not peers or not _close(peers.group(1), p):
        bad.append(f"the similar councils' median is not {p}")
    elif raises and sign * (v - _num(peers.group(1))[0]) <= 0:
        bad.append("as printed, not on the risk side of similar councils")
    return bad


def test_every_finance_reason_says_what_its_value_is(finance_published):
    name, reasons, Xnow, specs, _ = finance_published
    assert len(reasons[reasons["direction"] == "raises"]) > 20, name

    def check(r) -> list[str]:
        assert r.nature == "financial", r.sentence
        assert not r.feature.startswith("council_type_"), r.feature  # context, never a reason
        if specs[r.feature].kind == "rank":  # said in its ratio's words
            assert r.stated == r.feature.removeprefix("rank_"), r.feature
            return check_finance_reason(r, specs[r.stated])
        return check_reason(r, specs[r.stated])

    problems = _false_reasons(name, reasons, Xnow, check)
    assert not problems, f"{len(problems)} false reasons:\n" + "\n".join(problems[:20])


def test_the_finance_check_catches_a_false_sentence():
    spec = FeatureSpec(
        "reserves_pct_nre", "finance_ranks", "financial", False, "usable reserves", "%"
    )
    good = pd.Series(
        {
            "sentence": "Usable reserves fell from 14.0% to 6.0% in three years "
            "(2020-21 to 2023-24); similar councils 11.0%.",
            "value": 6.0,
            "peer_median": 11.0,
            "direction": "raises",
        }
    )
    assert check_finance_reason(good, spec) == []
    tie = good.copy()
    tie["peer_median"], tie["sentence"] = 6.0, good["sentence"].replace("11.0%", "6.0%")
    assert any("tied" in b for b in check_finance_reason(tie, spec))
    wrong = good.copy()
    wrong["sentence"] = good["sentence"].replace(" (2020-21 to 2023-24)", "")
    assert any("period" in b for b in check_finance_reason(wrong, spec))
    safe = good.copy()
    safe["peer_median"], safe["sentence"] = 3.0, good["sentence"].replace("11.0%", "3.0%")
    assert any("risk side" in b for b in check_finance_reason(safe, spec))


def test_a_finance_list_has_financial_columns_and_words(finance_published):
    """No children's-services column or word in a finance list; the standing column says
    "a repeat" for exactly the councils the label puts in the repeat population at the
    scored origin (its ``failed_at_origin``), dated by the label's prior event, and
    "neither" for exactly those it leaves out as ambiguous."""
    from earlywarn.labels import financial_failure_labels
    from earlywarn.panel import earliest_known

    name = finance_published[0]
    rl, events, origin, out = _FIN[name]
    assert "already_inadequate" not in rl.columns and "financial_notice" not in rl.columns
    text = (out / "risk_list.csv").read_text().lower()
    for word in ("inadequate", "inspected", "inspection", "children looked after"):
        assert word not in text, word
    # the report and the model card speak of the target too (an inspection only to say
    # there is none): no inspected share, no timing model, no judgement as the target (a
    # council's Ofsted history may still be shown beside it, as in the synthetic events)
    page = re.sub(r"<style>.*?</style>|<[^>]+>", " ", (out / "report.html").read_text(), flags=re.S)
    for text in (page, (out / "MODEL_CARD.md").read_text()):
        text = re.sub(r"\s+", " ", text).lower()
        for word in ("judged inadequate", "inspected", "selective inspection", "timing model"):
            assert word not in text, word
    ix = pd.MultiIndex.from_product([rl["council_code"], [origin]], names=["council_code", "o"])
    known = events[earliest_known(events) <= origin]  # as the label keeps them (main)
    lab = financial_failure_labels(known, ix).droplevel("o")
    col = rl.set_index("council_code")["financial_failure_on_record"].fillna("")
    repeat = lab.index[lab["population"].eq("repeat")]
    assert set(col.index[col.str.contains("a repeat")]) == set(repeat)
    assert set(col.index[col.str.contains("neither")]) == set(
        lab.index[lab["population"].eq("ambiguous")]
    )
    assert (col[~col.index.isin(lab.index[lab["population"] != "new"])] == "").all()
    for code in repeat:
        assert f"{lab.at[code, 'prior_event_date']:%B %Y} (within five years" in col[code]
    for r in rl.itertuples():
        if r.main_problem_nature == "financial":
            assert r.support_offered == "finance peer review; CIPFA-style resilience review"
    assert rl["tier_note"].str.contains("section 114").all()


def test_finance_standing_follows_the_label_interval_rule():
    """An EFS whose imprecise date straddles the start of the five years, or the origin,
    is ambiguous for the label (left out), so the list does not call it a repeat; one
    surely inside is a repeat, 'by' its latest month when imprecise, 'in' its month when
    exact."""
    from earlywarn.report.risk_list import FINANCE_STANDING, standing

    ev = pd.DataFrame(
        {"council_code": ["A", "B", "C", "D", "E"], "event_type": "financial_failure",
         "status": "issued",
         "date": pd.to_datetime(
             ["2022-06-30", "2020-06-30", "2019-01-01", "2023-05-01", "2025-06-30"]),
         "date_earliest": pd.to_datetime(["2022-06-01", "2019-10-01", None, None,
                                          "2025-01-01"])}
    )  # fmt: skip
    col = standing(ev, pd.Timestamp("2025-03-31"), finance=True)[FINANCE_STANDING]
    assert col["A"].endswith("by June 2022 (within five years: a repeat, not a new failure)")
    assert col["D"].endswith("in May 2023 (within five years: a repeat, not a new failure)")
    assert "nor a repeat here" in col["B"] and "a repeat," not in col["B"]  # straddles
    assert col["C"] == ""  # more than five years before
    assert "nor a repeat here" in col["E"]  # may be before the origin or after it


def test_finance_repeats_are_reported_apart(finance_published):
    """evaluation.json counts the repeats (an EFS/s114 in the five years before the origin)
    at each test origin and how many failed again, from the saved predictions' rows."""
    name = finance_published[0]
    out = _FIN[name][3]
    rep = json.loads((out / "evaluation.json").read_text())["repeats"]
    saved = pd.read_parquet(out / "backtest_predictions.parquet")
    rows = saved[saved["target"] == "joint"].drop_duplicates(["council_code", "origin"])
    rows = rows[rows["failed_at_origin"]]
    per = {
        str(pd.Timestamp(o).date()): {"repeats": len(g), "failed_again": int(g["label"].sum())}
        for o, g in rows.groupby("origin")
    }
    assert rep["per_origin"] == per and rep["repeats"] == len(rows)
    assert "Repeats are not scored" in (out / "report.html").read_text()

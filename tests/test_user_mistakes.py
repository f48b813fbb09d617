# ruff: noqa: E501  (the table of cases reads best one case per line)
"""A table of user mistakes, each through the real CLI: exit 2, one line, nothing written.

Every case starts from one small synthetic setup (40 councils written as the core-table
CSVs plus every optional file a config can name), breaks one thing — a config key, a row of
a user file, a command's argument — and runs the command in-process with typer's
``CliRunner`` (the same code path as the ``earlywarn`` script). Each must:

- exit with code 2 and print exactly one line, with no traceback;
- name where the problem is (the resolved file path with its row and column, or the config
  key, or the argument) and what it found;
- write nothing: no output folder, no tracking store, no new file in the case's folder.

A few cases run as real subprocesses at the end (the unreachable tracking server among them).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from earlywarn.cli import app

ABOLISHED = "E06900001"  # abolished 2014-04-01 in the synthetic world (successor E06900012)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(v)


def to_toml(d: dict, prefix: str = "") -> str:
    """A small TOML writer for the config dicts below (scalars, lists, nested tables)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in d.items() if not isinstance(v, dict)]
    for k, v in d.items():
        if isinstance(v, dict):
            name = f"{prefix}{k}"
            lines.append(f"\n[{name}]")
            lines.append(to_toml(v, prefix=f"{name}."))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory, small_data) -> Path:
    """The shared, read-only setup: core tables and every optional user file, as CSVs."""
    d = tmp_path_factory.mktemp("world")
    t = small_data.tables
    t.councils.to_csv(d / "councils.csv", index=False, date_format="%Y-%m-%d")
    t.observations.to_csv(d / "observations.csv", index=False, date_format="%Y-%m-%d")
    t.events.to_csv(d / "events.csv", index=False, date_format="%Y-%m-%d")
    live = list(t.councils.loc[t.councils["valid_to"].isna(), "council_code"])[:6]
    pd.DataFrame({"council_code": live[:3], "neighbour_code": live[3:6]}).to_csv(
        d / "neighbours.csv", index=False
    )
    pd.DataFrame(
        {
            "council_code": live[:2],
            "date": ["2018-06-01", "2019-02-01"],
            "problem_nature": ["financial", "capacity"],
            "severity": [2, 1],
            "note": ["a note", "another"],
        }
    ).to_csv(d / "notes.csv", index=False)
    pd.DataFrame(
        {
            "council_code": live[:2],
            "period": ["2018-03-31", "2018-03-31"],
            "measure": ["resident_satisfaction_pct"] * 2,
            "value": [61, 55],
            "published": ["2018-09-01", "2018-09-01"],
        }
    ).to_csv(d / "satisfaction.csv", index=False)
    pd.DataFrame(
        {
            "council_code": live[:2],
            "date": ["2017-05-01", "2018-01-10"],
            "role": ["chief_executive", "dcs"],
            "change_type": ["permanent", "interim"],
        }
    ).to_csv(d / "leadership.csv", index=False)
    return d


def base_config(world: Path, case: Path) -> dict:
    return {
        "cycle": "mistake",
        "as_of": "2020-03-31",
        "horizon": "24M",
        "seed": 7,
        "data": {
            "source": "files",
            "councils": str(world / "councils.csv"),
            "observations": str(world / "observations.csv"),
            "events": str(world / "events.csv"),
            "satisfaction": str(world / "satisfaction.csv"),
            "leadership": str(world / "leadership.csv"),
        },
        "features": {
            "neighbours": str(world / "neighbours.csv"),
            "soft_notes": str(world / "notes.csv"),
        },
        "models": {"kinds": ["persistence", "logit"]},
        "evaluate": {"k": 8, "n_boot": 20},
        "report": {"interval_boot": 0},
        "tracking": {"uri": f"sqlite:///{case / 'mlflow.db'}", "experiment": "mistakes"},
    }


@dataclass
class Ctx:
    world: Path
    case: Path
    cfg: dict

    def config(self, **sections) -> list[str]:
        """Write the (edited) config; return ``cycle CONFIG --out OUT``."""
        p = self.case / "cycle.toml"
        p.write_text(to_toml(self.cfg))
        return ["cycle", str(p), "--out", str(self.case / "out")]

    def table(self, name: str, edit: Callable[[pd.DataFrame], pd.DataFrame], key: str) -> Path:
        """Copy a world file into the case folder, edited, and point ``key`` at it."""
        df = pd.read_csv(self.world / f"{name}.csv", dtype=str, keep_default_na=False)
        p = self.case / f"{name}.csv"
        edit(df).to_csv(p, index=False)
        section, k = key.split(".")
        self.cfg[section][k] = str(p)
        return p


def _set(df, row, col, value):
    df = df.copy()
    df.loc[row, col] = value
    return df


def _cfg(path: str, value):
    """Set a dotted config key (``evaluate.k``) to ``value``; ``...`` deletes it."""

    def apply(c: Ctx):
        d = c.cfg
        *parents, last = path.split(".")
        for p in parents:
            d = d.setdefault(p, {})
        if value is ...:
            d.pop(last, None)
        else:
            d[last] = value
        return c.config(), ["cycle.toml", path.split(".")[-1]]

    return apply


def _row(name, key, edit, *named):
    def apply(c: Ctx):
        p = c.table(name, edit, key)
        return c.config(), [str(p.resolve()), *named]

    return apply


def _first(df, col, value):
    return df.index[df[col] == value][0]


def _raw(text: bytes | str, name="cycle.toml"):
    def apply(c: Ctx):
        p = c.case / name
        p.write_bytes(text.encode() if isinstance(text, str) else text)
        return ["cycle", str(p), "--out", str(c.case / "out")], [str(p)]

    return apply


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _out_parent_is_file(c: Ctx):
    (c.case / "afile").write_text("x")
    args = c.config()
    args[-1] = str(c.case / "afile" / "out")
    return args, [str(c.case / "afile"), "is a file"]


def _out_not_empty(c: Ctx):
    (c.case / "out").mkdir()
    (c.case / "out" / "old.txt").write_text("keep me")
    return c.config(), [str(c.case / "out"), "not empty"]


def _tracking_under_file(c: Ctx):
    (c.case / "afile").write_text("x")
    c.cfg["tracking"]["uri"] = f"sqlite:///{c.case / 'afile' / 'mlflow.db'}"
    return c.config(), ["tracking URI", "is a file"]


def _explain_no_store(c: Ctx):
    c.cfg["tracking"]["uri"] = f"sqlite:///{c.case / 'nostore' / 'mlflow.db'}"
    args = c.config()
    return ["explain", args[1], "--council", "E08900001"], ["no tracking store"]


def _compare_no_store(c: Ctx):
    c.cfg["tracking"]["uri"] = f"sqlite:///{c.case / 'nostore.db'}"
    args = c.config()
    return ["compare", args[1]], ["no tracking store"]


def _score_out_file(c: Ctx):
    (c.case / "afile").write_text("x")
    args = c.config()
    out = str(c.case / "afile" / "o")
    return ["score", args[1], "--model", "models:/x@champion", "--out", out], ["is a file"]


def _score_no_store(c: Ctx):
    args = c.config()
    return ["score", args[1], "--model", "models:/x@champion"], ["no tracking store"]


def _published(c: Ctx, rows: str, info: dict | None = None, encoding="utf-8") -> Path:
    d = c.case / "list"
    d.mkdir()
    (d / "risk_list.csv").write_bytes(
        ("# CONFIDENTIAL\n# cycle x\nrank,council_code,probability,council_name\n" + rows).encode(
            encoding
        )
    )
    base = {
        "cycle": "x",
        "score_origin": "2016-03-31",
        "horizon": "24M",
        "config": {"labels": {"events": ["inadequate"]}, "evaluate": {"k": 1}},
    }
    (d / "run.json").write_text(json.dumps({**base, **(info or {})}))
    return d


def _evaluate(rows: str, info: dict | None = None, named=(), extra=()):
    def apply(c: Ctx):
        d = _published(c, rows, info)
        args = ["evaluate", "--lists", str(d), "--events", str(c.world / "events.csv")]
        return [*args, "--out", str(c.case / "out"), *extra], list(named)

    return apply


def _evaluate_args(make):
    def apply(c: Ctx):
        d = _published(c, "1,E08900001,0.4,A\n")
        return make(c, d)

    return apply


def _real_dir(fill: Callable[[Path], None], named: str = ""):
    """``data.source = "bundled:real"`` reading ``real_dir`` (a folder ``fill`` makes)."""

    def apply(c: Ctx):
        real = c.case / "real"
        fill(real)
        for key in ("councils", "observations", "events"):
            c.cfg["data"].pop(key)
        c.cfg["data"] |= {"source": "bundled:real", "real_dir": str(real)}
        return c.config(), [str(real / named) if named else str(real), "data build"]

    return apply


def _truncated_parquet(real: Path) -> None:
    real.mkdir()
    for name in ("councils", "observations", "events"):
        p = real / f"{name}.parquet"
        pd.DataFrame({"council_code": ["E06900001"] * 50}).to_parquet(p)
        p.write_bytes(p.read_bytes()[:-40])  # a copy cut short


def _header_only(name: str, key: str):
    return _row(name, key, lambda d: d.iloc[0:0], f"{name}.csv")


GOOD = "1,E08900001,0.4,A\n2,E08900002,0.1,B\n"
CASES: list[tuple[str, Callable, str]] = [
    # -- the config file itself ----------------------------------------------------------
    ("toml syntax", _raw('cycle = "x"\nas_of = \n'), "not valid TOML"),
    ("toml not utf-8", _raw(b'cycle = "\xff\xfe"\nas_of = "2020-03-31"\n'), "not UTF-8"),
    ("config not found", lambda c: (["cycle", str(c.case / "nope.toml")], ["nope.toml"]), "not found"),
    ("missing cycle", _cfg("cycle", ...), "missing key 'cycle'"),
    ("unknown key", _cfg("colour", "red"), "unknown key 'colour'"),
    ("unknown key in table", _cfg("data.sauce", "files"), "unknown key 'sauce'"),
    ("as_of not a date", _cfg("as_of", "last March"), "is not a date"),
    ("as_of 1850", _cfg("as_of", "1850-03-31"), "out of range"),
    ("horizon zero", _cfg("horizon", "0M"), "is not a horizon"),
    ("horizon words", _cfg("horizon", "two years"), "is not a horizon"),
    ("seed negative", _cfg("seed", -1), "seed = -1 is out of range"),
    ("data.source unknown", _cfg("data.source", "excel"), "data.source 'excel' is unknown"),
    ("files source lacks events", _cfg("data.events", ...), "data.events is required"),
    ("n_councils too few", _cfg("data.n_councils", 3), "data.n_councils = 3 is out of range"),
    ("start_year 1800", _cfg("data.start_year", 1800), "data.start_year = 1800"),
    ("models.kinds unknown", _cfg("models.kinds", ["xgb"]), "unknown model 'xgb'"),
    ("models.kinds empty", _cfg("models.kinds", []), "models.kinds is empty"),
    ("select_by unknown", _cfg("models.select_by", "vibes"), "models.select_by 'vibes'"),
    ("hyperparameter unknown", _cfg("models.params", {"logit": {"CC": 1.0}}), "unknown parameter 'CC'"),
    ("params of unused kind", _cfg("models.params", {"gbm": {"max_depth": 2}}), "not in models.kinds"),
    ("families unknown", _cfg("features.families", ["astrology"]), "unknown family 'astrology'"),
    ("families empty", _cfg("features.families", []), "features.families is empty"),
    ("change_periods 0", _cfg("features.change_periods", 0), "features.change_periods = 0"),
    ("peer_group unknown", _cfg("features.peer_group", "colour"), "features.peer_group"),
    ("min_peers 0", _cfg("features.min_peers", 0), "features.min_peers = 0"),
    ("labels.events empty", _cfg("labels.events", []), "labels.events is empty"),
    ("labels.events unknown", _cfg("labels.events", ["bad_day"]), "unknown event 'bad_day'"),
    ("censoring unknown", _cfg("labels.censoring", "ignore"), "labels.censoring 'ignore'"),
    ("target unknown", _cfg("labels.target", "both"), "labels.target 'both'"),
    ("k zero", _cfg("evaluate.k", 0), "evaluate.k = 0 is out of range"),
    ("k not a number", _cfg("evaluate.k", "ten"), "evaluate.k: 'ten' is not an integer"),
    ("k above councils", _cfg("evaluate.k", 500), "evaluate.k = 500 is out of range (expected 1 to"),
    ("n_boot negative", _cfg("evaluate.n_boot", -5), "evaluate.n_boot = -5 is out of range"),
    ("min_train_origins 0", _cfg("evaluate.min_train_origins", 0), "min_train_origins = 0"),
    ("mu above 1", _cfg("evaluate.mu", 2), "evaluate.mu = 2"),
    ("origin not a date", _cfg("evaluate.origins", ["2019-02-30"]), "is not a date"),
    ("origin after as_of", _cfg("evaluate.origins", ["2017-03-31", "2021-03-31"]), "evaluate.origins '2021-03-31' is after as_of 2020-03-31"),
    ("origin not annual", _cfg("evaluate.origins", ["2018-06-30"]), "evaluate.origins '2018-06-30' is not an origin"),
    ("horizon longer than the data", _cfg("horizon", "120M"), "horizon 120M"),
    ("origin not closed", _cfg("evaluate.origins", ["2019-03-31"]), "evaluate.origins '2019-03-31' is not an origin whose window closed by as_of (its 24-month window closes on 2021-03-31"),
    ("origin before the data", _cfg("evaluate.origins", ["2009-03-31"]), "evaluate.origins '2009-03-31' is not an origin whose window closed by as_of (the first origin"),
    ("councils is a folder", lambda c: (c.cfg["data"].__setitem__("councils", str(c.world)), c.config())[1:] + ([str(c.world)],), "is a folder, not a file"),
    ("subgroup unknown", _cfg("evaluate.subgroups", ["shoe_size"]), "unknown entry 'shoe_size'"),
    ("top_n zero", _cfg("report.top_n", 0), "report.top_n = 0 is out of range"),
    ("n_reasons negative", _cfg("report.n_reasons", -1), "report.n_reasons = -1 is out of range"),
    ("thresholds unordered", _cfg("report.likelihood_thresholds", [0.5, 0.2]), "likelihood_thresholds"),
    ("interval_boot 1", _cfg("report.interval_boot", 1), "report.interval_boot 1"),
    ("criticality 5", _cfg("report.service_criticality", 5), "service_criticality 5"),
    ("pseudonymise word", _cfg("report.pseudonymise", "yes"), "report.pseudonymise"),
    ("support nature unknown", _cfg("report.support", {"moral": ["prayer"]}), "unknown problem nature"),
    ("registry name slash", _cfg("tracking.registry_name", "team/model"), "contains '/'"),
    ("registry name colon", _cfg("tracking.registry_name", "a:b"), "contains ':'"),
    ("registry name path", _cfg("tracking.registry_name", "..model"), "would be read by MLflow"),
    ("experiment empty", _cfg("tracking.experiment", " "), "tracking.experiment is empty"),
    ("connect_timeout 0", _cfg("tracking.connect_timeout", 0), "tracking.connect_timeout = 0"),
    ("tracking unreachable", lambda c: (_cfg("tracking.uri", f"http://127.0.0.1:{_free_port()}")(c)[0], ["http://127.0.0.1:"]), "cannot connect"),
    ("tracking under a file", _tracking_under_file, "cannot create"),
    ("tracking URI no scheme", _cfg("tracking.uri", "mlflow.db"), "not a URI MLflow opens"),
    ("tracking URI unknown scheme", _cfg("tracking.uri", "mlfow://db"), "unknown scheme 'mlfow'"),
    ("as_of before any data", _cfg("as_of", "2005-03-31"), "as_of 2005-03-31 is before any data"),
    ("real_dir with files source", _cfg("data.real_dir", "rebuilt"), "data.real_dir is set but data.source = 'files'"),
    ("files keys with synthetic source", _cfg("data.source", "synthetic"), "data.councils is set but data.source = 'synthetic'"),
    ("real_dir truncated parquet", _real_dir(_truncated_parquet, "councils.parquet"), "not a readable Parquet file"),
    ("real_dir is a file", _real_dir(lambda p: p.write_text("x")), "not a folder"),
    # -- the core tables -------------------------------------------------------------------
    ("councils header only", _header_only("councils", "data.councils"), "a header and no rows"),
    ("obs header only", _header_only("observations", "data.observations"), "a header and no rows"),
    ("events header only", _header_only("events", "data.events"), "a header and no rows"),
    ("obs value a word", _row("observations", "data.observations", lambda d: _set(d, 4, "value", "lots"), "row 6, column value"), "'lots' is not a number"),
    ("obs period 1850", _row("observations", "data.observations", lambda d: _set(d, 0, "period", "1850-03-31"), "row 2, column period"), "out of range"),
    ("obs published 1899", _row("observations", "data.observations", lambda d: _set(d, 2, "published", "1899-12-31"), "row 4, column published"), "out of range"),
    ("obs column renamed", _row("observations", "data.observations", lambda d: d.rename(columns={"value": "val"}), "row 1"), "missing column(s) value"),
    ("obs zero bytes", _row("observations", "data.observations", lambda d: d.iloc[0:0, 0:0]), "file is empty"),
    ("obs unknown council", _row("observations", "data.observations", lambda d: _set(d, 0, "council_code", "E06999999"), "row 2, column council_code"), "not in the councils table"),
    ("events date 1899", _row("events", "data.events", lambda d: _set(d, 3, "date", "1899-05-01"), "row 5, column date"), "out of range"),
    ("events grade in words", _row("events", "data.events", lambda d: _set(d, _first(d, "event_type", "inspection"), "severity", "inadequate"), "column severity"), "'inadequate' is not a number"),
    ("events grade 5", _row("events", "data.events", lambda d: _set(d, _first(d, "event_type", "inspection"), "severity", "5"), "column severity"), "not an inspection grade"),
    ("events leadership 7", _row("events", "data.events", lambda d: _set(d, _first(d, "event_type", "leadership_change"), "severity", "7"), "column severity"), "not a leadership appointment"),
    ("labels give one class", lambda c: (c.table("events", lambda d: d.assign(severity=d["severity"].where(d["event_type"] != "inspection", "2")), "data.events"), c.config())[1:] + (["cycle.toml", "labels.events"],), "gives no failures"),
    ("events type unknown", _row("events", "data.events", lambda d: _set(d, 1, "event_type", "audit"), "row 3, column event_type"), "'audit' is not one of"),
    ("councils valid_to before valid_from", _row("councils", "data.councils", lambda d: _set(d, 2, "valid_from", "2015-01-01").pipe(_set, 2, "valid_to", "2012-01-01"), "row 4, column valid_to"), "is not after valid_from"),
    ("councils valid_to 2150", _row("councils", "data.councils", lambda d: _set(d, 3, "valid_to", "2150-04-01"), "row 5, column valid_to"), "out of range"),
    ("councils duplicated", _row("councils", "data.councils", lambda d: pd.concat([d, d.iloc[[1]]], ignore_index=True), "column council_code"), "appears twice"),
    ("councils code not GSS", _row("councils", "data.councils", lambda d: _set(d, 0, "council_code", "Barnet"), "row 2, column council_code"), "not an ONS GSS code"),
    # -- optional user files the config names ------------------------------------------------
    ("neighbours unknown council", _row("neighbours", "features.neighbours", lambda d: _set(d, 1, "neighbour_code", "E06999999"), "row 3, column neighbour_code"), "not in the councils table"),
    ("neighbours not a code", _row("neighbours", "features.neighbours", lambda d: _set(d, 0, "council_code", "Leeds"), "row 2, column council_code"), "not an ONS GSS code"),
    ("notes nature unknown", _row("notes", "features.soft_notes", lambda d: _set(d, 1, "problem_nature", "gossip"), "row 3, column problem_nature"), "not one of"),
    ("notes date 1800", _row("notes", "features.soft_notes", lambda d: _set(d, 0, "date", "1800-01-01"), "row 2, column date"), "out of range"),
    ("notes abolished council", _row("notes", "features.soft_notes", lambda d: _set(d, 0, "council_code", ABOLISHED), "row 2, column council_code"), "was abolished"),
    ("satisfaction value a word", _row("satisfaction", "data.satisfaction", lambda d: _set(d, 1, "value", "high"), "row 3, column value"), "not a number"),
    ("satisfaction abolished council", _row("satisfaction", "data.satisfaction", lambda d: _set(d, 0, "council_code", ABOLISHED), "row 2, column council_code"), "was abolished"),
    ("satisfaction period 2200", _row("satisfaction", "data.satisfaction", lambda d: _set(d, 0, "period", "2200-03-31"), "row 2, column period"), "out of range"),
    ("leadership role unknown", _row("leadership", "data.leadership", lambda d: _set(d, 0, "role", "mayor"), "row 2, column role"), "not one of"),
    ("leadership date 1901", _row("leadership", "data.leadership", lambda d: _set(d, 1, "date", "1901-01-01"), "row 3, column date"), "out of range"),
    ("neighbours header only", _header_only("neighbours", "features.neighbours"), "a header and no rows"),
    ("notes header only", _header_only("notes", "features.soft_notes"), "a header and no rows"),
    ("satisfaction header only", _header_only("satisfaction", "data.satisfaction"), "a header and no rows"),
    ("leadership header only", _header_only("leadership", "data.leadership"), "a header and no rows"),
    # -- output locations and the tracking store ---------------------------------------------
    ("out parent is a file", _out_parent_is_file, "cannot create the output folder"),
    ("out not empty", _out_not_empty, "already exists and is not empty"),
    ("explain creates no store", _explain_no_store, "run a cycle first"),
    ("compare creates no store", _compare_no_store, "run a cycle first"),
    ("score out parent is a file", _score_out_file, "cannot create the output folder"),
    ("score creates no store", _score_no_store, "run a cycle first"),
    # -- published files read back by evaluate -------------------------------------------------
    ("evaluate rank a word", _evaluate("first,E08900001,0.4,A\n", named=["risk_list.csv", "row 4, column rank"]), "'first' is not a rank"),
    ("evaluate probability a word", _evaluate("1,E08900001,high,A\n", named=["risk_list.csv", "row 4, column probability"]), "'high' is not a probability"),
    ("evaluate probability 7", _evaluate("1,E08900001,0.1,A\n2,E08900002,7,B\n", named=["row 5, column probability"]), "is not a probability"),
    ("evaluate origin not a date", _evaluate(GOOD, {"score_origin": "soon"}, named=["run.json"]), "score_origin 'soon' is not a date"),
    ("evaluate origin 1066", _evaluate(GOOD, {"score_origin": "1066-10-14"}, named=["run.json"]), "score_origin '1066-10-14'"),
    ("evaluate horizon bad", _evaluate(GOOD, {"horizon": "later"}, named=["run.json", "horizon"]), "is not a horizon"),
    ("evaluate k in run.json", _evaluate(GOOD, {"config": {"labels": {"events": ["inadequate"]}, "evaluate": {"k": "five"}}}, named=["run.json"]), "config.evaluate.k"),
    ("evaluate list not a folder", lambda c: (["evaluate", "--lists", str(c.case / "none"), "--events", str(c.world / "events.csv")], [str(c.case / "none")]), "not a folder"),
    ("evaluate events missing", _evaluate_args(lambda c, d: (["evaluate", "--lists", str(d), "--events", str(c.case / "ev.csv")], ["ev.csv"])), "file not found"),
    ("evaluate unknown option", _evaluate_args(lambda c, d: (["evaluate", "--lists", str(d), "--events", str(c.world / "events.csv"), "--colour"], ["--colour"])), "No such option"),
    ("cycle without config", lambda c: (["cycle"], ["cycle --help"]), "Missing argument 'CONFIG'"),
    ("compare k zero", lambda c: (["compare", c.config()[1], "--k", "0"], ["--k 0"]), "at least 1"),
    ("explain model empty", lambda c: (["explain", c.config()[1], "--council", "E08900001", "--model", ""], ["--model ''"]), "is not a registered model"),
    ("compare k a word", lambda c: (["compare", c.config()[1], "--k", "ten"], ["--k"]), "valid integer"),
    ("score model without value", lambda c: (["score", c.config()[1], "--model"], ["--model"]), "requires an argument"),
    ("unknown command", lambda c: (["cylce", "x.toml"], ["cylce"]), "No such command"),
    ("evaluate k zero", _evaluate_args(lambda c, d: (["evaluate", "--lists", str(d), "--events", str(c.world / "events.csv"), "--k", "0"], ["--k"])), "at least 1"),
    ("evaluate out parent file", _evaluate_args(lambda c, d: ((c.case / "f").write_text("x"), ["evaluate", "--lists", str(d), "--events", str(c.world / "events.csv"), "--out", str(c.case / "f" / "o")])[1:] + ([str(c.case / "f")],)), "is a file"),
    # -- data build ---------------------------------------------------------------------------
    ("data build raw missing", lambda c: (["data", "build", "--raw", str(c.case / "raw"), "--out", str(c.case / "out")], [str(c.case / "raw")]), "not a folder"),
    ("data build out parent is a file", lambda c: ((c.case / "f").write_text("x"), (c.case / "raw").mkdir(), ["data", "build", "--raw", str(c.case / "raw"), "--out", str(c.case / "f" / "o")])[2:] + ([str(c.case / "f")],), "is a file"),
]  # fmt: skip


def _snapshot(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


STAGE = re.compile(r"^\[\s*[\d.]+ s\] ")  # a progress line ("[   0.1 s] loading data")


def run_main(args: list[str], capsys) -> tuple[int, str]:
    """The ``earlywarn`` script's entry point, in-process: (exit code, stderr). Piped, the
    progress stages go to stdout, one line each; nothing else may appear there."""
    from earlywarn.cli import main

    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    cap = capsys.readouterr()
    if code != 0:
        stray = [ln for ln in cap.out.splitlines() if ln.strip() and not STAGE.match(ln)]
        assert not stray, f"stdout holds more than progress stages: {stray}"
    return code, cap.err


@pytest.mark.parametrize(("name", "make", "expected"), CASES, ids=[c[0] for c in CASES])
def test_user_mistake(world, tmp_path, monkeypatch, capsys, name, make, expected):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    case = tmp_path / "case"
    case.mkdir()
    ctx = Ctx(world, case, base_config(world, case))
    args, named = make(ctx)
    before = _snapshot(case)
    world_before = _snapshot(world)
    code, out = run_main(args, capsys)
    assert code == 2, f"{name}: exit {code}: {out}"
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert "Traceback" not in out and "internal error" not in out
    assert expected in lines[0], lines[0]
    for n in named:
        assert n in lines[0], f"{n!r} not named in: {lines[0]}"
    assert _snapshot(case) == before, "something was written"
    assert _snapshot(world) == world_before
    assert not (case / "mlflow.db").exists()


def test_the_table_is_large():
    assert len(CASES) >= 60


def test_cp1252_published_list_is_read(world, tmp_path):
    """A list re-saved by a spreadsheet in cp1252 is read, not an internal error."""
    ctx = Ctx(world, tmp_path, base_config(world, tmp_path))
    d = tmp_path / "list"
    d.mkdir()
    rows = "# CONFIDENTIAL\nrank,council_code,probability,council_name\n1,E08900001,0.4,Bórough\n"
    (d / "risk_list.csv").write_bytes(rows.encode("cp1252"))
    (d / "run.json").write_text(
        json.dumps(
            {
                "cycle": "x",
                "score_origin": "2016-03-31",
                "horizon": "24M",
                "config": {"labels": {"events": ["inadequate"]}, "evaluate": {"k": 1}},
            }
        )
    )
    args = ["evaluate", "--lists", str(d), "--events", str(ctx.world / "events.csv")]
    r = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "Bórough" in (tmp_path / "out" / "outcomes.csv").read_text(encoding="utf-8")


def test_debug_still_shows_the_traceback(world, tmp_path):
    ctx = Ctx(world, tmp_path, base_config(world, tmp_path))
    args, _ = _cfg("evaluate.k", 0)(ctx)
    r = CliRunner().invoke(app, ["--debug", *args])
    assert r.exit_code != 0 and r.exception is not None
    assert type(r.exception).__name__ == "UserInputError"


# -- real subprocesses: the script as a user runs it -----------------------------------------
def _script(args, cwd):
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "earlywarn.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_unreachable_tracking_server_fails_fast(world, tmp_path, monkeypatch, capsys):
    """Nothing listening on a loopback port: one line naming the URI, exit 2."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    ctx = Ctx(world, tmp_path, base_config(world, tmp_path))
    uri = f"http://127.0.0.1:{_free_port()}"
    args, _ = _cfg("tracking.uri", uri)(ctx)
    code, out = run_main(args, capsys)  # within tracking.connect_timeout, not minutes
    assert code == 2, out
    assert out.count("\n") == 1 and uri in out and "Traceback" not in out
    assert not (tmp_path / "out").exists() and not (tmp_path / "mlflow.db").exists()
    r = _script(args, tmp_path)  # the same through the real script
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and uri in r.stderr, r.stderr


def test_silent_server_times_out_within_the_configured_limit(world, tmp_path):
    """A port that accepts connections but never answers stops after connect_timeout."""
    ctx = Ctx(world, tmp_path, base_config(world, tmp_path))
    ctx.cfg["tracking"]["connect_timeout"] = 2
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever answers
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        args, _ = _cfg("tracking.uri", uri)(ctx)
        r = _script(args, tmp_path)  # a hang would hit the subprocess timeout
    assert r.returncode == 2, r.stderr
    assert uri in r.stderr and "did not answer within 2 s" in r.stderr
    assert r.stderr.count("\n") == 1


def test_a_server_that_is_not_mlflow_is_named(world, tmp_path):
    """Something else listening (here: an HTTP server answering 404) is one line, exit 2."""
    import http.server
    import threading

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ctx = Ctx(world, tmp_path, base_config(world, tmp_path))
        uri = f"http://127.0.0.1:{server.server_port}"
        args, _ = _cfg("tracking.uri", uri)(ctx)
        r = CliRunner().invoke(app, args)
    finally:
        server.shutdown()
        server.server_close()
    assert r.exit_code == 2, r.output
    assert uri in r.output and "expected an MLflow tracking server" in r.output


def test_subprocess_bad_row_and_out_parent(world, tmp_path):
    ctx = Ctx(world, tmp_path, base_config(world, tmp_path))
    args, named = _CASE["events grade in words"](ctx)
    r = _script(args, tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert all(n in r.stderr for n in named)
    assert not (tmp_path / "mlflow.db").exists() and not (tmp_path / "out").exists()


_CASE = {c[0]: c[1] for c in CASES}

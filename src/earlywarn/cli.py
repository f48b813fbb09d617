"""The command line: ``earlywarn cycle CONFIG``, ``earlywarn demo``, ``earlywarn data build``.

A user's mistake (bad config, missing or malformed file) prints one line, exit 2, no
traceback (``--debug`` shows it), nothing written; heavy imports wait for the command."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # plain (click) help: typer's rich help formatter imports rich.markdown & co (~0.5 s)
    rich_markup_mode=None,
    help="Early warning of service failure in English councils (confidential outputs).",
)
_state = {"debug": False, "quiet": False, "verbose": False}


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for every error.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only errors (no progress, no summary).")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show MLflow's own log messages.")
    ] = False,
) -> None:
    _state.update(debug=debug, quiet=quiet, verbose=verbose)


def _say(text: str) -> None:
    if not _state["quiet"]:
        typer.echo(text)


def _quiet_libraries() -> None:
    """MLflow's (and alembic's) own INFO lines only with -v; no telemetry, no tqdm bars."""
    import logging

    level = logging.INFO if _state["verbose"] else logging.WARNING
    # mlflow configures its logger at import from MLFLOW_LOGGING_LEVEL: set it first
    os.environ["MLFLOW_LOGGING_LEVEL"] = logging.getLevelName(level)
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(level)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no tqdm bars


@contextlib.contextmanager
def _progress(what: str, piped: bool = True) -> Iterator[None]:
    """Stages with elapsed time (a terminal: live; piped: a line each, or none if not piped)."""
    from earlywarn.progress import choose_mode, reporting

    _quiet_libraries()
    mode = choose_mode(_state["quiet"])
    with reporting(what, mode="quiet" if mode == "lines" and not piped else mode):
        yield


def _guarded(fn: Callable[[], Any]) -> Any:
    """Run a command body: bad input -> exit 2, internal error -> exit 1, one line each."""
    from earlywarn.errors import UserInputError

    try:
        return fn()
    except UserInputError as err:
        _fail(err, 2)
    except KeyboardInterrupt:
        typer.echo("earlywarn: interrupted; nothing was published", err=True)
        raise typer.Exit(130) from None
    except Exception as err:
        if _state["debug"]:
            raise
        typer.echo(f"earlywarn: internal error: {type(err).__name__}: {err}", err=True)
        raise typer.Exit(1) from None


def _fail(err: BaseException, code: int) -> None:
    if _state["debug"]:
        raise err
    typer.echo(f"earlywarn: error: {err}", err=True)
    raise typer.Exit(code)


_PSEUDO_HELP = (
    "Name councils only as 'Council 001'.. (by rank) in every export and MLflow artefact; "
    "no mapping is kept (rerun without it, on the secure machine, to see names)."
)


def _load(config: Path, pseudonymise: bool) -> Any:
    """The config, with ``report.pseudonymise`` switched on by the flag."""
    import dataclasses

    from earlywarn.config import load_config

    cfg = load_config(config)
    if pseudonymise and not cfg.report.pseudonymise:
        rep = dataclasses.replace(cfg.report, pseudonymise=True)
        cfg = dataclasses.replace(cfg, report=rep)
    return cfg


def _resolved(path: Path | None) -> Path | None:
    """A path as the messages show it: absolute, ``~`` expanded."""
    return None if path is None else path.expanduser().resolve()


def _run(config: Path, out: Path | None, pseudonymise: bool = False) -> Any:
    from earlywarn.errors import UserInputError

    out = _resolved(out)
    try:
        cfg = _load(config, pseudonymise)
        from earlywarn.cycle import run_cycle

        with _progress(f"Cycle {cfg.cycle} (data as of {cfg.as_of})"):
            result = run_cycle(cfg, out_dir=out)
    except UserInputError as err:
        _fail(err, 2)
        return
    except KeyboardInterrupt:
        typer.echo("earlywarn: interrupted; nothing was published", err=True)
        raise typer.Exit(130) from None
    except Exception as err:  # an internal error: say so, exit 1
        if _state["debug"]:
            raise
        typer.echo(
            f"earlywarn: internal error: {type(err).__name__}: {err} (rerun with --debug)",
            err=True,
        )
        raise typer.Exit(1) from None
    ev = result.evaluation
    for warning in result.run_info.get("warnings", []):
        typer.echo(f"earlywarn: warning: {warning}", err=True)
    kind = (
        "SYNTHETIC: made-up councils"
        if result.run_info.get("synthetic")
        else "CONFIDENTIAL: named councils"
    )
    _say(f"Published to {result.out_dir} ({kind})")
    from earlywarn.evaluation import headline_lines

    for line in headline_lines(ev):  # the same headline as the report, MLflow and card
        _say(f"  {line}")
    _say(
        f"  published model: {ev['chosen_model']['kind']}; "
        f"MLflow: {result.run_info['tracking_uri']}"
    )
    reg = result.run_info.get("registered_model") or {}
    if reg:
        _say(f"  registered as {reg['name']} version {reg['version']} (alias champion)")
    proto = ev.get("protocol") or {}
    _say(f"  protocol: settings hash {proto.get('settings_hash')}. {proto.get('words', '')}")
    return result


def _num(v: Any) -> str:
    """A metric for the summary: 3 decimals, or n/a (no bootstrap, a single class)."""
    return "n/a" if v is None or v != v else f"{v:.3f}"


@app.command()
def cycle(
    config: Annotated[Path, typer.Argument(metavar="CONFIG", help="The cycle's TOML config.")],
    out: Annotated[
        Path | None, typer.Option(help="New output folder (default: runs/<cycle>-<time>).")
    ] = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help=_PSEUDO_HELP)] = False,
) -> None:
    """Retrain, backtest, score the latest origin and publish the risk list and report."""
    _run(config, out, pseudonymise)


@app.command()
def demo(
    out: Annotated[
        Path | None, typer.Option(help="New output folder (default: runs/<cycle>-<time>).")
    ] = None,
    synthetic: Annotated[
        bool,
        typer.Option(
            "--synthetic", help="Made-up councils with a known true risk (fast), not real ones."
        ),
    ] = False,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help=_PSEUDO_HELP)] = False,
) -> None:
    """The real-council cycle on the bundled public panel, as of its vintage.

    Ends with the risk list, report and MLflow runs under ./runs/. With --synthetic: the
    same cycle on made-up councils.
    """
    from earlywarn.cycle import closing_lines, demo_config

    with demo_config(synthetic) as config:
        result = _run(config, out, pseudonymise)
        for line in closing_lines(result, config, synthetic):
            _say(line)


data_app = typer.Typer(no_args_is_help=True, help="Build the bundled real panel.")
app.add_typer(data_app, name="data")


@data_app.command("build")
def data_build(
    raw: Annotated[Path, typer.Option("--raw", help="Folder of raw public files (SOURCES.md).")],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Where to write (default: the user data folder, "
            "$EARLYWARN_DATA_DIR or ~/.local/share/earlywarn, subfolder real/)."
        ),
    ] = None,
) -> None:
    """Rebuild the real panel from the raw public files, with provenance and a report.

    Never writes into the installed package: use the folder in a cycle config as
    [data] source = "bundled:real" with real_dir = "<the folder>".
    """
    from earlywarn.errors import UserInputError

    try:
        raw = raw.expanduser().resolve()
        if not raw.is_dir():
            raise UserInputError(f"{raw}: not a folder (expected the raw data folder)")
        from earlywarn.io import check_data_folder, user_data_dir, write_data_files
        from earlywarn.sources.bundle import build_bundle

        target = (out.expanduser() if out else user_data_dir() / "real").resolve()
        check_data_folder(target)  # before minutes of parsing
        with _progress(f"Building the real panel from {raw}"):
            from earlywarn.progress import step

            step("reading and checking the raw public files")
            files, report = build_bundle(raw)
            step(f"writing {len(files)} files to {target}")
            write_data_files(target, files)
    except UserInputError as err:
        _fail(err, 2)
        return
    cov = report.coverage_by_origin
    low = min(v["share"] for v in cov.values()) if cov else 0.0
    typer.echo(f"Wrote {len(files)} files to {target}")
    typer.echo(
        f"  councils current on {report.coverage_date}: {report.councils_current}; "
        f"lowest coverage over {len(cov)} origins: {low:.1%}"
    )
    if report.revised_rows:
        typer.echo(
            f"  back-filled from DfE LAIT (values as revised later, column revised): "
            f"{sum(report.revised_rows.values())} rows, {len(report.revised_rows)} measures; "
            f"{sum(report.snapshot_dated_rows.values())} of them dated at the snapshot "
            "(cells a first edition left empty)"
        )
    for name, names in report.unmatched.items():
        typer.echo(f"  unmatched in {name} (allowed: sources/allowance.toml): {', '.join(names)}")
    for name, files in report.unreadable.items():
        typer.echo(f"  unreadable in {name} ({len(files)}, see build_report.json): {files[0]}")


@app.command()
def score(
    config: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The cycle's TOML config (data and as_of).")
    ],
    model: Annotated[
        str,
        typer.Option(
            help="Registered model: NAME (its champion), NAME@alias, NAME/version or a "
            "models:/ URI."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(help="New output folder (default: runs/<cycle>-score-<time>).")
    ] = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help=_PSEUDO_HELP)] = False,
) -> None:
    """Score the latest origin with a registered model (no retraining) and publish the list."""

    def body():
        from earlywarn.cycle import score_registered
        from earlywarn.tracking import model_uri_from

        uri = model_uri_from(model)
        cfg = _load(config, pseudonymise)
        with _progress(f"Scoring {cfg.as_of} with {uri}"):
            from earlywarn.progress import step

            step("loading the model, building features, scoring and explaining")
            return score_registered(cfg, uri, out_dir=_resolved(out))

    res = _guarded(body)
    v = res.run_info["registered_model"]
    _say(f"Published to {res.out_dir} (CONFIDENTIAL: named councils)")
    _say(f"  model {v['name']} version {v['version']}; origin {res.run_info['score_origin']}")


@app.command()
def explain(
    config: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The cycle's TOML config (data and as_of).")
    ],
    council: Annotated[
        str,
        typer.Option(help="The council's code (council_code in risk_list.csv) or its name."),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            help="Registered model: NAME (its champion), NAME@alias, NAME/version or a "
            "models:/ URI (default: the config's registry name, champion)."
        ),
    ] = None,
) -> None:
    """Print one council's probability, band, reasons, problem nature and support."""

    def body():
        from earlywarn.config import load_config
        from earlywarn.cycle import explain_council, explain_published
        from earlywarn.tracking import model_uri_from

        uri = model_uri_from(model) if model is not None else None  # '' is a mistake
        cfg = load_config(config)
        if model is None:  # the champion's published list answers in seconds
            found = explain_published(cfg, council)
            if found is not None:
                return found
        with _progress(f"Explaining {council} as of {cfg.as_of}", piped=False):
            from earlywarn.progress import step

            step("loading the model, building features and explaining")
            return explain_council(cfg, council, model_uri=uri)

    typer.echo(_guarded(body).to_text())


@app.command()
def compare(
    config: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="The cycle's TOML config (its experiment).")
    ],
    k: Annotated[int | None, typer.Option(help="Top k to compare (default: evaluate.k).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="New output folder (default: runs/compare-<time>)."),
    ] = None,
) -> None:
    """This cycle against the previous one: ranks, tiers, movement and changed reasons of
    every council in either top k, and metric changes; writes comparison.csv and .html."""

    def body():
        from earlywarn import io
        from earlywarn.config import load_config
        from earlywarn.cycle import compare_cycles, write_comparison
        from earlywarn.io import check_output_location

        target = _resolved(out) or io.default_out_dir("compare")
        check_output_location(target)  # before the store is read
        with _progress("Reading the last two cycles"):
            c = compare_cycles(load_config(config), k=k)
        return c, write_comparison(c, target)

    c, folder = _guarded(body)
    from earlywarn.cycle import comparison_lines

    for line in comparison_lines(c):
        typer.echo(line)
    _say(f"Wrote {folder} (comparison.csv, comparison.html; CONFIDENTIAL: named councils)")


@app.command(context_settings={"allow_extra_args": True})
def evaluate(
    ctx: typer.Context,
    lists: Annotated[
        list[Path], typer.Option("--lists", help="Earlier cycles' output folders (one or more).")
    ],
    events: Annotated[Path, typer.Option(help="Later events: core-format CSV or events.parquet.")],
    out: Annotated[
        Path | None, typer.Option(help="New output folder (default: runs/evaluate-<time>).")
    ] = None,
    k: Annotated[int | None, typer.Option(help="Top k warned (default: each list's k).")] = None,
) -> None:
    """Match earlier published lists to later events: hits, misses and false alarms."""

    def body():
        import json

        from earlywarn import io
        from earlywarn.errors import UserInputError
        from earlywarn.evaluation import match_outcomes
        from earlywarn.report import CONFIDENTIAL
        from earlywarn.schema import EVENT_COLUMNS, validate_events

        folders = [_resolved(Path(f)) for f in [*lists, *ctx.args]]
        events_path = _resolved(events)
        bad = [a for a in ctx.args if a.startswith("-")]
        if bad:
            raise UserInputError(f"unknown option {bad[0]!r}")
        if k is not None and k < 1:
            raise UserInputError(f"--k {k}: expected a number of councils, at least 1")
        target = _resolved(out) or io.default_out_dir("evaluate")
        io.check_output_location(target)
        with _progress(f"Matching {len(folders)} earlier list(s) to later events", piped=False):
            from earlywarn.progress import step

            step(f"reading {len(folders)} published list(s) and {events_path}")
            published = [io.read_published_list(f) for f in folders]
            ev = validate_events(
                io.read_events_table(events_path, EVENT_COLUMNS), where=str(events_path)
            )
            step("matching warnings to outcomes")
            frame, summary = match_outcomes(published, ev, k=k)
        banner = f"# {CONFIDENTIAL}\n# outcomes of earlier lists against {events.name}\n"
        csv = io.spreadsheet_csv(frame)
        files = {
            "outcomes.csv": banner + csv,
            "outcomes.json": json.dumps(
                {"confidential": CONFIDENTIAL, **summary}, indent=2, sort_keys=True
            ),
        }
        return io.write_output_folder(target, files), summary

    folder, summary = _guarded(body)
    _say(f"Wrote {folder} (CONFIDENTIAL: named councils)")
    for cycle, s in summary["lists"].items():
        state = "closed" if s["window_closed"] else "still open"
        prec = "n/a" if s["precision"] is None else f"{s['precision']:.2f}"
        rec = "n/a" if s["recall"] is None else f"{s['recall']:.2f}"
        _say(
            f"  {cycle} (origin {s['score_origin']}, window {state}): {s['hit']} hits, "
            f"{s['miss']} misses, {s['false_alarm']} false alarms, "
            f"{s['inspected_not_failing']} inspected and not failing, {s['unconfirmed']} not "
            f"inspected, {s['pending']} pending (not yet inspected); precision {prec} over "
            f"{s['resolved']} resolved warnings, recall {rec}"
        )


@app.command()
def combine(
    runs: Annotated[list[Path], typer.Argument(metavar="RUN_A RUN_B", help="Two output folders.")],
    out: Annotated[Path | None, typer.Option(help="New output folder.")] = None,
) -> None:
    """Children's-services and financial risk side by side (rank, tier, band) per council."""
    from earlywarn.report import combine_runs

    _say(_guarded(lambda: combine_runs([_resolved(r) for r in runs], _resolved(out)))[1]["words"])


def main(args: list[str] | None = None) -> None:
    """The ``earlywarn`` script: a mistake in the arguments is one line and exit 2."""
    import signal

    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # runs end as FAILED, nothing half-published

    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        signal.signal(signal.SIGTERM, _terminate)
    try:
        rc = app(args=args, prog_name="earlywarn", standalone_mode=False)
    except typer.Abort:
        typer.echo("earlywarn: interrupted; nothing was published", err=True)
        sys.exit(130)
    except Exception as err:
        # click's exceptions (vendored by recent typer as typer._click): found by class name
        kinds = {c.__name__ for c in type(err).__mro__}
        if "ClickException" not in kinds:
            if _state["debug"]:
                raise
            typer.echo(
                f"earlywarn: internal error: {type(err).__name__}: "
                f"{' '.join(str(err).split())} (rerun with --debug)",
                err=True,
            )
            sys.exit(1)
        if "NoArgsIsHelpError" in kinds:
            err.show()
            sys.exit(2)
        ctx = getattr(err, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if "UsageError" in kinds and ctx else ""
        msg = " ".join(err.format_message().split())
        typer.echo(f"earlywarn: error: {msg}{hint}", err=True)
        sys.exit(getattr(err, "exit_code", 2))
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The command line: ``earlywarn cycle CONFIG``, ``earlywarn demo``, ``earlywarn data build``.

A user's mistake (bad config, missing or malformed file) prints one line and exits with
code 2, with no traceback (``--debug`` shows it) and nothing written. Heavy libraries are
imported inside the commands, so ``earlywarn --help`` answers at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Early warning of service failure in English councils (confidential outputs).",
)
_state = {"debug": False}


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for every error.")
    ] = False,
) -> None:
    _state["debug"] = debug


def _fail(err: BaseException, code: int) -> None:
    if _state["debug"]:
        raise err
    typer.echo(f"earlywarn: error: {err}", err=True)
    raise typer.Exit(code)


def _run(config: Path, out: Path | None) -> None:
    from earlywarn.config import load_config
    from earlywarn.errors import UserInputError

    try:
        cfg = load_config(config)
        from earlywarn.cycle import run_cycle

        os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
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
    typer.echo(f"Published to {result.out_dir} (CONFIDENTIAL: named councils)")
    for name, m in [*ev["models"].items(), *([("oracle", ev["oracle"])] if "oracle" in ev else [])]:
        a = m["pooled"]["auroc"]
        ap = m["pooled"]["average_precision"]
        typer.echo(
            f"  {name:<12} pooled out-of-time AUROC {a['value']:.3f} "
            f"[{a['lo']:.3f}, {a['hi']:.3f}]  AP {ap['value']:.3f}"
        )
    typer.echo(
        f"  published model: {ev['chosen_model']['kind']}; "
        f"MLflow: {result.run_info['tracking_uri']}"
    )


@app.command()
def cycle(
    config: Annotated[Path, typer.Argument(help="The cycle's TOML config.")],
    out: Annotated[
        Path | None, typer.Option(help="New output folder (default: runs/<cycle>-<time>).")
    ] = None,
) -> None:
    """Retrain, backtest, score the latest origin and publish the risk list and report."""
    _run(config, out)


@app.command()
def demo(
    out: Annotated[
        Path | None, typer.Option(help="New output folder (default: runs/demo-<time>).")
    ] = None,
) -> None:
    """A whole cycle on the bundled synthetic councils (experiments/demo/cycle.toml)."""
    from earlywarn.io import project_root

    _run(project_root() / "experiments" / "demo" / "cycle.toml", out)


data_app = typer.Typer(no_args_is_help=True, help="Build the bundled real panel.")
app.add_typer(data_app, name="data")


@data_app.command("build")
def data_build(
    raw: Annotated[Path, typer.Option("--raw", help="Folder of raw public files (SOURCES.md).")],
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write (default: the package's data/real folder)."),
    ] = None,
) -> None:
    """Rebuild the bundled real panel from the raw files, with provenance and a report."""
    from earlywarn.errors import UserInputError

    try:
        if not raw.is_dir():
            raise UserInputError(f"{raw}: not a folder (expected the raw data folder)")
        from earlywarn.io import write_data_files
        from earlywarn.sources.bundle import build_bundle

        files, report = build_bundle(raw)
        target = out or Path(__file__).resolve().parent / "data" / "real"
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
    for name, names in report.unmatched.items():
        typer.echo(f"  unmatched in {name}: {', '.join(names)}")


def main() -> None:
    """Entry point for the ``earlywarn`` script."""
    app(prog_name="earlywarn")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

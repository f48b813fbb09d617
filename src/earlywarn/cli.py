"""The command line: ``earlywarn cycle CONFIG``, ``earlywarn demo``.

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


def main() -> None:
    """Entry point for the ``earlywarn`` script."""
    app(prog_name="earlywarn")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``earlywarn demo``: the real-council cycle on the bundled public panel (the main job), or
with ``--synthetic`` the same cycle on made-up councils.

The two cycle configs ship inside the package (``earlywarn/configs/real.toml`` and
``synthetic.toml``), so the demo works from an installed wheel as well as a checkout;
outputs go under ``runs/`` in the working directory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

__all__ = ["DEMO_CONFIGS", "closing_lines", "demo_config"]

DEMO_CONFIGS = {False: "real.toml", True: "synthetic.toml"}


@contextlib.contextmanager
def demo_config(synthetic: bool = False) -> Iterator[Path]:
    """The path of the packaged demo config (real, or synthetic with ``synthetic=True``)."""
    with as_file(files("earlywarn").joinpath("configs", DEMO_CONFIGS[synthetic])) as path:
        yield Path(path).resolve()


def data_vintage() -> str:
    """What the bundled real panel holds, in words (from its provenance)."""
    from earlywarn.sources.bundle import real_bundle_info

    prov = real_bundle_info()["provenance"]
    return str(prov.get("vintage") or "unknown vintage")


def closing_lines(result: Any, config: Path, synthetic: bool) -> list[str]:
    """What the demo says last: where the outputs are, the data vintage, how to refresh."""
    info = result.run_info
    uri = info["tracking_uri"]
    lines = [f"  risk list: {result.out_dir / 'risk_list.csv'}"]
    lines.append(f"  report:    {result.out_dir / 'report.html'}")
    browse = uri.removeprefix("sqlite:///") if uri.startswith("sqlite:///") else ""
    if browse:
        lines.append(f"  MLflow:    mlflow ui --backend-store-uri {uri}")
    if synthetic:
        lines.append(
            "Data: SYNTHETIC councils (made up, with a known true risk), as of "
            f"{info['as_of']}. Run `earlywarn demo` without --synthetic for real councils."
        )
        return lines
    lines.append(
        f"Data vintage: the bundled real panel, {data_vintage()}; the cycle used data "
        f"published by {info['as_of']}."
    )
    lines.append(
        "Newer public files: download them as listed in SOURCES.md, run `earlywarn data build "
        "--raw FOLDER --out DIR`, then run `earlywarn cycle` with a copy of "
        f'{config} whose [data] has real_dir = "DIR" and a later as_of.'
    )
    return lines

"""The report's figures as PNG bytes: reliability out of time and each council's
trends against its peers."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def calibration_png(pred: pd.DataFrame, title: str = "Reliability (out of time)") -> bytes:
    """A reliability plot of out-of-time predictions (columns ``model, p, y``) as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 4.2), dpi=100)  # no pyplot: a user's backend is left alone
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfect calibration")
    for model, g in pred.groupby("model", sort=True):
        bins = np.clip((g["p"].to_numpy() * 10).astype(int), 0, 9)
        agg = (
            pd.DataFrame({"b": bins, "p": g["p"], "y": g["y"]})
            .groupby("b")
            .agg(p=("p", "mean"), y=("y", "mean"), n=("y", "size"))
        )
        agg = agg[agg["n"] >= 5]
        ax.plot(agg["p"], agg["y"], marker="o", label=str(model))
    hi = float(min(1.0, max(0.2, pred["p"].max() * 1.1)))
    ax.set_xlim(0, hi)
    ax.set_ylim(0, hi)
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed failure rate")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def signal_words(spec) -> str:
    """A feature in plain words for a plot label (never its column name)."""
    text = spec.label[:1].upper() + spec.label[1:]
    if spec.kind == "change":
        text += f" (change over {spec.span})" if spec.span else " (change)"
    return text if len(text) <= 64 else text[:61] + "..."


def council_png(
    contrib: pd.Series,
    specs: Mapping[str, Any],
    trends: Sequence[tuple[str, str, pd.Series, pd.Series]] = (),
    n_bars: int = 8,
) -> bytes:
    """One council's figure: a SHAP bar plot and small trend plots against peers.

    Parameters
    ----------
    contrib : Series
        SHAP values (log-odds) per feature for the council.
    specs : mapping
        Feature name -> :class:`~earlywarn.features.registry.FeatureSpec` (for the words).
    trends : sequence of (title, unit, council, peers)
        Series indexed by origin: the council's values and its peers' median.
    n_bars : int
        The largest contributions shown; the rest are summed into one bar.
    """
    from matplotlib.figure import Figure

    order = contrib.abs().sort_values(ascending=False, kind="stable").index
    top = contrib[order[:n_bars]]
    rest = float(contrib[order[n_bars:]].sum())
    labels = [signal_words(specs[f]) for f in top.index]
    vals = list(top.to_numpy(dtype=float))
    n = len(trends)
    # one row: the contributions; a second row: large trend charts (actual values)
    height = 3.4 + (3.4 if n else 0)
    fig = Figure(figsize=(10, height), dpi=80)
    split = 3.4 / height  # the share of the height the bars take
    bars = fig.add_gridspec(1, 1, left=0.47, right=0.97, top=0.94, bottom=1 - split + 0.09)
    ax = fig.add_subplot(bars[0, 0])
    grid = fig.add_gridspec(1, max(n, 1), left=0.07, right=0.97, top=1 - split - 0.06, bottom=0.07)
    grid = [grid[0, i] for i in range(max(n, 1))]
    y = np.arange(len(vals))[::-1]
    ax.barh(y, vals, color=["#b22222" if v > 0 else "#2e6fb0" for v in vals])
    ax.set_yticks(y, labels, fontsize=10)
    ax.axvline(0, color="grey", lw=0.8)
    more = (
        f"; {len(order) - n_bars} smaller factors sum to {rest:+.2f}" if len(order) > n_bars else ""
    )
    ax.set_xlabel(f"contribution to risk (log-odds, SHAP){more}", fontsize=10)
    ax.tick_params(axis="x", labelsize=9)
    ax.set_title("What moves this council's risk (red raises)", fontsize=11)
    for i, tr in enumerate(trends):
        title, unit, own, peer = tr[:4]
        eng = tr[4] if len(tr) > 4 else None
        tax = fig.add_subplot(grid[i])
        x = pd.DatetimeIndex(own.index).year  # plain years: date axes are slow to lay out
        tax.plot(x, own.to_numpy(dtype=float), marker="o", ms=4, color="#b22222", label="council")
        tax.plot(
            pd.DatetimeIndex(peer.index).year,
            peer.to_numpy(dtype=float),
            ls="--",
            c="grey",
            label="similar councils",
        )
        if eng is not None:
            tax.plot(
                pd.DatetimeIndex(eng.index).year,
                eng.to_numpy(dtype=float),
                ls=":",
                c="black",
                label="England",
            )
        words = title if len(title) <= 45 else title[:42] + "..."
        tax.set_title(words, fontsize=9)
        tax.set_ylabel(unit.strip() or "value", fontsize=9)
        tax.tick_params(labelsize=8)
        tax.xaxis.get_major_locator().set_params(integer=True)
        if i == 0:
            tax.legend(fontsize=8, loc="best")
    return _png(fig)

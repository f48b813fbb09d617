"""The risk list and the HTML report.

Every artefact is confidential: the banner says so, and names the model run and the data
vintage. Text is HTML-escaped; exports are made safe to open in a spreadsheet by
:func:`earlywarn.io.safe_for_spreadsheet`.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CONFIDENTIAL", "build_risk_list", "calibration_png", "render_report"]

CONFIDENTIAL = (
    "CONFIDENTIAL - an early warning is the start of a conversation with the council, never a "
    "verdict. Do not share beyond the improvement partnership."
)


def build_risk_list(
    scores: pd.DataFrame, reasons: pd.DataFrame, n_reasons: int = 3
) -> pd.DataFrame:
    """One row per council at the scored origin, ranked by probability.

    Parameters
    ----------
    scores : DataFrame
        ``council_code, council_name, council_type, region, probability``.
    reasons : DataFrame
        From :func:`earlywarn.explain.explain`.
    """
    up = reasons[reasons["direction"] == "raises"]
    wide = up.pivot(index="council_code", columns="rank", values="sentence")
    wide = wide.reindex(columns=range(1, n_reasons + 1))
    wide.columns = [f"reason_{i}" for i in range(1, n_reasons + 1)]
    fam = up.pivot(index="council_code", columns="rank", values="nature")
    main_nature = fam.get(1, pd.Series(dtype=object)).rename("main_problem_nature")
    down = reasons[reasons["direction"] == "lowers"].set_index("council_code")["sentence"]
    out = scores.join(wide, on="council_code").join(main_nature, on="council_code")
    out["mitigating_factor"] = out["council_code"].map(down)
    out = out.sort_values(["probability", "council_code"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    reason_cols = [f"reason_{i}" for i in range(1, n_reasons + 1)]
    out[reason_cols] = out[reason_cols].fillna("No factor raises this council's risk.")
    return out.reset_index(drop=True)


def calibration_png(pred: pd.DataFrame, title: str = "Reliability (out of time)") -> bytes:
    """A reliability plot of out-of-time predictions (columns ``model, p, y``) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.2), dpi=100)
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
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:.3f}"
    return "" if v is None else str(v)


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _metric_cell(m: dict | None) -> str:
    if not m or m.get("value") is None:
        return "n/a"
    lo, hi = m.get("lo"), m.get("hi")
    ci = f" ({lo:.3f}–{hi:.3f})" if lo is not None and hi is not None else ""
    return f"{m['value']:.3f}{ci}"


def render_report(
    risk_list: pd.DataFrame,
    evaluation: dict,
    run_info: dict,
    calibration: bytes,
    top_n: int = 20,
) -> str:
    """A self-contained HTML page: banner, ranked list with reasons, backtest, calibration."""
    metric_names = ["auroc", "average_precision", "brier", "precision_at_k", "recall_at_k"]
    rows = []
    for model, ev in evaluation["models"].items():
        pooled = ev.get("pooled", {})
        rows.append([model] + [_metric_cell(pooled.get(m)) for m in metric_names])
    metrics = pd.DataFrame(rows, columns=["model", *metric_names])
    show = risk_list.head(top_n)
    cols = [
        c
        for c in show.columns
        if c
        in (
            "rank",
            "council_name",
            "council_code",
            "probability",
            "main_problem_nature",
            "reason_1",
            "reason_2",
            "reason_3",
            "mitigating_factor",
        )
    ]
    img = base64.b64encode(calibration).decode("ascii")
    e = html.escape
    label = evaluation.get("label", {})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>earlywarn risk report - {e(str(run_info.get("cycle", "")))}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
.banner {{ background: #8b0000; color: #fff; padding: .8em 1em; font-weight: bold; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 90%; }}
th, td {{ border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }}
th {{ background: #f0f0f0; }}
.meta {{ color: #555; font-size: 90%; }}
</style></head><body>
<div class="banner" role="note">{e(CONFIDENTIAL)}</div>
<h1>Early warning risk list: cycle {e(str(run_info.get("cycle", "")))}</h1>
<p class="meta">Scored origin {e(str(run_info.get("score_origin", "")))}; data as of
{e(str(run_info.get("as_of", "")))} (data vintage); horizon {e(str(run_info.get("horizon", "")))};
model <b>{e(str(run_info.get("model", "")))}</b>,
MLflow run {e(str(run_info.get("model_run_id", "")))}
at {e(str(run_info.get("tracking_uri", "")))}.</p>
<p>Probability = the model's estimated chance of {e(str(label.get("description", "")))}.
Reasons come from SHAP values of the model and compare each council with similar councils
(same type) at the same date.</p>
<h2>Ranked list (top {len(show)} of {len(risk_list)})</h2>
{_table(show[cols])}
<h2>Backtest (rolling origin, out of time)</h2>
<p>Pooled over test origins {e(", ".join(evaluation.get("test_origins", [])))};
k = {e(str(evaluation.get("k", "")))}; 95% intervals from resampling councils.
Censoring: {e(str(label.get("censoring", "")))}.</p>
{_table(metrics)}
<h2>Calibration</h2>
<img alt="reliability plot" src="data:image/png;base64,{img}">
<p class="meta">{e(CONFIDENTIAL)}</p>
</body></html>
"""

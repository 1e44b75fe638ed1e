"""Figures of the back-test: a reliability diagram, and each episode's forecast beside its outcome.

Both take the forecast table of :func:`sim.backtest.forecast_table` (``BacktestResult.table``)
and return a ``Figure``; :func:`save_backtest_figures` writes them into a results folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.backtest.scores import BINARY, coding_set
from sim.core.ladder import RUNG_NAMES
from sim.plots.figures import RUNG_COLOURS
from sim.storage.store import atomic_write

__all__ = ["episode_forecasts", "reliability_diagram", "save_backtest_figures"]

_FORECASTER_STYLE = {
    "model": ("tab:red", "o", "model"),
    "reference_class": ("tab:blue", "s", "reference-class base rate"),
}


def reliability_diagram(table: pd.DataFrame, codings: str = "a", bins: int = 5) -> Figure:
    """Observed frequency against forecast probability, the binary outcomes pooled.

    Parameters
    ----------
    table : DataFrame
        From :func:`sim.backtest.forecast_table`.
    codings : str
        The coding set drawn (:func:`sim.backtest.scores.coding_set`).
    bins : int
        Equal-width bins of the forecast probability, >= 1.

    Returns
    -------
    Figure
        For the model and the reference-class baseline: in each bin holding forecasts, the
        share of outcomes that happened (with its 95 % Wilson interval) at the bin's mean
        forecast; marker area grows with the count; the diagonal is perfect reliability. Below,
        how many forecasts fell in each bin.
    """
    from scipy import stats

    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    rows = coding_set(table, codings)
    rows = rows[rows["outcome"].isin(list(BINARY)) & rows["observed"].notna()]
    edges = np.linspace(0.0, 1.0, bins + 1)
    fig = Figure(figsize=(6.5, 7.0), layout="constrained")
    ax, hist = fig.subplots(2, 1, height_ratios=(3, 1), sharex=True)
    ax.plot([0, 1], [0, 1], color="gray", lw=1, ls="--", label="perfect reliability")
    width = 1.0 / bins / (len(_FORECASTER_STYLE) + 1)
    for i, (forecaster, (colour, marker, label)) in enumerate(_FORECASTER_STYLE.items()):
        mine = rows[rows["forecaster"] == forecaster]
        p = mine["probability"].to_numpy(float)
        y = mine["observed"].to_numpy(float)
        which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
        xs, ys, lows, highs, counts = [], [], [], [], []
        for b in range(bins):
            inside = which == b
            n = int(inside.sum())
            counts.append(n)
            if n == 0:
                continue
            k = int(y[inside].sum())
            ci = stats.binomtest(k, n).proportion_ci(method="wilson")
            xs.append(p[inside].mean())
            ys.append(k / n)
            lows.append(k / n - ci.low)
            highs.append(ci.high - k / n)
        ax.errorbar(xs, ys, yerr=[lows, highs], color=colour, fmt="none", lw=1, capsize=3)
        ax.scatter(
            xs, ys, s=[20 + 8 * c for c in counts if c], color=colour, marker=marker, zorder=3
        )
        # A legend entry of fixed size: the markers' areas vary with the counts.
        ax.plot(
            [], [], ls="none", color=colour, marker=marker, label=f"{label} ({len(p)} forecasts)"
        )
        centres = edges[:-1] + (i + 1) * width
        hist.bar(centres, counts, width=width, color=colour, alpha=0.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("share that happened")
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    episodes = rows["episode_id"].nunique()
    ax.set_title(
        f"Reliability of the back-test forecasts (codings {codings}; {episodes} episodes x "
        f"{len(BINARY)} outcomes)\nbars: 95 % Wilson interval of the share; few forecasts "
        "per bin",
        fontsize=9,
    )
    hist.set_xlabel("forecast probability")
    hist.set_ylabel("forecasts")
    hist.set_xticks(edges)
    return fig


def episode_forecasts(table: pd.DataFrame, outcome: str = "rung_7d", codings: str = "a") -> Figure:
    """Each episode's forecast distribution of the highest rung, beside the rung it reached.

    Parameters
    ----------
    table : DataFrame
        From :func:`sim.backtest.forecast_table`.
    outcome : {"rung_7d", "rung_30d"}
        The window.
    codings : str
        The coding set drawn.

    Returns
    -------
    Figure
        One row per episode (oldest at the top): the model's probability of each rung as a
        stacked bar, the coded outcome as a black diamond in the middle of its rung's segment
        (and its number at the right), the reference-class forecast as the bottom row.
    """
    if outcome not in ("rung_7d", "rung_30d"):
        raise ValueError(f"outcome must be rung_7d or rung_30d, got {outcome!r}")
    rows = coding_set(table, codings)
    rows = rows[(rows["outcome"] == outcome) & rows["observed"].notna()]
    model = rows[rows["forecaster"] == "model"].sort_values("trigger_date", kind="stable")
    base = rows[rows["forecaster"] == "reference_class"].head(1)
    shown = pd.concat([model, base.assign(episode_id="reference class")], ignore_index=True)
    probs = shown[[f"p{k}" for k in range(len(RUNG_NAMES))]].to_numpy(float)
    fig = Figure(figsize=(9.0, 1.2 + 0.32 * len(shown)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(shown))[::-1]
    left = np.zeros(len(shown))
    for k, name in enumerate(RUNG_NAMES):
        ax.barh(y, probs[:, k], left=left, color=RUNG_COLOURS[k], label=f"{k} {name}", height=0.8)
        left += probs[:, k]
    cumulative = np.cumsum(probs, axis=1)
    for row, yy, probs_row, cum in zip(shown.itertuples(), y, probs, cumulative, strict=True):
        if row.episode_id == "reference class":
            continue
        rung = int(row.observed)
        middle = cum[rung] - probs_row[rung] / 2
        ax.scatter(middle, yy, marker="D", color="black", s=28, zorder=3)
        ax.text(1.01, yy, f"{rung}", va="center", fontsize=8)
    labels = [
        f"{r.episode_id} {r.coding} ({r.scored_side[:3]})"
        if r.episode_id != "reference class"
        else "reference class (base rate)"
        for r in shown.itertuples()
    ]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_xlabel(
        "forecast probability (stacked by rung); ◆ and the number at the right: what happened"
    )
    window = outcome.removeprefix("rung_").replace("d", " days")
    ax.set_title(
        f"Scored side's highest rung within {window}: the model's forecast beside the record "
        f"(codings {codings})",
        fontsize=9,
    )
    ax.legend(
        fontsize=7,
        ncols=len(RUNG_NAMES),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.04),
        frameon=False,
    )
    return fig


def save_backtest_figures(table: pd.DataFrame, folder: str | Path) -> list[Path]:
    """Write the reliability diagram and the per-episode figures of every coding set as PNG.

    Parameters
    ----------
    table : DataFrame
        From :func:`sim.backtest.forecast_table`.
    folder : str or Path
        Where the files go (created if needed).

    Returns
    -------
    list of Path
        ``reliability_<codings>.png``, ``episodes_rung_7d_<codings>.png``,
        ``episodes_rung_30d_<codings>.png`` per coding set.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for codings in sorted(table["coding"].unique()):
        figures = {
            f"reliability_{codings}": reliability_diagram(table, codings),
            f"episodes_rung_7d_{codings}": episode_forecasts(table, "rung_7d", codings),
            f"episodes_rung_30d_{codings}": episode_forecasts(table, "rung_30d", codings),
        }
        for name, fig in figures.items():
            paths.append(
                atomic_write(
                    folder / f"{name}.png", lambda tmp, f=fig: f.savefig(tmp, format="png", dpi=150)
                )
            )
    return paths

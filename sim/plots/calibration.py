"""Figures of a calibration: posterior marginals and pairs, per-generation diagnostics, SBC ranks.

Each function takes tables (the posterior file's table, ``diagnostics.csv``, the ranks of a
simulation-based calibration) and returns a ``Figure``; :func:`save_calibration_figures` writes
the first three into a results folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.storage.store import atomic_write

__all__ = [
    "calibration_diagnostics",
    "posterior_marginals",
    "posterior_pairs",
    "rank_histogram",
    "save_calibration_figures",
]


def _short(path: str) -> str:
    """A parameter path without its first part, for a small axis label."""
    return path.split(".", 1)[-1] if path.count(".") > 1 else path


def _columns(posterior: pd.DataFrame) -> list[str]:
    return [c for c in posterior.columns if c != "weight"]


def posterior_marginals(
    posterior: pd.DataFrame, priors: Mapping[str, Any] | None = None, bins: int = 20
) -> Figure:
    """Each parameter's weighted posterior histogram over its prior's density.

    Parameters
    ----------
    posterior : DataFrame
        One column per parameter path and ``weight`` (the posterior file's table).
    priors : mapping of path to Prior, optional
        The scenario's priors: the x-axis spans each prior's bounds and its density is drawn.
    bins : int
        Histogram bins.

    Returns
    -------
    Figure
    """
    columns = _columns(posterior)
    w = posterior["weight"].to_numpy(float)
    ncols = min(4, len(columns))
    nrows = -(-len(columns) // ncols)
    fig = Figure(figsize=(3.2 * ncols, 2.6 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, column in zip(axes, columns, strict=False):
        x = posterior[column].to_numpy(float)
        prior = (priors or {}).get(column)
        span = (prior.low, prior.high) if prior is not None else (x.min(), x.max() + 1e-12)
        ax.hist(x, bins=bins, range=span, weights=w, density=True, color="tab:red", alpha=0.7,
                label="posterior")  # fmt: skip
        if prior is not None:
            grid = np.linspace(prior.low, prior.high, 200)
            dist = prior.scipy()
            density = dist.pmf(np.round(grid)) if prior.dist == "integer" else dist.pdf(grid)
            ax.plot(grid, density, color="gray", lw=1.2, label="prior")
        ax.set_xlim(*span)
        ax.set_title(_short(column), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(columns) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals (weighted last generation) over the priors", fontsize=10)
    return fig


def posterior_pairs(posterior: pd.DataFrame, priors: Mapping[str, Any] | None = None) -> Figure:
    """Pair plot of the weighted posterior: histograms on the diagonal, particles off it.

    Marker area grows with a particle's weight; axes span the priors' bounds when given.
    """
    columns = _columns(posterior)
    n = len(columns)
    w = posterior["weight"].to_numpy(float)
    size = 4 + 400 * w / w.max() if w.max() > 0 else np.full(len(w), 4.0)
    fig = Figure(figsize=(2.0 * n + 1, 2.0 * n + 1), layout="constrained")
    axes = fig.subplots(n, n, squeeze=False)
    for i, a in enumerate(columns):
        for j, b in enumerate(columns):
            ax = axes[i][j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(posterior[a], bins=15, weights=w, color="tab:red", alpha=0.7)
            else:
                ax.scatter(posterior[b], posterior[a], s=size * 0.2, alpha=0.5, color="tab:red")
                prior = (priors or {}).get(a)
                if prior is not None:
                    ax.set_ylim(prior.low, prior.high)
            prior = (priors or {}).get(b)
            if prior is not None:
                ax.set_xlim(prior.low, prior.high)
            if i == n - 1:
                ax.set_xlabel(_short(b), fontsize=7)
            if j == 0:
                ax.set_ylabel(_short(a), fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle("Posterior pairs (marker area: weight)", fontsize=10)
    return fig


def calibration_diagnostics(diagnostics: pd.DataFrame) -> Figure:
    """Threshold, acceptance rate and effective sample size per generation (``diagnostics.csv``)."""
    fig = Figure(figsize=(10, 3.0), layout="constrained")
    axes = fig.subplots(1, 3)
    g = diagnostics["generation"]
    panels = (
        ("epsilon", "threshold (distance)"),
        ("acceptance", "acceptance rate"),
        ("ess", "effective sample size"),
    )
    for ax, (column, title) in zip(axes, panels, strict=True):
        ax.plot(g, diagnostics[column], marker="o", color="tab:red")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("generation")
        ax.tick_params(labelsize=7)
    axes[2].plot(g, diagnostics["particles"], ls="--", color="gray", label="particles")
    axes[2].legend(fontsize=7)
    axes[2].set_ylim(bottom=0)
    axes[1].set_ylim(0, 1.05)
    return fig


def rank_histogram(ranks: pd.DataFrame, bins: int = 5) -> Figure:
    """Simulation-based calibration: each parameter's rank of the true value among posterior draws.

    Parameters
    ----------
    ranks : DataFrame
        One row per (replicate, parameter): ``parameter``, ``rank`` (0..``draws``) and
        ``draws`` (posterior draws ranked against).
    bins : int
        Histogram bins over [0, draws + 1).

    Returns
    -------
    Figure
        Under a calibrated posterior the ranks are uniform: the band is the central 99 % of
        each bin's count under uniformity (binomial).
    """
    from scipy import stats

    parameters = list(dict.fromkeys(ranks["parameter"]))
    ncols = min(4, len(parameters))
    nrows = -(-len(parameters) // ncols)
    fig = Figure(figsize=(3.2 * ncols, 2.4 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, name in zip(axes, parameters, strict=False):
        mine = ranks[ranks["parameter"] == name]
        top = int(mine["draws"].iloc[0]) + 1
        counts, edges = np.histogram(mine["rank"], bins=bins, range=(0, top))
        n = len(mine)
        low, high = stats.binom(n, 1 / bins).ppf([0.005, 0.995])
        ax.axhspan(low, high, color="gray", alpha=0.25, lw=0)
        ax.axhline(n / bins, color="gray", lw=1)
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="tab:red", alpha=0.7,
               edgecolor="white")  # fmt: skip
        ax.set_title(_short(name), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(parameters) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Rank of the true value among posterior draws ({len(ranks) // len(parameters)} "
        "synthetic records; band: 99 % under uniform ranks)",
        fontsize=9,
    )
    return fig


def save_calibration_figures(
    posterior: pd.DataFrame,
    diagnostics: pd.DataFrame,
    folder: str | Path,
    priors: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write ``posterior_marginals.png``, ``posterior_pairs.png`` and ``diagnostics.png``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "posterior_marginals": posterior_marginals(posterior, priors),
        "posterior_pairs": posterior_pairs(posterior, priors),
        "diagnostics": calibration_diagnostics(diagnostics),
    }
    return [
        atomic_write(
            folder / f"{name}.png", lambda tmp, f=fig: f.savefig(tmp, format="png", dpi=120)
        )
        for name, fig in figures.items()
    ]

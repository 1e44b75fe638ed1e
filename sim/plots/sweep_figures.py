"""The standard figures of a finished sweep, written into its folder (``python -m sim`` does it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import pandas as pd

from sim.plots.style import column_words
from sim.plots.sweeps import heatmap, policy_comparison, sensitivity_bars, sweep_response

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.sweeps.result import SweepResult

__all__ = ["FIGURES_DIR", "save_sweep_figures"]

FIGURES_DIR = "figures"
_PROBABILITY = re.compile(r"^p_rung(\d+)_(\d+)d$")


def save_sweep_figures(result: SweepResult, folder: str | Path | None = None) -> list[Path]:
    """Write the figures that fit the sweep's design, one PNG each, and return their paths.

    - ``policies_<column>.png``: with a baseline point, every other point's paired difference
      from it with its interval (:func:`policy_comparison`), per rung at the longest horizon.
    - ``heatmap_<column>.png``: a grid of two parameters (:func:`heatmap`, each cell with its
      interval; one colour scale shared by the rungs' figures, so they compare).
    - ``response_<column>.png``: one numeric parameter (:func:`sweep_response`, with the band).
    - ``sensitivity_<output>.png``: the Sobol indices of each analysed output.

    Parameters
    ----------
    result : SweepResult
        A finished sweep (failed points are left out of the figures).
    folder : path, optional
        Where to write; default ``<sweep folder>/figures``.

    Returns
    -------
    list of Path
        The files written, in the order above.
    """
    folder = Path(folder) if folder is not None else result.folder / FIGURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    table = result.table[result.table["status"] == "done"].reset_index(drop=True)
    names = list(result.sweep.names)
    columns = _headline_columns(table)
    written: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append(path)

    if result.baseline is not None and len(table) > 1:
        others = table[table["point"] != result.baseline]
        labels = [_label(row, names) for _, row in others.iterrows()]
        for column in columns:
            diff = f"diff_{column.removeprefix('p_')}"
            comparisons = pd.DataFrame(
                {
                    "difference": others[diff].to_numpy(),
                    "low": others[f"{diff}_low"].to_numpy(),
                    "high": others[f"{diff}_high"].to_numpy(),
                }
            )
            fig = policy_comparison(comparisons, labels)
            fig.axes[0].set_title(
                f"{column_words(column)}: each point minus the baseline "
                f"({_label(table[table['point'] == result.baseline].iloc[0], names)})",
                fontsize="medium",
            )
            save(fig, f"policies_{column}")
    if len(names) == 2 and len(table) == table[names].drop_duplicates().shape[0] > 1:
        limits = (
            min(table[f"{c}_low"].min() for c in columns),
            max(table[f"{c}_high"].max() for c in columns),
        )
        for column in columns:
            save(heatmap(table, names[0], names[1], column, limits=limits), f"heatmap_{column}")
    elif len(names) == 1 and pd.api.types.is_numeric_dtype(table[names[0]]):
        for column in columns:
            fig = sweep_response(table, names[0], column, f"{column}_low", f"{column}_high")
            save(fig, f"response_{column}")
    for output, analysis in result.analyses.items():
        if hasattr(analysis, "warning"):  # Sobol indices (Morris has no S1/ST to draw)
            save(sensitivity_bars(analysis), f"sensitivity_{output}")
    return written


def _headline_columns(table: pd.DataFrame) -> list[str]:
    """P(rung >= k) columns at the longest horizon, one per rung."""
    found = [(int(m[2]), int(m[1]), c) for c in table.columns if (m := _PROBABILITY.match(c))]
    if not found:
        return []
    longest = max(h for h, _, _ in found)
    return [c for h, _, c in sorted(found) if h == longest]


def _label(row: pd.Series, names: list[str]) -> str:
    return ", ".join(f"{name.split('.')[-1]} {row[name]}" for name in names)

"""Figures of sweeps and policies: responses, heat maps, sensitivity, paired comparisons."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.analysis.stats import PairedComparison
from sim.core.ladder import RUNG_NAMES
from sim.plots.style import (
    _figure,
    _is_probability,
    _title,
    _wrap,
    column_words,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "comparison_table",
    "heatmap",
    "policy_comparison",
    "robustness_chart",
    "sensitivity_bars",
    "sweep_response",
]


# -- sweeps and policies -----------------------------------------------------------------------


def _percent_scale(percent: bool | None, *values: Any) -> tuple[bool, float]:
    """Whether to show values in percent (by default when they all lie in [0, 1]), and the scale."""
    if percent is None:
        percent = _is_probability(*values)
    return percent, 100.0 if percent else 1.0


def _label_axes(ax: Axes, x: str, y: str, xlabel: str | None, ylabel: str | None) -> None:
    ax.set_xlabel(xlabel or column_words(x))
    ax.set_ylabel(ylabel or column_words(y))


def sweep_response(
    table: pd.DataFrame,
    x: str,
    y: str,
    low: str | None = None,
    high: str | None = None,
    group: str | None = None,
    *,
    percent: bool | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Draw an outcome against one swept parameter, with its interval as a band.

    Parameters
    ----------
    table : pd.DataFrame
        One row per sweep point (and group), e.g. a sweep's tidy table.
    x, y : str
        Columns of the parameter and of the outcome (e.g. ``probability``).
    low, high : str, optional
        Columns of the interval limits of `y`.
    group : str, optional
        Column whose values get one curve each (e.g. a policy or a rung).
    percent : bool, optional
        Show `y` in percent; default when `y` and its limits all lie in [0, 1].
    xlabel, ylabel : str, optional
        Axis labels; default the column names in words.
    limits : (float, float), optional
        The colour scale's ends, in the value's units (give the same to figures meant to be
        compared); default the smallest and largest value drawn, so that differences within
        a narrow range show.

    Returns
    -------
    Figure
        One line per group through the points sorted by `x`, with a band from `low` to `high`.
    """
    needed = [c for c in (x, y, low, high, group) if c is not None]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"table has no column(s) {missing}; it has {list(table.columns)}")
    limits = [table[c] for c in (low, high) if c is not None]
    percent, scale = _percent_scale(percent, table[y], *limits)
    fig = _figure()
    ax = fig.subplots()
    groups = table.groupby(group, sort=False) if group else [(None, table)]
    for key, rows in groups:
        rows = rows.sort_values(x)
        (line,) = ax.plot(
            rows[x],
            rows[y] * scale,
            marker="o",
            linewidth=2,
            label=None if key is None else f"{column_words(group)} = {key}",
        )
        if low is not None and high is not None:
            ax.fill_between(
                rows[x],
                rows[low] * scale,
                rows[high] * scale,
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(100))
    _label_axes(ax, x, y, xlabel, ylabel)
    if group:
        ax.legend(frameon=False)
    band = ", with 95 % intervals" if low is not None and high is not None else ""
    _title(ax, f"{(ylabel or column_words(y)).capitalize()}{band}")
    return fig


def heatmap(
    table: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    *,
    percent: bool | None = None,
    annotate: bool | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    limits: tuple[float, float] | None = None,
) -> Figure:
    """Draw a value (e.g. a probability) over a grid of two swept parameters.

    Parameters
    ----------
    table : pd.DataFrame
        One row per grid point, with columns `x`, `y` and `value` (one row per (x, y) pair).
    x, y : str
        Columns of the parameters on the horizontal and vertical axes: numbers, or labels such
        as a rule's name (a categorical axis, in sorted order).
    value : str
        Column of the value drawn as colour. With columns ``<value>_low`` and ``<value>_high``
        (a sweep's interval) each annotated cell also shows its interval.
    percent : bool, optional
        Show the value in percent; default when it lies in [0, 1].
    annotate : bool, optional
        Write each cell's value in it; default when the grid has at most 12 x 12 cells.
    xlabel, ylabel : str, optional
        Axis labels; default the column names in words.

    Returns
    -------
    Figure
        An image whose array is ``table.pivot(index=y, columns=x, values=value)`` (times 100 in
        percent), rows from the smallest `y` at the bottom.
    """
    grid = table.pivot(index=y, columns=x, values=value).sort_index().sort_index(axis=1)
    percent, scale = _percent_scale(percent, grid.to_numpy())
    data = grid.to_numpy(dtype=float) * scale
    fig = _figure(7.0, 5.0)
    ax = fig.subplots()
    low, high = (None, None) if limits is None else (limits[0] * scale, limits[1] * scale)
    image = ax.imshow(data, origin="lower", aspect="auto", cmap="YlOrRd", vmin=low, vmax=high)
    ax.set_xticks(range(grid.shape[1]), [_tick(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [_tick(v) for v in grid.index])
    _label_axes(ax, x, y, xlabel, ylabel)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(textwrap.fill(column_words(value) + (" (%)" if percent else ""), 40))
    if annotate is None:
        annotate = max(grid.shape) <= 12
    if annotate:
        middle = np.nanmean(data) if np.isfinite(data).any() else 0
        bounds = [
            table.pivot(index=y, columns=x, values=f"{value}_{end}")
            .sort_index()
            .sort_index(axis=1)
            .to_numpy(dtype=float)
            * scale
            for end in ("low", "high")
            if {f"{value}_low", f"{value}_high"} <= set(table.columns)
        ]
        for (i, j), v in np.ndenumerate(data):
            if np.isfinite(v):
                text = _cell_text(v, percent)
                if bounds:
                    text += f"\n[{_cell_text(bounds[0][i, j], percent, unit=False)}, "
                    text += f"{_cell_text(bounds[1][i, j], percent, unit=False)}]"
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="white" if v > middle else "black",
                )
    _title(ax, column_words(value).capitalize())
    return fig


def _tick(value: object) -> str:
    """A tick label: a number compactly, anything else (a rule's name) as text."""
    return f"{value:g}" if isinstance(value, int | float | np.number) else str(value)


def _cell_text(value: float, percent: bool, unit: bool = True) -> str:
    if percent:
        return f"{value:.0f}%" if unit else f"{value:.0f}"
    return f"{value:.3g}"


def _index_error(table: pd.DataFrame, key: str) -> np.ndarray:
    """Error-bar lengths of `key`: from ``_low``/``_high`` limits or a ``_conf`` half-width."""
    if {f"{key}_low", f"{key}_high"} <= set(table.columns):
        return np.vstack([table[key] - table[f"{key}_low"], table[f"{key}_high"] - table[key]])
    if f"{key}_conf" in table.columns:
        return table[f"{key}_conf"].to_numpy()
    raise ValueError(
        f"indices lack the interval of {key}: give {key}_conf, or {key}_low and {key}_high"
    )


def sensitivity_bars(
    indices: pd.DataFrame | Any,
    parameter: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Draw first-order (S1) and total (ST) Sobol indices per parameter, with their intervals.

    Parameters
    ----------
    indices : pd.DataFrame, or an object with an ``indices`` table
        One row per parameter with columns ``S1`` and ``ST`` and their intervals, either as
        half-widths ``S1_conf, ST_conf`` (SALib's ``sobol.analyze(...).to_df()``) or as limits
        ``S1_low, S1_high, ST_low, ST_high`` (``sim.analysis.sensitivity.SobolResult.indices``).
    parameter : str, optional
        Column holding the parameter names; default the index.
    labels : mapping of str to str, optional
        Words for parameter names (e.g. ``{"mediators.qatar.leverage": "Qatar's leverage"}``);
        others are said by :func:`column_words`.

    Returns
    -------
    Figure
        Horizontal bars with error bars over the intervals, parameters sorted by ST with the
        largest at the top; the bar containers are labelled "first-order S1 ..." and
        "total ST ...".
    """
    if not isinstance(indices, pd.DataFrame):
        indices = indices.indices
    missing = [c for c in ("S1", "ST") if c not in indices.columns]
    if missing:
        raise ValueError(f"indices lack column(s) {missing}")
    table = indices.set_index(parameter) if parameter else indices
    table = table.sort_values("ST")
    rows = np.arange(len(table))
    fig = _figure(7.0, 1.2 + 0.5 * len(table))
    ax = fig.subplots()
    height = 0.38
    for key, offset, colour, label in (
        ("S1", height / 2, "tab:blue", "first-order S1: the lever alone"),
        ("ST", -height / 2, "tab:orange", "total ST: with its interactions"),
    ):
        ax.barh(
            rows + offset,
            table[key],
            height,
            xerr=_index_error(table, key),
            capsize=3,
            color=colour,
            label=label,
        )
    labels = labels or {}
    ax.set_yticks(rows, [labels.get(str(name), column_words(str(name))) for name in table.index])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("share of the outcome's variance explained")
    ax.legend(frameon=False, loc="lower right")
    _title(ax, "Which levers matter (Sobol indices, 95 % intervals)")
    return fig


_COMPARISON_COLUMNS = ("difference", "low", "high")


def comparison_table(
    comparisons: Sequence[PairedComparison] | pd.DataFrame, labels: Sequence[str] | None = None
) -> pd.DataFrame:
    """Paired differences as a table with ``label, difference, low, high`` and more.

    Parameters
    ----------
    comparisons : sequence of PairedComparison, or pd.DataFrame
        Results of ``SimulationResult.compare`` / ``sim.analysis.stats.paired_difference``, or a
        table with at least ``difference, low, high`` (and ``label``, or labels in the index).
    labels : sequence of str, optional
        One label per comparison (e.g. "leverage 0.8 vs 0.6").

    Returns
    -------
    pd.DataFrame
        Columns ``label, difference, low, high`` plus, from PairedComparison objects,
        ``independent_low, independent_high, rung, within``.
    """
    if isinstance(comparisons, pd.DataFrame):
        table = comparisons.copy()
        missing = [c for c in _COMPARISON_COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"comparison table lacks column(s) {missing}")
        if "label" not in table.columns:
            table["label"] = [str(i) for i in table.index]
    else:
        table = pd.DataFrame(
            [
                {
                    "difference": c.difference,
                    "low": c.low,
                    "high": c.high,
                    "independent_low": c.independent_low,
                    "independent_high": c.independent_high,
                    "rung": c.rung,
                    "within": c.within,
                }
                for c in comparisons
            ]
        )
        table["label"] = [f"comparison {i + 1}" for i in range(len(table))]
    if labels is not None:
        if len(labels) != len(table):
            raise ValueError(f"{len(labels)} labels for {len(table)} comparisons")
        table["label"] = list(labels)
    return table.reset_index(drop=True)


def policy_comparison(
    comparisons: Sequence[PairedComparison] | pd.DataFrame, labels: Sequence[str] | None = None
) -> Figure:
    """Draw paired differences between policies with their intervals, in percentage points.

    Parameters
    ----------
    comparisons : sequence of PairedComparison, or pd.DataFrame
        See :func:`comparison_table`.
    labels : sequence of str, optional
        One label per comparison, top to bottom.

    Returns
    -------
    Figure
        One row per comparison: a dot at the difference, a thick bar over the paired interval
        (common random numbers; ``ax.collections[-1]``) and, when known, a thin grey bar over
        the interval independent runs would have given (``ax.collections[0]``).
    """
    table = comparison_table(comparisons, labels)
    rows = np.arange(len(table))[::-1]
    fig = _figure(8.0, 1.4 + 0.45 * len(table))
    ax = fig.subplots()
    if {"independent_low", "independent_high"} <= set(table.columns):
        ax.hlines(
            rows,
            table["independent_low"] * 100,
            table["independent_high"] * 100,
            color="lightgray",
            linewidth=2,
            label="interval of independent runs",
        )
    ax.hlines(
        rows,
        table["low"] * 100,
        table["high"] * 100,
        color="tab:blue",
        linewidth=5,
        label="paired interval (same random numbers)",
    )
    ax.plot(table["difference"] * 100, rows, "o", color="black", label="difference")
    ax.axvline(0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(rows[::-1], table["label"][::-1])
    ax.set_ylim(-0.7, len(table) - 0.3)
    what = "chance of escalation"
    if "rung" in table.columns and table["rung"].nunique() == 1:
        rung = int(table["rung"].iloc[0])
        what = f"chance of reaching {RUNG_NAMES[rung]} (rung {rung})"
        if "within" in table.columns and table["within"].nunique() == 1:
            what += f" within {table['within'].iloc[0]:g} days"
    ax.set_xlabel(_wrap(fig, f"change in the {what}, percentage points"))
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    _title(ax, "Policies compared on the same random numbers (95 % intervals)")
    return fig


_ROBUSTNESS_WORDS = {
    "expected": "mean over futures",
    "worst": "worst future",
    "max_regret": "largest regret",
    "p90_regret": "90th percentile regret",
    "satisficing": "futures at or under the threshold",
}


def robustness_chart(table: pd.DataFrame) -> Figure:
    """Draw each policy's robustness metrics with their intervals: outcomes x metrics.

    Parameters
    ----------
    table : pd.DataFrame
        ``RobustnessResult.table`` (:func:`sim.sweeps.robustness.run_robustness`): one row per
        (outcome, policy) with ``outcome``, ``threshold``, ``policy`` and each metric with
        ``_low`` and ``_high``.

    Returns
    -------
    Figure
        One row of panels per outcome, one column per metric; in each panel a dot per policy at
        the metric with a bar over its interval, in percent (lower is better, except for the
        share of futures under the threshold).
    """
    metrics = [m for m in _ROBUSTNESS_WORDS if m in table.columns]
    outcomes = list(dict.fromkeys(table["outcome"]))
    if not metrics or not outcomes:
        raise ValueError("the table has no outcome rows or no metric columns to draw")
    policies = list(dict.fromkeys(table["policy"]))
    fig = _figure(width=2.4 * len(metrics) + 1.5, height=0.5 * len(policies) * len(outcomes) + 2)
    axes = fig.subplots(len(outcomes), len(metrics), sharey=True, squeeze=False)
    y = np.arange(len(policies))
    for row, outcome in enumerate(outcomes):
        rows = table[table["outcome"] == outcome].set_index("policy").loc[policies]
        for col, metric in enumerate(metrics):
            ax = axes[row, col]
            value = 100 * rows[metric].to_numpy(dtype=float)
            low = 100 * rows[f"{metric}_low"].to_numpy(dtype=float)
            high = 100 * rows[f"{metric}_high"].to_numpy(dtype=float)
            ax.errorbar(
                value, y, xerr=[value - low, high - value], fmt="o", color="black", capsize=3
            )
            ax.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
            ax.grid(axis="x", alpha=0.3)
            # From 0, so that panels compare; a share of futures runs to 100 %.
            ax.set_xlim(0, 105 if metric == "satisficing" else max(1.0, 1.1 * np.nanmax(high)))
            if row == 0:
                ax.set_title(_ROBUSTNESS_WORDS[metric], fontsize="small")
            if col == 0:
                threshold = rows["threshold"].iloc[0]
                label = f"{column_words(outcome)} (threshold {threshold:.0%})"
                ax.set_ylabel(textwrap.fill(label, 28), fontsize="small")
    axes[0, 0].set_yticks(y, policies)
    axes[0, 0].invert_yaxis()
    _title(
        axes[0, 0],
        "Policies across futures, on the same random numbers (95 % intervals: Monte Carlo error)",
    )
    return fig

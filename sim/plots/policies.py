"""Two or more policies' chance of reaching a rung by each day, on one axis (the page's figure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from scipy.stats import norm

from sim.core.ladder import RUNG_NAMES
from sim.plots.style import _days_label, _figure, _title

if TYPE_CHECKING:
    from sim.runs.montecarlo import SimulationResult

__all__ = ["escalation_curves"]

_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple")


def _wilson(successes: np.ndarray, n: int, confidence: float = 0.95) -> np.ndarray:
    """Wilson score intervals of ``successes / n``, all at once, as rows ``(low, high)``.

    The interval of :func:`sim.analysis.stats.binomial_interval` (SciPy's, one count a call),
    vectorised: a year of days is 366 intervals per run, too slow one by one on a page.
    """
    z = norm.ppf((1 + confidence) / 2)
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.column_stack([np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)])


def escalation_curves(
    runs: Mapping[str, SimulationResult], rung: int, within: float | None = None
) -> Figure:
    """Draw P(max rung >= `rung` by day t) for every day t, one line per run, with 95 % bands.

    Parameters
    ----------
    runs : mapping of str to SimulationResult
        Runs to compare, by label (e.g. ``{"policy A": a, "policy B": b}``), with the same
        horizon; their scenario's as-of date labels the day axis.
    rung : int
        Rung of the ladder, 1..5.
    within : float, optional
        A day to mark with a vertical line (the day the page reads).

    Returns
    -------
    Figure
        One step line per run: the share of its replications that reached `rung` by day t
        (equal to ``run.escalation_probability(rung, t).estimate``), inside its 95 % Wilson band.
    """
    if not runs:
        raise ValueError("give at least one run to draw")
    fig = _figure(8.0, 3.6)
    ax = fig.subplots()
    top, horizon, as_of = 0.0, 0, None
    for i, (label, run) in enumerate(runs.items()):
        day = run.outcomes[f"day_rung_{rung}"].to_numpy(dtype=float)
        days = np.arange(run.horizon + 1)
        # Replications that reached the rung by each day (NaN, never reached, sorts last).
        reached = np.searchsorted(np.sort(day), days, side="right")
        n = len(day)
        bands = _wilson(reached, n)
        colour = _COLOURS[i % len(_COLOURS)]
        share = reached / n * 100
        ax.step(days, share, where="post", color=colour, linewidth=2, label=label)
        ax.fill_between(
            days,
            bands[:, 0] * 100,
            bands[:, 1] * 100,
            step="post",
            color=colour,
            alpha=0.2,
            linewidth=0,
        )
        top = max(top, float(bands[:, 1].max()) * 100)
        horizon, as_of = max(horizon, run.horizon), run.scenario.as_of
    if within is not None:
        ax.axvline(within, color="black", linestyle=":", linewidth=1)
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, min(100.0, max(10.0, 1.2 * top)))
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_xlabel(_days_label(as_of))
    ax.set_ylabel(f"reached rung {rung}")
    ax.legend(title="95 % band", frameon=False, loc="upper left")
    _title(ax, f"Chance of having reached rung {rung} ({RUNG_NAMES[rung]}) by each day")
    return fig

"""Figures of runs and sweeps, one function per figure, each returning a matplotlib ``Figure``.

Every function builds its own :class:`matplotlib.figure.Figure` (never ``pyplot``), so nothing is
left open and no global state changes; show one in a notebook by leaving it as a cell's last
expression, save it with ``fig.savefig(path)``. Labels are written for a policy reader: rung
names from :data:`sim.RUNG_NAMES`, days counted from the scenario's as-of date, probabilities in
percent.

- :func:`timeline`: one replication, its rung day by day with strikes, clashes, ceasefires and
  the deaths in militant attacks.
- :func:`fan_chart`: the share of replications at each rung, day by day.
- :func:`survival_curves`: chance of having reached each rung by day t, with 95 % bands.
- :func:`casualty_distribution`: chance that deaths exceed x, per outcome column;
  :func:`casualty_figure` draws it on the axes every run of the scenario shares.
- :func:`sweep_response`, :func:`heatmap`, :func:`sensitivity_bars`: results of a sweep, given as
  plain tables with the column names as arguments.
- :func:`policy_comparison`: paired differences between policies run on the same random numbers.
- :func:`robustness_chart`: policies' robustness metrics across futures (``sim.sweeps.robustness``).
- :func:`save_figures`: the standard figures of a Monte Carlo result, written as PNG files.

:func:`describe_events` turns an event log into a table of sentences-in-columns (date, who, what,
against whom), for reading one replication event by event.

The figures of a run are :mod:`sim.plots.runs`, those of sweeps and policies
:mod:`sim.plots.sweeps`, what they share (colours, words, axes) :mod:`sim.plots.style`; every
name is re-exported here and from :mod:`sim.plots`.
"""

from sim.plots.runs import (
    casualty_distribution,
    casualty_figure,
    describe_events,
    exceedance,
    fan_chart,
    rung_shares,
    save_figures,
    survival_curves,
    timeline,
)
from sim.plots.style import KIND_WORDS, RUNG_COLOURS, column_words
from sim.plots.sweeps import (
    comparison_table,
    heatmap,
    policy_comparison,
    robustness_chart,
    sensitivity_bars,
    sweep_response,
)

__all__ = [
    "KIND_WORDS",
    "RUNG_COLOURS",
    "casualty_distribution",
    "casualty_figure",
    "column_words",
    "comparison_table",
    "describe_events",
    "exceedance",
    "fan_chart",
    "heatmap",
    "policy_comparison",
    "robustness_chart",
    "rung_shares",
    "save_figures",
    "sensitivity_bars",
    "survival_curves",
    "sweep_response",
    "timeline",
]

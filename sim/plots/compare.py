"""Figures of runs meant to be compared, drawn on shared axes.

A policy variant beside its baseline, the jobs of a multirun, two scenarios: their survival and
casualty figures are only comparable on the same scales. :func:`compared_figures` draws each run's
figures and gives them common limits, the widest any of them needs, and titles each with its
label (what was run, e.g. :func:`sim.runs.labels.run_label`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sim.plots.runs import casualty_distribution, labelled, survival_curves

if TYPE_CHECKING:
    from sim.runs.montecarlo import SimulationResult

__all__ = ["compared_figures"]


def compared_figures(runs: Mapping[str, SimulationResult]) -> dict[str, dict[str, Figure]]:
    """Draw the survival and casualty figures of several runs on shared axes.

    Parameters
    ----------
    runs : mapping of str to SimulationResult
        Each run by its label, which ends its figures' titles.

    Returns
    -------
    dict
        ``{"survival": {label: Figure}, "casualties": {label: Figure}}``: every survival figure
        with the same y axis (the highest any run needs), every casualty figure with the same
        scales (log when any run needs it) and the same x and y limits.

    Examples
    --------
    >>> import sim
    >>> base = sim.simulate(sim.load_scenario(), replications=200, horizon=60, seed=1)
    >>> calm = sim.simulate(sim.load_scenario().replace(decay=0.5), 200, 60, seed=1)
    >>> figures = compared_figures({"baseline": base, "fast decay": calm})
    >>> len({f.axes[0].get_ylim() for f in figures["survival"].values()})
    1
    """
    if not runs:
        raise ValueError("give at least one run to draw")
    survival = {label: survival_curves(run) for label, run in runs.items()}
    top = max(fig.axes[0].get_ylim()[1] for fig in survival.values())
    for fig in survival.values():
        fig.axes[0].set_ylim(0, top)
    first = {label: casualty_distribution(run) for label, run in runs.items()}
    log = any(fig.axes[0].get_yscale() == "log" for fig in first.values())
    casualties = {label: casualty_distribution(run, log=log) for label, run in runs.items()}
    for limits, setter in (("get_xlim", "set_xlim"), ("get_ylim", "set_ylim")):
        spans = [getattr(fig.axes[0], limits)() for fig in casualties.values()]
        shared = (min(s[0] for s in spans), max(s[1] for s in spans))
        for fig in casualties.values():
            getattr(fig.axes[0], setter)(*shared)
    for group in (survival, casualties):
        for label, fig in group.items():
            labelled(fig, label)
    return {"survival": survival, "casualties": casualties}

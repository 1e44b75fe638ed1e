"""Figures: one function per figure, each returning a matplotlib ``Figure``."""

from sim.plots.figures import (
    KIND_WORDS,
    RUNG_COLOURS,
    casualty_distribution,
    column_words,
    comparison_table,
    describe_events,
    exceedance,
    fan_chart,
    heatmap,
    policy_comparison,
    robustness_chart,
    rung_shares,
    save_figures,
    sensitivity_bars,
    survival_curves,
    sweep_response,
    timeline,
)
from sim.plots.sweep_figures import save_sweep_figures

__all__ = [
    "KIND_WORDS",
    "RUNG_COLOURS",
    "casualty_distribution",
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
    "save_sweep_figures",
    "sensitivity_bars",
    "survival_curves",
    "sweep_response",
    "timeline",
]

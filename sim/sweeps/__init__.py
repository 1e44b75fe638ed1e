"""Sweeps: many points of a design on common random numbers, resumable from their folder."""

from sim.sweeps.runner import (
    DESIGNS,
    Parameter,
    Point,
    Sweep,
    SweepChangedError,
    SweepResult,
    load_sweep,
    outcome_columns,
    point_scenario,
    run_sweep,
    run_sweep_from_config,
)

__all__ = [
    "DESIGNS",
    "Parameter",
    "Point",
    "Sweep",
    "SweepChangedError",
    "SweepResult",
    "load_sweep",
    "outcome_columns",
    "point_scenario",
    "run_sweep",
    "run_sweep_from_config",
]

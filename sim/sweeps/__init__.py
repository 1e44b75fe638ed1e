"""Sweeps: many points of a design on common random numbers, resumable from their folder."""

from sim.sweeps.from_config import run_sweep_from_config
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

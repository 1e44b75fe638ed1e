"""sim: an escalation-risk agent-based simulation, vectorised over Monte Carlo replications.

Results explore scenarios; they are not forecasts.
"""

from sim.errors import ConfigError
from sim.executors import ChunkError
from sim.experiment import Experiment, ExperimentResult, load_experiment, run_experiment
from sim.model import EscalationModel
from sim.montecarlo import SimulationResult, StoppingRule, simulate
from sim.rules import build_rule
from sim.scenario import RUNG_NAMES, Scenario, load_scenario, scenario_from_dict
from sim.store import Results, load_results
from sim.sweeps import Sweep, SweepResult, gather_multirun, load_sweep, run_sweep
from sim.validation import exact_escalation

__all__ = [
    "RUNG_NAMES",
    "ChunkError",
    "ConfigError",
    "EscalationModel",
    "Experiment",
    "ExperimentResult",
    "Results",
    "Scenario",
    "SimulationResult",
    "StoppingRule",
    "Sweep",
    "SweepResult",
    "build_rule",
    "exact_escalation",
    "gather_multirun",
    "load_experiment",
    "load_results",
    "load_scenario",
    "load_sweep",
    "run_experiment",
    "run_sweep",
    "scenario_from_dict",
    "simulate",
]

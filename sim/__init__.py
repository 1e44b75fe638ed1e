"""sim: an escalation-risk agent-based simulation, vectorised over Monte Carlo replications.

Results explore scenarios; they are not forecasts.
"""

import sim._python_check  # noqa: F401  (first: a clear message on Python < 3.12)
from sim.app.experiment import load_experiment, run_experiment
from sim.app.multirun import gather_multirun
from sim.core.errors import ConfigError, EnvironmentFault
from sim.core.ladder import RUNG_NAMES
from sim.engine.model import EscalationModel
from sim.rules import build_rule
from sim.runs.executors import ChunkError
from sim.runs.experiment import Experiment, ExperimentResult
from sim.runs.montecarlo import SimulationResult, StoppingRule, simulate
from sim.scenario.loading import load_scenario, scenario_from_dict
from sim.scenario.posterior import Posterior, load_posterior
from sim.scenario.schema import Scenario
from sim.storage.store import Results, load_results
from sim.sweeps.runner import Sweep, SweepResult, load_sweep, run_sweep
from sim.validation.exact import exact_escalation

__all__ = [
    "RUNG_NAMES",
    "ChunkError",
    "ConfigError",
    "EnvironmentFault",
    "EscalationModel",
    "Experiment",
    "ExperimentResult",
    "Posterior",
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
    "load_posterior",
    "load_results",
    "load_scenario",
    "load_sweep",
    "run_experiment",
    "run_sweep",
    "scenario_from_dict",
    "simulate",
]

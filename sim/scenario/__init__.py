"""A scenario: the states, militant groups and mediators of a crisis.

Typed dataclasses (schema); reading them from YAML and checking every key (loading).
"""

from sim.core.ladder import RUNG_NAMES
from sim.scenario.loading import load_scenario, scenario_from_dict, scenario_path
from sim.scenario.posterior import Posterior, load_posterior
from sim.scenario.schema import Inflicted, MediatorSpec, MilitantSpec, Scenario, StateSpec

__all__ = [
    "RUNG_NAMES",
    "Inflicted",
    "MediatorSpec",
    "MilitantSpec",
    "Posterior",
    "Scenario",
    "StateSpec",
    "load_posterior",
    "load_scenario",
    "scenario_from_dict",
    "scenario_path",
]

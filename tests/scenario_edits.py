"""Change a scenario by key path, for tests: ``edited(s, states__pakistan__compliance=1.0)``."""

from __future__ import annotations

from typing import Any

from sim.scenario.loading import scenario_from_dict
from sim.scenario.schema import Scenario


def edited(scenario: Scenario, **paths: Any) -> Scenario:
    """A checked copy of `scenario` with each ``a__b__c=value`` set at key path ``a.b.c``."""
    data = scenario.to_dict()
    for path, value in paths.items():
        node = data
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return scenario_from_dict(data)

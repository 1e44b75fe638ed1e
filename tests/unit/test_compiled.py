"""Choosing between the NumPy and the compiled day; the compiled day's bookkeeping."""

from __future__ import annotations

import logging

import pytest
from scenario_edits import edited

import sim
from sim.engine import compiled
from sim.engine.compiled import AUTO_MIN_REPLICATION_DAYS, choose_engine, unsupported
from sim.engine.model import EscalationModel

USER_RULE = {"_target_": "user_rules.AlwaysAt", "rung": 2}


def test_auto_compiles_long_runs_of_built_in_rules(seed_scenario, monkeypatch):
    big, small = AUTO_MIN_REPLICATION_DAYS, AUTO_MIN_REPLICATION_DAYS - 1
    monkeypatch.setattr(compiled, "kernel_cached", lambda: True)
    assert choose_engine("auto", seed_scenario, big, recording=False) == ("compiled", None)
    monkeypatch.setattr(compiled, "kernel_cached", lambda: False)
    assert choose_engine("auto", seed_scenario, big, recording=False) == ("numpy", None)
    huge = compiled.AUTO_MIN_REPLICATION_DAYS_UNCACHED
    assert choose_engine("auto", seed_scenario, huge, recording=False) == ("compiled", None)
    monkeypatch.setattr(compiled, "kernel_cached", lambda: True)
    assert choose_engine("auto", seed_scenario, small, recording=False) == ("numpy", None)
    assert choose_engine("auto", seed_scenario, big, recording=True) == ("numpy", None)
    assert choose_engine("numpy", seed_scenario, big, recording=False) == ("numpy", None)
    assert choose_engine("compiled", seed_scenario, 1, recording=False) == ("compiled", None)


def test_a_user_rule_runs_on_numpy_with_a_note(seed_scenario, caplog):
    scenario = edited(seed_scenario, states__pakistan__retaliation=USER_RULE)
    assert "user_rules.AlwaysAt" in unsupported(scenario)
    path, note = choose_engine("auto", scenario, 10**9, recording=False)
    assert path == "numpy" and "user_rules.AlwaysAt" in note and "\n" not in note
    with caplog.at_level(logging.INFO, logger="sim.runs.montecarlo"):
        run = sim.simulate(scenario, replications=50, horizon=5, seed=1, record_events=False)
    assert run.info["engine"] == "numpy" and run.info["engine_note"] == note
    assert note in caplog.text
    with pytest.raises(ValueError, match="built-in rules only.*user_rules.AlwaysAt"):
        sim.simulate(scenario, replications=50, horizon=5, engine="compiled")


def test_forcing_the_compiled_day_refuses_what_it_cannot_do(seed_scenario):
    with pytest.raises(ValueError, match="records no events"):
        sim.simulate(seed_scenario, replications=5, horizon=5, engine="compiled")
    with pytest.raises(ValueError, match="engine must be one of auto, numpy, compiled"):
        sim.simulate(seed_scenario, replications=5, horizon=5, engine="fast")
    with pytest.raises(ValueError, match="records no events"):
        EscalationModel(seed_scenario, 5, engine="compiled", record_events=True)


def test_the_compiled_day_writes_the_agents_state_back(seed_scenario):
    """After a compiled run the model's agents hold what a NumPy run leaves in them."""
    numpy = EscalationModel(seed_scenario, 300, seed=3)
    compiled = EscalationModel(seed_scenario, 300, seed=3, engine="compiled")
    numpy.run(40)
    compiled.run(40)
    assert compiled.day == numpy.day == 40
    for sid, state in numpy.states.items():
        other = compiled.states[sid]
        assert (other.pressure == state.pressure).mean() > 0.99
        for o in state.opponents:
            assert (other.provocation[o] == state.provocation[o]).mean() > 0.99
    for gid, group in numpy.militants.items():
        assert (compiled.militants[gid].attacks == group.attacks).mean() > 0.99

"""Choosing between the NumPy and the compiled day; the compiled day's bookkeeping."""

from __future__ import annotations

import logging

import numpy as np
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


def test_both_days_keep_the_highest_action_and_the_ceasefires_of_each_pair(seed_scenario):
    """`State.highest` and `pair_ceasefires_made` hold what a day-by-day watch of the day sees."""
    R, days = 2000, 60
    numpy = EscalationModel(seed_scenario, R, seed=3)
    P = len(numpy.pairs)
    highest = {(s, o): np.zeros(R, np.int8) for s, st in numpy.states.items() for o in st.opponents}
    made = np.zeros((P, R), np.int64)
    for _ in range(days):
        numpy.step()
        for s, o in highest:
            np.maximum(highest[s, o], numpy.states[s].action[o], out=highest[s, o])
        # A ceasefire made today is in force with age 0 (an older one has aged by a day).
        made += numpy.in_ceasefire & (numpy.ceasefire_age == 0)
    assert made.sum() > 0 and all((h > 0).any() for h in highest.values())  # not vacuous
    compiled = EscalationModel(seed_scenario, R, seed=3, engine="compiled")
    compiled.run(days // 3)
    compiled.run(days - days // 3)  # a second call carries on from the first
    for model in (numpy, compiled):
        for (s, o), expected in highest.items():
            assert (model.states[s].highest[o] == expected).mean() > 0.99
        assert (model.pair_ceasefires_made == made).all(axis=0).mean() > 0.99
    assert (numpy.pair_ceasefires_made == made).all()


def test_the_calibration_record_is_the_same_on_both_days():
    """The calibration's simulated record (days 7 and 30, ceasefires) from either day."""
    from sim.calibration.record import EpisodeStarts, library_record, simulate_record
    from sim.history.episodes import load_episodes
    from sim.history.timeline import load_events

    scenario = sim.load_scenario("pak_afg_2026")
    starts = EpisodeStarts(library_record(load_episodes(None), "a"), load_events(None))
    numpy = simulate_record(scenario, starts, seed=5, copies=200)
    compiled = simulate_record(scenario, starts, seed=5, copies=200, engine="compiled")
    assert numpy["rung_30d"].gt(numpy["rung_7d"]).any() and numpy["ceasefire_30d"].any()
    assert (numpy == compiled).all(axis=1).mean() >= 0.99

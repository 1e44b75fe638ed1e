"""One day: a recorded history replayed through ``EscalationModel.advance(GivenDay)`` is the day
the model drew; the model feeds its recorder, and agents write none of its counters."""

import numpy as np
import pytest

import sim
from sim.engine.model import EscalationModel, GivenAction, GivenAttack, GivenDay
from sim.engine.recorder import Recorder


class Spy(Recorder):
    """A recorder that also keeps, day by day, what the model reported to it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.days: dict[int, dict] = {}

    def _today(self, day):
        return self.days.setdefault(day, {"attacks": [], "actions": {}, "made": set()})

    def attacks(self, day, group, target, where, count, deaths):
        super().attacks(day, group, target, where, count, deaths)
        if len(where):
            self._today(day)["attacks"].append((group, target, int(count[0]), int(deaths[0])))

    def action(self, day, actor, target, where, rung, soldiers, civilians, fighters):
        super().action(day, actor, target, where, rung, soldiers, civilians, fighters)
        parts = (soldiers, civilians, fighters)
        self._today(day)["actions"][actor, target] = (int(rung[0]), *(p.copy() for p in parts))

    def ceasefires(self, day, p, made, in_ceasefire, rung):
        super().ceasefires(day, p, made, in_ceasefire, rung)
        if made.any():
            self._today(day)["made"].add(p)


@pytest.fixture(scope="module")
def scenario():
    data = sim.load_scenario().to_dict()
    for group in data["militants"].values():
        group["attribution"] = 1.0  # a recorded attack is always attributed
    # Made by mediators, never ended by the rule: a recorded ceasefire ends only when recorded.
    data["ceasefire"] = {"name": "constant_probability", "p_agree": 0.5, "p_break": 0.0}
    data.update(in_ceasefire=False, ceasefire_days=0)  # so that mediators make one
    for mediator in data["mediators"].values():
        mediator.update(engage_rung=1, attempt_rate=0.5)
    return sim.scenario_from_dict(data)


def _given(day: dict, model: EscalationModel) -> GivenDay:
    attacks = []
    for group, target, count, deaths in day["attacks"]:
        share = model.militants[group].spec.military_share
        soldiers = np.array([np.floor(deaths * share + 0.5)], np.int64)
        attacks.append(GivenAttack(group, target, soldiers, deaths - soldiers, count))
    actions = {key: GivenAction(*value) for key, value in day["actions"].items()}
    return GivenDay(tuple(attacks), actions, frozenset(day["made"]))


def test_a_drawn_history_given_back_is_the_same_day(scenario):
    days = 400
    drawn = EscalationModel(scenario, replications=1, seed=4)
    drawn.recorder = spy = Spy(drawn.pairs, drawn.rung, scenario.start_rung, scenario.war_deaths)
    drawn.run(days)
    assert sum(len(d["attacks"]) for d in spy.days.values()) > 10
    assert sum(len(d["actions"]) for d in spy.days.values()) >= 5
    assert any(d["made"] for d in spy.days.values())
    given = EscalationModel(scenario, replications=1, seed=4)
    for day in range(1, days + 1):
        given.advance(
            _given(spy.days.get(day, {"attacks": [], "actions": {}, "made": set()}), given)
        )
    np.testing.assert_array_equal(given.rung, drawn.rung)
    np.testing.assert_array_equal(given.in_ceasefire, drawn.in_ceasefire)
    for sid, state in drawn.states.items():
        other = given.states[sid]
        np.testing.assert_allclose(other.pressure, state.pressure, rtol=1e-12)
        np.testing.assert_allclose(other.weariness, state.weariness, rtol=1e-12)
        for o in state.opponents:
            np.testing.assert_allclose(other.grievance[o], state.grievance[o], rtol=1e-12)
            np.testing.assert_array_equal(other.provocation[o], state.provocation[o])
    for gid, group in drawn.militants.items():
        np.testing.assert_allclose(given.militants[gid].strength, group.strength, rtol=1e-12)
    for column in ("max_rung", "clashes", "battle_deaths", "ceasefires_made", "ceasefire_days"):
        np.testing.assert_array_equal(getattr(given, column), getattr(drawn, column), column)


def test_agents_write_no_model_counter(scenario):
    model = EscalationModel(scenario, replications=50, seed=2)
    model.run(200)
    # The counters are the recorder's; the model only shows them.
    assert model.clashes is model.recorder.clashes
    assert model.recorder.clashes.sum() > 0
    assert not hasattr(model, "record_action") and not hasattr(model, "record_attacks")
    with pytest.raises(AttributeError):
        model.clashes = np.zeros(50)


def test_the_recorder_counts_what_it_is_told():
    rung = np.zeros((1, 3), np.int8)
    recorder = Recorder([("a", "b")], rung, start_rung=0, war_deaths=10)
    soldiers = np.array([1, 6, 0])
    recorder.action(1, "a", "b", slice(None), np.array([4, 3, 0], np.int8), soldiers, soldiers, 0)
    recorder.action(2, "b", "a", np.array([1]), np.array([5], np.int8), np.array([5]), 0, 0)
    recorder.rungs(2, np.array([[4, 5, 0]]))
    np.testing.assert_array_equal(recorder.clashes, [1, 1, 0])
    np.testing.assert_array_equal(recorder.battle_deaths, [1, 11, 0])
    np.testing.assert_array_equal(recorder.max_rung, [4, 5, 0])
    np.testing.assert_array_equal(recorder.day_war, [np.nan, 2, np.nan])
    np.testing.assert_array_equal(recorder.day_rung[5], [np.nan, 2, np.nan])
    recorder.ceasefire_check(
        3, 0, np.array([True, False, False]), np.array([0, 2, 0]), rung[0], rung[0]
    )
    np.testing.assert_array_equal(recorder.ceasefires_broken, [1, 0, 0])
    np.testing.assert_array_equal(recorder.violations[0], [0, 2, 0])

"""The model's set-up, checked against what docs/model.md and the docstrings promise: each actor's
random stream by name, the violation memory of each ceasefire rule, the checks of its settings at
their bounds, and a recorded day given back through ``advance``."""

import numpy as np
import pytest
from scenario_edits import edited

from sim.core.streams import ReplicationStreams
from sim.engine.model import EscalationModel, GivenAction, GivenAttack, GivenDay, start_path


def test_each_actor_draws_from_its_own_named_stream(seed_scenario):
    # Common random numbers: an actor's uniforms depend only on the seed, its kind and id, and
    # the global replication, so that a policy change leaves other actors' draws unchanged.
    R, first, seed = 5, 1021, 8
    model = EscalationModel(seed_scenario, replications=R, seed=seed, first_replication=first)
    model.step()

    def expected(kind, actor, rows):
        return ReplicationStreams(seed, kind, actor, first, R).random(rows)

    for sid, state in model.states.items():
        np.testing.assert_array_equal(state.draws, expected("state", sid, 5), sid)
    for gid, group in model.militants.items():
        np.testing.assert_array_equal(
            group.draws, expected("militant", gid, group._block * len(group.targets)), gid
        )
    for mid, mediator in model.mediators.items():
        np.testing.assert_array_equal(mediator.draws, expected("mediator", mid, 2), mid)
    np.testing.assert_array_equal(model._ladder_u[0], expected("ladder", "pakistan-afghanistan", 2))
    assert model.pairs == [("pakistan", "afghanistan")]
    assert model.pair_index == {("pakistan", "afghanistan"): 0, ("afghanistan", "pakistan"): 0}
    assert (model.seed, model.chunk, model.first_replication, model.R) == (seed, 0, first, R)


def test_the_violation_memory_is_the_forgiving_window_or_one_day(seed_scenario):
    forgiving = edited(
        seed_scenario, ceasefire={"name": "forgiving", "tolerance": 1, "window": 10, "p_agree": 0.5}
    )
    assert EscalationModel(forgiving, replications=3).violation_history.shape == (1, 10, 3)
    assert EscalationModel(seed_scenario, replications=3).violation_history.shape == (1, 1, 3)
    model = EscalationModel(seed_scenario, replications=3)
    assert model.violation_history.dtype == np.int16 and not model.violation_history.any()
    np.testing.assert_array_equal(model.pair_ceasefires_made, np.zeros((1, 3)))
    # The scenario's ladder start, in every replication.
    np.testing.assert_array_equal(model.rung, [[3, 3, 3]])
    np.testing.assert_array_equal(model.in_ceasefire, [[True, True, True]])
    np.testing.assert_array_equal(model.ceasefire_age, [[126, 126, 126]])
    assert model.day == 0 and model.rung.dtype == np.int8


def test_the_run_settings_are_checked_at_their_bounds(seed_scenario):
    EscalationModel(seed_scenario, replications=1)  # one replication is a single run
    with pytest.raises(ValueError) as info:
        EscalationModel(seed_scenario, replications=0)
    assert str(info.value) == "replications must be >= 1, got 0"
    for engine in ("auto", "fast", ""):
        with pytest.raises(ValueError) as info:
            EscalationModel(seed_scenario, replications=2, engine=engine)
        assert str(info.value) == f"engine must be 'numpy' or 'compiled', got {engine!r}"
    for flags in ({"record_events": True}, {"record_trajectory": True}):
        with pytest.raises(ValueError) as info:
            EscalationModel(seed_scenario, replications=2, engine="compiled", **flags)
        assert str(info.value) == (
            "engine='compiled' records no events or trajectories; use engine='numpy'"
        )
    assert EscalationModel(seed_scenario, 2, engine="compiled").engine == "compiled"
    assert EscalationModel(seed_scenario, 2).engine == "numpy"


def test_start_paths_of_every_kind():
    assert start_path("pressure.pakistan") == "states.pakistan.pressure"
    assert start_path("weariness.pakistan") == "states.pakistan.weariness"
    assert start_path("provocation.a.b") == "states.a.provocation.b"
    assert start_path("harm.a.b") == "states.a.harm.b"
    for bad in ("pressure", "pressure.a.b", "strength.g.x", "mood.a", "grievance.a"):
        with pytest.raises(KeyError):
            start_path(bad)


def test_a_given_day_lands_its_attacks_and_actions_with_their_counts(seed_scenario):
    calm = edited(seed_scenario, in_ceasefire=False, start_rung=0, ceasefire={"name": "none"})
    model = EscalationModel(calm, replications=2, seed=1, record_events=True)
    pak, afg = model.states["pakistan"], model.states["afghanistan"]
    g0 = pak.grievance["afghanistan"].copy() * 0.5 ** (1 / 60)
    attack = GivenAttack("ttp", "pakistan", np.array([6, 1]), np.array([6, 0]), count=3)
    strike = GivenAction(3, np.array([2, 0]), np.array([1, 0]), np.array([5, 4]))
    model.advance(GivenDay((attack,), {("pakistan", "afghanistan"): strike}))
    # Three attacks, 12 and 1 dead; blamed on the host everywhere.
    np.testing.assert_allclose(
        pak.grievance["afghanistan"] - g0, 0.1 * 3 + 0.01 * np.array([12, 1])
    )
    np.testing.assert_array_equal(pak.military_deaths, [6, 1])
    np.testing.assert_array_equal(afg.military_deaths, [2, 0])
    np.testing.assert_array_equal(pak.action["afghanistan"], [3, 3])
    np.testing.assert_array_equal(afg.action["pakistan"], [0, 0])  # absent: no action
    np.testing.assert_array_equal(model.rung, [[3, 3]])
    np.testing.assert_array_equal(pak.strikes, [1, 1])
    np.testing.assert_array_equal(model.battle_deaths, [7, 4])
    events = model.events()
    assert events["kind"].tolist() == ["strike", "strike"]  # given attacks are not logged
    # A ceasefire given for pair 0 is made, whatever the mediators would have done.
    model.advance(GivenDay(ceasefires=frozenset({0})))
    np.testing.assert_array_equal(model.in_ceasefire, [[True, True]])
    np.testing.assert_array_equal(model.rung, [[1, 1]])  # ceasefire_rung
    np.testing.assert_array_equal(model.ceasefires_made, [1, 1])


class _Spy:
    """A user rule that keeps what the model hands it and asks for `rung`."""

    def __init__(self, rung):
        self.rung, self.seen = rung, []

    def decide(self, inputs, u):
        self.seen.append((inputs, u.copy()))
        return np.full(u.shape, self.rung)


def test_a_rule_reads_its_own_states_arrays_and_its_pairs_rung_and_ceasefire(seed_scenario):
    model = EscalationModel(seed_scenario, replications=3, seed=2)
    model.rung[0] = [0, 2, 5]
    model.in_ceasefire[0] = [True, False, True]
    spies = {}
    for sid, state in model.states.items():
        state.rule = spies[sid] = _Spy(9 if sid == "pakistan" else -1)
    expected = {}
    for sid, state in model.states.items():
        (o,) = state.opponents
        expected[sid] = dict(
            received=state.provocation[o].copy(),
            weariness=state.weariness.copy(),
            rung=model.rung[0].copy(),
            in_ceasefire=model.in_ceasefire[0].copy(),
        )
    model.states["pakistan"].decide()
    model.states["afghanistan"].decide()
    for sid, spy in spies.items():
        state = model.states[sid]
        ((inputs, u),) = spy.seen
        for name, value in expected[sid].items():
            np.testing.assert_array_equal(getattr(inputs, name), value, f"{sid} {name}")
        assert inputs.resolve == seed_scenario.states[sid].resolve
        assert inputs.restraint == seed_scenario.states[sid].restraint
        np.testing.assert_array_equal(u, state.draws[0])
    # A rule's answer is clipped to the ladder: 9 is rung 5, -1 is no action; a complying state
    # under a ceasefire acts at most at the cap (1).
    pak, afg = model.states["pakistan"], model.states["afghanistan"]
    complied = model.in_ceasefire[0] & (pak.draws[1] < seed_scenario.states["pakistan"].compliance)
    np.testing.assert_array_equal(pak.action["afghanistan"], np.where(complied, 1, 5))
    np.testing.assert_array_equal(afg.action["pakistan"], [0, 0, 0])


def test_the_compiled_engine_runs_the_compiled_day(seed_scenario):
    # The compiled day refuses a user rule: a model set to it must not quietly run NumPy.
    user = edited(seed_scenario, states__pakistan__retaliation={"_target_": "user_rules.AlwaysAt"})
    model = EscalationModel(user, replications=2, engine="compiled")
    with pytest.raises(ValueError, match="the compiled day runs built-in rules only"):
        model.run(1)
    numpy = EscalationModel(user, replications=2)
    numpy.run(3)
    assert numpy.day == 3


def test_unknown_start_paths_raise_a_key_error_naming_the_key():
    with pytest.raises(KeyError) as info:
        start_path("mood.a")
    assert info.value.args == ("mood.a",)


def test_a_trajectory_before_the_first_day_is_the_start(seed_scenario):
    model = EscalationModel(seed_scenario, replications=2, record_trajectory=True)
    out = model.trajectory()
    assert out["day"].tolist() == [0, 0] and out["rung"].tolist() == [3, 3]
    assert out["pressure_pakistan"].tolist() == [0.5, 0.5]


def test_a_ceasefire_rule_may_answer_in_numbers(seed_scenario):
    # The model reads a rule's answers as booleans, whatever their type (0/1 floats here).
    numbers = edited(
        seed_scenario,
        in_ceasefire=True,
        ceasefire_days=0,
        ceasefire={"_target_": "user_rules.AnswersInNumbers"},
    )
    model = EscalationModel(numbers, replications=3, seed=1)
    model.step()  # day 1: the ceasefire of age 0 holds, and ages
    np.testing.assert_array_equal(model.in_ceasefire, [[True] * 3])
    model.step()  # day 2: age 1, it ends
    np.testing.assert_array_equal(model.ceasefires_broken, [1, 1, 1])


def test_the_defaults_are_one_replication_seed_zero_from_replication_zero(seed_scenario):
    model = EscalationModel(seed_scenario)
    assert (model.R, model.seed, model.first_replication, model.chunk) == (1, 0, 0, 0)
    assert not model.record_events and not model.record_trajectory
    model.step()
    expected = ReplicationStreams(0, "state", "pakistan", 0, 1).random(5)
    np.testing.assert_array_equal(model.states["pakistan"].draws, expected)


def test_the_rung_decays_below_the_decay_chance_exactly_and_from_rung_one(seed_scenario):
    # No action and no ceasefire: each replication's rung decays by one where its ladder
    # uniform is below `decay` (0.05), rung 1 included; rung 0 stays.
    quiet = edited(
        seed_scenario,
        in_ceasefire=False,
        start_rung=1,
        ceasefire={"name": "none"},
        states__pakistan__retaliation={"name": "none"},
        states__afghanistan__retaliation={"name": "none"},
    )
    model = EscalationModel(quiet, replications=4, seed=1)
    model.rung[0] = [1, 1, 2, 0]
    decay = quiet.decay
    model.ladder_rng = [
        type(
            "Fixed",
            (),
            {"random": lambda self, n: np.array([[decay, np.nextafter(decay, 0), 0.0, 0.0]] * 2)},
        )()
    ]
    model.step()
    np.testing.assert_array_equal(model.rung, [[1, 0, 1, 0]])


def test_the_model_says_what_it_records(seed_scenario):
    # The run plots read these to refuse a model that kept no timeline.
    events = EscalationModel(seed_scenario, replications=1, record_events=True)
    both = EscalationModel(seed_scenario, 1, record_events=True, record_trajectory=True)
    assert (events.record_events, events.record_trajectory) == (True, False)
    assert (both.record_events, both.record_trajectory) == (True, True)

"""The engine's day, phase by phase, worked out by hand, with the two states' numbers different.

Each state reads its own parameters: the two states here differ in every per-state number, so a
phase that reads the other state's value (or the opponent's array) gives a different answer. The
whole day is then held to the compiled day (`sim.engine.compiled`), an implementation of the same
day written separately, replication by replication.
"""

import numpy as np
import pandas as pd
import pytest
from scenario_edits import edited

import sim
from sim.engine.model import EscalationModel

R = 4
PAK = dict(
    pressure_half_life=10.0,
    grievance_half_life=40.0,
    memory_days=3,
    pressure_per_death=0.02,
    weariness_per_death=0.004,
    grievance_per_attack=0.1,
    grievance_per_death=0.01,
    compliance=0.25,
)
AFG = dict(
    pressure_half_life=25.0,
    grievance_half_life=90.0,
    memory_days=6,
    pressure_per_death=0.05,
    weariness_per_death=0.001,
    grievance_per_attack=0.3,
    grievance_per_death=0.002,
    compliance=0.75,
)


@pytest.fixture(scope="module")
def scenario(seed_scenario):
    edits = {f"states__pakistan__{k}": v for k, v in PAK.items()}
    edits.update({f"states__afghanistan__{k}": v for k, v in AFG.items()})
    return edited(seed_scenario, **edits)


@pytest.fixture
def model(scenario):
    return EscalationModel(scenario, replications=R, seed=3)


def test_pressure_and_grievance_decay_with_each_states_own_half_life(model):
    pak, afg = model.states["pakistan"], model.states["afghanistan"]
    pak.pressure[:] = 2.0
    afg.pressure[:] = 3.0
    pak.grievance["afghanistan"][:] = 1.0
    afg.grievance["pakistan"][:] = 4.0
    for _ in range(5):
        pak.start_day()
        afg.start_day()
    np.testing.assert_allclose(pak.pressure, 2.0 * 0.5 ** (5 / 10))
    np.testing.assert_allclose(afg.pressure, 3.0 * 0.5 ** (5 / 25))
    np.testing.assert_allclose(pak.grievance["afghanistan"], 0.5 ** (5 / 40))
    np.testing.assert_allclose(afg.grievance["pakistan"], 4.0 * 0.5 ** (5 / 90))


def test_a_provocation_is_remembered_memory_days_and_forgotten_the_day_after(model):
    for state, opponent, memory in (
        (model.states["pakistan"], "afghanistan", 3),
        (model.states["afghanistan"], "pakistan", 6),
    ):
        state.provocation[opponent][:] = 0
        state.harm[opponent][:] = 0.0
        state.provoked(opponent, np.arange(R), np.full(R, 3, np.int8), np.full(R, 5.0), np.ones(R))
        for _ in range(memory):
            state.start_day()
        assert (state.provocation[opponent] == 3).all() and (state.harm[opponent] == 5.0).all()
        state.start_day()
        assert (state.provocation[opponent] == 0).all() and (state.harm[opponent] == 0.0).all()


def test_deaths_raise_pressure_and_weariness_by_each_states_own_rates(model):
    pak, afg = model.states["pakistan"], model.states["afghanistan"]
    p0, w0 = pak.pressure.copy(), pak.weariness.copy()
    q0, v0 = afg.pressure.copy(), afg.weariness.copy()
    where = np.array([1, 3])
    pak.suffer(where, np.array([4, 1]), np.array([6, 2]))
    afg.suffer(where, np.array([2, 0]), np.array([1, 9]))
    np.testing.assert_allclose(pak.pressure[where] - p0[where], 0.02 * np.array([10, 3]))
    np.testing.assert_allclose(pak.weariness[where] - w0[where], 0.004 * np.array([4, 1]))
    np.testing.assert_allclose(afg.pressure[where] - q0[where], 0.05 * np.array([3, 9]))
    np.testing.assert_allclose(afg.weariness[where] - v0[where], 0.001 * np.array([2, 0]))
    untouched = np.array([0, 2])
    np.testing.assert_array_equal(pak.pressure[untouched], p0[untouched])
    np.testing.assert_array_equal(pak.military_deaths, [0, 4, 0, 1])
    np.testing.assert_array_equal(pak.civilian_deaths, [0, 6, 0, 2])


def test_a_provocation_adds_harm_and_grievance_and_a_higher_one_restarts_the_memory(model):
    afg = model.states["afghanistan"]
    g0 = afg.grievance["pakistan"].copy()
    h0 = afg.harm["pakistan"].copy()
    where = np.arange(R)
    afg.provocation["pakistan"][:] = [0, 2, 3, 4]
    afg.provocation_age["pakistan"][:] = 5
    rung = np.array([2, 2, 2, 0], np.int8)
    afg.provoked("pakistan", where, rung, np.array([10.0, 0, 3, 7]), np.array([1.0, 2, 0, 1]))
    np.testing.assert_array_equal(afg.provocation["pakistan"], [2, 2, 3, 4])
    # Fresh (a rung > 0 at or above the one held): the memory restarts; otherwise it keeps aging.
    np.testing.assert_array_equal(afg.provocation_age["pakistan"], [0, 0, 5, 5])
    np.testing.assert_allclose(afg.harm["pakistan"] - h0, [10, 0, 3, 7])
    np.testing.assert_allclose(
        afg.grievance["pakistan"] - g0,
        0.3 * np.array([1, 2, 0, 1]) + 0.002 * np.array([10, 0, 3, 7]),
    )


def test_force_answers_any_provocation_and_words_answer_only_words(model):
    pak = model.states["pakistan"]
    pak.provocation["afghanistan"][:] = [1, 3, 3, 1]
    pak.harm["afghanistan"][:] = 9.0
    pak.action["afghanistan"][:] = [1, 1, 2, 0]
    pak.answer()
    np.testing.assert_array_equal(pak.provocation["afghanistan"], [0, 3, 0, 1])
    np.testing.assert_array_equal(pak.harm["afghanistan"], [0.0, 9.0, 0.0, 9.0])


def test_under_a_ceasefire_each_state_complies_with_its_own_chance(scenario):
    # Every state wants rung 4 every day; under a ceasefire (cap 1) a complying state acts at 1.
    wants = {"_target_": "user_rules.AlwaysAt", "rung": 4}
    s = edited(
        scenario,
        in_ceasefire=True,
        ceasefire={"name": "constant_probability", "p_agree": 0.0, "p_break": 0.0},
        states__pakistan__retaliation=wants,
        states__afghanistan__retaliation=wants,
    )
    model = EscalationModel(s, replications=4000, seed=5)
    model.step()
    for sid, other, compliance in (
        ("pakistan", "afghanistan", 0.25),
        ("afghanistan", "pakistan", 0.75),
    ):
        action = model.states[sid].action[other]
        assert set(np.unique(action)) == {1, 4}
        share = (action == 1).mean()
        se = np.sqrt(compliance * (1 - compliance) / 4000)
        assert abs(share - compliance) < 4 * se, (sid, share)


# The whole day against the compiled day ---------------------------------------------------------


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> float:
    same = np.ones(len(a), bool)
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        same &= (x == y) | (pd.isna(x) & pd.isna(y))
    return same.mean()


@pytest.mark.parametrize(
    "edits",
    [
        {},
        {"ceasefire": {"name": "forgiving", "tolerance": 1, "window": 10, "p_agree": 0.6}},
        {
            "states__afghanistan__retaliation": {"name": "graduated", "p_act": 0.3},
            "ceasefire": {"name": "fixed_duration", "duration": 12, "p_renew": 0.4, "p_agree": 0.5},
        },
        {"states__pakistan__retaliation": {"name": "logistic", "intercept": -3.0, "step": 1}},
    ],
    ids=["shipped", "forgiving", "graduated", "logistic"],
)
def test_the_numpy_day_is_the_compiled_day(scenario, edits):
    s = edited(scenario, **edits)
    run = dict(replications=300, horizon=60, seed=9)
    numpy = sim.simulate(s, engine="numpy", **run).outcomes
    compiled = sim.simulate(s, engine="compiled", **run).outcomes
    # Both draw the same numbers and do the same arithmetic: identical replications, but for
    # the rare last-bit difference of a library exp or pow (test_compiled_equivalence.py).
    assert _same_rows(numpy, compiled) >= 0.99
    # The runs are eventful, so the comparison covers every phase of the day.
    assert numpy["strikes_pakistan"].sum() > 0 and numpy["attacks_ttp"].sum() > 0
    assert numpy["ceasefires_made"].sum() > 0 and numpy["max_rung"].nunique() > 1


def test_the_outcome_table_of_a_chunk_is_the_documented_one(scenario):
    # docs/outcomes.md: one row per replication, numbered globally; the columns in this order.
    model = EscalationModel(scenario, replications=60, seed=2, first_replication=2048)
    model.run(45)
    out = model.outcomes()
    states, groups = list(scenario.states), list(scenario.militants)
    assert list(out.columns) == [
        "replication",
        "max_rung",
        *(f"day_rung_{k}" for k in range(6)),
        *(f"{kind}_deaths_{s}" for s in states for kind in ("military", "civilian")),
        *(f"{kind}_{g}" for g in groups for kind in ("militant_deaths", "attacks")),
        *(f"strikes_{s}" for s in states),
        "clashes",
        "ceasefires_made",
        "ceasefires_broken",
        "ceasefire_days",
        "battle_deaths",
        "war",
        "day_war",
    ]
    assert out["replication"].tolist() == list(range(2048, 2108))
    assert (out["replication"].dtype, out["max_rung"].dtype) == (np.int64, np.int8)
    assert out.attrs == {"horizon": 45, "start_rung": scenario.start_rung}
    for k in range(6):
        reached = out[f"day_rung_{k}"].notna()
        assert (reached == (out["max_rung"] >= k)).all(), k
        assert (out[f"day_rung_{k}"][reached] <= 45).all()
    assert (out["day_rung_0"] == 0).all()  # the start rung is reached on day 0
    assert (out["war"] == (out["battle_deaths"] >= scenario.war_deaths)).all()
    assert (out["ceasefire_days"] <= 45).all() and out["max_rung"].nunique() > 1


def test_a_replayed_start_sets_each_kind_of_value_where_it_belongs(scenario):
    start = {
        "pressure.pakistan": np.array([0.5, 1.5]),
        "weariness.afghanistan": np.array([0.2, 0.4, 0.6]),
        "grievance.afghanistan.pakistan": np.array([2.5]),
        "provocation.pakistan.afghanistan": np.array([4, 0]),
        "harm.pakistan.afghanistan": np.array([7.0, 3.0]),
        "strength.ttp": np.array([1.25]),
    }
    model = EscalationModel(scenario, replications=4, seed=1, first_replication=5, start=start)
    pak, afg = model.states["pakistan"], model.states["afghanistan"]
    # Global replication g takes entry g % N: replications 5..8.
    np.testing.assert_array_equal(pak.pressure, [1.5, 0.5, 1.5, 0.5])
    np.testing.assert_array_equal(afg.weariness, [0.6, 0.2, 0.4, 0.6])
    np.testing.assert_array_equal(afg.grievance["pakistan"], 2.5)
    np.testing.assert_array_equal(pak.provocation["afghanistan"], [0, 4, 0, 4])
    np.testing.assert_array_equal(pak.harm["afghanistan"], [3.0, 7.0, 3.0, 7.0])
    np.testing.assert_array_equal(model.militants["ttp"].strength, 1.25)
    # The other state's values stay the scenario's.
    np.testing.assert_array_equal(afg.pressure, scenario.states["afghanistan"].pressure)
    hint = (
        "use pressure.<state>, weariness.<state>, grievance.<state>.<opponent>, "
        "provocation.<state>.<opponent>, harm.<state>.<opponent>, strength.<group> or "
        "engaged.<mediator>"
    )
    for bad in ("pressure.pakistan.afghanistan", "grievance.pakistan", "strength.ttp.x", "mood.x"):
        with pytest.raises(ValueError) as info:
            EscalationModel(scenario, replications=2, start={bad: np.ones(2)})
        assert str(info.value) == f"start: unknown key '{bad}'; {hint}"

import numpy as np
import pandas as pd
import pytest
from scenario_edits import edited

import sim
from sim.engine.model import EscalationModel
from sim.scenario.loading import scenario_from_dict


def test_same_seed_same_bits_different_seed_different_outcomes(seed_scenario):
    a = sim.simulate(seed_scenario, replications=300, horizon=120, seed=5).outcomes
    b = sim.simulate(seed_scenario, replications=300, horizon=120, seed=5).outcomes
    c = sim.simulate(seed_scenario, replications=300, horizon=120, seed=6).outcomes
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not a.drop(columns="replication").equals(c.drop(columns="replication"))


def test_single_run_has_events_and_a_trajectory(seed_scenario):
    one = sim.simulate(seed_scenario, replications=1, horizon=60, seed=7)
    assert len(one.outcomes) == 1
    traj = one.trajectory
    assert list(traj["day"]) == list(range(61)) and traj["rung"].iloc[0] == 3
    # The ladder moves as the model says: up to the day's highest action, down by one (decay), or
    # down to the ceasefire rung on a day a ceasefire is made; never below 0.
    rung = traj["rung"].to_numpy()
    acted = one.events[
        one.events["kind"].isin(["protest", "show_of_force", "strike", "clash", "war"])
    ]
    top = acted.groupby("day")["rung"].max().reindex(range(61), fill_value=0).to_numpy()
    made = set(one.events.loc[one.events["kind"] == "ceasefire_made", "day"])
    for day in range(1, 61):
        before, after = rung[day - 1], rung[day]
        if day in made:
            assert after == min(max(before, top[day]), seed_scenario.ceasefire_rung), day
        else:
            assert after in (max(before, top[day]), max(before, top[day]) - 1), day
        assert after >= 0
    # The outcome's max rung is the highest rung the trajectory shows or passed through.
    assert one.outcomes["max_rung"].iloc[0] >= traj["rung"].max()
    events = one.events
    assert {"replication", "day", "actor", "target", "kind", "rung", "killed", "count"} <= set(
        events.columns
    )
    attacks = events[events["kind"] == "attack"]
    assert (
        attacks["count"].sum()
        == one.outcomes["attacks_ttp"].iloc[0] + one.outcomes["attacks_iskp"].iloc[0]
    )
    strikes = events[(events["kind"] == "strike") & (events["actor"] == "pakistan")]
    assert len(strikes) == one.outcomes["strikes_pakistan"].iloc[0]


def test_outcome_columns_are_consistent(seed_scenario):
    out = sim.simulate(seed_scenario, replications=2000, horizon=90, seed=1).outcomes
    assert out["replication"].tolist() == list(range(2000))
    for k in range(6):
        reached = out[f"day_rung_{k}"].notna()
        assert ((out["max_rung"] >= k) == reached).all()
        assert (out[f"day_rung_{k}"].dropna() <= 90).all()
    # First days are ordered up the ladder.
    d4, d5 = out["day_rung_4"], out["day_rung_5"]
    both = d4.notna() & d5.notna()
    assert (d4[both] <= d5[both]).all()
    assert (out["war"] == (out["battle_deaths"] >= 1000)).all()
    assert (out["ceasefire_days"] <= 90).all()
    assert out.attrs == {"horizon": 90, "start_rung": 3}


def test_chunking_assembles_global_replications(seed_scenario):
    r = sim.simulate(seed_scenario, replications=250, horizon=30, seed=2, chunk_size=100)
    assert r.outcomes["replication"].tolist() == list(range(250))
    first = sim.simulate(seed_scenario, replications=100, horizon=30, seed=2, chunk_size=100)
    pd.testing.assert_frame_equal(r.outcomes.iloc[:100], first.outcomes, check_exact=True)


def test_policy_change_leaves_militant_draws_identical(seed_scenario):
    """Common random numbers: a retaliation parameter changes nothing the militants draw."""
    hawk = edited(seed_scenario, states__pakistan__retaliation={"name": "graduated", "p_act": 0.5})
    a = EscalationModel(seed_scenario, replications=500, seed=3)
    b = EscalationModel(hawk, replications=500, seed=3)
    diverged = False
    for _ in range(60):
        a.step()
        b.step()
        for gid in a.militants:
            np.testing.assert_array_equal(a.militants[gid].draws, b.militants[gid].draws)
        for mid in a.mediators:
            np.testing.assert_array_equal(a.mediators[mid].draws, b.mediators[mid].draws)
        diverged |= not np.array_equal(a.rung, b.rung)
    assert diverged, "the policy change should change some replication's rung"


def test_adding_an_actor_leaves_the_others_draws_unchanged(seed_scenario):
    data = seed_scenario.to_dict()
    data["militants"]["newcomer"] = dict(data["militants"]["iskp"], name="Newcomer")
    bigger = scenario_from_dict(data)
    a = EscalationModel(seed_scenario, replications=50, seed=9)
    b = EscalationModel(bigger, replications=50, seed=9)
    a.step()
    b.step()
    np.testing.assert_array_equal(a.militants["ttp"].draws, b.militants["ttp"].draws)
    np.testing.assert_array_equal(a.states["pakistan"].draws, b.states["pakistan"].draws)


def test_a_user_rule_plugs_in_by_import_path(seed_scenario):
    scenario = edited(
        seed_scenario,
        states__afghanistan__retaliation={"_target_": "user_rules.AlwaysAt", "rung": 4},
        in_ceasefire=False,
        ceasefire={"_target_": "user_rules.NeverAgree"},
    )
    out = sim.simulate(scenario, replications=20, horizon=5, seed=1).outcomes
    assert (out["max_rung"] >= 4).all() and (out["day_rung_4"] == 1).all()
    assert (out["ceasefires_made"] == 0).all()


def test_no_ceasefire_anywhere_and_always_in_ceasefire(seed_scenario):
    never = edited(seed_scenario, ceasefire={"name": "none"})
    out = sim.simulate(never, replications=200, horizon=30, seed=4).outcomes
    assert (out["ceasefire_days"] == 0).all() and (out["ceasefires_made"] == 0).all()
    always = edited(
        seed_scenario, ceasefire={"name": "constant_probability", "p_agree": 1.0, "p_break": 0.0}
    )
    out = sim.simulate(always, replications=200, horizon=30, seed=4).outcomes
    assert (out["ceasefire_days"] == 30).all() and (out["ceasefires_broken"] == 0).all()


def test_full_compliance_under_a_lasting_ceasefire_caps_the_rung(seed_scenario):
    calm = edited(
        seed_scenario,
        ceasefire={"name": "constant_probability", "p_agree": 1.0, "p_break": 0.0},
        states__pakistan__compliance=1.0,
        states__afghanistan__compliance=1.0,
    )
    out = sim.simulate(calm, replications=300, horizon=60, seed=8).outcomes
    assert (out["max_rung"] == 3).all() and (out["strikes_pakistan"] == 0).all()


def test_start_values_override_the_scenario_per_replication(seed_scenario):
    model = EscalationModel(
        seed_scenario,
        replications=4,
        seed=1,
        first_replication=6,
        start={"pressure.pakistan": np.array([0.0, 1.0, 2.0]), "strength.ttp": np.array([0.5])},
    )
    # global replications 6..9 take entries 6 % 3, 7 % 3, ...
    np.testing.assert_array_equal(model.states["pakistan"].pressure, [0.0, 1.0, 2.0, 0.0])
    np.testing.assert_array_equal(model.militants["ttp"].strength, [0.5] * 4)
    with pytest.raises(ValueError, match="unknown key 'pressure.india'"):
        EscalationModel(seed_scenario, replications=2, start={"pressure.india": [1.0]})


def test_bad_run_settings(seed_scenario):
    with pytest.raises(ValueError, match="replications must be >= 1"):
        sim.simulate(seed_scenario, replications=0)
    with pytest.raises(ValueError, match="horizon must be >= 1"):
        sim.simulate(seed_scenario, replications=5, horizon=0)
    with pytest.raises(ValueError, match="seed and chunk must be >= 0"):
        sim.simulate(seed_scenario, replications=5, seed=-1)


def test_violations_are_counted_not_killed(seed_scenario):
    one = sim.simulate(seed_scenario, replications=60, horizon=60, seed=3)
    violations = one.events[one.events["kind"] == "violation"]
    assert len(violations) > 0
    assert (violations["killed"] == 0).all() and (violations["count"] >= 1).all()

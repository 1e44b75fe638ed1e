"""The agents' laws and derived constants, computed independently (SciPy's distributions, the
formulas of docs/model.md), with actors whose numbers differ.

The compiled day reads these constants from the agents (`CompiledDay.__init__`), so comparing the
two days cannot catch a wrong one: each is checked here on its own.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from scenario_edits import edited
from scipy import stats

from sim.engine.agents import MEDIATOR_DRAWS, STATE_DRAWS, _poisson_tail, geometric
from sim.engine.model import EscalationModel
from sim.scenario.loading import scenario_from_dict


@pytest.fixture(scope="module")
def scenario(seed_scenario):
    # Two states that differ in capability and in what they inflict at each rung.
    return edited(
        seed_scenario,
        states__pakistan__capability=1.5,
        states__afghanistan__capability=0.5,
        states__afghanistan__inflicted__militant=[0, 0, 0.0, 4.0, 6.0, 8.0],
        militants__iskp__recovery_half_life=20.0,
        militants__iskp__max_strength=1.5,
    )


def _fixed(u: np.ndarray) -> SimpleNamespace:
    """A stream that hands out `u` (rows x R) whatever is asked."""
    return SimpleNamespace(random=lambda n: u[:n].copy())


def test_geometric_deaths_are_scipys_geometric_law_minus_one():
    rng = np.random.default_rng(1)
    u = rng.random(2000)
    mean = rng.choice([0.0, 0.3, 2.0, 15.0], size=u.size)
    got = geometric(u, mean)
    live = mean > 0
    # A geometric count on {1, 2, ...} with success chance 1 / (1 + m), less one, has mean m.
    expected = stats.geom.ppf(u[live], 1.0 / (1.0 + mean[live])) - 1
    np.testing.assert_array_equal(got[live], expected)
    assert (got[~live] == 0).all() and got.dtype == np.int64
    assert got[mean == 15.0].mean() == pytest.approx(15.0, abs=4 * 15.5 / np.sqrt(500))


def test_poisson_tail_is_the_poisson_quantile_truncated_at_the_cap():
    rng = np.random.default_rng(2)
    rate = rng.choice([0.05, 0.8, 3.0], size=3000)
    p_zero = np.exp(-rate)
    u = p_zero + (1 - p_zero) * rng.random(rate.size)  # the tail: at least one attack
    for cap in (1, 2, 4):
        got = _poisson_tail(u, rate, p_zero, cap)
        np.testing.assert_array_equal(got, np.minimum(stats.poisson.ppf(u, rate), cap))
    assert _poisson_tail(u, rate, p_zero, 4).max() == 4  # the cap is reached, not exceeded


def test_attack_sizes_are_a_discrete_capped_lomax_with_each_groups_own_law(scenario):
    model = EscalationModel(scenario, replications=2, seed=1)
    u = np.linspace(0.0, 0.999999, 4001)
    for gid in ("ttp", "iskp"):
        group, spec = model.militants[gid], scenario.militants[gid]
        law = stats.lomax(spec.casualty_alpha - 1.0, scale=spec.casualty_scale)
        expected = np.minimum(np.floor(law.ppf(u)), spec.max_deaths_per_attack)
        np.testing.assert_allclose(group._sizes(u.copy()), expected)
        assert expected.max() == spec.max_deaths_per_attack  # the cap is used
        # Below `_zero_below` an attack kills no one: P(Lomax < 1).
        assert group._zero_below == pytest.approx(law.cdf(1.0), rel=1e-12)
    ttp, iskp = model.militants["ttp"], model.militants["iskp"]
    assert ttp._zero_below != pytest.approx(iskp._zero_below)


def test_each_groups_share_of_its_hosts_fighters_and_its_draws(scenario):
    model = EscalationModel(scenario, replications=3, seed=1)
    ttp, iskp = model.militants["ttp"], model.militants["iskp"]
    # Both are hosted by Afghanistan: each one's share is its tempo over the host's total.
    total = 1.317 + 0.05 + 0.05
    assert ttp.share == pytest.approx(1.317 / total) and iskp.share == pytest.approx(0.1 / total)
    assert model.hosted_by == {"pakistan": [], "afghanistan": [ttp, iskp]}
    assert ttp.targets == [("pakistan", 1.317)]
    assert iskp.targets == [("pakistan", 0.05), ("afghanistan", 0.05)]
    # A block of uniforms per target per day: count, attribution, one per attack slot.
    assert (ttp._slots, ttp._block) == (4, 6) and (iskp._slots, iskp._block) == (2, 4)
    model.step()
    assert ttp.draws.shape == (6, 3) and iskp.draws.shape == (8, 3)
    assert model.states["pakistan"].draws.shape == (STATE_DRAWS, 3)
    assert model.mediators["qatar"].draws.shape == (MEDIATOR_DRAWS, 3)


def test_a_lone_group_has_all_its_hosts_fighters(seed_scenario):
    data = seed_scenario.to_dict()
    del data["militants"]["iskp"]
    data["priors"] = {k: v for k, v in data["priors"].items() if "iskp" not in k}
    model = EscalationModel(scenario_from_dict(data), replications=1)
    assert model.militants["ttp"].share == 1.0
    # A group that attacks no one (all its rates 0) has them all too, not a division by zero.
    data["militants"]["ttp"]["targets"] = {"pakistan": 0.0}
    data["priors"] = {k: v for k, v in data["priors"].items() if "ttp.targets" not in k}
    model = EscalationModel(scenario_from_dict(data), replications=1)
    assert model.militants["ttp"].share == 1.0


def test_strength_recovers_toward_one_with_each_groups_half_life_and_cap(scenario):
    model = EscalationModel(scenario, replications=3, seed=1)
    ttp, iskp = model.militants["ttp"], model.militants["iskp"]
    ttp.strength = np.array([0.2, 1.0, 1.9])
    iskp.strength = np.array([0.2, 1.0, 3.0])
    ttp.end_day()
    iskp.end_day()
    # ISKP: half-life 20 days here, and capped at its max_strength 1.5 (1 + 2 f > 1.5).
    f = 0.5 ** (1 / 20)
    np.testing.assert_allclose(iskp.strength, [1 - 0.8 * f, 1.0, 1.5])
    for _ in range(9):
        ttp.end_day()
        iskp.end_day()
    np.testing.assert_allclose(ttp.strength, 1 + np.array([-0.8, 0, 0.9]) * 0.5 ** (10 / 60))
    np.testing.assert_allclose(iskp.strength, 1 + np.array([-0.8, 0, 0.5 / f]) * f**10)


def test_strikes_kill_fighters_by_share_degrade_targets_and_civilian_deaths_recruit(scenario):
    model = EscalationModel(scenario, replications=4, seed=1)
    ttp, iskp = model.militants["ttp"], model.militants["iskp"]
    where = np.array([0, 1, 3])
    rung = np.array([3, 2, 4], np.int8)
    fighters = np.array([10, 3, 7])
    civilians = np.array([0, 100, 50])
    ttp.strength[:] = 1.0
    ttp.struck("pakistan", where, rung, fighters, civilians)
    np.testing.assert_array_equal(
        ttp.fighters_killed[where], np.floor(fighters * ttp.share + 0.5).astype(int)
    )
    # Rung 3 and above degrade by 5 %; civilians killed recruit 0.002 each (TTP's own rates).
    np.testing.assert_allclose(ttp.strength, [0.95, 1.2, 1.0, 0.95 + 0.1])
    # ISKP is struck too: its own share and recruitment rate (0.001 per civilian death).
    iskp.strength[:] = 1.0
    iskp.struck("pakistan", where, rung, fighters, civilians)
    np.testing.assert_array_equal(
        iskp.fighters_killed[where], np.floor(fighters * iskp.share + 0.5).astype(int)
    )
    np.testing.assert_allclose(iskp.strength, [0.95, 1.1, 1.0, 0.95 + 0.05])


def test_a_strike_by_a_state_the_group_does_not_target_leaves_its_strength(scenario):
    model = EscalationModel(scenario, replications=2, seed=1)
    ttp = model.militants["ttp"]  # targets Pakistan only
    ttp.strength[:] = 1.0
    ttp.struck("afghanistan", np.array([0, 1]), np.array([3, 3], np.int8), np.ones(2), np.ones(2))
    np.testing.assert_array_equal(ttp.strength, [1.0, 1.0])
    # Fighters are lost all the same: the share of the host's fighters, rounded half up.
    share = ttp.share
    np.testing.assert_array_equal(ttp.fighters_killed, np.floor(share + 0.5).astype(int))


def test_each_state_inflicts_its_own_means_times_its_capability(scenario):
    model = EscalationModel(scenario, replications=4, seed=1)
    for sid, other, capability in (
        ("pakistan", "afghanistan", 1.5),
        ("afghanistan", "pakistan", 0.5),
    ):
        state, spec = model.states[sid], scenario.states[sid]
        table = np.array(
            [spec.inflicted.military, spec.inflicted.civilian, spec.inflicted.militant], float
        )
        np.testing.assert_allclose(state._inflict, table * capability)
        u = np.random.default_rng(3).random((STATE_DRAWS, 4))
        state.draws = u
        state.action[other] = np.array([0, 3, 5, 4], np.int8)
        ((o, where, rung, soldiers, civilians, fighters),) = state.inflict()
        assert o == other
        np.testing.assert_array_equal(where, [1, 2, 3])
        np.testing.assert_array_equal(rung, [3, 5, 4])
        for k, got in enumerate((soldiers, civilians, fighters)):
            means = table[k, [3, 5, 4]] * capability
            np.testing.assert_array_equal(got, geometric(u[2 + k, [1, 2, 3]], means))
        state.action[other][:] = 0
        assert state.inflict() == []  # no action, no deaths


def test_each_mediator_trusts_by_the_mean_of_its_parties_trust(scenario):
    model = EscalationModel(scenario, replications=2, seed=1)
    assert model.mediators["qatar"].trust == pytest.approx(0.65)
    assert model.mediators["turkiye"].trust == pytest.approx(0.55)
    assert model.mediators["qatar"].pair == 0 == model.pair_index["afghanistan", "pakistan"]


def test_a_mediator_attempts_where_free_at_its_engage_rung_and_by_its_rate(scenario):
    model = EscalationModel(scenario, replications=6, seed=1)
    qatar = model.mediators["qatar"]  # engage rung 4, attempt rate 0.15
    agree = []
    u = np.array(
        [
            [0.1, 0.1, 0.1, 0.15, 0.1, 0.149],  # attempt below the rate only
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        ]
    )
    qatar.stream = _fixed(u)
    rung = np.array([4, 3, 5, 4, 4, 4])
    free = np.array([True, True, True, True, False, True])
    rule = SimpleNamespace(agree=lambda talks, v: agree.append((talks, v)) or np.ones(v.size))
    model.spec = SimpleNamespace(ceasefire=rule)
    made = qatar.mediate(rung, free)
    np.testing.assert_array_equal(made, [True, False, True, False, False, True])
    np.testing.assert_array_equal(qatar.attempts, [1, 0, 1, 0, 0, 1])
    ((talks, v),) = agree
    assert talks.leverage == 0.6 and talks.trust == pytest.approx(0.65)
    pak, afg = model.states["pakistan"], model.states["afghanistan"]
    tried = [0, 2, 5]
    np.testing.assert_allclose(talks.cost, pak.weariness[tried] + afg.weariness[tried])
    np.testing.assert_array_equal(talks.rung, [4, 5, 4])
    np.testing.assert_array_equal(v, [0.5, 0.5, 0.5])
    # Nobody engaged: no talks at all.
    agree.clear()
    made = qatar.mediate(np.full(6, 3), np.ones(6, bool))
    assert not made.any() and agree == []


def test_a_days_attacks_from_given_uniforms_computed_replication_by_replication(scenario):
    """`MilitantGroup.attack` against a scalar reading of docs/model.md, uniforms chosen to sit
    on every boundary: exactly P(no attack), exactly the attribution chance, exactly the
    uniform below which an attack kills no one."""
    R = 6
    model = EscalationModel(scenario, replications=R, seed=1)
    ttp, pak = model.militants["ttp"], model.states["pakistan"]
    spec = scenario.militants["ttp"]  # rate 1.317, 4 slots, attribution 0.8, spoiler 1.2
    ttp.strength = np.array([1.0, 0.6, 1.0, 1.4, 1.0, 1.0])
    model.in_ceasefire[0] = [False, False, False, False, True, True]
    tempo = 1.317 * ttp.strength * np.where(model.in_ceasefire[0], 1.2, 1.0)
    p0 = np.exp(-tempo)
    z = ttp._zero_below
    u = np.array(
        [
            [p0[0], 0.01, 0.999, 0.93, p0[4] - 1e-9, 0.97],  # whether and how many attacks
            [0.8, 0.5, 0.1, 0.79, 0.5, 0.2],  # attribution (blamed below 0.8)
            [z, 0.5, 0.9, 0.99, 0.9, 0.995],  # deaths of the 1st attack
            [0.99, 0.99, np.nextafter(z, 0), 0.95, 0.9, 0.9],  # 2nd
            [0.99, 0.99, 0.999, 0.2, 0.9, 0.9],  # 3rd
            [0.99, 0.99, 0.98, 0.99, 0.9, 0.9],  # 4th
        ]
    )
    ttp.stream = _fixed(u)
    g0 = pak.grievance["afghanistan"].copy()
    p_before = pak.provocation["afghanistan"].copy()
    ((target, where, count, deaths),) = ttp.attack()
    law = stats.lomax(spec.casualty_alpha - 1.0, scale=spec.casualty_scale)
    exp_count, exp_deaths = np.zeros(R, int), np.zeros(R, int)
    for r in range(R):
        if u[0, r] < p0[r]:
            continue
        exp_count[r] = max(1, min(stats.poisson.ppf(u[0, r], tempo[r]), 4))
        for s in range(exp_count[r]):
            if u[2 + s, r] >= z:
                exp_deaths[r] += min(np.floor(law.ppf(u[2 + s, r])), spec.max_deaths_per_attack)
    assert target == "pakistan"
    np.testing.assert_array_equal(where, np.flatnonzero(exp_count))
    assert exp_count.tolist()[:2] == [1, 0] and exp_count[4] == 0 and exp_deaths[0] >= 1
    np.testing.assert_array_equal(count, exp_count[where])
    np.testing.assert_array_equal(deaths, exp_deaths[where])
    np.testing.assert_array_equal(ttp.attacks, exp_count)
    soldiers = np.floor(exp_deaths * 0.55 + 0.5)
    np.testing.assert_array_equal(pak.military_deaths, soldiers)
    np.testing.assert_array_equal(pak.civilian_deaths, exp_deaths - soldiers)
    blamed = (exp_count > 0) & (u[1] < 0.8)
    assert blamed.tolist() == [False, False, True, True, False, True]
    np.testing.assert_allclose(
        pak.grievance["afghanistan"] - g0, blamed * (0.1 * exp_count + 0.01 * exp_deaths)
    )
    major = blamed & (exp_deaths >= 10)
    np.testing.assert_array_equal(
        pak.provocation["afghanistan"], np.where(major, np.maximum(p_before, 2), p_before)
    )


def test_an_attack_on_the_host_itself_provokes_no_one(scenario):
    model = EscalationModel(scenario, replications=2, seed=1)
    iskp, afg = model.militants["iskp"], model.states["afghanistan"]
    u = np.full((8, 2), 0.999)  # many attacks on both targets, all blamed, many dead
    u[1] = 0.0
    iskp.stream = _fixed(u)
    grievance = {o: afg.grievance[o].copy() for o in afg.opponents}
    out = iskp.attack()
    assert [t for t, *_ in out] == ["pakistan", "afghanistan"]
    assert (out[1][3] > 0).all() and (afg.military_deaths + afg.civilian_deaths > 0).all()
    for o in afg.opponents:
        np.testing.assert_array_equal(afg.grievance[o], grievance[o])


def _three_states(seed_scenario):
    data = seed_scenario.to_dict()
    data["priors"] = {}
    iran = dict(data["states"]["afghanistan"], name="Iran")
    iran.update(grievance={}, provocation={}, harm={})
    data["states"]["iran"] = iran
    return scenario_from_dict(data)


def test_with_two_opponents_each_one_has_its_own_block_of_uniforms(seed_scenario):
    model = EscalationModel(_three_states(seed_scenario), replications=3, seed=4)
    pak = model.states["pakistan"]
    assert pak.opponents == ["afghanistan", "iran"]
    u = np.random.default_rng(6).random((2 * STATE_DRAWS, 3))
    pak.draws = u
    pak.action["iran"][:] = [3, 0, 4]
    for toward_afghanistan in ([0, 0, 0], [0, 2, 5]):  # the first opponent idle, then not
        pak.action["afghanistan"][:] = toward_afghanistan
        out = {o: rest for o, *rest in pak.inflict()}
        assert list(out) == (["iran"] if not any(toward_afghanistan) else ["afghanistan", "iran"])
        for j, o in enumerate(pak.opponents):
            if o not in out:
                continue
            where, rung, *deaths = out[o]
            np.testing.assert_array_equal(where, np.flatnonzero(pak.action[o]))
            np.testing.assert_array_equal(rung, pak.action[o][where])
            for k, got in enumerate(deaths):
                means = pak._inflict[k, rung]
                expected = geometric(u[STATE_DRAWS * j + 2 + k, where], means)
                np.testing.assert_array_equal(got, expected)


def test_mediation_attempts_add_up_over_days(scenario):
    model = EscalationModel(scenario, replications=2, seed=1)
    qatar = model.mediators["qatar"]
    qatar.stream = _fixed(np.zeros((2, 2)))
    model.spec = SimpleNamespace(ceasefire=SimpleNamespace(agree=lambda t, v: np.zeros(v.size)))
    for _ in range(3):
        qatar.mediate(np.array([4, 3]), np.ones(2, bool))
    np.testing.assert_array_equal(qatar.attempts, [3, 0])


def test_each_state_complies_below_its_chance_exactly(scenario):
    model = EscalationModel(scenario, replications=3, seed=1)
    pak = model.states["pakistan"]
    pak.rule = SimpleNamespace(decide=lambda inputs, u: np.full(u.shape, 4))
    c = scenario.states["pakistan"].compliance
    pak.stream = _fixed(np.array([[0.5] * 3, [c, np.nextafter(c, 0), c], *[[0.5] * 3] * 3]))
    model.in_ceasefire[0] = [True, True, False]
    pak.decide()
    np.testing.assert_array_equal(pak.action["afghanistan"], [4, 1, 4])


def test_a_uniform_exactly_on_the_poisson_cdf_counts_the_next_attack():
    rate, p0 = np.array([0.7]), np.exp(-np.array([0.7]))
    cdf1 = p0 + p0 * rate  # P(K <= 1), summed as the model sums it
    assert _poisson_tail(cdf1, rate, p0, 4).tolist() == [2]
    assert _poisson_tail(np.nextafter(cdf1, 0), rate, p0, 4).tolist() == [1]


def test_words_and_no_action_answer_nothing_and_keep_the_harm(scenario):
    model = EscalationModel(scenario, replications=3, seed=1)
    afg = model.states["afghanistan"]
    afg.provocation["pakistan"][:] = 0
    afg.harm["pakistan"][:] = [5.0, 5.0, 5.0]
    afg.action["pakistan"][:] = [0, 1, 2]
    afg.answer()
    # Harm without a provocation (minor attacks) stays until an action answers it.
    np.testing.assert_array_equal(afg.harm["pakistan"], [5.0, 0.0, 0.0])
    np.testing.assert_array_equal(afg.highest["pakistan"], [0, 1, 2])


def test_a_provocation_at_rung_zero_does_not_restart_the_memory(scenario):
    model = EscalationModel(scenario, replications=2, seed=1)
    afg = model.states["afghanistan"]
    afg.provocation["pakistan"][:] = 0
    afg.provocation_age["pakistan"][:] = 4
    afg.provoked("pakistan", np.arange(2), np.array([0, 1], np.int8), np.ones(2), np.ones(2))
    np.testing.assert_array_equal(afg.provocation_age["pakistan"], [4, 0])


def test_each_state_starts_from_its_own_values_toward_each_opponent(seed_scenario):
    three = _three_states(seed_scenario)
    model = EscalationModel(three, replications=2, seed=1)
    pak, afg, iran = (model.states[s] for s in ("pakistan", "afghanistan", "iran"))
    # From the scenario: Pakistan toward Afghanistan (grievance 1.019, provocation 1, harm 0);
    # Afghanistan toward Pakistan (0.655, 3, 9.0).
    np.testing.assert_array_equal(pak.grievance["afghanistan"], [1.019] * 2)
    np.testing.assert_array_equal(pak.provocation["afghanistan"], [1] * 2)
    np.testing.assert_array_equal(afg.grievance["pakistan"], [0.655] * 2)
    np.testing.assert_array_equal(afg.provocation["pakistan"], [3] * 2)
    np.testing.assert_array_equal(afg.harm["pakistan"], [9.0] * 2)
    # Toward an opponent the scenario says nothing about: zero.
    for state, other in ((pak, "iran"), (afg, "iran"), (iran, "pakistan"), (iran, "afghanistan")):
        assert state.grievance[other].tolist() == [0.0, 0.0]
        assert state.provocation[other].tolist() == [0, 0]
        assert state.harm[other].tolist() == [0.0, 0.0]
        assert state.provocation_age[other].tolist() == [0, 0]
        assert state.highest[other].tolist() == [0, 0]
    assert model.mediators["qatar"].mid == "qatar" and model.militants["ttp"].gid == "ttp"


def test_the_agents_arrays_have_their_documented_types(seed_scenario):
    # Rungs in one byte, counts in 64 bits, levels in floats: the memory a replication takes,
    # and the types of the outcome table's columns (docs/outcomes.md).
    model = EscalationModel(seed_scenario, replications=2)
    pak = model.states["pakistan"]
    assert pak.provocation["afghanistan"].dtype == np.int8
    assert pak.highest["afghanistan"].dtype == np.int8
    assert pak.action["afghanistan"].dtype == np.int8
    assert pak.provocation_age["afghanistan"].dtype == np.int32
    assert pak.military_deaths.dtype == pak.civilian_deaths.dtype == np.int64
    assert pak.strikes.dtype == np.int64 and pak.harm["afghanistan"].dtype == np.float64
    assert model.pair_ceasefires_made.dtype == model.ceasefire_age.dtype == np.int64
    assert model.in_ceasefire.dtype == bool
    assert model.mediators["qatar"].attempts.dtype == np.int64
    assert model.recorder.violations.dtype == np.int64
    # Each actor's block of uniforms has its shape before the first day too.
    assert pak.draws.shape == (STATE_DRAWS, 2)
    assert model.militants["iskp"].draws.shape == (8, 2)
    assert model.mediators["qatar"].draws.shape == (MEDIATOR_DRAWS, 2)
    model.run(20)
    out = model.outcomes()
    for column in out.columns:
        if column.startswith(("day_", "war")):
            continue
        assert out[column].dtype in (np.int64, np.int8), column

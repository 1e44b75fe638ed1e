"""The exact chain against closed forms worked out by hand, every actor's number different.

`tests/statistical/test_exact_validation.py` checks the Monte Carlo against the chain; these check
the chain itself, fast, where the answer has a closed form: a pure-birth ladder (binomial), a
ceasefire that only breaks (geometric), the half-steps of one day written out.
"""

import numpy as np
import pytest
from scenario_edits import edited
from scipy import stats

import sim
from sim.validation.exact import (
    absorption_probability,
    action_matrix,
    chain_parameters,
    exact_escalation,
    gamblers_ruin,
    mediation_matrix,
    transition_matrix,
)

P_A, P_B = 0.07, 0.03  # the two states' chances differ, so reading the wrong one shows


@pytest.fixture(scope="module")
def birth(markov_scenario):
    """No ceasefire, no decay, no mediation: the rung climbs one step on a day anyone acts."""
    return edited(
        markov_scenario,
        ceasefire={"name": "none"},
        decay=0.0,
        start_rung=1,
        states__alpha__retaliation__p_escalate=P_A,
        states__beta__retaliation__p_escalate=P_B,
    )


def test_a_pure_birth_ladder_reaches_rung_k_with_the_binomial_chance(birth):
    horizon = 40
    exact = exact_escalation(birth, horizon)
    # Documented shapes: one row per rung, one column per day 0..T.
    assert exact.reached.shape == (6, horizon + 1) and exact.in_ceasefire.shape == (horizon + 1,)
    assert exact.first_day_pmf(3).shape == (horizon + 1,)
    up = 1 - (1 - P_A) * (1 - P_B)
    for k in range(6):
        for t in (0, 1, 2, 10, 40):
            # Reaching k from rung 1 needs k - 1 climbing days among t.
            expected = 1.0 if k <= 1 else stats.binom.sf(k - 2, t, up)
            assert exact.reached[k, t] == pytest.approx(expected, abs=1e-12), (k, t)
            assert exact.escalation_probability(k, t) == exact.reached[k, t]
    assert exact.escalation_probability(3) == exact.reached[3, horizon]
    pmf = exact.first_day_pmf(3)
    assert pmf[0] == 0.0 and pmf[2] == pytest.approx(up**2)
    np.testing.assert_allclose(np.cumsum(pmf), exact.reached[3])
    dist = exact.max_rung_distribution()
    assert dist.sum() == pytest.approx(1.0)
    assert dist[0] == 0.0 and dist[1] == pytest.approx((1 - up) ** horizon)
    assert dist[5] == pytest.approx(exact.reached[5, horizon])


def test_the_chain_reads_each_states_own_chance_and_compliance(markov_scenario):
    chain = chain_parameters(markov_scenario)
    assert chain.p_escalate == [0.04, 0.03]
    assert chain.compliance == [0.7, 0.5]
    assert chain.mediators == [(3, 0.2)]
    assert (chain.p_agree, chain.p_break, chain.decay) == (0.3, 0.05, 0.1)
    assert (chain.cap, chain.ceasefire_rung, chain.start_rung) == (1, 1, 2)
    assert chain.start_ceasefire is False
    quiet = chain_parameters(
        edited(
            markov_scenario, ceasefire={"name": "none"}, states__beta__retaliation={"name": "none"}
        )
    )
    assert quiet.p_escalate == [0.04, 0.0]
    assert (quiet.p_agree, quiet.p_break) == (0.0, 1.0)


def test_one_day_under_a_ceasefire_written_out(markov_scenario):
    # From rung 1 under a ceasefire (cap 1): a state that acts goes to rung 2 unless it
    # complies (then it acts at the cap, rung 1). Alpha acts 0.04, complies 0.7; beta 0.03, 0.5.
    chain = chain_parameters(markov_scenario)
    act = action_matrix(chain)[1 + 6]  # state (rung 1, ceasefire): [escalated, ceasefire, blocked]
    above = 1 - (1 - 0.04 * 0.3) * (1 - 0.03 * 0.5)  # someone acts above the cap
    at_cap = (1 - above) - (1 - 0.04) * (1 - 0.03)  # someone acts, all at the cap
    assert act[2, 1, 1] == pytest.approx(above)
    assert act[1, 1, 1] == pytest.approx(at_cap)
    assert act[1, 1, 0] == pytest.approx((1 - 0.04) * (1 - 0.03))
    assert act.sum() == pytest.approx(1.0)
    # Mediation from rung 2, free, nobody at or above it: the broker engages at 3, so no
    # attempt; the rung decays with 0.1.
    med = mediation_matrix(chain)
    row = med[2, 0, 0]
    assert row[1] == pytest.approx(0.1) and row[2] == pytest.approx(0.9)
    # From rung 3, free, blocked: the broker tries (0.2) and agrees (0.3); a ceasefire puts the
    # rung down to 1 (ceasefire_rung) and under ceasefire.
    row = med[3, 0, 1]
    assert row[1 + 6] == pytest.approx(0.2 * 0.3)
    assert row[3] == pytest.approx(1 - 0.2 * 0.3)
    # Under a ceasefire at rung 3, blocked: it breaks with 0.05 and stays at rung 3 either way.
    row = med[3, 1, 1]
    assert row[3 + 6] == pytest.approx(0.95) and row[3] == pytest.approx(0.05)
    P = transition_matrix(markov_scenario)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)


def test_a_ceasefire_nobody_can_break_lasts_a_geometric_time(markov_scenario):
    # Nobody acts and nobody mediates: the ceasefire in force at day 0 ends with p_break a day.
    scenario = edited(
        markov_scenario,
        in_ceasefire=True,
        start_rung=1,
        ceasefire__p_break=0.08,
        states__alpha__retaliation={"name": "none"},
        states__beta__retaliation={"name": "none"},
    )
    exact = exact_escalation(scenario, 30)
    np.testing.assert_allclose(exact.in_ceasefire, 0.92 ** np.arange(31), rtol=1e-12)
    assert exact.expected_ceasefire_days() == pytest.approx(sum(0.92**t for t in range(1, 31)))
    assert exact.reached[1, 30] == 1.0 and exact.reached[2, 30] == 0.0


def test_gamblers_ruin_closed_form_by_hand():
    assert gamblers_ruin(0.2, 0.1, 2, 5) == pytest.approx((1 - 0.5**2) / (1 - 0.5**5))
    assert gamblers_ruin(0.1, 0.1, 2, 5) == pytest.approx(2 / 5)
    P = np.array([[1.0, 0.0, 0.0], [0.25, 0.5, 0.25], [0.0, 0.0, 1.0]])
    assert absorption_probability(P, start=1, target=2, absorbing=[0, 2], days=1) == 0.25
    assert absorption_probability(P, start=1, target=2, absorbing=[0, 2], days=2) == 0.375


def test_the_chain_refuses_what_it_cannot_solve(markov_scenario, seed_scenario):
    with pytest.raises(ValueError, match=r"^scenario\.states\.pakistan\.retaliation: the exact"):
        chain_parameters(seed_scenario)
    with pytest.raises(ValueError, match=r"^scenario\.ceasefire: the exact chain needs"):
        chain_parameters(edited(markov_scenario, ceasefire={"name": "grim_trigger"}))


def test_the_refusals_name_what_was_found(markov_scenario):
    with pytest.raises(
        ValueError, match=r"needs 'constant_probability' or 'none', got OrderedLogit$"
    ):
        chain_parameters(
            edited(markov_scenario, states__alpha__retaliation={"name": "ordered_logit"})
        )
    with pytest.raises(ValueError, match=r"'none', got GrimTrigger$"):
        chain_parameters(edited(markov_scenario, ceasefire={"name": "grim_trigger"}))
    data = markov_scenario.to_dict()
    data["states"]["gamma"] = dict(data["states"]["beta"], name="State C")
    with pytest.raises(
        ValueError,
        match=r"^the exact chain covers one pair of states; the scenario"
        r" has 3 states$",
    ):
        chain_parameters(sim.scenario_from_dict(data))


def test_rung_zero_cannot_decay_and_a_zero_cap_holds_compliant_states_to_no_action(markov_scenario):
    chain = chain_parameters(markov_scenario)
    med = mediation_matrix(chain)
    row = med[0, 0, 0]  # rung 0, free, nobody acted: it stays at 0 (the broker is not engaged)
    assert row[0] == pytest.approx(1.0) and row.sum() == pytest.approx(1.0)
    # Cap 0 under a ceasefire: a complying state that wants to act does nothing at all.
    capped = chain_parameters(edited(markov_scenario, ceasefire_cap=0, ceasefire_rung=0))
    act = action_matrix(capped)[2 + 6]  # rung 2, under a ceasefire
    comply_or_idle = [(1 - p) + p * c for p, c in ((0.04, 0.7), (0.03, 0.5))]
    # Highest action 0 (nobody acts above the cap): the rung stays at 2, not blocked.
    assert act[2, 1, 0] == pytest.approx(comply_or_idle[0] * comply_or_idle[1])
    assert act.sum() == pytest.approx(1.0)

"""The engine against the exact Markov chain of the constant-probability configuration.

Each Monte Carlo estimate must lie within 4 standard errors of the exact value; the standard
error is computed from the exact probability and the replication count, so the tolerance is
derived, not tuned. Different parameter sets exercise a probability near 0.5, one near 0.02,
ceasefires with partial compliance, and no ceasefire at all. Every check runs on the NumPy day
and on the compiled day.
"""

import numpy as np
import pytest
from scenario_edits import edited

import sim
from sim.validation.exact import (
    absorption_probability,
    exact_escalation,
    gamblers_ruin,
    transition_matrix,
)

R = 20_000
HORIZON = 90
# Both ways of advancing the day face the exact chain (the compiled day: sim.engine.compiled).
ENGINES = ("numpy", "compiled")


PARAMETER_SETS = {
    "shipped": {},
    "near_half": {
        "states__alpha__retaliation__p_escalate": 0.05,
        "states__beta__retaliation__p_escalate": 0.04,
        "decay": 0.1,
    },
    "rare_war": {
        "states__alpha__retaliation__p_escalate": 0.02,
        "states__beta__retaliation__p_escalate": 0.015,
        "decay": 0.1,
    },
    "no_ceasefire": {"ceasefire": {"name": "none"}, "start_rung": 0, "decay": 0.3},
    "starts_in_ceasefire": {
        "in_ceasefire": True,
        "start_rung": 3,
        "ceasefire_rung": 1,
        "ceasefire__p_break": 0.02,
        "mediators__broker__engage_rung": 2,
    },
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", list(PARAMETER_SETS))
def test_monte_carlo_agrees_with_the_exact_chain(markov_scenario, name, engine):
    scenario = edited(markov_scenario, **PARAMETER_SETS[name])
    exact = exact_escalation(scenario, HORIZON)
    mc = sim.simulate(scenario, replications=R, horizon=HORIZON, seed=2026, engine=engine)
    checked = 0
    for k in range(scenario.start_rung + 1, 6):
        for within in (7, 30, 90):
            p = exact.escalation_probability(k, within)
            estimate = mc.escalation_probability(k, within).estimate
            se = np.sqrt(p * (1 - p) / R)
            if se == 0:
                assert estimate == p
                continue
            assert abs(estimate - p) <= 4 * se, (name, k, within, p, estimate)
            checked += 1
    assert checked >= 3
    days = mc.outcomes["ceasefire_days"]
    se = days.std(ddof=1) / np.sqrt(R)
    assert abs(days.mean() - exact.expected_ceasefire_days()) <= 4 * se + 1e-12
    # The whole distribution of the max rung at the horizon, cell by cell.
    counts = np.bincount(mc.outcomes["max_rung"], minlength=6) / R
    for k, p in enumerate(exact.max_rung_distribution()):
        assert abs(counts[k] - p) <= 4 * np.sqrt(p * (1 - p) / R) + 1e-12


def test_parameter_sets_cover_a_half_and_a_rare_probability(markov_scenario):
    half = exact_escalation(edited(markov_scenario, **PARAMETER_SETS["near_half"]), HORIZON)
    assert 0.4 < half.escalation_probability(4) < 0.6
    rare = exact_escalation(edited(markov_scenario, **PARAMETER_SETS["rare_war"]), HORIZON)
    assert 0.01 < rare.escalation_probability(5) < 0.03


@pytest.mark.parametrize("engine", ENGINES)
def test_first_day_distribution_matches(markov_scenario, engine):
    scenario = edited(markov_scenario, **PARAMETER_SETS["near_half"])
    exact = exact_escalation(scenario, HORIZON)
    run = sim.simulate(scenario, replications=R, horizon=HORIZON, seed=77, engine=engine)
    days = run.outcomes["day_rung_4"]
    pmf = exact.first_day_pmf(4)
    # Compare the first-passage distribution in ten-day bins.
    for lo in range(0, HORIZON, 10):
        p = pmf[lo + 1 : lo + 11].sum()
        share = ((days > lo) & (days <= lo + 10)).mean()
        assert abs(share - p) <= 4 * np.sqrt(p * (1 - p) / R), (lo, p, share)


def test_transition_matrix_is_stochastic(markov_scenario):
    P = transition_matrix(markov_scenario)
    assert P.shape == (12, 12) and (P >= 0).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize(
    ("p_a", "p_b", "decay", "start"),
    [(0.05, 0.03, 0.2, 2), (0.1, 0.1, 0.1, 1), (0.02, 0.0, 0.02, 3), (0.01, 0.01, 0.5, 4)],
)
def test_gamblers_ruin_closed_form_matches_the_matrix(markov_scenario, p_a, p_b, decay, start):
    scenario = edited(
        markov_scenario,
        ceasefire={"name": "none"},
        decay=decay,
        states__alpha__retaliation__p_escalate=p_a,
        states__beta__retaliation__p_escalate=p_b,
    )
    up = 1 - (1 - p_a) * (1 - p_b)
    down = (1 - up) * decay
    P = transition_matrix(scenario)
    matrix = absorption_probability(P, start=start, target=5, absorbing=[0, 5], days=20_000)
    assert matrix == pytest.approx(gamblers_ruin(up, down, start, 5), rel=1e-9)


def test_validation_refuses_rules_it_cannot_solve(seed_scenario):
    with pytest.raises(ValueError, match="needs 'constant_probability' or 'none'"):
        exact_escalation(seed_scenario, 10)

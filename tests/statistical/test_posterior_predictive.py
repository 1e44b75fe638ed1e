"""Runs over a posterior: the plain run as a special case, the weighted mixture, common random
numbers across policies, and outcomes independent of chunking.

The mixture is checked against the exact Markov chain of each draw (sim.validation.exact), with a
tolerance of 4 standard errors computed from the exact probabilities and the replications each
draw received.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.predictive import draw_probabilities
from sim.scenario.posterior import posterior_from_frame
from sim.validation.exact import exact_escalation

P_ACT = "states.pakistan.retaliation.p_act"


def _posterior(scenario, **columns):
    return posterior_from_frame(pd.DataFrame(columns), scenario)


def test_one_draw_at_the_point_values_is_the_plain_run_bit_for_bit(seed_scenario):
    post = _posterior(seed_scenario, decay=[seed_scenario.decay], weight=[2.5])
    run = {"replications": 700, "horizon": 60, "seed": 9, "chunk_size": 300, "engine": "numpy"}
    plain = sim.simulate(seed_scenario, **run).outcomes
    with_post = sim.simulate(seed_scenario, posterior=post, **run).outcomes
    assert (with_post.pop("draw") == 0).all()
    pd.testing.assert_frame_equal(with_post, plain, check_exact=True)


def test_one_draw_is_the_plain_run_of_its_scenario(seed_scenario):
    post = _posterior(seed_scenario, decay=[0.09], **{P_ACT: [0.12]}, weight=[1.0])
    changed = post.scenario(seed_scenario, 0)
    run = {"replications": 500, "horizon": 45, "seed": 4, "engine": "numpy"}
    with_post = sim.simulate(seed_scenario, posterior=post, **run).outcomes.drop(columns="draw")
    plain = sim.simulate(changed, **run).outcomes
    pd.testing.assert_frame_equal(with_post, plain, check_exact=True)


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_a_two_point_posterior_gives_the_weighted_mixture(markov_scenario, engine):
    key = "states.alpha.retaliation.p_escalate"
    post = _posterior(markov_scenario, **{key: [0.02, 0.06]}, weight=[0.7, 0.3])
    R, horizon = 20_480, 90
    mc = sim.simulate(
        markov_scenario, replications=R, horizon=horizon, seed=31, posterior=post, engine=engine
    )
    exact = [exact_escalation(post.scenario(markov_scenario, k), horizon) for k in range(2)]
    counts = np.bincount(mc.outcomes["draw"], minlength=2)
    # The assignment is proportional to the weights to within a few cells of 256.
    assert np.abs(counts / R - post.weights).max() <= 3 * 256 / R
    checked = 0
    for rung in (3, 4, 5):
        for within in (7, 30, 90):
            p = np.array([e.escalation_probability(rung, within) for e in exact])
            mixture = float(counts @ p) / R
            se = np.sqrt(float(counts @ (p * (1 - p)))) / R
            estimate = mc.predictive(rung, within)
            assert abs(estimate.estimate - mixture) <= 4 * se, (rung, within, mixture, estimate)
            # Each draw's estimate against its own exact value, too.
            per_draw = draw_probabilities(mc.outcomes, rung, within)
            for row, p_k in zip(per_draw.itertuples(), p, strict=True):
                se_k = np.sqrt(p_k * (1 - p_k) / row.replications)
                assert abs(row.probability - p_k) <= 4 * se_k + 1e-12
            # Weights 0.7 / 0.3: the 5 % and 95 % points of the per-draw estimates are the two
            # draws' own estimates, widened to the Monte Carlo interval where that is wider.
            low, high = sorted(per_draw["probability"])
            assert estimate.low == min(low, estimate.mc_low)
            assert estimate.high == max(high, estimate.mc_high)
            if p[0] != p[1]:
                assert estimate.mc_high - estimate.mc_low < estimate.high - estimate.low
                checked += 1
    assert checked >= 6


def test_common_random_numbers_across_policies(seed_scenario):
    """Under every policy a replication has the same draw and the random numbers of its index:
    its outcome is that of the plain run of (policy, draw) at the same seed."""
    post = _posterior(
        seed_scenario, decay=[0.03, 0.06, 0.1], **{P_ACT: [0.02, 0.05, 0.15]}, weight=[1, 1, 2]
    )
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["retaliation"] = {"name": "tit_for_tat", "p_act": 0.3}
    policies = {"scenario": seed_scenario, "tit_for_tat": sim.scenario_from_dict(data)}
    run = {"replications": 1100, "horizon": 60, "seed": 17, "engine": "numpy"}
    results = {n: sim.simulate(s, posterior=post, **run) for n, s in policies.items()}
    draws = results["scenario"].outcomes["draw"]
    assert draws.equals(results["tit_for_tat"].outcomes["draw"])
    assert draws.nunique() == 3
    for name, policy in policies.items():
        outcomes = results[name].outcomes
        for k in range(3):
            plain = sim.simulate(post.scenario(policy, k), **run).outcomes
            rows = (draws == k).to_numpy()
            pd.testing.assert_frame_equal(
                outcomes[rows].drop(columns="draw").reset_index(drop=True),
                plain[rows].reset_index(drop=True),
                check_exact=True,
            )
    diff = results["scenario"].compare_predictive(results["tit_for_tat"], rung=4, within=60)
    assert diff.paired.width_ratio < 1  # pairing narrows the Monte Carlo interval
    assert diff.low <= diff.difference <= diff.high


def test_outcomes_do_not_depend_on_chunk_size_or_executor(seed_scenario):
    post = _posterior(seed_scenario, decay=[0.03, 0.06, 0.1], weight=[1, 2, 1])
    run = {"replications": 1300, "horizon": 30, "seed": 5, "engine": "numpy", "posterior": post}
    base = sim.simulate(seed_scenario, chunk_size=1300, **run).outcomes
    for size, executor in ((77, "serial"), (512, "serial"), (300, "processes")):
        other = sim.simulate(seed_scenario, chunk_size=size, executor=executor, workers=2, **run)
        pd.testing.assert_frame_equal(other.outcomes, base, check_exact=True)


def test_events_and_trajectories_keep_global_replication_indices(seed_scenario):
    post = _posterior(seed_scenario, decay=[0.03, 0.1], weight=[1, 1])
    run = {"replications": 40, "horizon": 10, "seed": 2, "posterior": post, "posterior_cell": 8}
    mc = sim.simulate(seed_scenario, **run)
    assert mc.outcomes["draw"].nunique() == 2
    assert mc.trajectory["replication"].drop_duplicates().tolist() == list(range(40))
    assert mc.events["replication"].is_monotonic_increasing

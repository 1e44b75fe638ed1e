"""Robustness across futures: the metrics by hand, joint resampling, the runner, its config."""

import numpy as np
import pytest

import sim
from sim.analysis.robustness import METRICS, robustness_metrics
from sim.core.errors import ConfigError
from sim.sweeps import Sweep, point_scenario
from sim.sweeps.robustness import Outcome, robustness_from_config, run_robustness

P_ACT = "states.pakistan.retaliation.p_act"
LEVERAGE = "mediators.qatar.leverage"


def _reached(shares: np.ndarray, n: int = 200) -> np.ndarray:
    """Replication r reaches the outcome when r < share * n: nested events, as under common
    random numbers a policy with a lower probability fails in a subset of the replications."""
    return np.arange(n) < (np.asarray(shares)[..., None] * n)


def test_metrics_match_their_definitions():
    # Three policies in four futures.
    p = np.array(
        [
            [0.10, 0.20, 0.30, 0.05],
            [0.15, 0.10, 0.10, 0.10],
            [0.40, 0.05, 0.20, 0.50],
        ]
    )
    table = robustness_metrics(_reached(p), ["a", "b", "c"], threshold=0.15, n_resamples=200)
    regret = p - p.min(axis=0)
    expected = {
        "expected": p.mean(axis=1),
        "worst": p.max(axis=1),
        "max_regret": regret.max(axis=1),
        "p90_regret": np.quantile(regret, 0.9, axis=1),
        "satisficing": (p <= 0.15).mean(axis=1),
    }
    assert list(table["policy"]) == ["a", "b", "c"]
    for metric in METRICS:
        np.testing.assert_allclose(table[metric], expected[metric], err_msg=metric)
        assert (table[f"{metric}_low"] <= table[metric] + 1e-12).all(), metric
        assert (table[metric] <= table[f"{metric}_high"] + 1e-12).all(), metric
    # By hand for policy b: regrets 0.05, 0, 0, 0.05; under 0.15 in all four futures.
    assert table.loc[1, "max_regret"] == pytest.approx(0.05)
    assert table.loc[1, "satisficing"] == 1.0


def test_replications_are_resampled_jointly_across_policies_and_futures():
    """Under common random numbers a policy whose events are a subset of another's is never
    worse in a resample: its regret interval is exactly [0, 0]. Independent resampling of each
    (policy, future) would give it a positive upper limit."""
    p = np.array([[0.3, 0.2, 0.25], [0.2, 0.1, 0.2]])
    table = robustness_metrics(_reached(p), ["worse", "better"], threshold=0.2, n_resamples=300)
    better = table.set_index("policy").loc["better"]
    assert (better["max_regret_low"], better["max_regret_high"]) == (0.0, 0.0)
    worse = table.set_index("policy").loc["worse"]
    assert 0 < worse["max_regret_low"] < 0.1 < worse["max_regret_high"]
    # The Monte Carlo error shows: with 200 replications P = 0.25 is known to about +-0.06.
    assert worse["expected_high"] - worse["expected_low"] > 0.05


def test_intervals_shrink_with_more_replications():
    p = np.array([[0.3, 0.2], [0.2, 0.25]])
    widths = []
    for n in (200, 3200):
        table = robustness_metrics(_reached(p, n), ["a", "b"], threshold=0.2, n_resamples=300)
        widths.append(table.loc[0, "expected_high"] - table.loc[0, "expected_low"])
    # Monte Carlo error falls as 1 / sqrt(n): 16 times the replications, a quarter the width.
    assert widths[1] < 0.4 * widths[0]


@pytest.mark.parametrize(
    ("reached", "policies", "threshold", "match"),
    [
        (np.zeros((2, 3)), ["a", "b"], 0.1, "bool array"),
        (np.zeros((2, 3, 10), dtype=bool), ["a"], 0.1, "2 policies"),
        (np.zeros((2, 3, 1), dtype=bool), ["a", "b"], 0.1, ">= 2 replications"),
        (np.zeros((2, 3, 10), dtype=bool), ["a", "b"], 1.5, r"threshold must be in \[0, 1\]"),
    ],
)
def test_metrics_reject_bad_input(reached, policies, threshold, match):
    with pytest.raises(ValueError, match=match):
        robustness_metrics(reached, policies, threshold)


def test_outcome_rejects_bad_values():
    with pytest.raises(ValueError, match="rung must be an integer in 0..5"):
        Outcome(rung=6, within=30, threshold=0.1)
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        Outcome(rung=4, within=30, threshold=-0.1)
    assert Outcome(4, 365, 0.2).name == "p_rung4_365d"


POLICIES = {
    "rare": {P_ACT: 0.01},
    "often": {P_ACT: 0.2},
}
FUTURES = {"design": "grid", "parameters": {LEVERAGE: [0.2, 1.0]}}


def test_run_robustness_judges_every_policy_on_common_random_numbers(tmp_path, seed_scenario):
    futures = Sweep.from_config(FUTURES)
    outcomes = [Outcome(4, 60, 0.2), Outcome(3, 30, 0.5)]
    mc = {"replications": 120, "horizon": 60, "seed": 5}
    result = run_robustness(POLICIES, futures, outcomes, seed_scenario, tmp_path, **mc)
    assert list(result.table["outcome"]) == ["p_rung4_60d"] * 2 + ["p_rung3_30d"] * 2
    assert list(result.table["policy"]) == ["rare", "often"] * 2
    assert len(result.probabilities) == 2 * 2 * 2
    # Each probability is that of a direct run of the policy in the future, on the same seed.
    point = futures.points()[1]
    scenario, _ = point_scenario(seed_scenario, point.settings, fixed=POLICIES["often"])
    direct = sim.simulate(scenario, record_events=False, record_trajectory=False, **mc)
    row = result.probabilities.query(
        "outcome == 'p_rung4_60d' and policy == 'often' and future == 1"
    )
    assert row["probability"].item() == direct.escalation_probability(4, 60).estimate
    assert row[LEVERAGE].item() == 1.0
    # The metrics are those of the probabilities table.
    p = result.probabilities.query("outcome == 'p_rung4_60d'").pivot(
        index="policy", columns="future", values="probability"
    )
    table = result.table.set_index(["outcome", "policy"]).loc["p_rung4_60d"]
    np.testing.assert_allclose(table.loc[p.index, "expected"], p.mean(axis=1))
    np.testing.assert_allclose(table.loc[p.index, "worst"], p.max(axis=1))
    assert (tmp_path / "robustness.csv").is_file() and (tmp_path / "probabilities.csv").is_file()
    assert "p_rung4_60d (satisficing: at most 0.2), 2 futures:" in result.summary()
    # A second run resumes every policy's sweep and gives the same table.
    again = run_robustness(POLICIES, futures, outcomes, seed_scenario, tmp_path, **mc)
    assert again.table.equals(result.table)


def test_run_robustness_keeps_levers_and_uncertainties_apart(tmp_path, seed_scenario):
    futures = Sweep.from_config({"design": "grid", "parameters": {P_ACT: [0.01, 0.1]}})
    with pytest.raises(ConfigError, match=f"robustness.policies.rare: {P_ACT} is both a lever"):
        run_robustness(POLICIES, futures, [Outcome(4, 30, 0.1)], seed_scenario, tmp_path)
    with pytest.raises(ConfigError, match="at least two policies"):
        run_robustness({"one": {}}, futures, [Outcome(4, 30, 0.1)], seed_scenario, tmp_path)
    with pytest.raises(ConfigError, match="within=400 exceeds the horizon 365"):
        run_robustness(
            POLICIES, Sweep.from_config(FUTURES), [Outcome(4, 400, 0.1)], seed_scenario, tmp_path
        )


def test_robustness_from_config_reads_a_node():
    args = robustness_from_config(
        {
            "policies": POLICIES,
            "futures": FUTURES,
            "outcomes": [{"rung": 4, "within": 90, "threshold": 0.1}],
            "resamples": 200,
        }
    )
    assert args["outcomes"] == [Outcome(4, 90, 0.1)]
    assert args["futures"].design == "grid" and args["n_resamples"] == 200
    assert args["confidence"] == 0.95 and list(args["policies"]) == ["rare", "often"]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"polices": POLICIES}, "robustness.polices: unknown key; did you mean 'policies'"),
        ({"outcomes": [{"rung": 7, "within": 9, "threshold": 0.1}]}, "robustness.outcomes.0: rung"),
        ({"futures": {**FUTURES, "design": "gird"}}, "robustness.futures.design: unknown design"),
        ({"policies": {"a": 1}}, "robustness.policies: must map each policy name"),
    ],
)
def test_robustness_from_config_names_the_bad_key(change, match):
    node = {
        "policies": POLICIES,
        "futures": FUTURES,
        "outcomes": [{"rung": 4, "within": 90, "threshold": 0.1}],
        **change,
    }
    node = {k: v for k, v in node.items() if not (k == "policies" and "polices" in change)}
    with pytest.raises(ConfigError, match=match):
        robustness_from_config(node)


def test_run_robustness_over_a_posterior_runs_each_draw_and_refuses_a_shared_key(
    tmp_path, seed_scenario
):
    import pandas as pd

    from sim.calibration import with_values
    from sim.scenario.posterior import posterior_from_frame

    futures = Sweep.from_config(FUTURES)
    outcomes = [Outcome(4, 60, 0.2)]
    mc = {"replications": 120, "horizon": 60, "seed": 5}
    values = {"ceasefire.intercept": -1.0, "states.afghanistan.retaliation.p_act": 0.9}
    post = posterior_from_frame(pd.DataFrame({**values, "weight": [1.0]}, index=[0]), seed_scenario)
    over = run_robustness(
        POLICIES, futures, outcomes, seed_scenario, tmp_path / "a", posterior=post, **mc
    )
    drawn = run_robustness(
        POLICIES, futures, outcomes, with_values(seed_scenario, values), tmp_path / "b", **mc
    )
    plain = run_robustness(POLICIES, futures, outcomes, seed_scenario, tmp_path / "c", **mc)
    key = ["outcome", "policy", "future"]
    p = over.probabilities.sort_values(key)["probability"].to_numpy()
    np.testing.assert_array_equal(p, drawn.probabilities.sort_values(key)["probability"])
    assert not np.array_equal(p, plain.probabilities.sort_values(key)["probability"])
    shared = posterior_from_frame(pd.DataFrame({LEVERAGE: [0.5], "weight": [1.0]}), seed_scenario)
    with pytest.raises(ConfigError, match=LEVERAGE):
        run_robustness(
            POLICIES, futures, outcomes, seed_scenario, tmp_path / "d", posterior=shared, **mc
        )

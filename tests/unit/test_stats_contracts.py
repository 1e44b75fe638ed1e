"""What the statistics promise a user beyond their formulas: the defaults (95 %, Wilson, the
horizons of the headline table), the horizon kept at its bound, and errors that say which run is
wrong. Added where mutation testing (docs/testing.md) showed a planted bug no test noticed.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from sim.analysis.stats import (
    binomial_interval,
    bootstrap_interval,
    escalation_probability,
    paired_difference,
    summary_table,
)
from sim.analysis.survival import survival

NAN = math.nan


def outcomes(n=400, horizon=30, seed=0, share=0.3):
    """A run's outcome table: rung 3 first reached on a day in 0..horizon in ~`share` of rows."""
    rng = np.random.Generator(np.random.PCG64(seed))
    day3 = np.where(rng.random(n) < share, rng.integers(0, horizon + 1, n).astype(float), NAN)
    day4 = np.where(rng.random(n) < 0.5, day3, NAN)
    table = pd.DataFrame(
        {
            "replication": np.arange(n),
            **{f"day_rung_{k}": np.zeros(n) for k in (0, 1, 2)},
            "day_rung_3": day3,
            "day_rung_4": day4,
            "day_rung_5": np.full(n, NAN),
        }
    )
    table.attrs["horizon"] = horizon
    return table


def test_interval_defaults_are_wilson_at_95_percent():
    z = st.norm.ppf(0.975)
    k, n = 37, 250
    p = k / n
    centre, spread = 2 * n * p + z**2, z * math.sqrt(z**2 + 4 * n * p * (1 - p))
    est = binomial_interval(k, n)
    assert (est.method, est.confidence) == ("wilson", 0.95)
    assert est.low == pytest.approx((centre - spread) / (2 * (n + z**2)))
    assert est.high == pytest.approx((centre + spread) / (2 * (n + z**2)))
    table = outcomes()
    assert escalation_probability(table, 3, 10) == escalation_probability(
        table, 3, 10, method="wilson", confidence=0.95
    )


def test_the_headline_table_defaults_and_its_confidence_reach_every_row():
    table = outcomes(horizon=400)
    default = summary_table(table)
    assert sorted(set(default["within_days"])) == [7, 30, 90, 365]
    assert sorted(set(default["rung"])) == [1, 2, 3, 4, 5]
    pd.testing.assert_frame_equal(
        default,
        summary_table(
            table,
            horizons=(7, 30, 90, 365),
            rungs=(1, 2, 3, 4, 5),
            method="wilson",
            confidence=0.95,
        ),
    )
    narrow = summary_table(table, horizons=(30,), rungs=(3,), confidence=0.8)
    est = escalation_probability(table, 3, 30, confidence=0.8)
    assert (narrow["ci_low"].iloc[0], narrow["ci_high"].iloc[0]) == (est.low, est.high)
    wide = escalation_probability(table, 3, 30)
    assert wide.high - wide.low > est.high - est.low


def test_the_headline_table_keeps_the_run_horizon_itself_and_each_row_its_own_days():
    table = outcomes(horizon=30)
    summary = summary_table(table, horizons=(7, 30, 31), rungs=(3,))
    assert summary["within_days"].tolist() == [7, 30]  # 30 = the horizon: kept; 31: dropped
    for t in (7, 30):
        row = summary[summary["within_days"] == t].iloc[0]
        assert row["probability"] == escalation_probability(table, 3, t).estimate
    assert summary["probability"].iloc[0] < summary["probability"].iloc[1]


def test_survival_and_bootstrap_defaults():
    table = outcomes()
    assert survival(table, 3).confidence == 0.95
    s80 = survival(table, 3, confidence=0.8)
    s95 = survival(table, 3)
    assert (s95.high - s95.low)[3] > (s80.high - s80.low)[3]
    x = np.random.Generator(np.random.PCG64(4)).normal(5.0, 2.0, 60)
    default = bootstrap_interval(x)
    assert (default.statistic, default.method, default.confidence) == ("mean", "BCa", 0.95)
    assert default == bootstrap_interval(
        x, "mean", confidence=0.95, n_resamples=2000, seed=0, method="BCa"
    )


def test_a_pairing_error_names_the_run_at_fault():
    a, b = outcomes(seed=1), outcomes(seed=2)
    with pytest.raises(ValueError, match=r"^a has no 'replication' column to pair on$"):
        paired_difference(a.drop(columns="replication"), b, rung=3)
    with pytest.raises(ValueError, match=r"^b has no 'replication' column to pair on$"):
        paired_difference(a, b.drop(columns="replication"), rung=3)
    with pytest.raises(ValueError, match=r"^a has duplicate replication indices$"):
        paired_difference(a.assign(replication=0), b, rung=3)
    shifted = b.assign(replication=b["replication"] + 1)
    with pytest.raises(
        ValueError,
        match=r"^a and b must hold the same replication indices \(runs on the same seeds\)$",
    ):
        paired_difference(a, shifted, rung=3)
    assert paired_difference(a, b, rung=3).confidence == 0.95


def test_survival_accepts_an_event_on_the_last_day_and_names_an_empty_table():
    table = pd.DataFrame({"replication": [0, 1, 2], "day_rung_2": [30.0, NAN, 5.0]})
    table.attrs["horizon"] = 30
    result = survival(table, rung=2)  # day 30 = the horizon: inside the run
    np.testing.assert_allclose(result.survival, [2 / 3, 1 / 3])
    assert result.at(30) == pytest.approx(1 / 3)
    empty = table.iloc[:0]
    empty.attrs["horizon"] = 30
    with pytest.raises(ValueError, match=r"^outcomes has no rows$"):
        survival(empty, rung=2)


def test_survival_with_a_single_event_is_kaplan_meier_by_hand():
    table = pd.DataFrame({"replication": [0, 1, 2, 3], "day_rung_4": [NAN, 6.0, NAN, NAN]})
    table.attrs["horizon"] = 20
    result = survival(table, rung=4, confidence=0.9)
    np.testing.assert_array_equal(result.days, [6.0])
    np.testing.assert_allclose(result.survival, [3 / 4])
    assert (result.rung, result.n, result.horizon, result.confidence) == (4, 4, 20.0, 0.9)
    assert result.at(5) == 1.0 and result.at(6) == 0.75 and result.at(20) == 0.75


def test_survival_without_events_reports_its_run():
    table = pd.DataFrame({"replication": [0, 1, 2], "day_rung_5": [NAN, NAN, NAN]})
    table.attrs["horizon"] = 12
    result = survival(table, rung=5, confidence=0.8)
    assert (result.rung, result.n, result.horizon, result.confidence) == (5, 3, 12.0, 0.8)
    assert result.days.size == result.low.size == result.high.size == 0
    # One-sided exact band: S >= 0.1 ** (1 / 3) at 80 % (two-sided 0.8 leaves 0.1 below).
    assert result.band(6) == (pytest.approx(0.1 ** (1 / 3)), 1.0)


def test_paired_difference_with_discordant_rows_both_ways_is_newcombe_on_its_table():
    from sim.analysis.stats import paired_score_interval

    # a reaches rung 3 in rows 0..59, b in rows 20..99: both 40, a only 20, b only 40, neither 100.
    n = 200
    day_a = np.where(np.arange(n) < 60, 3.0, NAN)
    day_b = np.where((np.arange(n) >= 20) & (np.arange(n) < 100), 3.0, NAN)
    a = pd.DataFrame({"replication": np.arange(n), "day_rung_3": day_a})
    b = pd.DataFrame({"replication": np.arange(n), "day_rung_3": day_b})
    for t in (a, b):
        t.attrs["horizon"] = 10
    result = paired_difference(a, b, rung=3, confidence=0.9)
    assert (result.both, result.a_only, result.b_only, result.n) == (40, 20, 40, n)
    assert (result.p_a, result.p_b) == (pytest.approx(0.3), pytest.approx(0.4))
    assert result.difference == pytest.approx(0.1)
    paired = paired_score_interval(40, 20, 40, 100, confidence=0.9)
    independent = paired_score_interval(40, 20, 40, 100, confidence=0.9, paired=False)
    assert (result.low, result.high) == paired
    assert (result.independent_low, result.independent_high) == independent
    assert paired != paired_score_interval(40, 20, 40, 100)  # the confidence reached it
    assert result.width_ratio == pytest.approx(
        (paired[1] - paired[0]) / (independent[1] - independent[0])
    )
    one = paired_difference(a.iloc[:1], b.iloc[:1], rung=3)  # a single replication is a run
    assert (one.n, one.a_only) == (1, 1)
    with pytest.raises(ValueError, match=r"^a and b have no rows$"):
        paired_difference(a.iloc[:0], b.iloc[:0], rung=3)


def test_survival_without_a_horizon_says_what_it_needs_and_one_replication_is_a_run():
    table = pd.DataFrame({"replication": [0], "day_rung_1": [3.0]})
    with pytest.raises(ValueError) as info:
        survival(table, rung=1)
    assert str(info.value) == (
        "survival needs outcomes.attrs['horizon'], the day replications are censored"
    )
    table.attrs["horizon"] = 10
    one = survival(table, rung=1)
    np.testing.assert_allclose(one.survival, [0.0])
    assert one.at(2) == 1.0 and one.at(3) == 0.0 and one.n == 1


@pytest.mark.parametrize("name", ["both", "a_only", "b_only", "neither"])
def test_a_bad_cell_of_the_paired_table_is_named(name):
    from sim.analysis.stats import paired_score_interval

    cells = {"both": 3, "a_only": 1, "b_only": 2, "neither": 4, name: -1}
    with pytest.raises(ValueError, match=rf"^{name} must be a count >= 0, got -1$"):
        paired_score_interval(**cells)
    cells[name] = 1.5
    with pytest.raises(ValueError, match=rf"^{name} must be a count >= 0, got 1.5$"):
        paired_score_interval(**cells)
    with pytest.raises(
        ValueError,
        match=r"^the table is empty: both \+ a_only \+ b_only \+ neither must be >= 1$",
    ):
        paired_score_interval(0, 0, 0, 0)


def test_perfectly_discordant_pairs_widen_the_paired_interval_to_the_sum_of_the_limits():
    from sim.analysis.stats import paired_score_interval

    # Table (0, 1, 1, 0): phi = -1 (every margin is 1), so each limit adds the two Wilson
    # half-widths; both proportions are 1/2 of 2, whose Wilson interval is symmetric.
    z = st.norm.ppf(0.975)
    w = z * math.sqrt(z**2 + 2) / (2 * (2 + z**2))
    low, high = paired_score_interval(0, 1, 1, 0)
    assert (low, high) == (pytest.approx(-2 * w), pytest.approx(2 * w))
    independent = paired_score_interval(0, 1, 1, 0, paired=False)
    assert independent == (pytest.approx(-math.sqrt(2) * w), pytest.approx(math.sqrt(2) * w))


def test_a_small_positive_correlation_is_corrected_to_none():
    from sim.analysis.stats import paired_score_interval

    # Newcombe's correction: phi = 0 while both * neither - a_only * b_only <= n / 2. Table
    # (2, 0, 6, 2): the cross product 4 lies between n / 3 and n / 2 (n = 10), so the paired
    # interval is the independent one.
    assert paired_score_interval(2, 0, 6, 2) == paired_score_interval(2, 0, 6, 2, paired=False)


def test_one_trial_is_enough_for_an_interval_and_none_is_refused():
    est = binomial_interval(1, 1)
    assert (est.estimate, est.high, est.n) == (1.0, 1.0, 1)
    assert est.low == pytest.approx(st.norm.ppf(0.975) ** -2 / (1 + st.norm.ppf(0.975) ** -2))
    with pytest.raises(ValueError, match=r"^n must be >= 1, got 0$"):
        binomial_interval(0, 0)

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.stats import (
    RUNG_NAMES,
    Estimate,
    binomial_interval,
    bootstrap_interval,
    escalation_probability,
    paired_difference,
    paired_score_interval,
    summary_table,
)
from sim.analysis.survival import survival

NAN = math.nan


def _outcomes(horizon: float | None = None, replication=None, **days) -> pd.DataFrame:
    """Outcome table with the given day_rung_k columns (lists of days, NaN = not reached)."""
    columns = {f"day_rung_{k}": np.asarray(v, dtype=float) for k, v in days.items()}
    n = len(next(iter(columns.values())))
    table = pd.DataFrame(
        {"replication": np.arange(n) if replication is None else replication, **columns}
    )
    if horizon is not None:
        table.attrs["horizon"] = horizon
    return table


# --- binomial intervals ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["wilson", "exact", "wilsoncc"])
@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (246, 2000), (50, 50)])
def test_binomial_interval_equals_binomtest(method, k, n):
    est = binomial_interval(k, n, method=method, confidence=0.9)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method=method)
    assert est.estimate == k / n
    assert (est.low, est.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert (est.n, est.successes, est.method, est.confidence) == (n, k, method, 0.9)
    assert est.low <= est.estimate <= est.high


def test_estimate_str_and_half_width():
    est = Estimate(0.123, 0.110, 0.137, n=2000, successes=246, method="wilson", confidence=0.95)
    assert str(est) == "0.123 [0.110, 0.137] (n=2000)"
    assert est.half_width == pytest.approx(0.0135)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"successes": 0, "n": 0}, "n must be >= 1"),
        ({"successes": 1, "n": -3}, "n must be >= 1"),
        ({"successes": -1, "n": 10}, r"successes must be in \[0, n=10\]"),
        ({"successes": 11, "n": 10}, r"successes must be in \[0, n=10\]"),
        ({"successes": 1, "n": 10, "method": "wald"}, "valid methods: wilson, exact, wilsoncc"),
        ({"successes": 1, "n": 10, "confidence": 1.0}, r"confidence must be in \(0, 1\)"),
    ],
)
def test_binomial_interval_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        binomial_interval(**kwargs)


# --- escalation probability and summary table -----------------------------------------------


def test_escalation_probability_counts_days_within():
    # Rung 3 first reached on days 1, 5, never, 10, at the start (0); horizon 30.
    table = _outcomes(horizon=30, **{"3": [1, 5, NAN, 10, 0]})
    within_5 = escalation_probability(table, rung=3, within=5)
    assert (within_5.successes, within_5.n, within_5.estimate) == (3, 5, 0.6)
    assert within_5 == binomial_interval(3, 5)
    assert escalation_probability(table, rung=3, within=0).successes == 1
    assert escalation_probability(table, rung=3, within=4.5).successes == 2
    assert escalation_probability(table, rung=3).successes == 4  # by the horizon
    exact = escalation_probability(table, rung=3, within=5, method="exact", confidence=0.8)
    assert exact == binomial_interval(3, 5, method="exact", confidence=0.8)


def test_escalation_probability_without_horizon_counts_any_day():
    table = _outcomes(**{"2": [400, NAN, 3]})
    assert escalation_probability(table, rung=2).successes == 2


@pytest.mark.parametrize(
    ("rung", "within", "match"),
    [
        (6, None, r"rung must be an integer in 0\.\.5"),
        (-1, None, r"rung must be an integer in 0\.\.5"),
        (1, None, "no column 'day_rung_1'"),
        (3, -1, "within must be >= 0"),
        (3, NAN, "within must be >= 0"),
        (3, 31, "exceeds the horizon 30"),
    ],
)
def test_escalation_probability_rejects_bad_input(rung, within, match):
    table = _outcomes(horizon=30, **{"3": [1, NAN]})
    with pytest.raises(ValueError, match=match):
        escalation_probability(table, rung=rung, within=within)


def test_summary_table_rows_columns_and_dropped_horizons():
    days = {str(k): [k, 10 * k, NAN, NAN] for k in range(6)}
    table = _outcomes(horizon=100, **days)
    summary = summary_table(table, horizons=(7, 30, 90, 365))
    assert list(summary.columns) == [
        "rung",
        "rung_name",
        "within_days",
        "probability",
        "ci_low",
        "ci_high",
        "replications",
        "successes",
    ]
    # 365 > horizon 100 is dropped: 5 rungs x 3 horizons, rung-major.
    assert summary.shape == (15, 8)
    assert list(summary["within_days"]) == [7, 30, 90] * 5
    assert list(summary["rung"]) == [1] * 3 + [2] * 3 + [3] * 3 + [4] * 3 + [5] * 3
    assert list(summary["rung_name"].unique()) == list(RUNG_NAMES[1:])
    row = summary[(summary["rung"] == 2) & (summary["within_days"] == 30)].iloc[0]
    # Rung 2 first reached on days 2, 20, never, never.
    expected = binomial_interval(2, 4)
    assert (row["successes"], row["replications"]) == (2, 4)
    assert (row["probability"], row["ci_low"], row["ci_high"]) == (
        expected.estimate,
        expected.low,
        expected.high,
    )


def test_summary_table_keeps_all_horizons_without_horizon_attr():
    table = _outcomes(**{"1": [1, NAN]})
    summary = summary_table(table, horizons=(7, 365, 1000), rungs=(1,))
    assert list(summary["within_days"]) == [7, 365, 1000]
    assert RUNG_NAMES == (
        "calm",
        "diplomatic crisis",
        "show of force",
        "limited strikes",
        "interstate clashes",
        "war",
    )


# --- Kaplan-Meier -----------------------------------------------------------------------------


def test_survival_matches_hand_computed_kaplan_meier():
    # Six replications reach rung 4 on days 2, 3, 3, never, 5, never; horizon 10 (two censored).
    #   day 2: 6 at risk, 1 event  -> S = 5/6
    #   day 3: 5 at risk, 2 events -> S = 5/6 * 3/5 = 1/2
    #   day 5: 3 at risk, 1 event  -> S = 1/2 * 2/3 = 1/3
    # Greenwood sums sum d / (n (n - d)): 1/30, then + 2/15, then + 1/6.
    # Log-log limits: S ** exp(-/+ z sqrt(G) / log S)  (Sawyer 2003), with log S < 0.
    table = _outcomes(horizon=10, **{"4": [2, 3, 3, NAN, 5, NAN]})
    result = survival(table, rung=4, confidence=0.9)
    s = np.array([5 / 6, 1 / 2, 1 / 3])
    greenwood = np.cumsum([1 / 30, 2 / 15, 1 / 6])
    z = stats.norm.ppf(0.95)
    spread = z * np.sqrt(greenwood) / np.abs(np.log(s))
    np.testing.assert_array_equal(result.days, [2, 3, 5])
    np.testing.assert_allclose(result.survival, s)
    np.testing.assert_allclose(result.low, s ** np.exp(spread))
    np.testing.assert_allclose(result.high, s ** np.exp(-spread))
    assert (result.rung, result.n, result.horizon, result.confidence) == (4, 6, 10.0, 0.9)
    assert result.at(0) == 1.0
    assert result.at(1.99) == 1.0
    assert result.at(2) == pytest.approx(5 / 6)
    assert result.at(4) == pytest.approx(1 / 2)
    assert result.at(10) == pytest.approx(1 / 3)
    # Before day 2 no replication has the event: the one-sided exact bound (0.05)^(1/6).
    assert result.band(1.99) == (pytest.approx(0.05 ** (1 / 6)), 1.0)
    assert result.band(4) == (result.low[1], result.high[1])
    frame = result.to_frame()
    assert list(frame.columns) == ["day", "survival", "ci_low", "ci_high"]
    np.testing.assert_allclose(frame["survival"], s)


def test_survival_counts_day_zero_as_event_at_start():
    # Days 0, 0, never, 4; horizon 10: S(0) = 2/4, S(4) = 1/2 * 1/2 = 1/4.
    result = survival(_outcomes(horizon=10, **{"1": [0, 0, NAN, 4]}), rung=1)
    np.testing.assert_array_equal(result.days, [0, 4])
    np.testing.assert_allclose(result.survival, [1 / 2, 1 / 4])
    assert result.at(0) == pytest.approx(1 / 2)


def test_survival_with_no_events_is_one_with_a_one_sided_band():
    result = survival(_outcomes(horizon=10, **{"5": [NAN, NAN, NAN]}), rung=5)
    assert result.days.size == result.survival.size == result.low.size == 0
    assert result.at(0) == result.at(10) == 1.0
    assert result.to_frame().shape == (0, 4)
    # Three of three replications short of the rung: S >= 0.025 ** (1/3) at 95 %, not S = 1.
    for day in (0, 5, 10):
        assert result.band(day) == (pytest.approx(0.025 ** (1 / 3)), 1.0)


def test_survival_with_all_events_reaches_zero():
    # Days 1, 2, 2: S = 2/3, then 0, where the log-log interval is undefined (NaN).
    result = survival(_outcomes(horizon=10, **{"2": [1, 2, 2]}), rung=2)
    np.testing.assert_allclose(result.survival, [2 / 3, 0])
    assert np.all(np.isfinite([result.low[0], result.high[0]]))
    assert result.low[0] < 2 / 3 < result.high[0]
    assert np.isnan(result.low[1]) and np.isnan(result.high[1])
    assert result.at(5) == 0.0


def test_survival_agrees_with_share_not_reached():
    # One censoring day for all, so S(t) is the plain share of replications not reached by t.
    rng = np.random.Generator(np.random.PCG64(7))
    days = np.where(rng.random(500) < 0.4, rng.integers(0, 91, 500), NAN)
    table = _outcomes(horizon=90, **{"3": days})
    result = survival(table, rung=3)
    for t in (0, 7, 30, 45.5, 90):
        share = 1 - escalation_probability(table, rung=3, within=t).estimate
        assert result.at(t) == pytest.approx(share)


@pytest.mark.parametrize(
    ("table", "day", "match"),
    [
        (_outcomes(**{"1": [1, NAN]}), None, r"attrs\['horizon'\]"),
        (_outcomes(horizon=10, **{"1": [1, 11]}), None, r"outside \[0, horizon=10\]"),
        (_outcomes(horizon=10, **{"1": [1, NAN]}), 11, r"day must be in \[0, horizon=10"),
        (_outcomes(horizon=10, **{"1": [1, NAN]}), -1, r"day must be in \[0, horizon=10"),
    ],
)
def test_survival_rejects_bad_input(table, day, match):
    with pytest.raises(ValueError, match=match):
        survival(table, rung=1).at(day)


# --- bootstrap ---------------------------------------------------------------------------------


def test_bootstrap_mean_interval_contains_mean_and_shrinks_with_n():
    rng = np.random.Generator(np.random.PCG64(1))
    small, large = rng.normal(10, 3, 40), rng.normal(10, 3, 4000)
    results = [bootstrap_interval(x, "mean") for x in (small, large)]
    for x, res in zip((small, large), results, strict=True):
        assert res.estimate == pytest.approx(x.mean())
        assert res.low < res.estimate < res.high
        assert (res.n, res.statistic, res.method) == (x.size, "mean", "BCa")
    # The half-width should be about z * s / sqrt(n). Its Monte Carlo error comes from estimating
    # the 2.5% and 97.5% quantiles from B resamples: the s.e. of each is
    # sqrt(a (1 - a) / B) / phi(z) standard errors of the mean; allow 4 of those, relative to z.
    z, b = stats.norm.ppf(0.975), 2000
    rel_tol = 4 * math.sqrt(0.025 * 0.975 / b) / stats.norm.pdf(z) / z
    se = large.std(ddof=1) / math.sqrt(large.size)
    assert results[1].half_width == pytest.approx(z * se, rel=rel_tol)
    assert results[1].half_width < results[0].half_width / 5  # sqrt(100) = 10 expected


@pytest.mark.parametrize(
    ("statistic", "name", "point"),
    [
        ("median", "median", np.median),
        (0.9, "quantile 0.9", lambda x: np.quantile(x, 0.9)),
        (np.std, "std", np.std),
    ],
)
def test_bootstrap_other_statistics(statistic, name, point):
    x = np.random.Generator(np.random.PCG64(2)).exponential(5.0, 300)
    res = bootstrap_interval(x, statistic, n_resamples=500, method="percentile")
    assert res.statistic == name
    assert res.estimate == pytest.approx(point(x))
    # SciPy's percentile bootstrap of the same statistic, on the documented default seed 0.
    ci = stats.bootstrap(
        (x,),
        point,
        n_resamples=500,
        method="percentile",
        confidence_level=0.95,
        rng=np.random.Generator(np.random.PCG64(0)),
    ).confidence_interval
    assert (res.low, res.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert res.low < res.estimate < res.high


def test_bootstrap_is_reproducible_by_seed():
    x = np.random.Generator(np.random.PCG64(3)).normal(size=50)
    assert bootstrap_interval(x, seed=5) == bootstrap_interval(x, seed=5)
    assert bootstrap_interval(x, seed=5) != bootstrap_interval(x, seed=6)


def test_bootstrap_constant_sample_has_zero_width():
    res = bootstrap_interval(np.full(20, 3.0), "mean")
    assert (res.estimate, res.low, res.high, res.method) == (3.0, 3.0, 3.0, "degenerate")
    assert res.half_width == 0.0


def test_bootstrap_falls_back_to_percentile_when_bca_undefined():
    # Every jackknife median of twenty 1s and one 2 is 1, so BCa's acceleration is 0/0.
    x = np.r_[np.ones(20), 2.0]
    res = bootstrap_interval(x, "median", n_resamples=500)
    assert res.method == "percentile"
    assert (res.estimate, res.low, res.high) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("values", "kwargs", "match"),
    [
        ([1.0], {}, "at least 2 elements"),
        ([[1.0, 2.0]], {}, "1-D"),
        ([1.0, NAN], {}, "finite"),
        ([1.0, 2.0], {"statistic": "mode"}, "statistic must be"),
        ([1.0, 2.0], {"statistic": 1.5}, "statistic must be"),
        ([1.0, 2.0], {"confidence": 0}, "confidence must be"),
    ],
)
def test_bootstrap_rejects_bad_input(values, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bootstrap_interval(np.asarray(values), **kwargs)


# --- paired comparison -------------------------------------------------------------------------


def _paired_runs(n=1000, base=300, extra=20):
    """Run a reaches rung 3 in replications 0..base-1; run b in those plus `extra` more."""
    day_a = np.where(np.arange(n) < base, 5.0, NAN)
    day_b = np.where(np.arange(n) < base + extra, 5.0, NAN)
    return _outcomes(horizon=30, **{"3": day_a}), _outcomes(horizon=30, **{"3": day_b})


def _wilson(k, n, z):
    """Wilson (1927) score limits written out, independent of SciPy."""
    p = k / n
    centre, spread = 2 * n * p + z**2, z * math.sqrt(z**2 + 4 * n * p * (1 - p))
    return (centre - spread) / (2 * (n + z**2)), (centre + spread) / (2 * (n + z**2))


def _newcombe_by_hand(both, a_only, b_only, neither, z, paired=True):
    """Newcombe's method 10 for p_b - p_a, computed from the paper's formulas line by line."""
    n = both + a_only + b_only + neither
    p_b, p_a = (both + b_only) / n, (both + a_only) / n
    l_b, u_b = _wilson(both + b_only, n, z)
    l_a, u_a = _wilson(both + a_only, n, z)
    margins = (both + b_only) * (a_only + neither) * (both + a_only) * (b_only + neither)
    cross = both * neither - a_only * b_only
    if not paired or margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    else:
        phi = (cross - n / 2 if cross > 0 else cross) / math.sqrt(margins)
    delta = math.sqrt((p_b - l_b) ** 2 - 2 * phi * (p_b - l_b) * (u_a - p_a) + (u_a - p_a) ** 2)
    eps = math.sqrt((u_b - p_b) ** 2 - 2 * phi * (u_b - p_b) * (p_a - l_a) + (p_a - l_a) ** 2)
    return p_b - p_a - delta, p_b - p_a + eps


# Newcombe (1998), Statistics in Medicine 17:2635-2650, Table II, method 10 (95 %), as printed
# (4 decimals). Newcombe's cells e, f, g, h are (both, first only, second only, neither) and his
# difference is first - second: here a = his second run and b = his first.
NEWCOMBE_TABLE_II = [
    ((36, 12, 2, 0), (0.0569, 0.3404)),
    ((18, 12, 2, 18), (0.0562, 0.3290)),
    ((53, 0, 0, 1), (-0.0729, 0.0729)),
    ((0, 30, 0, 0), (0.8395, 1.0)),
]


@pytest.mark.parametrize(("cells", "printed"), NEWCOMBE_TABLE_II)
def test_paired_score_interval_reproduces_newcombe_table_ii(cells, printed):
    e, f, g, h = cells
    low, high = paired_score_interval(both=e, a_only=g, b_only=f, neither=h)
    # Printed to 4 decimals: agree to half a unit in the last place.
    assert low == pytest.approx(printed[0], abs=5e-5)
    assert high == pytest.approx(printed[1], abs=5e-5)
    z = stats.norm.ppf(0.975)
    assert (low, high) == pytest.approx(_newcombe_by_hand(e, g, f, h, z), abs=1e-12)


@pytest.mark.parametrize(
    "cells",
    [(300, 0, 20, 680), (1, 2, 3, 1994), (0, 0, 0, 2000), (2000, 0, 0, 0), (5, 7, 1, 12)],
)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
@pytest.mark.parametrize("paired", [True, False])
def test_paired_score_interval_matches_the_formulas(cells, confidence, paired):
    z = stats.norm.ppf(0.5 + confidence / 2)
    got = paired_score_interval(*cells, confidence=confidence, paired=paired)
    assert got == pytest.approx(_newcombe_by_hand(*cells, z, paired), abs=1e-12)
    both, a_only, b_only, neither = cells
    n = sum(cells)
    assert -1 <= got[0] <= (b_only - a_only) / n <= got[1] <= 1


@pytest.mark.parametrize("cells", [(0, 0, 0, 2000), (7, 0, 0, 1993), (2000, 0, 0, 0)])
def test_paired_score_interval_is_never_degenerate(cells):
    """No discordant replication: the Wald interval would be [0, 0]; this one is not."""
    low, high = paired_score_interval(*cells)
    assert low < 0 < high and low == pytest.approx(-high)
    # As wide as the Wilson interval's distance from 0 (or 1) allows: about 1.92 / n here.
    assert high > 1 / 2000


@pytest.mark.parametrize(
    ("cells", "match"),
    [((0, 0, 0, 0), "table is empty"), ((1, -1, 0, 3), "a_only must be a count >= 0")],
)
def test_paired_score_interval_rejects_bad_tables(cells, match):
    with pytest.raises(ValueError, match=match):
        paired_score_interval(*cells)


def test_paired_difference_with_common_random_numbers():
    a, b = _paired_runs()
    # Rows shuffled differently: they must pair by replication, not by position.
    a, b = a.sample(frac=1.0, random_state=0), b.sample(frac=1.0, random_state=1)
    result = paired_difference(a, b, rung=3, within=10)
    n, p_a, p_b = 1000, 0.3, 0.32
    z = stats.norm.ppf(0.975)
    # 300 replications with the event in both, 20 in b only, none in a only.
    low, high = _newcombe_by_hand(300, 0, 20, 680, z)
    independent = _newcombe_by_hand(300, 0, 20, 680, z, paired=False)
    assert (result.p_a, result.p_b) == (pytest.approx(p_a), pytest.approx(p_b))
    assert result.difference == pytest.approx(0.02)
    assert (result.both, result.b_only, result.a_only, result.n) == (300, 20, 0, n)
    assert result.discordant == 20
    assert (result.low, result.high) == (pytest.approx(low), pytest.approx(high))
    assert (result.independent_low, result.independent_high) == pytest.approx(independent)
    assert result.width_ratio == pytest.approx((high - low) / (independent[1] - independent[0]))
    assert result.width_ratio < 1
    assert result.low > 0 > result.independent_low  # pairing detects what independence cannot
    assert (result.rung, result.within) == (3, 10.0)
    assert "discordant 0 a-only / 20 b-only" in str(result)


def test_paired_difference_within_respects_days():
    a, b = _paired_runs(n=10, base=2, extra=3)
    assert paired_difference(a, b, rung=3, within=4).difference == 0.0
    full = paired_difference(a, b, rung=3)
    assert (full.difference, full.within) == (pytest.approx(0.3), 30.0)


@pytest.mark.parametrize("base", [0, 4, 10])
def test_paired_difference_of_identical_runs_is_an_honest_interval_around_zero(base):
    a, _ = _paired_runs(n=10, base=base, extra=0)
    result = paired_difference(a, a, rung=3)
    assert result.difference == 0.0 and result.discordant == 0
    assert result.low < 0 < result.high
    assert (result.low, result.high) == paired_score_interval(base, 0, 0, 10 - base)
    assert 0 < result.width_ratio <= 1


@pytest.mark.parametrize(
    ("b_replication", "match"),
    [
        (np.arange(1, 11), "same replication indices"),
        (np.r_[np.arange(9), 0], "b has duplicate replication"),
        (np.arange(9), "same replication indices"),
    ],
)
def test_paired_difference_rejects_mismatched_replications(b_replication, match):
    a = _outcomes(horizon=30, **{"3": np.full(10, 5.0)})
    b = _outcomes(horizon=30, replication=b_replication, **{"3": np.full(b_replication.size, 5.0)})
    with pytest.raises(ValueError, match=match):
        paired_difference(a, b, rung=3)


def test_paired_difference_rejects_different_horizons():
    a = _outcomes(horizon=30, **{"3": [1, NAN]})
    b = _outcomes(horizon=60, **{"3": [1, NAN]})
    with pytest.raises(ValueError, match="different horizons: 30 and 60"):
        paired_difference(a, b, rung=3)

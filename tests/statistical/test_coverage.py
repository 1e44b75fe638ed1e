"""Coverage of the intervals against answers known exactly.

An interval that claims 95 % must contain the true value in 95 % of independent runs. Each test
repeats an estimate over `RUNS` independent runs (blocks of one long run, fresh seeds, or NumPy
draws) and counts how often its interval holds the exact answer: a probability of the
constant-probability configuration from the exact Markov chain (``sim.validation.exact``), or for
paired differences the difference of cell probabilities chosen here. The observed coverage is
itself a binomial share, so it must reach ``level - 3 * sqrt(level (1 - level) / runs)``;
:func:`test_the_floor_tells_90_from_95` checks that with these run counts a 90 % interval
would fall short of that floor by more than 3 of its own standard errors.
"""

import math

import numpy as np
import pytest

import sim
from sim.analysis.stats import binomial_interval, paired_score_interval
from sim.analysis.survival import survival
from sim.validation.exact import exact_escalation

LEVEL = 0.95
K = 3  # standard errors of the coverage below the nominal level
RUNS = 1200  # independent runs per check (blocks, seeds or draws)
BLOCK = 400  # replications per block of the long run
HORIZON = 14
PAIRED_N = 2000  # replications per paired comparison

# (rung, within): P from 0.6 % to 43 % in the markov_validation scenario (start rung 2).
WILSON_CASES = [(3, 1), (3, 7), (3, 14), (4, 7), (4, 14), (5, 7), (5, 14)]
# Survival S(t) = 1 - P, from 0.57 to 0.9945; the band at rung 5 on day 7 is mostly the bound
# before the first event (P(no event in 400) = 0.11 ... most blocks have 1-4 events).
SURVIVAL_CASES = [(3, 1), (3, 7), (3, 14), (5, 7), (5, 14)]


def _floor(runs: int, level: float = LEVEL) -> float:
    return level - K * math.sqrt(level * (1 - level) / runs)


def _check(covered: np.ndarray, label: str) -> float:
    coverage = float(np.mean(covered))
    floor = _floor(covered.size)
    assert coverage >= floor, f"{label}: coverage {coverage:.4f} of {covered.size} < {floor:.4f}"
    return coverage


def test_the_floor_tells_90_from_95():
    assert _floor(RUNS) - 0.90 > K * math.sqrt(0.90 * 0.10 / RUNS)


@pytest.fixture(scope="module")
def long_run():
    """RUNS blocks of BLOCK replications of the exact-chain scenario, and the exact answers."""
    scenario = sim.load_scenario("markov_validation")
    run = sim.simulate(
        scenario,
        replications=RUNS * BLOCK,
        horizon=HORIZON,
        seed=18,
        record_events=False,
        record_trajectory=False,
    )
    return run.outcomes, exact_escalation(scenario, HORIZON)


@pytest.mark.slow
def test_wilson_interval_covers_the_exact_probability(long_run):
    outcomes, exact = long_run
    for rung, within in WILSON_CASES:
        p = exact.escalation_probability(rung, within)
        reached = (outcomes[f"day_rung_{rung}"] <= within).to_numpy().reshape(RUNS, BLOCK)
        successes = reached.sum(axis=1)
        # The interval depends on the count alone: compute it once per distinct count.
        covers = {}
        for k in np.unique(successes):
            est = binomial_interval(int(k), BLOCK)
            covers[k] = est.low <= p <= est.high
        covered = np.array([covers[k] for k in successes])
        _check(covered, f"Wilson, P(rung >= {rung} within {within}) = {p:.4f}")


def _survival_coverage(outcomes, exact, cases):
    """Whether each block's band holds the exact S on each (rung, day), and how often the day
    came before the block's first event."""
    covered = {case: np.zeros(RUNS, dtype=bool) for case in cases}
    before_first = dict.fromkeys(cases, 0)
    for block in range(RUNS):
        table = outcomes.iloc[block * BLOCK : (block + 1) * BLOCK]
        table.attrs["horizon"] = HORIZON
        for rung in sorted({rung for rung, _ in cases}):
            curve = survival(table, rung)
            for t in (t for r, t in cases if r == rung):
                low, high = curve.band(t)
                covered[rung, t][block] = low <= 1 - exact.escalation_probability(rung, t) <= high
                before_first[rung, t] += curve.days.size == 0 or t < curve.days[0]
    return covered, before_first


@pytest.fixture(scope="module")
def survival_bands(long_run):
    """Coverage of every survival case, the under-one-event case (5, 3) included."""
    return _survival_coverage(*long_run, [*SURVIVAL_CASES, (5, 3)])


@pytest.mark.slow
def test_survival_band_covers_the_exact_curve(survival_bands):
    """Pointwise log-log bands, and the one-sided bound before the first event."""
    covered, before_first = survival_bands
    for rung, t in SURVIVAL_CASES:
        _check(covered[rung, t], f"survival band, rung {rung} day {t}")
    # The bound before the first event was exercised, not just the log-log band.
    assert before_first[5, 7] > RUNS / 20


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="the log-log band undercovers when fewer than one event is expected by the day "
    "(S = 0.9997, 0.12 expected events of 400): one or two early events put its upper limit "
    "below the true S",
)
def test_survival_band_with_under_one_expected_event(survival_bands):
    covered, before_first = survival_bands
    assert before_first[5, 3] > RUNS / 2
    _check(covered[5, 3], "survival band, rung 5 day 3")


# (both, a_only, b_only) cell probabilities; neither is the rest. Expected discordant counts
# E = PAIRED_N * (a_only + b_only) from 1 to 8 (a third of the E=1 runs have none), all on one
# side or on both.
PAIRED_CASES = {
    "E=1, one-sided": (0.01, 0.0, 0.0005),
    "E=2, one-sided": (0.01, 0.0, 0.001),
    "E=5, one-sided": (0.05, 0.0, 0.0025),
    "E=8, unequal": (0.1, 0.0015, 0.0025),
}


def _paired_tables(cells, seed):
    both, a_only, b_only = cells
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.multinomial(PAIRED_N, [both, a_only, b_only, 1 - both - a_only - b_only], RUNS)


def _wald_covers(table, difference):
    """The Wald interval for matched pairs that the score interval replaced."""
    _, a_only, b_only, _ = table
    d = (b_only - a_only) / PAIRED_N
    se = math.sqrt(max(a_only + b_only - (b_only - a_only) ** 2 / PAIRED_N, 0)) / PAIRED_N
    return d - 1.96 * se <= difference <= d + 1.96 * se


@pytest.mark.slow
@pytest.mark.parametrize("case", list(PAIRED_CASES))
def test_paired_interval_covers_the_exact_difference_at_few_discordant(case):
    cells = PAIRED_CASES[case]
    difference = cells[2] - cells[1]
    tables = _paired_tables(cells, seed=list(PAIRED_CASES).index(case))
    covered = np.array(
        [low <= difference <= high for low, high in (paired_score_interval(*t) for t in tables)]
    )
    _check(covered, f"paired score interval, {case}")
    discordant = tables[:, 1] + tables[:, 2]
    # The runs are those the issue is about: a handful of discordant replications or none.
    assert np.median(discordant) <= 8 and np.mean(discordant <= 12) > 0.9
    # Among runs with 0-10 discordant replications alone the level holds too.
    few = discordant <= 10
    _check(covered[few], f"paired score interval, {case}, 0-10 discordant")


@pytest.mark.slow
def test_the_paired_check_would_catch_the_wald_interval():
    """Power: the Wald interval for matched pairs fails the same check with 1-5 discordant."""
    for case in ("E=1, one-sided", "E=2, one-sided", "E=5, one-sided"):
        cells = PAIRED_CASES[case]
        tables = _paired_tables(cells, seed=list(PAIRED_CASES).index(case))
        wald = np.array([_wald_covers(t, cells[2] - cells[1]) for t in tables])
        assert wald.mean() < _floor(RUNS), (case, wald.mean())


@pytest.mark.slow
def test_adaptive_stopping_interval_covers_the_exact_probability(markov_scenario):
    """Stopped runs: the interval reported at the stop, on the exact P (rung 3 on day 1)."""
    p = exact_escalation(markov_scenario, 1).escalation_probability(3, 1)
    # About 270 replications are needed at P = 0.069: the run stops after 200, 400 or 600.
    stop = {"rung": 3, "within": 1, "half_width": 0.03, "round_chunks": 1}
    covered, sizes = np.zeros(RUNS, dtype=bool), np.zeros(RUNS, dtype=int)
    for seed in range(RUNS):
        run = sim.simulate(
            markov_scenario,
            replications=5000,
            horizon=1,
            seed=seed,
            chunk_size=200,
            stop=stop,
            record_events=False,
            record_trajectory=False,
            progress=False,
        )
        verdict = run.info["stop"]
        covered[seed] = verdict["low"] <= p <= verdict["high"]
        sizes[seed] = verdict["replications"]
    _check(covered, f"adaptive stopping at +-0.03, P = {p:.4f}")
    # The stopping point varied with the data: otherwise this is a fixed-R check.
    assert np.unique(sizes).size >= 3

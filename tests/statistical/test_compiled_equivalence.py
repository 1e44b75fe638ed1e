"""The compiled day against the NumPy day: the same outcomes, replication by replication.

Both paths draw the same uniforms and do the same arithmetic in the same order, so their outcome
tables agree bit for bit, except where ``exp``, ``log1p`` or ``pow`` round differently in the last
bit on some platform (NumPy's vectorised functions against the C library's). The tests therefore
ask for identical columns where no such function is involved (the ladder of the
constant-probability scenarios), identical rows in at least 99 % of replications everywhere (a
phase that differs changes most rows within days), and the same distribution of every outcome
column at 10^5 replications on independent seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scenario_edits import edited
from scipy import stats as st

import sim

RULES = {
    "shipped": {},
    "none": {"states__pakistan__retaliation": {"name": "none"}},
    "tit_for_tat": {"states__afghanistan__retaliation": {"name": "tit_for_tat", "p_act": 0.3}},
    "graduated": {"states__afghanistan__retaliation": {"name": "graduated", "p_act": 0.3}},
    "threshold": {"states__pakistan__retaliation": {"name": "threshold", "level": 0.6, "step": 1}},
    "logistic": {
        "states__pakistan__retaliation": {"name": "logistic", "intercept": -5.0, "step": 1}
    },
    "constant_probability": {
        "states__afghanistan__retaliation": {"name": "constant_probability", "p_escalate": 0.02}
    },
    "proportional": {
        "states__afghanistan__retaliation": {"name": "proportional", "deaths_per_rung": 5.0}
    },
    "ceasefire_none": {"ceasefire": {"name": "none"}},
    "grim_trigger": {"ceasefire": {"name": "grim_trigger", "p_agree": 0.5}},
    "forgiving": {"ceasefire": {"name": "forgiving", "tolerance": 1, "window": 10}},
    "fixed_duration": {"ceasefire": {"name": "fixed_duration", "duration": 20, "p_renew": 0.5}},
    "ceasefire_constant": {"ceasefire": {"name": "constant_probability", "p_break": 0.05}},
}
# Columns computed without exp, log or pow when every rule has a constant probability.
LADDER = [
    "max_rung",
    *(f"day_rung_{k}" for k in range(6)),
    "clashes",
    "ceasefires_made",
    "ceasefires_broken",
    "ceasefire_days",
]


def _both(scenario: sim.Scenario, **run) -> tuple[pd.DataFrame, pd.DataFrame]:
    numpy = sim.simulate(scenario, engine="numpy", **run)
    compiled = sim.simulate(scenario, engine="compiled", **run)
    assert (numpy.info["engine"], compiled.info["engine"]) == ("numpy", "compiled")
    return numpy.outcomes, compiled.outcomes


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    same = np.ones(len(a), bool)
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        same &= (x == y) | (pd.isna(x) & pd.isna(y))
    return same


@pytest.mark.parametrize("name", list(RULES))
def test_every_built_in_rule_gives_the_same_replications(seed_scenario, name):
    scenario = edited(seed_scenario, **RULES[name])
    numpy, compiled = _both(scenario, replications=2000, horizon=120, seed=31)
    assert list(numpy.columns) == list(compiled.columns)
    assert (numpy.dtypes == compiled.dtypes).all()
    assert _same_rows(numpy, compiled).mean() >= 0.99
    # Something happens: states act (deaths they inflict) and the ladder moves or decays.
    assert numpy.filter(like="military_deaths").to_numpy().sum() > 0
    assert (numpy["day_rung_1"].notna() | (numpy["max_rung"] > numpy["max_rung"].min())).any()


@pytest.mark.parametrize(
    "edits",
    [{}, {"ceasefire": {"name": "none"}, "start_rung": 0, "decay": 0.3}, {"in_ceasefire": True}],
)
def test_constant_probability_ladders_are_identical(markov_scenario, edits):
    numpy, compiled = _both(edited(markov_scenario, **edits), replications=5000, horizon=90, seed=4)
    pd.testing.assert_frame_equal(numpy[LADDER], compiled[LADDER], check_exact=True)
    assert _same_rows(numpy, compiled).mean() >= 0.99


def test_a_replayed_start_is_the_same_on_both_paths(seed_scenario):
    start = {"pressure.pakistan": np.linspace(0.0, 3.0, 7), "strength.ttp": np.full(3, 1.5)}
    numpy, compiled = _both(seed_scenario, replications=1500, horizon=60, seed=8, start=start)
    assert _same_rows(numpy, compiled).mean() >= 0.99


# Two-sample tests: each difference is judged against Z_CRIT of its standard error, computed
# from the samples. With N replications a side, a difference of DELTA in a probability p has
# standard error sqrt(2 p (1 - p) / N) <= 0.0022 (p = 0.5), so it is detected with probability
# Phi(DELTA / se - Z_CRIT) >= 0.78 at the worst p and ~1 for p <= 0.2 (computed below).
N = 100_000
HORIZON = 180
DELTA = 0.01
Z_CRIT = 3.7  # about a 1.5 % chance of any false alarm over the ~70 checks (Bonferroni)


def _z(x: np.ndarray, y: np.ndarray) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
    return 0.0 if se == 0 else abs(x.mean() - y.mean()) / se


@pytest.mark.slow
def test_every_outcome_column_has_the_same_distribution(seed_scenario):
    power = st.norm.cdf(DELTA / np.sqrt(2 * 0.25 / N) - Z_CRIT)
    assert power >= 0.75, power
    run = {"replications": N, "horizon": HORIZON, "chunk_size": 16_384}
    numpy = sim.simulate(seed_scenario, seed=1, engine="numpy", **run).outcomes
    compiled = sim.simulate(seed_scenario, seed=2, engine="compiled", **run).outcomes
    checked = 0
    for column in numpy.columns.drop("replication"):
        x = numpy[column].to_numpy(dtype=float)
        y = compiled[column].to_numpy(dtype=float)
        reached_x, reached_y = ~np.isnan(x), ~np.isnan(y)
        # Probability of a value (reaching a rung, a war), then the values themselves.
        assert _z(reached_x.astype(float), reached_y.astype(float)) <= Z_CRIT, column
        x, y = x[reached_x], y[reached_y]
        if len(x) > 100 and len(y) > 100 and (x.std() > 0 or y.std() > 0):
            assert _z(x, y) <= Z_CRIT, (column, x.mean(), y.mean())
            assert st.ks_2samp(x, y).pvalue > 1e-4, column
            checked += 1
    for k in range(6):
        assert _z(numpy["max_rung"].to_numpy() >= k, compiled["max_rung"].to_numpy() >= k) <= Z_CRIT
    assert checked >= 15


def test_the_kernels_no_attack_shortcut_never_disagrees_with_exp():
    # The kernel skips exp(-tempo) when u0 < 1 - tempo - 1e-9 (no attack): that bound must lie
    # below exp(-tempo) as NumPy's vectorised exp and the C library's compute it.
    tempo = np.concatenate([np.geomspace(1e-15, 40.0, 200_001), np.linspace(0.0, 2.0, 200_001)])
    bound = 1.0 - tempo - 1e-9
    assert (bound < np.exp(-tempo)).all()
    assert all(b < math.exp(-t) for b, t in zip(bound[::97], tempo[::97], strict=True))

"""No knife edges: a ±20 % change in any one death count of the seed timeline moves no headline.

The headline probabilities are P(max rung >= 4) and P(max rung >= 5, war) within 7, 30 and 90
days, projected from the replayed timeline (best figures) as ``experiment=projection`` does. For
every timeline row with a death count, the row's counts (low, best, high) are scaled by 0.8 and
by 1.2, the timeline is replayed, and the scenario is run again on the same seed, so that the
comparison is paired (common random numbers). A headline may move by a factor of 2 or by 0.05,
whichever is larger: ``|b - a| <= max(0.05, min(a, b))``, plus 4 standard errors of the paired
difference for the Monte Carlo error that remains.

Under the scenario's earlier rules (Pakistan ``graduated``, Afghanistan ``proportional`` at 5
deaths per rung) the check fails at the strikes of 21/22 February 2026; the second test keeps the
check honest by showing that it sees that knife edge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scenario_edits import edited

from sim.history import replay
from sim.history.timeline import load_events
from sim.runs.montecarlo import simulate

REPLICATIONS = 2000  # per run; each of the 2 x (rows with deaths) runs is paired with the base
POWER_REPLICATIONS = 8000  # the knife-edge demonstration: 4 s.e. of its paired difference < 0.012
SEED = 20260222
HEADLINES = [(rung, days) for rung in (4, 5) for days in (7, 30, 90)]
FACTORS = (0.8, 1.2)
KILLED = ("killed_low", "killed_best", "killed_high")


def reached(scenario, events: pd.DataFrame, replications: int = REPLICATIONS) -> np.ndarray:
    """Whether each replication reached each headline, bool array of shape (6, R)."""
    history = replay(events, scenario)
    run = simulate(
        scenario.replace(**history.ladder()),
        replications=replications,
        horizon=90,
        seed=SEED,
        record_events=False,
        record_trajectory=False,
        start=history.start,
    )
    out = run.outcomes
    return np.array([(out[f"day_rung_{k}"] <= days).to_numpy() for k, days in HEADLINES])


def scaled(events: pd.DataFrame, row: int, factor: float) -> pd.DataFrame:
    changed = events.copy()
    for column in KILLED:
        changed[column] = changed[column].astype(float)
        changed.loc[row, column] = changed.loc[row, column] * factor
    return changed


def violations(base: np.ndarray, other: np.ndarray) -> list[tuple]:
    """Headlines that move by more than the allowance, beyond 4 paired standard errors."""
    bad = []
    for i, (rung, days) in enumerate(HEADLINES):
        a, b = base[i].mean(), other[i].mean()
        se = np.std(other[i].astype(float) - base[i], ddof=1) / np.sqrt(base.shape[1])
        if abs(b - a) > max(0.05, min(a, b)) + 4 * se:
            bad.append((rung, days, round(a, 4), round(b, 4), round(se, 4)))
    return bad


@pytest.mark.slow  # 2 x 39 death counts x 2,000 replications: about 40 s of one core
def test_no_single_death_count_moves_a_headline_much(seed_scenario):
    events = load_events()
    base = reached(seed_scenario, events)
    rows = events.index[events["killed_best"].notna()]
    assert len(rows) >= 10  # the check covers the timeline, not a handful of rows
    failures = {}
    for row in rows:
        for factor in FACTORS:
            bad = violations(base, reached(seed_scenario, scaled(events, row, factor)))
            if bad:
                what = events.loc[row, ["date", "actor", "kind", "killed_best"]].tolist()
                failures[(str(what[0].date()), *what[1:], factor)] = bad
    assert not failures, failures


def test_the_check_sees_the_knife_edge_of_the_earlier_rules(seed_scenario):
    earlier = edited(
        seed_scenario,
        states__pakistan__retaliation={"name": "graduated", "p_act": 0.04},
        states__afghanistan__retaliation={
            "name": "proportional",
            "deaths_per_rung": 5.0,
            "p_act": 0.35,
            "max_rung": 4,
        },
    )
    events = load_events()
    row = events.index[(events["date"] == "2026-02-21") & (events["kind"] == "strike")].item()
    base = reached(earlier, events, POWER_REPLICATIONS)
    bad = violations(base, reached(earlier, scaled(events, row, 1.2), POWER_REPLICATIONS))
    # P(rung >= 4 within 30 days) about triples (0.04 to 0.11 at the time of writing).
    assert (4, 30) in [(rung, days) for rung, days, *_ in bad], bad

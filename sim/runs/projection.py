"""Run a scenario forward from the state replayed from its timeline (:mod:`sim.history`).

A projection is a Monte Carlo run, so it sits in ``runs``, above the replay it starts from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from sim.analysis import stats
from sim.history.timeline import load_events
from sim.runs.montecarlo import simulate
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    pass

from sim.history.replayer import ReplayResult, replay

__all__ = ["project", "run_projection"]


def project(
    scenario: Scenario,
    replay: ReplayResult,
    replications: int = 20_000,
    horizons: tuple[int, ...] = (7, 30, 90),
    seed: int = 0,
    rungs: tuple[int, ...] = (4,),
) -> pd.DataFrame:
    """P(max rung >= k within each horizon) from a replayed state, for each rung k in `rungs`.

    Parameters
    ----------
    scenario : Scenario
        The crisis; its ladder start (rung, ceasefire and its age) is replaced by the replay's.
    replay : ReplayResult
        The starting state; with several draws, replication g starts from draw ``g % draws``.
    replications : int
        Monte Carlo replications, >= 1.
    horizons : tuple of int
        Days; the run lasts the longest.
    seed : int
        The run's seed (the same seed gives common random numbers across starting states).
    rungs : tuple of int
        The rungs whose reaching counts, each 0..5.

    Returns
    -------
    DataFrame
        One row per (rung, horizon): ``start`` ("best figures" or "uncertain figures"), ``rung``,
        ``within_days``, ``probability``, ``ci_low``, ``ci_high`` (95 % Wilson),
        ``replications``, ``draws``. ``attrs["outcomes"]`` holds the outcome table.
    """
    run = simulate(
        scenario.replace(**replay.ladder()),
        replications=replications,
        horizon=max(horizons),
        seed=seed,
        record_events=False,
        record_trajectory=False,
        start=replay.start,
    )
    label = "uncertain figures" if replay.uncertainty else "best figures"
    rows = []
    for rung in rungs:
        for days in horizons:
            est = stats.escalation_probability(run.outcomes, rung, days)
            rows.append(
                {
                    "start": label,
                    "rung": rung,
                    "within_days": days,
                    "probability": est.estimate,
                    "ci_low": est.low,
                    "ci_high": est.high,
                    "replications": est.n,
                    "draws": replay.draws,
                }
            )
    table = pd.DataFrame(rows)
    table.attrs["outcomes"] = run.outcomes
    return table


def run_projection(
    scenario: Scenario,
    events: pd.DataFrame | None = None,
    replications: int = 20_000,
    horizons: tuple[int, ...] = (7, 30, 90),
    seed: int = 0,
    rungs: tuple[int, ...] = (4,),
) -> pd.DataFrame:
    """Project from the best-figure replay and from the uncertain one, on the same seed.

    Parameters
    ----------
    scenario : Scenario
        The crisis.
    events : DataFrame, optional
        The timeline; default the scenario's own (:func:`sim.history.timeline.load_events`).
    replications, horizons, seed, rungs
        As in :func:`project`; the uncertain replay has one draw per replication.

    Returns
    -------
    DataFrame
        The rows of :func:`project` for both starts, then one row per (rung, horizon) with
        ``start`` = "difference": the paired difference (uncertain - best) and its 95 % interval
        under common random numbers.
    """
    events = load_events(None, scenario) if events is None else events
    best = replay(events, scenario)
    spread = replay(events, scenario, draws=replications, seed=seed, uncertainty=True)
    tables = [project(scenario, r, replications, horizons, seed, rungs) for r in (best, spread)]
    rows = []
    for rung in rungs:
        for days in horizons:
            diff = stats.paired_difference(
                tables[0].attrs["outcomes"], tables[1].attrs["outcomes"], rung, days
            )
            rows.append(
                {
                    "start": "difference",
                    "rung": rung,
                    "within_days": days,
                    "probability": diff.difference,
                    "ci_low": diff.low,
                    "ci_high": diff.high,
                    "replications": diff.n,
                    "draws": replications,
                }
            )
    return pd.concat([*tables, pd.DataFrame(rows)], ignore_index=True)

"""Monte Carlo: replications cut into fixed-size chunks, each chunk seeded by its index.

Chunk ``i`` holds replications ``i * chunk_size`` to ``(i + 1) * chunk_size - 1`` and its actors
draw from streams seeded by ``(actor, i, seed)`` (:mod:`sim.streams`). The outcomes therefore
depend on the scenario, the seed, the horizon and the chunk size, and on nothing else: not on the
executor, the number of workers or the order in which chunks finish. Changing ``chunk_size``
changes the random numbers (each draw's size is the chunk's), so it is recorded with every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim import stats
from sim.model import EscalationModel
from sim.scenario import Scenario

DEFAULT_CHUNK_SIZE = 8192
# Event logs and trajectories grow with R x days: record them only for small runs by default.
RECORD_UP_TO = 100


@dataclass(frozen=True)
class ChunkResult:
    """Tables of one chunk of replications."""

    index: int
    outcomes: pd.DataFrame
    events: pd.DataFrame | None = None
    trajectory: pd.DataFrame | None = None


def chunk_bounds(replications: int, chunk_size: int) -> list[tuple[int, int]]:
    """``(first replication, size)`` of each chunk, in index order."""
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    n = math.ceil(replications / chunk_size)
    return [(i * chunk_size, min(chunk_size, replications - i * chunk_size)) for i in range(n)]


def run_chunk(scenario: Scenario, index: int, first: int, size: int, horizon: int, seed: int,
              record_events: bool = False, record_trajectory: bool = False,
              start: dict[str, Any] | None = None) -> ChunkResult:
    """Run one chunk of `size` replications for `horizon` days.

    Parameters
    ----------
    scenario : Scenario
        The crisis to run.
    index : int
        The chunk's index (seeds its streams).
    first : int
        Global index of its first replication.
    size : int
        Replications in the chunk.
    horizon : int
        Days to simulate, >= 1.
    seed : int
        The run's seed, >= 0.
    record_events, record_trajectory : bool
        Keep the event log / the per-day trajectory.
    start : mapping, optional
        Per-replication starting values (see :class:`~sim.model.EscalationModel`).

    Returns
    -------
    ChunkResult
    """
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1 day, got {horizon}")
    model = EscalationModel(scenario, replications=size, seed=seed, chunk=index,
                            first_replication=first, record_events=record_events,
                            record_trajectory=record_trajectory, start=start)
    model.run(horizon)
    return ChunkResult(
        index=index,
        outcomes=model.outcomes(),
        events=model.events() if record_events else None,
        trajectory=model.trajectory() if record_trajectory else None,
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    attrs = dict(frames[0].attrs)
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs.update(attrs)
    return out


@dataclass(frozen=True)
class SimulationResult:
    """Outcomes of R replications of a scenario, with the statistics a researcher asks for.

    Parameters
    ----------
    scenario : Scenario
        What was run.
    replications, horizon, seed, chunk_size : int
        How it was run.
    outcomes : DataFrame
        One row per replication (``docs/outcomes.md``).
    events, trajectory : DataFrame or None
        The event log and per-day trajectory, when recorded.
    """

    scenario: Scenario
    replications: int
    horizon: int
    seed: int
    chunk_size: int
    outcomes: pd.DataFrame
    events: pd.DataFrame | None = None
    trajectory: pd.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def escalation_probability(self, rung: int, within: float | None = None,
                               method: str = "wilson") -> stats.Estimate:
        """P(max rung >= `rung` within `within` days) with its 95 % interval."""
        return stats.escalation_probability(self.outcomes, rung, within, method=method)

    def summary(self, horizons: tuple[int, ...] = (7, 30, 90, 365)) -> pd.DataFrame:
        """One row per (rung, horizon): probability, 95 % interval, replications."""
        return stats.summary_table(self.outcomes, horizons=horizons)

    def survival(self, rung: int) -> stats.SurvivalResult:
        """Kaplan-Meier curve of the time to reach `rung`, censored at the horizon."""
        return stats.survival(self.outcomes, rung)

    def compare(self, other: SimulationResult, rung: int,
                within: float | None = None) -> stats.PairedComparison:
        """Paired difference ``other - self`` in P(max rung >= `rung`), same random numbers."""
        if (other.seed, other.chunk_size) != (self.seed, self.chunk_size):
            raise ValueError("compare runs made with the same seed and chunk_size (common random "
                             f"numbers); got seeds {self.seed}/{other.seed}, chunk sizes "
                             f"{self.chunk_size}/{other.chunk_size}")
        return stats.paired_difference(self.outcomes, other.outcomes, rung, within)


def simulate(scenario: Scenario, replications: int = 1000, horizon: int = 365, seed: int = 0,
             chunk_size: int = DEFAULT_CHUNK_SIZE, record_events: bool | None = None,
             record_trajectory: bool | None = None,
             start: dict[str, Any] | None = None) -> SimulationResult:
    """Run `replications` replications of `scenario` for `horizon` days, serially, in chunks.

    Parameters
    ----------
    scenario : Scenario
        From :func:`sim.load_scenario` or :func:`sim.scenario_from_dict`.
    replications : int
        R; 1 is an ordinary single run.
    horizon : int
        T, days.
    seed : int
        The run's seed: same scenario, seed, horizon and chunk size give the same bits.
    chunk_size : int
        Replications advanced together (changes the random numbers; see the module notes).
    record_events, record_trajectory : bool, optional
        Default: on when ``replications <= 100``.
    start : mapping, optional
        Per-replication starting values that override the scenario's, e.g. a replayed history
        (see :class:`~sim.model.EscalationModel` and :mod:`sim.history`).

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> import sim
    >>> one = sim.simulate(sim.load_scenario(), replications=1, horizon=30, seed=7)
    >>> list(one.trajectory.columns[:5])
    ['replication', 'day', 'pair', 'rung', 'ceasefire']
    """
    small = replications <= RECORD_UP_TO
    record_events = small if record_events is None else record_events
    record_trajectory = small if record_trajectory is None else record_trajectory
    chunks = [run_chunk(scenario, i, first, size, horizon, seed, record_events, record_trajectory,
                        start)
              for i, (first, size) in enumerate(chunk_bounds(replications, chunk_size))]
    return SimulationResult(
        scenario=scenario, replications=replications, horizon=horizon, seed=seed,
        chunk_size=chunk_size,
        outcomes=_concat([c.outcomes for c in chunks]),
        events=_concat([c.events for c in chunks]) if record_events else None,
        trajectory=_concat([c.trajectory for c in chunks]) if record_trajectory else None,
    )

"""One chunk of replications: its task, its tables, and how a worker runs it.

Chunk ``i`` holds replications ``i * chunk_size`` to ``(i + 1) * chunk_size - 1``; its actors
draw from streams keyed by the replications' indices (:mod:`sim.core.streams`), so a chunk's
outcomes do not depend on which worker runs it or when (:mod:`sim.runs.montecarlo`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.model import EscalationModel
from sim.scenario.posterior import CELL, Posterior
from sim.scenario.schema import Scenario

__all__ = ["ChunkResult", "ChunkTask", "chunk_bounds", "run_chunk"]


@dataclass(frozen=True)
class ChunkResult:
    """Tables of one chunk of replications, and the seconds it took to compute them."""

    index: int
    outcomes: pd.DataFrame
    events: pd.DataFrame | None = None
    trajectory: pd.DataFrame | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk (see :func:`run_chunk`)."""

    scenario: Scenario
    index: int
    first: int
    size: int
    horizon: int
    seed: int
    record_events: bool = False
    record_trajectory: bool = False
    start: dict[str, Any] | None = None
    engine: str = "numpy"
    posterior: Posterior | None = None
    cell: int = CELL

    def run(self) -> ChunkResult:
        """Run the chunk."""
        return run_chunk(
            self.scenario,
            self.index,
            self.first,
            self.size,
            self.horizon,
            self.seed,
            self.record_events,
            self.record_trajectory,
            self.start,
            self.engine,
            self.posterior,
            self.cell,
        )


def _run_task(task: ChunkTask) -> ChunkResult:
    return task.run()


def chunk_bounds(replications: int, chunk_size: int) -> list[tuple[int, int]]:
    """``(first replication, size)`` of each chunk, in index order."""
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    n = math.ceil(replications / chunk_size)
    return [(i * chunk_size, min(chunk_size, replications - i * chunk_size)) for i in range(n)]


def run_chunk(
    scenario: Scenario,
    index: int,
    first: int,
    size: int,
    horizon: int,
    seed: int,
    record_events: bool = False,
    record_trajectory: bool = False,
    start: dict[str, Any] | None = None,
    engine: str = "numpy",
    posterior: Posterior | None = None,
    cell: int = CELL,
) -> ChunkResult:
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
        Per-replication starting values (see :class:`~sim.engine.model.EscalationModel`).
    engine : {"numpy", "compiled"}
        How the days advance (see :class:`~sim.engine.model.EscalationModel`).
    posterior : Posterior, optional
        Parameter draws: each replication runs with the draw :meth:`Posterior.assign` gives it
        (consecutive replications of one draw advance together, on their own streams as
        always), and the outcomes gain a ``draw`` column.
    cell : int
        Consecutive replications that share a draw (with `posterior`).

    Returns
    -------
    ChunkResult
    """
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1 day, got {horizon}")
    began = time.perf_counter()
    if posterior is None:
        pieces = [(scenario, first, size)]
    else:
        draws = posterior.assign(seed, first, size, cell)
        cuts = [0, *(np.flatnonzero(np.diff(draws)) + 1).tolist(), size]
        pieces = [
            (posterior.scenario(scenario, draws[a]), first + a, b - a)
            for a, b in zip(cuts[:-1], cuts[1:], strict=True)
        ]
    models = []
    for spec, at, n in pieces:
        model = EscalationModel(
            spec,
            replications=n,
            seed=seed,
            chunk=index,
            first_replication=at,
            record_events=record_events,
            record_trajectory=record_trajectory,
            start=start,
            engine=engine,
        )
        model.run(horizon)
        models.append(model)
    outcomes = _concat([m.outcomes() for m in models])
    if posterior is not None:
        outcomes["draw"] = draws.astype(np.int64)
    return ChunkResult(
        index=index,
        outcomes=outcomes,
        events=_concat([m.events() for m in models]) if record_events else None,
        trajectory=_concat([m.trajectory() for m in models]) if record_trajectory else None,
        seconds=time.perf_counter() - began,
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    attrs = dict(frames[0].attrs)
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs.update(attrs)
    return out

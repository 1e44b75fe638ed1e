"""Monte Carlo: replications cut into chunks; each replication's random numbers keyed by its index.

Chunk ``i`` holds replications ``i * chunk_size`` to ``(i + 1) * chunk_size - 1``. Its actors
draw from the streams of the fixed blocks of replications the chunk overlaps, seeded by
``(actor, block, seed)`` (:mod:`sim.core.streams`), so replication ``g`` sees the same numbers in
any chunk. The outcomes therefore depend on the scenario, the seed and the horizon, and on nothing
else: not on the chunk size, the executor, the number of workers or the order in which chunks
finish (chunks are assembled in index order). The chunk size is a memory and speed knob only.
The horizon only cuts the run short: every actor draws the same numbers each day whatever
happens, so the first T days of a longer run are those of a run of T days (see
``docs/montecarlo.md``).

:func:`simulate` runs the chunks on an executor (:mod:`sim.runs.executors`), optionally streams each
finished chunk's outcomes to Parquet (``out_dir``) so that memory stays bounded, and optionally
stops early, after whole rounds of chunks, once an escalation probability is known to a target
precision (:class:`StoppingRule`).

The chunk and its worker are :mod:`sim.runs.chunks`, the stopping rule :mod:`sim.runs.stopping`,
the result :mod:`sim.runs.result`; their names are re-exported here.
"""

from __future__ import annotations

import logging
import math
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.core.errors import EnvironmentFault
from sim.engine.compiled import choose_engine
from sim.runs.capacity import OutcomeBuffer, check_disk
from sim.runs.chunks import ChunkResult, ChunkTask, _concat, _run_task, chunk_bounds, run_chunk
from sim.runs.executors import EXECUTORS, available_cores, open_executor
from sim.runs.result import SimulationResult
from sim.runs.stopping import StoppingRule, _stopping_rule
from sim.scenario.posterior import CELL, Posterior, load_posterior
from sim.scenario.schema import Scenario
from sim.storage.store import ChunkWriter, write_parquet

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "RECORD_UP_TO",
    "ChunkResult",
    "ChunkTask",
    "SimulationResult",
    "StoppingRule",
    "chunk_bounds",
    "run_chunk",
    "simulate",
]

_log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 8192
MAX_CHUNK_SIZE = 1_000_000
"""The largest chunk: one takes about 1 kB per replication while it runs (measured), 1 GB here."""
# Event logs and trajectories grow with R x days: record them only for small runs by default.
RECORD_UP_TO = 100
# Runs expected to take less than this show no progress bar (tqdm's `delay`).
_PROGRESS_DELAY_S = 2.0
# The NumPy day's fixed cost per model and day, in replication-days: 16,384 replications x 365
# days of the seed scenario took 5.8 s of CPU in 8,192-replication chunks and 28.8 s in cells of
# 256 (docs/posterior.md), about 1 ms per model-day against about 1 us per replication-day.
# Weighs the engine choice of runs over a posterior, which advance their cells one by one.
_CELL_OVERHEAD = 1024


def show_progress(progress: bool | None) -> bool:
    """Whether to draw a progress bar: as asked, or by default when stderr is a terminal."""
    if progress is None:
        return sys.stderr is not None and sys.stderr.isatty()
    return bool(progress)


def simulate(
    scenario: Scenario,
    replications: int = 1000,
    horizon: int = 365,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    record_events: bool | None = None,
    record_trajectory: bool | None = None,
    start: dict[str, Any] | None = None,
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    out_dir: str | Path | None = None,
    stop: StoppingRule | Mapping[str, Any] | None = None,
    progress: bool | None = None,
    engine: str = "auto",
    posterior: Posterior | str | Path | None = None,
    posterior_cell: int = CELL,
) -> SimulationResult:
    """Run `replications` replications of `scenario` for `horizon` days, in chunks.

    Parameters
    ----------
    scenario : Scenario
        From :func:`sim.load_scenario` or :func:`sim.scenario_from_dict`.
    replications : int
        R; 1 is an ordinary single run. With `stop`, the most replications to run (the cap).
    horizon : int
        T, days.
    seed : int
        The run's seed, >= 0: same scenario and seed give the same bits, whatever the chunk
        size, the executor and the workers.
    chunk_size : int
        Replications advanced together: memory and speed only, never the results (a multiple
        of :data:`sim.core.streams.BLOCK` wastes no random numbers).
    record_events, record_trajectory : bool, optional
        Default: on when ``replications <= 100``.
    start : mapping, optional
        Per-replication starting values that override the scenario's, e.g. a replayed history
        (see :class:`~sim.engine.model.EscalationModel` and :mod:`sim.history`).
    executor : {"serial", "processes", "dask"}
        Where the chunks run (:mod:`sim.runs.executors`). A run of one chunk runs serially, except
        on a Dask cluster given by `scheduler`.
    workers : int, optional
        Worker processes (default: one per core, at most one per chunk).
    scheduler : str, optional
        Dask: address of a running scheduler (default: a ``LocalCluster`` for this run).
    out_dir : str or Path, optional
        Stream each finished chunk's outcomes to ``out_dir/outcomes/chunk-*.parquet`` (atomic
        writes), then compact them into ``out_dir/outcomes.parquet``; events and trajectories,
        if recorded, go to ``events.parquet`` and ``trajectory.parquet``. Memory then stays
        bounded at any R: the result reads the outcomes back from disk when first asked.
    stop : StoppingRule or mapping, optional
        Adaptive stopping, e.g. ``{"rung": 4, "within": 90, "half_width": 0.005}``: run rounds
        of chunks until the interval of that probability is narrow enough or `replications`
        are done. ``result.info["stop"]`` says which happened.
    progress : bool, optional
        A progress bar over chunks on stderr. Default: shown when stderr is a terminal and the
        run lasts more than about two seconds.
    engine : {"auto", "numpy", "compiled"}
        How the days advance: NumPy phases, or the compiled day (:mod:`~sim.engine.compiled`; same
        day and random numbers, built-in rules only, nothing recorded). ``auto`` compiles runs
        of built-in rules that record nothing and are long enough to repay loading it; a user's
        own rule runs on NumPy, with a one-line note (logged, and in ``info``).
    posterior : Posterior or path, optional
        Parameter draws (a Parquet file of draws and weights, checked against `scenario`; see
        ``docs/posterior.md``). Replications are spread over the draws in proportion to their
        weights, in cells of `posterior_cell` consecutive replications that share a draw
        (:meth:`~sim.scenario.posterior.Posterior.assign`): each replication keeps its own
        random numbers, so the same seed gives the same draws and the same numbers under every
        policy. The outcomes gain a ``draw`` column and the result's ``predictive`` and
        ``summary`` give posterior-predictive intervals.
    posterior_cell : int
        Consecutive replications sharing a draw, >= 1 (default 256; a divisor of 1,024 wastes
        no random numbers). Smaller cells visit more draws but advance fewer replications at
        once, which is slower.

    Returns
    -------
    SimulationResult
        With ``info``: executor, workers, chunk_size, chunks, seconds, startup_seconds,
        chunk_seconds, replications_per_second, engine (and engine_note), and stop (when a
        rule was given).

    Raises
    ------
    sim.runs.executors.ChunkError
        A chunk raised: the message names the chunk, its replications and the seed.

    Examples
    --------
    >>> import sim
    >>> one = sim.simulate(sim.load_scenario(), replications=1, horizon=30, seed=7)
    >>> list(one.trajectory.columns[:5])
    ['replication', 'day', 'pair', 'rung', 'ceasefire']
    """
    began = time.perf_counter()
    out_dir = None if out_dir is None else Path(out_dir)
    # Whole numbers, checked first: a float or text would fail late, inside a chunk.
    replications, horizon, seed, chunk_size, posterior_cell = (
        _whole(name, value)
        for name, value in (
            ("replications", replications),
            ("horizon", horizon),
            ("seed", seed),
            ("chunk_size", chunk_size),
            ("posterior_cell", posterior_cell),
        )
    )
    plan = _plan(
        scenario,
        replications,
        horizon,
        seed,
        chunk_size,
        record_events,
        record_trajectory,
        start,
        executor,
        stop,
        engine,
        posterior,
        posterior_cell,
    )
    ran, workers = _where_to_run(executor, workers, scheduler, plan.chunks)
    writer = _chunk_writer(out_dir)
    gathered = _Gathered(table=None if writer else OutcomeBuffer(), writer=writer)
    with open_executor(ran, workers, scheduler) as pool:
        ready = time.perf_counter()
        _run_rounds(pool, plan, replications, gathered, progress)
        used_workers = pool.workers
    events, trajectory = gathered.events_table(), gathered.trajectory_table()
    outcomes_path = _save_tables(out_dir, writer, events, trajectory)
    seconds = time.perf_counter() - began
    info: dict[str, Any] = {
        "executor": ran,
        "workers": used_workers,
        "chunk_size": chunk_size,
        "chunks": math.ceil(gathered.done / chunk_size),
        "replications": gathered.done,
        "requested_replications": replications,
        "seconds": seconds,
        "startup_seconds": ready - began,
        "chunk_seconds": gathered.chunk_seconds,
        "replications_per_second": gathered.done / seconds if seconds > 0 else math.inf,
        "engine": plan.engine,
    }
    if plan.note:
        info["engine_note"] = plan.note
    if ran != executor:
        info["requested_executor"] = executor
    if scheduler is not None:
        info["scheduler"] = scheduler
    if out_dir is not None:
        info["out_dir"] = str(out_dir)
    if gathered.verdict is not None:
        info["stop"] = gathered.verdict
    if plan.posterior is not None:
        info["posterior"] = {
            "source": plan.posterior.source,
            "draws": len(plan.posterior),
            "cell": posterior_cell,
            "parameters": plan.posterior.paths,
        }
    return SimulationResult(
        scenario=scenario,
        replications=gathered.done,
        horizon=horizon,
        seed=seed,
        chunk_size=chunk_size,
        outcomes=None if gathered.table is None else gathered.table.frame(),
        events=events,
        trajectory=trajectory,
        info=info,
        outcomes_path=outcomes_path,
        posterior=plan.posterior,
    )


# --- the steps of simulate -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """The chunks of a run, in rounds (one round without a stopping rule), and its engine.

    Tasks are made one at a time as the executor asks for them (it keeps at most two per
    worker in flight): 10^12 replications are 10^8 chunks, which must not be built up front.
    """

    first_task: ChunkTask
    replications: int
    chunk_size: int
    rule: StoppingRule | None
    engine: str
    note: str | None
    posterior: Posterior | None

    @property
    def chunks(self) -> int:
        """How many chunks the run has at most."""
        return math.ceil(self.replications / self.chunk_size)

    def task(self, index: int) -> ChunkTask:
        """The task of chunk `index`."""
        first = index * self.chunk_size
        size = min(self.chunk_size, self.replications - first)
        return replace(self.first_task, index=index, first=first, size=size)

    def rounds(self) -> Iterator[range]:
        """The chunk indices of each round, in order."""
        per_round = self.chunks if self.rule is None else self.rule.round_chunks
        for start in range(0, self.chunks, per_round):
            yield range(start, min(start + per_round, self.chunks))


def _plan(
    scenario: Scenario,
    replications: int,
    horizon: int,
    seed: int,
    chunk_size: int,
    record_events: bool | None,
    record_trajectory: bool | None,
    start: dict[str, Any] | None,
    executor: str,
    stop: StoppingRule | Mapping[str, Any] | None,
    engine: str,
    posterior: Posterior | str | Path | None,
    posterior_cell: int,
) -> _Plan:
    """Check the arguments, choose the engine, cut the replications into chunks and rounds."""
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if not 1 <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(
            f"chunk_size must be in 1..{MAX_CHUNK_SIZE:,} (a chunk takes about 1 kB per "
            f"replication while it runs), got {chunk_size}"
        )
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1 day, got {horizon}")
    if seed < 0:
        raise ValueError(f"seed and chunk must be >= 0, got seed={seed}")
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; valid: {', '.join(EXECUTORS)}")
    rule = _stopping_rule(stop, horizon)
    if posterior is not None and not isinstance(posterior, Posterior):
        posterior = load_posterior(posterior, scenario)
    if posterior_cell < 1:
        raise ValueError(f"posterior_cell must be >= 1 replication, got {posterior_cell}")
    small = replications <= RECORD_UP_TO
    record_events = small if record_events is None else record_events
    record_trajectory = small if record_trajectory is None else record_trajectory
    work = replications * horizon
    if posterior is not None:
        # Cells advance few replications at a time: the NumPy day's fixed cost per model and day
        # weighs more, the compiled day's hardly (see _CELL_OVERHEAD).
        work = int(work * (1 + _CELL_OVERHEAD / min(posterior_cell, chunk_size)))
    path, note = choose_engine(engine, scenario, work, record_events or record_trajectory)
    if note:
        _log.info(note)
    first_task = ChunkTask(
        scenario,
        0,
        0,
        min(chunk_size, replications),
        horizon,
        seed,
        record_events,
        record_trajectory,
        start,
        path,
        posterior,
        posterior_cell,
    )
    return _Plan(first_task, replications, chunk_size, rule, path, note, posterior)


def _whole(name: str, value: Any) -> int:
    """`value` as an int: a whole number (``1e3`` too), never a bool, text or fraction."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def _where_to_run(
    executor: str, workers: int | None, scheduler: str | None, chunks: int
) -> tuple[str, int | None]:
    """The executor that runs (one chunk runs serially, but on a cluster) and its workers."""
    if executor != "serial" and chunks == 1 and scheduler is None:
        return "serial", workers
    if scheduler is None and executor != "serial":
        return executor, min(workers or available_cores(), chunks)
    return executor, workers


def _chunk_writer(out_dir: str | Path | None) -> ChunkWriter | None:
    """The writer streaming outcomes to `out_dir`, refusing a folder holding another run's."""
    if out_dir is None:
        return None
    writer = ChunkWriter(Path(out_dir) / "outcomes")
    if writer.done_chunks():
        raise FileExistsError(
            f"{writer.directory} already holds chunk files of another run; "
            "remove them or choose another out_dir"
        )
    return writer


@dataclass
class _Gathered:
    """What the finished chunks have given so far: outcomes (in memory or on disk), recordings."""

    table: OutcomeBuffer | None
    writer: ChunkWriter | None
    events: dict[int, pd.DataFrame] = field(default_factory=dict)
    trajectories: dict[int, pd.DataFrame] = field(default_factory=dict)
    successes: dict[int, int] = field(default_factory=dict)
    chunk_seconds: float = 0.0
    done: int = 0
    verdict: dict[str, Any] | None = None

    def add(
        self, chunk: ChunkResult, task: ChunkTask, rule: StoppingRule | None, chunks: int
    ) -> None:
        if self.writer is not None:
            written = self.writer.write(chunk.index, chunk.outcomes)
            if self.done == 0 and rule is None:  # a stopping rule may end long before the cap
                try:
                    check_disk(written, chunks)
                except EnvironmentFault:
                    shutil.rmtree(self.writer.directory)  # the space is the user's again
                    raise
        else:
            self.table.add(task.first, chunk.outcomes)
        if chunk.events is not None:
            self.events[chunk.index] = chunk.events
        if chunk.trajectory is not None:
            self.trajectories[chunk.index] = chunk.trajectory
        if rule is not None:
            self.successes[chunk.index] = rule.successes(chunk.outcomes)
        self.chunk_seconds += chunk.seconds
        self.done += task.size

    def events_table(self) -> pd.DataFrame | None:
        return _concat([self.events[i] for i in sorted(self.events)]) if self.events else None

    def trajectory_table(self) -> pd.DataFrame | None:
        if not self.trajectories:
            return None
        return _concat([self.trajectories[i] for i in sorted(self.trajectories)])


def _run_rounds(
    pool: Any, plan: _Plan, replications: int, gathered: _Gathered, progress: bool | None
) -> None:
    """Run the rounds of chunks on `pool`, stopping after a round once the rule is met."""
    rule = plan.rule
    bar = tqdm(
        total=plan.chunks,
        unit="chunk",
        desc=f"simulate ({pool.name})",
        file=sys.stderr,
        disable=not show_progress(progress),
        leave=False,
        delay=0 if progress else _PROGRESS_DELAY_S,
    )
    with bar:
        for batch in plan.rounds():
            table = gathered.table
            if table is not None:
                # Grow geometrically: a stopping rule may end the run long before the cap.
                end = min(replications, batch.stop * plan.chunk_size)
                table.reserve(min(replications, max(end, 2 * table.capacity)))
            for chunk in pool.map_unordered(_run_task, map(plan.task, batch)):
                gathered.add(chunk, plan.task(chunk.index), rule, plan.chunks)
                bar.update()
            if rule is not None:
                estimate = rule.estimate(sum(gathered.successes.values()), gathered.done)
                bar.set_postfix_str(f"+-{estimate.half_width:.4f}")
                reached = estimate.half_width <= rule.half_width
                if reached or batch.stop == plan.chunks:
                    gathered.verdict = {
                        **asdict(rule),
                        "reached": "target" if reached else "cap",
                        "estimate": estimate.estimate,
                        "low": estimate.low,
                        "high": estimate.high,
                        "achieved_half_width": estimate.half_width,
                        "replications": gathered.done,
                    }
                    break


def _save_tables(
    out_dir: str | Path | None,
    writer: ChunkWriter | None,
    events: pd.DataFrame | None,
    trajectory: pd.DataFrame | None,
) -> Path | None:
    """Compact the streamed outcomes and write the recordings into `out_dir`, if given."""
    if writer is None or out_dir is None:
        return None
    out_dir = Path(out_dir)
    outcomes_path = writer.finalize(out_dir / "outcomes.parquet")
    if events is not None:
        write_parquet(events, out_dir / "events.parquet")
    if trajectory is not None:
        write_parquet(trajectory, out_dir / "trajectory.parquet")
    return outcomes_path

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
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from tqdm import tqdm

from sim.analysis import predictive, stats
from sim.analysis.predictive import PREDICTIVE_LEVEL, PredictiveDifference, PredictiveEstimate
from sim.core.ladder import MAX_RUNG
from sim.engine.compiled import choose_engine
from sim.engine.model import EscalationModel
from sim.runs.executors import EXECUTORS, available_cores, open_executor
from sim.scenario.posterior import CELL, Posterior, load_posterior
from sim.scenario.schema import Scenario
from sim.storage.store import ChunkWriter, write_parquet

__all__ = [
    "DEFAULT_CHUNK_SIZE",
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
# Event logs and trajectories grow with R x days: record them only for small runs by default.
RECORD_UP_TO = 100
# Runs expected to take less than this show no progress bar (tqdm's `delay`).
_PROGRESS_DELAY_S = 2.0
# SciPy's BCa bootstrap builds n x n jackknife arrays: keep n where that is cheap.
_BOOTSTRAP_MAX = 2000


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


@dataclass(frozen=True)
class StoppingRule:
    """Stop once P(max rung >= `rung` within `within` days) is known to +- `half_width`.

    Chunks run in rounds of `round_chunks` chunks, in index order; after each whole round the
    interval of the probability over all chunks so far is computed, and the run stops when its
    half-width is at most `half_width` (or when the replications asked for, the cap, are done).
    Deciding only between whole rounds makes the set of chunks run, hence the outcomes, the same
    whatever the executor and the number of workers.

    Parameters
    ----------
    rung : int
        Rung of the ladder, 0..5.
    half_width : float
        Target half-width of the interval, ``(high - low) / 2``, in (0, 0.5].
    within : float, optional
        Days; None means by the horizon.
    round_chunks : int
        Chunks per round, >= 1; a round of at least the number of workers keeps them busy.
        Decisions come every ``round_chunks * chunk_size`` replications, the first one too:
        32,768 with the defaults, however loose the target.
    method : str
        Binomial interval method (:data:`sim.analysis.stats.BINOMIAL_METHODS`), ``"wilson"`` by
        default.
    confidence : float
        Confidence level of the interval, in (0, 1).
    """

    rung: int
    half_width: float
    within: float | None = None
    round_chunks: int = 4
    method: str = "wilson"
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.rung not in range(MAX_RUNG + 1):
            raise ValueError(f"stop.rung must be an integer in 0..{MAX_RUNG}, got {self.rung}")
        if not 0 < self.half_width <= 0.5:
            raise ValueError(f"stop.half_width must be in (0, 0.5], got {self.half_width}")
        if self.within is not None and not 0 <= self.within < float("inf"):
            raise ValueError(f"stop.within must be a finite number >= 0 of days, got {self.within}")
        if self.round_chunks < 1:
            raise ValueError(f"stop.round_chunks must be >= 1, got {self.round_chunks}")
        if self.method not in stats.BINOMIAL_METHODS:
            raise ValueError(
                f"stop.method must be one of {stats.BINOMIAL_METHODS}, got {self.method!r}"
            )
        if not 0 < self.confidence < 1:
            raise ValueError(f"stop.confidence must be in (0, 1), got {self.confidence}")

    def successes(self, outcomes: pd.DataFrame) -> int:
        """Replications of `outcomes` that reached the rung within the days."""
        return stats.escalation_probability(outcomes, self.rung, self.within).successes

    def estimate(self, successes: int, n: int) -> stats.Estimate:
        """The probability with its interval, from `successes` of `n` replications."""
        return stats.binomial_interval(successes, n, self.method, self.confidence)


class SimulationResult:
    """Outcomes of R replications of a scenario, with the statistics a researcher asks for.

    Parameters
    ----------
    scenario : Scenario
        What was run.
    replications, horizon, seed, chunk_size : int
        How it was run (`replications` actually run: fewer than asked if a stopping rule
        stopped the run early).
    outcomes : DataFrame, optional
        One row per replication (``docs/outcomes.md``).
    events, trajectory : DataFrame or None
        The event log and per-day trajectory, when recorded.
    info : dict
        How the run went: executor, workers, chunks, timings, stopping (``docs/montecarlo.md``).
    outcomes_path : Path, optional
        A Parquet file holding the outcomes, read on first use of :attr:`outcomes` when
        `outcomes` is not given (runs streamed to ``out_dir``). The statistics methods read
        only the columns they need from it.
    posterior : Posterior, optional
        The parameter draws the replications were spread over (the outcomes then have a
        ``draw`` column); :meth:`predictive` and :meth:`summary` report posterior-predictive
        intervals.
    """

    def __init__(
        self,
        scenario: Scenario,
        replications: int,
        horizon: int,
        seed: int,
        chunk_size: int,
        outcomes: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        trajectory: pd.DataFrame | None = None,
        info: dict[str, Any] | None = None,
        outcomes_path: str | Path | None = None,
        posterior: Posterior | None = None,
    ) -> None:
        if outcomes is None and outcomes_path is None:
            raise ValueError("give the outcomes or the Parquet file holding them")
        self.scenario = scenario
        self.replications = replications
        self.horizon = horizon
        self.seed = seed
        self.chunk_size = chunk_size
        self.events = events
        self.trajectory = trajectory
        self.info = dict(info or {})
        self.outcomes_path = None if outcomes_path is None else Path(outcomes_path)
        self._outcomes = outcomes
        self.posterior = posterior

    def __repr__(self) -> str:
        return (
            f"SimulationResult(scenario={self.scenario.name!r}, replications="
            f"{self.replications}, horizon={self.horizon}, seed={self.seed}, chunk_size="
            f"{self.chunk_size}, executor={self.info.get('executor')!r})"
        )

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per replication, in replication order (``docs/outcomes.md``)."""
        if self._outcomes is None:
            self._outcomes = self._read()
        return self._outcomes

    def _read(self, columns: list[str] | None = None) -> pd.DataFrame:
        frame = pq.read_table(self.outcomes_path, columns=columns).to_pandas()
        frame.attrs.update(horizon=self.horizon, start_rung=int(self.scenario.start_rung))
        return frame

    def _columns(self, *columns: str) -> pd.DataFrame:
        """The outcomes, or just `columns` of them when they are on disk and not yet loaded."""
        if self._outcomes is not None:
            return self._outcomes
        return self._read(list(columns))

    def escalation_probability(
        self, rung: int, within: float | None = None, method: str = "wilson"
    ) -> stats.Estimate:
        """P(max rung >= `rung` within `within` days) with its 95 % interval."""
        return stats.escalation_probability(
            self._columns(f"day_rung_{rung}"), rung, within, method=method
        )

    def predictive(
        self, rung: int, within: float | None = None, level: float = PREDICTIVE_LEVEL
    ) -> PredictiveEstimate:
        """P(max rung >= `rung` within `within` days) over the posterior (a run with one).

        The estimate over all replications, the posterior-predictive interval (central `level`
        of the per-draw estimates: parameter and Monte Carlo uncertainty) and the 95 % Monte
        Carlo interval (:mod:`sim.analysis.predictive`, ``docs/posterior.md``).
        """
        return predictive.predictive_probability(
            self._columns(f"day_rung_{rung}", predictive.DRAW), rung, within, level
        )

    def summary(
        self, horizons: tuple[int, ...] = (7, 30, 90, 365), rungs: tuple[int, ...] = (1, 2, 3, 4, 5)
    ) -> pd.DataFrame:
        """One row per (rung, horizon): probability, 95 % interval, replications.

        With a posterior, also ``pp_low`` and ``pp_high``, the posterior-predictive interval
        (:func:`sim.analysis.predictive.predictive_summary`); ``ci_low`` and ``ci_high`` stay the
        Monte Carlo interval.
        """
        columns = [f"day_rung_{k}" for k in rungs]
        if self.posterior is not None:
            table = self._columns(*columns, predictive.DRAW)
            return predictive.predictive_summary(table, horizons=horizons, rungs=rungs)
        return stats.summary_table(self._columns(*columns), horizons=horizons, rungs=rungs)

    def survival(self, rung: int) -> stats.SurvivalResult:
        """Kaplan-Meier curve of the time to reach `rung`, censored at the horizon."""
        return stats.survival(self._columns(f"day_rung_{rung}"), rung)

    def compare(
        self, other: SimulationResult, rung: int, within: float | None = None
    ) -> stats.PairedComparison:
        """Paired difference ``other - self`` in P(max rung >= `rung`), same random numbers."""
        if other.seed != self.seed:
            raise ValueError(
                "compare runs made with the same seed (common random numbers); got seeds "
                f"{self.seed}/{other.seed}"
            )
        columns = ("replication", f"day_rung_{rung}")
        return stats.paired_difference(
            self._columns(*columns), other._columns(*columns), rung, within
        )

    def compare_predictive(
        self,
        other: SimulationResult,
        rung: int,
        within: float | None = None,
        level: float = PREDICTIVE_LEVEL,
    ) -> PredictiveDifference:
        """Paired difference ``other - self`` over the posterior, with both intervals.

        Both runs need the same seed and posterior: each replication then has the same draw and
        the same random numbers in both (:func:`sim.analysis.predictive.predictive_difference`).
        """
        if other.seed != self.seed:
            raise ValueError(
                "compare runs made with the same seed (common random numbers); got seeds "
                f"{self.seed}/{other.seed}"
            )
        columns = ("replication", f"day_rung_{rung}", predictive.DRAW)
        return predictive.predictive_difference(
            self._columns(*columns), other._columns(*columns), rung, within, level
        )

    def bootstrap(
        self,
        column: str,
        statistic: str | float = "mean",
        confidence: float = 0.95,
        n_resamples: int = 2000,
        seed: int = 0,
        method: str = "BCa",
        max_replications: int = _BOOTSTRAP_MAX,
    ) -> stats.BootstrapResult:
        """A casualty mean, median or quantile with its bootstrap interval.

        Parameters
        ----------
        column : str
            An outcome column, e.g. ``"civilian_deaths_pakistan"`` or ``"battle_deaths"``.
        statistic : str or float
            ``"mean"``, ``"median"`` or a quantile level in (0, 1).
        confidence, n_resamples, seed, method
            As in :func:`sim.analysis.stats.bootstrap_interval`.
        max_replications : int
            Use at most the first this many replications (an i.i.d. sample of the run):
            SciPy's BCa interval needs memory and time growing as n squared. The result's ``n``
            says how many were used.

        Returns
        -------
        sim.analysis.stats.BootstrapResult
        """
        table = self._columns(column)
        if column not in table.columns:
            raise ValueError(f"no outcome column {column!r}; columns: {', '.join(table.columns)}")
        values = table[column].to_numpy(dtype=float)[:max_replications]
        return stats.bootstrap_interval(values, statistic, confidence, n_resamples, seed, method)


class _Outcomes:
    """Outcome rows of finished chunks placed into preallocated columns, replication order.

    Memory: the final table plus one chunk, not twice the table as a concatenation would take.
    """

    def __init__(self) -> None:
        self.capacity = 0
        self.columns: dict[str, np.ndarray] | None = None
        self.rows = 0
        self.attrs: dict[str, Any] = {}

    def reserve(self, rows: int) -> None:
        """Make room for `rows` rows (copying the rows so far if the columns must grow)."""
        if rows <= self.capacity:
            return
        if self.columns is not None:
            grown = {}
            for name, column in self.columns.items():
                grown[name] = np.empty(rows, column.dtype)
                grown[name][: self.rows] = column[: self.rows]
            self.columns = grown
        self.capacity = rows

    def add(self, first: int, frame: pd.DataFrame) -> None:
        if self.columns is None:
            # np.empty pages are not touched, hence not resident, until rows land on them.
            self.columns = {c: np.empty(self.capacity, frame[c].dtype) for c in frame.columns}
            self.attrs = dict(frame.attrs)
        for name, column in self.columns.items():
            column[first : first + len(frame)] = frame[name].to_numpy()
        self.rows = max(self.rows, first + len(frame))

    def frame(self) -> pd.DataFrame:
        columns = self.columns or {}
        if self.rows < self.capacity:
            columns = {c: a[: self.rows].copy() for c, a in columns.items()}
        frame = pd.DataFrame(columns, copy=False)
        frame.attrs.update(self.attrs)
        return frame


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    attrs = dict(frames[0].attrs)
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs.update(attrs)
    return out


def _stopping_rule(
    stop: StoppingRule | Mapping[str, Any] | None, horizon: int
) -> StoppingRule | None:
    if stop is None or isinstance(stop, StoppingRule):
        rule = stop
    elif isinstance(stop, Mapping):
        try:
            rule = StoppingRule(**dict(stop))
        except TypeError as exc:
            raise ValueError(
                f"stop: {exc}; keys: rung, half_width, within, round_chunks, method, confidence"
            ) from None
    else:
        raise ValueError(f"stop must be a StoppingRule or a mapping, got {stop!r}")
    if rule is not None and rule.within is not None and rule.within > horizon:
        raise ValueError(f"stop.within={rule.within} is beyond the horizon of {horizon} days")
    return rule


def _show_progress(progress: bool | None) -> bool:
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
    bounds = chunk_bounds(replications, chunk_size)
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
    path, note = choose_engine(
        engine, scenario, replications * horizon, record_events or record_trajectory
    )
    if note:
        _log.info(note)
    tasks = [
        ChunkTask(
            scenario,
            i,
            first,
            size,
            horizon,
            seed,
            record_events,
            record_trajectory,
            start,
            path,
            posterior,
            posterior_cell,
        )
        for i, (first, size) in enumerate(bounds)
    ]
    per_round = len(tasks) if rule is None else rule.round_chunks
    rounds = [tasks[i : i + per_round] for i in range(0, len(tasks), per_round)]

    ran = executor
    if executor != "serial" and len(tasks) == 1 and scheduler is None:
        ran = "serial"
    elif scheduler is None and executor != "serial":
        workers = min(workers or available_cores(), len(tasks))
    writer = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        writer = ChunkWriter(out_dir / "outcomes")
        if writer.done_chunks():
            raise FileExistsError(
                f"{writer.directory} already holds chunk files of another run; "
                "remove them or choose another out_dir"
            )
    table = None if writer else _Outcomes()
    events: dict[int, pd.DataFrame] = {}
    trajectories: dict[int, pd.DataFrame] = {}
    successes: dict[int, int] = {}
    chunk_seconds = 0.0
    done = 0
    verdict: dict[str, Any] | None = None

    with open_executor(ran, workers, scheduler) as pool:
        ready = time.perf_counter()
        bar = tqdm(
            total=len(tasks),
            unit="chunk",
            desc=f"simulate ({pool.name})",
            file=sys.stderr,
            disable=not _show_progress(progress),
            leave=False,
            delay=0 if progress else _PROGRESS_DELAY_S,
        )
        with bar:
            for batch in rounds:
                if table is not None:
                    # Grow geometrically: a stopping rule may end the run long before the cap.
                    end = batch[-1].first + batch[-1].size
                    table.reserve(min(replications, max(end, 2 * table.capacity)))
                for chunk in pool.map_unordered(_run_task, batch):
                    task = tasks[chunk.index]
                    if writer is not None:
                        writer.write(chunk.index, chunk.outcomes)
                    else:
                        table.add(task.first, chunk.outcomes)
                    if chunk.events is not None:
                        events[chunk.index] = chunk.events
                    if chunk.trajectory is not None:
                        trajectories[chunk.index] = chunk.trajectory
                    if rule is not None:
                        successes[chunk.index] = rule.successes(chunk.outcomes)
                    chunk_seconds += chunk.seconds
                    done += task.size
                    bar.update()
                if rule is not None:
                    estimate = rule.estimate(sum(successes.values()), done)
                    bar.set_postfix_str(f"+-{estimate.half_width:.4f}")
                    reached = estimate.half_width <= rule.half_width
                    if reached or batch is rounds[-1]:
                        verdict = {
                            **asdict(rule),
                            "reached": "target" if reached else "cap",
                            "estimate": estimate.estimate,
                            "low": estimate.low,
                            "high": estimate.high,
                            "achieved_half_width": estimate.half_width,
                            "replications": done,
                        }
                        break
        used_workers = pool.workers

    run_events = _concat([events[i] for i in sorted(events)]) if events else None
    run_trajectory = (
        _concat([trajectories[i] for i in sorted(trajectories)]) if trajectories else None
    )
    outcomes_path = None
    if writer is not None:
        outcomes_path = writer.finalize(out_dir / "outcomes.parquet")
        if run_events is not None:
            write_parquet(run_events, out_dir / "events.parquet")
        if run_trajectory is not None:
            write_parquet(run_trajectory, out_dir / "trajectory.parquet")
    seconds = time.perf_counter() - began
    info: dict[str, Any] = {
        "executor": ran,
        "workers": used_workers,
        "chunk_size": chunk_size,
        "chunks": math.ceil(done / chunk_size),
        "replications": done,
        "requested_replications": replications,
        "seconds": seconds,
        "startup_seconds": ready - began,
        "chunk_seconds": chunk_seconds,
        "replications_per_second": done / seconds if seconds > 0 else math.inf,
        "engine": path,
    }
    if note:
        info["engine_note"] = note
    if ran != executor:
        info["requested_executor"] = executor
    if scheduler is not None:
        info["scheduler"] = scheduler
    if out_dir is not None:
        info["out_dir"] = str(out_dir)
    if verdict is not None:
        info["stop"] = verdict
    if posterior is not None:
        info["posterior"] = {
            "source": posterior.source,
            "draws": len(posterior),
            "cell": posterior_cell,
            "parameters": posterior.paths,
        }
    return SimulationResult(
        scenario=scenario,
        replications=done,
        horizon=horizon,
        seed=seed,
        chunk_size=chunk_size,
        outcomes=None if table is None else table.frame(),
        events=run_events,
        trajectory=run_trajectory,
        info=info,
        outcomes_path=outcomes_path,
        posterior=posterior,
    )

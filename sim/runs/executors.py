"""Executors: where the chunks of a Monte Carlo run are computed.

Three executors share one interface: ``with open_executor(name, ...) as ex:`` then
``ex.map_unordered(fn, tasks)`` yields ``fn(task)`` for each task, in whatever order the tasks
finish. Each task carries ``index``, ``seed``, ``first`` and ``size`` (a chunk of replications).

- ``serial``: in this process, one task after the other.
- ``processes``: a local :class:`concurrent.futures.ProcessPoolExecutor`. Workers are forked
  where the platform allows (Linux), so they start in milliseconds without re-importing the
  package; elsewhere they are spawned. Workers die with their parent, even after ``kill -9``
  (a parent-death signal on Linux, a watchdog thread elsewhere), and close their copy of a
  sweep's lock, so a rerun is never blocked by a leftover worker.
- ``dask``: Dask distributed, on the cluster behind a scheduler address, or on a
  ``LocalCluster`` started for the run and closed after it, with fixes found by measurement
  (docs/montecarlo.md): the nanny's ``MALLOC_TRIM_THRESHOLD_`` is not set in the workers (it
  halves NumPy's speed), no dashboard and no fixed HTTP port, one thread per worker process,
  and the parent's ``os.environ`` (which ``LocalCluster`` edits) is restored afterwards.

A bounded number of tasks is in flight at a time (twice the workers), so results never pile up
in memory. A task that raises stops the run: the tasks not yet started are cancelled and one
:class:`ChunkError` names the chunk, its replications and the seed, chained to the original
exception (whose traceback, from the worker, is shown below it).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

__all__ = [
    "EXECUTORS",
    "ChunkError",
    "DaskExecutor",
    "ProcessExecutor",
    "SerialExecutor",
    "available_cores",
    "open_executor",
]

EXECUTORS = ("serial", "processes", "dask")
"""Names accepted by :func:`open_executor` and ``simulate(executor=...)``."""


class Task(Protocol):
    """What an executor needs to know of a task: the chunk it computes."""

    index: int
    seed: int
    first: int
    size: int


class ChunkError(RuntimeError):
    """A chunk of replications raised; the message names the chunk, its replications and seed.

    Parameters
    ----------
    index : int
        The chunk's index.
    seed : int
        The run's seed.
    first, size : int
        Global index of the chunk's first replication, and its number of replications.
    cause : str
        ``"ExceptionType: message"`` of the original error (chained as ``__cause__``).
    """

    def __init__(self, index: int, seed: int, first: int, size: int, cause: str) -> None:
        self.index = index
        self.seed = seed
        self.first = first
        self.size = size
        self.cause = cause
        super().__init__(
            f"chunk {index} (replications {first}..{first + size - 1}, seed={seed}) failed: "
            f"{cause}. Rerun it alone with sim.runs.montecarlo.run_chunk(scenario, index={index}, "
            f"first={first}, size={size}, horizon=..., seed={seed}) to debug it."
        )

    def __reduce__(self) -> tuple[type, tuple[int, int, int, int, str]]:
        return type(self), (self.index, self.seed, self.first, self.size, self.cause)

    @classmethod
    def wrap(cls, task: Task, exc: BaseException) -> ChunkError:
        """The error for `task`, which raised `exc`."""
        return cls(task.index, task.seed, task.first, task.size, f"{type(exc).__name__}: {exc}")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class SerialExecutor:
    """Run every task in this process, in the order given."""

    name = "serial"
    workers = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task, in order."""
        for task in tasks:
            try:
                result = fn(task)
            except Exception as exc:
                raise ChunkError.wrap(task, exc) from exc
            yield result


def _process_context() -> multiprocessing.context.BaseContext:
    # Forked workers start in milliseconds; spawned ones re-import numpy, scipy, pandas and mesa
    # (about 2 s here), which would make short parallel runs slower than serial ones.
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


# File descriptors only the parent may hold (a sweep's lock): a forked worker closes its copies,
# so a lock never outlives the process that took it.
_PARENT_ONLY_FDS: set[int] = set()
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def parent_only_fd(fd: int, held: bool = True) -> None:
    """Register (or with ``held=False`` forget) a descriptor that workers must not keep open."""
    if held:
        _PARENT_ONLY_FDS.add(fd)
    else:
        _PARENT_ONLY_FDS.discard(fd)


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when its parent ends, even by ``kill -9``.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere a daemon thread polls the parent's pid. A worker left alive would block on its
    pipe forever and keep every descriptor it inherited, such as a sweep's lock.
    """
    for fd in list(_PARENT_ONLY_FDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _PARENT_ONLY_FDS.clear()
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


class ProcessExecutor:
    """Run tasks in a pool of local worker processes.

    Parameters
    ----------
    workers : int
        Worker processes, >= 1.
    """

    name = "processes"

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessExecutor:
        self._pool = concurrent.futures.ProcessPoolExecutor(
            self.workers,
            mp_context=_process_context(),
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task as it finishes; at most 2 x workers in flight."""
        if self._pool is None:
            raise RuntimeError("use the executor in a `with` block")
        pool = self._pool
        todo = iter(tasks)
        pending: dict[concurrent.futures.Future, Task] = {}

        def fill() -> None:
            while len(pending) < 2 * self.workers and (task := next(todo, None)) is not None:
                pending[pool.submit(fn, task)] = task

        fill()
        try:
            while pending:
                done, _ = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in sorted(done, key=lambda f: pending[f].index):
                    task = pending.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:
                        raise ChunkError.wrap(task, exc) from exc
                    del future
                    yield result
                fill()
        finally:
            for future in pending:
                future.cancel()


class DaskExecutor:
    """Run tasks on a Dask distributed cluster.

    Parameters
    ----------
    workers : int, optional
        Worker processes of the ``LocalCluster`` started when no `scheduler` is given (default:
        one per core). Ignored with a `scheduler`: the cluster has the workers it has.
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``. Its workers must be able to
        import ``sim`` (and any user rule module of the scenario).
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.scheduler = scheduler
        self.workers = workers or (None if scheduler else available_cores())
        self.client: Any = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> DaskExecutor:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ImportError(
                "executor='dask' needs dask and distributed: pip install 'sim[dask]'"
            ) from exc
        stack = self._stack
        try:
            if self.scheduler:
                self.client = stack.enter_context(Client(self.scheduler))
            else:
                saved = dict(os.environ)
                stack.callback(_restore_environ, saved)
                # Set while the cluster lives: a nanny reads it whenever it (re)starts a worker.
                stack.enter_context(
                    dask.config.set(
                        {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
                    )
                )
                # No dashboard; the scheduler's HTTP server (health checks) still starts, on any
                # free port: its default 8787 is taken by a second cluster (a warning).
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        scheduler_kwargs={"dashboard_address": ":0"},
                    )
                )
                self.client = stack.enter_context(Client(cluster))
            self.workers = sum(self.client.nthreads().values()) or self.workers
        except BaseException:
            stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.client = None
        self._stack.close()

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        """Yield ``fn(task)`` for each task as it finishes; at most 2 x workers in flight."""
        from distributed import as_completed

        if self.client is None:
            raise RuntimeError("use the executor in a `with` block")
        client = self.client
        run = uuid.uuid4().hex[:8]
        todo = iter(tasks)
        pending: dict[str, tuple[Any, Task]] = {}
        finished = as_completed()

        def fill() -> None:
            while (
                len(pending) < 2 * max(self.workers or 1, 1)
                and (task := next(todo, None)) is not None
            ):
                future = client.submit(fn, task, key=f"sim-chunk-{run}-{task.index}", pure=False)
                pending[future.key] = (future, task)
                finished.add(future)

        fill()
        try:
            for future in finished:
                _, task = pending.pop(future.key)
                if future.status != "finished":
                    exc = future.exception()
                    raise ChunkError.wrap(task, exc) from exc
                result = future.result()
                future.release()
                yield result
                fill()
        finally:
            if pending:
                client.cancel([f for f, _ in pending.values()])


def _restore_environ(saved: dict[str, str]) -> None:
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


Executor = SerialExecutor | ProcessExecutor | DaskExecutor


def open_executor(name: str, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """An executor by name, to be used in a ``with`` block.

    Parameters
    ----------
    name : {"serial", "processes", "dask"}
        Which executor.
    workers : int, optional
        Worker processes (default: one per core); ignored by ``serial``.
    scheduler : str, optional
        Dask only: address of a running scheduler (default: start a ``LocalCluster``).

    Returns
    -------
    SerialExecutor, ProcessExecutor or DaskExecutor
    """
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r}; valid: {', '.join(EXECUTORS)}")
    if scheduler is not None and name != "dask":
        raise ValueError(f"scheduler={scheduler!r} needs executor='dask', got {name!r}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers or available_cores())
    return DaskExecutor(workers, scheduler)

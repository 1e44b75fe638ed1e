"""Scenario sweeps: a design over scenario keys, run on common random numbers, one tidy table out.

A :class:`Sweep` names its levers by key path in the scenario (``mediators.qatar.leverage``,
``states.pakistan.retaliation.p_act``, or a whole rule node such as
``states.pakistan.retaliation``), or ``mc.replications`` / ``mc.horizon``, with a list of values
or a range, and a design that expands them into points: a full ``grid``, a Latin hypercube
(``lhs``) or a scrambled ``sobol`` sequence (``scipy.stats.qmc``), or a ``saltelli`` or ``morris``
sample (SALib) for :mod:`sim.analysis.sensitivity`.

:func:`run_sweep` runs every point with the **same seed**, so the actors of two points draw the
same random numbers (:mod:`sim.core.streams`) and the differences between points are the levers',
not sampling noise. A point's scenario is ``Scenario.to_dict()`` with the point's keys set, checked
by :func:`~sim.scenario.scenario_from_dict`, so a bad value gets the usual error naming its key.

The sweep is split by concern: its levers (:mod:`sim.sweeps.parameters`), the design
(:mod:`sim.sweeps.design`), a point's scenario and row (:mod:`sim.sweeps.points`), the folder
that makes it resumable (:mod:`sim.sweeps.folder`), the result read back
(:mod:`sim.sweeps.result`), the config way in (:mod:`sim.sweeps.from_config`), and here the
running of points. The names of those modules (but the config way in, which builds on this one)
are re-exported here, and all of them from :mod:`sim.sweeps`.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from sim.analysis.predictive import DRAW
from sim.core.errors import ConfigError, did_you_mean
from sim.runs.executors import EXECUTORS, open_executor
from sim.runs.montecarlo import DEFAULT_CHUNK_SIZE, show_progress, simulate
from sim.scenario.loading import load_scenario, scenario_from_dict
from sim.scenario.posterior import CELL, Posterior, load_posterior
from sim.scenario.schema import Scenario
from sim.storage import store
from sim.sweeps.design import DESIGNS, Sweep
from sim.sweeps.folder import (
    CSV_FILE,
    DISCOVERY_FILE,
    FAILURES_DIR,
    FAILURES_FILE,
    LOG_FILE,
    OUTCOMES_DIR,
    POINTS_DIR,
    SENSITIVITY_FILE,
    SWEEP_FILE,
    TABLE_FILE,
    SweepChangedError,
    _canonical,
    _file,
    _locked,
    _log,
    _log_finished_points,
    _open_folder,
    _save_point,
)
from sim.sweeps.parameters import MC_KEYS, Parameter, Point, _plain
from sim.sweeps.points import (
    _base_data,
    _check_path,
    _paired_columns,
    outcome_columns,
    point_scenario,
)
from sim.sweeps.result import _DONE, SweepResult, _analysed, _collect, load_sweep

__all__ = [
    "CSV_FILE",
    "DESIGNS",
    "DISCOVERY_FILE",
    "FAILURES_DIR",
    "FAILURES_FILE",
    "LOG_FILE",
    "MC_KEYS",
    "OUTCOMES_DIR",
    "POINTS_DIR",
    "SENSITIVITY_FILE",
    "SWEEP_FILE",
    "TABLE_FILE",
    "Parameter",
    "Point",
    "Sweep",
    "SweepChangedError",
    "SweepResult",
    "load_sweep",
    "outcome_columns",
    "point_scenario",
    "run_sweep",
]


def _executor_settings(executor: Mapping[str, Any] | None) -> dict[str, Any]:
    """``name``, ``workers``, ``scheduler`` from an executor config node or mapping."""
    given = {k: v for k, v in dict(_plain(executor) or {}).items() if v is not None}
    if "executor" in given:
        given.setdefault("name", given.pop("executor"))
    unknown = sorted(set(given) - {"name", "workers", "scheduler"})
    if unknown:
        raise ConfigError(
            f"executor.{unknown[0]}",
            "unknown key; " + did_you_mean(unknown[0], ["name", "workers", "scheduler"]),
        )
    name = given.get("name", "serial")
    if name not in EXECUTORS:
        raise ConfigError(
            "executor.name", f"unknown executor '{name}'; {did_you_mean(name, EXECUTORS)}"
        )
    return {"name": name, "workers": given.get("workers"), "scheduler": given.get("scheduler")}


def _resolve_scenario(scenario: Scenario | str | Mapping[str, Any] | None) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if scenario is None or isinstance(scenario, str | os.PathLike):
        return load_scenario(scenario or "pak_afg_2026")
    return scenario_from_dict(_plain(scenario), path="scenario")


def run_sweep(
    sweep: Sweep,
    scenario: Scenario | str | Mapping[str, Any] | None = None,
    folder: str | os.PathLike | None = None,
    *,
    replications: int = 1000,
    horizon: int = 365,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    executor: Mapping[str, Any] | None = None,
    over: str = "points",
    config: Mapping[str, Any] | None = None,
    posterior: Posterior | str | os.PathLike | None = None,
    posterior_cell: int = CELL,
    progress: bool | None = None,
) -> SweepResult:
    """Run every point of `sweep` on the same seed, resuming from `folder` if it holds some.

    Parameters
    ----------
    sweep : Sweep
        The design (:meth:`Sweep.from_config` builds one from a config node).
    scenario : Scenario, str or mapping, optional
        The base scenario, a scenario name, or its config node; ``pak_afg_2026`` by default.
    folder : path, optional
        The sweep folder; by default :meth:`Sweep.default_folder`.
    replications, horizon, seed, chunk_size : int
        Monte Carlo settings shared by every point (a point may set ``mc.replications`` or
        ``mc.horizon``). Every point runs on `seed`: common random numbers.
    executor : mapping, optional
        ``name`` (``serial``, ``processes`` or ``dask``), ``workers``, ``scheduler`` (a Dask
        scheduler address), as in the ``executor`` config group (:mod:`sim.runs.executors`). Not
        part of the config hash: results are the same on every executor.
    over : {"points", "chunks"}
        What the executor runs in parallel: whole points (each point's chunks one after the
        other in a worker; best when points are many and small), or the chunks of one point at
        a time (``simulate(executor=...)``; best for a few points of many replications).
    config : mapping, optional
        The full resolved config, written to ``config.yaml`` for the record.
    posterior : Posterior or path, optional
        Parameter draws every point's replications are spread over (``docs/posterior.md``):
        each replication has the same draw and random numbers at every point, so paired
        differences stay paired; the table gains the posterior-predictive intervals
        (``_pp_low``, ``_pp_high``). A swept or fixed key may not also be a posterior column.
    posterior_cell : int
        Consecutive replications sharing a draw.
    progress : bool, optional
        A progress bar over the points on stderr (points done, failed, time left); default
        when stderr is a terminal. ``progress.log`` in the folder records each point either way.

    Returns
    -------
    SweepResult
        ``result.ok`` is False (and ``exit_code`` 1) when some point failed.

    Raises
    ------
    SweepChangedError
        If `folder` holds a sweep started with another config.
    ConfigError
        If a parameter's key path does not exist in the scenario (before any point runs).

    Notes
    -----
    This process writes each finished point atomically (``points/point-NNNNNN.parquet``) as it
    arrives; a point that raises is written to ``failures/`` with its traceback, and the sweep
    carries on. The tidy table has one row per point: ``point``, the parameters (labels for
    rule nodes), ``status`` (``done`` or ``failed``), the columns of :func:`outcome_columns`,
    with a baseline ``diff_rung{k}_{t}d`` with ``_low``, ``_high``, ``_width_ratio``,
    ``_baseline_only`` and ``_point_only`` (paired difference point - baseline with its score
    interval and discordant counts, :func:`sim.analysis.stats.paired_difference`), then ``seed``,
    ``chunk_size``, ``seconds`` and ``error``. The baseline runs first.
    """
    if over not in ("points", "chunks"):
        raise ValueError(f"over must be 'points' or 'chunks', got {over!r}")
    scenario = _resolve_scenario(scenario)
    folder = Path(folder) if folder is not None else sweep.default_folder()
    settings = _executor_settings(executor)
    mc = {
        "replications": int(replications),
        "horizon": int(horizon),
        "seed": int(seed),
        "chunk_size": int(chunk_size),
    }
    resolved = {"sweep": sweep.hashed(), "mc": mc, "scenario": scenario.to_dict()}
    if posterior is not None:
        if not isinstance(posterior, Posterior):
            posterior = load_posterior(posterior, scenario)
        _check_posterior_columns(sweep, posterior)
        # Resuming with other draws would mix points of two posteriors.
        resolved["posterior"] = {"digest": posterior.digest(), "cell": int(posterior_cell)}
    # The code is part of the hash: points computed by another version, commit or user rule
    # must never be mixed with new ones on resume.
    resolved["code"] = store.code_fingerprint(resolved)
    digest = hashlib.sha256(_canonical(resolved).encode()).hexdigest()
    points = sweep.points()
    longest = max([mc["horizon"], *(int(pt.settings.get("mc.horizon", 0)) for pt in points)])
    if all(t > longest for t in sweep.horizons):
        raise ConfigError(
            "sweep.horizons",
            f"every horizon ({', '.join(map(str, sweep.horizons))} days) is beyond the run's "
            f"{longest} days (mc.horizon): the table would have no probability column; give "
            "horizons of at most mc.horizon, or a longer mc.horizon",
        )
    _check_analysed_columns(sweep, longest)
    baseline = sweep.baseline_index(points)
    data, _ = _base_data(scenario, sweep.fixed)
    for p in sweep.parameters:
        if not p.path.startswith("mc."):
            _check_path(data, p.path)

    with _locked(folder):
        _open_folder(folder, sweep, resolved, digest, len(points))
        if config is not None:
            store.ResultsFolder(folder).write_config(_plain(config))
        record = store.manifest(
            seed,
            extra={
                "chunk_size": chunk_size,
                "sweep_hash": digest,
                "points": len(points),
                "executor": settings["name"],
                "over": over,
            },
        )
        store.write_json(record, folder / store.MANIFEST_FILE)
        todo = [
            i for i in range(len(points)) if not _file(folder, POINTS_DIR, i, ".parquet").is_file()
        ]
        _log_finished_points(folder, sorted(set(range(len(points))) - set(todo)))
        _log(
            folder,
            f"session: {len(points) - len(todo)} of {len(points)} points already done; running "
            f"{len(todo)} on executor {settings['name']} over {over}",
        )
        if over == "points":
            pool, simulate_kwargs = open_executor(**settings), {}
        else:
            pool, simulate_kwargs = open_executor("serial"), dict(settings)
            simulate_kwargs["executor"] = simulate_kwargs.pop("name")
        if posterior is not None:
            simulate_kwargs.update(posterior=posterior, posterior_cell=posterior_cell)

        def task(i: int, base: pd.DataFrame | None) -> _PointTask:
            keep = sweep.keep_outcomes or i == baseline
            return _PointTask(
                i,
                mc["seed"],
                0,
                mc["replications"],
                points[i],
                scenario,
                sweep,
                mc,
                simulate_kwargs,
                base,
                keep,
                is_baseline=i == baseline,
            )

        computed = list(todo)
        failed = 0
        with pool:
            base = None
            if baseline is not None:
                if baseline in todo:
                    todo.remove(baseline)
                    for done in pool.map_unordered(_compute_point, [task(baseline, None)]):
                        _save_point(folder, done)
                path = _file(folder, OUTCOMES_DIR, baseline, ".parquet")
                if path.is_file():
                    base = _paired_part(store.read_parquet(path), sweep.rungs)
            bar = tqdm(
                total=len(todo),
                unit="point",
                desc=f"sweep {sweep.name}",
                file=sys.stderr,
                disable=not show_progress(progress),
                leave=False,
                # Every finished point is drawn: points are few and slow, and tqdm's default
                # throttling (0.1 s) could skip the last ones of a fast sweep.
                mininterval=0,
                miniters=1,
            )
            with bar:
                for done in pool.map_unordered(_compute_point, [task(i, base) for i in todo]):
                    _save_point(folder, done)
                    failed += done.failure is not None
                    bar.set_postfix(failed=failed, refresh=False)
                    bar.update()
        result = _analysed(_collect(folder, sweep, points, baseline, computed))
        store.write_parquet(result.table, folder / TABLE_FILE)
        store.write_csv(result.table, folder / CSV_FILE)
        store.write_json(result.failures, folder / FAILURES_FILE)
        store.write_json(store.finish_manifest(record), folder / store.MANIFEST_FILE)
        _log(
            folder,
            f"session end: {int((result.table['status'] == _DONE).sum())} done, "
            f"{len(result.failures)} failed",
        )
    return result


_PROBABILITY = re.compile(r"\bp_rung(\d+)_(\d+)d\b")


def _check_analysed_columns(sweep: Sweep, longest: int) -> None:
    """Refuse, before any point runs, an analysed probability column the table will not have."""
    for key, text in [("sweep.analyze", o) for o in sweep.analyze] + [
        ("sweep.discover", sweep.discover or "")
    ]:
        for match in _PROBABILITY.finditer(text):
            rung, within = int(match[1]), int(match[2])
            if rung not in sweep.rungs or within not in sweep.horizons or within > longest:
                raise ConfigError(
                    key,
                    f"{match[0]} is not a column of this sweep's table: it has rungs "
                    f"{list(sweep.rungs)} within {[t for t in sweep.horizons if t <= longest]} "
                    f"days (sweep.rungs, sweep.horizons up to mc.horizon={longest})",
                )


@dataclass(frozen=True)
class _PointTask:
    """One point to compute; `index`, `seed`, `first`, `size` as an executor's task."""

    index: int
    seed: int
    first: int
    size: int
    point: Point
    scenario: Scenario
    sweep: Sweep
    mc: dict
    simulate_kwargs: dict
    base: pd.DataFrame | None
    keep: bool
    is_baseline: bool = False


@dataclass(frozen=True)
class _PointDone:
    """A computed point: its table row, or its failure record; its outcomes if kept."""

    index: int
    row: dict | None
    failure: dict | None
    outcomes: pd.DataFrame | None = None


def _paired_part(outcomes: pd.DataFrame, rungs: Sequence[int]) -> pd.DataFrame:
    """The columns a paired difference reads (smaller to send to every worker)."""
    draw = [DRAW] if DRAW in outcomes.columns else []
    part = outcomes[["replication", *(f"day_rung_{k}" for k in rungs), *draw]].copy()
    part.attrs = dict(outcomes.attrs)
    return part


def _check_posterior_columns(sweep: Sweep, posterior: Posterior) -> None:
    """Refuse a key that both the sweep and the posterior set: which would win is unclear."""
    columns = set(posterior.paths)
    for path in [p.path for p in sweep.parameters] + [str(k) for k in sweep.fixed]:
        path = path.removeprefix("scenario.")
        if path in columns:
            raise ConfigError(
                posterior._where(path),
                "is also set by the sweep; a point fixes it, so drop the column from the "
                "posterior or the key from the sweep",
            )


def _compute_point(task: _PointTask) -> _PointDone:
    """Run one point (in a worker); never raises: a failure is returned as a record."""
    sweep, point = task.sweep, task.point
    started = time.perf_counter()
    run = dict(task.mc)
    try:
        point_spec, point_mc = point_scenario(task.scenario, point.settings, sweep.fixed)
        run.update(point_mc)
        result = simulate(
            point_spec,
            replications=int(run["replications"]),
            horizon=int(run["horizon"]),
            seed=run["seed"],
            chunk_size=run["chunk_size"],
            record_events=False,
            record_trajectory=False,
            progress=False,
            **task.simulate_kwargs,
        )
        outcomes = result.outcomes
        row: dict[str, Any] = {"point": point.index, **point.display, "status": _DONE}
        row.update(outcome_columns(outcomes, sweep.rungs, sweep.horizons))
        if task.base is not None or task.is_baseline:
            base = outcomes if task.is_baseline else task.base
            paired = _paired_columns(base, outcomes, sweep.rungs, sweep.horizons)
            if task.is_baseline:
                # No difference with itself, and no interval width to compare.
                paired = {k: math.nan if k.endswith("_width_ratio") else 0.0 for k in paired}
            row.update(paired)
        row.update(
            seed=run["seed"],
            chunk_size=run["chunk_size"],
            seconds=time.perf_counter() - started,
            error=None,
        )
    except Exception as exc:  # noqa: BLE001 - a failing point is recorded; the sweep goes on
        failure = {
            "point": point.index,
            "parameters": _plain(point.display),
            "settings": _plain(point.settings),
            "seed": run["seed"],
            "replications": run["replications"],
            "horizon": run["horizon"],
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "when": datetime.now(UTC).isoformat(),
        }
        return _PointDone(point.index, None, failure)
    return _PointDone(point.index, row, None, outcomes if task.keep else None)

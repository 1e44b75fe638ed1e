"""Checks of a run's settings sections (``mc``, ``executor``, ``validation``, ``history``).

:func:`sim.runs.experiment.experiment_from_config` calls them once the config is composed, so a
bad value fails with its key path before any folder or file is written.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sim.core.errors import ConfigError, did_you_mean
from sim.core.ladder import MAX_RUNG
from sim.engine.model import ENGINES
from sim.runs.capacity import available_memory
from sim.runs.montecarlo import MAX_CHUNK_SIZE, StoppingRule
from sim.runs.settings import (
    EXECUTORS,
    ExecutorConfig,
    HistoryConfig,
    MonteCarloConfig,
    ValidationConfig,
)
from sim.scenario.schema import Scenario
from sim.validation.exact import chain_parameters

__all__ = [
    "REPLAY_BYTES_PER_DRAW",
    "check_executor",
    "check_history",
    "check_mc",
    "check_validation",
    "stopping_rule_settings",
]


def check_mc(mc: MonteCarloConfig) -> None:
    """Check ``mc`` (sizes, seed, horizons, engine, stopping rule, rungs) in place."""
    for key in ("replications", "horizon", "chunk_size", "posterior_cell"):
        if getattr(mc, key) < 1:
            raise ConfigError(f"mc.{key}", f"must be >= 1, got {getattr(mc, key)}")
    if mc.chunk_size > MAX_CHUNK_SIZE:
        raise ConfigError(
            "mc.chunk_size",
            f"at most {MAX_CHUNK_SIZE:,} (a chunk takes about 1 kB per replication while it "
            f"runs), got {mc.chunk_size:,}",
        )
    if mc.seed < 0:
        raise ConfigError("mc.seed", f"must be >= 0, got {mc.seed}")
    if not mc.horizons or any(t < 1 for t in mc.horizons):
        raise ConfigError("mc.horizons", f"days of the summary, each >= 1; got {mc.horizons}")
    if mc.engine not in ENGINES:
        raise ConfigError(
            "mc.engine", f"one of {', '.join(ENGINES)} (default auto); got {mc.engine!r}"
        )
    if mc.stop is not None:
        mc.stop = stopping_rule_settings(mc.stop, mc.horizon)
    if not mc.rungs or any(not 0 <= k <= MAX_RUNG for k in mc.rungs):
        raise ConfigError(
            "mc.rungs", f"rungs of the summary, each in 0..{MAX_RUNG}; got {mc.rungs}"
        )


def stopping_rule_settings(stop: Any, horizon: int) -> dict[str, Any]:
    """Check ``mc.stop`` by building the :class:`~sim.runs.montecarlo.StoppingRule` it describes."""
    fields = [f.name for f in dataclasses.fields(StoppingRule)]
    if not isinstance(stop, dict):
        raise ConfigError("mc.stop", f"a mapping of {', '.join(fields)}; got {stop!r}")
    for key in stop:
        if key not in fields:
            raise ConfigError(f"mc.stop.{key}", f"unknown key; {did_you_mean(str(key), fields)}")
    for key in ("rung", "half_width"):
        if key not in stop:
            raise ConfigError(f"mc.stop.{key}", "is required for adaptive stopping")
    try:
        rule = StoppingRule(**stop)
    except ValueError as exc:
        # StoppingRule names the field first ("stop.rung must be ..."): prefix the config path.
        field_name, _, message = str(exc).partition(" ")
        raise ConfigError(f"mc.{field_name}", message) from None
    except TypeError as exc:
        raise ConfigError("mc.stop", str(exc)) from None
    if rule.within is not None and rule.within > horizon:
        raise ConfigError("mc.stop.within", f"{rule.within} days is beyond mc.horizon={horizon}")
    return dataclasses.asdict(rule)


def check_executor(executor: ExecutorConfig) -> None:
    """Check ``executor`` (a known name, workers, a scheduler only for Dask)."""
    if executor.name not in EXECUTORS:
        raise ConfigError(
            "executor.name",
            f"unknown executor '{executor.name}'; " + did_you_mean(executor.name, EXECUTORS),
        )
    if executor.workers is not None and executor.workers < 1:
        raise ConfigError("executor.workers", f"must be >= 1, got {executor.workers}")
    if executor.scheduler is not None and executor.name != "dask":
        raise ConfigError(
            "executor.scheduler",
            "only the dask executor takes a scheduler address; add executor=dask",
        )


def check_validation(validation: ValidationConfig, scenario: Scenario) -> None:
    """Check ``validation`` (a positive tolerance; exact only for a constant-probability chain)."""
    if not 0 < validation.tolerance_se < float("inf"):
        raise ConfigError("validation.tolerance_se", f"must be > 0, got {validation.tolerance_se}")
    if validation.exact:
        try:
            chain_parameters(scenario)
        except ValueError as exc:
            raise ConfigError(
                "validation.exact",
                f"scenario {scenario.name!r} is not a constant-probability Markov chain, the "
                f"only kind with an exact answer ({exc}); the exact check runs on "
                "scenario=markov_validation (experiment validate_markov: leave scenario= out)",
            ) from None


# Peak bytes per replication of a replay that draws each replication's deaths (measured with
# tracemalloc at 10^4 and 10^5 draws: 2.7-3.0 kB); the replayed state is held for the whole run.
REPLAY_BYTES_PER_DRAW = 3_200


def check_history(history: HistoryConfig, scenario: Scenario, replications: int) -> None:
    """Read and check the timeline now, so that a bad file fails before anything is written.

    The timeline is the scenario's own (``scenario.timeline.events``) unless ``history.events``
    names another; either is checked against the scenario's ids and as-of date.
    """
    if history.events is not None and not history.replay:
        raise ConfigError(
            "history.events",
            "a timeline is read only to replay it: add history.replay=true (or drop "
            "history.events)",
        )
    if not history.replay:
        return
    free = available_memory()
    need = replications * REPLAY_BYTES_PER_DRAW
    if history.uncertainty and free is not None and need > free:
        raise ConfigError(
            "history.uncertainty",
            f"drawing every replication's own deaths keeps the replayed state of all "
            f"{replications:,} replications in memory ({need / 1e9:,.1f} GB; "
            f"{free / 1e9:,.1f} GB available): run fewer replications (mc.replications) or "
            "replay the best figures (history.uncertainty=false)",
        )
    from sim.history.timeline import TimelineError, load_events

    try:
        load_events(history.events, scenario)
    except TimelineError as exc:
        more = len(exc.problems) - 1
        raise ConfigError(
            "history.events", exc.problems[0] + (f"; {more} more bad row(s)" if more else "")
        ) from None

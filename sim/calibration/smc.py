"""ABC-SMC calibration of a scenario's uncertain parameters on the episode record (pyabc).

:func:`calibrate` runs pyabc's sequential Monte Carlo approximate Bayesian computation: the
parameters named start from their priors (the scenario's ``priors:``), each particle simulates
one copy of the episode record (:func:`~sim.calibration.record.simulate_record`) and is accepted
when the record's statistics (:mod:`~sim.calibration.summary`) lie within the generation's
threshold of the real ones; each generation lowers the threshold (pyabc's median epsilon).

- **Hard cap.** ``max_simulations`` bounds the simulated records of the whole stored run, counted
  by pyabc; every generation may spend at most what is left, and one that cannot finish within
  it is dropped (serial and processes: pyabc's samplers check it on the fly; on Dask, whose
  sampler does not, the cap is checked between generations).
- **Resumable.** pyabc's database ``abc.db`` lives in the calibration's folder; calling
  :func:`calibrate` again on the folder loads the stored run and continues it up to the new caps.
  ``settings.json`` records what the run calibrates; a folder holding another calibration is
  refused with the way out.
- **Saved** in the folder: ``posterior.parquet`` (:data:`POSTERIOR_FILE`, the format of
  ``docs/calibration.md``), ``diagnostics.csv`` (per generation: threshold, particles,
  simulations, acceptance rate, effective sample size) and ``observed.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.posterior import POSTERIOR_FILE, posterior_intervals
from sim.calibration.record import (
    EpisodeStarts,
    library_record,
    set_values,
    simulate_record,
)
from sim.calibration.settings import DEFAULT_PARAMETERS, CalibrationSettings
from sim.calibration.summary import distance, summary_statistics
from sim.core.errors import ConfigError, did_you_mean
from sim.core.intervals import format_interval
from sim.scenario.loading import scenario_from_dict
from sim.scenario.schema import Scenario
from sim.storage.store import write_csv, write_json, write_parquet

__all__ = [
    "DB_FILE",
    "DEFAULT_PARAMETERS",
    "DIAGNOSTICS_FILE",
    "CalibrationResult",
    "CalibrationSettings",
    "RecordModel",
    "calibrate",
    "prior_distribution",
]

DB_FILE = "abc.db"
DIAGNOSTICS_FILE = "diagnostics.csv"
_SETTINGS_FILE = "settings.json"
_OBSERVED_FILE = "observed.json"


@dataclass(frozen=True, eq=False)
class CalibrationResult:
    """What :func:`calibrate` leaves behind (all of it also in `folder`).

    Parameters
    ----------
    folder : Path
        Holds the database, the posterior, the diagnostics and the observed statistics.
    diagnostics : DataFrame
        One row per generation: ``generation``, ``epsilon``, ``particles``, ``simulations``,
        ``acceptance``, ``ess``.
    posterior : DataFrame
        The last generation's particles: one column per parameter path, and ``weight``.
    observed : dict
        The real record's statistics.
    total_simulations : int
        Simulated records over all generations of the stored run.
    seconds : float
        Wall time of this call.
    settings : CalibrationSettings
    results_folder : Path, optional
        The results folder of ``python -m sim experiment=calibrate`` (set by the command).
    new_simulations : int
        Simulated records of the generations this call stored.
    """

    folder: Path
    diagnostics: pd.DataFrame = field(repr=False)
    posterior: pd.DataFrame = field(repr=False)
    observed: dict[str, float]
    total_simulations: int
    seconds: float
    settings: CalibrationSettings
    results_folder: Path | None = None
    new_simulations: int = 0

    def summary(self) -> str:
        """The diagnostics and each parameter's weighted mean and 90 % interval, as text."""
        lines = [
            f"ABC-SMC: {self.total_simulations:,} simulated records over "
            f"{len(self.diagnostics)} generations (cap {self.settings.max_simulations:,}); "
            f"this call {self.new_simulations:,} in {self.seconds:.0f} s",
            f"database {self.folder / DB_FILE} (run the same command again to continue it)",
            "",
            self.diagnostics.to_string(index=False, float_format=lambda x: f"{x:.3f}"),
            "",
            "posterior (weighted mean [5 %, 95 %], from the last generation):",
        ]
        if self.new_simulations and self.seconds > 0:
            lines[0] += f" ({self.new_simulations / self.seconds:.1f} records/s)"
        for column, (mean, low, high) in posterior_intervals(self.posterior).items():
            lines.append(f"  {column}: {format_interval(mean, low, high)}")
        return "\n".join(lines)


def _name(path: str) -> str:
    """The name pyabc gives the parameter at a key path (its database columns take no dots)."""
    return path.replace(".", "__")


class RecordModel:
    """pyabc's model: parameter values in, the statistics of one simulated record out.

    A plain class (not a closure) so that pyabc's Dask sampler can send it to workers.

    Parameters
    ----------
    scenario : Scenario
        Everything not calibrated.
    starts : EpisodeStarts
        The record's episodes and their replays.
    parameters : sequence of str
        Key paths, in pyabc's names' order.
    seed : int
        Base seed; each particle's seed is derived from it and the particle's values.
    engine : {"numpy", "compiled"}
        How each record's days advance (:func:`~sim.calibration.record.simulate_record`).
    """

    def __init__(
        self,
        scenario: Scenario,
        starts: EpisodeStarts,
        parameters: Sequence[str],
        seed: int,
        engine: str = "numpy",
    ) -> None:
        self.data = scenario.to_dict()
        self.data.pop("priors", None)  # checked once already; a particle's values lie inside
        self.integers = {p for p, prior in scenario.priors.items() if prior.dist == "integer"}
        self.name = scenario.name
        self.starts = starts
        self.names = {_name(p): p for p in parameters}
        self.seed = seed
        self.engine = engine

    def scenario(self, values: Mapping[str, float]) -> Scenario:
        """The scenario with the calibrated parameters set to `values` (by key path)."""
        data = set_values(self.data, values, self.integers)
        return scenario_from_dict(data)

    def __call__(self, params: Mapping[str, float]) -> dict[str, float]:
        """Simulate one record with the particle's values; return its statistics."""
        values = {self.names[k]: float(v) for k, v in params.items()}
        digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).digest()
        seed = (self.seed + int.from_bytes(digest[:4], "little")) % 2**31
        outcomes = simulate_record(
            self.scenario(values), self.starts, seed=seed, engine=self.engine
        )
        return summary_statistics(self.starts.record, outcomes)


def prior_distribution(scenario: Scenario, parameters: Sequence[str]) -> Any:
    """The priors of `parameters` as a ``pyabc.Distribution``.

    An ``integer`` prior becomes a uniform over [low - 0.5, high + 0.5] that the model rounds:
    pyabc's perturbation kernels move particles continuously, and a discrete prior would reject
    every non-whole proposal.
    """
    import pyabc

    missing = [p for p in parameters if p not in scenario.priors]
    if missing:
        raise ConfigError(
            "calibration.parameters",
            f"no prior in scenario {scenario.name!r} for {', '.join(missing)}; "
            + (
                did_you_mean(missing[0], scenario.priors)
                if scenario.priors
                else "it gives no priors: add a priors block (docs/scenarios.md) or name "
                "calibration.parameters that have one"
            ),
        )
    rvs = {}
    for path in parameters:
        prior = scenario.priors[path]
        if prior.dist == "integer":
            rvs[_name(path)] = pyabc.RV("uniform", prior.low - 0.5, prior.high - prior.low + 1)
            continue
        dist = prior.scipy()
        rvs[_name(path)] = pyabc.RV(dist.dist.name, *dist.args, **dist.kwds)
    return pyabc.Distribution(**rvs)


def _identity(scenario: Scenario, settings: CalibrationSettings, observed: dict, seed: int) -> dict:
    """What must match for a stored run to be continued."""
    data = scenario.to_dict()
    text = json.dumps(data, sort_keys=True, default=str)
    return {
        "parameters": list(settings.parameters),
        "population_size": settings.population_size,
        "coding": settings.coding,
        "exclude": list(settings.exclude),
        "engine": settings.engine,
        "observed": observed,
        "scenario": hashlib.sha256(text.encode()).hexdigest()[:16],
        "seed": seed,
    }


def _sampler(executor: str, workers: int | None, client: Any) -> Any:
    import pyabc

    if executor == "serial":
        return pyabc.sampler.SingleCoreSampler(check_max_eval=True)
    if executor == "processes":
        from sim.runs.executors import available_cores

        return pyabc.sampler.MulticoreEvalParallelSampler(
            n_procs=workers or available_cores(), check_max_eval=True
        )
    if executor == "dask":
        # pyabc's Dask sampler does not stop a generation at max_eval: on Dask the cap is checked
        # between generations (docs/calibration.md).
        return pyabc.sampler.DaskDistributedSampler(dask_client=client)
    raise ConfigError(
        "executor.name", f"'{executor}' is not an executor; use serial, processes, dask"
    )


def calibrate(
    scenario: Scenario,
    folder: str | Path,
    settings: CalibrationSettings | None = None,
    seed: int = 0,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    observed_record: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
) -> CalibrationResult:
    """Calibrate parameters of `scenario` on the episode record with ABC-SMC (pyabc).

    Parameters
    ----------
    scenario : Scenario
        Supplies the priors (every calibrated parameter needs one) and everything else.
    folder : str or Path
        Where ``abc.db`` and the results go; a stored run there is continued.
    settings : CalibrationSettings, optional
        Parameters and budget; default :class:`CalibrationSettings`.
    seed : int
        Base seed of the simulations and of pyabc's own draws.
    executor : {"serial", "processes", "dask"}
        pyabc's single-core sampler, its multicore sampler with `workers` processes, or its
        Dask sampler on the cluster at `scheduler` (a local cluster by default).
    workers : int, optional
        Processes (processes) or local Dask workers (dask).
    scheduler : str, optional
        Address of a running Dask scheduler.
    progress : bool
        A progress bar (tqdm) over the simulation budget on stderr, one step per generation.
    observed_record : DataFrame, optional
        The record to calibrate on, as :func:`~sim.calibration.record.library_record` returns
        (e.g. a synthetic one); default the library's, minus ``settings.exclude``.
    events : DataFrame, optional
        The timeline; default ``settings.events`` or ``seeds/pak_afg_events.csv``.

    Returns
    -------
    CalibrationResult
    """
    import pyabc

    started = time.perf_counter()
    settings = settings or CalibrationSettings()
    folder = Path(folder)
    if observed_record is None:
        observed_record = library_record(settings.read_episodes(scenario), settings.coding)
        unknown = sorted(set(settings.exclude) - set(observed_record["episode_id"]))
        if unknown:
            raise ConfigError(
                "calibration.exclude", f"no episode with a known outcome named {unknown}"
            )
        keep = ~observed_record["episode_id"].isin(settings.exclude)
        observed_record = observed_record[keep].reset_index(drop=True)
    events = settings.read_events(scenario) if events is None else events
    starts = EpisodeStarts(observed_record, events)
    starts.starts(scenario)  # replay once here, before a multicore sampler forks
    observed = summary_statistics(observed_record)
    model = RecordModel(scenario, starts, settings.parameters, seed, settings.engine)
    prior = prior_distribution(scenario, settings.parameters)
    identity = _identity(scenario, settings, observed, seed)

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / DB_FILE
    stored = folder / _SETTINGS_FILE
    if db.exists() and stored.exists():
        before = json.loads(stored.read_text(encoding="utf-8"))
        changed = sorted(k for k in identity if before.get(k) != identity[k])
        if changed:
            raise ConfigError(
                "calibration.folder",
                f"{folder} holds a calibration with other {', '.join(changed)}; delete the folder "
                "or set calibration.folder to another one to start fresh",
            )
    _quiet_pyabc()
    np.random.seed(seed % 2**32)  # pyabc draws its particles from NumPy's global generator
    with _client(executor, workers, scheduler) as client:
        abc = pyabc.ABCSMC(
            model,
            prior,
            distance,
            population_size=settings.population_size,
            sampler=_sampler(executor, workers, client),
        )
        url = "sqlite:///" + str(db.resolve())
        if db.exists():
            abc.load(url, 1)
            done_before = int(abc.history.total_nr_simulations)
        else:
            done_before = 0
            write_json(identity, stored)
            abc.new(url, observed)
        _run_generations(abc, settings, progress)
    history = abc.history
    if int(history.max_t) < 0:
        raise ConfigError(
            "calibration.max_simulations",
            f"no generation finished within {settings.max_simulations} simulated records "
            f"({settings.population_size} particles); raise it",
        )
    diagnostics = _diagnostics(history)
    posterior = _posterior(history, model, settings, scenario, seed)
    write_csv(diagnostics, folder / DIAGNOSTICS_FILE)
    write_parquet(posterior, folder / POSTERIOR_FILE)
    write_json(observed, folder / _OBSERVED_FILE)
    return CalibrationResult(
        folder=folder,
        diagnostics=diagnostics,
        posterior=posterior,
        observed=observed,
        total_simulations=int(history.total_nr_simulations),
        seconds=time.perf_counter() - started,
        settings=settings,
        new_simulations=int(history.total_nr_simulations) - done_before,
    )


def _quiet_pyabc() -> None:
    """Silence pyabc's INFO log of every generation: the progress bar and summary say enough."""
    for name in ("ABC", "pyabc", "Sampler", "History", "Epsilon", "Distance", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith(("ABC", "pyabc")):
            logging.getLogger(name).setLevel(logging.WARNING)


class _client:
    """A Dask client for the Dask sampler (the project's Dask executor's cluster), or None."""

    def __init__(self, executor: str, workers: int | None, scheduler: str | None) -> None:
        self.executor, self.workers, self.scheduler = executor, workers, scheduler
        self._dask: Any = None

    def __enter__(self) -> Any:
        if self.executor != "dask":
            return None
        from sim.runs.executors import open_executor

        self._dask = open_executor("dask", self.workers, self.scheduler)
        return self._dask.__enter__().client

    def __exit__(self, *exc: object) -> None:
        if self._dask is not None:
            self._dask.__exit__(*exc)


def _run_generations(abc: Any, settings: CalibrationSettings, progress: bool) -> None:
    """Run generation after generation while the caps allow; each spends at most what is left."""
    from tqdm import tqdm

    history = abc.history
    bar = tqdm(
        total=settings.max_simulations,
        initial=min(int(history.total_nr_simulations), settings.max_simulations),
        desc="ABC-SMC simulations",
        unit="sim",
        disable=not progress,
        leave=False,
    )
    try:
        while True:
            done = int(history.total_nr_simulations)
            generations = int(history.max_t) + 1
            left = settings.max_simulations - done
            if not generations:  # the first generation's threshold comes from a prior sample
                left -= settings.population_size
            if generations >= settings.generations or left < settings.population_size:
                return
            if generations and _last_epsilon(history) <= settings.min_epsilon:
                return
            # pyabc caches the population its threshold starts from on the first run() call; each
            # call here starts from the last stored generation, exactly as a resumed run does.
            abc._initial_population = None
            abc.run(
                minimum_epsilon=settings.min_epsilon,
                max_nr_populations=1,
                # pyabc stops a generation after population_size / min_acceptance_rate
                # simulations: the budget left.
                min_acceptance_rate=settings.population_size / left,
                max_total_nr_simulations=left,
            )
            history = abc.history
            if int(history.max_t) + 1 == generations:  # the generation did not finish
                return
            bar.update(min(int(history.total_nr_simulations), settings.max_simulations) - bar.n)
            bar.set_postfix(generation=int(history.max_t), epsilon=f"{_last_epsilon(history):.3f}")
    finally:
        bar.close()


def _last_epsilon(history: Any) -> float:
    pops = history.get_all_populations()
    return float(pops.loc[pops["t"] == history.max_t, "epsilon"].iloc[0])


def _diagnostics(history: Any) -> pd.DataFrame:
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    rows = []
    for pop in pops[pops["t"] >= 0].itertuples(index=False):
        _, weights = history.get_distribution(m=0, t=int(pop.t))
        particles = len(weights)
        simulations = int(pop.samples)
        rows.append(
            {
                "generation": int(pop.t),
                "epsilon": float(pop.epsilon),
                "particles": particles,
                "simulations": simulations,
                "acceptance": particles / max(simulations, 1),
                "ess": float(effective_sample_size(np.asarray(weights, float))),
            }
        )
    columns = ["generation", "epsilon", "particles", "simulations", "acceptance", "ess"]
    return pd.DataFrame(rows, columns=columns)


def _posterior(
    history: Any, model: RecordModel, settings: CalibrationSettings, scenario: Scenario, seed: int
) -> pd.DataFrame:
    """The last generation as the posterior file's table (``docs/calibration.md``)."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    out = pd.DataFrame({path: frame[name].to_numpy(float) for name, path in model.names.items()})
    for path in settings.parameters:
        if path in model.integers:  # the model ran the rounded value
            out[path] = np.round(out[path]).astype(int)
    w = np.asarray(weights, float)
    out["weight"] = w / w.sum()
    out.attrs = {
        "kind": "posterior",
        "scenario": scenario.name,
        "as_of": scenario.as_of,
        "parameters": list(settings.parameters),
        "generation": int(history.max_t),
        "coding": settings.coding,
        "exclude": list(settings.exclude),
        "seed": seed,
        "method": "ABC-SMC (pyabc) on the episode record's statistics (docs/calibration.md)",
    }
    return out

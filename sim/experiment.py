"""Named experiments: compose a config, check it, run it, and write a self-describing folder.

``python -m sim experiment=NAME`` and notebooks share this module (example below).

A results folder holds ``config.yaml`` (the resolved config, with a chosen retaliation or
ceasefire rule already placed in the scenario), ``overrides.yaml``, ``manifest.json``,
``outcomes.parquet``, ``summary.csv``, ``figures/*.png`` (:func:`sim.plots.save_figures`) and,
for a validation run, ``validation.csv``; every file is written atomically (:mod:`sim.store`).

Examples
--------
>>> import sim
>>> exp = sim.load_experiment("restraint", overrides=["mc.replications=200"])
>>> exp.scenario.name, exp.mc.replications, exp.executor.name  # what the engine takes
('pak_afg_2026', 200, 'serial')
>>> res = sim.run_experiment(exp)  # writes outputs/restraint/<date>_<time>/
>>> res.folder.parent.as_posix(), list(res.summary.columns[:2])
('outputs/restraint', ['rung', 'rung_name'])
>>> sim.load_results(res.folder).outcomes.shape[0]  # also config, manifest, summary, figures
200
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim import stats, store
from sim.config import (
    ALL_STATES,
    EXECUTORS,
    EXPERIMENT_GROUP,
    Config,
    ExecutorConfig,
    HistoryConfig,
    MonteCarloConfig,
    OutputConfig,
    ValidationConfig,
    config_error,
    register_configs,
)
from sim.errors import ConfigError, did_you_mean
from sim.model import ENGINES
from sim.montecarlo import SimulationResult, StoppingRule, simulate
from sim.paths import CONFIG_DIR
from sim.rules import build_rule
from sim.rules.inputs import MAX_RUNG
from sim.scenario import Scenario, scenario_from_dict
from sim.validation import chain_parameters, exact_escalation

__all__ = [
    "VALIDATION_FILE",
    "Experiment",
    "ExperimentResult",
    "compare_exact",
    "experiment_from_config",
    "load_experiment",
    "run_experiment",
]

VALIDATION_FILE = "validation.csv"
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Experiment:
    """A checked experiment: the objects the engine takes, and the config they came from.

    Parameters
    ----------
    name, question : str
        The experiment's name (names its results folder) and the question it answers.
    scenario : Scenario
        The crisis, with a chosen retaliation or ceasefire rule already in place.
    mc : MonteCarloConfig
        Replications, horizon, seed, chunk size; horizons and rungs of the summary.
    executor : ExecutorConfig
        Where chunks run.
    output : OutputConfig
        Where results go; progress and figures.
    validation : ValidationConfig
        Whether to compare with the exact Markov-chain values.
    config : DictConfig
        The resolved config as saved in ``config.yaml``.
    overrides : tuple of str
        The overrides it was composed with.
    history : HistoryConfig
        Whether to start from the replayed event timeline (and with which figures).
    """

    name: str
    question: str
    scenario: Scenario
    mc: MonteCarloConfig
    executor: ExecutorConfig
    output: OutputConfig
    validation: ValidationConfig
    config: DictConfig = field(repr=False)
    overrides: tuple[str, ...] = ()
    history: HistoryConfig = field(default_factory=HistoryConfig)

    def simulate(
        self, progress: bool | None = None, out_dir: str | Path | None = None
    ) -> SimulationResult:
        """Run the Monte Carlo on the experiment's executor (for a notebook: writes nothing).

        Parameters
        ----------
        progress : bool, optional
            Show a progress bar; None follows ``output`` (off when quiet; by default on when
            stderr is a terminal and the run lasts more than a couple of seconds).
        out_dir : str or Path, optional
            Stream the outcomes to ``out_dir/outcomes.parquet`` (see :func:`sim.simulate`).

        Returns
        -------
        SimulationResult
        """
        if progress is None:
            progress = False if self.output.quiet else self.output.progress
        scenario, start = self.scenario, None
        if self.history.replay:
            from sim.history import start_from_history

            draws = self.mc.replications if self.history.uncertainty else 1
            scenario, replayed = start_from_history(
                scenario,
                self.history.events,
                draws=draws,
                seed=self.mc.seed,
                uncertainty=self.history.uncertainty,
            )
            start = replayed.start
        return simulate(
            scenario,
            replications=self.mc.replications,
            horizon=self.mc.horizon,
            seed=self.mc.seed,
            chunk_size=self.mc.chunk_size,
            record_events=False,
            record_trajectory=False,
            start=start,
            executor=self.executor.name,
            workers=self.executor.workers,
            scheduler=self.executor.scheduler,
            out_dir=out_dir,
            stop=self.mc.stop,
            engine=self.mc.engine,
            progress=progress,
        )


@dataclass(frozen=True, eq=False)
class ExperimentResult:
    """What :func:`run_experiment` produced.

    Parameters
    ----------
    folder : Path
        The results folder.
    experiment : Experiment
        What was run.
    result : SimulationResult
        The outcomes and their statistics.
    summary : DataFrame
        P(max rung >= k within t days) per rung and horizon, with 95 % intervals.
    validation : DataFrame or None
        Monte Carlo against exact values, for a validation run.
    """

    folder: Path
    experiment: Experiment
    result: SimulationResult = field(repr=False)
    summary: pd.DataFrame = field(repr=False)
    validation: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        """False if a validation run found a disagreement beyond the tolerance."""
        return self.validation is None or bool(self.validation["agrees"].all())


# --- composing and checking -------------------------------------------------------------------


def load_experiment(name: str | None = None, overrides: Sequence[str] = ()) -> Experiment:
    """Compose a named experiment with Hydra's compose API and check it, as the CLI would.

    Parameters
    ----------
    name : str, optional
        A file of ``experiments/`` without ``.yaml``; None takes the default (seed_baseline).
    overrides : sequence of str
        Hydra overrides, as on the command line: ``["mc.replications=2000",
        "retaliation=threshold", "retaliation.state=pakistan"]``.

    Returns
    -------
    Experiment

    Raises
    ------
    ConfigError
        One message naming the key path (and the fix, where there is one).

    Examples
    --------
    >>> import sim
    >>> exp = sim.load_experiment("seed_baseline", overrides=["mc.replications=500"])
    >>> exp.mc.replications, sorted(exp.scenario.states)
    (500, ['afghanistan', 'pakistan'])
    """
    from hydra import compose, initialize_config_dir

    register_configs()
    overrides = [str(o) for o in overrides]
    given = overrides if name is None else [f"{EXPERIMENT_GROUP}={name}", *overrides]
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="sim"):
            cfg = compose(config_name="config", overrides=given)
    except Exception as exc:  # Hydra and OmegaConf errors become one ConfigError
        raise config_error(exc) from None
    return experiment_from_config(cfg, overrides=given)


def experiment_from_config(cfg: DictConfig, overrides: Sequence[str] = ()) -> Experiment:
    """Check a composed config and build the objects the engine takes.

    A chosen retaliation rule (``retaliation=NAME``) replaces the rule of ``retaliation.state``
    (a state id, a list of them, or ``all``); a chosen ceasefire rule replaces the scenario's.
    Every rule is built once here, so a bad parameter or an unimportable ``_target_`` fails before
    the run, with its key path.

    Parameters
    ----------
    cfg : DictConfig
        A config composed from ``configs/config.yaml``.
    overrides : sequence of str
        The overrides it was composed with (recorded).

    Returns
    -------
    Experiment

    Raises
    ------
    ConfigError
        The first problem, with its key path.
    """
    try:
        if OmegaConf.get_type(cfg) is not Config:  # e.g. a config.yaml read back from a folder
            cfg = OmegaConf.merge(OmegaConf.structured(Config), cfg)
        if cfg.get("retaliation") is not None and OmegaConf.is_missing(cfg.retaliation, "state"):
            raise ConfigError("retaliation.state", _state_hint(cfg))
        data = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
        mc = OmegaConf.to_object(cfg.mc)
        executor = OmegaConf.to_object(cfg.executor)
        output = OmegaConf.to_object(cfg.output)
        validation = OmegaConf.to_object(cfg.validation)
        history = OmegaConf.to_object(cfg.history)
    except ConfigError:
        raise
    except Exception as exc:
        raise config_error(exc) from None
    scenario_data = data["scenario"]
    _apply_retaliation(scenario_data, data.get("retaliation"))
    _apply_ceasefire(scenario_data, data.get("ceasefire"))
    scenario = scenario_from_dict(scenario_data, path="scenario")
    _check_mc(mc)
    _check_executor(executor)
    _check_validation(validation, scenario)
    return Experiment(
        name=str(data["name"]),
        question=str(data.get("question") or ""),
        scenario=scenario,
        mc=mc,
        executor=executor,
        output=output,
        validation=validation,
        history=history,
        config=OmegaConf.create(data),
        overrides=tuple(str(o) for o in overrides),
    )


def _state_hint(cfg: DictConfig) -> str:
    states = sorted(cfg.scenario.states) if "states" in cfg.scenario else []
    rule = cfg.retaliation.get("name", "custom")
    return (
        f"say which state takes the '{rule}' rule: retaliation.state=STATE with STATE one of "
        f"{', '.join(states)}, or {ALL_STATES}"
    )


def _apply_retaliation(scenario: dict[str, Any], node: dict[str, Any] | None) -> None:
    if node is None:
        return
    node = dict(node)
    chosen = node.pop("state")
    states = list(scenario.get("states") or {})
    if chosen == ALL_STATES:
        targets = states
    elif isinstance(chosen, str):
        targets = [chosen]
    elif isinstance(chosen, list) and chosen and all(isinstance(s, str) for s in chosen):
        targets = chosen
    else:
        raise ConfigError(
            "retaliation.state", f"a state id, a list of them, or {ALL_STATES}; got {chosen!r}"
        )
    for state in targets:
        if state not in states:
            raise ConfigError(
                "retaliation.state",
                f"'{state}' is not a state of the scenario; "
                + did_you_mean(state, [*states, ALL_STATES]),
            )
    build_rule(node, "retaliation", "retaliation")
    for state in targets:
        scenario["states"][state]["retaliation"] = dict(node)


def _apply_ceasefire(scenario: dict[str, Any], node: dict[str, Any] | None) -> None:
    if node is None:
        return
    build_rule(node, "ceasefire", "ceasefire")
    scenario["ceasefire"] = dict(node)


def _check_mc(mc: MonteCarloConfig) -> None:
    for key in ("replications", "horizon", "chunk_size"):
        if getattr(mc, key) < 1:
            raise ConfigError(f"mc.{key}", f"must be >= 1, got {getattr(mc, key)}")
    if mc.seed < 0:
        raise ConfigError("mc.seed", f"must be >= 0, got {mc.seed}")
    if not mc.horizons or any(t < 1 for t in mc.horizons):
        raise ConfigError("mc.horizons", f"days of the summary, each >= 1; got {mc.horizons}")
    if mc.engine not in ENGINES:
        raise ConfigError(
            "mc.engine", f"one of {', '.join(ENGINES)} (default auto); got {mc.engine!r}"
        )
    if mc.stop is not None:
        mc.stop = _stopping_rule(mc.stop, mc.horizon)
    if not mc.rungs or any(not 0 <= k <= MAX_RUNG for k in mc.rungs):
        raise ConfigError(
            "mc.rungs", f"rungs of the summary, each in 0..{MAX_RUNG}; got {mc.rungs}"
        )


def _stopping_rule(stop: Any, horizon: int) -> dict[str, Any]:
    """Check ``mc.stop`` by building the :class:`~sim.montecarlo.StoppingRule` it describes."""
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


def _check_executor(executor: ExecutorConfig) -> None:
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


def _check_validation(validation: ValidationConfig, scenario: Scenario) -> None:
    if validation.tolerance_se <= 0:
        raise ConfigError("validation.tolerance_se", f"must be > 0, got {validation.tolerance_se}")
    if validation.exact:
        try:
            chain_parameters(scenario)
        except ValueError as exc:
            raise ConfigError(
                "validation.exact",
                f"the scenario is not a constant-probability Markov chain: {exc}",
            ) from None


# --- running --------------------------------------------------------------------------------


def run_experiment(
    experiment: Experiment | DictConfig,
    folder: str | Path | None = None,
    command: Sequence[str] | None = None,
    progress: bool | None = None,
) -> ExperimentResult:
    """Run an experiment and write its results folder.

    Parameters
    ----------
    experiment : Experiment or DictConfig
        From :func:`load_experiment`, or a config (checked here): a composed one, or the
        ``config.yaml`` of a results folder (``sim.load_results(path).config``) to run it again.
    folder : str or Path, optional
        The results folder (the CLI passes Hydra's run directory). By default a new folder
        ``<output.root>/<name>/<YYYY-MM-DD_HH-MM-SS>``; a folder that already holds a run is
        never overwritten: a suffix ``-1``, ``-2``, ... is added.
    command : sequence of str, optional
        The command to record in the manifest (default ``sys.argv``).
    progress : bool, optional
        Progress bar; None follows ``output`` (see :meth:`Experiment.simulate`).

    Returns
    -------
    ExperimentResult
    """
    if isinstance(experiment, DictConfig):
        experiment = experiment_from_config(experiment)
    results = _results_folder(experiment, folder)
    mc = experiment.mc
    results.write_config(experiment.config)
    results.write_overrides(list(experiment.overrides))
    record = store.manifest(
        mc.seed,
        command=command,
        extra={
            "experiment": experiment.name,
            "replications": mc.replications,
            "horizon": mc.horizon,
            "chunk_size": mc.chunk_size,
            "engine": mc.engine,
            "executor": experiment.executor.name,
        },
    )
    results.write_manifest(record)
    # Chunks stream to outcomes/ and are compacted into outcomes.parquet, both atomically.
    result = experiment.simulate(progress=progress, out_dir=results.path)
    horizons = _summary_horizons(mc)
    summary = stats.summary_table(result.outcomes, horizons=horizons, rungs=tuple(mc.rungs))
    results.write_summary(summary)
    validation = None
    if experiment.validation.exact:
        validation = compare_exact(
            result, horizons, tuple(mc.rungs), experiment.validation.tolerance_se
        )
        store.write_csv(validation, results.path / VALIDATION_FILE)
    extra: dict[str, Any] = {"run": result.info}
    if experiment.output.figures:
        from sim.plots import save_figures  # matplotlib only when figures are asked for

        try:
            save_figures(result, results.path / store.FIGURES_DIR)
        except Exception as exc:  # a failed figure must not cost the run its results
            extra["figures_error"] = f"{type(exc).__name__}: {exc}"
            _log.warning("figures not saved (%s); the results are complete", exc)
    results.write_manifest({**store.finish_manifest(record), **extra})
    return ExperimentResult(
        folder=results.path,
        experiment=experiment,
        result=result,
        summary=summary,
        validation=validation,
    )


def _results_folder(experiment: Experiment, folder: str | Path | None) -> store.ResultsFolder:
    if folder is None:
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        return store.ResultsFolder.create(experiment.output.root, f"{experiment.name}/{stamp}")
    path = Path(folder)
    if (path / store.MANIFEST_FILE).exists():
        return store.ResultsFolder.create(path.parent, path.name)
    path.mkdir(parents=True, exist_ok=True)
    return store.ResultsFolder(path)


def _summary_horizons(mc: MonteCarloConfig) -> tuple[int, ...]:
    """Return the summary days: those of ``mc.horizons`` the run covers, else the horizon."""
    return tuple(t for t in mc.horizons if t <= mc.horizon) or (mc.horizon,)


def compare_exact(
    result: SimulationResult,
    horizons: tuple[int, ...],
    rungs: tuple[int, ...],
    tolerance_se: float = 4.0,
) -> pd.DataFrame:
    """Monte Carlo P(max rung >= k within t days) beside the exact Markov-chain value.

    Parameters
    ----------
    result : SimulationResult
        A run of a constant-probability scenario.
    horizons, rungs : tuple of int
        Days t (those beyond the run's horizon are dropped) and rungs k.
    tolerance_se : float
        Largest accepted ``|monte_carlo - exact|`` in standard errors.

    Returns
    -------
    DataFrame
        One row per (rung, horizon): ``rung, rung_name, within_days, monte_carlo, exact,
        difference, se, z, agrees``, with ``se = sqrt(exact (1 - exact) / R)`` the standard error
        of the estimate if the exact value is right, and ``z = difference / se`` (0 when both
        are exactly equal, infinite when se is 0 and they differ).
    """
    exact = exact_escalation(result.scenario, result.horizon)
    summary = stats.summary_table(result.outcomes, horizons=horizons, rungs=rungs)
    rows = []
    for row in summary.itertuples(index=False):
        p = exact.escalation_probability(int(row.rung), int(row.within_days))
        se = math.sqrt(p * (1.0 - p) / row.replications)
        diff = float(row.probability) - p
        z = diff / se if se > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
        rows.append(
            (
                row.rung,
                row.rung_name,
                row.within_days,
                row.probability,
                p,
                diff,
                se,
                z,
                abs(z) <= tolerance_se,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "rung",
            "rung_name",
            "within_days",
            "monte_carlo",
            "exact",
            "difference",
            "se",
            "z",
            "agrees",
        ],
    )

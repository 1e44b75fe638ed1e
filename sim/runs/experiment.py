"""Named experiments: compose a config, check it, run it, and write a self-describing folder.

``python -m sim experiment=NAME`` and notebooks share this module; :mod:`sim.app.experiment`
composes a named one with Hydra and writes its results folder (an example is there).

A results folder holds ``config.yaml`` (the resolved config, with a chosen retaliation or
ceasefire rule already placed in the scenario), ``overrides.yaml``, ``manifest.json``,
``outcomes.parquet``, ``summary.csv``, ``figures/*.png`` (:func:`sim.plots.save_figures`) and,
for a validation run, ``validation.csv``; every file is written atomically
(:mod:`sim.storage.store`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.core import paths
from sim.core.errors import ConfigError, did_you_mean
from sim.rules import build_rule
from sim.runs.montecarlo import SimulationResult, simulate
from sim.runs.places import resolve_positions, resolve_sweep_positions
from sim.runs.run_checks import check_executor, check_history, check_mc, check_validation
from sim.runs.settings import (
    ALL_STATES,
    Config,
    ExecutorConfig,
    HistoryConfig,
    MonteCarloConfig,
    OutputConfig,
    ValidationConfig,
    settings_error,
)
from sim.scenario.loading import scenario_from_dict
from sim.scenario.posterior import Posterior, load_posterior
from sim.scenario.schema import Scenario
from sim.validation.exact import exact_escalation

__all__ = [
    "VALIDATION_FILE",
    "Experiment",
    "ExperimentResult",
    "compare_exact",
    "experiment_from_config",
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
    posterior : Posterior, optional
        Parameter draws the replications are spread over (``posterior=PATH``), checked against
        the scenario.
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
    posterior: Posterior | None = field(default=None, repr=False)

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
            from sim.history.replayer import start_from_history

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
            posterior=self.posterior,
            posterior_cell=self.mc.posterior_cell,
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
    _check_keys(cfg)
    try:
        if OmegaConf.get_type(cfg) is not Config:  # e.g. a config.yaml read back from a folder
            cfg = OmegaConf.merge(OmegaConf.structured(Config), cfg)
        if cfg.get("retaliation") is not None and OmegaConf.is_missing(cfg.retaliation, "state"):
            raise ConfigError("retaliation.state", _state_hint(cfg))
        ids = resolve_positions(cfg, overrides)
        data = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
        mc = OmegaConf.to_object(cfg.mc)
        executor = OmegaConf.to_object(cfg.executor)
        output = OmegaConf.to_object(cfg.output)
        validation = OmegaConf.to_object(cfg.validation)
        history = OmegaConf.to_object(cfg.history)
    except ConfigError:
        raise
    except Exception as exc:
        raise settings_error(exc) from None
    data.pop("positions", None)  # applied to the scenario above
    scenario_data = data["scenario"]
    resolve_sweep_positions(data, ids)
    _apply_retaliation(scenario_data, data.get("retaliation"))
    _apply_ceasefire(scenario_data, data.get("ceasefire"))
    scenario = scenario_from_dict(scenario_data, path="scenario")
    check_mc(mc)
    check_executor(executor)
    if output.casualty_max is not None and not 0 < output.casualty_max < float("inf"):
        raise ConfigError(
            "output.casualty_max",
            f"the casualty figure's top in deaths must be > 0, got {output.casualty_max}",
        )
    check_validation(validation, scenario)
    posterior = None
    if data.get("posterior") is not None:
        path = posterior_path(data["posterior"])
        if _for_another_scenario(path, scenario, overrides):
            data["posterior"] = None
        else:
            posterior = load_posterior(path, scenario)
            data["posterior"] = str(path)  # the saved config names the file wherever it is rerun
    check_history(history, scenario, mc.replications)
    return Experiment(
        name=str(data["name"]),
        question=str(data.get("question") or ""),
        scenario=scenario,
        mc=mc,
        executor=executor,
        output=output,
        validation=validation,
        history=history,
        posterior=posterior,
        config=OmegaConf.create(data),
        overrides=tuple(str(o) for o in overrides),
    )


def _for_another_scenario(path: Path, scenario: Scenario, overrides: Sequence[str]) -> bool:
    """Whether the experiment's own posterior was made for another scenario than the run's.

    A posterior the experiment file names (``seed_baseline``: the shipped one of pak_afg_2026)
    belongs to the scenario its record names (``<file>.json``, ``scenario``); with
    ``scenario=OTHER`` the run takes OTHER's point values instead, and says so. A posterior
    given on the command line (``posterior=PATH``) is always used, and checked.
    """
    if any(o.split("=", 1)[0].lstrip("+~") == "posterior" for o in overrides):
        return False
    try:
        record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    made_for = record.get("scenario") if isinstance(record, dict) else None
    if not made_for or made_for == scenario.name:
        return False
    _log.warning(
        "posterior: the experiment's posterior %s was made for scenario %s; scenario %s runs its "
        "point values (give posterior=PATH for a posterior of its own)",
        path.name,
        made_for,
        scenario.name,
    )
    return True


def posterior_path(name: str | Path) -> Path:
    """The file a ``posterior`` setting names, as an absolute path.

    A relative path is read from the working folder; if no such file is there, from the folder
    that holds ``configs/``, ``experiments/`` and ``seeds/`` (the checkout, or an installed
    wheel's package data), so a shipped posterior (``seeds/posteriors/pak_afg_2026.parquet``,
    named by ``experiments/seed_baseline.yaml``) is found from any folder.

    Examples
    --------
    >>> posterior_path("seeds/posteriors/pak_afg_2026.parquet").is_file()
    True
    """
    path = Path(str(name)).expanduser()
    if not path.is_absolute() and not path.exists() and (paths.DATA_ROOT / path).exists():
        path = paths.DATA_ROOT / path
    return path.resolve()


_SECTIONS = {
    "mc": MonteCarloConfig,
    "executor": ExecutorConfig,
    "output": OutputConfig,
    "validation": ValidationConfig,
    "history": HistoryConfig,
}


def _check_keys(cfg: DictConfig) -> None:
    """Refuse keys the schema lacks: ``+planet=mars`` adds a key even to a typed config."""
    for prefix, schema, node in [
        ("", Config, cfg),
        *((f"{name}.", schema, cfg.get(name)) for name, schema in _SECTIONS.items()),
    ]:
        if not isinstance(node, DictConfig):
            continue
        known = [f.name for f in dataclasses.fields(schema)]
        for key in node:
            if key not in known:
                raise ConfigError(f"{prefix}{key}", f"unknown key; {did_you_mean(str(key), known)}")


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


# --- running --------------------------------------------------------------------------------


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
    summary = result.summary(horizons=horizons, rungs=rungs)
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

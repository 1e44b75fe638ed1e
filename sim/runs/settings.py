"""Hydra structured configs: the schema of ``configs/``, where experiments live, and error messages.

The config tree (``configs/``, :data:`sim.core.paths.CONFIG_DIR`)::

    config.yaml        defaults: schema, scenario, retaliation, ceasefire, mc, executor, output,
                       experiment (seed_baseline); Hydra's run dir = the results folder
    scenario/          one YAML per scenario (typed by ScenarioConfig, derived from sim.scenario)
    retaliation/       one YAML per retaliation rule, plus ``custom`` for a user's class
    ceasefire/         one YAML per ceasefire rule, plus ``custom``
    mc/  executor/  output/

Named experiments are the YAML files of ``experiments/``
(:data:`sim.core.paths.EXPERIMENTS_DIR`), the
group ``experiment``: :class:`ExperimentsSearchPath` puts that folder on Hydra's config search path
through :class:`ExperimentsConfigSource` (scheme ``experiments://``), which serves
``experiments/NAME.yaml`` as ``experiment/NAME``. ``python -m sim --info searchpath`` shows it.

A scenario is chosen by name (``scenario=pak_afg_2026``, a file of ``configs/scenario/``) or by
path: a value ending in ``.yaml`` or ``.yml`` (``scenario=./my_crisis.yaml``,
``scenario=/abs/path.yaml``) is a user's scenario file, read relative to the current directory
by :class:`ScenarioFileConfigSource` and typed like the built-in ones.

Schemas are registered under ``schema/...`` in Hydra's ConfigStore, so they never show up as an
option of a selectable group; each YAML pulls its schema through its ``defaults`` list (Hydra's
structured-config tutorial, section 5.2). Rule config nodes are derived from the rule dataclasses
of :mod:`sim.rules`, and the scenario's from the dataclasses of :mod:`sim.scenario`, so a new rule
or field needs no second spelling here. A rule slot inside a scenario is typed ``Any``, so a
user's ``_target_`` class with its own fields still fits; :func:`sim.scenario.scenario_from_dict`
builds (and so checks) every rule before a run.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING, OmegaConf
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    MissingMandatoryValue,
    OmegaConfBaseException,
    ValidationError,
)

from sim.core.errors import ConfigError, did_you_mean
from sim.rules import CEASEFIRE_RULES, RETALIATION_RULES
from sim.runs.executors import EXECUTORS
from sim.runs.montecarlo import DEFAULT_CHUNK_SIZE
from sim.scenario.schema import MediatorSpec, MilitantSpec, Scenario, StateSpec

__all__ = [
    "EXECUTORS",
    "RULE_GROUPS",
    "Config",
    "ExecutorConfig",
    "MonteCarloConfig",
    "OutputConfig",
    "ValidationConfig",
    "settings_error",
]

EXPERIMENT_GROUP = "experiment"
SCENARIO_GROUP = "scenario"
SCENARIO_SUFFIXES = (".yaml", ".yml")
CUSTOM_RULE = "custom"
ALL_STATES = "all"


# --- schemas derived from sim.scenario and sim.rules -------------------------------------


def _derived(
    cls: type,
    name: str,
    nested: dict[str, type] | None = None,
    extra: list[tuple[str, Any, Any]] | None = None,
    optional: tuple[str, ...] = (),
) -> type:
    """Make a mutable schema dataclass with the fields of dataclass `cls`.

    Scalars keep their type (so OmegaConf refuses text where a number goes, naming the key),
    nested dataclasses become nested schemas, mappings and lists become untyped containers
    (their values are checked by :func:`sim.scenario.scenario_from_dict`), ``Any`` stays ``Any``.
    `nested` maps a field holding a mapping of id to spec onto that spec's schema; the fields
    named in `optional` default to None (the loader fills them, as it does for a file).
    """
    nested = nested or {}
    hints = typing.get_type_hints(cls)
    specs: list[tuple[str, Any, Any]] = list(extra or [])
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if f.name in nested:
            kind, default = dict[str, nested[f.name]], field(default_factory=dict)
        elif dataclasses.is_dataclass(hint):
            sub = _derived(hint, f"{hint.__name__}Config")
            kind, default = sub, field(default_factory=sub)
        else:
            origin = typing.get_origin(hint) or hint
            kind = {dict: dict[str, Any], list: list[Any]}.get(origin, hint)
            if f.default is not dataclasses.MISSING:
                default = field(default=f.default)
            elif f.default_factory is not dataclasses.MISSING:
                default = field(default_factory=f.default_factory)
            elif f.name in optional:
                default = field(default=None)
            else:
                default = field(default=MISSING)
        specs.append((f.name, kind, default))
    return dataclasses.make_dataclass(name, specs, module=__name__)


# --- schemas of the groups ------------------------------------------------------------------


@dataclass
class MonteCarloConfig:
    """How many replications, for how long, on which random numbers; what the summary shows.

    Parameters
    ----------
    replications : int
        R, >= 1.
    horizon : int
        T, days simulated, >= 1.
    seed : int
        The run's seed, >= 0: same config and seed give the same outcomes, bit for bit.
    chunk_size : int
        Replications advanced together, >= 1: memory and speed only, never the outcomes.
    horizons : list of int
        Days t of the summary table P(max rung >= k within t days); those beyond `horizon` are
        dropped.
    rungs : list of int
        Rungs k of the summary table, each 0..5.
    engine : {"auto", "numpy", "compiled"}
        How the days advance: ``auto`` (the compiled day for long runs of built-in rules, see
        :mod:`sim.engine.compiled`), or force the NumPy or the compiled day; same outcomes.
    stop : mapping, optional
        Adaptive stopping, the fields of :class:`sim.runs.montecarlo.StoppingRule`: run rounds of
        chunks until P(max rung >= ``rung`` within ``within`` days) is known to +- ``half_width``,
        `replications` being the cap; ``mc.stop={rung:4,within:90,half_width:0.005}``. A mapping
        rather than a typed node (OmegaConf cannot merge into an optional typed node); checked
        by :func:`sim.runs.experiment.experiment_from_config`.
    posterior_cell : int
        With a posterior: consecutive replications that share a parameter draw, >= 1
        (``docs/posterior.md``).
    """

    replications: int = 10_000
    horizon: int = 365
    seed: int = 0
    chunk_size: int = DEFAULT_CHUNK_SIZE
    horizons: list[int] = field(default_factory=lambda: [7, 30, 90, 365])
    rungs: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    engine: str = "auto"
    stop: Any = None
    posterior_cell: int = 256


@dataclass
class ExecutorConfig:
    """Where the chunks run.

    Parameters
    ----------
    name : {"serial", "processes", "dask"}
        In this process, in a local process pool, or on a Dask cluster.
    workers : int, optional
        Processes (or Dask local workers); None lets the executor choose.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); None starts a local cluster.
    """

    name: str = "serial"
    workers: int | None = None
    scheduler: str | None = None


@dataclass
class OutputConfig:
    """Where results go and what is shown while running.

    Parameters
    ----------
    root : str
        Parent folder of the results folders, relative to the current directory unless absolute.
    figures : bool
        Save figures into the results folder (when :mod:`sim.plots` is available).
    progress : bool, optional
        Show a progress bar; None shows one when stderr is a terminal.
    quiet : bool
        Print only the results folder's path (no progress bar, no table).
    casualty_max : float, optional
        The top of the casualty figure's x axis, in deaths, > 0; None takes it from the
        scenario and horizon (:func:`sim.plots.runs.casualty_axis_top`). Set it to compare
        the figures of runs of different scenarios or horizons.
    """

    root: str = "outputs"
    figures: bool = True
    progress: bool | None = None
    quiet: bool = False
    casualty_max: float | None = None


@dataclass
class ValidationConfig:
    """Compare the Monte Carlo with the exact Markov-chain probabilities (:mod:`~sim.validation`).

    Parameters
    ----------
    exact : bool
        Compute the exact values and write ``validation.csv``; the scenario must use
        constant-probability (or no) rules.
    tolerance_se : float
        Largest accepted difference, in standard errors of the Monte Carlo estimate, > 0.
    """

    exact: bool = False
    tolerance_se: float = 4.0


@dataclass
class HistoryConfig:
    """Start from the replayed event timeline (:mod:`sim.history`) instead of the scenario's values.

    Parameters
    ----------
    replay : bool
        Replay the timeline up to the as-of date and start every replication from that state.
    events : str, optional
        The timeline's CSV file, checked against the scenario's ids and as-of date; default the
        scenario's own (``scenario.timeline.events``).
    uncertainty : bool
        Draw each event's deaths within its sources' range, one draw per replication, so the
        projection carries that uncertainty (otherwise the best figures).
    """

    replay: bool = False
    events: str | None = None
    uncertainty: bool = False


StateConfig = _derived(StateSpec, "StateConfig")
MilitantConfig = _derived(MilitantSpec, "MilitantConfig")
MediatorConfig = _derived(MediatorSpec, "MediatorConfig")
ScenarioConfig = _derived(
    Scenario,
    "ScenarioConfig",
    nested={"states": StateConfig, "militants": MilitantConfig, "mediators": MediatorConfig},
    optional=("ceasefire",),  # docs/scenarios.md: left out, it is {name: none}
)


RULE_GROUPS: dict[str, dict[str, type]] = {
    "retaliation": RETALIATION_RULES,
    "ceasefire": CEASEFIRE_RULES,
}
"""The rule groups and their registries: one config option per registered rule, plus custom."""


def _rule_schema(kind: str, name: str, cls: type | None) -> type:
    """Make the schema of one rule option.

    It holds ``name`` (or ``_target_`` for a user's class), the rule's fields, and for a
    retaliation rule the ``state`` it applies to (required).
    """
    head: list[tuple[str, Any, Any]] = (
        [("name", str, field(default=name))]
        if cls is not None
        else [("_target_", str, field(default=MISSING))]
    )
    if kind == "retaliation":
        head.append(("state", Any, field(default=MISSING)))
    stem = cls.__name__ if cls is not None else "Custom"
    schema_name = f"{stem}{kind.capitalize()}Config"
    if cls is None:
        return dataclasses.make_dataclass(schema_name, head, module=__name__)
    return _derived(cls, schema_name, extra=head)


@dataclass
class Config:
    """The whole config of a run (``python -m sim --cfg job`` prints it).

    Parameters
    ----------
    name : str
        The experiment's name; names the results folder.
    question : str
        The research question the experiment answers (printed and saved with the results).
    scenario : ScenarioConfig
        The crisis (``configs/scenario/``).
    retaliation : rule node, optional
        A retaliation rule applied to ``retaliation.state`` (a state id or ``all``); None keeps
        each state's rule from the scenario.
    ceasefire : rule node, optional
        A ceasefire rule replacing ``scenario.ceasefire``; None keeps the scenario's.
    posterior : str, optional
        A posterior Parquet file (parameter draws and weights, ``docs/posterior.md``): the
        replications are spread over its draws and the summary shows posterior-predictive
        intervals beside the Monte Carlo ones. None runs the scenario's point values.
    mc, executor, output, validation, history
        See their schemas.
    sweep : mapping, optional
        A sweep over scenario keys (:meth:`sim.sweeps.Sweep.from_config`, checked there); with
        it, ``python -m sim`` runs the sweep instead of one Monte Carlo.
    robustness : mapping, optional
        Policies judged across futures (checked by
        :func:`sim.sweeps.robustness.robustness_from_config`); with it, ``python -m sim`` runs
        every policy in every future instead.
    backtest : mapping, optional
        The back-test's files and intervals (:class:`sim.backtest.BacktestSettings`, checked
        there); with it, ``python -m sim`` forecasts every episode of the library and scores
        the forecasts (``experiments/backtest.yaml``).
    calibration : mapping, optional
        An ABC-SMC calibration on the episode record (:class:`sim.calibration.CalibrationSettings`,
        checked there); with it, ``python -m sim`` calibrates instead
        (``experiments/calibrate.yaml``).
    checks : mapping, optional
        With ``calibration``: a check of it, ``kind: loo`` (leave-one-episode-out) or ``kind:
        sbc`` (simulation-based calibration), :class:`sim.calibration.checks.CheckSettings`.
    positions : mapping, optional
        Values an experiment file gives actors named by place (``scenario.mediators.0``), moved
        here when the file is read (:mod:`sim.scenario.positions`) and applied to the actor at
        that place when the config is checked; None after that.
    """

    name: str = "run"
    question: str = ""
    scenario: ScenarioConfig = MISSING  # type: ignore[valid-type]
    retaliation: Any = None
    ceasefire: Any = None
    posterior: str | None = None
    mc: MonteCarloConfig = field(default_factory=MonteCarloConfig)
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    sweep: Any = None
    robustness: Any = None
    backtest: Any = None
    positions: Any = None
    calibration: Any = None
    checks: Any = None


# --- errors -----------------------------------------------------------------------------------

_TYPE_NOUN = {"Integer": "a whole number", "Float": "a number", "Boolean": "true or false"}


def settings_error(exc: BaseException) -> ConfigError:
    """One :class:`~sim.core.errors.ConfigError` naming the key path, from an OmegaConf error.

    Parameters
    ----------
    exc : Exception
        Raised while OmegaConf merged or read a config (or a :class:`ConfigError`, returned as is).

    Returns
    -------
    ConfigError
        For a misspelt key: ``mc.replicatons: unknown key; did you mean 'replications'? ...``;
        for a wrong type: ``mc.replications: must be a whole number, got 'abc'``.
    """
    if isinstance(exc, ConfigError):
        return exc
    inner = _omegaconf_cause(exc)
    if inner is not None:
        return _omegaconf_error(inner)
    text = str(exc).strip()
    return ConfigError("", text.splitlines()[0] if text else type(exc).__name__)


def _omegaconf_cause(exc: BaseException) -> OmegaConfBaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OmegaConfBaseException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _omegaconf_error(exc: OmegaConfBaseException) -> ConfigError:
    key = str(exc.full_key or exc.key or "")
    msg = str(getattr(exc, "msg", "") or exc).splitlines()[0]
    if isinstance(exc, ConfigKeyError | ConfigAttributeError) and "not in" in msg:
        word = str(exc.key)
        known = _keys_of(exc.parent_node)
        hint = did_you_mean(word, known) if known else ""
        typed = OmegaConf.get_type(exc.parent_node) not in (dict, None)
        add = f"; to add a new key write +{key}=..." if key and not typed else ""
        return ConfigError(key, f"unknown key; {hint}{add}".rstrip("; "))
    if isinstance(exc, ValidationError) and "could not be converted" in msg:
        wanted = next((noun for kind, noun in _TYPE_NOUN.items() if kind in msg), "another type")
        return ConfigError(key, f"must be {wanted}, got {_offending(msg)}")
    if isinstance(exc, ValidationError) and "is not a valid bool" in msg:
        return ConfigError(key, f"must be true or false, got {_offending(msg)}")
    if isinstance(exc, MissingMandatoryValue):
        return ConfigError(key, "is required but not set")
    return ConfigError(key, msg)


def _offending(msg: str) -> str:
    """Return the quoted value of an OmegaConf message ("Value 'abc' of type ...")."""
    start = msg.find("'")
    end = msg.find("'", start + 1)
    return msg[start : end + 1] if 0 <= start < end else "another type"


def _keys_of(node: Any) -> list[str]:
    if node is None or not OmegaConf.is_dict(node):
        return []
    return [str(k) for k in node.keys()]

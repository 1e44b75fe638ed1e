"""Hydra: register the schemas, put experiments/ on the search path, translate its errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra.core.config_search_path import ConfigSearchPath
from hydra.core.config_store import ConfigStore
from hydra.core.object_type import ObjectType
from hydra.core.plugins import Plugins
from hydra.errors import ConfigCompositionException, HydraException, MissingConfigException
from hydra.plugins.config_source import ConfigLoadError, ConfigResult, ConfigSource
from hydra.plugins.search_path_plugin import SearchPathPlugin
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import (
    OmegaConfBaseException,
)

from sim.core import paths
from sim.core.errors import ConfigError, did_you_mean
from sim.runs.labels import folder_label
from sim.runs.settings import (
    CUSTOM_RULE,
    EXPERIMENT_GROUP,
    RULE_GROUPS,
    SCENARIO_GROUP,
    SCENARIO_SUFFIXES,
    Config,
    ExecutorConfig,
    MonteCarloConfig,
    OutputConfig,
    ScenarioConfig,
    _rule_schema,
    settings_error,
)
from sim.scenario.positions import SECTIONS, is_position


def register_configs() -> None:
    """Register the schemas under ``schema/`` and put ``experiments/`` on the search path.

    Idempotent; :func:`sim.app.cli.main` and :func:`sim.app.experiment.load_experiment` call it
    before Hydra composes a config.
    """
    if not OmegaConf.has_resolver("sim_folder"):
        # Names a results folder after its scenario and overrides (configs/config.yaml).
        OmegaConf.register_new_resolver(
            "sim_folder", lambda scenario, given: folder_label(str(scenario), str(given or ""))
        )
    cs = ConfigStore.instance()
    cs.store(group="schema", name="config", node=Config)
    cs.store(group="schema", name="scenario", node=ScenarioConfig)
    cs.store(group="schema", name="mc", node=MonteCarloConfig)
    cs.store(group="schema", name="executor", node=ExecutorConfig)
    cs.store(group="schema", name="output", node=OutputConfig)
    for kind, registry in RULE_GROUPS.items():
        for name, cls in registry.items():
            cs.store(group=f"schema/{kind}", name=name, node=_rule_schema(kind, name, cls))
        cs.store(group=f"schema/{kind}", name=CUSTOM_RULE, node=_rule_schema(kind, "", None))
    plugins = Plugins.instance()
    plugins.register(ExperimentsConfigSource)
    plugins.register(ScenarioFileConfigSource)
    plugins.register(ExperimentsSearchPath)


# --- experiments/ on the search path ----------------------------------------------------------


def _positions_apart(config: DictConfig) -> DictConfig:
    """Move the actors an experiment names by place (``scenario.mediators.0``) to ``positions``.

    Merged into the typed scenario, ``mediators.0`` would be a new mediator with every default
    filled in; kept apart, only the values the file gives are applied to the actor at that place
    (:func:`sim.runs.experiment.experiment_from_config`, :mod:`sim.scenario.positions`).
    """
    scenario = config.get("scenario")
    if not isinstance(scenario, DictConfig):
        return config
    moved: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        node = scenario.get(section)
        if not isinstance(node, DictConfig):
            continue
        for key in [k for k in node if is_position(k)]:
            moved.setdefault(section, {})[str(key)] = OmegaConf.to_container(node[key])
            del node[key]
    if moved:
        config.positions = moved
    return config


class ExperimentsConfigSource(ConfigSource):
    """Serve the YAML files of one folder as the config group ``experiment``.

    ``experiments://<folder>`` answers ``experiment/NAME`` with ``<folder>/NAME.yaml`` and knows
    nothing else, so the folder can sit at the repository's top level (``experiments/``).
    """

    @staticmethod
    def scheme() -> str:
        """Return the URL scheme of this source, ``experiments``."""
        return "experiments"

    def _file(self, config_path: str) -> Path | None:
        group, _, name = self._normalize_file_name(config_path).partition("/")
        if group != EXPERIMENT_GROUP or not name or "/" in name:
            return None
        return Path(self.path) / name

    def load_config(self, config_path: str) -> ConfigResult:
        """Load ``experiment/NAME`` from ``<folder>/NAME.yaml``."""
        path = self._file(config_path)
        if path is None or not path.is_file():
            raise ConfigLoadError(f"Config not found: {config_path}")
        text = path.read_text(encoding="utf-8")
        config = OmegaConf.create(text) if text.strip() else OmegaConf.create({})
        return ConfigResult(
            config=_positions_apart(config),
            path=f"{self.scheme()}://{self.path}",
            provider=self.provider,
            header=ConfigSource._get_header_dict(text),
        )

    def available(self) -> bool:
        """Whether the folder exists."""
        return Path(self.path).is_dir()

    def is_group(self, config_path: str) -> bool:
        """``""`` and ``experiment`` are groups here."""
        return config_path.strip("/") in ("", EXPERIMENT_GROUP) and self.available()

    def is_config(self, config_path: str) -> bool:
        """Whether ``experiment/NAME`` has a file."""
        path = self._file(config_path)
        return path is not None and path.is_file()

    def list(self, config_path: str, results_filter: ObjectType | None) -> list[str]:
        """List the group ``experiment`` at the top, and the experiments in it."""
        group = config_path.strip("/")
        if not self.available():
            return []
        if group == "":
            return [EXPERIMENT_GROUP] if results_filter in (None, ObjectType.GROUP) else []
        if group != EXPERIMENT_GROUP or results_filter == ObjectType.GROUP:
            return []
        return sorted(p.stem for p in Path(self.path).glob("*.yaml") if p.is_file())


class ScenarioFileConfigSource(ConfigSource):
    """Serve a user's scenario file given by path: ``scenario=PATH.yaml`` (or ``.yml``).

    Hydra asks for the option ``scenario/<value>``; a value with a YAML suffix is a path, relative
    to the current directory unless absolute, never the name of a built-in scenario (those are
    chosen without the suffix). This source comes first on the search path, so such a value is
    always read as a path, and a missing file fails with one message naming it.
    """

    @staticmethod
    def scheme() -> str:
        """Return the URL scheme of this source, ``scenario-file``."""
        return "scenario-file"

    @staticmethod
    def file(config_path: str) -> Path | None:
        """The file a ``scenario/<value>`` option names, or None if `value` is not a path."""
        group, _, value = config_path.partition("/")
        if group != SCENARIO_GROUP or not value.endswith(SCENARIO_SUFFIXES):
            return None
        return Path(value).expanduser()

    def load_config(self, config_path: str) -> ConfigResult:
        """Read the scenario file; a missing or unreadable one is a ConfigError naming it."""
        path = self.file(config_path)
        if path is None:
            raise ConfigLoadError(f"Config not found: {config_path}")
        if not path.is_file():
            raise ConfigError(
                f"{SCENARIO_GROUP}={path}",
                f"no scenario file at {path.resolve()}; give an existing YAML file "
                "(or a built-in scenario's name without .yaml: python -m sim --list)",
            )
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = (
                f"not UTF-8 text (byte {exc.start}); save it as YAML in UTF-8"
                if isinstance(exc, UnicodeDecodeError)
                else f"cannot be read ({exc.strerror})"
            )
            raise ConfigError(f"{SCENARIO_GROUP}={path}", reason) from None
        try:
            config = OmegaConf.create(text) if text.strip() else OmegaConf.create({})
        except (yaml.YAMLError, OmegaConfBaseException) as exc:
            problem = " ".join(str(exc).split())
            raise ConfigError(f"{SCENARIO_GROUP}={path}", f"not valid YAML: {problem}") from None
        return ConfigResult(
            config=config,
            path=f"{self.scheme()}://{path.resolve().parent}",
            provider=self.provider,
            header=ConfigSource._get_header_dict(text),
        )

    def available(self) -> bool:
        """Always: the source has no folder of its own."""
        return True

    def is_group(self, config_path: str) -> bool:
        """Never: the group ``scenario`` and its options belong to ``configs/``."""
        return False

    def is_config(self, config_path: str) -> bool:
        """Whether the option is a path (it may not exist: :meth:`load_config` says so)."""
        return self.file(config_path) is not None

    def list(self, config_path: str, results_filter: ObjectType | None) -> list[str]:
        """Nothing to list: the files are the user's."""
        return []


class ExperimentsSearchPath(SearchPathPlugin):
    """Put experiments and scenario files on Hydra's config search path.

    Appends ``experiments://<sim.core.paths.EXPERIMENTS_DIR>`` and prepends ``scenario-file://``
    (:class:`ScenarioFileConfigSource`).
    """

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        """Add the experiments folder (``SIM_EXPERIMENTS_DIR`` overrides its location)."""
        search_path.append(
            provider="sim-experiments",
            path=f"{ExperimentsConfigSource.scheme()}://{paths.EXPERIMENTS_DIR}",
        )
        search_path.prepend(
            provider="sim-scenario-file", path=f"{ScenarioFileConfigSource.scheme()}://"
        )


# --- errors -----------------------------------------------------------------------------------

_GROUP_NOUN = {
    "experiment": "experiment",
    "scenario": "scenario",
    "retaliation": "retaliation rule",
    "ceasefire": "ceasefire rule",
    "mc": "Monte Carlo setting",
    "executor": "executor",
    "output": "output setting",
}


def config_error(exc: BaseException) -> ConfigError:
    """One :class:`~sim.core.errors.ConfigError` naming the key path, from Hydra or OmegaConf.

    Parameters
    ----------
    exc : Exception
        Raised while Hydra composed a config or while OmegaConf read it.

    Returns
    -------
    ConfigError
        For a misspelt key: ``mc.replicatons: unknown key; did you mean 'replications'? ...``;
        for a misspelt option: ``scenario=pak_afg_2025: no such scenario; did you mean ...``;
        for a wrong type: ``mc.replications: must be a whole number, got 'abc'``.
    """
    if isinstance(exc, ConfigError):
        return exc
    ambiguous = _AMBIGUOUS.match(str(exc))
    if ambiguous:
        key, value = ambiguous.groups()
        if re.fullmatch(r"[+-]?\d+,\d+", value):
            return ConfigError(
                key,
                f"'{value}' has a decimal comma; write {value.replace(',', '.')} (a comma "
                "separates the values of a multirun, python -m sim -m ...)",
            )
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file:
        return _missing_option(exc)
    return settings_error(exc)


_AMBIGUOUS = re.compile(r"Ambiguous value for argument '\+*([^=']+)=([^']*)'")
_EXPONENT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE]\+?\d+")


def plain_numbers(overrides: Sequence[str]) -> list[str]:
    """Overrides with a whole number in exponent form (``mc.replications=1e6``) written out.

    Hydra reads ``1e6`` as the float 1000000.0, which a whole-number setting refuses; written
    out, it is the same number to a float setting and acceptable to a whole-number one.

    Examples
    --------
    >>> plain_numbers(["mc.replications=1e3", "scenario.decay=2.5e-1", "-m"])
    ['mc.replications=1000', 'scenario.decay=2.5e-1', '-m']
    """
    out = []
    for arg in overrides:
        key, sep, value = arg.partition("=")
        if sep and not arg.startswith("-") and _EXPONENT.fullmatch(value):
            number = float(value)
            if number.is_integer() and abs(number) < 2**53:
                arg = f"{key}={int(number)}"
        out.append(arg)
    return out


_PLACE_OVERRIDE = re.compile(r"^([+~]*)scenario\.(" + "|".join(SECTIONS) + r")\.(\d+)(?=[.=]|$)")
_SWEEP_VALUE = re.compile(r",|^(glob|range|choice|interval|tag|sort|shuffle)\(")


def place_overrides(overrides: Sequence[str]) -> list[str]:
    """Command-line overrides that name an actor by place rewritten with its id.

    ``scenario.mediators.0.leverage=0.9`` becomes ``scenario.mediators.usa.leverage=0.9`` when
    the run's scenario lists ``usa`` first among its mediators, as experiment files name actors
    by place (:mod:`sim.scenario.positions`). The scenario is found by composing the
    ``experiment=`` and ``scenario=`` choices alone; overrides without a place are returned as
    they are, and no composition happens when there are none. The results folder, the header
    and ``overrides.yaml`` then name the actor by its id.

    Parameters
    ----------
    overrides : sequence of str
        The command-line arguments (flags such as ``-m`` pass through).

    Returns
    -------
    list of str

    Raises
    ------
    ConfigError
        Naming the override's key when the place is beyond the scenario's actors, or when the
        scenario is itself swept (``-m scenario=a,b``: a place may name different actors).

    Examples
    --------
    >>> place_overrides(["mc.replications=500"])
    ['mc.replications=500']
    >>> place_overrides(["scenario=ind_pak_2019", "scenario.mediators.0.leverage=0.9"])
    ['scenario=ind_pak_2019', 'scenario.mediators.usa.leverage=0.9']
    """
    given = [str(o) for o in overrides]
    hits = [(i, m) for i, o in enumerate(given) if (m := _PLACE_OVERRIDE.match(o))]
    if not hits:
        return given
    choices = [o for o in given if o.split("=", 1)[0] in (EXPERIMENT_GROUP, SCENARIO_GROUP)]
    for choice in choices:
        if _SWEEP_VALUE.search(choice.split("=", 1)[1]):
            key = given[hits[0][0]].split("=", 1)[0]
            raise ConfigError(
                key,
                f"names an actor by place while {choice} sweeps over several choices, whose "
                "actors differ; name the actor by its id (python -m sim scenario=NAME --check "
                "lists them)",
            )
    name, ids = _scenario_ids(choices)
    out = list(given)
    for i, match in hits:
        prefix, section, place = match.group(1), match.group(2), int(match.group(3))
        listed = ids.get(section, [])
        if place >= len(listed):
            where = f"scenario.{section}.{place}"
            if listed:
                fix = (
                    f"give a place from 0 to {len(listed) - 1}, or the id "
                    f"(scenario.{section}.{listed[0]}...)"
                )
            else:
                fix = f"it has no {section}"
            raise ConfigError(
                where,
                f"names the {section} at place {place} (counting from 0), but scenario "
                f"{name!r} lists {len(listed)} {section} ({', '.join(listed) or 'none'}); {fix}",
            )
        out[i] = f"{prefix}scenario.{section}.{listed[place]}{given[i][match.end() :]}"
    return out


def _scenario_ids(choices: list[str]) -> tuple[str, dict[str, list[str]]]:
    """The scenario's name and the ids of each actor section, in the file's order."""
    from hydra import compose, initialize_config_dir

    register_configs()
    try:
        with initialize_config_dir(
            config_dir=str(paths.CONFIG_DIR), version_base="1.3", job_name="sim"
        ):
            cfg = compose(config_name="config", overrides=choices)
    except Exception as exc:  # Hydra and OmegaConf errors become one ConfigError
        raise config_error(exc) from None
    scenario = cfg.scenario
    ids = {s: [str(k) for k in scenario.get(s) or {}] for s in SECTIONS}
    return str(scenario.get("name") or ""), ids


def _missing_option(exc: MissingConfigException) -> ConfigError:
    group, _, option = str(exc.missing_cfg_file).rpartition("/")
    options = list(exc.options or [])
    if not group:
        return ConfigError("", f"no config '{option}' in {paths.CONFIG_DIR}")
    noun = _GROUP_NOUN.get(group, f"option of '{group}'")
    hint = did_you_mean(option, options) if options else "the group has no options"
    listing = " (python -m sim --list shows them all)" if group in _GROUP_NOUN else ""
    return ConfigError(f"{group}={option}", f"no such {noun}; {hint}{listing}")


def is_config_failure(exc: BaseException) -> bool:
    """Whether `exc` is a user's config mistake (Hydra, OmegaConf or :class:`ConfigError`)."""
    return isinstance(
        exc, ConfigError | HydraException | OmegaConfBaseException | ConfigCompositionException
    )

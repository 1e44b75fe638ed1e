"""A scenario: the states, militant groups and mediators of a crisis, as typed dataclasses.

Scenarios are written as YAML in ``configs/scenario/`` (each number with its basis in a comment)
and loaded with :func:`load_scenario`; :func:`scenario_from_dict` checks every key, type and range
and answers bad input with one :class:`~sim.errors.ConfigError` naming the key path.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ConfigError, did_you_mean
from sim.paths import CONFIG_DIR
from sim.rules import build_rule, rule_name
from sim.rules.inputs import MAX_RUNG

# Name of each rung of the escalation ladder, indexed by rung (0..5).
RUNG_NAMES = (
    "calm",
    "diplomatic crisis",
    "show of force",
    "limited strikes",
    "interstate clashes",
    "war",
)
_PROBABILITY = (0.0, 1.0)
_RUNG = (0, MAX_RUNG)
_NONNEG = (0.0, None)


def _spec(
    default: Any = dataclasses.MISSING,
    bounds: tuple | None = None,
    *,
    above: float | None = None,
    doc: str = "",
) -> Any:
    """A dataclass field with its allowed range (inclusive `bounds`, or strictly `above`)."""
    meta = {"bounds": bounds, "above": above, "doc": doc}
    if isinstance(default, dict | list):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Inflicted:
    """Mean deaths a state inflicts per day of action at each rung 0..5 (lists of six numbers).

    Parameters
    ----------
    military : list of float
        Soldiers of the opponent killed.
    civilian : list of float
        Civilians of the opponent killed.
    militant : list of float
        Fighters of militant groups hosted by the opponent killed (strikes on camps).
    """

    military: list = _spec([0.0] * 6, _NONNEG)
    civilian: list = _spec([0.0] * 6, _NONNEG)
    militant: list = _spec([0.0] * 6, _NONNEG)


@dataclass(frozen=True)
class StateSpec:
    """A state: chooses its rung toward each other state daily through its retaliation rule.

    Parameters
    ----------
    name : str
        Display name.
    capability : float
        Multiplier on the deaths it inflicts (`inflicted` is at capability 1), > 0.
    resolve, restraint : float
        In [0, 1]; read by the logistic rule.
    compliance : float
        Chance per day of keeping to the ceasefire cap when the rule wants more, in [0, 1].
    memory_days : int
        Days an unanswered provocation stays "received", >= 1.
    pressure, pressure_half_life, pressure_per_death : float
        Domestic pressure at the start; its half-life in days; its growth per own death.
    grievance, grievance_half_life, grievance_per_attack, grievance_per_death
        Grievance toward each other state at the start (mapping), its half-life in days, and
        its growth per attack attributed to that state and per death it caused.
    weariness, weariness_per_death : float
        War weariness at the start and its growth per own soldier killed (it does not decay).
    provocation : mapping of str to int
        Unanswered provocation from each other state at the start, rung 0..5.
    harm : mapping of str to float
        Deaths attributed to each other state and not yet answered, at the start.
    inflicted : Inflicted
        Deaths inflicted per day of action, by rung.
    retaliation : rule
        Its retaliation rule (see :mod:`sim.rules.retaliation`).
    """

    name: str
    retaliation: Any
    capability: float = _spec(1.0, above=0.0)
    resolve: float = _spec(0.5, _PROBABILITY)
    restraint: float = _spec(0.5, _PROBABILITY)
    compliance: float = _spec(1.0, _PROBABILITY)
    memory_days: int = _spec(7, (1, 365))
    pressure: float = _spec(0.0, _NONNEG)
    pressure_half_life: float = _spec(14.0, above=0.0)
    pressure_per_death: float = _spec(0.02, _NONNEG)
    grievance: dict = _spec({}, _NONNEG)
    grievance_half_life: float = _spec(60.0, above=0.0)
    grievance_per_attack: float = _spec(0.1, _NONNEG)
    grievance_per_death: float = _spec(0.01, _NONNEG)
    weariness: float = _spec(0.0, _NONNEG)
    weariness_per_death: float = _spec(0.001, _NONNEG)
    provocation: dict = _spec({}, _RUNG)
    harm: dict = _spec({}, _NONNEG)
    inflicted: Inflicted = field(default_factory=Inflicted)


@dataclass(frozen=True)
class MilitantSpec:
    """A militant group: attacks its target states from its host state's territory.

    Parameters
    ----------
    name : str
        Display name.
    host : str
        Id of the state whose territory it operates from.
    targets : mapping of str to float
        Base attack tempo against each target state, attacks per day, >= 0.
    attribution : float
        Chance that a target blames the host for a day's attacks, in [0, 1].
    major_attack_deaths : int
        Deaths in a day's attributed attacks that make them a provocation at `attack_rung`.
    attack_rung : int
        Rung at which the target "receives" an attributed major attack from the host, 1..5.
    casualty_alpha, casualty_scale : float
        Deaths per attack follow ``floor(scale * (U ** (-1 / (alpha - 1)) - 1))``, a discrete
        Lomax (Pareto II) law with tail exponent `alpha` (> 1) and scale (> 0).
    max_deaths_per_attack : int
        Cap on deaths per attack, >= 1.
    military_share : float
        Share of deaths that are soldiers or police, in [0, 1].
    max_attacks_per_day : int
        Cap on attacks per target per day (Poisson count truncated), >= 1.
    spoiler : float
        Tempo multiplier while the host and the target are under a ceasefire, >= 0.
    strength, max_strength : float
        Strength at the start (multiplies the tempo) and its ceiling, > 0.
    degradation : float
        Share of strength lost per day of strikes on its host by a target, in [0, 1].
    recovery_half_life : float
        Half-life in days of the gap between strength and 1 (recovery or attrition), > 0.
    recruitment_per_civilian_death : float
        Strength gained per civilian killed in its host by a target's strikes, >= 0.
    """

    name: str
    host: str
    targets: dict = _spec({}, _NONNEG)
    attribution: float = _spec(0.5, _PROBABILITY)
    major_attack_deaths: int = _spec(10, (1, None))
    attack_rung: int = _spec(2, (1, MAX_RUNG))
    casualty_alpha: float = _spec(2.5, above=1.0)
    casualty_scale: float = _spec(1.0, above=0.0)
    max_deaths_per_attack: int = _spec(150, (1, None))
    military_share: float = _spec(0.5, _PROBABILITY)
    max_attacks_per_day: int = _spec(4, (1, 50))
    spoiler: float = _spec(1.0, _NONNEG)
    strength: float = _spec(1.0, above=0.0)
    max_strength: float = _spec(2.0, above=0.0)
    degradation: float = _spec(0.05, _PROBABILITY)
    recovery_half_life: float = _spec(60.0, above=0.0)
    recruitment_per_civilian_death: float = _spec(0.0, _NONNEG)


@dataclass(frozen=True)
class MediatorSpec:
    """A mediator: while engaged, tries to broker a ceasefire between its two parties.

    Parameters
    ----------
    name : str
        Display name.
    parties : list of str
        The two states it mediates between.
    leverage : float
        Its leverage over the parties, in [0, 1].
    trust : mapping of str to float
        Each party's trust in it, in [0, 1].
    engage_rung : int
        It engages once the pair's rung reaches this, 0..5.
    attempt_rate : float
        Chance per engaged day of an attempt, in [0, 1].
    """

    name: str
    parties: list
    leverage: float = _spec(0.5, _PROBABILITY)
    trust: dict = _spec({}, _PROBABILITY)
    engage_rung: int = _spec(3, _RUNG)
    attempt_rate: float = _spec(0.1, _PROBABILITY)


@dataclass(frozen=True)
class Scenario:
    """A crisis: its actors, their rules and the ladder's starting point.

    Parameters
    ----------
    name, description, as_of : str
        Identity of the scenario and the date its starting state describes.
    states, militants, mediators : mapping of id to spec
        Actors by lower-case id.
    ceasefire : rule
        The ceasefire rule of every pair (see :mod:`sim.rules.ceasefire`).
    start_rung : int
        Rung of every pair on day 0, 0..5.
    decay : float
        Chance per day that a pair's rung drops by one when no state acted at or above it.
    ceasefire_cap : int
        Highest rung a state may act at under a ceasefire; acting above it is a violation.
    ceasefire_rung : int
        The pair's rung falls to at most this when a ceasefire is made.
    in_ceasefire : bool
        Whether the pairs start under a ceasefire.
    ceasefire_days : int
        Days that ceasefire has lasted by day 0.
    war_deaths : int
        Battle deaths that make a war (COW / UCDP: 1,000).
    """

    name: str
    states: dict
    ceasefire: Any
    militants: dict = field(default_factory=dict)
    mediators: dict = field(default_factory=dict)
    description: str = ""
    as_of: str = ""
    start_rung: int = _spec(0, _RUNG)
    decay: float = _spec(0.05, _PROBABILITY)
    ceasefire_cap: int = _spec(1, _RUNG)
    ceasefire_rung: int = _spec(1, _RUNG)
    in_ceasefire: bool = False
    ceasefire_days: int = _spec(0, (0, None))
    war_deaths: int = _spec(1000, (1, None))

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Every unordered pair of states, in the order the states are listed."""
        ids = list(self.states)
        return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (rules as ``name`` or ``_target_`` plus parameters)."""
        return _to_plain(self)

    def replace(self, **changes: Any) -> Scenario:
        """A copy with top-level fields changed, checked like a loaded scenario."""
        data = self.to_dict()
        data.update(changes)
        return scenario_from_dict(data)


_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _rule_to_plain(rule: Any) -> dict[str, Any]:
    name = rule_name(rule)
    key = "_target_" if "." in name else "name"
    params = dataclasses.asdict(rule) if dataclasses.is_dataclass(rule) else {}
    return {key: name, **params}


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and type(obj).__module__ == __name__:
        out = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            out[f.name] = (
                _rule_to_plain(value)
                if f.name in ("retaliation", "ceasefire")
                else _to_plain(value)
            )
        return out
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_to_plain(v) for v in obj]
    return obj


def _check_number(value: Any, kind: type, path: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(path, f"must be a number ({kind.__name__}), got {value!r}")
    if kind is int and value != int(value):
        raise ConfigError(path, f"must be a whole number, got {value!r}")
    return kind(value)


def _check_range(value: float, meta: Mapping[str, Any], path: str) -> None:
    low, high = meta.get("bounds") or (None, None)
    above = meta.get("above")
    if low is not None and value < low or high is not None and value > high:
        if (low, high) == _PROBABILITY:
            raise ConfigError(path, f"is a probability and must be in [0, 1], got {value}")
        span = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ConfigError(path, f"must be {span}, got {value}")
    if above is not None and value <= above:
        raise ConfigError(path, f"must be > {above}, got {value}")


def _check_value(value: Any, hint: Any, meta: Mapping[str, Any], path: str) -> Any:
    origin = typing.get_origin(hint) or hint
    if hint in (int, float):
        value = _check_number(value, hint, path)
        _check_range(value, meta, path)
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(path, f"must be true or false, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(path, f"must be text, got {value!r}")
        return value
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(path, f"must be a mapping, got {value!r}")
        kind = int if meta.get("bounds") == _RUNG else float
        return {str(k): _checked_number(v, kind, meta, f"{path}.{k}") for k, v in value.items()}
    if origin is list:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise ConfigError(path, f"must be a list, got {value!r}")
        return list(value)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path)
    return value


def _checked_number(value: Any, kind: type, meta: Mapping[str, Any], path: str) -> int | float:
    number = _check_number(value, kind, path)
    _check_range(number, meta, path)
    return number


def _build(cls: type, data: Any, path: str) -> Any:
    """Build dataclass `cls` from a mapping, checking names, types and ranges."""
    if not isinstance(data, Mapping):
        raise ConfigError(path, f"must be a mapping of {cls.__name__} fields, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if unknown:
        key = str(unknown[0])
        raise ConfigError(
            f"{path}.{key}" if path else key, f"unknown key; {did_you_mean(key, fields)}"
        )
    values = {}
    for name, f in fields.items():
        sub = f"{path}.{name}" if path else name
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(sub, "is required")
            continue
        if hints[name] is Any:
            values[name] = data[name]
        else:
            values[name] = _check_value(data[name], hints[name], f.metadata, sub)
    return cls(**values)


def _check_inflicted(inflicted: Inflicted, path: str) -> None:
    for f in dataclasses.fields(Inflicted):
        values = getattr(inflicted, f.name)
        if len(values) != MAX_RUNG + 1:
            raise ConfigError(
                f"{path}.{f.name}", f"needs one mean per rung 0..5 (6 numbers), got {len(values)}"
            )
        for k, v in enumerate(values):
            _checked_number(v, float, f.metadata, f"{path}.{f.name}[{k}]")


def _actors(cls: type, data: Any, path: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(path, f"must be a mapping of id to {cls.__name__}, got {data!r}")
    out = {}
    for key, spec in data.items():
        if not _ID.match(str(key)):
            raise ConfigError(f"{path}.{key}", "ids are lower-case letters, digits and _")
        out[str(key)] = _build(cls, spec, f"{path}.{key}")
    return out


def _require_state(state: str, states: Mapping[str, Any], path: str, role: str) -> None:
    if state not in states:
        raise ConfigError(
            path, f"{role} '{state}' is not a state of the scenario; " + did_you_mean(state, states)
        )


def scenario_from_dict(data: Mapping[str, Any], path: str = "scenario") -> Scenario:
    """Build and check a :class:`Scenario` from plain data (a parsed YAML file).

    Parameters
    ----------
    data : mapping
        The scenario's keys (see :class:`Scenario`); a Hydra ``defaults`` list is ignored.
    path : str
        Key path of the scenario in a larger config, for error messages.

    Returns
    -------
    Scenario

    Raises
    ------
    ConfigError
        One message naming the first bad key, e.g. ``scenario.militants.ttp.host: host 'pakistn'
        is not a state of the scenario; did you mean 'pakistan'? ...``.
    """
    data = {k: v for k, v in dict(data).items() if k != "defaults"}
    raw = dict(data)
    for key in ("states", "militants", "mediators", "ceasefire"):
        raw.pop(key, None)
    top = _build(Scenario, {"name": "", "states": {}, "ceasefire": None, **raw}, path)
    if "states" not in data or not data["states"]:
        raise ConfigError(f"{path}.states", "a scenario needs at least one state")
    states = _actors(StateSpec, data["states"], f"{path}.states")
    built_states = {}
    for sid, spec in states.items():
        spath = f"{path}.states.{sid}"
        _check_inflicted(spec.inflicted, f"{spath}.inflicted")
        for key in ("grievance", "provocation", "harm"):
            for other in getattr(spec, key):
                _require_state(other, states, f"{spath}.{key}.{other}", "opponent")
                if other == sid:
                    raise ConfigError(
                        f"{spath}.{key}.{other}", f"a state has no {key} toward itself"
                    )
        rule = build_rule(spec.retaliation, "retaliation", f"{spath}.retaliation")
        built_states[sid] = dataclasses.replace(spec, retaliation=rule)
    militants = _actors(MilitantSpec, data.get("militants"), f"{path}.militants")
    for gid, spec in militants.items():
        gpath = f"{path}.militants.{gid}"
        _require_state(spec.host, states, f"{gpath}.host", "host")
        for target in spec.targets:
            _require_state(target, states, f"{gpath}.targets.{target}", "target")
        if spec.strength > spec.max_strength:
            raise ConfigError(
                f"{gpath}.strength",
                f"must be <= max_strength ({spec.max_strength}), got {spec.strength}",
            )
    mediators = _actors(MediatorSpec, data.get("mediators"), f"{path}.mediators")
    for mid, spec in mediators.items():
        mpath = f"{path}.mediators.{mid}"
        if len(spec.parties) != 2 or spec.parties[0] == spec.parties[1]:
            raise ConfigError(
                f"{mpath}.parties", f"must name two different states, got {spec.parties}"
            )
        for party in spec.parties:
            _require_state(str(party), states, f"{mpath}.parties", "party")
        if set(spec.trust) != set(spec.parties):
            raise ConfigError(
                f"{mpath}.trust",
                f"give the trust of each party {spec.parties}, got {sorted(spec.trust)}",
            )
    ceasefire = build_rule(
        data.get("ceasefire", {"name": "none"}), "ceasefire", f"{path}.ceasefire"
    )
    if top.ceasefire_rung > top.start_rung and top.in_ceasefire:
        raise ConfigError(
            f"{path}.ceasefire_rung",
            "must not exceed start_rung when the scenario starts under a ceasefire",
        )
    return dataclasses.replace(
        top, states=built_states, militants=militants, mediators=mediators, ceasefire=ceasefire
    )


def scenario_path(name: str | Path) -> Path:
    """The YAML file of a scenario given by name (``configs/scenario/NAME.yaml``) or path."""
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml"):
        if not candidate.is_file():
            raise ConfigError("scenario", f"no scenario file at {candidate}")
        return candidate
    folder = CONFIG_DIR / "scenario"
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = [p.stem for p in folder.glob("*.yaml")]
        raise ConfigError(
            "scenario", f"unknown scenario '{name}'; {did_you_mean(str(name), known)}"
        )
    return path


def load_scenario(name: str | Path = "pak_afg_2026") -> Scenario:
    """Load a scenario by name (from ``configs/scenario/``) or from a YAML file path.

    Examples
    --------
    >>> import sim
    >>> scenario = sim.load_scenario("pak_afg_2026")
    >>> sorted(scenario.states)
    ['afghanistan', 'pakistan']
    """
    path = scenario_path(name)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError("scenario", f"{path} is not valid YAML: {exc}") from None
    return scenario_from_dict(data or {})

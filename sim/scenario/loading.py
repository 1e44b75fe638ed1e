"""Load a scenario from YAML and check every key, type and range of it."""

from __future__ import annotations

import dataclasses
import datetime
import math
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sim.core.errors import ConfigError, did_you_mean
from sim.core.ladder import MAX_RUNG
from sim.core.paths import CONFIG_DIR
from sim.rules import build_rule
from sim.scenario.priors import check_priors
from sim.scenario.schema import (
    _ID,
    _PROBABILITY,
    _RUNG,
    Inflicted,
    MediatorSpec,
    MilitantSpec,
    Scenario,
    StateSpec,
    TimelineSpec,
)

CHANNEL_KINDS = ("clash", "strike", "closure", "statement")
"""Timeline kinds of a state's action (`sim.history.ACTION_RUNGS`): what may open a channel."""


def _check_number(value: Any, kind: type, path: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(path, f"must be a number ({kind.__name__}), got {value!r}")
    # NaN fails no comparison and inf passes every lower bound: refuse both before any range.
    if not math.isfinite(value):
        raise ConfigError(path, f"must be a finite number, got {value}")
    if kind is int and value != int(value):
        raise ConfigError(path, f"must be a whole number, got {value!r}")
    return kind(value)


def _check_range(value: float, meta: Mapping[str, Any], path: str) -> None:
    low, high = meta.get("bounds") or (None, None)
    above = meta.get("above")
    if above is not None and value <= above:
        raise ConfigError(path, f"must be > {above}, got {value}")
    if low is not None and value < low or high is not None and value > high:
        if (low, high) == _PROBABILITY:
            raise ConfigError(path, f"is a probability and must be in [0, 1], got {value}")
        if above is not None:
            span = f"in ({above}, {high}]"
        else:
            span = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ConfigError(path, f"must be {span}, got {value}")


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


def _check_as_of(value: Any, path: str) -> str:
    """The as-of date as ``YYYY-MM-DD`` text; YAML reads an unquoted date as a date: accept it."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        if value == "":
            return value
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ConfigError(
        path, f'must be a date written YYYY-MM-DD, e.g. as_of: "2026-02-22"; got {value!r}'
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
    for key in ("states", "militants", "mediators", "ceasefire", "priors", "timeline"):
        raw.pop(key, None)
    if "as_of" in raw:
        raw["as_of"] = _check_as_of(raw["as_of"], f"{path}.as_of")
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
        if spec.opened_by and spec.opened_by not in CHANNEL_KINDS:
            raise ConfigError(
                f"{mpath}.opened_by",
                f"must be a timeline kind of a state's action ({', '.join(CHANNEL_KINDS)}) or "
                f"empty, got {spec.opened_by!r}",
            )
        if set(spec.trust) != set(spec.parties):
            raise ConfigError(
                f"{mpath}.trust",
                f"give the trust of each party {spec.parties}, got {sorted(spec.trust)}",
            )
    ceasefire = build_rule(
        data.get("ceasefire") or {"name": "none"}, "ceasefire", f"{path}.ceasefire"
    )
    if top.ceasefire_rung > top.start_rung and top.in_ceasefire:
        raise ConfigError(
            f"{path}.ceasefire_rung",
            "must not exceed start_rung when the scenario starts under a ceasefire",
        )
    scenario = dataclasses.replace(
        top, states=built_states, militants=militants, mediators=mediators, ceasefire=ceasefire
    )
    priors = check_priors(scenario, data.get("priors") or {}, f"{path}.priors")
    timeline = _check_timeline(data.get("timeline"), scenario, f"{path}.timeline")
    return dataclasses.replace(scenario, priors=priors, timeline=timeline)


def _check_timeline(data: Any, scenario: Scenario, path: str) -> TimelineSpec:
    """The scenario's timeline block: a file name, aliases onto its groups, further actor ids."""
    if data is None:
        return TimelineSpec()
    if not isinstance(data, Mapping):
        raise ConfigError(
            path, f"must be a mapping of events, aliases, actors, episodes; got {data!r}"
        )
    fields = [f.name for f in dataclasses.fields(TimelineSpec)]
    for key in data:
        if key not in fields:
            raise ConfigError(f"{path}.{key}", f"unknown key; {did_you_mean(str(key), fields)}")
    files = {}
    for key in ("events", "episodes"):
        files[key] = data.get(key) or ""
        if not isinstance(files[key], str):
            raise ConfigError(
                f"{path}.{key}", f"must be the CSV file's name or path, got {files[key]!r}"
            )
    known = {*scenario.states, *scenario.militants, *scenario.mediators}
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, Mapping):
        raise ConfigError(f"{path}.aliases", f"must map a timeline id to a group, got {aliases!r}")
    for alias, group in aliases.items():
        where = f"{path}.aliases.{alias}"
        if not _ID.match(str(alias)):
            raise ConfigError(where, "ids are lower-case letters, digits and _")
        if alias in known:
            raise ConfigError(where, f"'{alias}' is already an actor of the scenario; drop it")
        if group not in scenario.militants:
            raise ConfigError(
                where,
                f"'{group}' is not a militant group of the scenario; "
                + did_you_mean(str(group), scenario.militants),
            )
    actors = data.get("actors") or []
    if isinstance(actors, str) or not isinstance(actors, list | tuple):
        raise ConfigError(f"{path}.actors", f"must be a list of ids, got {actors!r}")
    for actor in actors:
        if not isinstance(actor, str) or not _ID.match(actor):
            raise ConfigError(
                f"{path}.actors", f"ids are lower-case letters, digits and _; got {actor!r}"
            )
    return TimelineSpec(
        aliases={str(k): str(v) for k, v in aliases.items()}, actors=list(actors), **files
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
    return scenario_from_dict(read_yaml(path, "scenario") or {})


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (it would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # a merge (<<) may override keys: that is what it is for
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} on line {line} was already given on line {seen[key]}; "
                    "keep one of them",
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path, key: str = "scenario") -> Any:
    """Read a YAML file as plain data; any problem is one :class:`ConfigError` naming the file.

    Parameters
    ----------
    path : str or Path
        The file.
    key : str
        The key path reported with a problem (``scenario``).

    Returns
    -------
    Any
        The file's content (None for an empty file).

    Raises
    ------
    ConfigError
        The file is missing, a folder, unreadable, not UTF-8 text, not valid YAML, or gives a
        key twice in one mapping (PyYAML would keep the last silently; Hydra refuses it).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(key, f"no file at {path}; give an existing YAML file") from None
    except IsADirectoryError:
        raise ConfigError(key, f"{path} is a folder; give a YAML file") from None
    except PermissionError:
        raise ConfigError(key, f"{path} cannot be read (permission denied)") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            key, f"{path} is not UTF-8 text (byte {exc.start}); save it as YAML in UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise ConfigError(key, f"{path} is not valid YAML: {problem}") from None

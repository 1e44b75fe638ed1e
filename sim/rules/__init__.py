"""Retaliation and ceasefire rules, and how a config node becomes one.

A rule node is a mapping with either ``name`` (a registered short name such as ``threshold``) or
``_target_`` (the import path of any class with the rule's methods, so a user's own rule plugs in
without touching the package), plus the rule's parameters.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import typing
from collections.abc import Mapping
from typing import Any

from sim.core.errors import ConfigError, did_you_mean
from sim.rules import ceasefire, retaliation
from sim.rules.ceasefire import CEASEFIRE_RULES
from sim.rules.inputs import CeasefireStatus, DecisionInputs, TalksInputs
from sim.rules.retaliation import RETALIATION_RULES

_KINDS: dict[str, tuple[dict[str, type], tuple[str, ...]]] = {
    "retaliation": (RETALIATION_RULES, ("decide",)),
    "ceasefire": (CEASEFIRE_RULES, ("agree", "ends")),
}


def rule_name(rule: Any) -> str:
    """The registered short name of a rule, or its import path for a user's class."""
    for registry, _ in _KINDS.values():
        for name, cls in registry.items():
            if type(rule) is cls:
                return name
    cls = type(rule)
    return f"{cls.__module__}.{cls.__qualname__}"


def _import(target: str, path: str) -> type:
    module_name, _, attr = target.rpartition(".")
    if not module_name:
        raise ConfigError(path, f"'{target}' is not an import path such as 'mypkg.rules.MyRule'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            path,
            f"cannot import module '{module_name}' for '{target}' ({exc}); check the "
            "spelling and that the module is on PYTHONPATH",
        ) from None
    try:
        return getattr(module, attr)
    except AttributeError:
        names = [n for n in dir(module) if not n.startswith("_")]
        raise ConfigError(
            path, f"module '{module_name}' has no '{attr}'; {did_you_mean(attr, names)}"
        ) from None


def _coerce(cls: type, params: dict[str, Any], path: str) -> dict[str, Any]:
    """Check parameter names and numeric types of a dataclass rule before building it."""
    if not dataclasses.is_dataclass(cls):
        return params
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    out = {}
    for key, value in params.items():
        if key not in fields:
            hint = did_you_mean(key, fields) if fields else "this rule takes no parameters"
            raise ConfigError(f"{path}.{key}", f"unknown parameter of {cls.__name__}; {hint}")
        kind = hints.get(key)
        if kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(
                    f"{path}.{key}", f"must be a number ({kind.__name__}), got {value!r}"
                )
            if not math.isfinite(value):
                raise ConfigError(f"{path}.{key}", f"must be a finite number, got {value}")
            if kind is int and value != int(value):
                raise ConfigError(f"{path}.{key}", f"must be a whole number, got {value!r}")
            value = kind(value)
        out[key] = value
    return out


def build_rule(node: Any, kind: str, path: str | None = None) -> Any:
    """Build a retaliation or ceasefire rule from a config node.

    Parameters
    ----------
    node : Mapping or rule instance
        ``{"name": "threshold", "level": 2.0}`` or ``{"_target_": "pkg.Mod.Rule", ...}``; a rule
        object is returned unchanged.
    kind : {"retaliation", "ceasefire"}
        Which kind of rule the slot takes.
    path : str, optional
        Config path of the node, used in error messages.

    Returns
    -------
    object
        The rule instance.

    Raises
    ------
    ConfigError
        Unknown name, unimportable target, unknown parameter, wrong type or bad value; the
        message names the key path.
    """
    registry, methods = _KINDS[kind]
    path = path or kind
    if not isinstance(node, Mapping):
        if all(callable(getattr(node, m, None)) for m in methods):
            return node
        raise ConfigError(path, f"expected a mapping with 'name' or '_target_', got {node!r}")
    params = {str(k): v for k, v in node.items()}
    target = params.pop("_target_", None)
    name = params.pop("name", None)
    if (target is None) == (name is None):
        raise ConfigError(
            path, f"give exactly one of 'name' ({', '.join(sorted(registry))}) or '_target_'"
        )
    if name is not None:
        if name not in registry:
            raise ConfigError(
                f"{path}.name",
                f"unknown {kind} rule '{name}'; " + did_you_mean(str(name), registry),
            )
        cls = registry[name]
    else:
        cls = _import(str(target), f"{path}._target_")
    missing = [m for m in methods if not callable(getattr(cls, m, None))]
    if missing:
        raise ConfigError(
            path,
            f"{cls.__name__} is not a {kind} rule: it lacks "
            + ", ".join(f"{m}()" for m in missing),
        )
    params = _coerce(cls, params, path)
    try:
        return cls(**params)
    except (TypeError, ValueError) as exc:
        # Rules name the offending field first ("p_act must be ..."): point the path at it.
        first = str(exc).split(" ", 1)[0]
        where = f"{path}.{first}" if first in params else path
        raise ConfigError(where, f"{cls.__name__}: {exc}") from None


__all__ = [
    "CEASEFIRE_RULES",
    "RETALIATION_RULES",
    "CeasefireStatus",
    "DecisionInputs",
    "TalksInputs",
    "build_rule",
    "ceasefire",
    "retaliation",
    "rule_name",
]

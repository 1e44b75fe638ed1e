"""``python -m sim [experiment=NAME] [scenario=PATH] [key=value ...] --check``: check, do not run.

Composes the experiment exactly as a run would (so every check of the schema applies and a bad
value ends with the usual one-line error), then prints every parameter of the scenario with its
value, where the value comes from, and its basis:

- ``file``: set in the scenario's YAML; the basis is the comment on its line.
- ``default``: left out of the file and filled by the schema's default (docs/scenarios.md gives
  each default and the basis of that default).
- ``changed``: the file sets another value, or another rule, and the experiment or the command
  line changed it (``scenario.KEY=VALUE``, ``retaliation=NAME``, ``ceasefire=NAME``).

Every parameter whose origin gives it no basis gets a warning: a file value without a comment, a
default, an override. Nothing is run and nothing is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.app.experiment import load_experiment
from sim.rules import rule_name
from sim.scenario.loading import scenario_path
from sim.scenario.priors import parameter_bases
from sim.scenario.schema import Scenario

CHECK_FLAG = "--check"
# Text, not parameters (they need no basis): descriptions, dates, display names, the timeline's
# file and ids; and the priors, which are the basis of other parameters.
_TEXT = {"name", "description", "as_of", "priors", "timeline"}


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One parameter of the scenario as it will run."""

    key: str
    value: Any
    origin: str  # "file", "default" or "changed"
    basis: str

    @property
    def warning(self) -> str | None:
        """Why this parameter has no basis, or None when it has one."""
        if self.origin == "file" and not self.basis:
            return "set in the file without a basis comment; add '# <source or assumption>'"
        if self.origin == "default":
            return "filled by the schema's default; set it in the file with its basis"
        if self.origin == "changed":
            return "changed by the experiment or the command line; the file's basis does not apply"
        return None


def split_check_flag(args: Sequence[str]) -> tuple[bool, list[str]]:
    """Whether `args` ask for the check, and the arguments without the flag."""
    rest = [a for a in args if a != CHECK_FLAG]
    return len(rest) != len(args), rest


def scenario_parameters(args: Sequence[str]) -> tuple[Scenario, Path, list[Parameter]]:
    """Compose the experiment of `args` and list the scenario's parameters as it will run.

    Parameters
    ----------
    args : sequence of str
        Command-line arguments without ``--check``: ``experiment=NAME``, ``scenario=NAME|PATH``
        and overrides.

    Returns
    -------
    scenario : Scenario
        The checked scenario.
    path : Path
        The scenario file read.
    parameters : list of Parameter
        Every parameter, in the scenario's order.

    Raises
    ------
    ConfigError
        What a run would raise for the same arguments.
    """
    name = next((a.split("=", 1)[1] for a in args if a.startswith("experiment=")), None)
    overrides = [a for a in args if not a.startswith("experiment=")]
    experiment = load_experiment(name, overrides)
    scenario = experiment.scenario
    chosen = next((a.split("=", 1)[1] for a in overrides if a.startswith("scenario=")), None)
    path = scenario_path(chosen if chosen is not None else scenario.name)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    bases = parameter_bases(path)
    parameters = []
    for key, value in _flatten(scenario):
        found, written = _lookup(raw, key)
        if _rule_replaced(scenario, raw, key):
            origin = "changed"
        elif found:
            origin = "file" if _same(value, written) else "changed"
        else:
            origin = "default"
        basis = _basis(bases, key) if origin == "file" else ""
        parameters.append(Parameter(key, value, origin, basis))
    return scenario, path, parameters


def report(args: Sequence[str]) -> str:
    """The text ``--check`` prints for `args`."""
    scenario, path, parameters = scenario_parameters(args)
    width = max(len(p.key) for p in parameters)
    lines = [
        f"scenario {scenario.name} (as of {scenario.as_of or 'no date'}) from {path}: valid",
        f"{len(parameters)} parameters as they will run; origin: file, default (not in the file) "
        "or changed (by the experiment or the command line)",
        "",
    ]
    for p in parameters:
        value = _short(p.value)
        lines.append(f"{p.key.ljust(width)}  {value:<16} {p.origin:<8} {p.basis}".rstrip())
    warnings = [p for p in parameters if p.warning]
    lines.append("")
    lines.append(f"{len(warnings)} parameter(s) without a basis" + (":" if warnings else "."))
    lines.extend(f"warning: {p.key}: {p.warning}" for p in warnings)
    return "\n".join(lines)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Key paths and values of the scenario; a rule also gives its ``name``, as files write it."""
    if dataclasses.is_dataclass(value):
        items = [(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)]
        if _is_rule(value):
            items.insert(0, ("name", rule_name(value)))
        else:
            items = [(k, v) for k, v in items if k not in _TEXT]
    elif isinstance(value, dict) and value:
        items = list(value.items())
    else:
        return [(prefix, value)]
    out = []
    for key, item in items:
        out.extend(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _lookup(raw: Any, key: str) -> tuple[bool, Any]:
    node = raw
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _same(value: Any, written: Any) -> bool:
    if isinstance(value, list | tuple) and isinstance(written, list | tuple):
        return len(value) == len(written) and all(map(_same, value, written))
    if isinstance(value, bool) or isinstance(written, bool):
        return value is written
    if isinstance(value, int | float) and isinstance(written, int | float):
        return float(value) == float(written)
    return value == written


def _rule_replaced(scenario: Scenario, raw: Any, key: str) -> bool:
    """Whether `key` lies in a rule that the file names differently (a group option replaced it)."""
    node, obj = raw, scenario
    for part in key.split("."):
        if isinstance(node, dict) and ("name" in node or "_target_" in node) and _is_rule(obj):
            kind = type(obj)
            written = node.get("_target_", node.get("name"))
            return written not in (rule_name(obj), f"{kind.__module__}.{kind.__qualname__}")
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
    return False


def _is_rule(obj: Any) -> bool:
    return dataclasses.is_dataclass(obj) and type(obj).__module__.startswith("sim.rules")


def _basis(bases: dict[str, str], key: str) -> str:
    """The comment of the key's line, or of the nearest enclosing key written on one line."""
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        comment = bases.get(".".join(parts[:end]))
        if comment:
            return comment
    return ""


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 16 else text[:13] + "..."


__all__ = ["CHECK_FLAG", "Parameter", "report", "scenario_parameters", "split_check_flag"]

"""A sweep's levers: :class:`Parameter` (a key path and its values) and :class:`Point`.

A parameter names a scenario key by its path (``mediators.qatar.leverage``), or
``mc.replications`` / ``mc.horizon``, with a list of values (numbers, text or whole rule nodes) or
a range; :class:`~sim.sweeps.design.Sweep` expands the parameters into points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.core.errors import ConfigError, did_you_mean

__all__ = ["FROM_PRIOR", "MC_KEYS", "Parameter", "Point", "ranges_from_priors"]

MC_KEYS = ("replications", "horizon")
"""Monte Carlo settings a sweep may vary (``mc.<key>``); the seed is shared by every point."""

_PARAMETER_KEYS = ("path", "values", "low", "high", "num", "integer", "name", "labels")

FROM_PRIOR = "prior"
"""A parameter's spec that takes its range from the scenario's prior (`ranges_from_priors`)."""


def ranges_from_priors(parameters: Mapping[str, Any], scenario: Any, where: str) -> dict[str, Any]:
    """Parameters given as ``prior`` get the range of the scenario's prior for their key path.

    A design written for any scenario cannot carry one scenario's ranges: each scenario states
    the plausible range of its own assumptions in its ``priors`` block (docs/scenarios.md). A
    parameter whose spec is the text ``prior`` takes that prior's support, ``low`` to ``high``
    (``integer`` for an integer prior), sampled as any range; other specs are kept as given.

    Parameters
    ----------
    parameters : mapping
        Name (the key path, with ids) -> spec, as in ``sweep.parameters``.
    scenario : Scenario
        The scenario run; its ``priors`` give the ranges.
    where : str
        The config key of `parameters`, for errors (``robustness.futures.parameters``).

    Returns
    -------
    dict
        The parameters with each ``prior`` replaced by ``{low, high[, integer]}``.

    Raises
    ------
    ConfigError
        Naming the parameter when the scenario has no such number, or gives it no prior.
    """
    from sim.core.keypath import get_path

    out: dict[str, Any] = {}
    for name, spec in parameters.items():
        if spec != FROM_PRIOR:
            out[name] = spec
            continue
        path = str(name).removeprefix("scenario.")
        key = f"{where}.{name}"
        label = f"scenario {scenario.name!r}"
        prior = scenario.priors.get(path)
        if prior is None:
            try:
                get_path(scenario.to_dict(), path)
            except ConfigError as exc:
                raise ConfigError(
                    key,
                    f"{label} has no {path} ({str(exc).removeprefix(exc.path + ': ')}); this "
                    "parameter does not apply to it: name another, or give the design a "
                    "scenario that has it",
                ) from None
            raise ConfigError(
                key,
                f"{label} gives no prior for {path} (its value is sourced, or its priors "
                "block leaves it out): give a range {low, high} here, or a prior in the "
                "scenario (docs/scenarios.md, Priors)",
            )
        spec = {"low": prior.low, "high": prior.high}
        if prior.dist == "integer":
            spec = {"low": int(prior.low), "high": int(prior.high), "integer": True}
        out[name] = spec
    return out


def _plain(value: Any) -> Any:
    """OmegaConf containers and tuples as plain dicts and lists."""
    if isinstance(value, DictConfig | ListConfig):
        return OmegaConf.to_container(value, resolve=True)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _tidy_number(x: float) -> float:
    # linspace(0.1, 0.9, 5) gives 0.30000000000000004: keep 12 significant digits.
    return float(f"{x:.12g}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else type(value).__name__


def _auto_labels(values: Sequence[Any]) -> tuple[str, ...] | None:
    """Text labels when values cannot sit in one table column as they are, else None.

    Rule nodes (mappings) are labelled by the rule's name, with its parameters if names repeat;
    lists and values of mixed types by their text.
    """
    kinds = {_kind(v) for v in values}
    if len(kinds) == 1 and kinds <= {"number", "str", "bool"}:
        return None
    names = [
        str(v.get("name", str(v.get("_target_", "")).rpartition(".")[2]))
        if isinstance(v, Mapping)
        else str(v)
        for v in values
    ]
    labels = []
    for name, v in zip(names, values, strict=True):
        if names.count(name) > 1 and isinstance(v, Mapping):
            params = ", ".join(f"{k}={p}" for k, p in v.items() if k not in ("name", "_target_"))
            name = f"{name}({params})"
        labels.append(name)
    return tuple(labels)


@dataclass(frozen=True)
class Parameter:
    """One lever of a sweep: a key path and the values it takes.

    Give either `values` (a list: numbers, text, or whole config nodes such as retaliation
    rules) or a range `low`..`high` (with `num` levels for a grid; sampled for the other designs).

    Parameters
    ----------
    path : str
        Key path in the scenario (``mediators.qatar.leverage``; a leading ``scenario.`` is
        dropped; list items by index, ``states.pakistan.inflicted.military.4``), or
        ``mc.replications`` / ``mc.horizon``.
    values : tuple
        The levels, in order. A mapping may carry a ``label`` key, the text shown in the table
        (removed before the node is set); rule nodes are otherwise labelled by their name.
    low, high : float, optional
        A range, ``low < high``.
    num : int, optional
        Levels of the range in a grid (``numpy.linspace``), >= 2.
    integer : bool
        Round range values to whole numbers (for integer keys such as ``memory_days``).
    name : str
        Column name in the table; the path by default.
    labels : tuple, optional
        Display value of each entry of `values`; set from ``label`` keys or rule names.
    """

    path: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None
    num: int | None = None
    integer: bool = False
    name: str = ""
    labels: tuple | None = None

    def __post_init__(self) -> None:
        where = f"sweep.parameters.{self.name or self.path}"
        path = self.path.removeprefix("scenario.")
        object.__setattr__(self, "path", path)
        if not self.name:
            object.__setattr__(self, "name", path)
        if not path or any(not part for part in path.split(".")):
            raise ConfigError(
                where, f"'{self.path}' is not a key path such as 'mediators.qatar.leverage'"
            )
        if path.startswith("mc.") and path[3:] not in MC_KEYS:
            raise ConfigError(
                where,
                f"a sweep may vary mc.{', mc.'.join(MC_KEYS)} only (every "
                "point shares the seed and chunk size: common random numbers)",
            )
        has_range = self.low is not None or self.high is not None
        if bool(self.values) == has_range:
            raise ConfigError(where, "give either 'values' (a list) or a range 'low' and 'high'")
        if self.values:
            values = []
            labels = []
            for v in self.values:
                if isinstance(v, Mapping) and "label" in v:
                    v = dict(v)
                    labels.append(v.pop("label"))
                else:
                    labels.append(None)
                values.append(v)
            object.__setattr__(self, "values", tuple(values))
            if self.labels is None:
                auto = _auto_labels(values)
                if any(lab is not None for lab in labels) or auto is not None:
                    auto = auto or tuple(str(v) for v in values)
                    labels = [
                        lab if lab is not None else a for lab, a in zip(labels, auto, strict=True)
                    ]
                    object.__setattr__(self, "labels", tuple(labels))
            if self.labels is not None and len(set(self.labels)) != len(self.labels):
                raise ConfigError(where, f"labels must differ, got {list(self.labels)}")
            return
        if self.low is None or self.high is None:
            raise ConfigError(where, "a range needs both 'low' and 'high'")
        for key in ("low", "high"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{where}.{key}", f"must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ConfigError(f"{where}.{key}", f"must be a finite number, got {value}")
        if not self.low < self.high:
            raise ConfigError(where, f"needs low < high, got {self.low} and {self.high}")
        if self.num is not None and (
            isinstance(self.num, bool) or not isinstance(self.num, int) or self.num < 2
        ):
            raise ConfigError(f"{where}.num", f"must be a whole number >= 2, got {self.num!r}")

    @property
    def categorical(self) -> bool:
        """Whether the parameter takes a list of values rather than a range."""
        return bool(self.values)

    def _number(self, x: float) -> float | int:
        return int(round(x)) if self.integer else _tidy_number(x)

    def levels(self) -> list[int | float]:
        """Indices (categorical) or values (range) of the grid levels, in order."""
        if self.categorical:
            return list(range(len(self.values)))
        if self.num is None:
            raise ConfigError(
                f"sweep.parameters.{self.name}",
                "a grid needs 'num' levels for a range (or give 'values')",
            )
        # Levels made equal by rounding count once (a dict keeps the first, in order).
        return list(
            dict.fromkeys(
                self._number(float(x)) for x in np.linspace(self.low, self.high, self.num)
            )
        )

    def from_unit(self, u: float) -> float | int:
        """The level at `u` in [0, 1]: an index into `values`, or a value of the range."""
        if self.categorical:
            return min(int(u * len(self.values)), len(self.values) - 1)
        return self._number(self.low + u * (self.high - self.low))

    def raw(self, level: Any) -> Any:
        """The value set in the scenario for a level."""
        return self.values[level] if self.categorical else level

    def display(self, level: Any) -> Any:
        """The value shown in the table for a level: a label, a value or a number."""
        if not self.categorical:
            return level
        if self.labels is not None:
            return self.labels[level]
        return self.values[level]

    def to_dict(self) -> dict[str, Any]:
        """The parameter as plain data (also what the config hash is computed from)."""
        out: dict[str, Any] = {"path": self.path, "name": self.name}
        if self.categorical:
            out["values"] = [_plain(v) for v in self.values]
            if self.labels is not None:
                out["labels"] = list(self.labels)
        else:
            out.update(low=self.low, high=self.high, num=self.num, integer=self.integer)
        return out

    @classmethod
    def from_config(cls, name: str, node: Any) -> Parameter:
        """Build from a config entry: a list of values, or a mapping of `path`, `values`, ...."""
        node = _plain(node)
        where = f"sweep.parameters.{name}"
        if isinstance(node, list):
            return cls(path=name, values=tuple(node))
        if not isinstance(node, Mapping):
            raise ConfigError(
                where,
                f"give a list of values or a mapping with 'values' or 'low'/'high', got {node!r}",
            )
        unknown = [k for k in node if k not in _PARAMETER_KEYS]
        if unknown:
            raise ConfigError(
                f"{where}.{unknown[0]}",
                f"unknown key; {did_you_mean(str(unknown[0]), _PARAMETER_KEYS)}",
            )
        values = node.get("values") or ()
        if values and not isinstance(values, list):
            raise ConfigError(f"{where}.values", f"must be a list, got {values!r}")
        labels = node.get("labels")
        return cls(
            path=node.get("path", name),
            values=tuple(values),
            low=node.get("low"),
            high=node.get("high"),
            num=node.get("num"),
            integer=bool(node.get("integer", False)),
            name=node.get("name", name),
            labels=tuple(labels) if labels is not None else None,
        )


@dataclass(frozen=True)
class Point:
    """One point of a sweep.

    Parameters
    ----------
    index : int
        Position in the design, 0..n-1: the point id in the table and file names.
    levels : dict
        Parameter name -> level (an index into `values`, or a value of the range).
    settings : dict
        Key path -> value to set in the scenario (or ``mc.<key>``).
    display : dict
        Parameter name -> value shown in the table.
    """

    index: int
    levels: dict
    settings: dict
    display: dict

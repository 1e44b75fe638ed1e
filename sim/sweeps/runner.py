"""Scenario sweeps: a design over scenario keys, run on common random numbers, one tidy table out.

A :class:`Sweep` names its levers by key path in the scenario (``mediators.qatar.leverage``,
``states.pakistan.retaliation.p_act``, or a whole rule node such as
``states.pakistan.retaliation``), or ``mc.replications`` / ``mc.horizon``, with a list of values
or a range, and a design that expands them into points: a full ``grid``, a Latin hypercube
(``lhs``) or a scrambled ``sobol`` sequence (``scipy.stats.qmc``), or a ``saltelli`` or ``morris``
sample (SALib) for :mod:`sim.analysis.sensitivity`.

:func:`run_sweep` runs every point with the **same seed**, so the actors of two points draw the
same random numbers (:mod:`sim.core.streams`) and the differences between points are the levers',
not
sampling noise. A point's scenario is ``Scenario.to_dict()`` with the point's keys set, checked by
:func:`~sim.scenario.scenario_from_dict`, so a bad value gets the usual error naming its key.

A sweep folder holds::

    sweep.json          the resolved config (sweep, Monte Carlo settings, scenario) and its hash
    manifest.json       seed, versions, git commit, times of the last session
    progress.log        one line per session and per point done or failed
    points/             point-NNNNNN.parquet: one row per finished point, written atomically
    failures/           point-NNNNNN.json: parameters, seed and traceback of each failed point
    outcomes/           point-NNNNNN.parquet: per-replication outcomes (baseline, or all if kept)
    sweep.parquet       the tidy table, one row per point (see docs/sweeps.md)
    sweep.csv           the same table as CSV
    failures.json       every failed point, a list (a rerun retries them)

Started again with the same config, a sweep resumes: finished points are read back, failed and
unfinished ones are run. A different config (another hash) is refused, so a folder never mixes
the points of two sweeps. Executor settings are not part of the hash: they do not change results.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import logging
import math
import os
import re
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.analysis import stats
from sim.core.errors import ConfigError, did_you_mean
from sim.rules import build_rule
from sim.runs.executors import EXECUTORS, open_executor, parent_only_fd
from sim.runs.montecarlo import DEFAULT_CHUNK_SIZE, simulate
from sim.scenario.loading import load_scenario, scenario_from_dict
from sim.scenario.schema import Scenario
from sim.storage import store

__all__ = [
    "DESIGNS",
    "Parameter",
    "Point",
    "Sweep",
    "SweepChangedError",
    "SweepResult",
    "load_sweep",
    "outcome_columns",
    "point_scenario",
    "run_sweep",
    "run_sweep_from_config",
]

DESIGNS = ("grid", "lhs", "sobol", "saltelli", "morris")
"""Designs a sweep can expand into points."""

MC_KEYS = ("replications", "horizon")
"""Monte Carlo settings a sweep may vary (``mc.<key>``); the seed is shared by every point."""

SWEEP_FILE = "sweep.json"
TABLE_FILE = "sweep.parquet"
CSV_FILE = "sweep.csv"
FAILURES_FILE = "failures.json"
LOG_FILE = "progress.log"
SENSITIVITY_FILE = "sensitivity.csv"
DISCOVERY_FILE = "discovery.txt"
POINTS_DIR = "points"
FAILURES_DIR = "failures"
OUTCOMES_DIR = "outcomes"

_PARAMETER_KEYS = ("path", "values", "low", "high", "num", "integer", "name", "labels")
# Keys that do not change any point's numbers: left out of the config hash.
_UNHASHED = ("name", "folder", "keep_outcomes", "analyze", "discover", "show")
_RULE_SLOTS = ("retaliation", "ceasefire")
_DONE, _FAILED = "done", "failed"
# Rows of the printed summary beyond which the middle is elided (the files hold every row).
_SHOWN_ROWS = 40

log = logging.getLogger(__name__)


# --- the spec ----------------------------------------------------------------------------------


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
        out = []
        for x in np.linspace(self.low, self.high, self.num):
            v = self._number(float(x))
            if v not in out:
                out.append(v)
        return out

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


@dataclass(frozen=True)
class Sweep:
    """A design over scenario keys, and what to record at each point.

    Parameters
    ----------
    parameters : tuple of Parameter
        The levers, at least one; names must differ.
    design : str
        One of `DESIGNS`: ``grid`` (every combination of levels), ``lhs``, ``sobol`` (`samples`
        points; Sobol needs a power of 2), ``saltelli`` (``samples * (D + 2)`` points, or
        ``samples * (2D + 2)`` with `second_order`; a power of 2) or ``morris`` (``samples *
        (D + 1)`` points: `samples` trajectories on `levels` levels).
    samples : int, optional
        Points (lhs, sobol), base samples (saltelli) or trajectories (morris).
    seed : int
        Seed of the design's sampling (not of the simulation: that is the Monte Carlo seed).
    fixed : dict
        Key path -> value set at every point before the parameters (e.g. a rule node whose
        parameter is then swept).
    baseline : int or dict, optional
        The point every other point is compared with (paired differences): its index, or
        parameter name -> displayed value.
    rungs : tuple of int
        Rungs k of the columns P(max rung >= k within t days).
    horizons : tuple of int
        Days t of those columns (those beyond a point's horizon are left out).
    levels : int
        Grid levels of a Morris design, >= 2.
    second_order : bool
        Saltelli sample for second-order indices too.
    name : str
        Name of the sweep (default folder ``outputs/<name>/sweep``).
    folder : str, optional
        Sweep folder; stable across runs so that a restart resumes.
    keep_outcomes : bool
        Keep every point's per-replication outcomes under ``outcomes/`` (the baseline's always).
    analyze : tuple of str
        Output columns to analyse when the sweep ends: Sobol indices (``saltelli``) or Morris
        screening (``morris``), written to ``sensitivity.csv``.
    discover : str, optional
        A condition on the table such as ``"p_rung5_365d > 0.05"``: PRIM's box where it holds
        is written to ``discovery.txt`` when the sweep ends.
    show : tuple of str
        More output columns for the printed summary (e.g. ``mean_ceasefire_days``).
    """

    parameters: tuple
    design: str = "grid"
    samples: int | None = None
    seed: int = 0
    fixed: dict = field(default_factory=dict)
    baseline: int | dict | None = None
    rungs: tuple = (4, 5)
    horizons: tuple = (30, 90, 365)
    levels: int = 4
    second_order: bool = False
    name: str = "sweep"
    folder: str | None = None
    keep_outcomes: bool = False
    analyze: tuple = ()
    discover: str | None = None
    show: tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", tuple(self.parameters))
        object.__setattr__(self, "analyze", tuple(str(o) for o in self.analyze))
        object.__setattr__(self, "show", tuple(str(o) for o in self.show))
        object.__setattr__(self, "rungs", tuple(int(k) for k in self.rungs))
        object.__setattr__(self, "horizons", tuple(int(t) for t in self.horizons))
        object.__setattr__(
            self,
            "fixed",
            {str(k).removeprefix("scenario."): _plain(v) for k, v in dict(self.fixed).items()},
        )
        if not self.parameters:
            raise ConfigError("sweep.parameters", "a sweep needs at least one parameter")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ConfigError("sweep.parameters", f"parameter names must differ, got {names}")
        if self.design not in DESIGNS:
            raise ConfigError(
                "sweep.design",
                f"unknown design '{self.design}'; " + did_you_mean(str(self.design), DESIGNS),
            )
        if self.design != "grid":
            if (
                isinstance(self.samples, bool)
                or not isinstance(self.samples, int)
                or self.samples < 1
            ):
                raise ConfigError(
                    "sweep.samples",
                    f"a {self.design} design needs samples, a "
                    f"whole number >= 1, got {self.samples!r}",
                )
            if self.design in ("sobol", "saltelli") and self.samples & (self.samples - 1):
                raise ConfigError(
                    "sweep.samples",
                    f"a {self.design} design needs a power of 2 "
                    f"(its balance properties), got {self.samples}; e.g. "
                    f"{2 ** round(math.log2(self.samples))}",
                )
        if any(not 0 <= k <= 5 for k in self.rungs):
            raise ConfigError("sweep.rungs", f"rungs are 0..5, got {list(self.rungs)}")
        if any(t < 1 for t in self.horizons):
            raise ConfigError("sweep.horizons", f"days must be >= 1, got {list(self.horizons)}")
        if self.levels < 2:
            raise ConfigError("sweep.levels", f"must be >= 2, got {self.levels}")
        if self.analyze and self.design not in ("saltelli", "morris"):
            raise ConfigError(
                "sweep.analyze",
                f"sensitivity analysis needs design saltelli (Sobol indices) or morris "
                f"(screening), got {self.design}",
            )

    @classmethod
    def from_config(cls, node: Any) -> Sweep:
        """Build from a ``sweep:`` config node (a mapping, or an OmegaConf ``DictConfig``).

        Parameters
        ----------
        node : mapping
            Keys as the fields of :class:`Sweep`; ``parameters`` maps each name (by default
            the key path) to a list of values or to a mapping with ``values`` or ``low``,
            ``high`` (and ``num`` for a grid), optionally ``path`` and ``integer``. A list of
            such mappings, each with ``path``, is accepted too.

        Returns
        -------
        Sweep

        Raises
        ------
        ConfigError
            Naming the key, e.g. ``sweep.design: unknown design 'gird'; did you mean 'grid'?``.
        """
        data = _plain(node)
        if not isinstance(data, Mapping):
            raise ConfigError("sweep", f"must be a mapping, got {data!r}")
        keys = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in data if k not in keys]
        if unknown:
            raise ConfigError(
                f"sweep.{unknown[0]}", f"unknown key; {did_you_mean(str(unknown[0]), keys)}"
            )
        raw = data.get("parameters") or {}
        if isinstance(raw, list):
            entries = []
            for i, item in enumerate(raw):
                if not isinstance(item, Mapping) or "path" not in item:
                    raise ConfigError(f"sweep.parameters[{i}]", "needs a 'path'")
                entries.append((str(item.get("name", item["path"])), item))
        elif isinstance(raw, Mapping):
            entries = [(str(k), v) for k, v in raw.items()]
        else:
            raise ConfigError("sweep.parameters", f"must be a mapping, got {raw!r}")
        params = tuple(Parameter.from_config(name, spec) for name, spec in entries)
        kwargs = {k: v for k, v in data.items() if k != "parameters" and v is not None}
        return cls(parameters=params, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The sweep as plain data (:meth:`from_config` reads it back)."""
        out = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        out["parameters"] = [p.to_dict() for p in self.parameters]
        return out

    def hashed(self) -> dict[str, Any]:
        """What the config hash covers: every key that changes a point's numbers."""
        return {k: v for k, v in self.to_dict().items() if k not in _UNHASHED}

    def default_folder(self) -> Path:
        """``folder``, or ``outputs/<name>/sweep``."""
        return Path(self.folder) if self.folder else Path("outputs") / self.name / "sweep"

    @property
    def names(self) -> list[str]:
        """Parameter names, the table's parameter columns."""
        return [p.name for p in self.parameters]

    def problem(self) -> dict[str, Any]:
        """The SALib problem of the design: every parameter on [0, 1]."""
        d = len(self.parameters)
        return {"num_vars": d, "names": self.names, "bounds": [[0.0, 1.0]] * d}

    def unit_design(self) -> np.ndarray | None:
        """The design in the unit cube, shape (n, D); None for a grid."""
        d = len(self.parameters)
        if self.design == "grid":
            return None
        if self.design in ("lhs", "sobol"):
            from scipy.stats import qmc

            engine = qmc.LatinHypercube if self.design == "lhs" else qmc.Sobol
            return engine(d, rng=np.random.default_rng(self.seed)).random(self.samples)
        if self.design == "saltelli":
            from SALib.sample import sobol as saltelli

            return saltelli.sample(
                self.problem(), self.samples, calc_second_order=self.second_order, seed=self.seed
            )
        from SALib.sample import morris

        return morris.sample(self.problem(), self.samples, num_levels=self.levels, seed=self.seed)

    def points(self) -> list[Point]:
        """Every point of the design, in order."""
        unit = self.unit_design()
        if unit is None:
            rows = itertools.product(*(p.levels() for p in self.parameters))
        else:
            rows = (
                [p.from_unit(float(u)) for p, u in zip(self.parameters, row, strict=True)]
                for row in unit
            )
        out = []
        for i, levels in enumerate(rows):
            out.append(
                Point(
                    index=i,
                    levels={p.name: lv for p, lv in zip(self.parameters, levels, strict=True)},
                    settings={
                        p.path: p.raw(lv) for p, lv in zip(self.parameters, levels, strict=True)
                    },
                    display={
                        p.name: p.display(lv) for p, lv in zip(self.parameters, levels, strict=True)
                    },
                )
            )
        return out

    def baseline_index(self, points: Sequence[Point]) -> int | None:
        """Index of the baseline point, or None without a baseline."""
        if self.baseline is None:
            return None
        if isinstance(self.baseline, int) and not isinstance(self.baseline, bool):
            if not 0 <= self.baseline < len(points):
                raise ConfigError(
                    "sweep.baseline", f"point {self.baseline} is not in 0..{len(points) - 1}"
                )
            return self.baseline
        if not isinstance(self.baseline, Mapping):
            raise ConfigError(
                "sweep.baseline",
                "give a point index or a mapping of parameter "
                f"name to value, got {self.baseline!r}",
            )
        for key in self.baseline:
            if key not in self.names:
                raise ConfigError(
                    f"sweep.baseline.{key}",
                    f"not a parameter of the sweep; {did_you_mean(key, self.names)}",
                )
        found = [
            pt.index
            for pt in points
            if all(_same(pt.display[k], v) for k, v in self.baseline.items())
        ]
        if len(found) != 1:
            raise ConfigError(
                "sweep.baseline",
                f"{self.baseline} matches {len(found)} points; it must match exactly one",
            )
        return found[0]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


# --- setting keys in a scenario ----------------------------------------------------------------


def _walk(data: Any, parts: Sequence[str], full: str) -> Any:
    """The node at `parts` in nested dicts and lists, with a ConfigError for a wrong key."""
    node = data
    for depth, part in enumerate(parts):
        where = "scenario." + ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(
                    where, f"'{part}' is not an index 0..{len(node) - 1} of the list in '{full}'"
                )
            node = node[int(part)]
        elif isinstance(node, Mapping):
            if part not in node:
                raise ConfigError(
                    where, f"unknown key in '{full}'; " + did_you_mean(part, [str(k) for k in node])
                )
            node = node[part]
        else:
            raise ConfigError(where, f"'{full}' goes below a value ({node!r})")
    return node


def _set(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    parent = _walk(data, parts[:-1], path)
    last = parts[-1]
    if isinstance(parent, list):
        _walk(data, parts, path)
        parent[int(last)] = _plain(value)
    elif isinstance(parent, Mapping):
        parent[last] = _plain(value)
    else:
        raise ConfigError("scenario." + path, f"'{path}' goes below a value ({parent!r})")


def _check_path(data: dict, path: str) -> None:
    """Refuse a key path that does not exist, before any point runs (a typo fails once).

    A rule's parameter may be missing from its node (a default): it must then be a field of
    the rule's class; a user's rule that is not a dataclass lists no fields, and is left to
    :func:`~sim.rules.build_rule` at each point.
    """
    parts = path.split(".")
    parent = _walk(data, parts[:-1], path)
    if (
        isinstance(parent, Mapping)
        and parts[-1] not in parent
        and len(parts) >= 2
        and parts[-2] in _RULE_SLOTS
    ):
        where = "scenario." + ".".join(parts[:-1])
        rule = build_rule(parent, "ceasefire" if parts[-2] == "ceasefire" else "retaliation", where)
        if not dataclasses.is_dataclass(rule):
            return
        fields = [f.name for f in dataclasses.fields(rule)]
        if parts[-1] not in fields:
            raise ConfigError(
                f"{where}.{parts[-1]}",
                f"unknown parameter of {type(rule).__name__}; {did_you_mean(parts[-1], fields)}",
            )
        return
    _walk(data, parts, path)


def _base_data(scenario: Scenario, fixed: Mapping[str, Any]) -> tuple[dict, dict]:
    data = scenario.to_dict()
    mc: dict[str, Any] = {}
    for path, value in fixed.items():
        if path.startswith("mc."):
            if path[3:] not in MC_KEYS:
                raise ConfigError(
                    f"sweep.fixed.{path}", f"only mc.{', mc.'.join(MC_KEYS)} may be set per sweep"
                )
            mc[path[3:]] = value
        else:
            _set(data, path, value)
    return data, mc


def point_scenario(
    scenario: Scenario, settings: Mapping[str, Any], fixed: Mapping[str, Any] | None = None
) -> tuple[Scenario, dict[str, Any]]:
    """The scenario of a point: `fixed`, then `settings`, set on ``scenario.to_dict()``.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    settings : mapping
        Key path -> value (see :class:`Parameter`); ``mc.<key>`` entries are returned apart.
    fixed : mapping, optional
        Key path -> value set first.

    Returns
    -------
    Scenario
        Checked by :func:`~sim.scenario.scenario_from_dict`.
    dict
        Monte Carlo settings of the point (``replications``, ``horizon``) that were given.

    Raises
    ------
    ConfigError
        Naming the key path, e.g. ``scenario.states.pakistan.retaliation.p_act: ...``.

    Examples
    --------
    >>> import sim
    >>> s, mc = point_scenario(sim.load_scenario(), {"mediators.qatar.leverage": 0.2})
    >>> s.mediators["qatar"].leverage
    0.2
    """
    data, mc = _base_data(scenario, fixed or {})
    for path, value in settings.items():
        path = path.removeprefix("scenario.")
        if path.startswith("mc."):
            mc[path[3:]] = value
        else:
            _set(data, path, value)
    return scenario_from_dict(data, path="scenario"), mc


# --- one point's row ---------------------------------------------------------------------------


def outcome_columns(
    outcomes: pd.DataFrame, rungs: Sequence[int] = (4, 5), horizons: Sequence[int] = (30, 90, 365)
) -> dict[str, Any]:
    """The tidy table's outcome columns for one outcome table.

    Parameters
    ----------
    outcomes : DataFrame
        One row per replication (``docs/outcomes.md``), ``attrs["horizon"]`` set.
    rungs, horizons : sequence of int
        Rungs k and days t of P(max rung >= k within t days); days beyond the horizon are
        left out.

    Returns
    -------
    dict
        ``p_rung{k}_{t}d`` with ``_low`` and ``_high`` (95 % Wilson interval), ``p_war`` with
        its interval (war by the horizon), ``mean_<column>`` for every count column of the
        outcomes (deaths, attacks, strikes, clashes, ceasefires made and broken, days under
        ceasefire, battle deaths, max rung), ``replications`` and ``horizon``.
    """
    horizon = int(outcomes.attrs.get("horizon", 0))
    row: dict[str, Any] = {}
    for k in rungs:
        for t in horizons:
            if horizon and t > horizon:
                continue
            est = stats.escalation_probability(outcomes, k, t)
            row[f"p_rung{k}_{t}d"] = est.estimate
            row[f"p_rung{k}_{t}d_low"] = est.low
            row[f"p_rung{k}_{t}d_high"] = est.high
    war = stats.binomial_interval(int(outcomes["war"].sum()), len(outcomes))
    row.update(p_war=war.estimate, p_war_low=war.low, p_war_high=war.high)
    for col in outcomes.columns:
        if col == "replication" or col.startswith("day_") or outcomes[col].dtype == bool:
            continue
        row[f"mean_{col}"] = float(outcomes[col].mean())
    row.update(replications=len(outcomes), horizon=horizon)
    return row


_PAIRED_SUFFIXES = ("", "_low", "_high", "_width_ratio", "_baseline_only", "_point_only")


def _paired_columns(
    base: pd.DataFrame, outcomes: pd.DataFrame, rungs: Sequence[int], horizons: Sequence[int]
) -> dict[str, float]:
    """``diff_rung{k}_{t}d`` (point - baseline), its paired interval, ratio, discordant counts."""
    row: dict[str, float] = {}
    horizon = int(outcomes.attrs.get("horizon", 0))
    same_runs = base.attrs.get("horizon") == outcomes.attrs.get("horizon") and len(base) == len(
        outcomes
    )
    for k in rungs:
        for t in horizons:
            if horizon and t > horizon:
                continue
            key = f"diff_rung{k}_{t}d"
            if not same_runs:
                row.update({f"{key}{suffix}": math.nan for suffix in _PAIRED_SUFFIXES})
                continue
            cmp = stats.paired_difference(base, outcomes, k, t)
            row.update(
                {
                    key: cmp.difference,
                    f"{key}_low": cmp.low,
                    f"{key}_high": cmp.high,
                    f"{key}_width_ratio": cmp.width_ratio,
                    f"{key}_baseline_only": cmp.a_only,
                    f"{key}_point_only": cmp.b_only,
                }
            )
    return row


# --- running -----------------------------------------------------------------------------------


class SweepChangedError(ConfigError):
    """The sweep folder was started with another config: resuming would mix two sweeps."""


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    if isinstance(obj, list):
        out = {}
        for i, v in enumerate(obj):
            out.update(_flatten(v, f"{prefix}.{i}"))
        return out or {prefix: []}
    return {prefix: obj}


def _changed_keys(old: Any, new: Any) -> list[str]:
    a, b = _flatten(json.loads(_canonical(old))), _flatten(json.loads(_canonical(new)))
    return sorted(k for k in set(a) | set(b) if a.get(k, "<absent>") != b.get(k, "<absent>"))


def _executor_settings(executor: Mapping[str, Any] | None) -> dict[str, Any]:
    """``name``, ``workers``, ``scheduler`` from an executor config node or mapping."""
    given = {k: v for k, v in dict(_plain(executor) or {}).items() if v is not None}
    if "executor" in given:
        given.setdefault("name", given.pop("executor"))
    unknown = sorted(set(given) - {"name", "workers", "scheduler"})
    if unknown:
        raise ConfigError(
            f"executor.{unknown[0]}",
            "unknown key; " + did_you_mean(unknown[0], ["name", "workers", "scheduler"]),
        )
    name = given.get("name", "serial")
    if name not in EXECUTORS:
        raise ConfigError(
            "executor.name", f"unknown executor '{name}'; {did_you_mean(name, EXECUTORS)}"
        )
    return {"name": name, "workers": given.get("workers"), "scheduler": given.get("scheduler")}


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder; the OS releases it if the process dies."""
    folder.mkdir(parents=True, exist_ok=True)
    # filelock rather than fcntl, which does not exist on Windows.
    lock = FileLock(folder / ".lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RuntimeError(
            f"sweep folder {folder} is in use by another process; wait for it "
            "to finish, or give this run another folder"
        ) from None
    # Forked workers close their copy of the lock's descriptor (and die with this process).
    fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    if fd is not None:
        parent_only_fd(fd)
    try:
        yield
    finally:
        if fd is not None:
            parent_only_fd(fd, held=False)
        lock.release()


def _file(folder: Path, sub: str, index: int, suffix: str) -> Path:
    return folder / sub / f"point-{index:06d}{suffix}"


def _log(folder: Path, message: str) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    with open(folder / LOG_FILE, "a", encoding="utf-8") as fh:
        fh.write(f"{stamp} pid={os.getpid()} {message}\n")
    log.info(message)


def _log_finished_points(folder: Path, finished: Sequence[int]) -> None:
    """Give every finished point its ``done`` line in progress.log.

    A point's file is written before its line, so a session killed between the two leaves a
    finished point without a line; the next session writes the missing line (once), so the log
    always holds exactly one ``done`` line per finished point.
    """
    path = folder / LOG_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    logged = {int(i) for i in re.findall(r"point (\d+) done", text)}
    for i in finished:
        if i not in logged:
            _log(folder, f"point {i} done (found finished: the last session ended before its line)")


@dataclass(frozen=True)
class SweepResult:
    """A sweep's table and failures, read from its folder.

    Parameters
    ----------
    sweep : Sweep
        The spec.
    folder : Path
        The sweep folder.
    table : DataFrame
        One row per point (see :func:`run_sweep`), sorted by ``point``.
    failures : list of dict
        One record per failed point: ``point``, ``parameters``, ``settings``, ``seed``,
        ``error``, ``traceback``.
    computed : list of int
        Points computed in this session (the others were read back from the folder).
    baseline : int or None
        Index of the baseline point.
    analyses : dict
        Output -> :class:`~sim.analysis.sensitivity.SobolResult` or
        :class:`~sim.analysis.sensitivity.MorrisResult`, for the outputs of ``sweep.analyze``.
    box : Box or None
        PRIM's box where ``sweep.discover`` holds (:mod:`sim.analysis.discovery`).
    """

    sweep: Sweep
    folder: Path
    table: pd.DataFrame = field(repr=False)
    failures: list = field(default_factory=list, repr=False)
    computed: list = field(default_factory=list)
    baseline: int | None = None
    analyses: dict = field(default_factory=dict, repr=False)
    box: Any = None

    @property
    def ok(self) -> bool:
        """True when every point finished."""
        return bool((self.table["status"] == _DONE).all())

    @property
    def exit_code(self) -> int:
        """0 when every point finished, 1 when some failed (for a command line)."""
        return 0 if self.ok else 1

    def sobol(self, output: str, **kwargs: Any) -> Any:
        """Sobol indices of `output` (a saltelli sweep): :func:`sim.analysis.sensitivity.sobol`."""
        from sim.analysis import sensitivity

        return sensitivity.sobol(self.sweep, self.table, output, **kwargs)

    def morris(self, output: str, **kwargs: Any) -> Any:
        """Morris screening of `output`: :func:`sim.analysis.sensitivity.morris`."""
        from sim.analysis import sensitivity

        return sensitivity.morris(self.sweep, self.table, output, **kwargs)

    def discover(self, condition: str | np.ndarray, **kwargs: Any) -> Any:
        """PRIM boxes where `condition` holds; see :func:`sim.analysis.discovery.prim`.

        `condition` is an expression on the table's columns such as ``"p_rung5_365d > 0.1"``
        (``DataFrame.eval``) or a boolean array with one entry per finished point.
        """
        from sim.analysis import discovery

        done = self.table[self.table["status"] == _DONE]
        y = done.eval(condition) if isinstance(condition, str) else np.asarray(condition)
        return discovery.prim(done[self.sweep.names], y, **kwargs)

    def summary(self, rungs: Sequence[int] | None = None) -> str:
        """A printable table: parameters, the headline probabilities, differences, status.

        Parameters
        ----------
        rungs : sequence of int, optional
            Rungs shown, at the longest horizon; the sweep's rungs by default.
        """
        t = self.table
        shown = pd.DataFrame({"point": t["point"]})
        for name in self.sweep.names:
            shown[name] = t[name]
        for k in rungs or self.sweep.rungs:
            cols = sorted(
                (c for c in t.columns if c.startswith(f"p_rung{k}_") and c.endswith("d")),
                key=lambda c: int(c.split("_")[2][:-1]),
            )
            if not cols:
                continue
            col = cols[-1]
            shown[col] = [
                _interval(t.at[i, col], t.at[i, f"{col}_low"], t.at[i, f"{col}_high"])
                for i in t.index
            ]
            diff = col.replace("p_", "diff_", 1)
            if diff in t.columns:
                shown[f"{diff} (ratio)"] = [
                    "baseline" if t.at[i, "point"] == self.baseline else _paired_cell(t, i, diff)
                    for i in t.index
                ]
        for col in self.sweep.show:
            if col in t.columns:
                shown[col] = [f"{v:.4g}" if pd.notna(v) else "-" for v in t[col]]
        shown["status"] = t["status"]
        done = int((t["status"] == _DONE).sum())
        lines = [
            f"sweep {self.sweep.name}: {done} of {len(t)} points done "
            f"({len(self.computed)} computed now), folder {self.folder}"
        ]
        lines.append("[95% intervals, Monte Carlo error only]")
        if self.baseline is not None:
            lines.append(
                f"differences are point - baseline (point {self.baseline}), paired on "
                "common random numbers; (ratio) = paired / independent interval width"
            )
        lines.append(shown.to_string(index=False, max_rows=_SHOWN_ROWS))
        for output, analysis in self.analyses.items():
            lines.append("")
            lines.append(f"levers ranked by their influence on {output} ({analysis.method}):")
            lines.append(analysis.ranking().round(3).to_string(index=False))
        if self.box is not None:
            lines.append("")
            lines.append(f"where {self.sweep.discover} (PRIM): {self.box.describe()}")
        if (self.sweep.analyze or self.sweep.discover) and not self.ok:
            lines.append("analyze and discover wait for every point: run the sweep again")
        if self.failures:
            lines.append(f"{len(self.failures)} point(s) failed:")
            for f in self.failures:
                lines.append(
                    f"  point {f['point']} {f['parameters']} seed {f['seed']}: "
                    f"{f['error']}  [traceback in {FAILURES_DIR}/point-"
                    f"{f['point']:06d}.json]"
                )
        return "\n".join(lines)


def _paired_cell(t: pd.DataFrame, i: int, diff: str) -> str:
    text = _interval(t.at[i, diff], t.at[i, f"{diff}_low"], t.at[i, f"{diff}_high"], signed=True)
    ratio = t.at[i, f"{diff}_width_ratio"]
    return text if pd.isna(ratio) else f"{text} ({ratio:.2f})"


def _interval(p: float, low: float, high: float, signed: bool = False) -> str:
    if pd.isna(p):
        return "-"
    fmt = "+.3f" if signed else ".3f"
    return f"{p:{fmt}} [{low:{fmt}}, {high:{fmt}}]"


def _resolve_scenario(scenario: Scenario | str | Mapping[str, Any] | None) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if scenario is None or isinstance(scenario, str | os.PathLike):
        return load_scenario(scenario or "pak_afg_2026")
    return scenario_from_dict(_plain(scenario), path="scenario")


def run_sweep(
    sweep: Sweep,
    scenario: Scenario | str | Mapping[str, Any] | None = None,
    folder: str | os.PathLike | None = None,
    *,
    replications: int = 1000,
    horizon: int = 365,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    executor: Mapping[str, Any] | None = None,
    over: str = "points",
    config: Mapping[str, Any] | None = None,
) -> SweepResult:
    """Run every point of `sweep` on the same seed, resuming from `folder` if it holds some.

    Parameters
    ----------
    sweep : Sweep
        The design (:meth:`Sweep.from_config` builds one from a config node).
    scenario : Scenario, str or mapping, optional
        The base scenario, a scenario name, or its config node; ``pak_afg_2026`` by default.
    folder : path, optional
        The sweep folder; by default :meth:`Sweep.default_folder`.
    replications, horizon, seed, chunk_size : int
        Monte Carlo settings shared by every point (a point may set ``mc.replications`` or
        ``mc.horizon``). Every point runs on `seed`: common random numbers.
    executor : mapping, optional
        ``name`` (``serial``, ``processes`` or ``dask``), ``workers``, ``scheduler`` (a Dask
        scheduler address), as in the ``executor`` config group (:mod:`sim.runs.executors`). Not
        part of the config hash: results are the same on every executor.
    over : {"points", "chunks"}
        What the executor runs in parallel: whole points (each point's chunks one after the
        other in a worker; best when points are many and small), or the chunks of one point at
        a time (``simulate(executor=...)``; best for a few points of many replications).
    config : mapping, optional
        The full resolved config, written to ``config.yaml`` for the record.

    Returns
    -------
    SweepResult
        ``result.ok`` is False (and ``exit_code`` 1) when some point failed.

    Raises
    ------
    SweepChangedError
        If `folder` holds a sweep started with another config.
    ConfigError
        If a parameter's key path does not exist in the scenario (before any point runs).

    Notes
    -----
    This process writes each finished point atomically (``points/point-NNNNNN.parquet``) as it
    arrives; a point that raises is written to ``failures/`` with its traceback, and the sweep
    carries on. The tidy table has one row per point: ``point``, the parameters (labels for
    rule nodes), ``status`` (``done`` or ``failed``), the columns of :func:`outcome_columns`,
    with a baseline ``diff_rung{k}_{t}d`` with ``_low``, ``_high``, ``_width_ratio``,
    ``_baseline_only`` and ``_point_only`` (paired difference point - baseline with its score
    interval and discordant counts, :func:`sim.analysis.stats.paired_difference`), then ``seed``,
    ``chunk_size``, ``seconds`` and ``error``. The baseline runs first.
    """
    if over not in ("points", "chunks"):
        raise ValueError(f"over must be 'points' or 'chunks', got {over!r}")
    scenario = _resolve_scenario(scenario)
    folder = Path(folder) if folder is not None else sweep.default_folder()
    settings = _executor_settings(executor)
    mc = {
        "replications": int(replications),
        "horizon": int(horizon),
        "seed": int(seed),
        "chunk_size": int(chunk_size),
    }
    resolved = {"sweep": sweep.hashed(), "mc": mc, "scenario": scenario.to_dict()}
    # The code is part of the hash: points computed by another version, commit or user rule
    # must never be mixed with new ones on resume.
    resolved["code"] = store.code_fingerprint(resolved)
    digest = hashlib.sha256(_canonical(resolved).encode()).hexdigest()
    points = sweep.points()
    baseline = sweep.baseline_index(points)
    data, _ = _base_data(scenario, sweep.fixed)
    for p in sweep.parameters:
        if not p.path.startswith("mc."):
            _check_path(data, p.path)

    with _locked(folder):
        _open_folder(folder, sweep, resolved, digest, len(points))
        if config is not None:
            store.ResultsFolder(folder).write_config(_plain(config))
        record = store.manifest(
            seed,
            extra={
                "chunk_size": chunk_size,
                "sweep_hash": digest,
                "points": len(points),
                "executor": settings["name"],
                "over": over,
            },
        )
        store.write_json(record, folder / store.MANIFEST_FILE)
        todo = [
            i for i in range(len(points)) if not _file(folder, POINTS_DIR, i, ".parquet").is_file()
        ]
        _log_finished_points(folder, sorted(set(range(len(points))) - set(todo)))
        _log(
            folder,
            f"session: {len(points) - len(todo)} of {len(points)} points already done; running "
            f"{len(todo)} on executor {settings['name']} over {over}",
        )
        if over == "points":
            pool, simulate_kwargs = open_executor(**settings), {}
        else:
            pool, simulate_kwargs = open_executor("serial"), dict(settings)
            simulate_kwargs["executor"] = simulate_kwargs.pop("name")

        def task(i: int, base: pd.DataFrame | None) -> _PointTask:
            keep = sweep.keep_outcomes or i == baseline
            return _PointTask(
                i,
                mc["seed"],
                0,
                mc["replications"],
                points[i],
                scenario,
                sweep,
                mc,
                simulate_kwargs,
                base,
                keep,
                is_baseline=i == baseline,
            )

        computed = list(todo)
        with pool:
            base = None
            if baseline is not None:
                if baseline in todo:
                    todo.remove(baseline)
                    for done in pool.map_unordered(_compute_point, [task(baseline, None)]):
                        _save_point(folder, done)
                path = _file(folder, OUTCOMES_DIR, baseline, ".parquet")
                if path.is_file():
                    base = _paired_part(store.read_parquet(path), sweep.rungs)
            for done in pool.map_unordered(_compute_point, [task(i, base) for i in todo]):
                _save_point(folder, done)
        result = _analysed(_collect(folder, sweep, points, baseline, computed))
        store.write_parquet(result.table, folder / TABLE_FILE)
        store.write_csv(result.table, folder / CSV_FILE)
        store.write_json(result.failures, folder / FAILURES_FILE)
        store.write_json(store.finish_manifest(record), folder / store.MANIFEST_FILE)
        _log(
            folder,
            f"session end: {int((result.table['status'] == _DONE).sum())} done, "
            f"{len(result.failures)} failed",
        )
    return result


def _analysed(result: SweepResult) -> SweepResult:
    """Run the ``analyze`` and ``discover`` steps and save them, once every point is done."""
    sweep, folder = result.sweep, result.folder
    if not result.ok or not (sweep.analyze or sweep.discover):
        return result
    analyses = {}
    for output in sweep.analyze:
        analyses[output] = (
            result.sobol(output) if sweep.design == "saltelli" else result.morris(output)
        )
    if analyses:
        frames = [a.ranking().assign(output=o) for o, a in analyses.items()]
        store.write_csv(pd.concat(frames, ignore_index=True), folder / SENSITIVITY_FILE)
    box = None
    if sweep.discover:
        y = result.table.eval(sweep.discover).to_numpy(dtype=bool)
        if y.any():
            box = result.discover(y).box()
            store.write_text(f"{sweep.discover}: {box.describe()}\n", folder / DISCOVERY_FILE)
        else:
            store.write_text(f"{sweep.discover}: holds at no point\n", folder / DISCOVERY_FILE)
    return dataclasses.replace(result, analyses=analyses, box=box)


def _open_folder(folder: Path, sweep: Sweep, resolved: dict, digest: str, n: int) -> None:
    path = folder / SWEEP_FILE
    if path.is_file():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("hash") != digest:
            changed = _changed_keys(old.get("config", {}), resolved)
            shown = ", ".join(changed[:8]) + (
                f" and {len(changed) - 8} more" if len(changed) > 8 else ""
            )
            if changed and all(k.startswith("code.") for k in changed):
                raise SweepChangedError(
                    "sweep",
                    f"the folder {folder} holds points computed by other code (changed: {shown}); "
                    "they would not match this code's: give this sweep another folder "
                    "(sweep.folder; on the command line +sweep.folder=PATH), or delete that "
                    "folder to start again",
                )
            raise SweepChangedError(
                "sweep",
                f"the folder {folder} holds a sweep started with another config "
                f"(hash {str(old.get('hash'))[:12]}, now {digest[:12]}; changed: {shown}). Its "
                "finished points would not match this config: give this sweep another folder "
                "(sweep.folder; on the command line +sweep.folder=PATH), or delete that folder "
                "to start again",
            )
        created = old.get("created")
    else:
        created = datetime.now(UTC).isoformat()
    # The spec is rewritten each session: keys outside the hash (analyze, ...) may change.
    store.write_json(
        {
            "hash": digest,
            "points": n,
            "created": created,
            "config": resolved,
            "sweep": sweep.to_dict(),
        },
        path,
    )


@dataclass(frozen=True)
class _PointTask:
    """One point to compute; `index`, `seed`, `first`, `size` as an executor's task."""

    index: int
    seed: int
    first: int
    size: int
    point: Point
    scenario: Scenario
    sweep: Sweep
    mc: dict
    simulate_kwargs: dict
    base: pd.DataFrame | None
    keep: bool
    is_baseline: bool = False


@dataclass(frozen=True)
class _PointDone:
    """A computed point: its table row, or its failure record; its outcomes if kept."""

    index: int
    row: dict | None
    failure: dict | None
    outcomes: pd.DataFrame | None = None


def _paired_part(outcomes: pd.DataFrame, rungs: Sequence[int]) -> pd.DataFrame:
    """The columns a paired difference reads (smaller to send to every worker)."""
    part = outcomes[["replication", *(f"day_rung_{k}" for k in rungs)]].copy()
    part.attrs = dict(outcomes.attrs)
    return part


def _compute_point(task: _PointTask) -> _PointDone:
    """Run one point (in a worker); never raises: a failure is returned as a record."""
    sweep, point = task.sweep, task.point
    started = time.perf_counter()
    run = dict(task.mc)
    try:
        point_spec, point_mc = point_scenario(task.scenario, point.settings, sweep.fixed)
        run.update(point_mc)
        result = simulate(
            point_spec,
            replications=int(run["replications"]),
            horizon=int(run["horizon"]),
            seed=run["seed"],
            chunk_size=run["chunk_size"],
            record_events=False,
            record_trajectory=False,
            progress=False,
            **task.simulate_kwargs,
        )
        outcomes = result.outcomes
        row: dict[str, Any] = {"point": point.index, **point.display, "status": _DONE}
        row.update(outcome_columns(outcomes, sweep.rungs, sweep.horizons))
        if task.base is not None or task.is_baseline:
            base = outcomes if task.is_baseline else task.base
            paired = _paired_columns(base, outcomes, sweep.rungs, sweep.horizons)
            if task.is_baseline:
                # No difference with itself, and no interval width to compare.
                paired = {k: math.nan if k.endswith("_width_ratio") else 0.0 for k in paired}
            row.update(paired)
        row.update(
            seed=run["seed"],
            chunk_size=run["chunk_size"],
            seconds=time.perf_counter() - started,
            error=None,
        )
    except Exception as exc:  # noqa: BLE001 - a failing point is recorded; the sweep goes on
        failure = {
            "point": point.index,
            "parameters": _plain(point.display),
            "settings": _plain(point.settings),
            "seed": run["seed"],
            "replications": run["replications"],
            "horizon": run["horizon"],
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "when": datetime.now(UTC).isoformat(),
        }
        return _PointDone(point.index, None, failure)
    return _PointDone(point.index, row, None, outcomes if task.keep else None)


def _save_point(folder: Path, done: _PointDone) -> None:
    """Write a computed point's files atomically, in this process, as it arrives."""
    i = done.index
    if done.failure is not None:
        store.write_json(done.failure, _file(folder, FAILURES_DIR, i, ".json"))
        _log(folder, f"point {i} failed: {done.failure['error']}")
        return
    if done.outcomes is not None:
        store.write_parquet(done.outcomes, _file(folder, OUTCOMES_DIR, i, ".parquet"))
    store.write_parquet(pd.DataFrame([done.row]), _file(folder, POINTS_DIR, i, ".parquet"))
    _file(folder, FAILURES_DIR, i, ".json").unlink(missing_ok=True)
    _log(folder, f"point {i} done in {done.row['seconds']:.2f}s")


def _collect(
    folder: Path, sweep: Sweep, points: Sequence[Point], baseline: int | None, computed: list[int]
) -> SweepResult:
    rows, failures = [], []
    for pt in points:
        done = _file(folder, POINTS_DIR, pt.index, ".parquet")
        failed = _file(folder, FAILURES_DIR, pt.index, ".json")
        if done.is_file():
            rows.append(store.read_parquet(done).to_dict("records")[0])
        elif failed.is_file():
            record = json.loads(failed.read_text(encoding="utf-8"))
            failures.append(record)
            rows.append(
                {
                    "point": pt.index,
                    **pt.display,
                    "status": _FAILED,
                    "seed": record["seed"],
                    "error": record["error"],
                }
            )
        else:
            rows.append({"point": pt.index, **pt.display, "status": "pending"})
    table = pd.DataFrame.from_records(rows)
    first = ["point", *sweep.names, "status"]
    last = [c for c in ("seed", "chunk_size", "seconds", "error") if c in table.columns]
    middle = [c for c in table.columns if c not in first and c not in last]
    table = table[first + middle + last]
    table.attrs = {"sweep": sweep.name, "baseline": baseline}
    return SweepResult(
        sweep=sweep,
        folder=folder,
        table=table,
        failures=failures,
        computed=list(computed),
        baseline=baseline,
    )


def load_sweep(folder: str | os.PathLike) -> SweepResult:
    """Read a sweep folder back: its spec, its table (finished so far) and its failures."""
    folder = Path(folder)
    path = folder / SWEEP_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a sweep folder: it has no {SWEEP_FILE}")
    spec = json.loads(path.read_text(encoding="utf-8"))["sweep"]
    spec["parameters"] = [{k: v for k, v in p.items() if v is not None} for p in spec["parameters"]]
    sweep = Sweep.from_config(spec)
    points = sweep.points()
    return _analysed(_collect(folder, sweep, points, sweep.baseline_index(points), []))


# --- the config way in -------------------------------------------------------------------------


def run_sweep_from_config(
    cfg: Mapping[str, Any],
    results: str | os.PathLike | None = None,
    overrides: Sequence[str] = (),
    command: Sequence[str] | None = None,
) -> SweepResult:
    """Run the sweep of an experiment config: the entry of ``python -m sim experiment=NAME``.

    Parameters
    ----------
    cfg : DictConfig or mapping
        A config composed by Hydra from ``configs/config.yaml`` with a ``sweep`` node (see
        :meth:`Sweep.from_config`): the scenario, a chosen retaliation or ceasefire rule, ``mc``
        and ``executor`` are read and checked by :func:`sim.runs.experiment.experiment_from_config`.
        A plain mapping (a notebook) may instead give ``scenario`` as a name or a scenario node,
        ``mc`` (``replications``, ``horizon``, ``seed``, ``chunk_size``) and ``executor``.
    results : path, optional
        The run's results folder (Hydra's run directory). It gets ``config.yaml``,
        ``overrides.yaml``, ``manifest.json`` (with ``sweep_folder``), the table as
        ``summary.csv`` and ``sweep.parquet``. The sweep itself lives in a stable folder,
        ``sweep.folder`` or ``<output.root>/<name>/sweep``, so the same command resumes it.
    overrides, command : sequence of str
        Recorded in the results folder.

    Returns
    -------
    SweepResult
        ``exit_code`` is 1 when some point failed.
    """
    node = dict(_plain(cfg["sweep"]))
    if (_plain(cfg.get("history")) or {}).get("replay"):
        # Each point would need its own replay (the replay reads the swept parameters).
        raise ConfigError(
            "history.replay",
            "sweeps start from the scenario's values; a replayed "
            "history is not supported in a sweep yet (set history.replay=false)",
        )
    if (_plain(cfg.get("mc")) or {}).get("stop"):
        raise ConfigError(
            "mc.stop",
            "every point of a sweep runs mc.replications replications (paired differences "
            "need the same ones); adaptive stopping is not supported in a sweep: remove mc.stop",
        )
    name = str(cfg.get("name") or node.get("name") or "sweep")
    node.setdefault("name", name)
    if isinstance(cfg, DictConfig):
        from sim.runs.experiment import experiment_from_config

        experiment = experiment_from_config(cfg, overrides=overrides)
        scenario, mc, config = (
            experiment.scenario,
            dataclasses.asdict(experiment.mc),
            experiment.config,
        )
        executor = dataclasses.asdict(experiment.executor)
        root = experiment.output.root
    else:
        scenario, mc, config = cfg.get("scenario"), _plain(cfg.get("mc")) or {}, cfg
        executor = cfg.get("executor")
        root = (_plain(cfg.get("output")) or {}).get("root", "outputs")
    node.setdefault("folder", str(Path(root) / node["name"] / "sweep"))
    sweep = Sweep.from_config(node)
    settings = {
        k: mc[k] for k in ("replications", "horizon", "seed", "chunk_size") if mc.get(k) is not None
    }
    record = store.manifest(settings.get("seed"), command=command, extra={"experiment": name})
    result = run_sweep(sweep, scenario, executor=executor, config=config, **settings)
    if results is not None and Path(results).resolve() != result.folder.resolve():
        folder = store.ResultsFolder.claim(results)  # another run may hold it
        folder.write_config(_plain(config))
        folder.write_overrides(list(overrides))
        store.write_parquet(result.table, folder.path / TABLE_FILE)
        folder.write_summary(result.table)
        record["sweep_folder"] = str(result.folder.resolve())
        record["points_failed"] = len(result.failures)
        folder.write_manifest(store.finish_manifest(record))
    return result

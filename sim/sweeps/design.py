"""A sweep's design: :class:`Sweep`, its parameters expanded into points, and what it records.

The designs are a full grid, a Latin hypercube or a Sobol sequence (``scipy.stats.qmc``), and the
Saltelli and Morris samples of SALib for :mod:`sim.analysis.sensitivity`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.errors import ConfigError, did_you_mean
from sim.sweeps.parameters import Parameter, Point, _plain

__all__ = ["DESIGNS", "MAX_POINTS", "Sweep"]

DESIGNS = ("grid", "lhs", "sobol", "saltelli", "morris")
"""Designs a sweep can expand into points."""
MAX_POINTS = 100_000
"""The most points a sweep may have (each runs a whole Monte Carlo; split a larger study)."""

# Keys that do not change any point's numbers: left out of the config hash.
_UNHASHED = ("name", "folder", "keep_outcomes", "analyze", "discover", "show")


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
        count = self.size()
        if count > MAX_POINTS:
            raise ConfigError(
                "sweep",
                f"the {self.design} design has {count:,} points, more than the limit of "
                f"{MAX_POINTS:,}; use fewer levels or samples, a sampled design (lhs, sobol) for "
                "many parameters, or several sweeps",
            )

    def size(self) -> int:
        """How many points the design has.

        A grid's range of more than `MAX_POINTS` levels counts them all, without making them.
        """
        d = len(self.parameters)
        if self.design == "grid":
            return math.prod(
                len(p.values) if p.categorical
                else (p.num or 1) if (p.num or 1) > MAX_POINTS
                else len(p.levels()) if p.num is not None
                else 1
                for p in self.parameters
            )  # fmt: skip
        samples = int(self.samples or 0)
        if self.design == "saltelli":
            return samples * (2 * d + 2 if self.second_order else d + 2)
        if self.design == "morris":
            return samples * (d + 1)
        return samples

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

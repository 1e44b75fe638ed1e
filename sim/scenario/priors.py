"""Priors of a scenario's uncertain parameters: a distribution and bounds per key path.

A scenario's YAML gives every number a basis in a comment: a source, a replayed value, or
"assumption" / "calibrated". The ``priors:`` mapping of the scenario gives each assumed or
calibrated parameter a prior, keyed by the parameter's path in the scenario
(``states.pakistan.resolve``, ``states.afghanistan.retaliation.p_act``,
``mediators.qatar.trust.afghanistan``, ``states.pakistan.inflicted.military.4`` for an element of
a list)::

    priors:
      decay: {dist: uniform, low: 0.02, high: 0.10}
      states.pakistan.retaliation.p_act: {dist: beta, a: 2, b: 40, low: 0, high: 0.2}

A prior describes what is known about a parameter before calibration (``docs/calibration.md``);
the scenario keeps its point value for ordinary runs. :func:`check_priors` validates a priors
mapping against the scenario (the path exists and holds a number, the distribution and its
parameters are valid, the bounds lie in the parameter's allowed range) and answers bad input
with one :class:`~sim.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim.core.errors import ConfigError, did_you_mean

__all__ = ["DISTRIBUTIONS", "Prior", "check_priors", "parameter_bases", "prior_from_node"]

DISTRIBUTIONS = ("uniform", "loguniform", "beta", "integer")
"""Prior families: ``uniform`` and ``loguniform`` on [low, high]; ``beta`` with shapes `a`, `b`
stretched onto [low, high]; ``integer``: every whole number in low..high equally likely."""


@dataclass(frozen=True)
class Prior:
    """The prior of one parameter.

    Parameters
    ----------
    dist : {"uniform", "loguniform", "beta", "integer"}
        The family (see `DISTRIBUTIONS`).
    low, high : float
        Bounds of the support, low < high (low > 0 for loguniform; whole numbers for integer).
    a, b : float, optional
        Shapes of the beta family, > 0 (required for it, refused by the others).

    Examples
    --------
    >>> p = Prior("beta", 0.0, 0.2, a=2.0, b=18.0)
    >>> round(p.mean(), 3), round(float(p.ppf(0.5)), 4)
    (0.02, 0.0174)
    """

    dist: str
    low: float
    high: float
    a: float | None = None
    b: float | None = None

    def __post_init__(self) -> None:
        if self.dist not in DISTRIBUTIONS:
            raise ValueError(
                f"dist '{self.dist}' is not a prior family; "
                + did_you_mean(str(self.dist), DISTRIBUTIONS)
            )
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"low must be < high (both finite), got [{self.low}, {self.high}]")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError(f"low of a loguniform prior must be > 0, got {self.low}")
        if self.dist == "integer" and (self.low != int(self.low) or self.high != int(self.high)):
            raise ValueError(f"low and high of an integer prior must be whole, got {self.low}")
        if self.dist == "beta":
            if self.a is None or self.b is None or self.a <= 0 or self.b <= 0:
                raise ValueError(
                    f"shapes a > 0 and b > 0 are needed by a beta prior, got {self.a}, {self.b}"
                )
        elif self.a is not None or self.b is not None:
            raise ValueError(f"shapes a and b belong to the beta family, not to {self.dist}")

    def scipy(self) -> Any:
        """The prior as a frozen :mod:`scipy.stats` distribution."""
        width = self.high - self.low
        if self.dist == "uniform":
            return stats.uniform(self.low, width)
        if self.dist == "loguniform":
            return stats.loguniform(self.low, self.high)
        if self.dist == "beta":
            return stats.beta(self.a, self.b, loc=self.low, scale=width)
        return stats.randint(int(self.low), int(self.high) + 1)

    def ppf(self, q: np.ndarray | float) -> np.ndarray:
        """Quantiles: maps uniforms in [0, 1] onto the prior (inverse CDF)."""
        # SciPy puts the 0-quantile of a discrete law one below its support: clip to the bounds.
        return np.clip(np.asarray(self.scipy().ppf(q), dtype=float), self.low, self.high)

    def mean(self) -> float:
        """The prior mean."""
        return float(self.scipy().mean())

    def to_dict(self) -> dict[str, Any]:
        """The prior as plain data, as written in a scenario YAML."""
        out: dict[str, Any] = {"dist": self.dist, "low": self.low, "high": self.high}
        if self.dist == "beta":
            out.update(a=self.a, b=self.b)
        return out


def prior_from_node(node: Any, path: str) -> Prior:
    """Build a :class:`Prior` from a mapping such as ``{dist: uniform, low: 0, high: 1}``."""
    if isinstance(node, Prior):
        return node
    if not isinstance(node, Mapping):
        raise ConfigError(path, f"must be a mapping with dist, low and high, got {node!r}")
    node = {str(k): v for k, v in node.items()}
    fields = [f.name for f in dataclasses.fields(Prior)]
    for key in node:
        if key not in fields:
            raise ConfigError(
                f"{path}.{key}", f"unknown key of a prior; {did_you_mean(key, fields)}"
            )
    for key in ("dist", "low", "high"):
        if key not in node:
            raise ConfigError(
                f"{path}.{key}", "is required (e.g. {dist: uniform, low: 0, high: 1})"
            )
    for key in ("low", "high", "a", "b"):
        value = node.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(f"{path}.{key}", f"must be a number, got {value!r}")
    try:
        return Prior(
            dist=str(node["dist"]),
            low=float(node["low"]),
            high=float(node["high"]),
            a=None if node.get("a") is None else float(node["a"]),
            b=None if node.get("b") is None else float(node["b"]),
        )
    except ValueError as exc:
        first = str(exc).split(" ", 1)[0]
        where = f"{path}.{first}" if first in fields else path
        raise ConfigError(where, str(exc)) from None


@functools.cache
def _fields(cls: type) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls)}


def _step(obj: Any, key: str, path: str) -> tuple[Any, Mapping[str, Any] | None, None]:
    """Go one key down from `obj`: (child, the field's range metadata if `obj` is a dataclass)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = _fields(type(obj))
        if key not in fields:
            raise ConfigError(path, f"'{key}' is not a parameter here; {did_you_mean(key, fields)}")
        return getattr(obj, key), fields[key].metadata, None
    if isinstance(obj, Mapping):
        if key not in obj:
            raise ConfigError(path, f"'{key}' is not a key here; {did_you_mean(key, obj)}")
        return obj[key], None, None
    if isinstance(obj, list | tuple):
        if not key.isdigit() or int(key) >= len(obj):
            raise ConfigError(path, f"'{key}' is not an index of a list of {len(obj)}")
        return obj[int(key)], None, None
    raise ConfigError(path, f"'{key}' goes below a number")


def _check_bounds(value: float, meta: Mapping[str, Any] | None, prior: Prior, path: str) -> None:
    if not meta:
        return
    low, high = meta.get("bounds") or (None, None)
    above = meta.get("above")
    if (low is not None and prior.low < low) or (high is not None and prior.high > high):
        raise ConfigError(
            path, f"bounds [{prior.low}, {prior.high}] leave the parameter's range [{low}, {high}]"
        )
    if above is not None and prior.low <= above:
        raise ConfigError(path, f"low must be > {above} (the parameter's range), got {prior.low}")


def _swapped_rule(scenario: Any, parts: list[str]) -> bool:
    """Whether `parts` names a parameter of a rule that the scenario's rule in that slot lacks.

    An experiment or a sweep may give a state another rule (``retaliation=threshold``): the
    priors written for the old rule's parameters no longer apply and are dropped.
    """
    if len(parts) == 2 and parts[0] == "ceasefire":
        rule = scenario.ceasefire
    elif len(parts) == 4 and parts[0] == "states" and parts[2] == "retaliation":
        state = scenario.states.get(parts[1])
        rule = None if state is None else state.retaliation
    else:
        return False
    if rule is None:
        return False
    # A user's rule class (not a dataclass) has no checked parameters: its priors are dropped too.
    return not (dataclasses.is_dataclass(rule) and parts[-1] in _fields(type(rule)))


def check_priors(scenario: Any, priors: Mapping[str, Any], path: str = "scenario.priors") -> dict:
    """Check a priors mapping against a built scenario and return it as path -> :class:`Prior`.

    Parameters
    ----------
    scenario : Scenario
        The scenario the priors belong to (rules already built).
    priors : mapping of str to mapping
        Key path of a parameter -> its prior node.
    path : str
        Key path of the mapping, for error messages.

    Returns
    -------
    dict of str to Prior

    Raises
    ------
    ConfigError
        An unknown key path, a path that holds no number, a bad prior, or bounds outside the
        parameter's allowed range (a rule's own check is applied at both bounds).

    Notes
    -----
    A prior on a parameter that the rule in its slot does not have is dropped, not refused: an
    experiment or a sweep that gives a state another rule leaves the old rule's priors behind.
    The seed scenario's test checks that every prior it ships applies.
    """
    if not isinstance(priors, Mapping):
        raise ConfigError(path, f"must be a mapping of key path to prior, got {priors!r}")
    out = {}
    for key, node in priors.items():
        key = str(key)
        where = f"{path}.{key}"
        prior = prior_from_node(node, where)
        obj: Any = scenario
        meta = owner = owner_key = None
        parts = key.split(".")
        if _swapped_rule(scenario, parts):
            continue
        for part in parts:
            parent = obj
            obj, field_meta, _ = _step(obj, part, where)
            if dataclasses.is_dataclass(parent):
                # Elements of a mapping or list below keep their field's range.
                meta, owner, owner_key = field_meta, parent, part
        if isinstance(obj, bool) or not isinstance(obj, int | float):
            raise ConfigError(where, f"holds {obj!r}, not a number: a prior goes on a number")
        if isinstance(obj, int) and prior.dist != "integer":
            raise ConfigError(f"{where}.dist", "the parameter is a whole number: use integer")
        _check_bounds(float(obj), meta, prior, where)
        if owner is not None and type(owner).__module__.startswith("sim.rules"):
            for bound in (prior.low, prior.high):
                value = int(bound) if isinstance(obj, int) else bound
                try:
                    dataclasses.replace(owner, **{owner_key: value})
                except (TypeError, ValueError) as exc:
                    raise ConfigError(where, f"bound {bound} is not allowed: {exc}") from None
        out[key] = prior
    return out


_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z_][A-Za-z0-9_]*):")


def parameter_bases(path: str | Path) -> dict[str, str]:
    """The basis comment of every parameter of a block-style scenario YAML, by key path.

    Reads the file's lines (indentation gives the nesting); a key whose value is on its line and
    followed by ``# comment`` maps to that comment. Keys under ``priors:`` are left out.

    Examples
    --------
    >>> from sim.scenario import scenario_path
    >>> parameter_bases(scenario_path("pak_afg_2026"))["decay"][:10]
    'assumption'
    """
    stack: list[tuple[int, str]] = []
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = _KEY.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        keys = [k for _, k in stack] + [match["key"]]
        value, _, comment = line[match.end() :].partition("#")
        if not value.strip():
            stack.append((indent, match["key"]))  # a parent: its children follow, indented
        elif comment.strip() and keys[0] != "priors":
            out[".".join(keys)] = comment.strip()
    return out

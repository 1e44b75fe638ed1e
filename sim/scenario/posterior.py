"""A posterior over a scenario's parameters: weighted draws, and the scenario of each draw.

A calibration (``docs/calibration.md``) summarises what the record says about the uncertain
parameters as a table of draws: one row per draw, one column per parameter named by its key path
in the scenario (the paths of the scenario's ``priors:``, e.g. ``states.pakistan.retaliation.p_act``
or ``states.pakistan.inflicted.military.4``), and a ``weight`` column of importance weights
(any positive scale; 1.0 for equally weighted draws). Stored as Parquet, it is what ``simulate``
and every experiment take as ``posterior`` (``docs/posterior.md``).

:func:`load_posterior` reads and checks such a table against the scenario it is to be used with,
answering a bad file with one :class:`~sim.core.errors.ConfigError` that names the column and
the fix. :meth:`Posterior.scenario` gives the scenario of one draw (the base scenario with that
draw's values, checked like a loaded one); :meth:`Posterior.assign` says which draw each
replication uses.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import ConfigError, did_you_mean
from sim.core.streams import stream
from sim.rules import CEASEFIRE_RULES, RETALIATION_RULES
from sim.scenario.loading import scenario_from_dict
from sim.scenario.priors import _swapped_rule
from sim.scenario.schema import Scenario

__all__ = ["CELL", "WEIGHT", "Posterior", "load_posterior", "posterior_from_frame", "prior_draws"]

WEIGHT = "weight"
"""The column of importance weights."""

CELL = 256
"""Default replications per cell: consecutive replications that share one draw. A cell divides
the streams' block of 1,024 replications, so a cell's replications draw from one block."""

# The fractional part of the golden ratio: its multiples modulo 1 fill [0, 1) as evenly as any
# sequence can (a Weyl sequence), so every run of consecutive cells samples the posterior in
# proportion to the weights.
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True, eq=False)
class Posterior:
    """Weighted draws of a scenario's parameters.

    Parameters
    ----------
    values : DataFrame
        One row per draw, one column per parameter key path (numbers; whole numbers for
        whole-number parameters).
    weights : ndarray
        Shape (D,): the draws' weights, finite, >= 0, summing to 1.
    source : str
        Where the draws came from (a file path), for messages.

    Examples
    --------
    >>> import sim
    >>> base = sim.load_scenario()
    >>> draws = pd.DataFrame({"decay": [0.04, 0.08], "weight": [3.0, 1.0]})
    >>> post = posterior_from_frame(draws, base)
    >>> post.weights.tolist(), post.scenario(base, 1).decay
    ([0.75, 0.25], 0.08)
    """

    values: pd.DataFrame
    weights: np.ndarray
    source: str = ""
    _built: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.weights)

    def __getstate__(self) -> dict[str, Any]:
        # Workers rebuild the scenarios they need: do not ship the cache.
        return {"values": self.values, "weights": self.weights, "source": self.source}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_built", {})

    @property
    def paths(self) -> list[str]:
        """The parameters the draws set, by key path."""
        return [str(c) for c in self.values.columns]

    def scenario(self, base: Scenario, draw: int) -> Scenario:
        """`base` with the parameters of draw `draw` (0-based row), checked like a loaded one.

        A column naming a parameter of a rule that `base` no longer has in that slot (a policy
        gave the state another rule) is left out, as its prior is.
        """
        if self._built.get("base") is not base:
            # One base at a time (a sweep's points each bring their own): memory stays bounded.
            self._built.clear()
            self._built["base"] = base
        key = int(draw)
        if key not in self._built:
            row = self.values.iloc[int(draw)]
            try:
                built = _build(self, base, {p: row[p] for p in self.paths})
            except ConfigError as exc:
                if exc.path.startswith("posterior"):
                    raise
                raise ConfigError(
                    self._where(), f"row {draw} makes a bad scenario: {exc}"
                ) from None
            self._built[key] = built
        return self._built[key]

    def digest(self) -> str:
        """A SHA-256 of the draws and weights (what a resumed sweep must match)."""
        h = hashlib.sha256()
        h.update("\x1f".join(self.paths).encode())
        h.update(np.ascontiguousarray(self.values.to_numpy(dtype=float)).tobytes())
        h.update(np.ascontiguousarray(self.weights, dtype=float).tobytes())
        return h.hexdigest()

    def assign(self, seed: int, first: int, size: int, cell: int = CELL) -> np.ndarray:
        """The draw of each replication ``first`` .. ``first + size - 1``, shape (size,).

        Replication ``g`` belongs to cell ``c = g // cell``; cell ``c`` takes the draw whose
        interval of the cumulative weights holds ``u_c = (u_0 + c * 0.618...) mod 1``, with
        ``u_0`` a uniform of the seed's own stream. Consecutive cells thus spread over the
        posterior in proportion to the weights (a stratified, systematic assignment), any run of
        ``C`` cells gives draw ``k`` about ``C * w_k`` of them, and the draw of a replication
        depends on the seed, the cell size and its index only: never on the chunk size, the
        executor or the number of replications.
        """
        if cell < 1:
            raise ValueError(f"cell must be >= 1 replication, got {cell}")
        u0 = stream(seed, 0, "posterior", "draws").random()
        cells = np.arange(first, first + size, dtype=np.int64) // cell
        u = np.mod(u0 + cells * _GOLDEN, 1.0)
        edges = np.cumsum(self.weights)
        draws = np.searchsorted(edges, u * edges[-1], side="right")
        return np.minimum(draws, len(self.weights) - 1)

    def _where(self, column: str | None = None) -> str:
        name = f"posterior {self.source}" if self.source else "posterior"
        return f"{name}: column '{column}'" if column else name


def _set(data: dict, path: str, value: Any, where: str) -> None:
    """Put `value` at key path `path` of the plain scenario `data`, keeping whole numbers whole."""
    parts = path.split(".")
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(where, f"'{part}' is not an index 0..{len(node) - 1} of a list")
            index: Any = int(part)
        elif isinstance(node, Mapping):
            if part not in node or part in ("name", "_target_", "priors"):
                options = [str(k) for k in node if k not in ("name", "_target_", "priors")]
                raise ConfigError(
                    where,
                    f"'{part}' is not a parameter of the scenario here; "
                    f"{did_you_mean(part, options)}. Name each column by a parameter's key path "
                    "in the scenario, as the scenario's priors do (e.g. states.pakistan.resolve)",
                )
            index = part
        else:
            raise ConfigError(where, f"'{'.'.join(parts[:i])}' is a number, not a mapping")
        if not last:
            node = node[index]
            continue
        old = node[index]
        if isinstance(old, bool) or not isinstance(old, int | float):
            raise ConfigError(where, f"holds {old!r}, not a number: only numbers take draws")
        number = float(value)
        if isinstance(old, int):
            if number != int(number):
                raise ConfigError(
                    where, f"the parameter is a whole number, got {number}: round the draws"
                )
            node[index] = int(number)
        else:
            node[index] = number


def posterior_from_frame(frame: pd.DataFrame, scenario: Scenario, source: str = "") -> Posterior:
    """Check a table of draws against `scenario` and build the :class:`Posterior`.

    Parameters
    ----------
    frame : DataFrame
        One row per draw: a column per parameter key path and a ``weight`` column.
    scenario : Scenario
        The scenario the draws are for (each path must name one of its numbers).
    source : str
        Where the table came from, for messages.

    Returns
    -------
    Posterior

    Raises
    ------
    ConfigError
        No draws; no ``weight`` column; a weight that is negative, NaN or infinite, or all zero;
        a column that is not a parameter path of the scenario, is not numeric, holds a missing
        value, a fraction for a whole number, or a value outside the parameter's range. The
        message names the column and the fix.
    """
    name = f"posterior {source}" if source else "posterior"
    if len(frame) == 0:
        raise ConfigError(name, "holds no draws: give at least one row")
    if WEIGHT not in frame.columns:
        raise ConfigError(
            name,
            f"has no '{WEIGHT}' column; add the draws' importance weights as '{WEIGHT}' "
            "(any positive scale; 1.0 each for equally weighted draws)",
        )
    where = f"{name}: column '{WEIGHT}'"
    weights = pd.to_numeric(frame[WEIGHT], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        row = int(bad[0])
        raise ConfigError(
            where,
            f"row {row} holds {frame[WEIGHT].iloc[row]}; weights must be finite numbers >= 0 "
            f"({bad.size} bad rows): drop those draws or fix their weights",
        )
    if weights.sum() <= 0:
        raise ConfigError(where, "every weight is 0: at least one draw needs a positive weight")
    values = frame.drop(columns=[WEIGHT]).reset_index(drop=True)
    for column in values.columns:
        col_where = f"{name}: column '{column}'"
        if not isinstance(column, str) or not column:
            raise ConfigError(col_where, "a column name must be a parameter's key path")
        kind = values[column].dtype
        if not (pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)):
            raise ConfigError(col_where, f"holds {kind} values: draws must be numbers")
        missing = np.flatnonzero(values[column].isna().to_numpy())
        if missing.size:
            raise ConfigError(
                col_where, f"row {int(missing[0])} has no value: every draw sets every column"
            )
        finite = np.isfinite(values[column].to_numpy(dtype=float))
        if not finite.all():
            row = int(np.flatnonzero(~finite)[0])
            raise ConfigError(col_where, f"row {row} holds {values[column].iloc[row]}: not finite")
    posterior = Posterior(values=values, weights=weights / weights.sum(), source=source)
    _check_ranges(posterior, scenario)
    return posterior


def _check_ranges(posterior: Posterior, scenario: Scenario) -> None:
    """Check every column at its smallest and largest value.

    A constraint between entries (an ordered list) holds at the column-wise extremes whenever
    it holds in every row, so two scenarios check the whole table.
    """
    for pick in ("min", "max"):
        extremes = {p: getattr(posterior.values[p], pick)() for p in posterior.paths}
        try:
            _build(posterior, scenario, extremes)
        except ConfigError as exc:
            if exc.path.startswith("posterior"):
                raise  # a column that is no parameter: said by _set
            column = _culprit(posterior, scenario, extremes)
            raise ConfigError(
                posterior._where(column),
                f"its {'smallest' if pick == 'min' else 'largest'} draw, {extremes[column]}, "
                f"leaves the parameter's range ({exc}); keep the draws inside the prior's bounds "
                "(docs/calibration.md)",
            ) from None


def _left_out(scenario: Scenario, path: str) -> bool:
    """Whether `path` names a parameter of another rule than the one in its slot of `scenario`.

    A policy that gives a state another rule leaves the old rule's draws behind, as it does its
    priors; a name that no built-in rule has is a typo and goes on to be refused.
    """
    parts = path.split(".")
    if not _swapped_rule(scenario, parts):
        return False
    rules = CEASEFIRE_RULES if parts[0] == "ceasefire" else RETALIATION_RULES
    return any(parts[-1] in {f.name for f in dataclasses.fields(c)} for c in rules.values())


def _build(posterior: Posterior, scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    data = scenario.to_dict()
    for path, value in values.items():
        if not _left_out(scenario, path):
            _set(data, path, value, posterior._where(path))
    return scenario_from_dict(data)


def _culprit(posterior: Posterior, scenario: Scenario, values: Mapping[str, Any]) -> str:
    """The first column whose value alone makes the scenario fail (else all of them)."""
    for path, value in values.items():
        try:
            _build(posterior, scenario, {path: value})
        except ConfigError:
            return path
    return ", ".join(values)


def prior_draws(scenario: Scenario, draws: int, seed: int = 0) -> pd.DataFrame:
    """Draws from the scenario's priors as a table in the posterior format (equal weights).

    Run with it, a scenario gives prior-predictive estimates: what the priors alone imply, before
    any calibration narrows them. Each parameter is drawn independently by inverting its prior's
    CDF (:meth:`~sim.scenario.priors.Prior.ppf`) at uniforms of the seed's own stream.

    Parameters
    ----------
    scenario : Scenario
        With ``priors`` (``docs/calibration.md``).
    draws : int
        Rows, >= 1.
    seed : int
        Seed of the uniforms, >= 0.

    Returns
    -------
    DataFrame
        A column per prior's key path and ``weight`` (1.0): write it with ``to_parquet`` and pass
        the file as ``posterior``.

    Examples
    --------
    >>> import sim
    >>> table = prior_draws(sim.load_scenario(), draws=5, seed=1)
    >>> table.shape[0], "decay" in table.columns, table["weight"].tolist()
    (5, True, [1.0, 1.0, 1.0, 1.0, 1.0])
    """
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    if not scenario.priors:
        raise ConfigError("scenario.priors", "the scenario has no priors to draw from")
    u = stream(seed, 0, "prior", "draws").random((draws, len(scenario.priors)))
    table = pd.DataFrame(
        {path: prior.ppf(u[:, i]) for i, (path, prior) in enumerate(scenario.priors.items())}
    )
    table[WEIGHT] = 1.0
    return table


def load_posterior(path: str | Path, scenario: Scenario) -> Posterior:
    """Read a posterior Parquet file and check it against `scenario`.

    Parameters
    ----------
    path : str or Path
        A Parquet table: one row per draw, a column per parameter key path, and ``weight``.
    scenario : Scenario
        The scenario the draws are for.

    Returns
    -------
    Posterior

    Raises
    ------
    ConfigError
        The file is missing or unreadable, or its table is bad (:func:`posterior_from_frame`).
    """
    import pyarrow.parquet as pq  # only a run with a posterior reads Parquet here

    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            "posterior",
            f"no file {path}; give the path of a posterior Parquet file (docs/posterior.md)",
        )
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise ConfigError(
            "posterior", f"cannot read {path} as Parquet ({type(exc).__name__}: {exc})"
        ) from None
    return posterior_from_frame(frame, scenario, source=str(path))

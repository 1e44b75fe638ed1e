"""What a calibration fits and its budget: the ``calibration:`` node of an experiment."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.core.errors import ConfigError, did_you_mean

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

__all__ = ["DEFAULT_PARAMETERS", "CalibrationSettings", "default_parameters"]

DEFAULT_PARAMETERS = (
    *(
        f"states.{state}.retaliation.{name}"
        for state in ("pakistan", "afghanistan")
        for name in ("p_act", "intercept", "scale")
    ),
    *(
        f"ceasefire.{name}"
        for name in ("intercept", "leverage_weight", "trust_weight", "cost_weight", "rung_weight")
    ),
    "mediators.border.attempt_rate",
)
"""The numbers the seed scenario's calibrated bases name (each state's chance of acting and its
ordered-logit intercept and scale), the ceasefire rule's weights (intercept, leverage, trust,
cost and rung: the odds that a mediator's attempt succeeds) and how often the local border
channel meets while open: the parameters the record's statistics speak to most directly. None
of them is read by the episodes' replays, so a particle costs one record's simulation."""


def default_parameters(scenario: Scenario) -> tuple[str, ...]:
    """:data:`DEFAULT_PARAMETERS` for `scenario`: the same numbers of its own states, in order.

    Each state's ``p_act``, ``intercept`` and ``scale`` (in the scenario's order of states) and
    the ceasefire rule's weights, then the attempt rate of each mediator with ``opened_by`` (a
    channel the replay opens), keeping those the scenario gives a prior: a rule without an
    ordered logit (``ind_pak_2019``) calibrates its chance of acting and the ceasefire's weights.
    For the seed scenario this is :data:`DEFAULT_PARAMETERS`, in its order.
    """
    candidates = (
        *(
            f"states.{state}.retaliation.{name}"
            for state in scenario.states
            for name in ("p_act", "intercept", "scale")
        ),
        *(p for p in DEFAULT_PARAMETERS if p.startswith("ceasefire.")),
        *(
            f"mediators.{mid}.attempt_rate"
            for mid, spec in scenario.mediators.items()
            if spec.opened_by  # a channel the replay opens: its meetings are what the record shows
        ),
    )
    return tuple(p for p in candidates if p in scenario.priors)


@dataclass(frozen=True)
class CalibrationSettings:
    """What a calibration fits and its budget (the ``calibration:`` node of an experiment).

    Parameters
    ----------
    parameters : tuple of str
        Key paths of the parameters calibrated; each needs a prior in the scenario.
    population_size : int
        Particles per generation, >= 2.
    generations : int
        The most generations of the stored run, >= 1.
    max_simulations : int
        Hard cap on the simulated records of the whole stored run, >= population_size.
    min_epsilon : float
        Stop once a generation's threshold is at or below this, >= 0.
    coding : str
        The coding set calibrated on: ``a`` or ``b`` (``docs/backtest.md``).
    exclude : tuple of str
        Episode ids left out of the record (leave-one-episode-out).
    folder : str, optional
        Where the database lives; default ``<output.root>/<name>/calibration`` (the command).
    episodes, events : str, optional
        The library and the timeline; default the scenario's own (its ``timeline`` block).
    engine : {"numpy", "compiled"}
        How each record's days advance. ``compiled`` runs a record about 4x faster (measured in
        ``benchmarks/``, section g) and gives the same record but where a library function
        rounds differently in the last bit; the default ``numpy`` reproduces the shipped
        posterior bit for bit.
    """

    parameters: tuple[str, ...] = DEFAULT_PARAMETERS
    population_size: int = 200
    generations: int = 6
    max_simulations: int = 12000
    min_epsilon: float = 0.0
    coding: str = "a"
    exclude: tuple[str, ...] = ()
    folder: str | None = None
    episodes: str | None = None
    events: str | None = None
    engine: str = "numpy"

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", tuple(self.parameters))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        if not self.parameters:
            raise ConfigError("calibration.parameters", "name at least one parameter")
        if self.population_size < 2:
            raise ConfigError(
                "calibration.population_size", f"must be >= 2, got {self.population_size}"
            )
        if self.generations < 1:
            raise ConfigError("calibration.generations", f"must be >= 1, got {self.generations}")
        if self.max_simulations < self.population_size:
            raise ConfigError(
                "calibration.max_simulations",
                f"must be >= population_size ({self.population_size}), got {self.max_simulations}",
            )
        if not self.min_epsilon >= 0:
            raise ConfigError("calibration.min_epsilon", f"must be >= 0, got {self.min_epsilon}")
        if self.engine not in ("numpy", "compiled"):
            raise ConfigError(
                "calibration.engine", f"must be 'numpy' or 'compiled', got {self.engine!r}"
            )
        if self.coding not in ("a", "b"):
            raise ConfigError("calibration.coding", f"must be 'a' or 'b', got {self.coding!r}")

    def read_events(self, scenario: Scenario) -> pd.DataFrame:
        """The timeline the record's episodes replay: ``events``, else the scenario's own."""
        from sim.history.timeline import load_events

        return load_events(self.events, scenario)

    def read_episodes(self, scenario: Scenario) -> pd.DataFrame:
        """The episode library: ``episodes``, else the scenario's, up to its as-of date."""
        from sim.history.episodes import load_episodes
        from sim.history.timeline import episodes_path, scenario_as_of

        path = self.episodes or episodes_path(scenario)
        return load_episodes(path, as_of=scenario_as_of(scenario))

    @classmethod
    def from_config(cls, node: Mapping[str, Any] | None) -> CalibrationSettings:
        """Check a ``calibration:`` mapping; unknown keys fail with their path and a suggestion."""
        names = [f.name for f in dataclasses.fields(cls)]
        data = dict(node or {})
        for key in data:
            if key not in names:
                raise ConfigError(f"calibration.{key}", f"unknown key; {did_you_mean(key, names)}")
        if data.get("parameters") is None:
            data.pop("parameters", None)
        if data.get("exclude") is None:
            data.pop("exclude", None)
        return cls(**data)

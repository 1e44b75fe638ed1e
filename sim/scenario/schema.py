"""A scenario: the states, militant groups and mediators of a crisis, as typed dataclasses.

Scenarios are written as YAML in ``configs/scenario/`` (each number with its basis in a comment)
and loaded with :func:`load_scenario`; :func:`scenario_from_dict` checks every key, type and range
and answers bad input with one :class:`~sim.core.errors.ConfigError` naming the key path.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from sim.core.ladder import MAX_RUNG
from sim.rules import rule_name
from sim.scenario.priors import Prior

_PROBABILITY = (0.0, 1.0)
_RUNG = (0, MAX_RUNG)
# Upper bounds of physical quantities: far above any real crisis, low enough that deaths, tempos
# and half-lives stay finite in float64 and whole-number counts fit in int64.
_DAYS = 36_500.0  # a century
_DEATHS = 1e7
_TEMPO = 1_000.0  # attacks per day
_LEVEL = 1e6  # pressure, grievance, weariness (unitless indices)
_FACTOR = 1e3  # multipliers and per-death growths


# Called only while the dataclasses below are defined, at import: mutation testing (mutmut)
# cannot switch a mutant of it on in time, so it is not mutated; the bounds and defaults it
# records are tested through every field (tests/unit/test_scenario_bounds.py).
def _spec(
    default: Any = dataclasses.MISSING,
    bounds: tuple | None = None,
    *,
    above: float | None = None,
    doc: str = "",
) -> Any:  # pragma: no mutate block
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

    military: list = _spec([0.0] * 6, (0.0, _DEATHS))
    civilian: list = _spec([0.0] * 6, (0.0, _DEATHS))
    militant: list = _spec([0.0] * 6, (0.0, _DEATHS))


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
    capability: float = _spec(1.0, (0.0, _FACTOR), above=0.0)
    resolve: float = _spec(0.5, _PROBABILITY)
    restraint: float = _spec(0.5, _PROBABILITY)
    compliance: float = _spec(1.0, _PROBABILITY)
    memory_days: int = _spec(7, (1, 365))
    pressure: float = _spec(0.0, (0.0, _LEVEL))
    pressure_half_life: float = _spec(14.0, (0.0, _DAYS), above=0.0)
    pressure_per_death: float = _spec(0.02, (0.0, _FACTOR))
    grievance: dict = _spec({}, (0.0, _LEVEL))
    grievance_half_life: float = _spec(60.0, (0.0, _DAYS), above=0.0)
    grievance_per_attack: float = _spec(0.1, (0.0, _FACTOR))
    grievance_per_death: float = _spec(0.01, (0.0, _FACTOR))
    weariness: float = _spec(0.0, (0.0, _LEVEL))
    weariness_per_death: float = _spec(0.001, (0.0, _FACTOR))
    provocation: dict = _spec({}, _RUNG)
    harm: dict = _spec({}, (0.0, _DEATHS))
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
    targets: dict = _spec({}, (0.0, _TEMPO))
    attribution: float = _spec(0.5, _PROBABILITY)
    major_attack_deaths: int = _spec(10, (1, int(_DEATHS)))
    attack_rung: int = _spec(2, (1, MAX_RUNG))
    casualty_alpha: float = _spec(2.5, (1.0, 100.0), above=1.0)
    casualty_scale: float = _spec(1.0, (0.0, _DEATHS), above=0.0)
    max_deaths_per_attack: int = _spec(150, (1, int(_DEATHS)))
    military_share: float = _spec(0.5, _PROBABILITY)
    max_attacks_per_day: int = _spec(4, (1, 50))
    spoiler: float = _spec(1.0, (0.0, _FACTOR))
    strength: float = _spec(1.0, (0.0, _FACTOR), above=0.0)
    max_strength: float = _spec(2.0, (0.0, _FACTOR), above=0.0)
    degradation: float = _spec(0.05, _PROBABILITY)
    recovery_half_life: float = _spec(60.0, (0.0, _DAYS), above=0.0)
    recruitment_per_civilian_death: float = _spec(0.0, (0.0, _FACTOR))


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
    opened_by : str
        A timeline kind (``clash``, ``strike``, ...) that opens this channel: when it is set,
        the replay (`sim.history`) makes `engaged` true exactly when the pair's latest armed row
        between the two states (or a group one hosts) is of this kind. Empty (the default): the
        mediator's engagement is not replayed.
    engaged : bool
        Starting value: whether the channel is open. A closed one never attempts; a run does not
        open or close it (the model's own actions carry a rung, not a kind).
    """

    name: str
    parties: list
    leverage: float = _spec(0.5, _PROBABILITY)
    trust: dict = _spec({}, _PROBABILITY)
    engage_rung: int = _spec(3, _RUNG)
    attempt_rate: float = _spec(0.1, _PROBABILITY)
    opened_by: str = ""
    engaged: bool = True


@dataclass(frozen=True)
class TimelineSpec:
    """Where a scenario's event timeline is and how its ids map onto the scenario's actors.

    Parameters
    ----------
    events : str
        The timeline's CSV file (the columns of ``seeds/README.md``): a file name or relative
        path is looked up in ``seeds/``, then in the current directory; an absolute path is read
        as it is. Empty: the scenario has no timeline to replay.
    aliases : mapping of str to str
        Timeline ids counted as one of the scenario's militant groups (a faction counted as its
        parent group: ``{jua: ttp}``).
    actors : list of str
        Further ids the timeline may name that are not actors of the scenario (a party outside the
        crisis, such as a third state); their rows are read and have no effect.
    episodes : str
        The episode library the back-test scores (the columns of ``seeds/episodes.csv``), found
        as `events` is. Empty: the scenario has none.
    """

    events: str = ""
    aliases: dict = field(default_factory=dict)
    actors: list = field(default_factory=list)
    episodes: str = ""


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
    priors : mapping of str to Prior
        Priors of the assumed and calibrated parameters, by key path
        (:mod:`sim.scenario.priors`); ordinary runs use the point values.
    timeline : TimelineSpec
        The scenario's event timeline, replayed up to `as_of` by :mod:`sim.history`.
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
    ceasefire_days: int = _spec(0, (0, int(_DAYS)))
    war_deaths: int = _spec(1000, (1, int(_DEATHS)))
    priors: dict = field(default_factory=dict)
    timeline: TimelineSpec = field(default_factory=TimelineSpec)

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
        from sim.scenario.loading import scenario_from_dict  # loading builds on this schema

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
    if isinstance(obj, Prior):
        return obj.to_dict()
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

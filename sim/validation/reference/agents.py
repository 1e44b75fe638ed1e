"""The actors of one replication, as plain Mesa agents holding Python numbers.

Written the way Mesa's tutorials write agents: one object per actor, scalar attributes, methods
the model calls in the order of the day, random numbers drawn from ``self.random`` when needed.
The laws are those documented in :mod:`sim.engine.agents` (truncated Poisson attack counts, discrete
Lomax deaths per attack, geometric deaths inflicted), drawn here by other methods: Knuth's
product of uniforms, ``random.paretovariate`` and ``random.expovariate``.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import mesa

from sim.core.ladder import MAX_RUNG
from sim.scenario.schema import MediatorSpec, MilitantSpec, StateSpec
from sim.validation.reference.rules import Situation, retaliation


class World(Protocol):
    """What an agent reads of its model (:class:`~.model.ReferenceModel`), as a protocol.

    The model imports its agents and never the reverse.
    """

    spec: Any
    states: dict[str, Any]
    hosted_by: dict[str, list[str]]
    pair_of: Any
    rung: Any
    in_ceasefire: Any
    ceasefire: Any
    clashes: int
    battle_deaths: int


def _decay(half_life: float) -> float:
    return 0.5 ** (1.0 / half_life)


class StateAgent(mesa.Agent):
    """A state: suffers attacks, remembers provocations, answers them through its rule."""

    def __init__(self, model: World, sid: str, spec: StateSpec, opponents: list[str]) -> None:
        super().__init__(model)
        self.sid = sid
        self.spec = spec
        self.opponents = opponents
        self.decide_rung = retaliation(spec.retaliation)
        self.pressure = float(spec.pressure)
        self.weariness = float(spec.weariness)
        self.grievance = {o: float(spec.grievance.get(o, 0.0)) for o in opponents}
        self.provocation = {o: int(spec.provocation.get(o, 0)) for o in opponents}
        self.provocation_age = dict.fromkeys(opponents, 0)
        self.harm = {o: float(spec.harm.get(o, 0.0)) for o in opponents}
        self.action = dict.fromkeys(opponents, 0)
        self.military_deaths = 0
        self.civilian_deaths = 0
        self.strikes = 0
        self.pressure_decay = _decay(spec.pressure_half_life)
        self.grievance_decay = _decay(spec.grievance_half_life)

    def start_day(self) -> None:
        """Pressure and grievance fade; provocations older than the state's memory are dropped."""
        self.pressure *= self.pressure_decay
        for o in self.opponents:
            self.grievance[o] *= self.grievance_decay
            self.provocation_age[o] += 1
            if self.provocation_age[o] > self.spec.memory_days:
                self.provocation[o] = 0
                self.harm[o] = 0.0

    def suffer(self, military: int, civilian: int) -> None:
        """Own deaths raise domestic pressure; soldiers' deaths also raise war weariness."""
        self.military_deaths += military
        self.civilian_deaths += civilian
        self.pressure += self.spec.pressure_per_death * (military + civilian)
        self.weariness += self.spec.weariness_per_death * military

    def provoked(self, by: str, rung: int, deaths: float, attacks: float) -> None:
        """Register a provocation from state `by` (or from militants on its territory)."""
        if rung > 0 and rung >= self.provocation[by]:
            self.provocation_age[by] = 0
        self.provocation[by] = max(self.provocation[by], rung)
        self.harm[by] += deaths
        self.grievance[by] += (
            self.spec.grievance_per_attack * attacks + self.spec.grievance_per_death * deaths
        )

    def decide(self) -> None:
        """Choose a rung toward each opponent; a compliant state keeps to the ceasefire cap."""
        model = self.model
        for o in self.opponents:
            pair = model.pair_of(self.sid, o)
            wanted = self.decide_rung(
                Situation(
                    pressure=self.pressure,
                    received=self.provocation[o],
                    harm=self.harm[o],
                    grievance=self.grievance[o],
                    weariness=self.weariness,
                    rung=model.rung[pair],
                    resolve=self.spec.resolve,
                    restraint=self.spec.restraint,
                ),
                self.random,
            )
            wanted = min(max(wanted, 0), MAX_RUNG)
            cap = model.spec.ceasefire_cap
            if (
                model.in_ceasefire[pair]
                and wanted > cap
                and self.random.random() < self.spec.compliance
            ):
                wanted = cap
            self.action[o] = wanted

    def answer(self) -> None:
        """Force (rung >= 2) answers any provocation; words (rung 1) answer only words."""
        for o in self.opponents:
            if self.action[o] > 0 and self.action[o] >= min(self.provocation[o], 2):
                self.provocation[o] = 0
                self.harm[o] = 0.0

    def inflict(self) -> None:
        """Deaths caused by today's actions, and what they do to the opponent and its militants."""
        model = self.model
        inflicted = self.spec.inflicted
        for o in self.opponents:
            rung = self.action[o]
            if rung == 0:
                continue
            scale = self.spec.capability
            soldiers = self.geometric(inflicted.military[rung] * scale)
            civilians = self.geometric(inflicted.civilian[rung] * scale)
            fighters = self.geometric(inflicted.militant[rung] * scale)
            other = model.states[o]
            other.suffer(soldiers, civilians)
            other.provoked(self.sid, rung, float(soldiers + civilians), 1.0 if rung >= 2 else 0.0)
            if rung == 3:
                self.strikes += 1
            if rung >= 4:
                model.clashes += 1
            model.battle_deaths += soldiers + fighters
            for group in model.hosted_by[o]:
                group.struck(self.sid, rung, fighters, civilians)

    def geometric(self, mean: float) -> int:
        """Deaths with P(K >= k) = q**k, q = mean / (1 + mean): the floor of an exponential."""
        if mean <= 0:
            return 0
        return math.floor(self.random.expovariate(math.log((1.0 + mean) / mean)))


class MilitantAgent(mesa.Agent):
    """A militant group: attacks its targets; strikes on its host degrade it."""

    def __init__(self, model: World, gid: str, spec: MilitantSpec, share: float) -> None:
        super().__init__(model)
        self.gid = gid
        self.spec = spec
        self.share = share
        self.strength = float(spec.strength)
        self.attacks = 0
        self.fighters_killed = 0
        self.recovery = _decay(spec.recovery_half_life)

    def count(self, rate: float) -> int:
        """Attacks today: Poisson(rate) by Knuth's product of uniforms, at most the daily cap."""
        cap = self.spec.max_attacks_per_day
        limit = math.exp(-rate)
        k, product = 0, self.random.random()
        while product > limit and k < cap:
            k += 1
            product *= self.random.random()
        return k

    def deaths(self) -> int:
        """Deaths in one attack: floor(scale * (Pareto(alpha - 1) - 1)), capped."""
        spec = self.spec
        pareto = self.random.paretovariate(spec.casualty_alpha - 1.0)
        return min(math.floor(spec.casualty_scale * (pareto - 1.0)), spec.max_deaths_per_attack)

    def attack(self) -> None:
        """Attack each target; the target blames the host with the attribution probability."""
        model = self.model
        spec = self.spec
        for target, rate in spec.targets.items():
            tempo = rate * self.strength
            if target != spec.host and model.in_ceasefire[model.pair_of(spec.host, target)]:
                tempo *= spec.spoiler
            n = self.count(tempo)
            killed = 0
            for _ in range(n):
                killed += self.deaths()
            self.attacks += n
            victim = model.states[target]
            if killed:
                soldiers = math.floor(killed * spec.military_share + 0.5)
                victim.suffer(soldiers, killed - soldiers)
            if target != spec.host and n > 0 and self.random.random() < spec.attribution:
                rung = spec.attack_rung if killed >= spec.major_attack_deaths else 0
                victim.provoked(spec.host, rung, float(killed), float(n))

    def struck(self, by: str, rung: int, fighters: int, civilians: int) -> None:
        """Losses from a strike on the host; degradation and recruitment if `by` is a target."""
        self.fighters_killed += math.floor(fighters * self.share + 0.5)
        if by in self.spec.targets:
            if rung >= 3:
                self.strength *= 1.0 - self.spec.degradation
            self.strength += self.spec.recruitment_per_civilian_death * civilians

    def end_day(self) -> None:
        """Strength relaxes toward 1, never above its ceiling."""
        self.strength = min(1.0 + (self.strength - 1.0) * self.recovery, self.spec.max_strength)


class MediatorAgent(mesa.Agent):
    """A mediator: while engaged, at a high enough rung and with no ceasefire, tries for one."""

    def __init__(self, model: World, mid: str, spec: MediatorSpec) -> None:
        super().__init__(model)
        self.mid = mid
        self.spec = spec
        self.pair = model.pair_of(*spec.parties)
        self.trust = sum(spec.trust[p] for p in spec.parties) / len(spec.parties)
        self.attempts = 0

    def mediate(self, rung: int, free: bool) -> bool:
        """Whether today's attempt, if any, produces a ceasefire."""
        if not (
            free
            and self.spec.engaged
            and rung >= self.spec.engage_rung
            and self.random.random() < self.spec.attempt_rate
        ):
            return False
        self.attempts += 1
        model = self.model
        cost = sum(model.states[p].weariness for p in self.spec.parties)
        return model.ceasefire.agree(self.spec.leverage, self.trust, cost, rung, self.random)

"""The actors: Mesa agents whose state is NumPy arrays of shape (R,), one entry per replication.

Each agent owns a random stream and draws one fixed-size block of uniforms per day whatever
happens (`draws`, kept for inspection), so the numbers an actor sees never depend on what others
did: common random numbers across policies by construction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.rules.inputs import MAX_RUNG, DecisionInputs, TalksInputs
from sim.scenario import MediatorSpec, MilitantSpec, StateSpec

if TYPE_CHECKING:
    from sim.model import EscalationModel

# Uniforms a state draws per opponent per day: decide, comply, soldiers, civilians, militants killed.
STATE_DRAWS = 5
# Uniforms a mediator draws per day: attempt, agreement.
MEDIATOR_DRAWS = 2


def _half_life_factor(days: float) -> float:
    return 0.5 ** (1.0 / days)


def geometric(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Deaths with a geometric law of the given mean, by inversion of uniforms `u` in [0, 1).

    Both arrays have the same shape; a zero mean gives zero deaths.
    """
    out = np.zeros(u.shape, dtype=np.int64)
    live = mean > 0
    if live.any():
        m = mean[live]
        # P(K >= k) = q**k with q = m / (1 + m) has mean m.
        out[live] = np.floor(np.log1p(-u[live]) / np.log(m / (1.0 + m))).astype(np.int64)
    return out


class State(mesa.Agent):
    """A state: absorbs attacks, then chooses a rung toward each opponent through its rule.

    Arrays of shape (R,): `pressure`, `weariness`, and per opponent id `grievance`, `provocation`
    (highest unanswered rung received), `provocation_age` (days since it was received), `harm`
    (deaths attributed to that opponent since the state last answered) and `action` (today's rung).
    """

    def __init__(self, model: EscalationModel, sid: str, spec: StateSpec,
                 opponents: list[str], rng: np.random.Generator) -> None:
        super().__init__(model)
        R = model.R
        self.sid = sid
        self.spec = spec
        self.rule = spec.retaliation
        self.stream = rng
        self.opponents = opponents
        self.pressure = np.full(R, spec.pressure)
        self.weariness = np.full(R, spec.weariness)
        self.grievance = {o: np.full(R, float(spec.grievance.get(o, 0.0))) for o in opponents}
        self.provocation = {o: np.full(R, spec.provocation.get(o, 0), np.int8) for o in opponents}
        self.provocation_age = {o: np.zeros(R, np.int32) for o in opponents}
        self.harm = {o: np.zeros(R) for o in opponents}
        self.action = {o: np.zeros(R, np.int8) for o in opponents}
        self.military_deaths = np.zeros(R, np.int64)
        self.civilian_deaths = np.zeros(R, np.int64)
        self.strikes = np.zeros(R, np.int64)
        self._pressure_decay = _half_life_factor(spec.pressure_half_life)
        self._grievance_decay = _half_life_factor(spec.grievance_half_life)
        inflicted = spec.inflicted
        self._inflict = np.array([inflicted.military, inflicted.civilian, inflicted.militant],
                                 dtype=float) * spec.capability
        self.draws = np.empty((STATE_DRAWS * len(opponents), R))

    def start_day(self) -> None:
        """Decay pressure and grievance, age provocations (forgetting those past memory)."""
        self.pressure *= self._pressure_decay
        for o in self.opponents:
            self.grievance[o] *= self._grievance_decay
            age = self.provocation_age[o]
            age += 1
            forgotten = age > self.spec.memory_days
            self.provocation[o][forgotten] = 0
            self.harm[o][forgotten] = 0.0

    def suffer(self, military: np.ndarray, civilian: np.ndarray) -> None:
        """Count own deaths; pressure grows with all of them, weariness with soldiers'."""
        self.military_deaths += military
        self.civilian_deaths += civilian
        self.pressure += self.spec.pressure_per_death * (military + civilian)
        self.weariness += self.spec.weariness_per_death * military

    def provoked(self, by: str, rung: np.ndarray, deaths: np.ndarray, attacks: np.ndarray) -> None:
        """Register provocation from `by` (a state, or a militant group hosted by it)."""
        current = self.provocation[by]
        fresh = (rung > 0) & (rung >= current)
        np.maximum(current, rung, out=current)
        self.provocation_age[by][fresh] = 0
        self.harm[by] += deaths
        self.grievance[by] += (self.spec.grievance_per_attack * attacks
                               + self.spec.grievance_per_death * deaths)

    def decide(self) -> None:
        """Choose today's rung toward each opponent: the rule, then the ceasefire cap."""
        model = self.model
        self.draws = self.stream.random((STATE_DRAWS * len(self.opponents), model.R))
        cap = model.spec.ceasefire_cap
        for j, o in enumerate(self.opponents):
            u = self.draws[STATE_DRAWS * j:STATE_DRAWS * (j + 1)]
            pair = model.pair_index[self.sid, o]
            in_cf = model.in_ceasefire[pair]
            inputs = DecisionInputs(
                pressure=self.pressure, received=self.provocation[o], harm=self.harm[o],
                grievance=self.grievance[o], weariness=self.weariness, rung=model.rung[pair],
                in_ceasefire=in_cf, resolve=self.spec.resolve, restraint=self.spec.restraint,
            )
            wanted = np.clip(np.asarray(self.rule.decide(inputs, u[0]), dtype=np.int8), 0, MAX_RUNG)
            complies = in_cf & (u[1] < self.spec.compliance)
            self.action[o] = np.where(complies, np.minimum(wanted, cap), wanted).astype(np.int8)

    def answer(self) -> None:
        """An action at or above the provocation answers it (simultaneous moves: after decide)."""
        for o in self.opponents:
            answered = (self.action[o] > 0) & (self.action[o] >= self.provocation[o])
            self.provocation[o][answered] = 0
            self.harm[o][answered] = 0.0

    def inflict(self) -> None:
        """Consequences of today's actions: deaths, provocation, militant degradation."""
        model = self.model
        for j, o in enumerate(self.opponents):
            a = self.action[o]
            acting = np.flatnonzero(a)
            u = self.draws[STATE_DRAWS * j + 2:STATE_DRAWS * (j + 1), acting]
            means = self._inflict[:, a[acting]]
            deaths = np.zeros((3, model.R), dtype=np.int64)
            if acting.size:
                deaths[:, acting] = geometric(u, means)
            soldiers, civilians, fighters = deaths
            other = model.states[o]
            other.suffer(soldiers, civilians)
            other.provoked(self.sid, a, (soldiers + civilians).astype(float),
                           (a >= 2).astype(float))
            strikes = a == 3
            self.strikes += strikes
            model.clashes += a >= 4
            model.battle_deaths += soldiers + fighters
            for group in model.hosted_by[o]:
                group.struck(self.sid, a, fighters, civilians)
            model.record_action(self.sid, o, a, soldiers + civilians + fighters)


class MilitantGroup(mesa.Agent):
    """A militant group: attacks its targets from its host's territory.

    Arrays of shape (R,): `strength` (multiplies the tempo; 1 is the scenario's base rate),
    `attacks` and `deaths` (cumulative counts), `fighters_killed` (by strikes).
    """

    def __init__(self, model: EscalationModel, gid: str, spec: MilitantSpec,
                 rng: np.random.Generator, share_of_host_fighters: float) -> None:
        super().__init__(model)
        R = model.R
        self.gid = gid
        self.spec = spec
        self.stream = rng
        self.targets = [(t, rate) for t, rate in spec.targets.items()]
        self.strength = np.full(R, spec.strength)
        self.attacks = np.zeros(R, np.int64)
        self.fighters_killed = np.zeros(R, np.int64)
        self.share = share_of_host_fighters
        self._recovery = _half_life_factor(spec.recovery_half_life)
        self._slots = spec.max_attacks_per_day
        self._block = 2 + self._slots
        self.draws = np.empty((self._block * len(self.targets), R))

    def _sizes(self, u: np.ndarray) -> np.ndarray:
        """Deaths per attack from uniforms in [0, 1): discrete Lomax, capped."""
        spec = self.spec
        raw = spec.casualty_scale * ((1.0 - u) ** (-1.0 / (spec.casualty_alpha - 1.0)) - 1.0)
        return np.minimum(np.floor(raw), spec.max_deaths_per_attack).astype(np.int64)

    def attack(self) -> None:
        """Today's attacks on each target: Poisson count (truncated), Lomax deaths, attribution."""
        model = self.model
        spec = self.spec
        self.draws = self.stream.random((self._block * len(self.targets), model.R))
        for j, (target, rate) in enumerate(self.targets):
            u = self.draws[self._block * j:self._block * (j + 1)]
            tempo = rate * self.strength
            if target != spec.host:
                in_cf = model.in_ceasefire[model.pair_index[spec.host, target]]
                tempo = np.where(in_cf, tempo * spec.spoiler, tempo)
            count = _poisson(u[0], tempo, self._slots)
            deaths = np.zeros(model.R, dtype=np.int64)
            for slot in range(self._slots):
                live = np.flatnonzero(count > slot)
                if not live.size:
                    break
                deaths[live] += self._sizes(u[2 + slot, live])
            self.attacks += count
            soldiers = np.floor(deaths * spec.military_share + 0.5).astype(np.int64)
            model.states[target].suffer(soldiers, deaths - soldiers)
            if target != spec.host:
                blamed = (count > 0) & (u[1] < spec.attribution)
                major = blamed & (deaths >= spec.major_attack_deaths)
                model.states[target].provoked(
                    spec.host, np.where(major, spec.attack_rung, 0).astype(np.int8),
                    np.where(blamed, deaths, 0).astype(float), np.where(blamed, count, 0))
            model.record_attacks(self.gid, target, count, deaths)

    def struck(self, by: str, rung: np.ndarray, fighters: np.ndarray,
               civilians: np.ndarray) -> None:
        """Strikes on the host by state `by`: losses, degradation if `by` is a target, recruitment."""
        killed = np.floor(fighters * self.share + 0.5).astype(np.int64)
        self.fighters_killed += killed
        if by in self.spec.targets:
            self.strength *= np.where(rung >= 3, 1.0 - self.spec.degradation, 1.0)
            self.strength += self.spec.recruitment_per_civilian_death * civilians

    def end_day(self) -> None:
        """Strength relaxes toward 1 with its half-life, within (0, max_strength]."""
        self.strength = 1.0 + (self.strength - 1.0) * self._recovery
        np.minimum(self.strength, self.spec.max_strength, out=self.strength)


def _poisson(u: np.ndarray, rate: np.ndarray, cap: int) -> np.ndarray:
    """Poisson counts with per-replication `rate`, by inversion of `u`, truncated at `cap`."""
    term = np.exp(-rate)
    cdf = term.copy()
    count = np.zeros(u.shape, dtype=np.int64)
    for k in range(cap):
        count += u >= cdf
        term = term * rate / (k + 1)
        cdf += term
    return count


class Mediator(mesa.Agent):
    """A mediator: while the pair's rung is at or above `engage_rung`, attempts ceasefires."""

    def __init__(self, model: EscalationModel, mid: str, spec: MediatorSpec,
                 rng: np.random.Generator) -> None:
        super().__init__(model)
        self.mid = mid
        self.spec = spec
        self.stream = rng
        self.pair = model.pair_index[spec.parties[0], spec.parties[1]]
        self.trust = float(np.mean([spec.trust[p] for p in spec.parties]))
        self.attempts = np.zeros(model.R, np.int64)
        self.draws = np.empty((MEDIATOR_DRAWS, model.R))

    def mediate(self, rung: np.ndarray, free: np.ndarray) -> np.ndarray:
        """Attempt where engaged and the pair is not under a ceasefire; return where one is made."""
        model = self.model
        self.draws = self.stream.random((MEDIATOR_DRAWS, model.R))
        attempt = free & (rung >= self.spec.engage_rung) & (self.draws[0] < self.spec.attempt_rate)
        self.attempts += attempt
        a, b = (model.states[p] for p in self.spec.parties)
        talks = TalksInputs(leverage=self.spec.leverage, trust=self.trust,
                            cost=a.weariness + b.weariness, rung=rung)
        return attempt & np.asarray(model.spec.ceasefire.agree(talks, self.draws[1]), bool)

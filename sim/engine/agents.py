"""The actors: Mesa agents whose state is NumPy arrays of shape (R,), one entry per replication.

Each agent owns a random stream and draws one fixed-size block of uniforms per day whatever
happens (`draws`, kept for inspection), so the numbers an actor sees never depend on what others
did: common random numbers across policies by construction.
"""

from __future__ import annotations

from typing import Any, Protocol

import mesa
import numpy as np

from sim.core.ladder import MAX_RUNG
from sim.core.streams import ReplicationStreams
from sim.rules.inputs import DecisionInputs, TalksInputs
from sim.scenario.schema import MediatorSpec, MilitantSpec, StateSpec


class World(Protocol):
    """What an agent reads of its model (:class:`~.model.EscalationModel`).

    A protocol rather than the model's class, so the model imports its agents and never the
    reverse. Arrays have shape (P, R) for the pairs of states, (R,) otherwise. Agents write
    nothing of the model: what they did is returned to it (`State.inflict`,
    `MilitantGroup.attack`), and the model feeds its recorder.
    """

    R: int
    spec: Any
    pair_index: dict[tuple[str, str], int]
    rung: np.ndarray
    in_ceasefire: np.ndarray
    states: dict[str, Any]
    hosted_by: dict[str, list[str]]


# Uniforms a state draws per opponent per day: decide, comply, and deaths inflicted on soldiers,
# civilians and militants.
STATE_DRAWS = 5
# Uniforms a mediator draws per day: attempt, agreement.
MEDIATOR_DRAWS = 2
# Replications an update applies to: all (a slice), or an index array of the few concerned.
Index = slice | np.ndarray


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
    (deaths attributed to that opponent since the state last answered), `action` (today's rung)
    and `highest` (the highest rung acted at toward that opponent since the run started).
    """

    def __init__(
        self,
        model: World,
        sid: str,
        spec: StateSpec,
        opponents: list[str],
        rng: ReplicationStreams,
    ) -> None:
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
        self.harm = {o: np.full(R, float(spec.harm.get(o, 0.0))) for o in opponents}
        self.action = {o: np.zeros(R, np.int8) for o in opponents}
        self.highest = {o: np.zeros(R, np.int8) for o in opponents}
        self.military_deaths = np.zeros(R, np.int64)
        self.civilian_deaths = np.zeros(R, np.int64)
        self.strikes = np.zeros(R, np.int64)
        self._pressure_decay = _half_life_factor(spec.pressure_half_life)
        self._grievance_decay = _half_life_factor(spec.grievance_half_life)
        inflicted = spec.inflicted
        self._inflict = (
            np.array([inflicted.military, inflicted.civilian, inflicted.militant], dtype=float)
            * spec.capability
        )
        self.draws = np.empty((STATE_DRAWS * len(opponents), R))

    def start_day(self) -> None:
        """Decay pressure and grievance, age provocations (forgetting those past memory)."""
        self.pressure *= self._pressure_decay
        for o in self.opponents:
            self.grievance[o] *= self._grievance_decay
            age = self.provocation_age[o]
            age += 1
            forgotten = age > self.spec.memory_days
            np.putmask(self.provocation[o], forgotten, 0)
            np.putmask(self.harm[o], forgotten, 0.0)

    def suffer(self, where: Index, military: np.ndarray, civilian: np.ndarray) -> None:
        """Count own deaths in replications `where`.

        Pressure grows with every death, war weariness with soldiers' deaths.
        """
        self.military_deaths[where] += military
        self.civilian_deaths[where] += civilian
        self.pressure[where] += self.spec.pressure_per_death * (military + civilian)
        self.weariness[where] += self.spec.weariness_per_death * military

    def provoked(
        self, by: str, where: Index, rung: np.ndarray, deaths: np.ndarray, attacks: np.ndarray
    ) -> None:
        """Register provocation from `by` (a state, or a militant group hosted by it)."""
        current = self.provocation[by][where]
        fresh = (rung > 0) & (rung >= current)
        self.provocation[by][where] = np.maximum(current, rung)
        age = self.provocation_age[by][where]
        self.provocation_age[by][where] = np.where(fresh, 0, age)
        self.harm[by][where] += deaths
        self.grievance[by][where] += (
            self.spec.grievance_per_attack * attacks + self.spec.grievance_per_death * deaths
        )

    def decide(self) -> None:
        """Choose today's rung toward each opponent: the rule, then the ceasefire cap."""
        model = self.model
        self.draws = self.stream.random(STATE_DRAWS * len(self.opponents))
        cap = model.spec.ceasefire_cap
        for j, o in enumerate(self.opponents):
            u = self.draws[STATE_DRAWS * j : STATE_DRAWS * (j + 1)]
            pair = model.pair_index[self.sid, o]
            in_cf = model.in_ceasefire[pair]
            inputs = DecisionInputs(
                pressure=self.pressure,
                received=self.provocation[o],
                harm=self.harm[o],
                grievance=self.grievance[o],
                weariness=self.weariness,
                rung=model.rung[pair],
                in_ceasefire=in_cf,
                resolve=self.spec.resolve,
                restraint=self.spec.restraint,
            )
            wanted = np.clip(np.asarray(self.rule.decide(inputs, u[0]), dtype=np.int8), 0, MAX_RUNG)
            complies = in_cf & (u[1] < self.spec.compliance)
            self.action[o] = np.where(complies, np.minimum(wanted, cap), wanted).astype(np.int8)

    def answer(self) -> None:
        """Settle provocations that today's actions answer (called after every state decided).

        Force (rung >= 2) answers any provocation, even at a lower rung than received; words
        (rung 1) answer only words. A state held to protests by a ceasefire therefore still
        owes its answer to a strike, until it forgets it. Also raises `highest`.
        """
        for o in self.opponents:
            action = self.action[o]
            np.maximum(self.highest[o], action, out=self.highest[o])
            answered = (action > 0) & (action >= np.minimum(self.provocation[o], 2))
            np.putmask(self.provocation[o], answered, 0)
            np.putmask(self.harm[o], answered, 0.0)

    def inflict(self) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]]:
        """Draw the deaths of today's actions, only where the state acts (usually few).

        Returns
        -------
        list of tuple
            Per opponent acted against: ``(opponent, where, rung, soldiers, civilians,
            fighters)``, arrays over the replications `where`. The model applies each with
            :meth:`consequences` and records it.
        """
        out = []
        for j, o in enumerate(self.opponents):
            a_all = self.action[o]
            acting = np.flatnonzero(a_all)
            if not acting.size:
                continue
            a = a_all[acting]
            u = self.draws[STATE_DRAWS * j + 2 : STATE_DRAWS * (j + 1), acting]
            soldiers, civilians, fighters = geometric(u, self._inflict[:, a])
            out.append((o, acting, a, soldiers, civilians, fighters))
        return out

    def consequences(
        self,
        o: str,
        where: Index,
        rung: np.ndarray,
        soldiers: np.ndarray,
        civilians: np.ndarray,
        fighters: np.ndarray,
    ) -> None:
        """Apply the deaths of actions at `rung` toward `o` in replications `where`.

        The opponent suffers and is provoked; strikes degrade the militants hosted there and
        civilian deaths help them recruit. Drawn actions and recorded ones (a replayed history)
        both come here, through the model.
        """
        model = self.model
        other = model.states[o]
        other.suffer(where, soldiers, civilians)
        other.provoked(
            self.sid, where, rung, (soldiers + civilians).astype(float), (rung >= 2).astype(float)
        )
        self.strikes[where] += rung == 3
        for group in model.hosted_by[o]:
            group.struck(self.sid, where, rung, fighters, civilians)


class MilitantGroup(mesa.Agent):
    """A militant group: attacks its targets from its host's territory.

    Arrays of shape (R,): `strength` (multiplies the tempo; 1 is the scenario's base rate),
    `attacks` and `deaths` (cumulative counts), `fighters_killed` (by strikes).
    """

    def __init__(
        self,
        model: World,
        gid: str,
        spec: MilitantSpec,
        rng: ReplicationStreams,
        share_of_host_fighters: float,
    ) -> None:
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
        # P(an attack kills no one) = P(Lomax < 1): the inverse-CDF value below which deaths are 0.
        self._zero_below = 1.0 - (1.0 + 1.0 / spec.casualty_scale) ** (1.0 - spec.casualty_alpha)
        self.draws = np.empty((self._block * len(self.targets), R))

    def _sizes(self, u: np.ndarray) -> np.ndarray:
        """Deaths per attack from uniforms in [0, 1): discrete Lomax, capped (as floats)."""
        spec = self.spec
        x = 1.0 - u
        np.power(x, -1.0 / (spec.casualty_alpha - 1.0), out=x)
        x -= 1.0
        x *= spec.casualty_scale
        np.floor(x, out=x)
        return np.minimum(x, spec.max_deaths_per_attack, out=x)

    def attack(self) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
        """Today's attacks on each target: Poisson count (truncated), Lomax deaths, attribution.

        Work on full arrays only until the replications with at least one attack are known;
        the rest runs on that subset (few for a rare group).

        Returns
        -------
        list of tuple
            Per target: ``(target, where, count, deaths)``, the replications with an attack,
            the attacks and their deaths there (for the model's recorder).
        """
        model = self.model
        out = []
        spec = self.spec
        self.draws = self.stream.random(self._block * len(self.targets))
        for j, (target, rate) in enumerate(self.targets):
            u = self.draws[self._block * j : self._block * (j + 1)]
            tempo = rate * self.strength
            if target != spec.host:
                in_cf = model.in_ceasefire[model.pair_index[spec.host, target]]
                tempo = np.where(in_cf, tempo * spec.spoiler, tempo)
            none = np.exp(-tempo)
            active = np.flatnonzero(u[0] >= none)
            count = _poisson_tail(u[0, active], tempo[active], none[active], self._slots)
            deaths = np.zeros(active.size)
            for slot in range(self._slots):
                # Uniforms below `_zero_below` give zero deaths: skip their power.
                sizes = u[2 + slot, active]
                live = np.flatnonzero((count > slot) & (sizes >= self._zero_below))
                deaths[live] += self._sizes(sizes[live])
            self.attacks[active] += count
            hit = deaths > 0
            killed = deaths[hit].astype(np.int64)
            soldiers = np.floor(killed * spec.military_share + 0.5).astype(np.int64)
            blamed = (
                u[1, active] < spec.attribution
                if target != spec.host
                else np.zeros(active.size, bool)
            )
            self.land(
                target,
                active[hit],
                soldiers,
                killed - soldiers,
                active[blamed],
                deaths[blamed],
                count[blamed],
            )
            out.append((target, active, count, deaths.astype(np.int64)))
        return out

    def land(
        self,
        target: str,
        hit: Index,
        soldiers: np.ndarray,
        civilians: np.ndarray,
        blamed: Index,
        deaths: np.ndarray,
        count: np.ndarray,
    ) -> None:
        """The attacks' effect on `target`: its dead, and provocation by the host where blamed.

        Parameters
        ----------
        target : str
            The state attacked.
        hit : slice or ndarray
            Replications where the attacks killed someone; `soldiers` and `civilians` there.
        blamed : slice or ndarray
            Replications where the target blames the host; `deaths` (all the attacks' dead) and
            `count` (attacks) there. A major attack (``major_attack_deaths``) provokes at
            ``attack_rung``. Nobody is blamed for attacks on the host itself.

        Notes
        -----
        Drawn attacks and recorded ones (:mod:`sim.history`, everyone blamed) both land here.
        """
        spec = self.spec
        victim = self.model.states[target]
        victim.suffer(hit, soldiers, civilians)
        if target != spec.host:
            major = deaths >= spec.major_attack_deaths
            victim.provoked(
                spec.host,
                blamed,
                np.where(major, spec.attack_rung, 0).astype(np.int8),
                deaths,
                count,
            )

    def struck(
        self,
        by: str,
        where: np.ndarray,
        rung: np.ndarray,
        fighters: np.ndarray,
        civilians: np.ndarray,
    ) -> None:
        """Take strikes on the host by state `by` in replications `where`.

        Fighters are lost; strength degrades if `by` is a target; civilian harm helps recruitment.
        """
        self.fighters_killed[where] += np.floor(fighters * self.share + 0.5).astype(np.int64)
        if by in self.spec.targets:
            strength = self.strength[where] * np.where(rung >= 3, 1.0 - self.spec.degradation, 1.0)
            self.strength[where] = strength + self.spec.recruitment_per_civilian_death * civilians

    def end_day(self) -> None:
        """Strength relaxes toward 1 with its half-life, within (0, max_strength]."""
        self.strength = 1.0 + (self.strength - 1.0) * self._recovery
        np.minimum(self.strength, self.spec.max_strength, out=self.strength)


def _poisson_tail(u: np.ndarray, rate: np.ndarray, p_zero: np.ndarray, cap: int) -> np.ndarray:
    """Poisson counts >= 1 by inversion of `u` (all >= P(0) = `p_zero`), truncated at `cap`."""
    term = p_zero * rate
    cdf = p_zero + term
    count = np.ones(u.shape, dtype=np.int64)
    for k in range(2, cap + 1):
        count += u >= cdf
        term *= rate / k
        cdf += term
    return count


class Mediator(mesa.Agent):
    """A mediator: while engaged and the pair's rung is at or above `engage_rung`, attempts."""

    def __init__(self, model: World, mid: str, spec: MediatorSpec, rng: ReplicationStreams) -> None:
        super().__init__(model)
        self.mid = mid
        self.spec = spec
        self.stream = rng
        self.pair = model.pair_index[spec.parties[0], spec.parties[1]]
        self.trust = float(np.mean([spec.trust[p] for p in spec.parties]))
        self.attempts = np.zeros(model.R, np.int64)
        # Whether the channel is open, per replication (a starting value: `engaged.<mid>`).
        self.engaged = np.full(model.R, bool(spec.engaged))
        self.draws = np.empty((MEDIATOR_DRAWS, model.R))

    def mediate(self, rung: np.ndarray, free: np.ndarray) -> np.ndarray:
        """Attempt where engaged and the pair is not under a ceasefire; return where one is made."""
        model = self.model
        self.draws = self.stream.random(MEDIATOR_DRAWS)
        attempt = (
            free
            & self.engaged
            & (rung >= self.spec.engage_rung)
            & (self.draws[0] < self.spec.attempt_rate)
        )
        self.attempts += attempt
        made = np.zeros(model.R, dtype=bool)
        tried = np.flatnonzero(attempt)
        if tried.size:
            a, b = (model.states[p] for p in self.spec.parties)
            talks = TalksInputs(
                leverage=self.spec.leverage,
                trust=self.trust,
                cost=a.weariness[tried] + b.weariness[tried],
                rung=rung[tried],
            )
            made[tried] = np.asarray(model.spec.ceasefire.agree(talks, self.draws[1, tried]), bool)
        return made

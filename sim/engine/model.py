"""`EscalationModel`: one Mesa model that advances R replications of a scenario at once.

One `step()` is one day for every replication. The order of the day is part of the model:

1. militants attack (each group, each target);
2. states attribute the attacks: pressure, grievance and provocation grow;
3. states decide their rung toward each opponent under their retaliation rules, capped by any
   ceasefire they comply with;
4. consequences: deaths inflicted, provocation of the opponent, strikes degrade militants and
   civilian harm helps them recruit; each pair's rung rises to the highest action;
5. mediators act: a ceasefire in force may end (its rule reads today's violations), and an engaged
   mediator may broker a new one, which lowers the rung to `ceasefire_rung`;
6. the rung decays by one with probability `decay` where no state acted at or above it, and the
   outcomes are recorded.

No step loops over replications: every agent's state is an array of shape (R,).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np
import pandas as pd

from sim.core.errors import ConfigError
from sim.core.keypath import get_path
from sim.core.streams import ReplicationStreams, stream
from sim.engine.agents import Mediator, MilitantGroup, State
from sim.engine.compiled import ENGINES
from sim.engine.recorder import Recorder
from sim.rules.inputs import CeasefireStatus
from sim.scenario.schema import Scenario

# Days of violation history kept per pair: enough for any forgiving window.
_MIN_HISTORY = 1
# Where each kind of starting value lives, in the model and in a scenario: (owner, ids).
_START_KINDS = {
    "pressure": ("states", 1),
    "weariness": ("states", 1),
    "grievance": ("states", 2),
    "provocation": ("states", 2),
    "harm": ("states", 2),
    "strength": ("militants", 1),
    "engaged": ("mediators", 1),
}


def start_path(key: str) -> str:
    """The key path of a starting value, the same in the model and in a scenario.

    Examples
    --------
    >>> start_path("grievance.pakistan.afghanistan")
    'states.pakistan.grievance.afghanistan'
    >>> start_path("strength.ttp")
    'militants.ttp.strength'
    """
    kind, *ids = key.split(".")
    owner, n = _START_KINDS.get(kind, ("", -1))
    if len(ids) != n:
        raise KeyError(key)
    return ".".join([owner, ids[0], kind, *ids[1:]])


@dataclass(frozen=True)
class GivenAttack:
    """Attacks of a day by `group` on `target`, as recorded: their dead per replication.

    Parameters
    ----------
    group, target : str
        The militant group and the state it attacked.
    soldiers, civilians : ndarray
        Deaths per replication, shape (R,), integers.
    count : int
        Attacks that day.
    """

    group: str
    target: str
    soldiers: np.ndarray
    civilians: np.ndarray
    count: int = 1


@dataclass(frozen=True)
class GivenAction:
    """A state's action of a day toward one opponent, as recorded.

    Parameters
    ----------
    rung : int
        The action's rung, 1..5.
    soldiers, civilians, fighters : ndarray
        Deaths it caused per replication, shape (R,), integers.
    """

    rung: int
    soldiers: np.ndarray
    civilians: np.ndarray
    fighters: np.ndarray


@dataclass(frozen=True)
class GivenDay:
    """What a recorded day gives the model in place of its actors' draws (see `step`).

    Parameters
    ----------
    attacks : tuple of GivenAttack
        The day's militant attacks.
    actions : dict
        ``(state, opponent) -> GivenAction``; a pair absent does nothing that day.
    ceasefires : frozenset of int
        Indices (in ``scenario.pairs``) of the pairs that agreed a ceasefire that day.
    ceasefire_ends : frozenset of int
        Indices of the pairs whose ceasefire in force ends that day (a truce whose agreed term
        runs out); a recorded ceasefire ends only so.
    """

    attacks: tuple = ()
    actions: dict = field(default_factory=dict)
    ceasefires: frozenset = frozenset()
    ceasefire_ends: frozenset = frozenset()


class EscalationModel(mesa.Model):
    """A crisis advanced day by day for R replications at once.

    Parameters
    ----------
    scenario : Scenario
        States, militant groups, mediators and rules (see :func:`sim.load_scenario`).
    replications : int
        R, the number of replications advanced together (1 for a single run).
    seed : int
        The run's seed, >= 0.
    chunk : int
        Index of this chunk of replications (a label: the random numbers do not depend on it).
    first_replication : int
        Global index of this chunk's first replication: replication ``g`` draws from the
        streams of its block of replications (:mod:`sim.core.streams`), so its numbers depend only
        on the seed and ``g``.
    record_events, record_trajectory : bool
        Keep an event log / a per-day trajectory (memory grows with R x days).
    start : mapping of str to array, optional
        Per-replication starting values that override the scenario's, e.g. from a replayed
        history (:mod:`sim.history`). Keys: ``pressure.<state>``, ``weariness.<state>``,
        ``grievance.<state>.<opponent>``, ``provocation.<state>.<opponent>``,
        ``harm.<state>.<opponent>``, ``strength.<group>``. Each value has shape (N,); global
        replication g takes entry ``g % N``, so the values do not depend on chunking.
    engine : {"numpy", "compiled"}
        How :meth:`run` advances the days: phase by phase over arrays (``step``), or the
        compiled day of :mod:`sim.engine.compiled` (built-in rules only, no recording; the same day,
        the same draws, the same outcome table).

    Examples
    --------
    >>> import sim
    >>> model = sim.EscalationModel(sim.load_scenario(), replications=100, seed=1)
    >>> model.run(30)
    >>> bool(model.outcomes()["max_rung"].between(0, 5).all())
    True
    """

    def __init__(
        self,
        scenario: Scenario,
        replications: int = 1,
        seed: int = 0,
        chunk: int = 0,
        first_replication: int = 0,
        record_events: bool = False,
        record_trajectory: bool = False,
        start: dict[str, np.ndarray] | None = None,
        engine: str = "numpy",
    ) -> None:
        if replications < 1:
            raise ValueError(f"replications must be >= 1, got {replications}")
        if engine not in ENGINES[1:]:
            raise ValueError(f"engine must be 'numpy' or 'compiled', got {engine!r}")
        # Mesa's own generator is not used by the day: every draw comes from the actors' streams.
        super().__init__(rng=stream(seed, 0, "mesa", "model"))
        # Mesa 3.5 reserves `Model.scenario` for its own Scenario class.
        self.spec = scenario
        self.R = replications
        self.seed = seed
        self.chunk = chunk
        self.first_replication = first_replication
        self.day = 0
        self.pairs = scenario.pairs
        self.pair_index = {}
        for p, (a, b) in enumerate(self.pairs):
            self.pair_index[a, b] = self.pair_index[b, a] = p
        P, R = len(self.pairs), replications
        self.rung = np.full((P, R), scenario.start_rung, np.int8)
        self.in_ceasefire = np.full((P, R), scenario.in_ceasefire, bool)
        self.ceasefire_age = np.full((P, R), scenario.ceasefire_days, np.int64)
        history = max(_MIN_HISTORY, int(getattr(scenario.ceasefire, "window", _MIN_HISTORY)))
        self.violation_history = np.zeros((P, history, R), np.int16)
        # Ceasefires made on each pair since the run started (the calibration's record reads it).
        self.pair_ceasefires_made = np.zeros((P, R), np.int64)
        self.ladder_rng = [self._streams("ladder", f"{a}-{b}") for a, b in self.pairs]

        self.states = {
            sid: State(
                self,
                sid,
                spec,
                [o for o in scenario.states if o != sid],
                self._streams("state", sid),
            )
            for sid, spec in scenario.states.items()
        }
        self.hosted_by: dict[str, list[MilitantGroup]] = {sid: [] for sid in scenario.states}
        self.militants = {}
        for gid, spec in scenario.militants.items():
            host_tempo = sum(
                sum(g.targets.values()) for g in scenario.militants.values() if g.host == spec.host
            )
            share = sum(spec.targets.values()) / host_tempo if host_tempo else 1.0
            group = MilitantGroup(self, gid, spec, self._streams("militant", gid), share)
            self.militants[gid] = group
            self.hosted_by[spec.host].append(group)
        self.mediators = {
            mid: Mediator(self, mid, spec, self._streams("mediator", mid))
            for mid, spec in scenario.mediators.items()
        }

        if start:
            self._apply_start(start)
        self.recorder = Recorder(
            self.pairs,
            self.rung,
            scenario.start_rung,
            scenario.war_deaths,
            first_replication,
            events=record_events,
            trajectory=record_trajectory,
        )
        self._max_action = np.zeros((P, R), np.int8)
        self.record_events = record_events
        self.record_trajectory = record_trajectory
        self.recorder.snapshot(self)
        self.engine = engine
        if engine == "compiled" and (record_events or record_trajectory):
            raise ValueError(
                "engine='compiled' records no events or trajectories; use engine='numpy'"
            )

    # The outcome counters are the recorder's (the compiled day fills the same arrays).
    @property
    def max_rung(self) -> np.ndarray:
        """Highest rung reached per replication, shape (R,)."""
        return self.recorder.max_rung

    @property
    def day_rung(self) -> np.ndarray:
        """First day each rung was reached, shape (6, R), NaN if never."""
        return self.recorder.day_rung

    @property
    def clashes(self) -> np.ndarray:
        """Days of action at rung 4 or more, per replication."""
        return self.recorder.clashes

    @property
    def battle_deaths(self) -> np.ndarray:
        """Soldiers and fighters killed by states' actions, per replication."""
        return self.recorder.battle_deaths

    @property
    def day_war(self) -> np.ndarray:
        """Day battle deaths reached the scenario's ``war_deaths``, NaN if never."""
        return self.recorder.day_war

    @property
    def ceasefires_made(self) -> np.ndarray:
        """Ceasefires made, per replication."""
        return self.recorder.ceasefires_made

    @property
    def ceasefires_broken(self) -> np.ndarray:
        """Ceasefires broken, per replication."""
        return self.recorder.ceasefires_broken

    @property
    def ceasefire_days(self) -> np.ndarray:
        """Pair-days under a ceasefire, per replication."""
        return self.recorder.ceasefire_days

    def _streams(self, kind: str, actor_id: str) -> ReplicationStreams:
        return ReplicationStreams(self.seed, kind, actor_id, self.first_replication, self.R)

    def _apply_start(self, start: dict[str, np.ndarray]) -> None:
        rows = np.arange(self.first_replication, self.first_replication + self.R)
        for key, values in start.items():
            values = np.asarray(values)
            picked = values[rows % len(values)]
            try:
                target = get_path(self, start_path(key), root="start")
            except (KeyError, ConfigError):
                raise ValueError(
                    f"start: unknown key '{key}'; use pressure.<state>, "
                    "weariness.<state>, grievance.<state>.<opponent>, "
                    "provocation.<state>.<opponent>, harm.<state>.<opponent>, strength.<group> or "
                    "engaged.<mediator>"
                ) from None
            target[:] = picked.astype(target.dtype) if target.dtype == bool else picked

    # -- one day ------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance every replication by one day, in the order given in the module docstring."""
        self.advance()

    def advance(self, given: GivenDay | None = None) -> None:
        """Advance every replication by one day: drawn by the actors, or `given` as recorded.

        Parameters
        ----------
        given : GivenDay, optional
            The day's attacks, actions and ceasefires as recorded (a replayed history): they
            take the place of the groups', states' and mediators' draws, and everything else
            (decay and memory, answers, consequences, violations, the settling of scores, the
            rung's rise and decay) runs as on any other day.
        """
        self.day += 1
        for state in self.states.values():
            state.start_day()
        # 1-2. Militants attack; targets attribute, and their pressure and grievance grow.
        if given is None:
            for group in self.militants.values():
                for target, where, count, deaths in group.attack():
                    self.recorder.attacks(self.day, group.gid, target, where, count, deaths)
        else:
            for attack in given.attacks:
                self.militants[attack.group].land(
                    attack.target,
                    slice(None),
                    attack.soldiers,
                    attack.civilians,
                    slice(None),
                    (attack.soldiers + attack.civilians).astype(float),
                    np.full(self.R, attack.count),
                )
        # 3. States decide simultaneously (rules read yesterday's provocation and today's attacks).
        if given is None:
            for state in self.states.values():
                state.decide()
        else:
            for sid, state in self.states.items():
                for o in state.opponents:
                    rung = given.actions.get((sid, o))
                    state.action[o] = np.full(self.R, 0 if rung is None else rung.rung, np.int8)
        for state in self.states.values():
            state.answer()
        # 4. Consequences, and each pair's rung rises to the highest action.
        start = self.rung.copy()
        self._max_action[:] = 0
        if given is None:
            for state in self.states.values():
                for o, where, rung, soldiers, civilians, fighters in state.inflict():
                    self._act(state.sid, o, where, rung, soldiers, civilians, fighters)
        else:
            for (sid, o), act in given.actions.items():
                rung = np.full(self.R, act.rung, np.int8)
                self._act(sid, o, slice(None), rung, act.soldiers, act.civilians, act.fighters)
        for p, (a, b) in enumerate(self.pairs):
            np.maximum(self.states[a].action[b], self.states[b].action[a], out=self._max_action[p])
        escalated = np.maximum(start, self._max_action)
        # 5. Ceasefires end or are made.
        made = self._mediate(escalated, given)
        # 6. Rung update and decay; outcomes.
        self._update_rungs(start, escalated, made)
        for group in self.militants.values():
            group.end_day()
        self.recorder.snapshot(self)

    def run(self, days: int) -> None:
        """Advance `days` days (with the compiled day when ``engine="compiled"``)."""
        if self.engine == "compiled":
            from sim.engine.compiled import CompiledDay  # numba is imported only when used

            CompiledDay(self).run(days)
            return
        for _ in range(days):
            self.advance()

    def _act(
        self,
        sid: str,
        o: str,
        where: np.ndarray | slice,
        rung: np.ndarray,
        soldiers: np.ndarray,
        civilians: np.ndarray,
        fighters: np.ndarray,
    ) -> None:
        """Apply state `sid`'s actions toward `o` (its consequences) and record them."""
        self.states[sid].consequences(o, where, rung, soldiers, civilians, fighters)
        self.recorder.action(self.day, sid, o, where, rung, soldiers, civilians, fighters)

    def _ladder_draws(self) -> list[np.ndarray]:
        # Two uniforms per pair per day: decay, and the end of a ceasefire.
        return [rng.random(2) for rng in self.ladder_rng]

    def _mediate(self, escalated: np.ndarray, given: GivenDay | None = None) -> np.ndarray:
        """Ceasefires end (by the rule, or as `given`) or are made (by mediators, or as `given`)."""
        rule = self.spec.ceasefire
        cap = self.spec.ceasefire_cap
        self._ladder_u = self._ladder_draws()
        free = ~self.in_ceasefire
        for p, (a, b) in enumerate(self.pairs):
            in_cf = self.in_ceasefire[p]
            violations = (
                (self.states[a].action[b] > cap).astype(np.int16) + (self.states[b].action[a] > cap)
            ) * in_cf
            history = self.violation_history[p]
            history[self.day % history.shape[0]] = violations
            if given is None:
                status = CeasefireStatus(
                    days_in=self.ceasefire_age[p],
                    violations=violations,
                    history=history,
                    day=self.day,
                )
                ends = in_cf & np.asarray(rule.ends(status, self._ladder_u[p][1]), bool)
            else:
                # A recorded ceasefire ends only when recorded (its agreed term runs out).
                ends = in_cf.copy() if p in given.ceasefire_ends else np.zeros(self.R, bool)
            self.in_ceasefire[p] &= ~ends
            self.recorder.ceasefire_check(
                self.day, p, ends, violations, escalated[p], self._max_action[p]
            )
        made = np.zeros_like(self.in_ceasefire)
        if given is None:
            for mediator in self.mediators.values():
                p = mediator.pair
                made[p] |= mediator.mediate(escalated[p], free[p])
        else:
            for p in given.ceasefires:
                # A recorded agreement is made even under a ceasefire (it replaces that one, and
                # its age restarts); mediators only try where there is none.
                made[p] = True
        for p, (a, b) in enumerate(self.pairs):
            new = made[p]
            self.ceasefire_age[p] += self.in_ceasefire[p]
            self.pair_ceasefires_made[p] += new
            fresh = np.flatnonzero(new)
            if fresh.size:
                self.in_ceasefire[p, fresh] = True
                self.ceasefire_age[p, fresh] = 0
                self.violation_history[p][:, fresh] = 0
                for x, y in ((a, b), (b, a)):
                    # A ceasefire settles the scores: earlier provocations are no longer "received".
                    self.states[x].provocation[y][fresh] = 0
                    self.states[x].harm[y][fresh] = 0.0
            self.recorder.ceasefires(self.day, p, new, self.in_ceasefire[p], escalated[p])
        return made

    def _update_rungs(self, start: np.ndarray, escalated: np.ndarray, made: np.ndarray) -> None:
        scenario = self.spec
        for p in range(len(self.pairs)):
            decays = (
                (self._max_action[p] < start[p])
                & (escalated[p] > 0)
                & (self._ladder_u[p][0] < scenario.decay)
            )
            self.rung[p] = np.where(
                made[p], np.minimum(escalated[p], scenario.ceasefire_rung), escalated[p] - decays
            )
        self.recorder.rungs(self.day, escalated)

    # -- tables -------------------------------------------------------------------------------

    def outcomes(self) -> pd.DataFrame:
        """One row per replication; columns are documented in ``docs/outcomes.md``."""
        return self.recorder.outcomes(self)

    def events(self) -> pd.DataFrame:
        """The event log (:meth:`Recorder.events <sim.engine.recorder.Recorder.events>`)."""
        return self.recorder.events()

    def trajectory(self) -> pd.DataFrame:
        """Per-day state (:meth:`Recorder.trajectory <sim.engine.recorder.Recorder.trajectory>`)."""
        return self.recorder.trajectory()

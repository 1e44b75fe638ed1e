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

from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.core.ladder import MAX_RUNG
from sim.core.streams import ReplicationStreams, stream
from sim.engine.agents import Mediator, MilitantGroup, State
from sim.engine.compiled import ENGINES
from sim.rules.inputs import CeasefireStatus
from sim.scenario.schema import Scenario

# Days of violation history kept per pair: enough for any forgiving window.
_MIN_HISTORY = 1
_ACTION_KINDS = ("", "protest", "show_of_force", "strike", "clash", "war")


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
        self.max_rung = self.rung.max(axis=0)
        self.day_rung = np.full((MAX_RUNG + 1, R), np.nan)
        self.day_rung[: int(scenario.start_rung) + 1] = 0.0
        self.clashes = np.zeros(R, np.int64)
        self.battle_deaths = np.zeros(R, np.int64)
        self.day_war = np.full(R, np.nan)
        self.ceasefires_made = np.zeros(R, np.int64)
        self.ceasefires_broken = np.zeros(R, np.int64)
        self.ceasefire_days = np.zeros(R, np.int64)
        self._max_action = np.zeros((P, R), np.int8)
        self.record_events = record_events
        self.record_trajectory = record_trajectory
        self._events: list[dict[str, Any]] = []
        self._trajectory: list[dict[str, np.ndarray]] = []
        if record_trajectory:
            self._snapshot()
        self.engine = engine
        if engine == "compiled" and (record_events or record_trajectory):
            raise ValueError(
                "engine='compiled' records no events or trajectories; use engine='numpy'"
            )

    def _streams(self, kind: str, actor_id: str) -> ReplicationStreams:
        return ReplicationStreams(self.seed, kind, actor_id, self.first_replication, self.R)

    def _apply_start(self, start: dict[str, np.ndarray]) -> None:
        rows = np.arange(self.first_replication, self.first_replication + self.R)
        for key, values in start.items():
            kind, *ids = key.split(".")
            values = np.asarray(values)
            picked = values[rows % len(values)]
            try:
                if kind in ("pressure", "weariness") and len(ids) == 1:
                    target = getattr(self.states[ids[0]], kind)
                elif kind in ("grievance", "provocation", "harm") and len(ids) == 2:
                    target = getattr(self.states[ids[0]], kind)[ids[1]]
                elif kind == "strength" and len(ids) == 1:
                    target = self.militants[ids[0]].strength
                else:
                    raise KeyError(key)
            except KeyError:
                raise ValueError(
                    f"start: unknown key '{key}'; use pressure.<state>, "
                    "weariness.<state>, grievance.<state>.<opponent>, "
                    "provocation.<state>.<opponent>, harm.<state>.<opponent> or strength.<group>"
                ) from None
            target[:] = picked

    # -- one day ------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance every replication by one day, in the order given in the module docstring."""
        self.day += 1
        for state in self.states.values():
            state.start_day()
        # 1-2. Militants attack; targets attribute, and their pressure and grievance grow.
        for group in self.militants.values():
            group.attack()
        # 3. States decide simultaneously (rules read yesterday's provocation and today's attacks).
        for state in self.states.values():
            state.decide()
        for state in self.states.values():
            state.answer()
        # 4. Consequences, and each pair's rung rises to the highest action.
        start = self.rung.copy()
        self._max_action[:] = 0
        for state in self.states.values():
            state.inflict()
        for p, (a, b) in enumerate(self.pairs):
            np.maximum(self.states[a].action[b], self.states[b].action[a], out=self._max_action[p])
        escalated = np.maximum(start, self._max_action)
        # 5. Ceasefires end or are made.
        made = self._mediate(escalated)
        # 6. Rung update and decay; outcomes.
        self._update_rungs(start, escalated, made)
        for group in self.militants.values():
            group.end_day()
        if self.record_trajectory:
            self._snapshot()

    def run(self, days: int) -> None:
        """Advance `days` days (with the compiled day when ``engine="compiled"``)."""
        if self.engine == "compiled":
            from sim.engine.compiled import CompiledDay  # numba is imported only when used

            CompiledDay(self).run(days)
            return
        for _ in range(days):
            self.step()

    def _ladder_draws(self) -> list[np.ndarray]:
        # Two uniforms per pair per day: decay, and the end of a ceasefire.
        return [rng.random(2) for rng in self.ladder_rng]

    def _mediate(self, escalated: np.ndarray) -> np.ndarray:
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
            status = CeasefireStatus(
                days_in=self.ceasefire_age[p], violations=violations, history=history, day=self.day
            )
            ends = in_cf & np.asarray(rule.ends(status, self._ladder_u[p][1]), bool)
            self.in_ceasefire[p] &= ~ends
            self.ceasefires_broken += ends
            if self.record_events:
                self._log(ends, "ceasefire_ended", f"{a}-{b}", "", escalated[p], 0)
                self._log(
                    violations > 0, "violation", f"{a}-{b}", "", self._max_action[p], 0, violations
                )
        made = np.zeros_like(self.in_ceasefire)
        for mediator in self.mediators.values():
            p = mediator.pair
            made[p] |= mediator.mediate(escalated[p], free[p])
        for p, (a, b) in enumerate(self.pairs):
            new = made[p]
            self.ceasefire_age[p] += self.in_ceasefire[p]
            fresh = np.flatnonzero(new)
            if fresh.size:
                self.in_ceasefire[p, fresh] = True
                self.ceasefire_age[p, fresh] = 0
                self.violation_history[p][:, fresh] = 0
                self.ceasefires_made[fresh] += 1
                for x, y in ((a, b), (b, a)):
                    # A ceasefire settles the scores: earlier provocations are no longer "received".
                    self.states[x].provocation[y][fresh] = 0
                    self.states[x].harm[y][fresh] = 0.0
            self.ceasefire_days += self.in_ceasefire[p]
            if self.record_events:
                self._log(new, "ceasefire_made", f"{a}-{b}", "", escalated[p], 0)
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
        top = escalated.max(axis=0)
        for k in range(int(scenario.start_rung) + 1, MAX_RUNG + 1):
            first = (top >= k) & np.isnan(self.day_rung[k])
            self.day_rung[k][first] = self.day
        np.maximum(self.max_rung, top, out=self.max_rung)
        crossed = (self.battle_deaths >= scenario.war_deaths) & np.isnan(self.day_war)
        self.day_war[crossed] = self.day

    # -- records ------------------------------------------------------------------------------

    def record_attacks(
        self, group: str, target: str, where: np.ndarray, count: np.ndarray, deaths: np.ndarray
    ) -> None:
        """Log a group's attacks of today in replications `where` (called by the group)."""
        if self.record_events:
            full_count = np.zeros(self.R, np.int64)
            full_deaths = np.zeros(self.R, np.int64)
            full_count[where] = count
            full_deaths[where] = deaths
            self._log(
                full_count > 0,
                "attack",
                group,
                target,
                np.zeros(self.R, np.int8),
                full_deaths,
                full_count,
            )

    def record_action(
        self, actor: str, target: str, where: np.ndarray, rung: np.ndarray, killed: np.ndarray
    ) -> None:
        """Log a state's actions of today in replications `where` (called by the state)."""
        if self.record_events:
            full_rung = np.zeros(self.R, np.int8)
            full_killed = np.zeros(self.R, np.int64)
            full_rung[where] = rung
            full_killed[where] = killed
            for k in range(1, MAX_RUNG + 1):
                self._log(full_rung == k, _ACTION_KINDS[k], actor, target, full_rung, full_killed)

    def _log(
        self,
        mask: np.ndarray,
        kind: str,
        actor: str,
        target: str,
        rung: np.ndarray,
        killed: np.ndarray | int,
        count: np.ndarray | int = 1,
    ) -> None:
        idx = np.flatnonzero(mask)
        if not idx.size:
            return

        def pick(x: np.ndarray | int) -> np.ndarray:
            return np.broadcast_to(x, (self.R,))[idx]

        self._events.append(
            {
                "replication": idx + self.first_replication,
                "day": self.day,
                "actor": actor,
                "target": target,
                "kind": kind,
                "rung": pick(rung),
                "killed": pick(killed),
                "count": pick(count),
            }
        )

    def _snapshot(self) -> None:
        row = {"rung": self.rung.copy(), "ceasefire": self.in_ceasefire.copy()}
        for sid, state in self.states.items():
            row[f"pressure_{sid}"] = state.pressure.copy()
            for o in state.opponents:
                row[f"grievance_{sid}_{o}"] = state.grievance[o].copy()
        for gid, group in self.militants.items():
            row[f"strength_{gid}"] = group.strength.copy()
        self._trajectory.append(row)

    def outcomes(self) -> pd.DataFrame:
        """One row per replication; columns are documented in ``docs/outcomes.md``."""
        columns: dict[str, Any] = {
            "replication": np.arange(self.R, dtype=np.int64) + self.first_replication,
            "max_rung": self.max_rung.astype(np.int8),
        }
        for k in range(MAX_RUNG + 1):
            columns[f"day_rung_{k}"] = self.day_rung[k].copy()
        for sid, state in self.states.items():
            columns[f"military_deaths_{sid}"] = state.military_deaths.copy()
            columns[f"civilian_deaths_{sid}"] = state.civilian_deaths.copy()
        for gid, group in self.militants.items():
            columns[f"militant_deaths_{gid}"] = group.fighters_killed.copy()
            columns[f"attacks_{gid}"] = group.attacks.copy()
        for sid, state in self.states.items():
            columns[f"strikes_{sid}"] = state.strikes.copy()
        columns.update(
            clashes=self.clashes.copy(),
            ceasefires_made=self.ceasefires_made.copy(),
            ceasefires_broken=self.ceasefires_broken.copy(),
            ceasefire_days=self.ceasefire_days.copy(),
            battle_deaths=self.battle_deaths.copy(),
            war=self.battle_deaths >= self.spec.war_deaths,
            day_war=self.day_war.copy(),
        )
        frame = pd.DataFrame(columns)
        frame.attrs.update(horizon=self.day, start_rung=int(self.spec.start_rung))
        return frame

    def events(self) -> pd.DataFrame:
        """The event log: one row per (replication, day, actor, target, kind).

        Columns: ``replication``, ``day``, ``actor``, ``target`` (a state, or empty for a pair's
        ceasefire events), ``kind`` (attack, protest, show_of_force, strike, clash, war,
        violation, ceasefire_made, ceasefire_ended), ``rung`` (of the action, or of the pair),
        ``killed`` (deaths caused), ``count`` (attacks that day, or violations).
        """
        if not self.record_events:
            raise RuntimeError("events were not recorded: create the model with record_events=True")
        names = ["replication", "day", "actor", "target", "kind", "rung", "killed", "count"]
        if not self._events:
            return pd.DataFrame(
                {
                    n: pd.Series(
                        dtype="int64" if n not in ("actor", "target", "kind") else "object"
                    )
                    for n in names
                }
            )
        frame = pd.DataFrame(
            {
                n: np.concatenate(
                    [np.broadcast_to(e[n], e["replication"].shape) for e in self._events]
                )
                for n in names
            }
        )
        frame = frame.astype(
            {
                "replication": "int64",
                "day": "int64",
                "rung": "int8",
                "killed": "int64",
                "count": "int64",
            }
        )
        return frame.sort_values(["replication", "day"], kind="stable").reset_index(drop=True)

    def trajectory(self) -> pd.DataFrame:
        """Per-day state: one row per (replication, day, pair) from day 0 to today.

        Columns: ``replication``, ``day``, ``pair`` ("a-b"), ``rung``, ``ceasefire`` and, per
        actor, ``pressure_<state>``, ``grievance_<state>_<opponent>``, ``strength_<group>``.
        """
        if not self.record_trajectory:
            raise RuntimeError(
                "the trajectory was not recorded: create the model with record_trajectory=True"
            )
        days = len(self._trajectory)
        P, R = len(self.pairs), self.R
        data: dict[str, Any] = {
            "replication": np.tile(np.repeat(np.arange(R) + self.first_replication, 1), days * P),
            "day": np.repeat(np.arange(days), P * R),
            "pair": np.tile(np.repeat([f"{a}-{b}" for a, b in self.pairs], R), days),
        }
        data["rung"] = np.concatenate([row["rung"].ravel() for row in self._trajectory])
        data["ceasefire"] = np.concatenate([row["ceasefire"].ravel() for row in self._trajectory])
        for key in self._trajectory[0]:
            if key not in ("rung", "ceasefire"):
                data[key] = np.concatenate([np.tile(row[key], P) for row in self._trajectory])
        return pd.DataFrame(data)

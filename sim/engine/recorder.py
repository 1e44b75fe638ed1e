"""The recorder: what a run keeps of its days, fed by the model, read by the outcome table.

:class:`~sim.engine.model.EscalationModel` tells its :class:`Recorder` what happened each day:
attacks, actions, ceasefire checks and agreements, the pairs' rungs. The recorder keeps the
outcome counters (clashes, battle deaths, ceasefires, first days at each rung, war), and, when
asked, the event log and the per-day trajectory. Agents never write these: they change their own
state and report what they did to the model. The compiled day (:mod:`sim.engine.compiled`) fills
the same counter arrays in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.core.ladder import MAX_RUNG

__all__ = ["ACTION_KINDS", "Recorder"]

ACTION_KINDS = ("", "protest", "show_of_force", "strike", "clash", "war")
"""Event kind of a state's action by rung (rung 0 is no action)."""


class Recorder:
    """Outcome counters, event log and trajectory of R replications.

    Parameters
    ----------
    pairs : sequence of (str, str)
        The pairs of states, in the model's order.
    rung : ndarray
        The pairs' starting rungs, shape (P, R).
    start_rung : int
        The scenario's starting rung (rungs up to it count as reached on day 0).
    war_deaths : int
        Battle deaths at which a replication is at war.
    first_replication : int
        Global index of the first replication (the event log's and trajectory's numbering).
    events, trajectory : bool
        Keep the event log / the per-day trajectory.

    Attributes
    ----------
    max_rung, clashes, battle_deaths, ceasefires_made, ceasefires_broken, ceasefire_days : ndarray
        Per replication, shape (R,): the highest rung reached, days of action at rung 4 or more,
        soldiers and fighters killed by states' actions, ceasefires made and broken, pair-days
        under a ceasefire.
    day_rung : ndarray
        First day each rung 0..5 was reached, shape (6, R); NaN if never.
    day_war : ndarray
        Day battle deaths reached `war_deaths`, shape (R,); NaN if never.
    violations : ndarray
        Per pair, state-days acting above the ceasefire cap while under a ceasefire, shape (P, R).
    """

    def __init__(
        self,
        pairs: Sequence[tuple[str, str]],
        rung: np.ndarray,
        start_rung: int,
        war_deaths: int,
        first_replication: int = 0,
        events: bool = False,
        trajectory: bool = False,
    ) -> None:
        P, R = rung.shape
        self.pairs = list(pairs)
        self.R = R
        self.first_replication = first_replication
        self.war_deaths = war_deaths
        self.start_rung = int(start_rung)
        self.record_events = events
        self.record_trajectory = trajectory
        self.max_rung = rung.max(axis=0)
        self.day_rung = np.full((MAX_RUNG + 1, R), np.nan)
        self.day_rung[: self.start_rung + 1] = 0.0
        self.clashes = np.zeros(R, np.int64)
        self.battle_deaths = np.zeros(R, np.int64)
        self.day_war = np.full(R, np.nan)
        self.ceasefires_made = np.zeros(R, np.int64)
        self.ceasefires_broken = np.zeros(R, np.int64)
        self.ceasefire_days = np.zeros(R, np.int64)
        self.violations = np.zeros((P, R), np.int64)
        self._events: list[dict[str, Any]] = []
        self._trajectory: list[dict[str, np.ndarray]] = []

    # -- what the model reports ---------------------------------------------------------------

    def attacks(
        self,
        day: int,
        group: str,
        target: str,
        where: np.ndarray,
        count: np.ndarray,
        deaths: np.ndarray,
    ) -> None:
        """A group's attacks of `day` on `target` in replications `where`."""
        if self.record_events:
            full_count = np.zeros(self.R, np.int64)
            full_deaths = np.zeros(self.R, np.int64)
            full_count[where] = count
            full_deaths[where] = deaths
            self._log(
                day,
                full_count > 0,
                "attack",
                group,
                target,
                np.zeros(self.R, np.int8),
                full_deaths,
                full_count,
            )

    def action(
        self,
        day: int,
        actor: str,
        target: str,
        where: np.ndarray | slice,
        rung: np.ndarray,
        soldiers: np.ndarray,
        civilians: np.ndarray,
        fighters: np.ndarray,
    ) -> None:
        """A state's actions of `day` toward `target` in replications `where`, with their dead."""
        self.clashes[where] += rung >= 4
        self.battle_deaths[where] += soldiers + fighters
        if self.record_events:
            full_rung = np.zeros(self.R, np.int8)
            full_killed = np.zeros(self.R, np.int64)
            full_rung[where] = rung
            full_killed[where] = soldiers + civilians + fighters
            for k in range(1, MAX_RUNG + 1):
                self._log(
                    day, full_rung == k, ACTION_KINDS[k], actor, target, full_rung, full_killed
                )

    def ceasefire_check(
        self,
        day: int,
        p: int,
        ends: np.ndarray,
        violations: np.ndarray,
        rung: np.ndarray,
        acted: np.ndarray,
    ) -> None:
        """Pair `p`'s ceasefire check of `day`: where it ended, and today's violations."""
        self.ceasefires_broken += ends
        self.violations[p] += violations
        if self.record_events:
            pair = "-".join(self.pairs[p])
            self._log(day, ends, "ceasefire_ended", pair, "", rung, 0)
            self._log(day, violations > 0, "violation", pair, "", acted, 0, violations)

    def ceasefires(
        self, day: int, p: int, made: np.ndarray, in_ceasefire: np.ndarray, rung: np.ndarray
    ) -> None:
        """Pair `p` at the end of `day`'s talks: ceasefires made, and where one is in force."""
        self.ceasefires_made[np.flatnonzero(made)] += 1
        self.ceasefire_days += in_ceasefire
        if self.record_events:
            self._log(day, made, "ceasefire_made", "-".join(self.pairs[p]), "", rung, 0)

    def rungs(self, day: int, escalated: np.ndarray) -> None:
        """The day's highest rung per pair, shape (P, R): first days at each rung, war."""
        top = escalated.max(axis=0)
        for k in range(self.start_rung + 1, MAX_RUNG + 1):
            first = (top >= k) & np.isnan(self.day_rung[k])
            self.day_rung[k][first] = day
        np.maximum(self.max_rung, top, out=self.max_rung)
        crossed = (self.battle_deaths >= self.war_deaths) & np.isnan(self.day_war)
        self.day_war[crossed] = day

    def snapshot(self, model: Any) -> None:
        """Keep the model's state of today for the trajectory (when it is recorded)."""
        if not self.record_trajectory:
            return
        row = {"rung": model.rung.copy(), "ceasefire": model.in_ceasefire.copy()}
        for sid, state in model.states.items():
            row[f"pressure_{sid}"] = state.pressure.copy()
            for o in state.opponents:
                row[f"grievance_{sid}_{o}"] = state.grievance[o].copy()
        for gid, group in model.militants.items():
            row[f"strength_{gid}"] = group.strength.copy()
        self._trajectory.append(row)

    def _log(
        self,
        day: int,
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
                "day": day,
                "actor": actor,
                "target": target,
                "kind": kind,
                "rung": pick(rung),
                "killed": pick(killed),
                "count": pick(count),
            }
        )

    # -- the tables ---------------------------------------------------------------------------

    def outcomes(self, model: Any) -> pd.DataFrame:
        """One row per replication; columns are documented in ``docs/outcomes.md``."""
        columns: dict[str, Any] = {
            "replication": np.arange(self.R, dtype=np.int64) + self.first_replication,
            "max_rung": self.max_rung.astype(np.int8),
        }
        for k in range(MAX_RUNG + 1):
            columns[f"day_rung_{k}"] = self.day_rung[k].copy()
        for sid, state in model.states.items():
            columns[f"military_deaths_{sid}"] = state.military_deaths.copy()
            columns[f"civilian_deaths_{sid}"] = state.civilian_deaths.copy()
        for gid, group in model.militants.items():
            columns[f"militant_deaths_{gid}"] = group.fighters_killed.copy()
            columns[f"attacks_{gid}"] = group.attacks.copy()
        for sid, state in model.states.items():
            columns[f"strikes_{sid}"] = state.strikes.copy()
        columns.update(
            clashes=self.clashes.copy(),
            ceasefires_made=self.ceasefires_made.copy(),
            ceasefires_broken=self.ceasefires_broken.copy(),
            ceasefire_days=self.ceasefire_days.copy(),
            battle_deaths=self.battle_deaths.copy(),
            war=self.battle_deaths >= self.war_deaths,
            day_war=self.day_war.copy(),
        )
        frame = pd.DataFrame(columns)
        frame.attrs.update(horizon=model.day, start_rung=self.start_rung)
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

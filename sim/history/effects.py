"""What each row of the timeline does in the model: an attack, a state's action, a ceasefire.

The mapping of ``docs/history.md`` ("How each kind of row maps to the model"), and the deaths of a
row per draw, split into soldiers, civilians and fighters and spread over its days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.history.timeline import UNNAMED_GROUP
from sim.scenario.schema import Scenario

__all__ = ["ACTION_RUNGS", "ISOLATED_CLASH_DEATHS"]

ACTION_RUNGS = {"closure": 1, "statement": 1, "strike": 3, "clash": 4}
"""Rung of a state's action by event kind, on the ladder of docs/history.md: closures and
statements (accusations, threats) are a diplomatic crisis, strikes are limited strikes, and fire
between two states' forces is an interstate clash unless isolated (`ISOLATED_CLASH_DEATHS`)."""

ISOLATED_CLASH_DEATHS = 10
"""A one-day clash between states with fewer deaths (best figure) is isolated: rung 3, not 4.
Basis: the ladder puts "isolated clashes" at rung 3 and "multi-day border battles" at 4; of the
timeline's clashes only the October 2025 fighting (dozens killed; sources in seeds/README.md) was
multi-day."""

_SOLDIERS, _CIVILIANS, _FIGHTERS = range(3)
_KILLED_ROW = {"military": _SOLDIERS, "civilian": _CIVILIANS, "militant": _FIGHTERS}


@dataclass(frozen=True)
class _Effect:
    """What one timeline row does in the model, before its deaths are known."""

    role: str  # attack, action, ceasefire, agreement, none
    actor: str = ""  # a group id (attack) or a state id
    opponent: str = ""  # the state acted against (attack, action) or the other party
    rung: int = 0
    note: str = ""
    kind: str = ""  # an action's timeline kind (strike, clash, ...): what opens a channel
    term: int = 0  # a ceasefire's agreed term in days (term_days); 0: no end date


def _effect(row: Any, scenario: Scenario) -> _Effect:
    """How a timeline row maps to the model (docs/history.md, "Replay rules")."""
    states, groups = scenario.states, scenario.militants
    actor, target, kind = row.actor, row.target, row.kind
    if actor in states and target in states:
        if kind in ACTION_RUNGS:
            return _Effect("action", actor, target, _action_rung(row), kind=kind)
        if kind in ("ceasefire", "agreement"):
            term = getattr(row, "term_days", None)
            return _Effect(kind, actor, target, term=0 if pd.isna(term) else int(term))
        return _Effect("none", note=f"{kind}: no counterpart in the model")
    group = _group(actor, target, scenario)
    if group is not None and target in states and kind in ("attack", "clash", "strike"):
        host = groups[group].host
        note = f"as {group}" if group != actor else ""
        spec = groups[group]
        major = not pd.isna(row.killed_best) and row.killed_best >= spec.major_attack_deaths
        # `rung` here only describes the best-figure case; the walk applies the rule per draw.
        return _Effect(
            "attack", group, target, spec.attack_rung if major and host != target else 0, note
        )
    if actor in states and (group := _group(target, actor, scenario, striker=actor)) is not None:
        host = groups[group].host
        if kind == "clash":
            return _Effect(
                "none",
                note=f"clash with {group} on {actor}'s own soil: the model has no such action",
            )
        if kind in ACTION_RUNGS and host != actor:
            return _Effect(
                "action", actor, host, _action_rung(row), f"on {group} in {host}", kind=kind
            )
    known = (*states, *groups, *scenario.timeline.aliases, UNNAMED_GROUP)
    if actor in known and target in known:
        return _Effect("none", note=f"{kind}: no counterpart in the model")
    return _Effect("none", note="a party outside the scenario")


def _action_rung(row: Any) -> int:
    """Rung of a state's action from its kind (`ACTION_RUNGS`), isolated clashes one lower."""
    isolated = (
        row.kind == "clash"
        and (pd.isna(row.end_date) or row.end_date == row.date)
        and (pd.isna(row.killed_best) or row.killed_best < ISOLATED_CLASH_DEATHS)
    )
    return ACTION_RUNGS[row.kind] - isolated


def _group(actor: str, target: str, scenario: Scenario, striker: str = "") -> str | None:
    """Find the scenario group a militant actor id stands for, given the state it attacks.

    `striker` is the state striking the group, if any: unnamed militants it strikes are a group
    hosted elsewhere (a state's strike on groups at home is not an action of the model).
    """
    groups = scenario.militants
    if actor in groups:
        return actor
    aliases = scenario.timeline.aliases
    if actor in aliases:
        return aliases[actor]
    if actor == UNNAMED_GROUP:
        # Unnamed militants: the group with the highest base tempo against that state.
        tempo = {
            g: spec.targets.get(target, 0.0) for g, spec in groups.items() if spec.host != striker
        }
        best = max(tempo, key=tempo.__getitem__, default=None)
        return best if best is not None and tempo[best] > 0 else None
    return None


def _deaths(row: Any, draws: int, rng: np.random.Generator, uncertainty: bool) -> np.ndarray:
    """Deaths of a row per draw, shape (draws,): best figure, or uniform within [low, high]."""
    if pd.isna(row.killed_best):
        return np.zeros(draws, np.int64)
    if not uncertainty:
        return np.full(draws, int(row.killed_best), np.int64)
    low = int(row.killed_low) if not pd.isna(row.killed_low) else int(row.killed_best)
    high = int(row.killed_high) if not pd.isna(row.killed_high) else int(row.killed_best)
    return rng.integers(low, high, size=draws, endpoint=True)


def _split(row: Any, effect: _Effect, deaths: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Deaths as (soldiers, civilians, fighters) of shape (3, draws)."""
    parts = np.zeros((3, deaths.size), np.int64)
    group = row.killed_group if isinstance(row.killed_group, str) else "mixed"
    if group != "mixed":
        parts[_KILLED_ROW[group]] = deaths
    elif effect.role == "attack":
        # The model's own split of a militant attack's deaths (MilitantGroup.attack).
        share = scenario.militants[effect.actor].military_share
        parts[_SOLDIERS] = np.floor(deaths * share + 0.5).astype(np.int64)
        parts[_CIVILIANS] = deaths - parts[_SOLDIERS]
    else:
        # In the proportions the acting state inflicts at that rung (StateSpec.inflicted).
        inflicted = scenario.states[effect.actor].inflicted
        means = np.array(
            [
                inflicted.military[effect.rung],
                inflicted.civilian[effect.rung],
                inflicted.militant[effect.rung],
            ],
            float,
        )
        shares = means / means.sum() if means.sum() > 0 else np.array([1.0, 0.0, 0.0])
        parts[:] = _largest_remainder(deaths, shares)
    if effect.role == "attack":
        parts[_FIGHTERS] = 0  # attackers' own dead do not touch the target state
    return parts


def _largest_remainder(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Integers of shape (len(shares), R) in proportion to `shares`, summing to `total` (R,)."""
    exact = shares[:, None] * total[None, :]
    parts = np.floor(exact).astype(np.int64)
    left = total - parts.sum(axis=0)
    order = np.argsort(-(exact - parts), axis=0, kind="stable")
    for k in range(len(shares)):
        rows = order[k]
        parts[rows, np.arange(total.size)] += left > k
    return parts


def _spread(parts: np.ndarray, days: int) -> list[np.ndarray]:
    """Share integer deaths (3, R) evenly over `days` days, earlier days taking the remainder."""
    return [parts // days + (parts % days > d) for d in range(days)]


def _applied(events: pd.DataFrame, effects: list[_Effect]) -> pd.DataFrame:
    table = events[["date", "end_date", "actor", "target", "kind", "killed_best"]].copy()
    table["role"] = [e.role for e in effects]
    table["as_actor"] = [e.actor for e in effects]
    table["against"] = [e.opponent for e in effects]
    table["rung"] = [e.rung for e in effects]
    table["note"] = [e.note for e in effects]
    return table.reset_index(drop=True)

"""Replaying the seed timeline through the model's own update rules to get the starting state.

:func:`replay` walks day by day from the first event that touches the scenario's actors to the
as-of date and applies each day's events with the agents' own methods (`State.start_day`,
`State.suffer`, `State.provoked`, `MilitantGroup.struck`, `MilitantGroup.end_day`), in the order
of a model day. What it ends with is the state on the as-of date: :attr:`ReplayResult.start` feeds
:class:`~sim.engine.model.EscalationModel` and :func:`~sim.runs.montecarlo.simulate`
(``start=``), and
:meth:`ReplayResult.to_scenario_values` gives the numbers written into the seed scenario.
:func:`project` runs the scenario forward from there. ``docs/history.md`` states every mapping
from the timeline's rows to the model's updates.

Run ``python -m sim.history`` to replay the seed timeline, print the starting state and the
projection table, and save ``docs/figures/history_replay.png``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.streams import stream
from sim.engine.model import EscalationModel, GivenAction, GivenAttack, GivenDay
from sim.history.timeline import AS_OF, load_events
from sim.scenario.loading import scenario_path
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    pass

__all__ = [
    "ACTION_RUNGS",
    "GROUP_ALIASES",
    "ISOLATED_CLASH_DEATHS",
    "ReplayResult",
    "replay",
    "start_from_history",
    "write_start_values",
]

ACTION_RUNGS = {"closure": 1, "statement": 1, "strike": 3, "clash": 4}
"""Rung of a state's action by event kind, on the ladder of docs/history.md: closures and
statements (accusations, threats) are a diplomatic crisis, strikes are limited strikes, and fire
between two states' forces is an interstate clash unless isolated (`ISOLATED_CLASH_DEATHS`)."""

ISOLATED_CLASH_DEATHS = 10
"""A one-day clash between states with fewer deaths (best figure) is isolated: rung 3, not 4.
Basis: the ladder puts "isolated clashes" at rung 3 and "multi-day border battles" at 4; of the
timeline's clashes only the October 2025 fighting (dozens killed; sources in seeds/README.md) was
multi-day."""

GROUP_ALIASES = {"jua": "ttp"}
"""Timeline ids counted as a scenario group (seeds/README.md: Jamaat-ul-Ahrar is a TTP faction)."""

BASIS = "replayed from seeds/pak_afg_events.csv by sim.history (docs/history.md)"
"""The basis comment written beside the replayed starting values in a scenario YAML."""

_START_FIELDS = ("pressure", "weariness", "grievance", "provocation", "harm", "strength")
_QUANTILES = (0.05, 0.5, 0.95)
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


@dataclass(frozen=True)
class ReplayResult:
    """The scenario's state on the as-of date, replayed from an event timeline.

    Parameters
    ----------
    paths : DataFrame
        One row per day from the first replayed event to `as_of`: ``date``, ``pressure_<state>``,
        ``weariness_<state>``, ``grievance_<state>_<opponent>``, ``strength_<group>`` (medians over
        the draws), and per pair ``rung_<a>_<b>`` (expected rung), ``ceasefire_<a>_<b>`` (bool).
    low, high : DataFrame or None
        The 5th and 95th percentiles over the draws of the same columns; None for one draw.
    start : dict of str to ndarray
        The final state per draw, arrays of shape (draws,), keyed as
        :class:`~sim.engine.model.EscalationModel` reads ``start=``.
    applied : DataFrame
        One row per timeline row: ``date``, ``end_date``, ``actor``, ``target``, ``kind``,
        ``killed_best``, and what the replay did with it: ``role``, ``as_actor``, ``against``,
        ``rung`` and ``note``.
    rung : dict of str to int
        Final rung of each pair ``"a-b"``, 0..5 (the expected rung, rounded).
    ceasefire : dict of str to bool
        Whether each pair is under a ceasefire at the end of `as_of`.
    ceasefire_days : dict of str to int
        Days since that ceasefire was made (0 when there is none).
    violations : dict of str to int
        Days x states acting above the scenario's ``ceasefire_cap`` while the pair was under a
        ceasefire, as the model counts violations.
    as_of : datetime.date
        The last day replayed.
    draws : int
        Replications of the replay, >= 1.
    uncertainty : bool
        Whether each event's deaths were drawn within their sources' range.
    seed : int
        Seed of the draws.
    """

    paths: pd.DataFrame
    low: pd.DataFrame | None
    high: pd.DataFrame | None
    start: dict[str, np.ndarray]
    applied: pd.DataFrame
    rung: dict[str, int]
    ceasefire: dict[str, bool]
    ceasefire_days: dict[str, int]
    violations: dict[str, int]
    as_of: datetime.date
    draws: int
    uncertainty: bool
    seed: int
    info: dict[str, Any] = field(default_factory=dict)

    def ladder(self) -> dict[str, Any]:
        """Return the scenario's ladder fields ``start_rung``, ``in_ceasefire``, ``ceasefire_days``.

        The model starts every pair at one rung and one ceasefire state: the highest rung over the
        pairs, a ceasefire only if every pair is under one, and the youngest ceasefire's age.
        """
        under = [days for pair, days in self.ceasefire_days.items() if self.ceasefire[pair]]
        in_ceasefire = bool(self.ceasefire) and all(self.ceasefire.values())
        return {
            "start_rung": max(self.rung.values(), default=0),
            "in_ceasefire": in_ceasefire,
            "ceasefire_days": min(under) if in_ceasefire else 0,
        }

    def to_scenario_values(self, decimals: int = 3) -> dict[str, dict[str, dict[str, Any]]]:
        """Return scalar starting values for a scenario YAML: medians over the draws, rounded.

        Parameters
        ----------
        decimals : int
            Decimals kept for pressure, weariness, grievance and strength; provocation is a rung.

        Returns
        -------
        dict
            ``{"states": {sid: {"pressure", "weariness", "grievance": {o: ...},
            "provocation": {o: ...}, "harm": {o: ...}}}, "militants": {gid: {"strength"}}}``.
        """
        values: dict[str, dict[str, dict[str, Any]]] = {"states": {}, "militants": {}}
        for key, array in self.start.items():
            kind, *ids = key.split(".")
            median = float(np.median(array))
            if kind == "strength":
                values["militants"].setdefault(ids[0], {})[kind] = round(median, decimals)
                continue
            state = values["states"].setdefault(ids[0], {})
            if kind == "provocation":
                state.setdefault(kind, {})[ids[1]] = int(round(median))
            elif kind in ("grievance", "harm"):
                state.setdefault(kind, {})[ids[1]] = round(median, decimals)
            else:
                state[kind] = round(median, decimals)
        return values


def replay(
    events: pd.DataFrame,
    scenario: Scenario,
    as_of: datetime.date = AS_OF,
    draws: int = 1,
    seed: int = 0,
    uncertainty: bool = False,
) -> ReplayResult:
    """Replay an event timeline through the scenario's update rules up to `as_of`.

    Parameters
    ----------
    events : DataFrame
        A timeline from :func:`sim.history.timeline.load_events`.
    scenario : Scenario
        Supplies the actors and every rate (half-lives, growth per death and per attack,
        attribution, degradation, recovery, ceasefire cap and rung, decay). Its own starting
        values are not used: the replay starts from zero pressure, weariness, grievance and
        provocation, strength 1 and no ceasefire.
    as_of : datetime.date
        Last day replayed; later events are ignored.
    draws : int
        Replications, >= 1; each gets its own deaths when `uncertainty` is set.
    seed : int
        Seed of the uniform draws (stream ``("history", "replay")`` of chunk 0).
    uncertainty : bool
        Draw each event's deaths uniformly among the integers in ``[killed_low, killed_high]``
        instead of taking ``killed_best``.

    Returns
    -------
    ReplayResult

    Notes
    -----
    One replayed day follows the model's order (:mod:`sim.engine.model`): states decay
    (`State.start_day`); militant attacks: the target suffers and is provoked by the host;
    states act: each state's action toward each other state is the highest rung of its events
    that day, answers whatever provocation it meets or exceeds, and inflicts the event's deaths,
    provocation and militant degradation; ceasefires are made; the rung rises to the day's
    highest action or decays by `Scenario.decay` in expectation; militant strength recovers
    (`MilitantGroup.end_day`). ``docs/history.md`` lists how each kind of row maps to these.

    Examples
    --------
    >>> import sim
    >>> result = replay(load_events(), sim.load_scenario("pak_afg_2026"))
    >>> result.ladder()["start_rung"]
    3
    """
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    events = events[events["date"].dt.date <= as_of]
    effects = [_effect(row, scenario) for row in events.itertuples(index=False)]
    rng = stream(seed, 0, "history", "replay")
    items: dict[datetime.date, list[tuple[_Effect, np.ndarray]]] = {}
    for row, effect in zip(events.itertuples(index=False), effects, strict=True):
        if effect.role == "none":
            continue
        deaths = _deaths(row, draws, rng, uncertainty)
        parts = _split(row, effect, deaths, scenario)
        first = row.date.date()
        last = row.end_date.date() if not pd.isna(row.end_date) else first
        days = [first + datetime.timedelta(d) for d in range((last - first).days + 1)]
        if effect.role in ("ceasefire", "agreement"):
            # Agreed on the last day of the talks that produced it (seeds/README.md).
            days = days[-1:]
        for day, share in zip(days, _spread(parts, len(days)), strict=True):
            if day <= as_of:  # a multi-day event cut by an earlier as-of date keeps its share
                items.setdefault(day, []).append((effect, share))
    applied = _applied(events, effects)
    if not items:
        raise ValueError(f"no event of the timeline up to {as_of} involves the scenario's actors")
    walker = _Walker(scenario, draws, seed)
    day = min(items)
    while day <= as_of:
        walker.day(items.get(day, []))
        walker.record(day)
        day += datetime.timedelta(1)
    return walker.result(applied, as_of, draws, uncertainty, seed)


def _effect(row: Any, scenario: Scenario) -> _Effect:
    """How a timeline row maps to the model (docs/history.md, "Replay rules")."""
    states, groups = scenario.states, scenario.militants
    actor, target, kind = row.actor, row.target, row.kind
    if actor in states and target in states:
        if kind in ACTION_RUNGS:
            return _Effect("action", actor, target, _action_rung(row))
        if kind in ("ceasefire", "agreement"):
            return _Effect(kind, actor, target)
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
    if actor in states and (group := _group(target, actor, scenario)) is not None:
        host = groups[group].host
        if kind == "clash":
            return _Effect(
                "none",
                note=f"clash with {group} on {actor}'s own soil: the model has no such action",
            )
        if kind in ACTION_RUNGS and host != actor:
            return _Effect("action", actor, host, _action_rung(row), f"on {group} in {host}")
    if actor in (*states, *groups, *GROUP_ALIASES, "militants") and target in (
        *states,
        *groups,
        *GROUP_ALIASES,
        "militants",
    ):
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


def _group(actor: str, target: str, scenario: Scenario) -> str | None:
    """Find the scenario group a militant actor id stands for, given the state it attacks."""
    groups = scenario.militants
    if actor in groups:
        return actor
    alias = GROUP_ALIASES.get(actor)
    if alias in groups:
        return alias
    if actor in GROUP_ALIASES or actor == "militants":
        # Unnamed militants: the group with the highest base tempo against that state.
        tempo = {g: spec.targets.get(target, 0.0) for g, spec in groups.items()}
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


class _Walker:
    """An EscalationModel whose days are given by the timeline (``EscalationModel.advance(given)``).

    Every update is the engine's own: decay and memory, attribution, answers, consequences,
    violations, the settling of scores by a ceasefire, the rung's rise and its random decay on
    the model's ladder streams. Only the choices are the timeline's: who attacked, who acted at
    which rung with how many dead, and which ceasefires were agreed.
    """

    def __init__(self, scenario: Scenario, draws: int, seed: int) -> None:
        zero = np.zeros(draws)
        baseline: dict[str, np.ndarray] = {}
        for sid in scenario.states:
            baseline[f"pressure.{sid}"] = baseline[f"weariness.{sid}"] = zero
            for o in scenario.states:
                if o != sid:
                    baseline[f"grievance.{sid}.{o}"] = zero
                    baseline[f"provocation.{sid}.{o}"] = zero.astype(np.int8)
        for gid in scenario.militants:
            baseline[f"strength.{gid}"] = np.ones(draws)
        calm = scenario.replace(start_rung=0, in_ceasefire=False, ceasefire_days=0)
        self.model = EscalationModel(calm, replications=draws, seed=seed, start=baseline)
        self.scenario = scenario
        self.draws = draws
        self.rows: list[dict[str, Any]] = []
        self.spread: list[tuple[np.ndarray, np.ndarray]] = []
        self.columns: list[str] = []

    def day(self, today: list[tuple[_Effect, np.ndarray]]) -> None:
        """One model day with today's events as its choices (see `replay`, Notes)."""
        pairs = self.scenario.pairs
        # Only a ceasefire makes one. An agreement (a crossing reopened after talks, a flag
        # meeting, a recommitment) confirms what is in force and makes nothing: a reopening
        # taken as a ceasefire would stay in force for years (docs/history.md).
        ceasefires = frozenset(
            p
            for effect, _ in today
            if effect.role == "ceasefire"
            for p, pair in enumerate(pairs)
            if {effect.actor, effect.opponent} == set(pair)
        )
        self.model.advance(
            GivenDay(
                attacks=self._attacks([(e, d) for e, d in today if e.role == "attack"]),
                actions=self._actions([(e, d) for e, d in today if e.role == "action"]),
                ceasefires=ceasefires,
            )
        )

    @staticmethod
    def _attacks(attacks: list[tuple[_Effect, np.ndarray]]) -> tuple[GivenAttack, ...]:
        """Militant attacks of the day, summed per (group, target) as MilitantGroup.attack does."""
        out = []
        for gid, target in dict.fromkeys((e.actor, e.opponent) for e, _ in attacks):
            mine = [d for e, d in attacks if (e.actor, e.opponent) == (gid, target)]
            out.append(
                GivenAttack(
                    gid,
                    target,
                    sum(d[_SOLDIERS] for d in mine),
                    sum(d[_CIVILIANS] for d in mine),
                    len(mine),
                )
            )
        return tuple(out)

    @staticmethod
    def _actions(actions: list[tuple[_Effect, np.ndarray]]) -> dict[tuple[str, str], GivenAction]:
        """States' actions of the day: the highest rung per (state, opponent), deaths summed."""
        rung: dict[tuple[str, str], int] = {}
        deaths: dict[tuple[str, str], np.ndarray] = {}
        for effect, parts in actions:
            key = (effect.actor, effect.opponent)
            rung[key] = max(rung.get(key, 0), effect.rung)
            deaths[key] = deaths.get(key, 0) + parts
        return {key: GivenAction(rung[key], *deaths[key]) for key in rung}

    def _state(self) -> dict[str, np.ndarray]:
        model = self.model
        out: dict[str, np.ndarray] = {}
        for sid, state in model.states.items():
            out[f"pressure.{sid}"] = state.pressure.copy()
            out[f"weariness.{sid}"] = state.weariness.copy()
            for o in state.opponents:
                out[f"grievance.{sid}.{o}"] = state.grievance[o].copy()
                out[f"provocation.{sid}.{o}"] = state.provocation[o].copy()
                out[f"harm.{sid}.{o}"] = state.harm[o].copy()
        for gid, group in model.militants.items():
            out[f"strength.{gid}"] = group.strength.copy()
        return out

    def record(self, day: datetime.date) -> None:
        """Keep today's medians (and 5-95 % band over the draws) for the paths."""
        state = {
            k: v for k, v in self._state().items() if not k.startswith(("provocation", "harm"))
        }
        if not self.columns:
            self.columns = [k.replace(".", "_") for k in state]
        stack = np.stack(list(state.values()))
        if self.draws > 1:
            low, mid, high = np.quantile(stack, _QUANTILES, axis=1)
            self.spread.append((low, high))
        else:
            mid = stack[:, 0]
        row: dict[str, Any] = {
            "date": pd.Timestamp(day),
            **dict(zip(self.columns, mid, strict=True)),
        }
        model = self.model
        for p, (a, b) in enumerate(self.scenario.pairs):
            # The mean over the draws: each draw's rung decays at random, as in the model.
            row[f"rung_{a}_{b}"] = float(model.rung[p].mean())
            row[f"ceasefire_{a}_{b}"] = bool(model.in_ceasefire[p].all())
        self.rows.append(row)

    def result(
        self, applied: pd.DataFrame, as_of: datetime.date, draws: int, uncertainty: bool, seed: int
    ) -> ReplayResult:
        """Return the ReplayResult of the walk so far."""
        paths = pd.DataFrame(self.rows)
        low = high = None
        if self.spread:
            dates = paths[["date"]]
            low, high = (
                pd.concat(
                    [
                        dates,
                        pd.DataFrame(np.array([s[i] for s in self.spread]), columns=self.columns),
                    ],
                    axis=1,
                )
                for i in (0, 1)
            )
        names = [f"{a}-{b}" for a, b in self.scenario.pairs]
        model = self.model
        # Recorded ceasefires, actions and hence violations are the same in every draw; the
        # rung is each draw's own (its decay is random): its median is the replayed rung.
        rung = [int(np.floor(np.median(r) + 0.5)) for r in model.rung]
        in_ceasefire = [bool(c.all()) for c in model.in_ceasefire]
        age = [int(np.median(a)) for a in model.ceasefire_age]
        violations = [int(np.median(v)) for v in model.recorder.violations]
        return ReplayResult(
            paths=paths,
            low=low,
            high=high,
            start=self._state(),
            applied=applied,
            rung=dict(zip(names, rung, strict=True)),
            ceasefire=dict(zip(names, in_ceasefire, strict=True)),
            ceasefire_days={
                n: d if c else 0 for n, d, c in zip(names, age, in_ceasefire, strict=True)
            },
            violations=dict(zip(names, violations, strict=True)),
            as_of=as_of,
            draws=draws,
            uncertainty=uncertainty,
            seed=seed,
        )


def start_from_history(
    scenario: Scenario,
    events: pd.DataFrame | str | Path | None = None,
    draws: int = 1,
    seed: int = 0,
    uncertainty: bool = False,
) -> tuple[Scenario, ReplayResult]:
    """Replay a timeline and return the scenario with the replayed ladder start, and the replay.

    Parameters
    ----------
    scenario : Scenario
        The crisis.
    events : DataFrame, str or Path, optional
        A timeline or its CSV file; default ``seeds/pak_afg_events.csv``.
    draws, seed, uncertainty
        As in :func:`replay`.

    Returns
    -------
    (Scenario, ReplayResult)
        The scenario with ``start_rung``, ``in_ceasefire`` and ``ceasefire_days`` from the
        replay, and the replay, whose ``start`` goes to :func:`~sim.runs.montecarlo.simulate`.

    Examples
    --------
    >>> import sim
    >>> scenario, history = start_from_history(sim.load_scenario())
    >>> run = sim.simulate(scenario, replications=100, horizon=30, start=history.start)
    """
    if not isinstance(events, pd.DataFrame):
        events = load_events(events)
    result = replay(events, scenario, draws=draws, seed=seed, uncertainty=uncertainty)
    return scenario.replace(**result.ladder()), result


def write_start_values(
    values: dict[str, dict[str, dict[str, Any]]], path: str | Path | None = None, basis: str = BASIS
) -> Path:
    """Write starting values into a scenario YAML, keeping every other line as it is.

    Parameters
    ----------
    values : dict
        As from :meth:`ReplayResult.to_scenario_values`.
    path : str or Path, optional
        The scenario file; default ``configs/scenario/pak_afg_2026.yaml``.
    basis : str
        The comment written beside each value.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If a value has no line to go on (the YAML must already hold every starting key).
    """
    path = scenario_path(path if path is not None else "pak_afg_2026")
    wanted = {
        (section, actor, key): value
        for section, actors in values.items()
        for actor, fields in actors.items()
        for key, value in fields.items()
    }
    section = actor = ""
    lines = []
    field_line = re.compile(rf"^(    )({'|'.join(_START_FIELDS)}):\s")
    for line in path.read_text().splitlines(keepends=True):
        if top := re.match(r"^(\w+):", line):
            section, actor = top.group(1), ""
        elif sub := re.match(r"^  (\w+):\s*(#.*)?$", line):
            actor = sub.group(1)
        elif (m := field_line.match(line)) and (section, actor, m.group(2)) in wanted:
            value = wanted.pop((section, actor, m.group(2)))
            text = f"{m.group(1)}{m.group(2)}: {_yaml_value(value)}"
            column = line.find("#") if "#" in line else len(text) + 1
            line = f"{text.ljust(max(column, len(text) + 1))}# {basis}\n"
        lines.append(line)
    if wanted:
        missing = ", ".join(".".join(key) for key in wanted)
        raise ValueError(f"{path}: no line for {missing}")
    path.write_text("".join(lines))
    return path


def _yaml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)

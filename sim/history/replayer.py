"""Replaying a scenario's timeline through the model's own update rules to get the starting state.

:func:`replay` advances an :class:`~sim.engine.model.EscalationModel` day by day from the first
event that touches the scenario's actors to the as-of date, each day the model's own
(``EscalationModel.advance``) with the day's events in place of its actors' draws
(:mod:`sim.history.effects` maps each row to what it does). What it ends with is the state on the
as-of date: :attr:`ReplayResult.start` feeds :class:`~sim.engine.model.EscalationModel` and
:func:`~sim.runs.montecarlo.simulate` (``start=``), and
:meth:`ReplayResult.to_scenario_values` gives the numbers written into the seed scenario.
:func:`project` runs the scenario forward from there. ``docs/history.md`` states every mapping
from the timeline's rows to the model's updates.

Run ``python -m sim.history`` to replay a scenario's timeline, print the starting state and the
projection table, and save ``docs/figures/history_replay.png``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.keypath import set_path
from sim.core.streams import stream
from sim.engine.model import EscalationModel, GivenAction, GivenAttack, GivenDay, start_path
from sim.history.effects import (
    _CIVILIANS,
    _SOLDIERS,
    ACTION_RUNGS,
    ISOLATED_CLASH_DEATHS,
    _applied,
    _deaths,
    _Effect,
    _effect,
    _split,
    _spread,
)
from sim.history.scenario_file import BASIS, write_start_values
from sim.history.timeline import TimelineError, load_events, scenario_as_of
from sim.scenario.schema import Scenario

__all__ = [
    "ACTION_RUNGS",
    "BASIS",
    "ISOLATED_CLASH_DEATHS",
    "ReplayResult",
    "replay",
    "start_from_history",
    "write_start_values",
]


_QUANTILES = (0.05, 0.5, 0.95)


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
            median = float(np.median(array))
            value: Any = (
                int(round(median)) if key.startswith("provocation.") else round(median, decimals)
            )
            if key.startswith("engaged."):
                value = bool(median > 0.5)
            set_path(values, start_path(key), value, create=True)
        return values


def replay(
    events: pd.DataFrame,
    scenario: Scenario,
    as_of: datetime.date | None = None,
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
        Supplies the actors, the timeline's aliases (``timeline.aliases``) and every rate
        (half-lives, growth per death and per attack, attribution, degradation, recovery,
        ceasefire cap and rung, decay). Its own starting values are not used: the replay starts
        from zero pressure, weariness, grievance and provocation, strength 1 and no ceasefire.
    as_of : datetime.date, optional
        Last day replayed; later events are ignored. Default the scenario's ``as_of``.
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
    if as_of is None:
        as_of = scenario_as_of(scenario)
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
        where = events.attrs.get("path", "the timeline")
        raise TimelineError(
            [
                f"{where}: no event of the timeline up to {as_of} involves the states or groups "
                f"of scenario "
                f"{scenario.name!r}; name them by their ids in its actor and target columns"
            ]
        )
    walker = _Walker(scenario, draws, seed)
    day = min(items)
    while day <= as_of:
        walker.day(items.get(day, []))
        walker.record(day)
        day += datetime.timedelta(1)
    result = walker.result(applied, as_of, draws, uncertainty, seed)
    result.info.update(scenario=scenario.name, events=events.attrs.get("path", ""))
    return result


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
        # Per pair: the timeline kinds of its latest day with armed rows between the two states
        # (or on a group one hosts), which open or close a mediator's channel (`opened_by`).
        self.last_kinds: dict[frozenset, frozenset] = {}
        # Per pair index: the day its ceasefire in force ends, for a truce agreed for a term.
        self.expires: dict[int, int] = {}
        self.today = 0
        self.spread: list[tuple[np.ndarray, np.ndarray]] = []
        self.columns: list[str] = []

    def day(self, today: list[tuple[_Effect, np.ndarray]]) -> None:
        """One model day with today's events as its choices (see `replay`, Notes)."""
        pairs = self.scenario.pairs
        # Only a ceasefire makes one. An agreement (a crossing reopened after talks, a flag
        # meeting, a recommitment) confirms what is in force and makes nothing: a reopening
        # taken as a ceasefire would stay in force for years (docs/history.md).
        self.today += 1
        made = [
            (p, effect.term)
            for effect, _ in today
            if effect.role == "ceasefire"
            for p, pair in enumerate(pairs)
            if {effect.actor, effect.opponent} == set(pair)
        ]
        ceasefires = frozenset(p for p, _ in made)
        # A truce agreed for a term ends when the term runs out (term_days: a 48-hour truce
        # agreed on day d ends on day d + 2), unless a new ceasefire replaces it first.
        ends = frozenset(p for p, day in self.expires.items() if day == self.today)
        for p in ends:
            del self.expires[p]
        for p, term in made:
            self.expires.pop(p, None)
            if term:
                self.expires[p] = self.today + term
        kinds: dict[frozenset, set[str]] = {}
        for effect, _ in today:
            if effect.role == "action":
                kinds.setdefault(frozenset((effect.actor, effect.opponent)), set()).add(effect.kind)
        self.last_kinds.update({pair: frozenset(k) for pair, k in kinds.items()})
        self.model.advance(
            GivenDay(
                attacks=self._attacks([(e, d) for e, d in today if e.role == "attack"]),
                actions=self._actions([(e, d) for e, d in today if e.role == "action"]),
                ceasefires=ceasefires,
                ceasefire_ends=ends - ceasefires,
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
        start = self._state()
        for mid, spec in self.scenario.mediators.items():
            if spec.opened_by:
                # Open exactly when every armed row of the pair's latest such day is of its kind.
                kinds = self.last_kinds.get(frozenset(spec.parties), frozenset())
                start[f"engaged.{mid}"] = np.full(draws, kinds == {spec.opened_by}, float)
        return ReplayResult(
            paths=paths,
            low=low,
            high=high,
            start=start,
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
        A timeline or its CSV file; default the scenario's own (``timeline.events``), checked
        against the scenario's actors and as-of date.
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
        events = load_events(events, scenario)
    result = replay(events, scenario, draws=draws, seed=seed, uncertainty=uncertainty)
    return scenario.replace(**result.ladder()), result

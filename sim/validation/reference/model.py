"""`ReferenceModel`: one replication of a scenario as a plain Mesa model.

The day runs in the engine's order (:mod:`sim.engine.model`): militants attack; states decide,
capped by
a ceasefire they comply with, then count their provocations answered; consequences of the
actions; ceasefires end (violations read by the ceasefire rule) or are brokered by mediators; the
pair's rung rises to the highest action or decays, and the outcomes are updated.
"""

from __future__ import annotations

import math
from collections import deque

import mesa

from sim.core.ladder import MAX_RUNG
from sim.scenario.schema import Scenario
from sim.validation.reference.agents import MediatorAgent, MilitantAgent, StateAgent
from sim.validation.reference.rules import Ceasefire


class ReferenceModel(mesa.Model):
    """One replication of `scenario` for `horizon` days; outcomes collected on the last day.

    Parameters
    ----------
    scenario : Scenario
        The crisis (see :func:`sim.load_scenario`); only shipped rules are supported.
    horizon : int
        Days to run, >= 1.
    rng : int, optional
        Seed of the model's random generators (Mesa's ``rng``).
    """

    def __init__(self, scenario: Scenario, horizon: int = 365, rng: int | None = None) -> None:
        super().__init__(rng=rng)
        # Mesa reserves `Model.scenario` for its own class.
        self.spec = scenario
        self.horizon = horizon
        self.day = 0
        self.ceasefire = Ceasefire(scenario.ceasefire)
        self.pairs = scenario.pairs
        self.pair_index = {}
        for p, (a, b) in enumerate(self.pairs):
            self.pair_index[a, b] = self.pair_index[b, a] = p
        self.rung = [int(scenario.start_rung)] * len(self.pairs)
        self.in_ceasefire = [bool(scenario.in_ceasefire)] * len(self.pairs)
        self.ceasefire_age = [int(scenario.ceasefire_days)] * len(self.pairs)
        self.recent = [deque(maxlen=self.ceasefire.window) for _ in self.pairs]

        self.states = {
            sid: StateAgent(self, sid, spec, [o for o in scenario.states if o != sid])
            for sid, spec in scenario.states.items()
        }
        self.hosted_by: dict[str, list[MilitantAgent]] = {sid: [] for sid in scenario.states}
        self.militants = {}
        for gid, spec in scenario.militants.items():
            host_rate = sum(
                sum(g.targets.values()) for g in scenario.militants.values() if g.host == spec.host
            )
            share = sum(spec.targets.values()) / host_rate if host_rate else 1.0
            self.militants[gid] = MilitantAgent(self, gid, spec, share)
            self.hosted_by[spec.host].append(self.militants[gid])
        self.mediators = {
            mid: MediatorAgent(self, mid, spec) for mid, spec in scenario.mediators.items()
        }

        self.max_rung = max(self.rung, default=int(scenario.start_rung))
        self.day_rung = [0.0 if k <= scenario.start_rung else math.nan for k in range(MAX_RUNG + 1)]
        self.clashes = 0
        self.battle_deaths = 0
        self.day_war = math.nan
        self.ceasefires_made = 0
        self.ceasefires_broken = 0
        self.ceasefire_days = 0
        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: (lambda m, name=name: m.outcome(name)) for name in self.outcome_names()
            }
        )

    def pair_of(self, a: str, b: str) -> int:
        """Index of the pair of states `a` and `b`."""
        return self.pair_index[a, b]

    def step(self) -> None:
        """One day, in the engine's order."""
        self.day += 1
        states = self.agents_by_type[StateAgent]
        militants = self.agents_by_type.get(MilitantAgent)
        states.do("start_day")
        if militants:
            militants.do("attack")
        states.do("decide")
        states.do("answer")
        start = list(self.rung)
        states.do("inflict")
        top_action = [
            max(self.states[a].action[b], self.states[b].action[a]) for a, b in self.pairs
        ]
        escalated = [max(r, act) for r, act in zip(start, top_action, strict=True)]
        made = self.mediate(escalated)
        self.update_rungs(start, top_action, escalated, made)
        if militants:
            militants.do("end_day")
        if self.day >= self.horizon:
            self.running = False
            self.datacollector.collect(self)

    def mediate(self, escalated: list[int]) -> list[bool]:
        """Ceasefires in force may break; free pairs may get a new one from a mediator."""
        cap = self.spec.ceasefire_cap
        free = [not cf for cf in self.in_ceasefire]
        for p, (a, b) in enumerate(self.pairs):
            if not self.in_ceasefire[p]:
                continue
            violations = (self.states[a].action[b] > cap) + (self.states[b].action[a] > cap)
            self.recent[p].append(violations)
            if self.ceasefire.ends(
                self.ceasefire_age[p], violations, list(self.recent[p]), self.random
            ):
                self.in_ceasefire[p] = False
                self.ceasefires_broken += 1
        made = [False] * len(self.pairs)
        for mediator in self.mediators.values():
            p = mediator.pair
            if mediator.mediate(escalated[p], free[p]):
                made[p] = True
        for p, (a, b) in enumerate(self.pairs):
            if made[p]:
                self.in_ceasefire[p] = True
                self.ceasefire_age[p] = 0
                self.recent[p].clear()
                self.ceasefires_made += 1
                # A new ceasefire settles the scores between the two.
                for x, y in ((a, b), (b, a)):
                    self.states[x].provocation[y] = 0
                    self.states[x].harm[y] = 0.0
            elif self.in_ceasefire[p]:
                self.ceasefire_age[p] += 1
            self.ceasefire_days += self.in_ceasefire[p]
        return made

    def update_rungs(
        self, start: list[int], top_action: list[int], escalated: list[int], made: list[bool]
    ) -> None:
        """Rungs rise to the highest action, fall with a new ceasefire, or decay unanswered."""
        spec = self.spec
        for p in range(len(self.pairs)):
            if made[p]:
                self.rung[p] = min(escalated[p], spec.ceasefire_rung)
            elif (
                top_action[p] < start[p] and escalated[p] > 0 and self.random.random() < spec.decay
            ):
                self.rung[p] = escalated[p] - 1
            else:
                self.rung[p] = escalated[p]
        top = max(escalated, default=0)
        for k in range(int(spec.start_rung) + 1, top + 1):
            if math.isnan(self.day_rung[k]):
                self.day_rung[k] = float(self.day)
        self.max_rung = max(self.max_rung, top)
        if self.battle_deaths >= spec.war_deaths and math.isnan(self.day_war):
            self.day_war = float(self.day)

    def outcome_names(self) -> list[str]:
        """Outcome columns, named and ordered as the engine's (``docs/outcomes.md``)."""
        names = ["max_rung", *(f"day_rung_{k}" for k in range(MAX_RUNG + 1))]
        for sid in self.states:
            names += [f"military_deaths_{sid}", f"civilian_deaths_{sid}"]
        for gid in self.militants:
            names += [f"militant_deaths_{gid}", f"attacks_{gid}"]
        names += [f"strikes_{sid}" for sid in self.states]
        return names + [
            "clashes",
            "ceasefires_made",
            "ceasefires_broken",
            "ceasefire_days",
            "battle_deaths",
            "war",
            "day_war",
        ]

    def outcome(self, name: str) -> float | int | bool:
        """Return the current value of outcome column `name`."""
        if name.startswith("day_rung_"):
            return self.day_rung[int(name.removeprefix("day_rung_"))]
        if name == "war":
            return self.battle_deaths >= self.spec.war_deaths
        for prefix, attribute in (
            ("military_deaths_", "military_deaths"),
            ("civilian_deaths_", "civilian_deaths"),
            ("strikes_", "strikes"),
        ):
            if name.startswith(prefix) and name.removeprefix(prefix) in self.states:
                return getattr(self.states[name.removeprefix(prefix)], attribute)
        for prefix, attribute in (("militant_deaths_", "fighters_killed"), ("attacks_", "attacks")):
            if name.startswith(prefix) and name.removeprefix(prefix) in self.militants:
                return getattr(self.militants[name.removeprefix(prefix)], attribute)
        return getattr(self, name)

"""The interactive page: Mesa's SolaraViz on one replication (R = 1) of the February 2026 crisis.

Start it from the repository root (Solara's telemetry switched off)::

    SOLARA_TELEMETRY_MIXPANEL_ENABLE=False .venv/bin/solara run sim/viz.py

and open http://localhost:8765. The sidebar holds the levers (Pakistan's retaliation rule, its
chance of acting and pressure threshold, Qatar's leverage, the TTP's attack tempo, the seed);
*Reset* builds a new model from them, *Step* advances one day, the play button runs on to the
horizon. The page shows the rung over time (:func:`sim.plots.timeline`) and the latest events.

Nothing runs on import: Solara calls :func:`Page` for each browser session.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import solara
from mesa.visualization import SolaraViz

from sim import plots
from sim.core.ladder import RUNG_NAMES
from sim.engine.model import EscalationModel
from sim.rules import rule_name
from sim.rules.retaliation import RETALIATION_RULES
from sim.scenario.loading import load_scenario, scenario_from_dict
from sim.scenario.schema import Scenario

SCENARIO = "pak_afg_2026"
# The actors the levers act on, by their ids in the scenario.
STATE, MEDIATOR, GROUP = "pakistan", "qatar", "ttp"
# Rules a user can pick; the constant-probability rule exists for validation only.
RULE_CHOICES = tuple(name for name in RETALIATION_RULES if name != "constant_probability")
HORIZON = 365
MAJOR_ATTACK_DEATHS = 10
EVENTS_SHOWN = 15


def lever_scenario(
    base: Scenario,
    retaliation: str | None = None,
    p_act: float | None = None,
    level: float | None = None,
    leverage: float | None = None,
    ttp_tempo: float | None = None,
) -> Scenario:
    """Apply the page's levers to a scenario; None keeps the scenario's own value.

    Parameters
    ----------
    base : Scenario
        The seed scenario (it must hold the actors `STATE`, `MEDIATOR` and `GROUP`).
    retaliation : str, optional
        Short name of Pakistan's retaliation rule (one of `RULE_CHOICES`). A rule keeps the
        parameters it shares with the scenario's rule.
    p_act : float, optional
        Chance per day that Pakistan answers an unanswered provocation, in [0, 1]; used by the
        rules that have it.
    level : float, optional
        Pressure above which Pakistan may act, >= 0; used by the threshold rule.
    leverage : float, optional
        Qatar's leverage, in [0, 1].
    ttp_tempo : float, optional
        TTP attacks per day on Pakistan at full strength, >= 0.

    Returns
    -------
    Scenario
        Checked like any loaded scenario (a bad value raises ``ConfigError``).
    """
    data = base.to_dict()
    rule = dict(data["states"][STATE]["retaliation"])
    name = retaliation or rule.get("name")
    fields = {f.name for f in dataclasses.fields(RETALIATION_RULES[name])}
    new_rule: dict[str, Any] = {"name": name}
    new_rule.update({k: v for k, v in rule.items() if k in fields})
    for key, value in (("p_act", p_act), ("level", level)):
        if value is not None and key in fields:
            new_rule[key] = value
    data["states"][STATE]["retaliation"] = new_rule
    if leverage is not None:
        data["mediators"][MEDIATOR]["leverage"] = leverage
    if ttp_tempo is not None:
        data["militants"][GROUP]["targets"][STATE] = ttp_tempo
    return scenario_from_dict(data)


class CrisisModel(EscalationModel):
    """One replication of the seed scenario with the page's levers as keyword arguments.

    SolaraViz rebuilds the model from keyword arguments named like its sliders; this subclass
    takes those, applies them with :func:`lever_scenario` and records events and the trajectory.
    It stops (``running = False``) at `horizon`.

    Parameters
    ----------
    retaliation, p_act, level, leverage, ttp_tempo
        The levers, as in :func:`lever_scenario`; None keeps the scenario's value.
    seed : int
        The run's seed, >= 0.
    horizon : int
        Last day, >= 1.
    """

    def __init__(
        self,
        retaliation: str | None = None,
        p_act: float | None = None,
        level: float | None = None,
        leverage: float | None = None,
        ttp_tempo: float | None = None,
        seed: int = 7,
        horizon: int = HORIZON,
    ) -> None:
        scenario = lever_scenario(
            load_scenario(SCENARIO), retaliation, p_act, level, leverage, ttp_tempo
        )
        super().__init__(
            scenario, replications=1, seed=seed, record_events=True, record_trajectory=True
        )
        self.horizon = horizon

    def step(self) -> None:
        """Advance one day; stop at the horizon."""
        super().step()
        self.running = self.day < self.horizon


def model_params(scenario: Scenario) -> dict[str, Any]:
    """SolaraViz's ``model_params``: one input per lever, starting at the scenario's values.

    Parameters
    ----------
    scenario : Scenario
        The seed scenario.

    Returns
    -------
    dict
        Input descriptions keyed by :class:`CrisisModel` argument.
    """
    rule = scenario.states[STATE].retaliation
    state = scenario.states[STATE].name
    return {
        "retaliation": {
            "type": "Select",
            "value": rule_name(rule),
            "values": list(RULE_CHOICES),
            "label": f"{state}'s retaliation rule",
        },
        "p_act": {
            "type": "SliderFloat",
            "value": float(getattr(rule, "p_act", 0.5)),
            "min": 0.0,
            "max": 1.0,
            "step": 0.01,
            "label": f"{state}: answers, chance/day",
        },
        "level": {
            "type": "SliderFloat",
            "value": float(getattr(rule, "level", 1.0)),
            "min": 0.0,
            "max": 3.0,
            "step": 0.1,
            "label": f"{state}: pressure threshold",
        },
        "leverage": {
            "type": "SliderFloat",
            "value": scenario.mediators[MEDIATOR].leverage,
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
            "label": f"{scenario.mediators[MEDIATOR].name}'s leverage",
        },
        "ttp_tempo": {
            "type": "SliderFloat",
            "value": scenario.militants[GROUP].targets[STATE],
            "min": 0.0,
            "max": 4.0,
            "step": 0.01,
            "label": f"{GROUP.upper()} attacks/day",
        },
        "seed": {"type": "SliderInt", "value": 7, "min": 0, "max": 99, "step": 1, "label": "seed"},
        "horizon": HORIZON,
    }


def latest_events(model: EscalationModel, last: int = EVENTS_SHOWN) -> pd.DataFrame:
    """List the model's most recent events in words, newest first.

    States' actions and ceasefire events are kept, militant attacks only when they kill at least
    `MAJOR_ATTACK_DEATHS` in a day (the rest would flood the list).

    Parameters
    ----------
    model : EscalationModel
        A model recording events.
    last : int
        Rows kept.

    Returns
    -------
    pd.DataFrame
        Columns ``date, who, what, against, rung, killed``.
    """
    events = model.events()
    keep = (events["kind"] != "attack") | (events["killed"] >= MAJOR_ATTACK_DEATHS)
    names = {key: spec.name for key, spec in {**model.spec.states, **model.spec.militants}.items()}
    table = plots.describe_events(events[keep], model.spec.as_of, names)
    return table.iloc[::-1].head(last)[["date", "who", "what", "against", "rung", "killed"]]


def status(model: EscalationModel) -> str:
    """Say in one line where the run stands today."""
    rung = int(model.rung.max())
    date = pd.Timestamp(model.spec.as_of) + pd.Timedelta(days=model.day)
    ceasefire = "a ceasefire in force" if model.in_ceasefire.any() else "no ceasefire"
    deaths = int(model.battle_deaths[0])
    return (
        f"Day {model.day} ({date:%-d %b %Y}): rung {rung}, {RUNG_NAMES[rung]}; {ceasefire}; "
        f"battle deaths so far {deaths:,}."
    )


def RungTimeline(model: EscalationModel) -> solara.Element:
    """Draw the rung over time, with strikes, clashes, ceasefires and militant attacks."""
    figure = plots.timeline(model, replication=model.first_replication, figsize=(7.5, 5.5))
    return solara.FigureMatplotlib(figure, format="png", dpi=80)


def EventList(model: EscalationModel) -> solara.Element:
    """Show today's status and the latest events, newest first."""
    table = latest_events(model)
    lines = [f"**{status(model)}**", ""]
    if table.empty:
        lines.append("No event yet: press Step.")
    else:
        lines += [" | ".join(table.columns), " | ".join("---" for _ in table.columns)]
        lines += [" | ".join(str(v) for v in row) for row in table.itertuples(index=False)]
    return solara.Markdown("\n".join(lines))


@solara.component
def Page() -> None:
    """Serve SolaraViz with the levers, the timeline and the event list (one per session)."""
    scenario = solara.use_memo(lambda: load_scenario(SCENARIO), [])
    model = solara.use_memo(CrisisModel, [])
    SolaraViz(
        model,
        components=[RungTimeline, EventList],
        model_params=model_params(scenario),
        name="Pakistan–Afghanistan, February 2026: one simulated path",
    )

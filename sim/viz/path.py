"""The single-path viewer's model: one recorded replication of a scenario under one policy.

The page's second tab steps it day by day (or plays it in frames of several days) and draws the
rung over time with :func:`sim.plots.timeline` and the latest events. It is replication 0 of the
chosen seed, so the path is one of the replications the comparison tab counts under that seed.

No Solara here: the model and its captions are tested and used without a browser.
"""

from __future__ import annotations

import math

import pandas as pd

from sim import plots
from sim.core.ladder import RUNG_NAMES
from sim.engine.model import EscalationModel
from sim.scenario.loading import load_scenario
from sim.viz.levers import Policy, apply_policy

__all__ = [
    "EVENTS_SHOWN",
    "MAJOR_ATTACK_DEATHS",
    "latest_events",
    "path_model",
    "play_target",
    "status",
]

MAJOR_ATTACK_DEATHS = 10
EVENTS_SHOWN = 15


def path_model(scenario: str, actor: str, policy: Policy, seed: int) -> EscalationModel:
    """One replication (R = 1) of `scenario` under `policy`, recording its events and trajectory.

    Parameters
    ----------
    scenario : str
        A shipped scenario's name.
    actor : str
        Id of the state the policy's rule is for.
    policy : Policy
        The levers.
    seed : int
        The run's seed, >= 0.
    """
    spec = apply_policy(load_scenario(scenario), actor, policy)
    return EscalationModel(
        spec, replications=1, seed=seed, record_events=True, record_trajectory=True
    )


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


def play_target(start: int, elapsed: float, seconds: float, horizon: int) -> int:
    """The day a path playing since day `start` should have reached after `elapsed` seconds.

    Play advances at a steady pace, ``horizon - start`` days in `seconds`, and draws the path
    whenever a drawing is done: a slow drawing means fewer, longer frames, never a slower year.

    Parameters
    ----------
    start : int
        Day the play began.
    elapsed : float
        Seconds since it began, >= 0.
    seconds : float
        Seconds to reach `horizon`, > 0.
    horizon : int
        Last day.

    Returns
    -------
    int
        In [start, horizon].
    """
    pace = (horizon - start) / seconds
    return min(horizon, start + math.ceil(elapsed * pace))

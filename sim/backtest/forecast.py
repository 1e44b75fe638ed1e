"""Forecasts of past episodes: replay the record up to the trigger, apply it, simulate 30 days.

For each episode of a library (:func:`sim.history.episodes.load_episodes`) the model is asked what a
forecaster holding it on the trigger day would have said:

1. the timeline is replayed (:func:`sim.history.replay`, the model's own updates) through every
   row dated strictly before the trigger; rows on or after the trigger day are dropped;
2. the trigger is applied on day 0 as the striking side's action against the scored side
   (:func:`trigger_rows`), through the same replay, so the scored side starts provoked;
3. the scenario's parameters run `WINDOW_DAYS` days on from that state, and the scored side's
   own actions toward the striking side give its highest rung within 7 and within 30 days; a
   ceasefire made between the two within 30 days is the pause.

The model's day lets a state answer a provocation the day after at the earliest (it decides on
yesterday's provocation), while the coding counts a same-day answer as day 0. Model day ``d``
therefore stands for record day ``d - 1``: "within 7 days" (record days 0..7) is model days 1..8.
``docs/backtest.md`` states every choice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.core.ladder import MAX_RUNG
from sim.history import ACTION_RUNGS, replay
from sim.runs.montecarlo import simulate
from sim.scenario.posterior import CELL, Posterior
from sim.scenario.schema import Scenario

__all__ = [
    "ARMED_RUNG",
    "CATEGORIES",
    "THRESHOLDS",
    "WINDOW_DAYS",
    "EpisodeForecast",
    "binary_probability",
    "episode_start",
    "forecast_episode",
    "trigger_rows",
]

WINDOW_DAYS = (7, 30)
"""The outcome windows of the coding rule, in calendar days after the trigger (docs/backtest.md)."""

ARMED_RUNG = 3
"""An armed response is rung 3 or more (the coding rule)."""

CATEGORIES = tuple(range(MAX_RUNG + 1))
"""The ordered outcome categories: the scored side's highest rung, 0..5."""

THRESHOLDS = {"armed": ARMED_RUNG, "rung4": 4}
"""The rung each binary outcome's name stands for: armed response (3), interstate clashes (4)."""

_LAG = 1  # model day d stands for record day d - 1 (module docstring)
_ARMED_KINDS = ("strike", "clash")


@dataclass(frozen=True)
class EpisodeForecast:
    """The model's forecast of one coding of one episode, from R replications.

    Parameters
    ----------
    episode_id, coding : str
        The episode and the account it follows (``a``, ``b``, ...).
    striking_side, scored_side : str
        Who made the trigger, and whose response is forecast.
    trigger_date : datetime.date
        Day 0.
    rung_7d, rung_30d : ndarray
        Probability of each highest rung 0..5 of the scored side within 7 and 30 days, shape (6,).
    ceasefire_30d : float
        Probability of a ceasefire made between the two states within 30 days.
    current_rung : int
        The pair's rung on the day before the trigger (the replay's mean rung over its draws,
        rounded): the persistence baseline.
    in_ceasefire : bool
        Whether the replay had the pair under a ceasefire on the trigger day.
    replications : int
        R.
    trigger : str
        What was applied as the trigger (kinds and rungs of the rows, or how it was built).
    info : dict
        ``start_rung``, ``trigger_rung``, and ``clashes_7d_then_ceasefire_30d``: the probability
        that the scored side reaches rung 4 within 7 days and a ceasefire is made within 30.
    """

    episode_id: str
    coding: str
    striking_side: str
    scored_side: str
    trigger_date: datetime.date
    rung_7d: np.ndarray
    rung_30d: np.ndarray
    ceasefire_30d: float
    current_rung: int
    in_ceasefire: bool
    replications: int
    trigger: str = ""
    info: dict[str, Any] = field(default_factory=dict, repr=False)

    def probability(self, outcome: str) -> float:
        """P(outcome) for a binary outcome name of :data:`sim.backtest.scores.BINARY`."""
        return binary_probability(self.rung_7d, self.rung_30d, self.ceasefire_30d, outcome)


def binary_probability(
    rung_7d: np.ndarray, rung_30d: np.ndarray, ceasefire_30d: float, outcome: str
) -> float:
    """P(outcome) implied by a forecaster's rung distributions and ceasefire probability.

    Parameters
    ----------
    rung_7d, rung_30d : ndarray
        Probabilities of the highest rung 0..5, shape (6,).
    ceasefire_30d : float
        P(ceasefire or pause within 30 days).
    outcome : str
        ``armed_7d``, ``rung4_7d``, ``armed_30d``, ``rung4_30d`` (the scored side reaches rung 3,
        or 4, within 7 or 30 days) or ``ceasefire_30d``.

    Returns
    -------
    float
    """
    if outcome == "ceasefire_30d":
        return float(ceasefire_30d)
    try:
        what, window = outcome.split("_")
        rungs = {"7d": rung_7d, "30d": rung_30d}[window]
        return float(np.sum(rungs[THRESHOLDS[what] :]))
    except (KeyError, ValueError):
        raise ValueError(
            f"unknown outcome {outcome!r}; one of armed_7d, rung4_7d, armed_30d, rung4_30d, "
            "ceasefire_30d"
        ) from None


def trigger_rows(
    events: pd.DataFrame, scenario: Scenario, date: datetime.date, striking: str, scored: str
) -> tuple[pd.DataFrame, str]:
    """The timeline rows that make an episode's trigger, applied on day 0.

    The trigger is the striking side's armed action of the trigger day (``strike`` or
    ``clash`` rows whose actor is the striking side and whose target is the scored side or a
    group it hosts). Where the timeline's rows of that day follow the other account (the
    striking side has no armed row: a coding ``b`` in which the sides swap), the trigger is the
    scored side's armed row of that day with the sides swapped and no deaths: in the timeline a
    row's deaths are those its actor caused.

    Parameters
    ----------
    events : DataFrame
        The timeline (:func:`sim.history.timeline.load_events`).
    scenario : Scenario
        Supplies the states and which groups each hosts.
    date : datetime.date
        The trigger day.
    striking, scored : str
        The states.

    Returns
    -------
    (DataFrame, str)
        The rows, and a short description of what was applied.

    Raises
    ------
    ValueError
        If neither side has an armed row against the other on that day.
    """
    today = events[events["date"].dt.date == date]
    hosted = {g for g, spec in scenario.militants.items() if spec.host == scored}
    aliases = {alias for alias, group in scenario.timeline.aliases.items() if group in hosted}
    targets = {scored, *hosted, *aliases, "militants"}
    armed = today["kind"].isin(_ARMED_KINDS)
    own = today[armed & (today["actor"] == striking) & today["target"].isin(targets)]
    if not own.empty:
        kinds = ", ".join(f"{r.kind} on {r.target}" for r in own.itertuples())
        return own, f"{striking}: {kinds}"
    other = today[armed & (today["actor"] == scored) & (today["target"] == striking)]
    if other.empty:
        raise ValueError(
            f"no armed row of {striking} against {scored} (or the reverse) on {date} in the "
            "timeline: add the trigger's row to the timeline"
        )
    swapped = other.head(1).copy()
    swapped["actor"], swapped["target"] = striking, scored
    swapped[["killed_low", "killed_best", "killed_high", "killed_group"]] = np.nan
    kind = swapped["kind"].iloc[0]
    return swapped, f"{striking}: {kind} (the other account's row, sides swapped, no deaths)"


LADDER_DRAWS = 1001
"""Draws of the replay before each episode: its rung decays at random, as in the model, so the
ladder an episode starts from is the median over many draws (odd: no ties), not one draw's."""


def episode_start(
    events: pd.DataFrame, scenario: Scenario, date: datetime.date, striking: str, scored: str
) -> tuple[Scenario, dict[str, np.ndarray], dict[str, Any]]:
    """Replay the record strictly before `date`, then the trigger, and return the starting state.

    Parameters
    ----------
    events, scenario, date, striking, scored
        As in :func:`trigger_rows`.

    Returns
    -------
    (Scenario, dict, dict)
        The scenario with the replayed ladder (rung, ceasefire and its age), the replayed
        ``start`` values, and facts about the start: ``current_rung`` (the pair's rung the day
        before), ``in_ceasefire``, ``trigger``.
    """
    rows, described = trigger_rows(events, scenario, date, striking, scored)
    before = events[events["date"].dt.date < date]
    history = replay(
        pd.concat([before, rows], ignore_index=True), scenario, as_of=date, draws=LADDER_DRAWS
    )
    pair = next(p for p in scenario.pairs if set(p) == {striking, scored})
    column = f"rung_{pair[0]}_{pair[1]}"
    yesterday = history.paths[history.paths["date"].dt.date < date]
    current = int(np.floor(yesterday[column].iloc[-1] + 0.5)) if len(yesterday) else 0
    ladder = history.ladder()
    facts = {
        "current_rung": current,
        "in_ceasefire": bool(ladder["in_ceasefire"]),
        "trigger": described,
        "trigger_rung": int(max(ACTION_RUNGS.get(k, 0) for k in rows["kind"])),
    }
    # The draws differ only in the rung's decay: every starting value is the same in each.
    start = {key: values[:1] for key, values in history.start.items()}
    return scenario.replace(**ladder), start, facts


def forecast_episode(
    scenario: Scenario,
    events: pd.DataFrame,
    episode: Any,
    replications: int = 2000,
    seed: int = 0,
    posterior: Posterior | None = None,
    posterior_cell: int = CELL,
) -> EpisodeForecast:
    """The model's forecast of one episode coding.

    Parameters
    ----------
    scenario : Scenario
        The parameters (its own starting values are replaced by the replay's).
    events : DataFrame
        The timeline.
    episode : row
        A row of :func:`sim.history.episodes.load_episodes` (attributes ``episode_id``, ``coding``,
        ``trigger_date``, ``striking_side``, ``scored_side``).
    replications : int
        R, >= 1.
    seed : int
        The run's seed; every episode uses the same seed (common random numbers).
    posterior : Posterior, optional
        Parameter draws the replications are spread over (``docs/posterior.md``): the forecast
        is then posterior-predictive. The episode's replay uses the scenario's point values.
    posterior_cell : int
        Consecutive replications sharing a draw.

    Returns
    -------
    EpisodeForecast
    """
    date = pd.Timestamp(episode.trigger_date).date()
    striking, scored = episode.striking_side, episode.scored_side
    for side in (striking, scored):
        if side not in scenario.states:
            raise ValueError(
                f"episode {episode.episode_id}: {side!r} is not a state of scenario "
                f"{scenario.name!r} ({', '.join(scenario.states)})"
            )
    start_scenario, start, facts = episode_start(events, scenario, date, striking, scored)
    week, month = (w + _LAG for w in WINDOW_DAYS)
    run = simulate(
        start_scenario,
        replications=replications,
        horizon=month,
        seed=seed,
        record_events=True,
        record_trajectory=False,
        start=start,
        progress=False,
        posterior=posterior,
        posterior_cell=posterior_cell,
    )
    log = run.events
    acts = log[(log["actor"] == scored) & (log["target"] == striking) & (log["rung"] > 0)]
    pair = {f"{striking}-{scored}", f"{scored}-{striking}"}
    made = log[(log["kind"] == "ceasefire_made") & log["actor"].isin(pair)]
    return EpisodeForecast(
        episode_id=episode.episode_id,
        coding=episode.coding,
        striking_side=striking,
        scored_side=scored,
        trigger_date=date,
        rung_7d=_highest_rung_shares(acts, week, replications),
        rung_30d=_highest_rung_shares(acts, month, replications),
        ceasefire_30d=made.loc[made["day"] <= month, "replication"].nunique() / replications,
        current_rung=facts["current_rung"],
        in_ceasefire=facts["in_ceasefire"],
        replications=replications,
        trigger=facts["trigger"],
        info={
            "start_rung": start_scenario.start_rung,
            "trigger_rung": facts["trigger_rung"],
            "clashes_7d_then_ceasefire_30d": _clash_then_ceasefire(
                acts, made, week, month, replications
            ),
        },
    )


def _clash_then_ceasefire(
    acts: pd.DataFrame, made: pd.DataFrame, week: int, month: int, replications: int
) -> float:
    """Share of replications with clashes (rung >= 4) in the week and a ceasefire in the month."""
    clashed = set(acts.loc[(acts["day"] <= week) & (acts["rung"] >= 4), "replication"])
    settled = set(made.loc[made["day"] <= month, "replication"])
    return len(clashed & settled) / replications


def _highest_rung_shares(acts: pd.DataFrame, within: int, replications: int) -> np.ndarray:
    """Share of replications whose highest rung by model day `within` is each of 0..5."""
    highest = np.zeros(replications, np.int64)
    window = acts[acts["day"] <= within]
    if len(window):
        top = window.groupby("replication")["rung"].max()
        highest[top.index.to_numpy()] = top.to_numpy()
    return np.bincount(highest, minlength=len(CATEGORIES)) / replications

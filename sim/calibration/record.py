"""Episode records: the library's outcomes, and the same record simulated with a parameter set.

A calibration compares the episode library (``seeds/episodes.csv``, ``docs/backtest.md``) with
records the model makes. The record of one coding set holds, for each episode with a known
outcome, the scored side's highest rung within 7 and within 30 days and whether a ceasefire was
made within 30 days. :func:`simulate_record` makes such a record: every episode starts where the
back-test starts it (:func:`sim.backtest.episode_start`: the timeline replayed strictly before the
trigger, then the trigger), and the model runs the 30-day window with the parameters given.
One *copy* of the record is one replication of every episode, so a simulated record has the
size and the noise of the real one.

The replays are made once (:class:`EpisodeStarts`): they use the model's updates of pressure,
grievance, harm, decay and the militants, never a retaliation or ceasefire rule (the record says
what the states did), so a parameter set that changes only rules (the default calibration's)
reuses them. A parameter set that changes anything else is replayed again, episode by episode.

All episodes that start from the same ladder (rung, ceasefire in force and its age) run as one
vectorised model, one replication per episode and copy, so a record costs a few model runs.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.backtest.forecast import WINDOW_DAYS, episode_start
from sim.backtest.scores import coding_set
from sim.core.keypath import get_path, set_path
from sim.engine.model import EscalationModel
from sim.scenario.loading import scenario_from_dict
from sim.scenario.schema import Scenario

__all__ = [
    "RECORD_COLUMNS",
    "EpisodeStarts",
    "library_record",
    "replay_key",
    "set_values",
    "simulate_record",
    "with_values",
]

RECORD_COLUMNS = ("rung_7d", "rung_30d", "ceasefire_30d")
"""The coded outcomes of a record: highest rungs 0..5 within 7 and 30 days, ceasefire 0/1."""

_LAG = 1  # model day d stands for record day d - 1 (sim.backtest.forecast)
_WEEK, _MONTH = (w + _LAG for w in WINDOW_DAYS)


def library_record(episodes: pd.DataFrame, coding: str = "a") -> pd.DataFrame:
    """The coded record of one coding set: one row per episode with a known outcome.

    Parameters
    ----------
    episodes : DataFrame
        The library (:func:`sim.history.episodes.load_episodes`).
    coding : str
        ``a``: every episode's first account; ``b``: the second account where the sources
        disagree, else the first (as the back-test scores them).

    Returns
    -------
    DataFrame
        ``episode_id``, ``coding``, ``trigger_date``, ``striking_side``, ``scored_side``,
        ``rung_7d``, ``rung_30d`` (ints) and ``ceasefire_30d`` (1.0, 0.0, or NaN where the
        sources do not say).
    """
    known = episodes[episodes["outcome_known"].astype(bool)]
    rows = coding_set(known, coding).sort_values(["trigger_date", "episode_id"])
    out = rows[["episode_id", "coding", "trigger_date", "striking_side", "scored_side"]].copy()
    out["rung_7d"] = rows["rung_7d"].astype(int).to_numpy()
    out["rung_30d"] = rows["rung_30d"].astype(int).to_numpy()
    out["ceasefire_30d"] = [np.nan if pd.isna(v) else float(bool(v)) for v in rows["ceasefire_30d"]]
    return out.reset_index(drop=True)


def with_values(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """A copy of `scenario` with each dotted key path set to its value, checked like a loaded one.

    A path names a number as the scenario's ``priors:`` do (``decay``,
    ``states.pakistan.retaliation.p_act``, ``states.pakistan.inflicted.military.4``); a parameter
    with an ``integer`` prior is rounded to the nearest whole number.
    """
    integers = {path for path, prior in scenario.priors.items() if prior.dist == "integer"}
    return scenario_from_dict(set_values(scenario.to_dict(), values, integers))


def set_values(data: dict, values: Mapping[str, float], integers: set[str] = frozenset()) -> dict:
    """A deep copy of a scenario's plain data with each dotted key path set to its value.

    Paths in `integers` (and numbers that are whole already) are rounded to whole numbers.
    """
    data = copy.deepcopy(data)
    for path, value in values.items():
        old = get_path(data, path)
        whole = path in integers or (isinstance(old, int) and not isinstance(old, bool))
        set_path(data, path, int(round(float(value))) if whole else float(value))
    return data


def replay_key(scenario: Scenario) -> str:
    """A digest of everything in `scenario` the replay reads.

    All but the rules, the priors and the mediators' attempt rates.
    """
    data = scenario.to_dict()
    data.pop("priors", None)
    data.pop("ceasefire", None)
    for state in data.get("states", {}).values():
        state.pop("retaliation", None)
    for mediator in data.get("mediators", {}).values():
        # The replay's days are given: no mediator attempts there (only `opened_by` is read).
        mediator.pop("attempt_rate", None)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Start:
    ladder: tuple[int, bool, int]  # start_rung, in_ceasefire, ceasefire_days
    start: dict[str, np.ndarray]


class EpisodeStarts:
    """The starting state of every episode of a record, replayed once per replay-relevant scenario.

    Parameters
    ----------
    record : DataFrame
        From :func:`library_record` (its ``trigger_date``, ``striking_side``, ``scored_side``).
    events : DataFrame
        The timeline (:func:`sim.history.timeline.load_events`).
    """

    def __init__(self, record: pd.DataFrame, events: pd.DataFrame) -> None:
        self.record = record.reset_index(drop=True)
        self.events = events
        self._cache: dict[str, list[_Start]] = {}

    def __len__(self) -> int:
        return len(self.record)

    def starts(self, scenario: Scenario) -> list[_Start]:
        """Each episode's ladder and replayed start values under `scenario` (cached)."""
        key = replay_key(scenario)
        if key not in self._cache:
            out = []
            for row in self.record.itertuples(index=False):
                date = pd.Timestamp(row.trigger_date).date()
                assert isinstance(date, datetime.date)
                scen, start, _ = episode_start(
                    self.events, scenario, date, row.striking_side, row.scored_side
                )
                ladder = (int(scen.start_rung), bool(scen.in_ceasefire), int(scen.ceasefire_days))
                out.append(_Start(ladder, {k: np.asarray(v) for k, v in start.items()}))
            if len(self._cache) > 64:  # a calibration of replayed parameters: bound the memory
                self._cache.clear()
            self._cache[key] = out
        return self._cache[key]


def simulate_record(
    scenario: Scenario,
    starts: EpisodeStarts,
    seed: int = 0,
    copies: int = 1,
    engine: str = "numpy",
) -> pd.DataFrame:
    """Simulate `copies` records of the episodes of `starts` with the parameters of `scenario`.

    Parameters
    ----------
    scenario : Scenario
        The parameters (its starting values are replaced by each episode's replay).
    starts : EpisodeStarts
        The episodes and their replayed starts.
    seed : int
        The seed; the same seed, scenario and episodes give the same record.
    copies : int
        Independent replications of the whole record, >= 1.
    engine : {"numpy", "compiled"}
        How the model advances its days (:class:`~sim.engine.model.EscalationModel`): the
        compiled day runs a record several times faster (no Python per day), for the built-in
        rules; the two give the same record but where a library function rounds differently in
        the last bit.

    Returns
    -------
    DataFrame
        One row per (copy, episode): ``copy``, ``episode`` (row of ``starts.record``), and the
        columns of :data:`RECORD_COLUMNS` (``ceasefire_30d`` as 0.0 / 1.0).
    """
    if copies < 1:
        raise ValueError(f"copies must be >= 1, got {copies}")
    record = starts.record
    week, month, made = _run(scenario, starts.starts(scenario), record, copies, seed, engine)
    n = len(record)
    return pd.DataFrame(
        {
            "copy": np.repeat(np.arange(copies), n),
            "episode": np.tile(np.arange(n), copies),
            "rung_7d": week.ravel(),
            "rung_30d": month.ravel(),
            "ceasefire_30d": made.ravel().astype(float),
        }
    )


def _run(
    scenario: Scenario,
    group: list[_Start],
    rows: pd.DataFrame,
    copies: int,
    seed: int,
    engine: str = "numpy",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run every episode in one model: replication ``c * m + j`` is copy c of episode j."""
    m = len(group)
    R = copies * m
    keys = sorted({k for s in group for k in s.start})
    start = {}
    for key in keys:
        column = np.empty(R)
        for j, s in enumerate(group):
            values = s.start[key]
            column[j::m] = values[np.arange(copies) % len(values)]
        start[key] = column
    model = EscalationModel(scenario, replications=R, seed=seed, start=start, engine=engine)
    # Each episode starts from its own ladder: the model's ladder arrays, set per replication (the
    # agents read these arrays; the scenario's start_rung only labels the outcome table, unused).
    ladder = np.array([s.ladder for s in group] * copies, dtype=np.int64)
    model.rung[:] = ladder[:, 0]
    model.in_ceasefire[:] = ladder[:, 1].astype(bool)
    model.ceasefire_age[:] = ladder[:, 2]
    scored = np.tile(rows["scored_side"].to_numpy(), copies)
    striking = np.tile(rows["striking_side"].to_numpy(), copies)
    pair_of = np.array([model.pair_index[a, b] for a, b in zip(scored, striking, strict=True)])
    columns = np.arange(R)

    def highest() -> np.ndarray:
        # The highest rung the striking side acted at toward the scored side since day 1.
        out = np.zeros(R, np.int64)
        for a, b in set(zip(scored, striking, strict=True)):
            mask = (scored == a) & (striking == b)
            out[mask] = model.states[a].highest[b][mask]
        return out

    model.run(_WEEK)
    week = highest()
    model.run(_MONTH - _WEEK)
    made = model.pair_ceasefires_made[pair_of, columns] > 0
    return week.reshape((copies, m)), highest().reshape((copies, m)), made.reshape((copies, m))

"""A mediator's channel: open or closed per replication, and opened by the kind of the fighting.

A mediator whose ``engaged`` starting value is false never attempts, on the NumPy day, the
compiled day and in the Mesa reference; the replay opens a channel with ``opened_by: clash``
exactly when the pair's latest armed rows are clashes between the two states' forces (not a
strike on militants). The default (engaged, no ``opened_by``) is the model as it was: the outcome
hashes (tests/statistical/test_outcome_hashes.py) hold that.
"""

from __future__ import annotations

import datetime

import numpy as np
import pytest

import sim
from sim.backtest.forecast import episode_start
from sim.calibration.record import EpisodeStarts, library_record, simulate_record
from sim.core.errors import ConfigError
from sim.engine.model import EscalationModel
from sim.history.episodes import load_episodes
from sim.history.timeline import load_events
from sim.validation.reference import run_reference

BORDER = {
    "name": "Border commanders",
    "parties": ["pakistan", "afghanistan"],
    "leverage": 0.2,
    "trust": {"pakistan": 0.5, "afghanistan": 0.5},
    "engage_rung": 3,
    "attempt_rate": 0.1,
    "opened_by": "clash",
}


def _with_border(scenario, **changes):
    """The scenario with a border channel (`changes` to its fields), other mediators kept."""
    data = scenario.to_dict()
    data["mediators"] = {**data["mediators"], "border": {**BORDER, **changes}}
    return sim.scenario.scenario_from_dict(data)


def _only_border(scenario, engaged: bool, rate: float = 0.5):
    """The scenario with the border channel alone, at rung 3 every day, open or closed."""
    data = _with_border(scenario, engaged=engaged, attempt_rate=rate).to_dict()
    data["mediators"] = {"border": data["mediators"]["border"]}
    data.update(start_rung=3, in_ceasefire=False, ceasefire_days=0)
    data["priors"] = {k: v for k, v in data["priors"].items() if not k.startswith("mediators.")}
    return sim.scenario.scenario_from_dict(data)


@pytest.fixture(scope="module")
def events():
    return load_events(None)


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_a_closed_channel_never_attempts_and_an_open_one_does(seed_scenario, engine):
    made = {}
    for engaged in (False, True):
        scenario = _only_border(seed_scenario, engaged)
        model = EscalationModel(scenario, replications=200, seed=3, engine=engine)
        model.run(30)
        made[engaged] = int(model.ceasefires_made.sum())
        assert (model.mediators["border"].attempts > 0).any() == engaged
    assert made[False] == 0
    assert made[True] > 0


def test_the_channel_is_a_starting_value_per_replication(seed_scenario):
    scenario = _only_border(seed_scenario, True)
    start = {"engaged.border": np.array([1.0, 0.0])}
    model = EscalationModel(scenario, replications=400, seed=3, start=start)
    model.run(30)
    attempts = model.mediators["border"].attempts
    assert (attempts[1::2] == 0).all()
    assert (attempts[0::2] > 0).mean() > 0.9


def test_the_mesa_reference_reads_the_channel(seed_scenario):
    runs = {
        engaged: run_reference(_only_border(seed_scenario, engaged), 100, horizon=30, seed=7)[
            "ceasefires_made"
        ].sum()
        for engaged in (False, True)
    }
    assert runs[False] == 0
    assert runs[True] > 0


@pytest.mark.parametrize(
    ("date", "striking", "scored", "opened"),
    [
        ("2022-12-11", "afghanistan", "pakistan", True),  # Afghan fire on Chaman: a clash
        ("2024-09-19", "afghanistan", "pakistan", True),  # Afghan guards fire at Ghulam Khan
        ("2024-03-18", "pakistan", "afghanistan", False),  # strikes in Khost and Paktika
        ("2025-10-09", "pakistan", "afghanistan", False),  # the strike in Kabul
    ],
)
def test_the_replay_opens_the_border_channel_after_a_clash_only(
    seed_scenario, events, date, striking, scored, opened
):
    day = datetime.date.fromisoformat(date)
    _, start, _ = episode_start(events, _with_border(seed_scenario), day, striking, scored)
    assert bool(start["engaged.border"][0]) is opened


def test_the_start_of_february_2026_has_the_channel_closed(seed_scenario):
    # The latest armed rows before the as-of date are Pakistan's strikes of 21-22 Feb 2026.
    _, history = sim.history.start_from_history(_with_border(seed_scenario))
    assert history.start["engaged.border"].max() == 0.0
    assert history.to_scenario_values()["mediators"]["border"]["engaged"] is False


def test_without_opened_by_the_replay_leaves_the_engagement_alone(seed_scenario):
    _, history = sim.history.start_from_history(_with_border(seed_scenario, opened_by=""))
    assert not any(key.startswith("engaged.") for key in history.start)


def test_the_record_is_the_same_on_both_days_with_the_channel(seed_scenario):
    scenario = _with_border(seed_scenario, attempt_rate=0.3)
    starts = EpisodeStarts(library_record(load_episodes(None), "a"), load_events(None))
    numpy = simulate_record(scenario, starts, seed=5, copies=200)
    compiled = simulate_record(scenario, starts, seed=5, copies=200, engine="compiled")
    assert numpy["ceasefire_30d"].any()
    assert (numpy == compiled).all(axis=1).mean() >= 0.99


def test_opened_by_must_be_a_kind_of_action(seed_scenario):
    with pytest.raises(ConfigError, match="opened_by.*timeline kind"):
        _with_border(seed_scenario, opened_by="flag_meeting")


def test_the_channel_kinds_are_the_timelines_kinds_of_action():
    from sim.history.effects import ACTION_RUNGS
    from sim.scenario.loading import CHANNEL_KINDS

    assert set(CHANNEL_KINDS) == set(ACTION_RUNGS)

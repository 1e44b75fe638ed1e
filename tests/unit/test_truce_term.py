"""A truce agreed for a term (the timeline's `term_days`) ends in the replay when the term runs out.

The 48-hour truce of 2025-10-15 (term_days 2) is over by the end of 2025-10-17, so the back-test
episode that starts that day (the Paktika strikes) starts outside a ceasefire; the Doha ceasefire
of 2025-10-19 has no end date and is in force at the as-of date, as before.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.backtest.forecast import episode_start
from sim.engine.model import EscalationModel, GivenDay
from sim.history.timeline import EVENT_COLUMNS, OPTIONAL_EVENT_COLUMNS, TimelineError, load_events


@pytest.fixture(scope="module")
def events():
    return load_events(None)


def test_the_truce_of_october_2025_has_its_48_hour_term(events):
    rows = events[events["kind"] == "ceasefire"]
    rows = rows.set_index(rows["date"].dt.date.astype(str))
    assert rows.loc["2025-10-15", "term_days"] == 2
    assert rows["term_days"].isna().sum() == len(rows) - 1  # the others have no end date


@pytest.mark.parametrize(
    ("as_of", "in_force", "days"), [("2025-10-16", True, 1), ("2025-10-17", False, 0)]
)
def test_the_replay_ends_a_truce_when_its_term_runs_out(
    seed_scenario, events, as_of, in_force, days
):
    day = datetime.date.fromisoformat(as_of)
    replayed = sim.history.replay(events, seed_scenario, as_of=day)
    assert replayed.ceasefire["pakistan-afghanistan"] is in_force
    assert replayed.ceasefire_days["pakistan-afghanistan"] == days


@pytest.mark.parametrize(
    ("date", "in_ceasefire", "days"),
    [
        ("2025-10-17", False, 0),  # the Paktika strikes: the truce's term ran out that day
        ("2025-11-06", True, 18),  # the Doha ceasefire: no end date
    ],
)
def test_an_episode_starts_outside_an_expired_truce(
    seed_scenario, events, date, in_ceasefire, days
):
    day = datetime.date.fromisoformat(date)
    start, _, _ = episode_start(events, seed_scenario, day, "pakistan", "afghanistan")
    assert start.in_ceasefire is in_ceasefire
    assert start.ceasefire_days == days


def test_the_as_of_start_is_still_under_the_doha_ceasefire(seed_scenario):
    scenario, _ = sim.history.start_from_history(seed_scenario)
    assert scenario.in_ceasefire and scenario.ceasefire_days == 126


def test_a_given_end_ends_only_a_ceasefire_in_force(seed_scenario):
    model = EscalationModel(seed_scenario, replications=3, seed=1)
    model.in_ceasefire[0] = [True, False, True]
    model.advance(GivenDay(ceasefire_ends=frozenset({0})))
    np.testing.assert_array_equal(model.in_ceasefire[0], [False, False, False])
    assert model.recorder.ceasefires_broken.sum() >= 2


def test_a_term_is_refused_on_a_row_that_is_not_a_ceasefire(tmp_path: Path):
    path = tmp_path / "events.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*EVENT_COLUMNS, *OPTIONAL_EVENT_COLUMNS])
        writer.writeheader()
        writer.writerow(
            {
                "date": "2026-02-06",
                "actor": "pakistan",
                "target": "afghanistan",
                "kind": "strike",
                "source": "seed",
                "term_days": "2",
            }
        )
    with pytest.raises(TimelineError, match="term_days.*only a ceasefire"):
        load_events(path, sim.load_scenario("pak_afg_2026"))

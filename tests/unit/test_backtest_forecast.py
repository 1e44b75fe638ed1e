"""Forecasts of past episodes: the trigger, the replayed start, no hindsight, coherent outputs."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from sim.backtest.forecast import episode_start, forecast_episode, trigger_rows
from sim.history import replay
from sim.history.episodes import load_episodes
from sim.history.timeline import load_events

R = 300


@pytest.fixture(scope="module")
def events():
    return load_events()


@pytest.fixture(scope="module")
def library():
    return load_episodes()


def _episode(library, episode_id, coding="a"):
    rows = library[(library["episode_id"] == episode_id) & (library["coding"] == coding)]
    return next(rows.itertuples(index=False))


def test_trigger_is_the_striking_sides_armed_row(events, seed_scenario):
    rows, described = trigger_rows(
        events, seed_scenario, datetime.date(2024, 3, 18), "pakistan", "afghanistan"
    )
    assert list(rows["kind"]) == ["strike"]
    assert list(rows["actor"]) == ["pakistan"]
    assert rows["killed_best"].iloc[0] == 8
    assert "strike on militants" in described


def test_trigger_of_the_other_account_swaps_the_sides_without_deaths(events, seed_scenario):
    # 2023-09-06: the timeline follows the Pakistani account (Afghan fire first); coding b has
    # Pakistan fire first, and Pakistan has no armed row that day.
    rows, described = trigger_rows(
        events, seed_scenario, datetime.date(2023, 9, 6), "pakistan", "afghanistan"
    )
    assert list(rows["actor"]) == ["pakistan"] and list(rows["target"]) == ["afghanistan"]
    assert list(rows["kind"]) == ["clash"]
    assert rows["killed_best"].isna().all()
    assert "sides swapped" in described


def test_a_day_without_armed_rows_has_no_trigger(events, seed_scenario):
    with pytest.raises(ValueError, match="no armed row of pakistan against afghanistan"):
        trigger_rows(events, seed_scenario, datetime.date(2022, 1, 1), "pakistan", "afghanistan")


def test_start_is_the_replay_before_the_trigger_and_the_trigger(events, seed_scenario):
    date = datetime.date(2024, 12, 24)
    scenario, start, facts = episode_start(events, seed_scenario, date, "pakistan", "afghanistan")
    trigger, _ = trigger_rows(events, seed_scenario, date, "pakistan", "afghanistan")
    before = events[events["date"].dt.date < date]
    direct = replay(pd.concat([before, trigger]), seed_scenario, as_of=date)
    for key, values in direct.start.items():
        np.testing.assert_array_equal(start[key], values, err_msg=key)
    # The strike provokes Afghanistan at rung 3, and the pair starts at least there.
    assert start["provocation.afghanistan.pakistan"][0] == 3
    assert scenario.start_rung >= 3
    assert facts["trigger_rung"] == 3
    yesterday = replay(before, seed_scenario, as_of=date - datetime.timedelta(1))
    assert facts["current_rung"] == yesterday.ladder()["start_rung"]


def test_no_hindsight_rows_on_or_after_the_trigger_do_not_matter(events, library, seed_scenario):
    episode = _episode(library, "PK-AF-2024-03-18")
    full = forecast_episode(seed_scenario, events, episode, replications=R, seed=3)
    date = pd.Timestamp(episode.trigger_date)
    trigger, _ = trigger_rows(
        events, seed_scenario, date.date(), episode.striking_side, episode.scored_side
    )
    # Keep only the past and the trigger: the Afghan answer of the same day and everything later
    # are gone, and the forecast must not move by a single bit.
    cut = pd.concat([events[events["date"] < date], trigger]).reset_index(drop=True)
    assert len(cut) < len(events)
    blind = forecast_episode(seed_scenario, cut, episode, replications=R, seed=3)
    np.testing.assert_array_equal(full.rung_7d, blind.rung_7d)
    np.testing.assert_array_equal(full.rung_30d, blind.rung_30d)
    assert full.ceasefire_30d == blind.ceasefire_30d


def test_forecasts_are_distributions_and_the_month_contains_the_week(
    events, library, seed_scenario
):
    episode = _episode(library, "PK-AF-2024-12-24", "b")
    f = forecast_episode(seed_scenario, events, episode, replications=R)
    for probs in (f.rung_7d, f.rung_30d):
        assert probs.shape == (6,)
        assert probs.sum() == pytest.approx(1.0)
        assert (probs >= 0).all()
    # The highest rung within 30 days is at least the one within 7 days, replication by
    # replication, so P(rung >= k) can only grow.
    week = np.cumsum(f.rung_7d[::-1])[::-1]
    month = np.cumsum(f.rung_30d[::-1])[::-1]
    assert (month >= week - 1e-12).all()
    assert 0.0 <= f.ceasefire_30d <= 1.0
    assert (f.episode_id, f.coding, f.scored_side) == ("PK-AF-2024-12-24", "b", "afghanistan")
    assert f.replications == R


def test_an_episode_outside_the_scenario_is_refused(events, library, seed_scenario):
    episode = _episode(library, "PK-AF-2024-03-18")._replace(scored_side="india")
    with pytest.raises(ValueError, match="'india' is not a state of scenario"):
        forecast_episode(seed_scenario, events, episode, replications=10)


def test_a_posterior_forecast_is_that_of_its_draw_when_it_has_one(events, library, seed_scenario):
    from sim.calibration import with_values
    from sim.scenario.posterior import posterior_from_frame

    episode = _episode(library, "PK-AF-2024-12-24", "a")
    values = {"states.afghanistan.retaliation.p_act": 0.9, "ceasefire.intercept": -1.0}
    post = posterior_from_frame(pd.DataFrame({**values, "weight": [1.0]}, index=[0]), seed_scenario)
    over = forecast_episode(seed_scenario, events, episode, replications=R, posterior=post)
    drawn = forecast_episode(with_values(seed_scenario, values), events, episode, replications=R)
    plain = forecast_episode(seed_scenario, events, episode, replications=R)
    np.testing.assert_array_equal(over.rung_7d, drawn.rung_7d)
    np.testing.assert_array_equal(over.rung_30d, drawn.rung_30d)
    assert over.ceasefire_30d == drawn.ceasefire_30d
    assert not np.array_equal(over.rung_7d, plain.rung_7d)  # the draw's values were used

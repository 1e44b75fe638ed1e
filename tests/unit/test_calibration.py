"""ABC-SMC calibration on the episode record: the record, its statistics, a tiny run, resume."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.backtest.forecast import episode_start, forecast_episode
from sim.calibration import (
    CalibrationSettings,
    EpisodeStarts,
    calibrate,
    library_record,
    posterior_draws,
    simulate_record,
    statistic_names,
    summary_statistics,
    with_values,
)
from sim.calibration.record import replay_key
from sim.calibration.smc import RecordModel
from sim.core.errors import ConfigError
from sim.core.paths import SEEDS_DIR
from sim.history.episodes import load_episodes
from sim.history.timeline import TimelineError, load_events
from sim.scenario import scenario_from_dict
from sim.storage.store import read_parquet

pytest.importorskip("pyabc", reason="the calibration extra (pyabc) is not installed")

TWO = ("states.pakistan.retaliation.p_act", "states.afghanistan.retaliation.p_act")


@pytest.fixture(scope="module")
def episodes():
    return load_episodes()


@pytest.fixture(scope="module")
def events():
    return load_events()


def test_the_record_has_one_row_per_episode_with_a_known_outcome(episodes):
    a = library_record(episodes, "a")
    b = library_record(episodes, "b")
    known = episodes[episodes["outcome_known"]]
    assert len(a) == len(b) == known["episode_id"].nunique() == 20
    assert set(a["coding"]) == {"a"}
    swapped = set(known.loc[known["coding"] == "b", "episode_id"])
    assert set(b.loc[b["coding"] == "b", "episode_id"]) == swapped
    assert a["ceasefire_30d"].isna().sum() == 1  # the one episode whose sources do not say


def test_summary_statistics_are_shares_by_scored_side():
    record = pd.DataFrame(
        {
            "scored_side": ["x", "x", "x", "y"],
            "rung_7d": [3, 4, 1, 0],
            "rung_30d": [3, 4, 4, 3],
            "ceasefire_30d": [1.0, np.nan, 0.0, 1.0],
        }
    )
    stats = summary_statistics(record)
    assert list(stats) == statistic_names(record)
    assert stats["x:armed_7d"] == pytest.approx(2 / 3)
    assert stats["x:rung4_7d"] == pytest.approx(1 / 3)
    assert stats["x:armed_30d"] == 1.0 and stats["x:rung4_30d"] == pytest.approx(2 / 3)
    assert stats["y:armed_7d"] == 0.0 and stats["y:armed_30d"] == 1.0
    # The ceasefire share is per side, as the others; the unknown one is not counted.
    assert stats["x:ceasefire_30d"] == pytest.approx(1 / 2)
    assert stats["y:ceasefire_30d"] == 1.0
    # A simulated copy: its ceasefires count only where the real record knows the outcome.
    simulated = record.assign(ceasefire_30d=[0.0, 1.0, 0.0, 0.0])
    stats = summary_statistics(record, simulated)
    assert stats["x:ceasefire_30d"] == 0.0 and stats["y:ceasefire_30d"] == 0.0


def test_with_values_sets_paths_and_rounds_whole_numbers(seed_scenario):
    changed = with_values(
        seed_scenario,
        {
            "decay": 0.1,
            "states.pakistan.memory_days": 6.6,
            "states.pakistan.inflicted.military.4": 12.0,
        },
    )
    assert changed.decay == 0.1
    assert changed.states["pakistan"].memory_days == 7
    assert changed.states["pakistan"].inflicted.military[4] == 12.0
    with pytest.raises(ConfigError, match="resolv"):
        with_values(seed_scenario, {"states.pakistan.resolv": 0.5})


def test_the_replay_reads_no_rule_so_its_cache_is_shared(seed_scenario, events, episodes):
    # EpisodeStarts replays once per replay_key: the key must leave out exactly what the replay
    # never reads. Two scenarios that differ in every rule parameter give the same starts.
    other = with_values(
        seed_scenario,
        {
            "states.pakistan.retaliation.p_act": 0.15,
            "states.afghanistan.retaliation.intercept": 0.4,
            "ceasefire.intercept": -1.5,
        },
    )
    assert replay_key(other) == replay_key(seed_scenario)
    assert replay_key(with_values(seed_scenario, {"decay": 0.1})) != replay_key(seed_scenario)
    row = library_record(episodes).iloc[-1]
    date = row["trigger_date"].date()
    one = episode_start(events, seed_scenario, date, row["striking_side"], row["scored_side"])
    two = episode_start(events, other, date, row["striking_side"], row["scored_side"])
    assert one[1].keys() == two[1].keys()
    for key in one[1]:
        np.testing.assert_array_equal(one[1][key], two[1][key])
    assert one[0].start_rung == two[0].start_rung and one[0].in_ceasefire == two[0].in_ceasefire


def test_a_simulated_record_matches_the_back_test_forecast(seed_scenario, events, episodes):
    # The record runs every episode in one model; each episode's outcome shares must agree with
    # the back-test's own forecast of it (independent seeds), within 4 standard errors.
    record = library_record(episodes)
    starts = EpisodeStarts(record, events)
    copies = 600
    runs = simulate_record(seed_scenario, starts, seed=11, copies=copies)
    known = episodes[episodes["outcome_known"]].set_index(["episode_id", "coding"])
    for i in (0, 8, 14, 19):  # Afghan- and Pakistani-scored episodes, calm and in a ceasefire
        row = record.iloc[i]
        episode = known.loc[(row["episode_id"], row["coding"])]
        episode = episode.to_frame().T.reset_index(names=["episode_id", "coding"]).iloc[0]
        forecast = forecast_episode(seed_scenario, events, episode, replications=1500, seed=5)
        mine = runs[runs["episode"] == i]
        for outcome, ours in (
            ("armed_7d", (mine["rung_7d"] >= 3).mean()),
            ("rung4_30d", (mine["rung_30d"] >= 4).mean()),
            ("ceasefire_30d", mine["ceasefire_30d"].mean()),
        ):
            theirs = forecast.probability(outcome)
            p = (ours * copies + theirs * 1500) / (copies + 1500)
            se = np.sqrt(max(p * (1 - p), 1e-4) * (1 / copies + 1 / 1500))
            assert abs(ours - theirs) <= 4 * se, (row["episode_id"], outcome, ours, theirs)


def test_a_readier_afghanistan_answers_more_often_in_the_record(seed_scenario, events, episodes):
    starts = EpisodeStarts(library_record(episodes), events)
    record = starts.record
    slow = with_values(seed_scenario, {"states.afghanistan.retaliation.p_act": 0.05})
    fast = with_values(seed_scenario, {"states.afghanistan.retaliation.p_act": 0.9})
    afghan = record["scored_side"] == "afghanistan"
    shares = []
    for scenario in (slow, fast):
        runs = simulate_record(scenario, starts, seed=3, copies=200)
        mine = runs[runs["episode"].isin(np.flatnonzero(afghan))]
        shares.append((mine["rung_7d"] >= 3).mean())
    assert shares[1] > shares[0] + 0.3


def test_settings_refuse_bad_keys_and_values():
    with pytest.raises(ConfigError, match="calibration.populaton_size: unknown key; did you mean"):
        CalibrationSettings.from_config({"populaton_size": 3})
    with pytest.raises(ConfigError, match="calibration.max_simulations"):
        CalibrationSettings(population_size=50, max_simulations=10)
    with pytest.raises(ConfigError, match="calibration.coding"):
        CalibrationSettings(coding="c")
    with pytest.raises(ConfigError, match="calibration.engine: must be 'numpy' or 'compiled'"):
        CalibrationSettings(engine="auto")
    assert CalibrationSettings().engine == "numpy"  # reproduces the shipped posterior


def test_a_particle_gives_the_same_statistics_on_the_compiled_day(seed_scenario):
    episodes = load_episodes()
    starts = EpisodeStarts(library_record(episodes), load_events())
    values = {TWO[0]: 0.3, TWO[1]: 0.6}
    numpy_day = RecordModel(seed_scenario, starts, TWO, seed=5)
    compiled_day = RecordModel(seed_scenario, starts, TWO, seed=5, engine="compiled")
    params = {name.replace(".", "__"): v for name, v in values.items()}
    assert compiled_day(params) == numpy_day(params)


def test_a_parameter_without_a_prior_is_one_clear_error(seed_scenario, tmp_path):
    settings = CalibrationSettings(parameters=("war_deaths",), population_size=2, generations=1,
                                   max_simulations=4)  # fmt: skip
    with pytest.raises(ConfigError, match="no prior in scenario"):
        calibrate(seed_scenario, tmp_path, settings)


def test_a_scenario_without_priors_is_told_to_add_them(tmp_path):
    settings = CalibrationSettings(parameters=TWO, population_size=2, generations=1,
                                   max_simulations=4)  # fmt: skip
    data = sim.load_scenario("ind_pak_2019").to_dict()
    data.pop("priors")  # the shipped file has priors: this copy has none
    bare = scenario_from_dict(data)
    with pytest.raises(ConfigError, match="'ind_pak_2019' .* it gives no priors: add a priors"):
        calibrate(bare, tmp_path, settings)


def test_a_calibration_reads_the_scenarios_own_timeline_and_episodes():
    scenario = sim.load_scenario("ind_pak_2019")
    settings = CalibrationSettings()
    assert Path(settings.read_events(scenario).attrs["path"]).name == "ind_pak_2019_events.csv"
    assert set(settings.read_episodes(scenario)["pair"]) == {"india-pakistan"}
    own = CalibrationSettings(events=str(SEEDS_DIR / "pak_afg_events.csv"))
    with pytest.raises(TimelineError, match="after the as-of date 2019-02-15"):  # no hindsight
        own.read_events(scenario)


def test_a_tiny_calibration_keeps_its_cap_saves_its_posterior_and_resumes(seed_scenario, tmp_path):
    settings = CalibrationSettings(
        parameters=TWO, population_size=8, generations=2, max_simulations=60
    )
    first = calibrate(seed_scenario, tmp_path, settings, seed=1)
    assert first.total_simulations <= 60
    names = {p.name for p in tmp_path.iterdir()}
    assert {"abc.db", "diagnostics.csv", "posterior.parquet", "observed.json"} <= names
    d = first.diagnostics
    assert list(d.columns) == ["generation", "epsilon", "particles", "simulations", "acceptance",
                               "ess"]  # fmt: skip
    assert len(d) == 2 and (d["particles"] == 8).all()
    assert ((d["ess"] > 0) & (d["ess"] <= 8 + 1e-9)).all()
    assert ((d["acceptance"] > 0) & (d["acceptance"] <= 1)).all()
    assert d["epsilon"].iloc[1] <= d["epsilon"].iloc[0]
    # The posterior file: one column per dotted parameter path, and weight summing to 1.
    posterior = read_parquet(tmp_path / "posterior.parquet")
    assert list(posterior.columns) == [*TWO, "weight"]
    assert posterior["weight"].sum() == pytest.approx(1.0)
    for path in TWO:
        prior = seed_scenario.priors[path]
        assert posterior[path].between(prior.low, prior.high).all()
    assert posterior.attrs["parameters"] == list(TWO)
    checked = sim.load_posterior(tmp_path / "posterior.parquet", seed_scenario)
    assert checked.paths == list(TWO) and checked.weights.sum() == pytest.approx(1.0)
    assert len(posterior_draws(posterior, 5)) == 5
    # The same folder continues the stored run instead of starting over.
    more = CalibrationSettings(parameters=TWO, population_size=8, generations=3,
                               max_simulations=400)  # fmt: skip
    again = calibrate(seed_scenario, tmp_path, more, seed=1)
    assert len(again.diagnostics) == 3
    pd.testing.assert_frame_equal(again.diagnostics.iloc[:2], d)
    assert again.total_simulations > first.total_simulations
    # Another calibration in the same folder is refused, with the way out.
    other = CalibrationSettings(parameters=TWO[:1], population_size=8, generations=3,
                                max_simulations=400)  # fmt: skip
    with pytest.raises(ConfigError, match="holds a calibration with other parameters"):
        calibrate(seed_scenario, tmp_path, other, seed=1)
    assert json.loads((tmp_path / "settings.json").read_text())["parameters"] == list(TWO)
    # So is the same calibration on the other day: its records could differ in the last bit.
    compiled = dataclasses.replace(more, engine="compiled")
    with pytest.raises(ConfigError, match="holds a calibration with other engine"):
        calibrate(seed_scenario, tmp_path, compiled, seed=1)


def test_the_hard_cap_stops_a_generation_that_would_cross_it(seed_scenario, tmp_path):
    # 5 particles and a cap of 25: the prior sample the first threshold comes from (5) and the
    # first generation fit; a generation that cannot finish within what is left is not stored.
    settings = CalibrationSettings(parameters=TWO, population_size=5, generations=8,
                                   max_simulations=25)  # fmt: skip
    result = calibrate(seed_scenario, tmp_path / "one", settings, seed=2)
    assert result.total_simulations <= 25
    assert 1 <= len(result.diagnostics) < 8
    tight = CalibrationSettings(parameters=TWO, population_size=5, max_simulations=6)
    with pytest.raises(ConfigError, match="no generation finished within 6"):
        calibrate(seed_scenario, tmp_path / "two", tight, seed=2)


def test_a_posterior_without_weights_is_refused(seed_scenario, tmp_path):
    from sim.storage.store import write_parquet

    write_parquet(pd.DataFrame({"decay": [0.1]}), tmp_path / "p.parquet")
    with pytest.raises(ConfigError, match="has no 'weight' column"):
        sim.load_posterior(tmp_path / "p.parquet", seed_scenario)


def test_the_calibrate_tiny_experiment_writes_its_results_folder(tmp_path):
    from sim.app.calibration import run_calibration_experiment

    exp = sim.load_experiment("calibrate_tiny", [f"output.root={tmp_path}", "output.quiet=true"])
    result = run_calibration_experiment(exp)
    folder = result.results_folder
    assert folder.parent == tmp_path / "calibrate_tiny"
    assert result.folder == tmp_path / "calibrate_tiny" / "calibration"
    names = {p.name for p in folder.iterdir()}
    assert {"config.yaml", "manifest.json", "posterior.parquet", "diagnostics.csv"} <= names
    figures = {p.name for p in (folder / "figures").iterdir()}
    assert figures == {"posterior_marginals.png", "posterior_pairs.png", "diagnostics.png"}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["total_simulations"] == result.total_simulations <= 80


@pytest.mark.slow
def test_a_tiny_calibration_runs_on_dask(seed_scenario, tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    settings = CalibrationSettings(parameters=TWO, population_size=6, generations=2,
                                   max_simulations=60)  # fmt: skip
    result = calibrate(seed_scenario, tmp_path, settings, seed=3, executor="dask", workers=1)
    assert len(result.diagnostics) == 2
    assert sim.load_posterior(tmp_path / "posterior.parquet", seed_scenario).weights.sum() == (
        pytest.approx(1.0)
    )

"""Checks of the calibration: the reference table, leave-one-episode-out and SBC, small."""

from __future__ import annotations

import json

import numpy as np
import pytest

import sim
from sim.calibration import EpisodeStarts, library_record, summary_statistics
from sim.calibration.bank import bank_leave_one_out, bank_sbc, bank_statistics, simulate_bank
from sim.calibration.checks import CheckSettings, predictive_forecasts
from sim.calibration.settings import DEFAULT_PARAMETERS
from sim.core.errors import ConfigError
from sim.history.episodes import load_episodes
from sim.history.timeline import load_events

pytest.importorskip("pyabc", reason="the calibration extra (pyabc) is not installed")


@pytest.fixture(scope="module")
def library():
    return load_episodes()


@pytest.fixture(scope="module")
def record(library):
    return library_record(library)


@pytest.fixture(scope="module")
def events():
    return load_events()


@pytest.fixture(scope="module")
def small_bank(seed_scenario, record, events, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bank")
    starts = EpisodeStarts(record, events)
    bank = simulate_bank(seed_scenario, DEFAULT_PARAMETERS, starts, 40, folder, seed=4)
    return bank, folder, starts


def test_the_table_holds_prior_draws_and_their_records(seed_scenario, small_bank, record):
    bank, folder, _ = small_bank
    assert len(bank) == 40 and list(bank.parameters.columns) == list(DEFAULT_PARAMETERS)
    assert bank.rung_7d.shape == bank.rung_30d.shape == bank.ceasefire.shape == (40, len(record))
    assert (bank.rung_30d >= bank.rung_7d).all()  # the 30-day window contains the 7-day one
    for path in DEFAULT_PARAMETERS:
        prior = seed_scenario.priors[path]
        assert bank.parameters[path].between(prior.low, prior.high).all()
    assert json.loads((folder / "bank" / "settings.json").read_text())["seed"] == 4


def test_the_table_resumes_and_refuses_another_seed(seed_scenario, small_bank):
    bank, folder, starts = small_bank
    chunk = folder / "bank" / "chunk-0000.parquet"
    before = chunk.stat().st_mtime_ns
    again = simulate_bank(seed_scenario, DEFAULT_PARAMETERS, starts, 40, folder, seed=4)
    assert chunk.stat().st_mtime_ns == before  # read back, not simulated again
    np.testing.assert_array_equal(again.rung_7d, bank.rung_7d)
    with pytest.raises(ConfigError, match="reference table with other seed"):
        simulate_bank(seed_scenario, DEFAULT_PARAMETERS, starts, 40, folder, seed=5)


def test_the_table_runs_on_the_day_asked_and_is_continued_only_on_it(
    seed_scenario, small_bank, record, events, tmp_path
):
    # calibration.engine reaches the checks: the compiled day's table is the NumPy day's but
    # where a library function rounds in the last bit differently (docs/calibration.md), and a
    # table is continued only on the day it was drawn on.
    bank, folder, starts = small_bank
    compiled = simulate_bank(
        seed_scenario, DEFAULT_PARAMETERS, starts, 40, tmp_path, seed=4, engine="compiled"
    )
    stored = json.loads((tmp_path / "bank" / "settings.json").read_text())
    assert stored["engine"] == "compiled"
    same = (compiled.rung_30d == bank.rung_30d).all(axis=1) & (
        compiled.ceasefire == bank.ceasefire
    ).all(axis=1)
    assert same.mean() >= 0.9
    with pytest.raises(ConfigError, match="reference table with other engine"):
        simulate_bank(
            seed_scenario, DEFAULT_PARAMETERS, starts, 40, folder, seed=4, engine="compiled"
        )
    posterior = bank.parameters.iloc[:2].assign(weight=0.5)
    rows = load_episodes().query("episode_id == 'PK-AF-2022-12-11'")
    numpy_forecast = predictive_forecasts(seed_scenario, posterior, rows, events, 2, 10, seed=1)
    compiled_forecast = predictive_forecasts(
        seed_scenario, posterior, rows, events, 2, 10, seed=1, engine="compiled"
    )
    assert numpy_forecast[0].ceasefire_30d == compiled_forecast[0].ceasefire_30d


def test_table_statistics_are_the_calibration_statistics(small_bank, record):
    bank, _, _ = small_bank
    sides = record["scored_side"].to_numpy()
    known = record["ceasefire_30d"].notna().to_numpy()
    keep = np.ones(len(record), bool)
    stats = bank_statistics(bank.rung_7d, bank.rung_30d, bank.ceasefire, sides, keep, known)
    one = record.assign(
        rung_7d=bank.rung_7d[3], rung_30d=bank.rung_30d[3], ceasefire_30d=bank.ceasefire[3]
    )
    expected = summary_statistics(record, one)
    np.testing.assert_allclose(stats[3], list(expected.values()))


def test_sbc_on_the_table_ranks_every_truth(seed_scenario, small_bank, record):
    bank, _, _ = small_bank
    result = bank_sbc(seed_scenario, bank, record, replicates=10, accept=8)
    ranks = result.ranks
    assert len(ranks) == 10 * len(DEFAULT_PARAMETERS)
    assert ranks["rank"].between(0, 8).all()
    cov = result.coverage
    assert set(cov["level"]) == {0.5, 0.9}
    assert (cov.loc[cov["parameter"] == "all", "n"] == len(ranks)).all()
    assert "coverage of the true values" in result.summary()


def test_leave_one_out_on_the_table_forecasts_every_episode(
    seed_scenario, small_bank, record, library, events
):
    bank, _, _ = small_bank
    known = library[library["outcome_known"]]
    result = bank_leave_one_out(
        seed_scenario, bank, record, known, events, accept=4, copies=2, resamples=100
    )
    model = result.table[result.table["forecaster"] == "model"]
    assert set(model["episode_id"]) == set(record["episode_id"])
    assert len(model[["episode_id", "coding"]].drop_duplicates()) == len(known)
    assert (model["replications"] == 8).all()
    assert result.observed["p_observed"].between(0, 1).all()
    assert len(result.folds) == len(record)
    assert "least predictive probability" in result.summary()


def test_check_settings_refuse_bad_values():
    with pytest.raises(ConfigError, match="checks.method"):
        CheckSettings(method="mcmc")
    with pytest.raises(ConfigError, match="checks.accept"):
        CheckSettings(table=10, accept=10)
    with pytest.raises(ConfigError, match="checks.tabel: unknown key"):
        CheckSettings.from_config({"tabel": 3})


def test_the_sbc_experiment_writes_ranks_coverage_and_the_rank_histogram(tmp_path):
    from sim.app.calibration import run_check_experiment

    exp = sim.load_experiment(
        "calibrate_sbc",
        [
            f"output.root={tmp_path}",
            "output.quiet=true",
            "executor=serial",
            "checks.table=30",
            "checks.accept=5",
            "checks.replicates=6",
        ],
    )
    result = run_check_experiment(exp)
    names = {p.name for p in result.folder.iterdir()}
    assert {"sbc_ranks.csv", "sbc_coverage.csv", "manifest.json"} <= names
    assert (result.folder / "figures" / "sbc_ranks.png").is_file()
    assert (tmp_path / "calibrate_sbc" / "calibration" / "bank" / "chunk-0000.parquet").is_file()


def test_the_smc_method_calibrates_once_per_fold_and_replicate(seed_scenario, record, tmp_path):
    from sim.calibration import CalibrationSettings
    from sim.calibration.smc_checks import leave_one_out, simulation_based_calibration

    two = ("states.pakistan.retaliation.p_act", "states.afghanistan.retaliation.p_act")
    tiny = CalibrationSettings(parameters=two, population_size=4, generations=1,
                               max_simulations=40)  # fmt: skip
    episode = record["episode_id"].iloc[-1]
    checks = CheckSettings(method="smc", draws=3, copies=2, replicates=2, episodes=[episode],
                           resamples=100)  # fmt: skip
    loo = leave_one_out(seed_scenario, tmp_path / "loo", tiny, checks, seed=1)
    assert (tmp_path / "loo" / f"fold-{episode}" / "abc.db").is_file()
    assert set(loo.table["episode_id"]) == {episode}
    assert loo.folds["episode_id"].tolist() == [episode]
    sbc = simulation_based_calibration(seed_scenario, tmp_path / "sbc", tiny, checks, seed=1)
    assert len(sbc.ranks) == 2 * len(two) and sbc.ranks["rank"].between(0, 3).all()
    assert (tmp_path / "sbc" / "replicate-01" / "posterior.parquet").is_file()

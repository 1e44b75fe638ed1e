"""Smaller input checks: whole numbers in the API, sweep horizons, unfinished folders, stale temp
files (issue 16, item 9; the command-line cases are in tests/e2e/test_failures.py)."""

from __future__ import annotations

import logging

import pytest

import sim
from sim.app.config import plain_numbers
from sim.storage.store import ResultsFolder, load_results


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"seed": "7"}, TypeError, "seed must be a whole number, got '7'"),
        ({"seed": 1.5}, ValueError, "seed must be a whole number, got 1.5"),
        ({"seed": True}, TypeError, "seed must be a whole number, got True"),
        ({"replications": 2.5}, ValueError, "replications must be a whole number, got 2.5"),
        ({"horizon": 10.7}, ValueError, "horizon must be a whole number, got 10.7"),
        ({"horizon": float("nan")}, ValueError, "horizon must be a whole number, got nan"),
        ({"chunk_size": "8"}, TypeError, "chunk_size must be a whole number"),
    ],
    ids=["seed-text", "seed-fraction", "seed-bool", "replications", "horizon", "nan", "chunk"],
)
def test_simulate_refuses_what_is_not_a_whole_number_before_any_chunk(
    seed_scenario, kwargs, error, message
):
    with pytest.raises(error, match=message):
        sim.simulate(seed_scenario, **{"replications": 10, "horizon": 5, **kwargs})


def test_a_whole_number_in_exponent_form_is_accepted(seed_scenario):
    run = sim.simulate(seed_scenario, replications=1e2, horizon=5.0)
    assert (run.replications, run.horizon) == (100, 5)
    assert isinstance(run.replications, int) and isinstance(run.horizon, int)
    assert sim.load_experiment(overrides=["mc.replications=1e3"]).mc.replications == 1000
    assert plain_numbers(["a=1e3", "b=2.5e-1", "c=1.5e0", "d=x1e3"]) == [
        "a=1000", "b=2.5e-1", "c=1.5e0", "d=x1e3",
    ]  # fmt: skip


def test_a_sweep_whose_horizons_all_exceed_the_run_is_refused(tmp_path, seed_scenario):
    sweep = sim.Sweep.from_config(
        {"parameters": {"mediators.qatar.leverage": [0.2, 0.8]}, "horizons": [90, 365]}
    )
    with pytest.raises(sim.ConfigError, match=r"sweep.horizons: every horizon \(90, 365 days\)"):
        sim.run_sweep(sweep, seed_scenario, tmp_path / "sweep", replications=10, horizon=30)
    assert not (tmp_path / "sweep").exists()


def test_a_sweep_session_removes_the_temp_files_of_a_killed_one(tmp_path, seed_scenario):
    folder = tmp_path / "sweep"
    (folder / "points").mkdir(parents=True)
    stale = [folder / ".sweep.json.4242.tmp", folder / "points" / ".point-000000.parquet.7.tmp"]
    for path in stale:
        path.write_bytes(b"half a file")
    sweep = sim.Sweep.from_config({"parameters": {"mediators.qatar.leverage": [0.2, 0.8]}})
    sim.run_sweep(sweep, seed_scenario, folder, replications=10, horizon=30)
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_load_results_flags_an_unfinished_folder(tmp_path, caplog):
    folder = ResultsFolder.claim(tmp_path / "run")  # a run that died after claiming its folder
    with caplog.at_level(logging.WARNING, logger="sim.storage.store"):
        results = load_results(folder.path)
    assert results.finished is False
    assert "unfinished run" in caplog.text
    folder.write_manifest({"seed": 1, "finished": "2026-01-01T00:00:00+00:00"})
    assert load_results(folder.path).finished is True

"""Executors: identical outcomes whatever runs the chunks; a failing chunk is one clear error."""

from __future__ import annotations

import os
import pickle

import pandas as pd
import pytest
from optional import require

import sim
from sim.runs.executors import ChunkError, SerialExecutor, open_executor
from sim.runs.montecarlo import simulate

RUN = {"replications": 230, "horizon": 40, "seed": 11, "chunk_size": 50}


@pytest.fixture(scope="module")
def dask_scheduler():
    """A LocalCluster of 2 worker processes, with the fixes of docs/montecarlo.md; env restored."""
    dask = require("dask", "dask")
    distributed = require("distributed", "dask")
    saved = dict(os.environ)
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": ":0"},
        ) as cluster,
    ):
        yield cluster.scheduler_address
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def serial_run(seed_scenario):
    return simulate(seed_scenario, **RUN, record_events=True, record_trajectory=True)


@pytest.fixture(scope="module")
def faulty_scenario(seed_scenario):
    """Pakistan's rule raises in the run's last chunk (index 2: 7 replications of 107)."""
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["retaliation"] = {
        "_target_": "faulty_rules.FailsOnChunkSize",
        "size": 7,
    }
    return sim.scenario_from_dict(data)


def assert_same_run(a, b):
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes, check_exact=True)
    assert a.outcomes.attrs == b.outcomes.attrs
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    pd.testing.assert_frame_equal(a.trajectory, b.trajectory, check_exact=True)


@pytest.mark.parametrize("workers", [1, 2])
def test_processes_give_the_serial_bits(seed_scenario, serial_run, workers):
    run = simulate(
        seed_scenario,
        **RUN,
        record_events=True,
        record_trajectory=True,
        executor="processes",
        workers=workers,
    )
    assert (run.info["executor"], run.info["workers"]) == ("processes", workers)
    assert_same_run(serial_run, run)


@pytest.mark.slow
def test_dask_gives_the_serial_bits(seed_scenario, serial_run, dask_scheduler):
    run = simulate(
        seed_scenario,
        **RUN,
        record_events=True,
        record_trajectory=True,
        executor="dask",
        scheduler=dask_scheduler,
    )
    assert (run.info["executor"], run.info["workers"]) == ("dask", 2)
    assert run.info["scheduler"] == dask_scheduler
    assert_same_run(serial_run, run)


def test_finishing_order_does_not_matter(seed_scenario, serial_run, monkeypatch):
    """Chunks finishing last-first (as on a busy cluster) are assembled in index order."""

    def backwards(self, fn, tasks):
        yield from reversed([fn(task) for task in tasks])

    monkeypatch.setattr(SerialExecutor, "map_unordered", backwards)
    assert_same_run(
        serial_run, simulate(seed_scenario, **RUN, record_events=True, record_trajectory=True)
    )


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_failing_chunk_names_index_and_seed(faulty_scenario, executor):
    with pytest.raises(
        ChunkError,
        match=r"chunk 2 \(replications 100\.\.106, seed=11\) failed: "
        r"RuntimeError: deliberate failure",
    ) as info:
        simulate(
            faulty_scenario,
            replications=107,
            horizon=5,
            seed=11,
            chunk_size=50,
            executor=executor,
            workers=2,
        )
    assert (info.value.index, info.value.seed) == (2, 11)
    assert isinstance(info.value.__cause__, RuntimeError)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_failing_chunk_on_dask_cluster(faulty_scenario, dask_scheduler):
    with pytest.raises(ChunkError, match=r"chunk 2 \(replications 100\.\.106, seed=11\)"):
        simulate(
            faulty_scenario,
            replications=107,
            horizon=5,
            seed=11,
            chunk_size=50,
            executor="dask",
            scheduler=dask_scheduler,
        )
    # The cluster is still usable after the failure.
    run = simulate(
        faulty_scenario,
        replications=100,
        horizon=5,
        seed=11,
        chunk_size=50,
        executor="dask",
        scheduler=dask_scheduler,
    )
    assert run.replications == 100


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_own_local_cluster_fails_cleanly_and_restores_environment(faulty_scenario):
    """simulate() starts its own LocalCluster, surfaces the failure, closes it, restores env."""
    require("distributed", "dask")
    before = dict(os.environ)
    with pytest.raises(ChunkError, match=r"chunk 2 \(replications 100\.\.106, seed=11\)"):
        simulate(
            faulty_scenario,
            replications=107,
            horizon=5,
            seed=11,
            chunk_size=50,
            executor="dask",
            workers=2,
        )
    assert dict(os.environ) == before


def test_chunk_error_survives_pickling():
    error = ChunkError(3, 7, 300, 100, "ValueError: bad")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    assert (again.index, again.seed, again.first, again.size) == (3, 7, 300, 100)


def test_one_chunk_runs_serially(seed_scenario):
    run = simulate(seed_scenario, replications=20, horizon=5, executor="processes", workers=2)
    assert run.info["executor"] == "serial"
    assert run.info["requested_executor"] == "processes"


def test_workers_capped_by_chunks(seed_scenario):
    run = simulate(
        seed_scenario, replications=100, horizon=5, chunk_size=50, executor="processes", workers=8
    )
    assert run.info["workers"] == 2


def test_bad_executor_settings(seed_scenario):
    with pytest.raises(ValueError, match="unknown executor 'threads'; valid: serial, processes"):
        simulate(seed_scenario, replications=5, executor="threads")
    with pytest.raises(ValueError, match="needs executor='dask'"):
        open_executor("processes", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="workers must be >= 1"):
        open_executor("processes", workers=0)

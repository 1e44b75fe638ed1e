"""Runs started together under one results folder each end in a folder of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import load_experiment, run_experiment
from sim.storage import store

RUNS = 8


def _check_folder(folder: Path) -> int:
    """The folder's config, manifest and outcomes describe one run; return its seed."""
    back = sim.load_results(folder)
    seed = back.manifest["seed"]
    assert back.config.mc.seed == seed
    started = datetime.fromisoformat(back.manifest["started"])
    assert datetime.fromisoformat(back.manifest["finished"]) >= started
    outcomes = pd.read_parquet(folder / "outcomes.parquet")
    assert list(outcomes["replication"]) == list(range(back.config.mc.replications))
    return seed


def test_runs_started_together_into_one_folder_get_separate_folders(tmp_path):
    wanted = tmp_path / "same_second"
    experiments = [
        load_experiment(
            "seed_baseline",
            overrides=[
                "mc.replications=20",
                "mc.horizon=10",
                "output.figures=false",
                f"mc.seed={seed}",
            ],
        )
        for seed in range(RUNS)
    ]
    barrier = threading.Barrier(RUNS)
    folders: dict[int, Path] = {}
    errors: list[BaseException] = []

    def start(exp):
        try:
            barrier.wait()
            result = run_experiment(exp, folder=wanted, command=["test"], progress=False)
            folders[exp.mc.seed] = result.folder
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(exp,)) for exp in experiments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(set(folders.values())) == RUNS
    for seed, folder in folders.items():
        assert _check_folder(folder) == seed
        # Each folder's outcomes are exactly those of its own seed.
        again = experiments[seed].simulate(progress=False).outcomes
        pd.testing.assert_frame_equal(
            pd.read_parquet(folder / "outcomes.parquet"), again, check_dtype=False
        )


def test_claim_is_exclusive_and_takes_a_sibling(tmp_path):
    first = store.ResultsFolder.claim(tmp_path / "run")
    second = store.ResultsFolder.claim(tmp_path / "run")
    assert first.path == tmp_path / "run"
    assert second.path == tmp_path / "run-1"
    placeholder = json.loads((first.path / store.MANIFEST_FILE).read_text())
    assert placeholder["finished"] is None and placeholder["claimed_by_pid"] == os.getpid()


@pytest.mark.slow
def test_command_line_runs_started_together_get_separate_folders(tmp_path):
    # The case of the report: Hydra gives every run of the same second the same run directory.
    run_dir = tmp_path / "out" / "same"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim",
                "mc.replications=20",
                "mc.horizon=10",
                f"mc.seed={seed}",
                "output.figures=false",
                "output.quiet=true",
                f"hydra.run.dir={run_dir}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for seed in range(4)
    ]
    seeds = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    for folder in sorted(run_dir.parent.iterdir()):
        seeds.append(_check_folder(folder))
    assert sorted(seeds) == [0, 1, 2, 3]

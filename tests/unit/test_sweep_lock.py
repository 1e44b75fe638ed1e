"""A sweep folder is locked while a sweep writes to it, portably (filelock, not fcntl)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.sweeps.runner import Sweep, run_sweep

HOLD = """
import sys
from filelock import FileLock
with FileLock(sys.argv[1], timeout=0):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


def test_a_folder_in_use_by_another_process_is_refused_until_it_is_released(
    tmp_path, seed_scenario
):
    folder = tmp_path / "sweep"
    folder.mkdir()
    sweep = Sweep.from_config({"parameters": {"mediators.qatar.leverage": [0.2, 0.8]}})
    mc = {"replications": 20, "horizon": 30, "seed": 1}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder / ".lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RuntimeError, match="in use by another process"):
            run_sweep(sweep, seed_scenario, folder, **mc)
        assert [p.name for p in folder.iterdir()] == [".lock"]  # nothing written
    finally:
        holder.communicate(timeout=30)
    assert holder.returncode == 0
    result = run_sweep(sweep, seed_scenario, folder, **mc)
    assert len(result.table) == 2

"""Sweeps as a user runs them: killed and restarted, with a failing point, as Hydra multiruns."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.app.multirun import gather_multirun
from sim.core.paths import REPO_ROOT
from sim.sweeps.runner import Sweep, run_sweep

TESTS = Path(__file__).resolve().parents[1]
GRID = {
    "parameters": {
        "states.pakistan.retaliation.p_act": [0.02, 0.05, 0.1, 0.2],
        "mediators.qatar.leverage": [0.3, 0.9],
    },
    "baseline": 1,
    "horizons": [90, 365],
}
MC = {"replications": 300, "horizon": 365, "seed": 7}
SCRIPT = """
import json, sys
from sim.sweeps.runner import Sweep, run_sweep
spec, mc = json.loads(sys.argv[2]), json.loads(sys.argv[3])
result = run_sweep(Sweep.from_config(spec), "pak_afg_2026", sys.argv[1], **mc)
print(result.summary())
sys.exit(result.exit_code)
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(TESTS), env.get("PYTHONPATH", "")])
    return env


def sweep_command(folder: Path, spec: dict, mc: dict) -> list[str]:
    return [sys.executable, "-c", SCRIPT, str(folder), json.dumps(spec), json.dumps(mc)]


def finished(folder: Path) -> dict[str, int]:
    points = folder / "points"
    if not points.is_dir():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in points.iterdir() if not p.name.startswith(".")}


def test_a_killed_sweep_resumes_without_redoing_finished_points(tmp_path):
    folder = tmp_path / "sweep"
    proc = subprocess.Popen(sweep_command(folder, GRID, MC), env=_env(), cwd=tmp_path)
    deadline = time.monotonic() + 120
    while len(finished(folder)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = finished(folder)
    assert 2 <= len(before) < 8, "the sweep must be killed part-way"

    again = subprocess.run(
        sweep_command(folder, GRID, MC), env=_env(), cwd=tmp_path, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert f"8 of 8 points done ({8 - len(before)} computed now)" in again.stdout
    after = finished(folder)
    assert len(after) == 8
    assert {name: after[name] for name in before} == before  # not rewritten
    done = re.findall(r"point (\d+) done", (folder / "progress.log").read_text())
    assert sorted(map(int, done)) == list(range(8))  # each point computed exactly once

    reference = run_sweep(Sweep.from_config(GRID), "pak_afg_2026", tmp_path / "whole", **MC)
    resumed = pd.read_parquet(folder / "sweep.parquet")
    pd.testing.assert_frame_equal(
        resumed.drop(columns="seconds"), reference.table.drop(columns="seconds"), check_exact=True
    )
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_a_failing_user_rule_fails_its_point_only_and_the_exit_code_says_so(tmp_path):
    spec = {
        "parameters": {"states.pakistan.retaliation.breaks_above": [1e9, 0.0, 1e6]},
        "fixed": {"states.pakistan.retaliation": {"_target_": "sweep_rules.Fragile"}},
        "horizons": [30],
    }
    proc = subprocess.run(
        sweep_command(tmp_path / "s", spec, {"replications": 50, "horizon": 30, "seed": 1}),
        env=_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    assert "2 of 3 points done" in proc.stdout
    assert "1 point(s) failed:" in proc.stdout
    line = next(x for x in proc.stdout.splitlines() if x.startswith("  point 1 "))
    assert "{'states.pakistan.retaliation.breaks_above': 0.0} seed 1: ChunkError" in line
    assert "RuntimeError: Fragile: pressure above 0.0" in line
    failure = json.loads((tmp_path / "s" / "failures" / "point-000001.json").read_text())
    assert 'raise RuntimeError(f"Fragile: pressure above' in failure["traceback"]
    assert failure["settings"] == {"states.pakistan.retaliation.breaks_above": 0.0}
    table = pd.read_csv(tmp_path / "s" / "sweep.csv")
    assert list(table["status"]) == ["done", "failed", "done"]


@pytest.mark.slow
def test_a_hydra_multirun_on_submitit_local_gathers_into_the_sweep_table(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "-m",
            "hydra/launcher=submitit_local",
            "hydra.launcher.timeout_min=5",
            "mc.replications=100",
            "mc.horizon=90",
            "output.figures=false",
            f"output.root={tmp_path}",
            "scenario.mediators.qatar.leverage=0.2,0.8",
        ],
        env=_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    [multirun] = (tmp_path / "seed_baseline").glob("multirun_*")
    table = gather_multirun(multirun, horizons=(90,))
    assert list(table["scenario.mediators.qatar.leverage"]) == [0.2, 0.8]
    assert list(table["status"]) == ["done", "done"] and list(table["replications"]) == [100, 100]
    assert {"p_rung4_90d", "p_rung4_90d_low", "mean_battle_deaths"} <= set(table.columns)


def test_the_cli_runs_a_sweep_experiment_and_resumes_it(tmp_path):
    args = [
        sys.executable,
        "-m",
        "sim",
        "experiment=retaliation_policies",
        "mc.replications=50",
        "mc.horizon=30",
        f"output.root={tmp_path}",
    ]
    first = subprocess.run(args, env=_env(), cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "sweep retaliation_policies: 8 of 8 points done (8 computed now)" in first.stdout
    again = subprocess.run(args, env=_env(), cwd=tmp_path, capture_output=True, text=True)
    assert "8 of 8 points done (0 computed now)" in again.stdout
    changed = subprocess.run(
        [*args[:-2], "mc.horizon=60", args[-1]],
        env=_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert changed.returncode != 0 and "changed: mc.horizon" in changed.stderr


PARALLEL_SCRIPT = """
import json, sys
from sim.sweeps import Sweep, run_sweep
spec, mc = json.loads(sys.argv[2]), json.loads(sys.argv[3])
result = run_sweep(
    Sweep.from_config(spec), "pak_afg_2026", sys.argv[1],
    executor={"name": "processes", "workers": 2}, **mc
)
print(result.summary())
sys.exit(result.exit_code)
"""


def _children(pid: int) -> set[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_a_parallel_sweep_takes_its_workers_and_the_rerun_resumes(tmp_path):
    folder = tmp_path / "sweep"
    command = [sys.executable, "-c", PARALLEL_SCRIPT, str(folder), json.dumps(GRID), json.dumps(MC)]
    proc = subprocess.Popen(command, env=_env(), cwd=tmp_path)
    deadline = time.monotonic() + 180
    workers: set[int] = set()
    while (len(finished(folder)) < 1 or len(workers) < 2) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert proc.poll() is None and len(workers) >= 2, "the sweep must be killed part-way"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived their parent"

    again = subprocess.run(command, env=_env(), cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "8 of 8 points done" in again.stdout
    assert len(finished(folder)) == 8

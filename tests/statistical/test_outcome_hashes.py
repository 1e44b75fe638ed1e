"""Every built-in experiment, run small at a fixed seed, gives the outcomes recorded beside it.

The guard for refactoring: moving, splitting or renaming code must leave every outcomes table bit
for bit as it was. ``outcome_hashes.json`` holds one SHA-256 per experiment of its outcomes table
(a Monte Carlo experiment), of its table of points (a sweep), of its forecasts (the back-test)
or of 20 simulated copies of the episode record (a calibration),
as computed by :func:`digest`.

Regenerate the file with::

    python tests/statistical/test_outcome_hashes.py

A deliberate change of the model (a new phase of the day, a changed rule, a changed default)
changes these hashes: regenerate them in a commit of its own that says what changed and why.
Never regenerate them to make a refactoring pass.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.core.paths import EXPERIMENTS_DIR

HASH_FILE = Path(__file__).with_name("outcome_hashes.json")
# Small enough for the whole file to run in well under a minute, large enough that every rung,
# ceasefire and mediator phase is reached in some replication.
SMALL = ["mc.replications=100", "mc.horizon=120", "mc.seed=20260222", "executor=serial"]
# Sweeps name outputs at 365 days (p_rung4_365d): the full horizon, fewer replications.
SWEEP_SMALL = ["mc.replications=12", "mc.horizon=365", "mc.seed=20260222", "executor=serial"]
# Columns of a sweep table that describe the run, not its outcomes.
_RUN_COLUMNS = {"seconds", "elapsed", "started", "finished", "pid", "host", "worker"}
NOTE = (
    "SHA-256 of each built-in experiment's outcomes, run small (tests/statistical/"
    "test_outcome_hashes.py). Regenerate: python tests/statistical/test_outcome_hashes.py. "
    "Only a deliberate change of the model may change them, regenerated in its own commit "
    "saying why."
)
EXPERIMENTS = sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml"))


def digest(table: pd.DataFrame) -> str:
    """SHA-256 of a table's columns, dtypes and values (floats rounded to 10 significant digits).

    Rounding keeps the hash independent of the last bits of floating-point sums on another
    platform; any change of the model moves the outcomes far more than that.
    """
    table = table.drop(columns=[c for c in table.columns if c in _RUN_COLUMNS])
    table = table.reset_index(drop=True)
    for col in table.columns:
        if pd.api.types.is_float_dtype(table[col]):
            table[col] = table[col].map(lambda x: float(f"{x:.10g}"))
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in table.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return h.hexdigest()


def outcome_table(name: str, root: Path) -> pd.DataFrame:
    """Run experiment `name` small and return its outcomes table (or, for a sweep, its points)."""
    exp = sim.load_experiment(name, overrides=[*SMALL, f"output.root={root}"])
    if exp.config.get("robustness") is not None:
        from sim.sweeps.robustness import run_robustness_from_config

        small = ["robustness.futures.samples=2", "robustness.resamples=50"]
        exp = sim.load_experiment(name, overrides=[*SWEEP_SMALL, *small, f"output.root={root}"])
        # Every policy in every future: the probabilities of all the runs.
        return run_robustness_from_config(exp.config).probabilities
    if exp.config.get("calibration") is not None:
        from sim.calibration import EpisodeStarts, library_record, simulate_record
        from sim.history.episodes import load_episodes
        from sim.history.timeline import load_events

        # A calibration's simulator: 20 copies of the episode record at the point values.
        starts = EpisodeStarts(library_record(load_episodes()), load_events())
        return simulate_record(exp.scenario, starts, seed=exp.mc.seed, copies=20)
    if exp.config.get("backtest") is not None:
        from sim.backtest import run_backtest

        # Every forecaster's forecasts of every episode (the model's from 20 replications).
        return run_backtest(exp.scenario, replications=20, seed=exp.mc.seed).table
    if exp.config.get("sweep") is None:
        return exp.simulate(progress=False).outcomes
    from sim.sweeps.from_config import run_sweep_from_config

    overrides = [*SWEEP_SMALL, f"output.root={root}"]
    if exp.config.sweep.get("design") == "saltelli":
        overrides.append("sweep.samples=2")
    exp = sim.load_experiment(name, overrides=overrides)
    result = run_sweep_from_config(exp.config)
    assert result.ok, result.failures
    return result.table


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_outcomes_are_unchanged(name, tmp_path):
    recorded = json.loads(HASH_FILE.read_text(encoding="utf-8"))
    assert name in recorded, f"no recorded hash for {name}: regenerate {HASH_FILE.name}"
    assert digest(outcome_table(name, tmp_path)) == recorded[name], (
        f"the outcomes of experiment {name} changed; if the model changed on purpose, "
        f"regenerate {HASH_FILE.name} in a commit of its own saying why (see this file's docstring)"
    )


def test_every_recorded_experiment_still_exists():
    recorded = json.loads(HASH_FILE.read_text(encoding="utf-8"))
    assert sorted(k for k in recorded if k != "_note") == EXPERIMENTS


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        hashes = {name: digest(outcome_table(name, Path(tmp))) for name in EXPERIMENTS}
    hashes["_note"] = NOTE
    HASH_FILE.write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(hashes)} hashes to {HASH_FILE}", file=sys.stderr)

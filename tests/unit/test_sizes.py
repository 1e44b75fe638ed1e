"""Sizes: a run that would not fit is refused before it allocates; chunks, sweeps and the summary
stay bounded (docs/reliability.md, "Sizes")."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.stats import pooled_summary, summary_table
from sim.core.errors import ConfigError
from sim.history.replayer import start_from_history
from sim.runs import run_checks
from sim.runs.montecarlo import MAX_CHUNK_SIZE
from sim.runs.run_checks import REPLAY_BYTES_PER_DRAW
from sim.sweeps.design import MAX_POINTS
from sim.sweeps.parameters import Parameter


def test_a_run_too_large_for_memory_is_refused_before_its_table_is_allocated(seed_scenario):
    tracemalloc.start()
    try:
        with pytest.raises(sim.EnvironmentFault, match=r"1,000,000,000,000 replications need"):
            sim.simulate(seed_scenario, replications=10**12, horizon=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # 10^12 replications are 1.2 x 10^8 chunks: none is built before it runs.
    assert peak < 200e6


def test_a_run_too_large_for_the_disk_is_refused_after_its_first_chunk(tmp_path, seed_scenario):
    with pytest.raises(sim.EnvironmentFault, match=r"would take about .* GB are free"):
        sim.simulate(seed_scenario, replications=10**12, horizon=1, out_dir=tmp_path)
    assert not (tmp_path / "outcomes").exists()  # the first chunk's file is removed again


def test_the_chunk_size_has_an_upper_bound(seed_scenario):
    with pytest.raises(ValueError, match=f"chunk_size must be in 1..{MAX_CHUNK_SIZE:,}"):
        sim.simulate(seed_scenario, replications=10, horizon=1, chunk_size=MAX_CHUNK_SIZE + 1)
    with pytest.raises(sim.ConfigError, match="mc.chunk_size: at most 1,000,000"):
        sim.load_experiment(overrides=[f"mc.chunk_size={MAX_CHUNK_SIZE + 1}"])


@pytest.mark.parametrize(
    ("spec", "points"),
    [
        ({"a.b": {"low": 0, "high": 1, "num": 10**6}, "c.d": {"low": 0, "high": 1, "num": 10**6}},
         "1,000,000,000,000"),
        ({"a.b": list(range(1000)), "c.d": list(range(101))}, "101,000"),
    ],
    ids=["ranges", "values"],
)  # fmt: skip
def test_a_grid_over_the_limit_is_refused_with_its_point_count(spec, points):
    start = time.process_time()
    with pytest.raises(sim.ConfigError, match=f"has {points} points, more than the limit"):
        sim.Sweep.from_config({"parameters": spec})
    assert time.process_time() - start < 5  # counted, not built: no quadratic pass


def test_a_sampled_design_over_the_limit_is_refused():
    spec = {"a.b": {"low": 0, "high": 1}, "c.d": {"low": 0, "high": 1}}
    with pytest.raises(sim.ConfigError, match="saltelli design has 262,144 points"):
        sim.Sweep.from_config({"design": "saltelli", "samples": 2**16, "parameters": spec})
    assert sim.Sweep.from_config({"design": "lhs", "samples": MAX_POINTS, "parameters": spec})


def test_rounded_levels_merge_in_linear_time():
    p = Parameter(path="a.b", low=0, high=10, num=MAX_POINTS, integer=True)
    start = time.process_time()
    assert p.levels() == list(range(11))
    assert time.process_time() - start < 5


def test_pooled_summary_equals_the_summary_of_the_whole_table():
    rng = np.random.default_rng(3)
    days = rng.uniform(0, 60, size=(1000, 3))
    days[rng.random((1000, 3)) < 0.6] = np.nan
    table = pd.DataFrame(days, columns=["day_rung_1", "day_rung_2", "day_rung_3"])
    table.attrs["horizon"] = 60
    cuts = [0, 7, 300, 301, 1000]
    parts = [table.iloc[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    for part in parts:
        part.attrs["horizon"] = 60
    kwargs = {"horizons": (7, 30, 60), "rungs": (1, 2, 3)}
    pd.testing.assert_frame_equal(pooled_summary(parts, **kwargs), summary_table(table, **kwargs))


MEASURE = """
import json, sys, tracemalloc
import pyarrow as pa
import sim
result = sim.simulate(sim.load_scenario(), replications=100_000, horizon=1, chunk_size=1000,
                      out_dir=sys.argv[1])
pool_before = pa.default_memory_pool().max_memory()
tracemalloc.start()
summary = result.summary(horizons=(1,), rungs=(1, 2, 3, 4, 5))
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"numpy_peak": peak, "arrow_peak": pa.default_memory_pool().max_memory(),
                  "arrow_before": pool_before, "loaded": result._outcomes is not None,
                  "n": int(summary["replications"].iloc[0])}))
"""


def test_the_summary_of_a_streamed_run_reads_one_chunk_at_a_time(tmp_path):
    # A small-scale proxy of a large run: 100 chunks of 1,000 replications. Read whole, the
    # five day columns take 4 MB; read chunk by chunk, 40 kB at a time.
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    measured = json.loads(proc.stdout)
    whole = 100_000 * 5 * 8
    assert measured["n"] == 100_000 and not measured["loaded"]
    assert measured["numpy_peak"] < whole / 4
    assert measured["arrow_peak"] - measured["arrow_before"] < whole / 4


def test_figures_of_a_large_run_are_drawn_from_its_first_replications(tmp_path, monkeypatch):
    from sim.app import experiment as app_experiment

    monkeypatch.setattr(app_experiment, "FIGURE_REPLICATIONS", 300)
    exp = sim.load_experiment(
        overrides=["mc.replications=1000", "mc.horizon=30", "mc.chunk_size=256"]
    )
    run = sim.run_experiment(exp, folder=tmp_path / "run", progress=False)
    manifest = json.loads((run.folder / "manifest.json").read_text())
    assert manifest["figures_replications"] == 300
    assert (run.folder / "figures" / "casualties.png").is_file()
    head = run.result.head(300)
    pd.testing.assert_frame_equal(head.outcomes, run.result.outcomes.iloc[:300])


# --- a replay with each replication's own deaths -----------------------------------------------

UNCERTAIN = ["history.replay=true", "history.uncertainty=true"]


def test_an_uncertain_replay_too_large_for_memory_is_refused_before_it_starts():
    with pytest.raises(ConfigError, match=r"history\.uncertainty: .*1,000,000,000,000 repl"):
        sim.load_experiment(overrides=[*UNCERTAIN, "mc.replications=1000000000000"])


@pytest.mark.parametrize(("replications", "refused"), [(9, False), (10, False), (11, True)])
def test_the_uncertain_replay_bound_is_the_memory_available(monkeypatch, replications, refused):
    monkeypatch.setattr(run_checks, "available_memory", lambda: 10 * REPLAY_BYTES_PER_DRAW)
    overrides = [*UNCERTAIN, f"mc.replications={replications}"]
    if refused:
        with pytest.raises(ConfigError, match="history.uncertainty"):
            sim.load_experiment(overrides=overrides)
    else:
        assert sim.load_experiment(overrides=overrides).mc.replications == replications


def test_the_best_figures_replay_is_not_bounded_by_the_replications(monkeypatch):
    monkeypatch.setattr(run_checks, "available_memory", lambda: 10 * REPLAY_BYTES_PER_DRAW)
    overrides = ["history.replay=true", "mc.replications=1000"]
    assert sim.load_experiment(overrides=overrides).history.uncertainty is False


def test_the_bytes_per_replayed_draw_cover_the_replays_peak(seed_scenario):
    draws = 20_000
    tracemalloc.start()
    try:
        start_from_history(seed_scenario, None, draws=draws, seed=1, uncertainty=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak / draws <= REPLAY_BYTES_PER_DRAW

"""Monte Carlo runs: chunking, streaming to Parquet, adaptive stopping, results and their stats."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import stats
from sim.runs.montecarlo import (
    DEFAULT_CHUNK_SIZE,
    SimulationResult,
    StoppingRule,
    chunk_bounds,
    run_chunk,
    simulate,
)

RUN = {"replications": 230, "horizon": 40, "seed": 11, "chunk_size": 50}


def test_chunk_bounds():
    assert chunk_bounds(5, 2) == [(0, 2), (2, 2), (4, 1)]
    assert chunk_bounds(4, 4) == [(0, 4)]
    assert DEFAULT_CHUNK_SIZE == 8192
    with pytest.raises(ValueError, match="chunk_size must be >= 1"):
        chunk_bounds(5, 0)


def test_run_chunk_is_one_chunk_of_simulate(seed_scenario):
    whole = simulate(seed_scenario, **RUN).outcomes
    began = time.perf_counter()
    chunk = run_chunk(seed_scenario, index=2, first=100, size=50, horizon=40, seed=11)
    assert 0 < chunk.seconds <= time.perf_counter() - began  # the chunk's own time, in seconds
    pd.testing.assert_frame_equal(
        chunk.outcomes, whole.iloc[100:150].reset_index(drop=True), check_exact=True
    )


def test_info_records_how_the_run_went(seed_scenario):
    began = time.perf_counter()
    info = simulate(seed_scenario, **RUN).info
    wall = time.perf_counter() - began
    assert info["executor"] == "serial"
    assert (info["workers"], info["chunk_size"], info["chunks"]) == (1, 50, 5)
    assert info["replications"] == info["requested_replications"] == 230
    assert 0 < info["chunk_seconds"] <= info["seconds"] <= wall
    assert info["replications_per_second"] == pytest.approx(230 / info["seconds"])
    assert "stop" not in info


def test_horizon_only_cuts_the_run_short(seed_scenario):
    """Every actor draws the same numbers each day, so day t does not depend on the horizon."""
    short = simulate(seed_scenario, replications=30, horizon=20, seed=4, chunk_size=10)
    long = simulate(seed_scenario, replications=30, horizon=50, seed=4, chunk_size=10)
    head = long.trajectory[long.trajectory["day"] <= 20].reset_index(drop=True)
    pd.testing.assert_frame_equal(short.trajectory, head, check_exact=True)
    pd.testing.assert_frame_equal(
        short.events, long.events[long.events["day"] <= 20].reset_index(drop=True), check_exact=True
    )


def test_outcomes_do_not_depend_on_chunk_size_executor_or_workers(seed_scenario):
    """Random numbers are keyed by replication: chunking is a performance knob only.

    70,000 replications make 70 chunks of 1,000, 9 of 8,192 and 2 of 65,536 (the last two
    sizes are whole blocks of the streams, 1,000 is not); a few days keep it fast.
    """
    run = {"replications": 70_000, "horizon": 4, "seed": 9}
    tables = {
        (size, workers): simulate(
            seed_scenario,
            **run,
            chunk_size=size,
            executor="serial" if workers == 1 else "processes",
            workers=workers,
        ).outcomes
        for size in (1_000, 8_192, 65_536)
        for workers in (1, 2)
    }
    reference = tables[8_192, 1]
    assert reference["attacks_ttp"].sum() > 0  # days with something happening
    for key, table in tables.items():
        pd.testing.assert_frame_equal(table, reference, check_exact=True, obj=str(key))


# --- streaming to Parquet --------------------------------------------------------------------


def test_out_dir_streams_the_same_tables(seed_scenario, tmp_path):
    memory = simulate(seed_scenario, **RUN, record_events=True, record_trajectory=True)
    disk = simulate(
        seed_scenario,
        **RUN,
        record_events=True,
        record_trajectory=True,
        out_dir=tmp_path,
        executor="processes",
        workers=2,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "events.parquet",
        "outcomes.parquet",
        "trajectory.parquet",
    ]
    assert disk.outcomes_path == tmp_path / "outcomes.parquet"
    assert disk.info["out_dir"] == str(tmp_path)
    # Statistics read only their columns from disk, without loading the table.
    assert disk.escalation_probability(4, 30) == memory.escalation_probability(4, 30)
    pd.testing.assert_frame_equal(disk.summary(horizons=(7, 30)), memory.summary(horizons=(7, 30)))
    np.testing.assert_array_equal(disk.survival(4).survival, memory.survival(4).survival)
    assert disk.compare(memory, 4) == memory.compare(memory, 4)
    assert disk.bootstrap("battle_deaths") == memory.bootstrap("battle_deaths")
    assert disk._outcomes is None
    pd.testing.assert_frame_equal(disk.outcomes, memory.outcomes, check_exact=True)
    assert disk.outcomes.attrs == memory.outcomes.attrs
    pd.testing.assert_frame_equal(disk.events, memory.events, check_exact=True)
    pd.testing.assert_frame_equal(
        sim.storage.store.read_parquet(tmp_path / "events.parquet"), memory.events, check_exact=True
    )


def test_out_dir_refuses_chunks_of_another_run(seed_scenario, tmp_path):
    simulate(seed_scenario, **RUN, out_dir=tmp_path)
    sim.storage.store.ChunkWriter(tmp_path / "outcomes").write(0, pd.DataFrame({"x": [1]}))
    with pytest.raises(FileExistsError, match="already holds chunk files"):
        simulate(seed_scenario, **RUN, out_dir=tmp_path)


def test_result_needs_outcomes_or_their_file(seed_scenario):
    with pytest.raises(ValueError, match="give the outcomes or the Parquet file"):
        SimulationResult(seed_scenario, 1, 1, 0, 1)


# --- adaptive stopping -----------------------------------------------------------------------

STOP_RUN = {"horizon": 30, "seed": 3, "chunk_size": 100}


def half_widths(outcomes, rule, round_size):
    """Half-width after each whole round, from a run's outcome table."""
    reached = outcomes["day_rung_4"].le(rule.within).to_numpy()
    return [
        stats.binomial_interval(int(reached[:n].sum()), n).half_width
        for n in range(round_size, len(reached) + 1, round_size)
    ]


def test_adaptive_stopping_stops_at_the_first_round_on_target(seed_scenario):
    rule = StoppingRule(rung=4, within=30, half_width=0.02, round_chunks=2)
    cap = simulate(seed_scenario, replications=3000, **STOP_RUN)
    run = simulate(seed_scenario, replications=3000, **STOP_RUN, stop=rule)
    widths = half_widths(cap.outcomes, rule, 200)
    rounds = next(i for i, w in enumerate(widths, 1) if w <= rule.half_width)
    assert 1 < rounds < len(widths)
    assert run.replications == run.info["replications"] == 200 * rounds
    verdict = run.info["stop"]
    assert verdict["reached"] == "target"
    assert verdict["achieved_half_width"] <= 0.02
    assert verdict["achieved_half_width"] == pytest.approx(widths[rounds - 1])
    assert verdict["estimate"] == run.escalation_probability(4, 30).estimate
    # The chunks run are the first chunks of the full run, bit for bit.
    pd.testing.assert_frame_equal(
        run.outcomes, cap.outcomes.iloc[: run.replications], check_exact=True
    )
    # Rounds are whole, in index order: the worker count changes nothing.
    parallel = simulate(
        seed_scenario, replications=3000, **STOP_RUN, stop=rule, executor="processes", workers=2
    )
    pd.testing.assert_frame_equal(parallel.outcomes, run.outcomes, check_exact=True)


def test_adaptive_stopping_stops_at_the_cap(seed_scenario, tmp_path):
    run = simulate(
        seed_scenario,
        replications=450,
        **STOP_RUN,
        out_dir=tmp_path,
        stop={"rung": 4, "within": 30, "half_width": 0.001},
    )
    assert run.replications == 450
    assert run.info["stop"]["reached"] == "cap"
    assert run.info["stop"]["achieved_half_width"] > 0.001
    assert len(run.outcomes) == 450


@pytest.mark.parametrize(
    ("stop", "message"),
    [
        ({"rung": 6, "half_width": 0.01}, "stop.rung must be an integer in 0..5"),
        ({"rung": 4, "half_width": 0}, r"stop.half_width must be in \(0, 0.5\]"),
        ({"rung": 4, "half_width": 0.01, "within": 400}, "beyond the horizon of 30 days"),
        ({"rung": 4, "half_width": 0.01, "round_chunks": 0}, "stop.round_chunks must be >= 1"),
        ({"rung": 4, "half_width": 0.01, "method": "wald"}, "stop.method must be one of"),
        ({"rung": 4, "halfwidth": 0.01}, "unexpected keyword argument 'halfwidth'"),
        ("rung 4", "stop must be a StoppingRule or a mapping"),
    ],
)
def test_bad_stopping_rule(seed_scenario, stop, message):
    with pytest.raises(ValueError, match=message):
        simulate(seed_scenario, replications=10, **STOP_RUN, stop=stop)


# --- results ---------------------------------------------------------------------------------


def test_progress_bar_only_when_asked_or_on_a_terminal(seed_scenario, capsys):
    simulate(seed_scenario, **RUN)
    assert capsys.readouterr().err == ""
    simulate(seed_scenario, **RUN, progress=True)
    assert "chunk" in capsys.readouterr().err


def test_bootstrap_of_casualties(seed_scenario):
    run = simulate(seed_scenario, replications=400, horizon=60, seed=2, chunk_size=200)
    deaths = run.outcomes["civilian_deaths_pakistan"]
    mean = run.bootstrap("civilian_deaths_pakistan")
    assert (mean.statistic, mean.n) == ("mean", 400)
    assert mean.estimate == pytest.approx(deaths.mean())
    # The run's bootstrap is the package's bootstrap of the column, same seed and method.
    direct = stats.bootstrap_interval(deaths.to_numpy(dtype=float), "mean")
    assert (mean.low, mean.high) == (pytest.approx(direct.low), pytest.approx(direct.high))
    assert mean.low < mean.estimate < mean.high
    q90 = run.bootstrap("civilian_deaths_pakistan", 0.9, max_replications=300)
    assert (q90.statistic, q90.n) == ("quantile 0.9", 300)
    assert q90.estimate == pytest.approx(np.quantile(deaths.to_numpy()[:300], 0.9))
    with pytest.raises(ValueError, match="no outcome column 'deaths'"):
        run.bootstrap("deaths")


def test_repr_names_the_run(seed_scenario):
    text = repr(simulate(seed_scenario, replications=3, horizon=2))
    assert text.startswith("SimulationResult(scenario='pak_afg_2026', replications=3, horizon=2")


@pytest.mark.slow
def test_paired_interval_is_narrower_than_independent(seed_scenario):
    """Common random numbers: a policy change compared on the same streams.

    Pakistan's graduated rule acting with p_act 0.04 (the scenario) against 0.08: the
    militants' and Afghanistan's draws are identical in both runs, so most replications agree
    and the paired interval is much narrower than one from independent runs.
    """
    data = seed_scenario.to_dict()
    data["states"]["pakistan"]["retaliation"]["p_act"] = 0.08
    hawk = sim.scenario_from_dict(data)
    run = {"replications": 20_000, "horizon": 90, "seed": 5}
    base, other = simulate(seed_scenario, **run), simulate(hawk, **run)
    paired = base.compare(other, rung=4, within=90)
    # Doubling Pakistan's chance to act raises the chance of rung 4: the paired interval
    # excludes zero.
    assert paired.low > 0
    assert paired.width_ratio < 0.8
    assert (paired.high - paired.low) < (paired.independent_high - paired.independent_low)
    # The independent interval's width is what two differently seeded runs would show.
    independent = simulate(hawk, **{**run, "seed": 6})
    p_a = base.escalation_probability(4, 90).estimate
    p_b = independent.escalation_probability(4, 90).estimate
    se = math.sqrt((p_a * (1 - p_a) + p_b * (1 - p_b)) / run["replications"])
    assert abs((p_b - p_a) - paired.difference) < 4 * se

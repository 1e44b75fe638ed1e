"""Throughput, scaling and memory of the NumPy and compiled days, against the plain Mesa reference.

Usage (from the repository root; about 10 minutes on 2 cores)::

    .venv/bin/python benchmarks/throughput.py            # or: make bench
    .venv/bin/python benchmarks/throughput.py --quick    # small sizes, a 1-minute smoke run

Prints a Markdown report and, unless ``--no-write``, puts it into ``benchmarks/README.md``
(between the ``results`` markers) and the raw numbers into ``benchmarks/results.json``.
These are measurements, not tests: the machine is shared, so every timing is the best of
``--repeat`` runs, the engine and the reference are measured side by side in the same run, and
the load average is recorded with the numbers.

Sections: (a) replications per second on one core of the compiled day, the NumPy day and the
Mesa reference, side by side, with profiles of one NumPy and one compiled chunk; (b) scaling
from 1 to 2 workers with local processes (both days) and Dask; (c) peak memory in a fresh
process at 10^6 replications, events off, in memory and streamed to Parquet; (d) the cost of
the event log and trajectories; (e) throughput against chunk size; (f) the one-off cost of the
compiled day: compiling it with an empty numba cache, loading it from the cache, importing
numba; (g) the calibration's simulated episode records per second on both days.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import platform
import pstats
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import sim
from sim.core.paths import REPO_ROOT
from sim.runs.executors import DaskExecutor, available_cores
from sim.runs.montecarlo import DEFAULT_CHUNK_SIZE, run_chunk, simulate
from sim.storage.store import write_json, write_text
from sim.validation.reference import run_reference

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
HORIZON = 365
SEED = 20260222
FULL = {
    "reference": 300,
    "engine": 16_384,
    "compiled": 65_536,
    "scaling": 100_000,
    # (day, replications, outcomes streamed to Parquet)
    "memory": (
        ("compiled", 1_000_000, True),
        ("compiled", 1_000_000, False),
        ("numpy", 1_000_000, True),
    ),
    "recording": 2_000,
    "chunk_sizes": (2_048, 8_192, 32_768),
    "chunk_total": 32_768,
    "calibration": 200,
}
QUICK = {
    "reference": 40,
    "engine": 4_096,
    "compiled": 16_384,
    "scaling": 16_384,
    "memory": (("compiled", 50_000, True), ("numpy", 50_000, True)),
    "recording": 300,
    "chunk_sizes": (1_024, 4_096),
    "chunk_total": 8_192,
    "calibration": 20,
}


def best_of(repeat: int, fn: Any) -> tuple[float, Any]:
    """Smallest wall time of `repeat` calls of `fn`, and the last call's value."""
    times, value = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - began)
    return min(times), value


def machine() -> dict[str, Any]:
    cpu = "unknown"
    if Path("/proc/cpuinfo").is_file():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    if Path("/proc/meminfo").is_file():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 2**20:.1f} GiB"
    versions = {
        name: metadata.version(name)
        for name in ("numpy", "scipy", "pandas", "pyarrow", "mesa", "dask", "distributed")
    }
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=HERE,
        check=False,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": available_cores(),
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "commit": commit or "unknown",
        "load_average_start": os.getloadavg(),
    }


# --- (a) one core, engine against reference --------------------------------------------------


def single_core(scenario: sim.Scenario, sizes: dict, repeat: int) -> dict[str, Any]:
    n_ref, n_eng, n_comp = sizes["reference"], sizes["engine"], sizes["compiled"]
    # Load the compiled day first (compiling it if the cache is empty): section (f) times that.
    simulate(scenario, 1024, 2, SEED, engine="compiled")
    runs = {
        "reference": (n_ref, lambda: run_reference(scenario, n_ref, HORIZON, SEED)),
        "engine_same_R": (n_ref, lambda: simulate(scenario, n_ref, HORIZON, SEED, engine="numpy")),
        "engine": (n_eng, lambda: simulate(scenario, n_eng, HORIZON, SEED, engine="numpy")),
        "compiled": (n_comp, lambda: simulate(scenario, n_comp, HORIZON, SEED, engine="compiled")),
    }
    rows: dict[str, float] = {}
    # Interleaved, so that a change in the machine's load hits all alike.
    for _ in range(repeat):
        for name, (_, fn) in runs.items():
            seconds, _ = best_of(1, fn)
            rows[name] = min(rows.get(name, float("inf")), seconds)
    rates = {name: n / rows[name] for name, (n, _) in runs.items()}
    return {
        "replications": {name: n for name, (n, _) in runs.items()},
        "seconds": rows,
        "rate": rates,
        "ratio": rates["engine"] / rates["reference"],
        "ratio_same_R": rates["engine_same_R"] / rates["reference"],
        "ratio_compiled": rates["compiled"] / rates["reference"],
        "compiled_over_numpy": rates["compiled"] / rates["engine"],
        "reference_us_per_replication_day": 1e6 / (rates["reference"] * HORIZON),
        "engine_us_per_replication_day": 1e6 / (rates["engine"] * HORIZON),
        "compiled_us_per_replication_day": 1e6 / (rates["compiled"] * HORIZON),
    }


def profile_chunk(scenario: sim.Scenario, size: int, top: int = 14) -> dict[str, Any]:
    """cProfile of one chunk: the functions with the most own time, and time per phase.

    The profiler counts CPU time, so time the process spends waiting for a core on a shared
    machine is booked to no function.
    """
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    run_chunk(scenario, 0, 0, size, HORIZON, SEED)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    entries = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        # Paths relative to the checkout or site-packages: the table names no local folder.
        short = filename.split("site-packages/")[-1].removeprefix(f"{REPO_ROOT}/")
        entries.append(
            {
                "function": f"{short}:{line}({name})",
                "calls": calls,
                "own_s": tottime,
                "cum_s": cumtime,
            }
        )
    entries.sort(key=lambda e: e["own_s"], reverse=True)
    phases = {}
    for label, suffix in (
        ("militants attack", "(attack)"),
        ("states decide", "(decide)"),
        ("states inflict", "(inflict)"),
        ("mediate", "(_mediate)"),
        ("rung update", "(_update_rungs)"),
        ("outcome table", "(outcomes)"),
    ):
        phases[label] = sum(
            e["cum_s"]
            for e in entries
            if e["function"].endswith(suffix) and "sim/" in e["function"]
        )
    return {"size": size, "total_s": total, "top": entries[:top], "phases": phases}


def profile_compiled(scenario: sim.Scenario, size: int) -> dict[str, Any]:
    """Where one compiled chunk's time goes: the kernel (with its draws), the rest.

    cProfile of one chunk (the kernel loaded beforehand). The kernel is a numba function
    called from ``CompiledDay.run``, so cProfile books its time as that method's own time. It
    computes its uniforms inside the day's loop (``kernel.days``), so they are not timed apart.
    """
    run_chunk(scenario, 0, 0, 1024, 2, SEED, engine="compiled")
    profiler = cProfile.Profile(time.process_time)  # CPU time, as in profile_chunk
    profiler.enable()
    run_chunk(scenario, 0, 0, size, HORIZON, SEED, engine="compiled")
    profiler.disable()
    stats = pstats.Stats(profiler)
    kernel = "kernel with its draws (numba, `kernel.days`)"
    parts = {kernel: 0.0}
    model = outcomes = 0.0
    for (filename, _, name), (_, _, tottime, cumtime, _) in stats.stats.items():
        if filename.endswith("compiled.py") and name == "run":
            parts[kernel] += tottime
        elif filename.endswith("model.py") and name == "__init__":
            model += cumtime
        elif filename.endswith("model.py") and name == "outcomes":
            outcomes += cumtime
    parts["building the model (streams, agents)"] = model
    parts["outcome table"] = outcomes
    total = stats.total_tt
    parts["other (Python around the kernel)"] = max(0.0, total - sum(parts.values()))
    return {"size": size, "total_s": total, "parts": parts}


# --- (b) scaling -----------------------------------------------------------------------------


def scaling(scenario: sim.Scenario, n: int, repeat: int, dask: bool) -> dict[str, Any]:
    """Wall time of `n` replications per executor and worker count, in interleaved rounds.

    Each round times every configuration once, so a burst of load from other jobs on the
    shared machine hits all of them alike; each configuration keeps its best round. The Dask
    clusters are started (and their workers warmed) before the rounds and live through them.
    """
    run = {"replications": n, "horizon": HORIZON, "seed": SEED}
    configs = {
        "processes_1": {"executor": "processes", "workers": 1, "engine": "numpy"},
        "processes_2": {"executor": "processes", "workers": 2, "engine": "numpy"},
        "compiled_processes_1": {"executor": "processes", "workers": 1, "engine": "compiled"},
        "compiled_processes_2": {"executor": "processes", "workers": 2, "engine": "compiled"},
    }
    startup: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        if dask:
            for workers in (1, 2):
                began = time.perf_counter()
                cluster = stack.enter_context(DaskExecutor(workers))
                address = cluster.client.scheduler.address
                # Workers import sim on their first task: warm them, as a long-lived cluster is.
                simulate(
                    scenario,
                    replications=2 * workers,
                    horizon=2,
                    chunk_size=1,
                    executor="dask",
                    scheduler=address,
                )
                startup[f"dask_{workers}"] = time.perf_counter() - began
                configs[f"dask_{workers}"] = {
                    "executor": "dask",
                    "scheduler": address,
                    "engine": "numpy",
                }
        rows: dict[str, float] = {}
        for _ in range(repeat):
            for name, options in configs.items():
                seconds, _ = best_of(1, lambda o=options: simulate(scenario, **run, **o))
                rows[name] = min(rows.get(name, float("inf")), seconds)
    speedup = {
        "processes": rows["processes_1"] / rows["processes_2"],
        "compiled_processes": rows["compiled_processes_1"] / rows["compiled_processes_2"],
    }
    if dask:
        speedup["dask"] = rows["dask_1"] / rows["dask_2"]
    return {
        "replications": n,
        "seconds": rows,
        "rate": {k: n / v for k, v in rows.items()},
        "speedup": speedup,
        "dask_startup_s": startup,
    }


# --- (c) memory ------------------------------------------------------------------------------

# Peak RSS from /proc/self/status (VmHWM): `ru_maxrss` of a process started by subprocess also
# counts the high-water RSS of the parent it was forked from (Linux records it at exec).
_MEMORY_PROBE = """
import json, pathlib, resource, sys, tempfile, time
def peak_mb():
    status = pathlib.Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
import numpy as np

import sim
from sim.runs.montecarlo import simulate
n, executor, streamed, engine = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4]
imported = peak_mb()
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"matplotlib", "hydra", "SALib",
               "dask", "distributed", "solara", "IPython", "PIL", "sklearn", "numba"})
began = time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    result = simulate(sim.load_scenario(), replications=n, horizon=365, seed=1,
                      executor=executor, out_dir=folder if streamed else None,
                      record_events=False, record_trajectory=False, engine=engine)
    p = result.escalation_probability(4, 90).estimate
    seconds = time.perf_counter() - began
print(json.dumps({"import_mb": imported, "parent_mb": peak_mb(),
                  "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "seconds": seconds, "p4_90": p, "heavy_imports": heavy}))
"""


def memory(runs: tuple[tuple[str, int, bool], ...], executor: str) -> list[dict[str, Any]]:
    """Peak memory in fresh processes, outcomes streamed to Parquet or kept in memory."""
    rows = []
    for engine, n, streamed in runs:
        args = [str(n), executor, str(int(streamed)), engine]
        done = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, *args],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(
            {"replications": n, "out_dir": streamed, "executor": executor, "engine": engine, **row}
        )
    return rows


# --- (f) the one-off cost of the compiled day ------------------------------------------------

_COMPILE_PROBE = """
import json, sys, time
began = time.perf_counter()
import numba
numba_s = time.perf_counter() - began
import numpy as np

import sim
scenario = sim.load_scenario()
began = time.perf_counter()
sim.simulate(scenario, 1024, 2, 1, engine="compiled")
first_s = time.perf_counter() - began
began = time.perf_counter()
sim.simulate(scenario, 1024, 2, 1, engine="compiled")
print(json.dumps({"numba_import_s": numba_s, "first_run_s": first_s,
                  "second_run_s": time.perf_counter() - began}))
"""


def compile_cost(repeat: int) -> dict[str, Any]:
    """Compiling with an empty numba cache, then loading from it, each in a fresh process.

    ``NUMBA_CACHE_DIR`` points numba at a new empty folder, as on a fresh clone; the second
    process finds the kernel there. The first run of a process includes compiling or loading.
    """
    import tempfile

    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "NUMBA_CACHE_DIR": folder}
            for into in (cold, warm):
                done = subprocess.run(
                    [sys.executable, "-c", _COMPILE_PROBE],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                )
                into.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "empty_cache": min(cold, key=lambda r: r["first_run_s"]),
        "cached": min(warm, key=lambda r: r["first_run_s"]),
        "runs": len(cold),
    }


# --- (g) the calibration's simulations ---------------------------------------------------------


def calibration_rate(n: int, repeat: int) -> dict[str, Any]:
    """Simulated episode records per second (what a calibration particle costs), both days.

    One record is every episode of the Pakistan–Afghanistan library from its replayed start,
    30 days (:func:`sim.calibration.record.simulate_record`); the days are timed interleaved.
    """
    from sim.calibration.record import EpisodeStarts, library_record, simulate_record
    from sim.history.episodes import load_episodes
    from sim.history.timeline import load_events

    scenario = sim.load_scenario("pak_afg_2026")
    starts = EpisodeStarts(library_record(load_episodes(None), "a"), load_events(None))
    starts.starts(scenario)  # the replay, once (a calibration caches it too)
    seconds: dict[str, float] = {}
    for engine in ("numpy", "compiled"):
        simulate_record(scenario, starts, seed=0, engine=engine)  # load the kernel
    for _ in range(repeat):
        for engine in ("numpy", "compiled"):
            took, _ = best_of(
                1,
                lambda e=engine: [
                    simulate_record(scenario, starts, seed=k, engine=e) for k in range(n)
                ],
            )
            seconds[engine] = min(seconds.get(engine, float("inf")), took)
    return {
        "records": n,
        "episodes": len(starts),
        "seconds": seconds,
        "rate": {k: n / v for k, v in seconds.items()},
    }


# --- (d) event log and trajectories; (e) chunk size ------------------------------------------


def recording_cost(scenario: sim.Scenario, n: int, repeat: int) -> list[dict[str, Any]]:
    rows = []
    for events, trajectory in ((False, False), (True, False), (False, True), (True, True)):
        seconds, result = best_of(
            repeat,
            lambda e=events, t=trajectory: simulate(
                scenario, n, HORIZON, SEED, record_events=e, record_trajectory=t
            ),
        )
        size = sum(
            int(t.memory_usage(deep=True).sum())
            for t in (result.outcomes, result.events, result.trajectory)
            if t is not None
        )
        rows.append(
            {
                "events": events,
                "trajectory": trajectory,
                "seconds": seconds,
                "rate": n / seconds,
                "tables_mb": size / 2**20,
                "event_rows": 0 if result.events is None else len(result.events),
                "trajectory_rows": (0 if result.trajectory is None else len(result.trajectory)),
            }
        )
    base = rows[0]["seconds"]
    for row in rows:
        row["slowdown"] = row["seconds"] / base
    return rows


def chunk_sizes(
    scenario: sim.Scenario, sizes: tuple[int, ...], total: int, repeat: int
) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        seconds, _ = best_of(
            repeat,
            lambda s=size: simulate(scenario, total, HORIZON, SEED, chunk_size=s, engine="numpy"),
        )
        rows.append({"chunk_size": size, "seconds": seconds, "rate": total / seconds})
    return rows


# --- report ----------------------------------------------------------------------------------


def _load(r: dict[str, Any], section: str) -> list[str]:
    during = r.get("load", {}).get(section)
    if not during:
        return []
    return [
        "",
        f"Load average (1 min) at the start and end of this section: {during[0]:.1f}, "
        f"{during[1]:.1f} (2 cores).",
    ]


def render(r: dict[str, Any], command: str) -> str:
    m, a, b = r["machine"], r["single_core"], r["scaling"]
    v = m["versions"]
    lines = [
        f"Command: {command} (git {m['commit']}; {r['minutes']:.1f} min).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['platform']}; Python "
        f"{m['python']}; numpy {v['numpy']}, scipy {v['scipy']}, pandas {v['pandas']}, "
        f"pyarrow {v['pyarrow']}, mesa {v['mesa']}, dask/distributed {v['dask']}/"
        f"{v['distributed']}. Load average (1, 5, 15 min) at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_start'])}, at end "
        f"{', '.join(f'{x:.1f}' for x in r['load_average_end'])}: the machine is shared, "
        f"timings are the best of {r['repeat']}.",
        "",
        f"### (a) One core: compiled day, NumPy day and the plain Mesa reference ({HORIZON} days)",
        "",
        "| implementation | replications | seconds | replications/s | µs per replication-day "
        "| x reference |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {label} | {a['replications'][key]:,} | {a['seconds'][key]:.2f} "
            f"| {a['rate'][key]:,.0f} | {1e6 / (a['rate'][key] * HORIZON):.2f} "
            f"| {a['rate'][key] / a['rate']['reference']:,.0f}x |"
            for key, label in (
                ("reference", "Mesa reference (`mesa.batch_run`, 1 process)"),
                ("engine_same_R", "NumPy day, same R (one chunk)"),
                ("engine", f"NumPy day (`engine=numpy`, chunks of {DEFAULT_CHUNK_SIZE:,})"),
                ("compiled", f"compiled day (`engine=compiled`, chunks of {DEFAULT_CHUNK_SIZE:,})"),
            )
        ),
        "",
        f"**On one core: compiled day {a['ratio_compiled']:.0f}x the reference, NumPy day "
        f"{a['ratio']:.0f}x; compiled / NumPy {a['compiled_over_numpy']:.2f}x** (issue 14 "
        f"asked for >= 300x; {a['ratio_same_R']:.0f}x for the NumPy day at the reference's own "
        f"R of {a['replications']['reference']:,}, one small chunk). The compiled times exclude "
        "loading the compiled day once per process (section f).",
        *_load(r, "single_core"),
        "",
        f"Where one chunk's time goes (cProfile of {r['profile']['size']:,} replications x "
        f"{HORIZON} days, {r['profile']['total_s']:.2f} s of CPU time under the profiler):",
        "",
        "| phase (cumulative) | seconds | share |",
        "|---|---:|---:|",
    ]
    total = r["profile"]["total_s"]
    lines += [f"| {k} | {s:.2f} | {s / total:.0%} |" for k, s in r["profile"]["phases"].items()]
    lines += ["", "| function (own time) | calls | own s | share |", "|---|---:|---:|---:|"]
    lines += [
        f"| `{e['function']}` | {e['calls']:,} | {e['own_s']:.2f} | {e['own_s'] / total:.0%} |"
        for e in r["profile"]["top"]
    ]
    if "profile_compiled" in r:
        c = r["profile_compiled"]
        lines += [
            "",
            f"Where one compiled chunk's time goes (cProfile of {c['size']:,} replications x "
            f"{HORIZON} days, {c['total_s']:.2f} s of CPU time under the profiler):",
            "",
            "| part | seconds | share | ns per replication-day |",
            "|---|---:|---:|---:|",
            *(
                f"| {k} | {v:.2f} | {v / c['total_s']:.0%} "
                f"| {v * 1e9 / (c['size'] * HORIZON):.0f} |"
                for k, v in c["parts"].items()
            ),
        ]
    lines += [
        "",
        f"### (b) Scaling from 1 to 2 workers ({b['replications']:,} replications, "
        f"{HORIZON} days, chunks of {DEFAULT_CHUNK_SIZE:,})",
        "",
        "| executor | workers | seconds | replications/s |",
        "|---|---:|---:|---:|",
    ]
    for key, seconds in b["seconds"].items():
        day = "compiled" if key.startswith("compiled_") else "NumPy"
        name, _, workers = key.removeprefix("compiled_").partition("_")
        lines.append(
            f"| {name} ({day} day) | {workers or 1} | {seconds:.2f} | {b['rate'][key]:,.0f} |"
        )
    s = b["speedup"]
    reference = a["rate"]["reference"]
    text = (
        f"**Compiled day on 2 workers: {b['rate']['compiled_processes_2'] / reference:.0f}x "
        f"the one-core Mesa reference** (issue 14 asked for >= 550x; NumPy day on 2 workers "
        f"{b['rate']['processes_2'] / reference:.0f}x; compiled speed-up 1 -> 2 workers "
        f"{s['compiled_processes']:.2f}x). "
    )
    text += f"**Speed-up 1 -> 2 workers: processes {s['processes']:.2f}x"
    if "dask" in s:
        text += f", Dask {s['dask']:.2f}x"
    text += (
        "** (target >= 1.8x). "
        f"{b['replications']:,} replications are {-(-b['replications'] // DEFAULT_CHUNK_SIZE)}"
        " chunks, so 2 workers can gain at most the ratio of the whole work to the larger "
        "half."
    )
    if b["dask_startup_s"]:
        text += (
            " Dask times exclude starting the LocalCluster and warming its workers ("
            + ", ".join(
                f"{k.split('_')[1]} worker(s): {v:.1f} s" for k, v in b["dask_startup_s"].items()
            )
            + "), as with a long-lived cluster; simulate(executor='dask') without a "
            "scheduler pays it on every call."
        )
    lines += ["", text, *_load(r, "scaling")]
    lines += [
        "",
        "### (c) Peak memory in a fresh process (events and trajectories off)",
        "",
        "| day | replications | outcomes | executor | parent peak MB | largest worker MB "
        "| after imports MB | seconds |",
        "|---|---:|---|---|---:|---:|---:|---:|",
    ]
    for row in r["memory"]:
        where = "streamed to Parquet (`out_dir`)" if row["out_dir"] else "in memory"
        lines.append(
            f"| {row.get('engine', 'numpy')} | {row['replications']:,} | {where} | "
            f"{row['executor']} | "
            f"{row['parent_mb']:.0f} | {row['worker_mb']:.0f} | {row['import_mb']:.0f} "
            f"| {row['seconds']:.1f} |"
        )
    lines += [
        "",
        "Peak = the process's high-water resident set (`VmHWM`; workers: the largest "
        "child's `ru_maxrss`, pages shared with the parent included). Target: "
        "under 300 MB at 10^6 (streamed). The outcome table is about 190 bytes per "
        "replication; what `import sim` pulls in (numpy, scipy, pandas, pyarrow, mesa, "
        f"and here {', '.join(r['memory'][0].get('heavy_imports', [])) or 'nothing more'}) "
        "takes the rest.",
        *_load(r, "memory"),
        "",
        f"### (d) Cost of the event log and trajectories ({r['recording_n']:,} "
        f"replications, {HORIZON} days, serial)",
        "",
        "| events | trajectory | seconds | slowdown | table rows (events / trajectory) "
        "| tables MB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in r["recording"]:
        lines.append(
            f"| {'on' if row['events'] else 'off'} | "
            f"{'on' if row['trajectory'] else 'off'} | {row['seconds']:.2f} | "
            f"{row['slowdown']:.2f}x | {row['event_rows']:,} / "
            f"{row['trajectory_rows']:,} | {row['tables_mb']:.1f} |"
        )
    lines += _load(r, "recording")
    lines += [
        "",
        f"### (e) Throughput against chunk size (one core, "
        f"{r['chunk_total']:,} replications, {HORIZON} days)",
        "",
        "| chunk size | seconds | replications/s |",
        "|---:|---:|---:|",
    ]
    lines += [
        f"| {row['chunk_size']:,} | {row['seconds']:.2f} | {row['rate']:,.0f} |"
        for row in r["chunk_sizes"]
    ]
    lines += _load(r, "chunk_sizes")
    if "compile" in r:
        c = r["compile"]
        cold, warm = c["empty_cache"], c["cached"]
        lines += [
            "",
            f"### (f) The one-off cost of the compiled day (fresh processes, best of {c['runs']})",
            "",
            "| numba cache | import numba s | first run s (1,024 x 2 days) | second run s |",
            "|---|---:|---:|---:|",
            f"| empty (`NUMBA_CACHE_DIR` a new folder, as on a fresh clone) "
            f"| {cold['numba_import_s']:.2f} | {cold['first_run_s']:.2f} "
            f"| {cold['second_run_s']:.3f} |",
            f"| filled by the run above | {warm['numba_import_s']:.2f} "
            f"| {warm['first_run_s']:.2f} | {warm['second_run_s']:.3f} |",
            "",
            "Compiling happens once per machine (numba caches the kernel in "
            "`sim/engine/__pycache__`); every new process then pays the import and the load. "
            "`engine=auto` therefore "
            "takes it only for runs of at least 2 x 10^6 replication-days once it is cached, "
            "5 x 10^7 before.",
            *_load(r, "compile"),
        ]
    if "calibration" in r:
        c = r["calibration"]
        rate = c["rate"]
        lines += [
            "",
            f"### (g) The calibration's simulations ({c['records']} records of "
            f"{c['episodes']} episodes x 30 days, one core, best of {r['repeat']})",
            "",
            "| day | seconds | records/s |",
            "|---|---:|---:|",
            *(
                f"| {engine} | {c['seconds'][engine]:.2f} | {rate[engine]:,.1f} |"
                for engine in ("numpy", "compiled")
            ),
            "",
            f"**A calibration particle (one simulated record) on the compiled day: "
            f"{rate['compiled'] / rate['numpy']:.1f}x the NumPy day.** A record runs "
            f"{c['episodes']} replications for 30 days, so the NumPy day's cost per day "
            "dominates it; the compiled day runs the 30 days in one kernel call.",
            *_load(r, "calibration"),
        ]
    return "\n".join(lines) + "\n"


def write_readme(report: str) -> None:
    text = README.read_text(encoding="utf-8") if README.is_file() else f"{START}\n{END}\n"
    if START not in text or END not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    write_text(f"{head}{START}\n{report}{END}{tail}", README)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--repeat", type=int, default=2, help="timings are the best of N")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask rows")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--only",
        default="",
        help="re-run these comma-separated sections and keep the others from the last "
        "results file (for a machine that was busy during one section)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    scenario = sim.load_scenario("pak_afg_2026")
    began = time.perf_counter()
    saved = HERE / ("results-quick.json" if args.quick else "results.json")
    steps = (
        ("single_core", lambda: single_core(scenario, sizes, args.repeat)),
        ("profile", lambda: profile_chunk(scenario, DEFAULT_CHUNK_SIZE)),
        ("profile_compiled", lambda: profile_compiled(scenario, DEFAULT_CHUNK_SIZE)),
        ("scaling", lambda: scaling(scenario, sizes["scaling"], args.repeat, not args.no_dask)),
        ("memory", lambda: memory(sizes["memory"], "processes")),
        ("recording", lambda: recording_cost(scenario, sizes["recording"], args.repeat)),
        (
            "chunk_sizes",
            lambda: chunk_sizes(scenario, sizes["chunk_sizes"], sizes["chunk_total"], args.repeat),
        ),
        ("compile", lambda: compile_cost(args.repeat)),
        ("calibration", lambda: calibration_rate(sizes["calibration"], args.repeat)),
    )
    only = {name for name in args.only.split(",") if name}
    if only - {name for name, _ in steps}:
        parser.error(f"--only takes sections among {', '.join(name for name, _ in steps)}")
    if only and not saved.is_file():
        parser.error(f"--only adds to the results of an earlier run, and {saved} is missing")
    results: dict[str, Any] = json.loads(saved.read_text()) if only else {}
    start_load = results.get("machine", {}).get("load_average_start")
    results.update(
        machine=machine(),
        repeat=args.repeat,
        chunk_total=sizes["chunk_total"],
        recording_n=sizes["recording"],
    )
    if start_load is not None:
        results["machine"]["load_average_start"] = start_load
    results.setdefault("load", {})
    for name, step in steps:
        if only and name not in only:
            continue
        t = time.perf_counter()
        load = os.getloadavg()[0]
        results[name] = step()
        results["load"][name] = [load, os.getloadavg()[0]]
        print(f"[{name}: {time.perf_counter() - t:.0f} s]", file=sys.stderr, flush=True)
    results["load_average_end"] = os.getloadavg()
    results["minutes"] = results.get("minutes", 0) * bool(only) + (time.perf_counter() - began) / 60
    command = " ".join([".venv/bin/python benchmarks/throughput.py", *(argv or sys.argv[1:])])
    results["commands"] = [*results.get("commands", []), command] if only else [command]
    if not args.no_write:
        # The raw numbers first: a report that cannot render loses no measurement.
        write_json(results, saved)
    report = render(results, " then ".join(f"`{c}`" for c in results["commands"]))
    print(report)
    if not args.no_write:
        write_readme(report)
    return results


if __name__ == "__main__":
    main()

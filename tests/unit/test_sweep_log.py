"""progress.log holds exactly one ``done`` line per finished point, even after a kill."""

from __future__ import annotations

import re

from sim.sweeps import Sweep, run_sweep
from sim.sweeps.runner import LOG_FILE

MC = {"replications": 40, "horizon": 30, "seed": 5}
SPEC = {"parameters": {"mediators.qatar.leverage": [0.2, 0.5, 0.8]}, "horizons": [30]}


def _done(folder):
    return sorted(int(i) for i in re.findall(r"point (\d+) done", (folder / LOG_FILE).read_text()))


def test_a_point_finished_without_its_line_gets_it_on_resume(tmp_path, seed_scenario):
    folder = tmp_path / "sweep"
    run_sweep(Sweep.from_config(SPEC), seed_scenario, folder, **MC)
    assert _done(folder) == [0, 1, 2]
    # A kill between a point's file and its line: the file is there, the line is not.
    log = folder / LOG_FILE
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(x for x in lines if "point 1 done" not in x))
    again = run_sweep(Sweep.from_config(SPEC), seed_scenario, folder, **MC)
    assert again.computed == []
    assert _done(folder) == [0, 1, 2]
    run_sweep(Sweep.from_config(SPEC), seed_scenario, folder, **MC)
    assert _done(folder) == [0, 1, 2]  # written once, not on every session

"""The record: the event timeline (timeline) and its replay through the model (replayer).

``python -m sim.history`` replays the timeline and can rewrite the scenario's starting values.
"""

from sim.history.replayer import (
    ACTION_RUNGS,
    GROUP_ALIASES,
    ISOLATED_CLASH_DEATHS,
    ReplayResult,
    plot_replay,
    project,
    replay,
    run_projection,
    start_from_history,
    write_start_values,
)

__all__ = [
    "ACTION_RUNGS",
    "GROUP_ALIASES",
    "ISOLATED_CLASH_DEATHS",
    "ReplayResult",
    "plot_replay",
    "project",
    "replay",
    "run_projection",
    "start_from_history",
    "write_start_values",
]

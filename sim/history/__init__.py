"""The record: the event timeline (timeline) and its replay through the model (replayer).

``python -m sim.history`` (:mod:`sim.app.history`) replays the timeline and can rewrite the
scenario's starting values; :mod:`sim.runs.projection` runs forward from the replayed state.
"""

from sim.history.replayer import (
    ACTION_RUNGS,
    ISOLATED_CLASH_DEATHS,
    ReplayResult,
    replay,
    start_from_history,
    write_start_values,
)

__all__ = [
    "ACTION_RUNGS",
    "ISOLATED_CLASH_DEATHS",
    "ReplayResult",
    "replay",
    "start_from_history",
    "write_start_values",
]

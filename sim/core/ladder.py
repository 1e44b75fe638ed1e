"""The escalation ladder: its top rung and the name of every rung, defined once for the package."""

from __future__ import annotations

__all__ = ["MAX_RUNG", "RUNG_NAMES"]

# Top rung of the ladder (war); rungs run 0..MAX_RUNG.
MAX_RUNG = 5

# Name of each rung of the escalation ladder, indexed by rung (0..5).
RUNG_NAMES = (
    "calm",
    "diplomatic crisis",
    "show of force",
    "limited strikes",
    "interstate clashes",
    "war",
)

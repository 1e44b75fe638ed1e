"""What a rule sees: the arrays the model hands to `decide`, `agree` and `ends`.

Every array has shape (R,), one entry per replication. Rules read these and the uniforms they are
given; they never draw random numbers themselves, so every rule consumes the same random numbers
(common random numbers by construction).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.ladder import MAX_RUNG

__all__ = ["MAX_RUNG", "CeasefireStatus", "DecisionInputs", "TalksInputs"]


@dataclass(frozen=True, slots=True)
class DecisionInputs:
    """The situation of one state toward one opponent on one day.

    Parameters
    ----------
    pressure : ndarray of float, shape (R,)
        Domestic pressure of the deciding state, >= 0 (grows with casualties suffered).
    received : ndarray of int8, shape (R,)
        Highest rung of unanswered provocation from the opponent (its own actions, or an
        attributed mass-casualty attack from its territory) within the state's memory, 0..5.
    harm : ndarray of float, shape (R,)
        Deaths the state attributes to the opponent since it last answered.
    grievance : ndarray of float, shape (R,)
        Grievance toward the opponent, >= 0.
    weariness : ndarray of float, shape (R,)
        War weariness of the deciding state, >= 0.
    rung : ndarray of int8, shape (R,)
        Rung of the pair's escalation ladder at the start of the day, 0..5.
    in_ceasefire : ndarray of bool, shape (R,)
        Whether the pair is under a ceasefire (the model caps compliant actions itself).
    resolve : float
        The state's resolve, in [0, 1].
    restraint : float
        The state's restraint, in [0, 1].
    """

    pressure: np.ndarray
    received: np.ndarray
    harm: np.ndarray
    grievance: np.ndarray
    weariness: np.ndarray
    rung: np.ndarray
    in_ceasefire: np.ndarray
    resolve: float
    restraint: float


@dataclass(frozen=True, slots=True)
class TalksInputs:
    """What a mediator's attempt at a ceasefire faces on one day.

    Parameters
    ----------
    leverage : float
        The mediator's leverage over the parties, in [0, 1].
    trust : float
        Mean trust of the two parties in the mediator, in [0, 1].
    cost : ndarray of float, shape (R,)
        Summed war weariness of the two parties (the costs of fighting on), >= 0.
    rung : ndarray of int8, shape (R,)
        Rung of the pair's ladder after today's actions, 0..5.
    """

    leverage: float
    trust: float
    cost: np.ndarray
    rung: np.ndarray


@dataclass(frozen=True, slots=True)
class CeasefireStatus:
    """The state of a ceasefire on one day, for the rule that decides whether it ends.

    Parameters
    ----------
    days_in : ndarray of int, shape (R,)
        Whole days the ceasefire has lasted before today.
    violations : ndarray of int, shape (R,)
        Violations today: states acting above the ceasefire cap.
    history : ndarray of int, shape (H, R)
        Violations on each of the last H days of this ceasefire (the model clears it when a
        ceasefire is made); row ``(day - d) % H`` holds day ``day - d``.
    day : int
        Today's day number, to index `history`.
    """

    days_in: np.ndarray
    violations: np.ndarray
    history: np.ndarray
    day: int

    def violations_within(self, days: int) -> np.ndarray:
        """Violations over the last `days` days, today included; shape (R,)."""
        horizon = self.history.shape[0]
        if days > horizon:
            raise ValueError(f"window of {days} days exceeds the {horizon} days of history kept")
        rows = [(self.day - d) % horizon for d in range(days)]
        return self.history[rows].sum(axis=0)

"""A user's own rules, defined outside the package, for the `_target_` plug-in tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AlwaysAt:
    """Act at a fixed rung every day (a deliberately blunt user rule)."""

    rung: int = 2

    def decide(self, inputs, u: np.ndarray) -> np.ndarray:
        return np.full(u.shape, self.rung, dtype=np.int8)


class NeverAgree:
    """A plain (non-dataclass) ceasefire rule: no agreement, and any ceasefire ends at once."""

    def agree(self, talks, u: np.ndarray) -> np.ndarray:
        return np.zeros(u.shape, dtype=bool)

    def ends(self, status, u: np.ndarray) -> np.ndarray:
        return np.ones(u.shape, dtype=bool)


class AnswersInNumbers:
    """A ceasefire rule that answers with 0/1 numbers rather than booleans: always agreed, and
    ended on the day after it was made (its first day in force)."""

    def agree(self, talks, u: np.ndarray) -> np.ndarray:
        return np.ones(u.shape)

    def ends(self, status, u: np.ndarray) -> np.ndarray:
        return (status.days_in >= 1).astype(float)

"""A user's retaliation rule with a bug, for the sweep failure-isolation tests.

Importable by name from tests (pytest puts tests/ on sys.path) and from subprocesses given
PYTHONPATH=tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fragile:
    """Tit for tat that raises once a state's pressure exceeds `breaks_above`."""

    breaks_above: float = 1e9

    def decide(self, inputs, u: np.ndarray) -> np.ndarray:
        if np.any(inputs.pressure > self.breaks_above):
            raise RuntimeError(f"Fragile: pressure above {self.breaks_above}")
        return np.where(inputs.received > 0, inputs.received, 0).astype(np.int8)

"""A user rule that raises inside a worker, for the failing-chunk tests of the executors.

It lives in its own importable module (this folder is on sys.path, and worker processes inherit
it) because Dask and process workers import a scenario's rule classes by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FailsOnChunkSize:
    """Never act, but raise in any chunk of exactly `size` replications (a run's short last one)."""

    size: int = 7

    def decide(self, inputs, u: np.ndarray) -> np.ndarray:
        if u.shape[0] == self.size:
            raise RuntimeError(f"deliberate failure in a chunk of {self.size} replications")
        return np.zeros(u.shape, dtype=np.int8)

"""Where a run's outcomes go and whether they fit: the in-memory table, memory and disk checks.

:func:`sim.runs.montecarlo.simulate` keeps the outcomes in an :class:`OutcomeBuffer` (or streams
them to disk) and refuses a run that would not fit before allocating it (docs/reliability.md).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import EnvironmentFault

__all__ = ["OutcomeBuffer", "available_memory", "check_disk", "check_memory"]


class OutcomeBuffer:
    """Outcome rows of finished chunks placed into preallocated columns, replication order.

    Memory: the final table plus one chunk, not twice the table as a concatenation would take.
    """

    def __init__(self) -> None:
        self.capacity = 0
        self.columns: dict[str, np.ndarray] | None = None
        self.rows = 0
        self.attrs: dict[str, Any] = {}

    def reserve(self, rows: int) -> None:
        """Make room for `rows` rows (copying the rows so far if the columns must grow)."""
        if rows <= self.capacity:
            return
        if self.columns is not None:
            check_memory(rows, sum(c.dtype.itemsize for c in self.columns.values()))
            grown = {}
            for name, column in self.columns.items():
                grown[name] = np.empty(rows, column.dtype)
                grown[name][: self.rows] = column[: self.rows]
            self.columns = grown
        self.capacity = rows

    def add(self, first: int, frame: pd.DataFrame) -> None:
        """Place a chunk's rows, whose first replication is `first`."""
        if self.columns is None:
            check_memory(self.capacity, sum(frame[c].dtype.itemsize for c in frame.columns))
            # np.empty pages are not touched, hence not resident, until rows land on them.
            self.columns = {c: np.empty(self.capacity, frame[c].dtype) for c in frame.columns}
            self.attrs = dict(frame.attrs)
        for name, column in self.columns.items():
            column[first : first + len(frame)] = frame[name].to_numpy()
        self.rows = max(self.rows, first + len(frame))

    def frame(self) -> pd.DataFrame:
        """The rows so far as a table (trimmed to them; their attrs kept)."""
        columns = self.columns or {}
        if self.rows < self.capacity:
            columns = {c: a[: self.rows].copy() for c, a in columns.items()}
        frame = pd.DataFrame(columns, copy=False)
        frame.attrs.update(self.attrs)
        return frame


def available_memory() -> int | None:
    """Bytes of memory a new allocation can take without swapping, or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(rows: int, row_bytes: int) -> None:
    """Refuse, before allocating, an outcome table larger than the memory available."""
    need, free = rows * row_bytes, available_memory()
    if free is not None and need > free:
        raise EnvironmentFault(
            f"the outcomes of {rows:,} replications need {need / 1e9:,.1f} GB of memory and "
            f"{free / 1e9:,.1f} GB are available; stream them to disk (simulate(out_dir=...); "
            "python -m sim always does) or run fewer replications"
        )


def check_disk(chunk_file: Path, chunks: int) -> None:
    """Refuse a run whose outcomes would not fit on the disk, measured on its first chunk.

    The chunk files and then their compacted copy are on disk together for a moment: twice
    the chunks' size is needed.
    """
    total = chunk_file.stat().st_size * chunks
    free = shutil.disk_usage(chunk_file.parent).free
    if 2 * total > free:
        folder = chunk_file.parent.parent
        raise EnvironmentFault(
            f"{folder}: the outcomes of {chunks:,} chunks would take about {total / 1e9:,.1f} GB "
            f"(measured on the first), twice that while they are compacted, and "
            f"{free / 1e9:,.1f} GB are free; free some space, write them elsewhere "
            "(output.root), or run fewer replications"
        )

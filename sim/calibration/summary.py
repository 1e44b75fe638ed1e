"""Summary statistics of an episode record, and the distance between two records' statistics.

ABC compares the real record with simulated ones through a few statistics. A record's
statistics are, for each scored side, the share of its episodes whose answer reached

- rung 3 (an armed response) within 7 days, rung 4 (interstate clashes) within 7 days,
- rung 3 within 30 days, rung 4 within 30 days,

- a ceasefire or pause within 30 days (over the side's episodes whose sources say).

They are the binary outcomes the back-test scores (``docs/backtest.md``), pooled by side because
one record holds only 20 episodes. The ceasefire share is counted per side as the others are:
pooled over both sides it could not tell a rule under which pauses follow one side's strikes
from one under which they follow the other's. The distance is the Euclidean distance between
the two vectors of shares, each share counting alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["STATISTICS", "distance", "statistic_names", "summary_statistics"]

STATISTICS = (("armed_7d", "rung_7d", 3), ("rung4_7d", "rung_7d", 4), ("armed_30d", "rung_30d", 3),
              ("rung4_30d", "rung_30d", 4))  # fmt: skip
"""(name, record column, rung): the share of a side's episodes whose answer reached the rung."""


def statistic_names(record: pd.DataFrame) -> list[str]:
    """The names of a record's statistics: ``<side>:<outcome>``, the ceasefire last per side."""
    sides = sorted(record["scored_side"].unique())
    names = [name for name, _, _ in STATISTICS] + ["ceasefire_30d"]
    return [f"{side}:{name}" for side in sides for name in names]


def summary_statistics(
    record: pd.DataFrame, outcomes: pd.DataFrame | None = None
) -> dict[str, float]:
    """The statistics of one record.

    Parameters
    ----------
    record : DataFrame
        The episodes (:func:`~sim.calibration.record.library_record`): ``scored_side`` and, unless
        `outcomes` is given, the outcomes ``rung_7d``, ``rung_30d``, ``ceasefire_30d``.
    outcomes : DataFrame, optional
        A simulated copy of the record: the same rows in the same order, with the outcome
        columns (one copy of :func:`~sim.calibration.record.simulate_record`). The ceasefire
        share counts the episodes whose real outcome is known only, as the real record does.

    Returns
    -------
    dict of str to float
        Name (:func:`statistic_names`) to share.
    """
    source = record if outcomes is None else outcomes
    sides = record["scored_side"].to_numpy()
    known = record["ceasefire_30d"].notna().to_numpy()
    made = source["ceasefire_30d"].to_numpy(float)
    out = {}
    for side in sorted(set(sides)):
        mine = sides == side
        for name, column, rung in STATISTICS:
            out[f"{side}:{name}"] = float(np.mean(source[column].to_numpy()[mine] >= rung))
        counted = made[mine & known]
        out[f"{side}:ceasefire_30d"] = float(counted.mean()) if counted.size else 0.0
    return out


def distance(x: Mapping[str, float], y: Mapping[str, float]) -> float:
    """Euclidean distance between two records' statistics (the keys of `y` are compared)."""
    return math.sqrt(sum((float(x[k]) - float(y[k])) ** 2 for k in y))

"""Random streams keyed by replication: a replication's numbers do not depend on its chunk."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.streams import BLOCK, ReplicationStreams, stream


def _days(first: int, size: int, days: int = 3, rows: int = 2) -> np.ndarray:
    streams = ReplicationStreams(5, "militant", "ttp", first, size)
    return np.stack([streams.random(rows) for _ in range(days)])


@pytest.mark.parametrize(
    ("first", "size"), [(0, BLOCK), (0, 1), (BLOCK - 3, 7), (1000, 2 * BLOCK + 5), (3 * BLOCK, 1)]
)
def test_a_range_sees_the_columns_of_the_whole_blocks(first, size):
    whole = _days(0, 4 * BLOCK)
    assert (whole[:, :, first : first + size] == _days(first, size)).all()


def test_actors_and_seeds_have_their_own_numbers():
    a = ReplicationStreams(5, "state", "a", 0, 10).random(1)
    b = ReplicationStreams(5, "state", "b", 0, 10).random(1)
    c = ReplicationStreams(6, "state", "a", 0, 10).random(1)
    assert not np.isin(a, b).any() and not np.isin(a, c).any()
    assert ((a >= 0) & (a < 1)).all()


def test_bad_ranges_are_refused():
    with pytest.raises(ValueError, match="seed and block must be >= 0"):
        stream(-1, 0, "state", "a")
    with pytest.raises(ValueError, match="size >= 1"):
        ReplicationStreams(0, "state", "a", 0, 0)

"""Random streams keyed by replication: one generator per (actor, block of replications).

Replications are grouped into fixed blocks of :data:`BLOCK` consecutive global indices (block
``b`` holds replications ``b * BLOCK`` to ``(b + 1) * BLOCK - 1``), whatever the chunk size. Each
(actor, block) has its own stream ``PCG64(SeedSequence([actor_key, block, seed]))``: the ids first
and the run's seed last, as NumPy's parallel-streams guide recommends. Every day an actor draws a
fixed ``(rows, BLOCK)`` array from each block it touches and keeps the columns of its own
replications, so the numbers replication ``g`` sees depend only on the seed, the actor and ``g``:
not on the chunk size, the executor, the number of workers or the order in which chunks finish.

The actor key is a CRC-32 of the actor's kind and id, so adding an actor leaves every other
actor's numbers unchanged, and two runs that differ only in a policy parameter consume identical
numbers (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

# Replications per stream block. A chunk that is a whole number of blocks (the default chunk
# size is 8 blocks) draws no number it does not use; any other chunk draws the whole blocks it
# overlaps and keeps its columns (same numbers, some work wasted).
BLOCK = 1024
_LOW = (1 << 64) - 1


def actor_key(kind: str, actor_id: str) -> int:
    """A stable 32-bit key for an actor (not Python's `hash`, which changes per process)."""
    return zlib.crc32(f"{kind}:{actor_id}".encode())


def stream(seed: int, block: int, kind: str, actor_id: str) -> np.random.Generator:
    """The generator of one actor in one block of replications.

    Parameters
    ----------
    seed : int
        The run's seed, >= 0.
    block : int
        Index of the block of :data:`BLOCK` replications, >= 0.
    kind, actor_id : str
        The actor's kind (``state``, ``militant``, ``mediator``, ``ladder``) and id.

    Returns
    -------
    numpy.random.Generator
    """
    if seed < 0 or block < 0:
        raise ValueError(f"seed and block must be >= 0, got seed={seed}, block={block}")
    sequence = np.random.SeedSequence([actor_key(kind, actor_id), block, seed])
    return np.random.Generator(np.random.PCG64(sequence))


class ReplicationStreams:
    """An actor's uniforms for replications ``first`` to ``first + size - 1``, day after day.

    Parameters
    ----------
    seed : int
        The run's seed, >= 0.
    kind, actor_id : str
        The actor (see :func:`stream`).
    first : int
        Global index of the first replication, >= 0.
    size : int
        Number of replications, >= 1.

    Examples
    --------
    >>> whole = ReplicationStreams(1, "state", "a", 0, 3000).random(2)
    >>> part = ReplicationStreams(1, "state", "a", 1000, 500).random(2)
    >>> bool((whole[:, 1000:1500] == part).all())
    True
    """

    def __init__(self, seed: int, kind: str, actor_id: str, first: int, size: int) -> None:
        if first < 0 or size < 1:
            raise ValueError(f"need first >= 0 and size >= 1, got first={first}, size={size}")
        low, high = first // BLOCK, (first + size - 1) // BLOCK
        self.generators = [stream(seed, b, kind, actor_id) for b in range(low, high + 1)]
        self.offset = first - low * BLOCK
        self.size = size

    @property
    def blocks(self) -> int:
        """How many stream blocks this range overlaps."""
        return len(self.generators)

    def state_words(self, block: int) -> np.ndarray:
        """The PCG64 state of the range's `block`-th stream block as four 64-bit words.

        The LCG state and increment, high word first: what the compiled day's own PCG64
        (:mod:`sim.engine.kernel`) computes its numbers from; :meth:`set_state_words` puts it
        back.
        """
        state = self.generators[block].bit_generator.state["state"]
        words = [
            state["state"] >> 64,
            state["state"] & _LOW,
            state["inc"] >> 64,
            state["inc"] & _LOW,
        ]
        return np.array(words, np.uint64)

    def set_state_words(self, block: int, words: np.ndarray) -> None:
        """Move the `block`-th stream block's generator to the state `words` (same increment)."""
        bits = self.generators[block].bit_generator
        full = bits.state
        if (int(words[2]) << 64 | int(words[3])) != full["state"]["inc"]:
            raise ValueError("the words hold another stream's increment")
        full["state"]["state"] = int(words[0]) << 64 | int(words[1])
        bits.state = full

    def random(self, rows: int) -> np.ndarray:
        """The next `rows` uniforms on [0, 1) of each replication, shape (rows, size)."""
        if len(self.generators) == 1 and self.offset == 0 and self.size == BLOCK:
            return self.generators[0].random((rows, BLOCK))
        # Draw whole blocks (the same numbers whoever asks), keep this range's columns.
        out = np.empty((rows, self.size))
        for i, generator in enumerate(self.generators):
            drawn = generator.random((rows, BLOCK))
            start = i * BLOCK - self.offset
            lo, hi = max(0, -start), min(BLOCK, self.size - start)
            out[:, start + lo : start + hi] = drawn[:, lo:hi]
        return out

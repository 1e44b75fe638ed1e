"""Random streams: one `numpy.random.Generator` per (chunk, actor), independent of the others.

Each stream is ``PCG64(SeedSequence([actor_key, chunk, seed]))``: the ids first and the run's
seed last, as NumPy's parallel-streams guide recommends. The actor key is a CRC-32 of the actor's
kind and id, so adding an actor leaves every other actor's numbers unchanged, and two runs that
differ only in a policy parameter consume identical numbers (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np


def actor_key(kind: str, actor_id: str) -> int:
    """A stable 32-bit key for an actor (not Python's `hash`, which changes per process)."""
    return zlib.crc32(f"{kind}:{actor_id}".encode())


def stream(seed: int, chunk: int, kind: str, actor_id: str) -> np.random.Generator:
    """The generator of one actor in one chunk of replications.

    Parameters
    ----------
    seed : int
        The run's seed, >= 0.
    chunk : int
        Index of the chunk of replications, >= 0.
    kind, actor_id : str
        The actor's kind (``state``, ``militant``, ``mediator``, ``ladder``) and id.

    Returns
    -------
    numpy.random.Generator
    """
    if seed < 0 or chunk < 0:
        raise ValueError(f"seed and chunk must be >= 0, got seed={seed}, chunk={chunk}")
    sequence = np.random.SeedSequence([actor_key(kind, actor_id), chunk, seed])
    return np.random.Generator(np.random.PCG64(sequence))

"""Random streams keyed by replication: a replication's numbers do not depend on its chunk."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from sim.core.streams import BLOCK, ReplicationStreams, actor_key, stream


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


def test_the_stream_is_the_documented_seed_sequence():
    # PCG64(SeedSequence([crc32("kind:id"), block, seed])): the numbers a run sees are fixed by
    # this recipe, so a result can be reproduced by any version that keeps it.
    for seed, block, kind, actor in [(0, 0, "state", "pakistan"), (7, 3, "militant", "ttp")]:
        key = zlib.crc32(f"{kind}:{actor}".encode())
        expected = np.random.Generator(np.random.PCG64(np.random.SeedSequence([key, block, seed])))
        assert actor_key(kind, actor) == key
        np.testing.assert_array_equal(
            stream(seed, block, kind, actor).random(5), expected.random(5)
        )


def test_two_chunks_of_one_run_and_two_kinds_of_actor_draw_different_numbers():
    first = ReplicationStreams(5, "state", "a", 0, BLOCK).random(2)
    second = ReplicationStreams(5, "state", "a", BLOCK, BLOCK).random(2)
    militant = ReplicationStreams(5, "militant", "a", 0, BLOCK).random(2)
    assert not np.isin(first, second).any()
    assert not np.isin(first, militant).any()


def test_each_day_draws_new_numbers_and_a_partial_block_keeps_its_columns():
    streams = ReplicationStreams(2, "ladder", "x", 10, 20)
    day1, day2 = streams.random(3), streams.random(3)
    assert day1.shape == day2.shape == (3, 20)
    assert not np.isin(day1, day2).any()
    block = stream(2, 0, "ladder", "x")
    np.testing.assert_array_equal(day1, block.random((3, BLOCK))[:, 10:30])
    np.testing.assert_array_equal(day2, block.random((3, BLOCK))[:, 10:30])


def test_bounds_are_checked_at_zero():
    # Seed 0, block 0, first replication 0 and a single replication are all valid.
    assert 0 <= stream(0, 0, "state", "a").random() < 1
    assert ReplicationStreams(0, "state", "a", 0, 1).random(1).shape == (1, 1)
    with pytest.raises(ValueError, match=r"seed and block must be >= 0, got seed=0, block=-1"):
        stream(0, -1, "state", "a")
    with pytest.raises(ValueError, match=r"need first >= 0 and size >= 1, got first=-1, size=1"):
        ReplicationStreams(0, "state", "a", -1, 1)
    with pytest.raises(ValueError, match=r"got first=0, size=0"):
        ReplicationStreams(0, "state", "a", 0, 0)


def _number(words: np.ndarray, steps: int) -> float:
    """The compiled day's PCG64 number `steps` steps after the state `words`."""
    from sim.engine.kernel import pcg_advance, pcg_uniform

    high, low = pcg_advance(*words, np.uint64(steps))
    return pcg_uniform(np.uint64(high), np.uint64(low))


@pytest.mark.parametrize(("first", "size"), [(0, 2 * BLOCK), (BLOCK - 3, 7), (1000, BLOCK + 30)])
def test_the_compiled_day_computes_the_numbers_the_days_draw_one_by_one(first, size):
    # The compiled day computes the number in row k, column c of day d of a stream block from the
    # block generator's state: the LCG's state (d * rows + k) * BLOCK + c + 1 steps on. These
    # are the numbers of the day-by-day draws, and the generator, moved on by all the days'
    # steps, is left where those draws leave it.
    from sim.engine.kernel import pcg_advance

    days, rows = 4, 3
    one_by_one = _days(first, size, days + 1, rows)
    streams = ReplicationStreams(5, "militant", "ttp", first, size)
    offset = first % BLOCK
    for block in range(streams.blocks):
        words = streams.state_words(block)
        lo, hi = max(0, block * BLOCK - offset), min(size, (block + 1) * BLOCK - offset)
        cells = [(0, 0, lo), (0, 2, hi - 1), (3, 1, (lo + hi) // 2), (days - 1, rows - 1, lo)]
        for d, k, c in cells:
            column = c + offset - block * BLOCK
            steps = (d * rows + k) * BLOCK + column + 1
            assert _number(words, steps) == one_by_one[d, k, c]
        words[0], words[1] = pcg_advance(*words, np.uint64(days * rows * BLOCK))
        streams.set_state_words(block, words)
    assert streams.blocks == (offset + size - 1) // BLOCK + 1
    assert (streams.random(rows) == one_by_one[days]).all()


@pytest.mark.parametrize("size", [1, 3, 1000, 4099])
def test_the_compiled_days_pcg64_computes_numpys_numbers(size):
    generator = stream(3, 2, "state", "a")
    words = ReplicationStreams(3, "state", "a", 2 * BLOCK, 1).state_words(0)
    mine = [_number(words, steps) for steps in range(1, size + 1)]
    np.testing.assert_array_equal(mine, generator.random(size))


@pytest.mark.parametrize("delta", [0, 1, 2, 1023, 2**40 + 7])
def test_the_compiled_days_jump_ahead_is_numpys(delta):
    from sim.engine.kernel import pcg_advance

    bits = np.random.PCG64(np.random.SeedSequence([9, 1, 4]))
    state, inc, low_word = bits.state["state"]["state"], bits.state["state"]["inc"], 2**64 - 1
    words = [np.uint64(x) for x in (state >> 64, state & low_word, inc >> 64, inc & low_word)]
    high, low = pcg_advance(*words, np.uint64(delta))
    bits.advance(delta)
    assert (int(high) << 64 | int(low)) == bits.state["state"]["state"]


def test_a_state_from_another_stream_is_refused():
    a = ReplicationStreams(3, "state", "a", 0, 1)
    b = ReplicationStreams(3, "state", "b", 0, 1)
    with pytest.raises(ValueError, match="another stream's increment"):
        a.set_state_words(0, b.state_words(0))

"""Common random numbers: the draws of turn t come from SeedSequence([seed, t, stream]).

`numpy.random.SeedSequence` hashes its entropy into a pool and expands the pool into
words. This module computes exactly the same words over an array of seeds at once, so
that the batch engine and the single game see identical worlds; a unit test checks the
words against numpy's own SeedSequence. The player's choices never move a generator,
because no generator has a position: every draw is addressed by (seed, turn, stream).
"""

from __future__ import annotations

import functools

import numpy as np

# Constants of numpy.random.SeedSequence (numpy/random/bit_generator.pyx).
_POOL_SIZE = 4
_INIT_A = np.uint32(0x43B0D7E5)
_MULT_A = np.uint32(0x931E8875)
_INIT_B = np.uint32(0x8B51F9DD)
_MULT_B = np.uint32(0x58F38DED)
_MIX_MULT_L = np.uint32(0xCA01F9DD)
_MIX_MULT_R = np.uint32(0x4973F715)
_XSHIFT = np.uint32(16)

MAX_SEED = 2**32 - 1

# One stream per kind of randomness, with the number of uniforms it needs a turn.
# Adding a kind never shifts another: each is addressed by its own stream number.
STREAMS: dict[str, tuple[int, int]] = {
    "preemption": (1, 1 + 32),
    "capacity_shortage": (2, 2),
    "runaway_job": (3, 3),
    "idle_cluster": (4, 4),
    "traffic_surge": (5, 2),
    "price_change": (6, 2),
    "demand_noise": (7, 1),
    "inference_preemption": (8, 2),
    "safety_incident": (9, 2),
    # Practices failing: [0] a false anomaly flag, [1] the schedule stopping a run,
    # [2] where in the checkpoint interval it stopped.
    "practice_failure": (10, 3),
}


def _hashmix(value: np.ndarray, hash_const: np.uint32) -> tuple[np.ndarray, np.uint32]:
    value = value ^ hash_const
    hash_const = np.uint32(hash_const * _MULT_A)
    value = value * hash_const
    value = value ^ (value >> _XSHIFT)
    return value, hash_const


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    result = _MIX_MULT_L * x - _MIX_MULT_R * y
    return result ^ (result >> _XSHIFT)


@functools.cache
def _expansion_constants(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The hash constants SeedSequence.generate_state applies to word i: before and after."""
    consts = np.empty(n + 1, dtype=np.uint32)
    consts[0] = _INIT_B
    with np.errstate(over="ignore"):
        for i in range(n):
            consts[i + 1] = consts[i] * _MULT_B
    return consts[:-1], consts[1:]


def _pools(seeds: np.ndarray, turn: int, streams: np.ndarray) -> np.ndarray:
    """SeedSequence's entropy pool for [seed, turn, stream]: shape (seeds, streams, 4)."""
    shape = (seeds.shape[0], streams.shape[0])
    entropy = [
        np.broadcast_to(seeds[:, None], shape),
        np.full(shape, np.uint32(turn)),
        np.broadcast_to(streams[None, :], shape),
    ]
    hash_const = _INIT_A
    pool = []
    for i in range(_POOL_SIZE):
        src = entropy[i] if i < len(entropy) else np.zeros(shape, dtype=np.uint32)
        mixed, hash_const = _hashmix(src, hash_const)
        pool.append(mixed)
    for i_src in range(_POOL_SIZE):
        for i_dst in range(_POOL_SIZE):
            if i_src != i_dst:
                hashed, hash_const = _hashmix(pool[i_src], hash_const)
                pool[i_dst] = _mix(pool[i_dst], hashed)
    return np.stack(pool, axis=-1)


def _expand(pool: np.ndarray, n_words: int) -> np.ndarray:
    """SeedSequence.generate_state(n_words, uint64) from pools of shape (..., 4)."""
    xor_consts, mul_consts = _expansion_constants(2 * n_words)
    data = (pool[..., np.arange(2 * n_words) % _POOL_SIZE] ^ xor_consts) * mul_consts
    words32 = data ^ (data >> _XSHIFT)
    lo = words32[..., 0::2].astype(np.uint64)
    hi = words32[..., 1::2].astype(np.uint64)
    return lo | (hi << np.uint64(32))


def seed_words(seeds: np.ndarray, turn: int, stream: int, n_words: int) -> np.ndarray:
    """`SeedSequence([seed, turn, stream]).generate_state(n_words, uint64)` for each seed.

    Seeds, turn and stream must each fit in 32 bits; returns shape (len(seeds), n_words).
    """
    seeds = np.asarray(seeds, dtype=np.uint32)
    with np.errstate(over="ignore"):
        pool = _pools(seeds, turn, np.array([stream], dtype=np.uint32))[:, 0, :]
        return _expand(pool, n_words)


def _to_unit(words: np.ndarray) -> np.ndarray:
    """53 bits of each word as a uniform in [0, 1)."""
    return (words >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


_STREAM_IDS = np.array([sid for sid, _ in STREAMS.values()], dtype=np.uint32)
# Short streams are expanded together; a stream's first words never depend on how
# many follow, so expanding more words than a stream needs changes nothing.
_SHORT_WORDS = max(n for n in (n for _, n in STREAMS.values()) if n <= 8)


def turn_uniforms(seeds: np.ndarray, turn: int) -> dict[str, np.ndarray]:
    """Every stream's uniforms for one turn: {stream: array of shape (len(seeds), n)}."""
    seeds = np.asarray(seeds, dtype=np.uint32)
    out = {}
    with np.errstate(over="ignore"):
        pools = _pools(seeds, turn, _STREAM_IDS)
        short = _to_unit(_expand(pools, _SHORT_WORDS))
        for i, (name, (_, n)) in enumerate(STREAMS.items()):
            if n <= _SHORT_WORDS:
                out[name] = short[:, i, :n]
            else:
                out[name] = _to_unit(_expand(pools[:, i, :], n))
    return out

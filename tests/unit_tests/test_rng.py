"""Common random numbers: our vectorized SeedSequence is numpy's, word for word."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from finops_tui.engine.rng import STREAMS, seed_words, turn_uniforms


@settings(max_examples=50, deadline=None)
@given(
    seeds=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=8),
    turn=st.integers(0, 200),
    stream=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
)
def test_seed_words_equal_numpy_seed_sequence(seeds, turn, stream, n):
    ours = seed_words(np.array(seeds), turn, stream, n)
    for row, seed in zip(ours, seeds, strict=True):
        reference = np.random.SeedSequence([seed, turn, stream]).generate_state(n, np.uint64)
        assert np.array_equal(row, reference)


def test_turn_uniforms_are_per_stream_and_in_range():
    seeds = np.arange(1000)
    draws = turn_uniforms(seeds, 3)
    assert set(draws) == set(STREAMS)
    for name, (_, n) in STREAMS.items():
        u = draws[name]
        assert u.shape == (1000, n)
        assert (u >= 0).all() and (u < 1).all()
    # Roughly uniform, and different streams differ.
    assert abs(draws["runaway_job"][:, 0].mean() - 0.5) < 0.05
    assert not np.array_equal(draws["runaway_job"][:, 0], draws["idle_cluster"][:, 0])
    # A seed's draws do not depend on which other seeds share the batch.
    alone = turn_uniforms(np.array([537]), 3)
    assert np.array_equal(alone["preemption"][0], draws["preemption"][537])

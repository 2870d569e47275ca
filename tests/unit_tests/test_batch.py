"""The batch engine equals the single game, seed by seed, to the cent."""

from __future__ import annotations

import numpy as np
import pytest

from finops_tui.cli.bench import same_game
from finops_tui.engine import plan_decisions, play
from finops_tui.engine.batch import play_batch

from ..conftest import SHIPPED_LEVELS


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
@pytest.mark.parametrize("plan", ["par", "naive"])
def test_batch_equals_single_games(scenarios, name, plan):
    scenario = scenarios[name]
    decisions = plan_decisions(scenario, scenario.level.plans[plan])
    seeds = np.arange(1000, 1060)
    result = play_batch(scenario, seeds, decisions)
    for i, seed in enumerate(seeds):
        single = play(scenario, int(seed), decisions)
        assert same_game(scenario, single, result, i), f"seed {seed} differs"


def test_decision_variants_in_one_batch(sandbox):
    """One batch can hold different decisions per game (e.g. par and naive side by side)."""
    par = plan_decisions(sandbox, sandbox.level.plans["par"])
    naive = plan_decisions(sandbox, sandbox.level.plans["naive"])
    seeds = np.array([5, 5, 6, 6])
    per_turn = [[p, n, p, n] for p, n in zip(par, naive, strict=True)]
    result = play_batch(sandbox, seeds, per_turn)
    for i, (seed, plan) in enumerate(zip(seeds, [par, naive, par, naive], strict=True)):
        assert same_game(sandbox, play(sandbox, int(seed), plan), result, i)
    assert result.score[0] > result.score[1]


def test_events_depend_only_on_the_seed(sandbox):
    par = plan_decisions(sandbox, sandbox.level.plans["par"])
    naive = plan_decisions(sandbox, sandbox.level.plans["naive"])
    seeds = np.arange(300)
    a = play_batch(sandbox, seeds, par)
    b = play_batch(sandbox, seeds, naive)
    events = [*sandbox.level.events.scheduled, *sandbox.level.events.random]
    mitigated = np.array([e.mitigated_by is not None for e in events])
    assert np.array_equal(a.events[:, :, ~mitigated], b.events[:, :, ~mitigated])
    assert a.events.any()
    # Same draw, lower odds: par (evaluation kept) has an incident only where naive has one.
    assert (b.events[:, :, mitigated] >= a.events[:, :, mitigated]).all()
    assert b.events[:, :, mitigated].sum() > 3 * a.events[:, :, mitigated].sum()


def test_bad_seeds_are_refused(sandbox):
    par = plan_decisions(sandbox, sandbox.level.plans["par"])
    with pytest.raises(ValueError):
        play_batch(sandbox, [-1], par)
    with pytest.raises(ValueError):
        play_batch(sandbox, [], par)

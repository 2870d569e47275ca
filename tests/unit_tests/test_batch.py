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


def test_the_forecast_fan_spreads_luck_not_choices(sandbox):
    from dataclasses import replace

    from finops_tui.engine.batch import FUTURE_SEED_STRIDE, forecast_fan
    from finops_tui.engine.kernel import DecisionArrays, resolve

    par = plan_decisions(sandbox, sandbox.level.plans["par"])
    state = play(sandbox, 3, par[:2])
    fan = forecast_fan(sandbox, state.batch, par[2], futures=300)
    assert fan.turns == tuple(range(3, 13)) and fan.futures == 300
    for lo, mid, hi in zip(fan.p10, fan.p50, fan.p90, strict=True):
        assert 0 < lo <= mid <= hi
    assert fan.total_p10 < fan.total_p90  # random events make futures differ
    # The first future equals continuing this very game under the first future seed.
    first_seed = (3 + FUTURE_SEED_STRIDE) % 2**32
    continued = replace(state.batch, seeds=np.array([first_seed]))
    _, out = resolve(sandbox, continued, DecisionArrays.from_decisions(sandbox, [par[2]]))
    single = forecast_fan(sandbox, state.batch, par[2], futures=1)
    assert single.p50[0] == int(out.spend[0]) / 100
    # Asking does not change the game.
    assert play(sandbox, 3, par[:2]).history == state.history


@pytest.mark.parametrize(
    ("level", "pricing"),
    [("spot-or-reserved", "training.spot"), ("chatbot-at-scale", "inference.commit-1y")],
)
def test_a_fan_from_kept_draws_equals_the_futures_played_afresh(level, pricing):
    """The fan keeps each turn's draws between decision changes, and the kernel skips
    preemptions and commitments where a batch has none; the numbers must be those of
    playing the same futures from scratch, on spot and with commitments alike."""
    from finops_tui.content.levels import load_scenario
    from finops_tui.engine.batch import forecast_fan, future_seeds, futures_of

    scenario = load_scenario(level)
    plan = plan_decisions(scenario, scenario.level.plans["par"])
    workload, how = pricing.split(".")
    kept = next(d for d in plan if getattr(d, workload).pricing == how)
    state = play(scenario, 5, plan[:2])
    fan = forecast_fan(scenario, state.batch, kept, futures=200)
    assert forecast_fan(scenario, state.batch, kept, futures=200) == fan  # kept draws
    remaining = scenario.level.turns - 2
    fresh = play_batch(
        scenario, future_seeds(5, 200), [kept] * remaining, start=futures_of(state.batch, 200)
    )
    if how.startswith("commit"):
        assert fresh.state.commitments.any()
    spend = fresh.spend_cents / 100.0
    assert fan.p50 == tuple(float(x) for x in np.quantile(spend, 0.5, axis=0))
    assert fan.total_p90 == float(np.quantile(spend.sum(axis=1), 0.9))
    if how == "spot":
        assert fan.total_p10 < fan.total_p90  # preemptions differ from future to future


def test_kept_draws_cannot_be_changed(sandbox):
    from finops_tui.engine.batch import _future_draws

    draws = _future_draws(7, 10, 3)
    with pytest.raises(ValueError):
        draws["preemption"][0, 0] = 0.5

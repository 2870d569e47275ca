"""The engine: deterministic, common random numbers, and a bill that adds up."""

from __future__ import annotations

from collections import defaultdict

import pytest

from finops_tui.engine import (
    Decisions,
    InvalidDecisions,
    check_decisions,
    new_game,
    plan_decisions,
    play,
    preview_turn,
    resolve_turn,
    start_decisions,
)
from finops_tui.engine.scenario import Scenario


def _par(scenario):
    return plan_decisions(scenario, scenario.level.plans["par"])


def test_same_seed_and_decisions_give_the_same_bill(scenarios):
    scenario = scenarios["spot-or-reserved"]
    a = play(scenario, 11, _par(scenario))
    b = play(scenario, 11, _par(scenario))
    assert a.history == b.history
    assert a.score == b.score


def test_different_seeds_give_different_worlds(scenarios):
    scenario = scenarios["spot-or-reserved"]
    spends = {play(scenario, seed, _par(scenario)).spend_usd for seed in range(8)}
    assert len(spends) > 1


def test_changing_turn_3_does_not_change_the_events_of_turn_5(sandbox):
    decisions = _par(sandbox)
    other = list(decisions)
    other[2] = other[2].model_copy(
        update={
            "training": other[2].training.model_copy(update={"pricing": "on-demand"}),
            "practices": other[2].practices.model_copy(update={"anomaly_detection": False}),
        }
    )
    for seed in range(40):
        a = play(sandbox, seed, decisions[:5])
        b = play(sandbox, seed, other[:5])
        assert a.history[2].spend_usd != b.history[2].spend_usd
        events_a = [(e.kind, e.title, e.magnitude) for e in a.history[4].events]
        events_b = [(e.kind, e.title, e.magnitude) for e in b.history[4].events]
        assert [e for e in events_a if e[0] != "spot_preemption"] == [
            e for e in events_b if e[0] != "spot_preemption"
        ]


@pytest.mark.parametrize("plan", ["par", "naive"])
def test_the_ledger_sums_exactly_to_the_total(scenarios, plan):
    """FOCUS 1.2: the BilledCost of a period's rows is its invoice; costs are never negative
    (the game has no credits)."""
    for scenario in scenarios.values():
        state = play(scenario, 5, plan_decisions(scenario, scenario.level.plans[plan]))
        for record in state.history:
            billed = sum(line.billed_cost_cents for line in record.lines)
            effective = sum(line.effective_cost_cents for line in record.lines)
            assert billed == round(record.spend_usd * 100)
            # Commitments billed each period are amortized in the same period.
            assert effective == billed
            for line in record.lines:
                assert line.billed_cost_cents >= 0 and line.effective_cost_cents >= 0
                assert line.list_cost_cents >= 0 and line.wasted_cents >= 0


def test_focus_commitment_invariants(sandbox):
    """FOCUS 1.2 (FinOps Open Cost and Usage Specification, 2025-05-30): a Purchase row
    that covers future charges has EffectiveCost 0, and for each CommitmentDiscountId the
    EffectiveCost of its Used and Unused rows equals the BilledCost of its Purchase rows."""
    decisions = _par(sandbox)
    # Commit for training on turns 1-3, then switch to spot: the commitment goes unused.
    committed = decisions[0].model_copy(
        update={"training": decisions[0].training.model_copy(update={"pricing": "commit-1y"})}
    )
    state = play(sandbox, 3, [committed] * 3 + decisions[3:6])
    seen_unused = False
    for record in state.history:
        purchased: dict[str, int] = defaultdict(int)
        consumed: dict[str, int] = defaultdict(int)
        for line in record.lines:
            if line.commitment_discount_id is None:
                continue
            if line.charge_category == "Purchase":
                assert line.effective_cost_cents == 0
                purchased[line.commitment_discount_id] += line.billed_cost_cents
            else:
                assert line.commitment_discount_status in ("Used", "Unused")
                assert line.billed_cost_cents == 0
                consumed[line.commitment_discount_id] += line.effective_cost_cents
                seen_unused |= line.commitment_discount_status == "Unused"
        assert purchased == consumed
        assert purchased  # the commitment is billed every period
    assert seen_unused
    kpis = state.history[4].kpis
    assert kpis["commitment_utilization"] is not None and kpis["commitment_utilization"] < 0.5


def test_an_unused_commitment_is_waste(sandbox):
    decisions = _par(sandbox)
    committed = decisions[0].model_copy(
        update={"training": decisions[0].training.model_copy(update={"pricing": "commit-3y"})}
    )
    spot_only = play(sandbox, 3, decisions[:4])
    commit_then_spot = play(sandbox, 3, [committed, *decisions[1:4]])
    assert (
        commit_then_spot.history[3].kpis["waste_usd"]
        > spot_only.history[3].kpis["waste_usd"] + 10_000
    )


def test_tagging_makes_spend_allocatable(scenarios):
    scenario = scenarios["tutorial"]
    untagged = play(scenario, 1, plan_decisions(scenario, scenario.level.plans["naive"]))
    tagged = play(scenario, 1, _par(scenario))
    assert untagged.game_kpis["allocation_coverage"] == 0
    assert tagged.game_kpis["allocation_coverage"] == pytest.approx(1.0)
    assert all(line.tags for line in tagged.history[0].lines)


def test_alerts_stop_a_runaway_job_early(scenarios):
    scenario = scenarios["spot-or-reserved"]
    naive = plan_decisions(scenario, scenario.level.plans["naive"])
    guarded = [
        d.model_copy(update={"practices": d.practices.model_copy(update={"budget_alerts": True})})
        for d in naive
    ]
    for seed in range(60):
        a = play(scenario, seed, naive)
        b = play(scenario, seed, guarded)
        for ra, rb in zip(a.history, b.history, strict=True):
            runaway_a = [e for e in ra.events if e.kind == "runaway_job"]
            runaway_b = [e for e in rb.events if e.kind == "runaway_job"]
            assert len(runaway_a) == len(runaway_b)
            for ea, eb in zip(runaway_a, runaway_b, strict=True):
                assert eb.cost_usd <= ea.cost_usd
                assert "budget alert" in eb.effect
        if any(e.kind == "runaway_job" for r in a.history for e in r.events):
            return
    pytest.fail("no runaway job in 60 seeds: the test proves nothing")


def test_preemptions_cost_less_with_frequent_checkpoints(scenarios):
    scenario = scenarios["spot-or-reserved"]
    par = _par(scenario)
    daily = [
        d.model_copy(update={"training": d.training.model_copy(update={"checkpoint_hours": 24})})
        for d in par
    ]
    lost_hourly = sum(
        play(scenario, s, par[:3]).history[2].kpis["lost_gpu_hours"] for s in range(20)
    )
    lost_daily = sum(
        play(scenario, s, daily[:3]).history[2].kpis["lost_gpu_hours"] for s in range(20)
    )
    assert lost_daily > 5 * lost_hourly > 0


def test_a_model_that_does_not_fit_is_rejected_with_the_reason(sandbox):
    state = new_game(sandbox, 0)
    d = start_decisions(sandbox)
    bad = d.model_copy(
        update={
            "inference": d.inference.model_copy(
                update={"mode": "self-host", "model": "llama-70b", "gpu": "l4", "gpus": 2}
            )
        }
    )
    problems = check_decisions(sandbox, state, bad)
    assert [p.key for p in problems] == ["inference.gpus"]
    assert "GB" in problems[0].message and "8 x l4" in problems[0].message
    with pytest.raises(InvalidDecisions) as caught:
        resolve_turn(sandbox, state, bad)
    assert caught.value.problems == problems


def test_options_a_level_does_not_offer_are_rejected(scenarios):
    scenario = scenarios["tutorial"]
    state = new_game(scenario, 0)
    d = start_decisions(scenario)
    bad = Decisions.model_validate(
        {
            **d.model_dump(),
            "training": {**d.training.model_dump(), "gpu": "h200", "pricing": "commit-3y"},
            "practices": {**d.practices.model_dump(), "anomaly_detection": True},
        }
    )
    keys = {p.key for p in check_decisions(scenario, state, bad)}
    assert keys == {"training.gpu", "training.pricing", "practices.anomaly_detection"}


def test_preview_is_a_calm_world(sandbox):
    state = new_game(sandbox, 0)
    decisions = _par(sandbox)[0]
    preview = preview_turn(sandbox, state, decisions)
    assert preview.events == () or all(e.kind == "spot_preemption" for e in preview.events)
    # It does not advance the game.
    assert resolve_turn(sandbox, state, decisions).state.turn == 1


def test_a_finished_game_refuses_another_turn(scenarios):
    scenario = scenarios["tutorial"]
    state = play(scenario, 0, _par(scenario))
    assert state.finished
    with pytest.raises(ValueError, match="over"):
        resolve_turn(scenario, state, _par(scenario)[0])


def test_seeds_must_fit_32_bits(scenarios):
    with pytest.raises(ValueError):
        new_game(scenarios["tutorial"], 2**32)


def test_counterfactuals_replay_the_players_decisions_with_one_change(scenarios):
    from finops_tui.engine import counterfactual

    scenario = scenarios["spot-or-reserved"]
    naive = plan_decisions(scenario, scenario.level.plans["naive"])
    base = play(scenario, 3, naive)
    assert scenario.level.counterfactuals
    for cf in scenario.level.counterfactuals:
        alt = counterfactual(scenario, 3, naive, cf.change)
        assert alt.spend_usd < base.spend_usd, cf.label
        # Same world: the scheduled and random events fired in the same turns.
        for a, b in zip(alt.history, base.history, strict=True):
            assert {e.source for e in a.events if e.source} == {
                e.source for e in b.events if e.source
            }


def test_an_injected_event_changes_only_the_turns_from_its_own(scenarios):
    from finops_tui.engine import Scenario
    from finops_tui.engine.level import Event

    scenario = scenarios["spot-or-reserved"]
    surge = Event(kind="price_change", title="Prices double", turn=4, magnitude=2.0, gpu="h100")
    injected = Scenario.build(scenario.level.with_injected([surge]), scenario.catalog)
    par = _par(scenario)
    a, b = play(scenario, 9, par), play(injected, 9, par)
    assert a.history[:3] == b.history[:3]
    assert b.history[3].spend_usd > a.history[3].spend_usd
    assert any(e.title == "Prices double" for e in b.history[3].events)


def test_every_record_in_the_history_carries_the_score_after_its_turn(scenarios):
    scenario = scenarios["spot-or-reserved"]
    par = _par(scenario)
    state = play(scenario, 2, par)
    for turn, record in enumerate(state.history, start=1):
        assert record.score == play(scenario, 2, par[:turn]).score
    assert state.history[-1].score == state.score and state.history[-1].stars == state.stars


def _with_inference(decisions, **update):
    return decisions.model_copy(update={"inference": decisions.inference.model_copy(update=update)})


def test_a_commitment_bought_in_the_last_month_is_owed_in_the_final_result(scenarios):
    """Commitments are billed whether used or not to the end of their term (AWS, Azure,
    GCP terms; figures.md): one bought in the last month leaves 11 months owed."""
    scenario = scenarios["chatbot-at-scale"]
    plan = plan_decisions(scenario, scenario.level.plans["par"])
    on_demand = [_with_inference(d, pricing="on-demand") for d in plan]
    last_minute = [*on_demand[:-1], _with_inference(on_demand[-1], pricing="commit-1y")]
    free = play(scenario, 4, on_demand)
    bought = play(scenario, 4, last_minute)
    assert free.game_kpis["commitment_obligation_usd"] == 0
    gpus = plan[-1].inference.gpus  # 40 L4s at the 1-year rate, 11 months of 730 h left
    owed = gpus * 11 * 730 * scenario.catalog.gpus["l4"].price.commit_1y
    assert bought.game_kpis["commitment_obligation_usd"] == pytest.approx(owed, abs=0.01)
    assert bought.game_kpis["net_value_usd"] < free.game_kpis["net_value_usd"] - owed * 0.9
    assert bought.history[-2].kpis == free.history[-2].kpis  # only the end counts it


def test_a_level_may_let_a_commitment_be_resold_at_a_loss(scenarios):
    base = scenarios["chatbot-at-scale"]
    data = base.level.model_dump()
    data["commitments"] = {"resale_share": 0.6}
    level = type(base.level).model_validate(data)
    resale = Scenario.build(level, base.catalog)
    plan = plan_decisions(base, base.level.plans["par"])
    owed = play(base, 4, plan).game_kpis["commitment_obligation_usd"]
    sold = play(resale, 4, plan).game_kpis["commitment_obligation_usd"]
    assert owed > 0
    assert sold == pytest.approx(owed * 0.4, abs=0.02)

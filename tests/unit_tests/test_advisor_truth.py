"""The advisor tells the truth, through the single-game engine a player's app uses.

Every sentence comes from this period's facts; a tip that recommends a change quotes
the engine's counterfactual for the period, re-played here independently with
`resolve_turn`, and is only given when it saves money. No level figure is written down:
what a period was is read from its record.
"""

from __future__ import annotations

import re

import pytest

from finops_tui.engine.game import new_game, plan_decisions, resolve_turn
from finops_tui.engine.what_if import resolve_variants, state_before
from finops_tui.gameplay.advice_rules import proposals
from finops_tui.gameplay.advisor import advise, merged_lines
from finops_tui.gameplay.format import PRACTICE_LABELS, usd
from finops_tui.gameplay.turn_facts import turn_facts
from tests.conftest import SHIPPED_LEVELS

SEEDS = range(2)
PLANS = ("par", "naive")


def periods(scenario, plan: str, seed: int):
    """(the game before the period, its record, the game after, the advisor's tip)."""
    state = new_game(scenario, seed)
    for decisions in plan_decisions(scenario, scenario.level.plans[plan]):
        before = state
        result = resolve_turn(scenario, state, decisions)
        state = result.state
        yield before, result.record, state, advise(scenario, state, result.record)


def every_period(scenario):
    for plan in PLANS:
        for seed in SEEDS:
            yield from periods(scenario, plan, seed)


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_no_period_is_called_calm_or_clean_when_something_happened(scenarios, name):
    for _before, record, _after, tip in every_period(scenarios[name]):
        text = tip.text.lower()
        if "clean period" in text or text.startswith("a calm") or "no events" in text:
            assert not record.events, (record.turn, [e.kind for e in record.events], tip.text)
            assert record.spend_usd <= record.budget_usd, tip.text
        if "within budget" in text:
            assert record.spend_usd <= record.budget_usd, tip.text


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_capacity_named_is_capacity_bought(scenarios, name):
    """Never 'on on-demand capacity' for traffic served through an API."""
    scenario = scenarios[name]
    for _before, record, _after, tip in every_period(scenario):
        text, d = tip.text, record.decisions
        assert not re.search(r"\bon (on-demand|spot|commit[\w ]*) capacity", text.lower()), text
        if scenario.level.inference is not None and d.inference.mode == "api":
            assert "serving on" not in text and "serving GPUs" not in text, text
        if scenario.level.training is None or d.training.gpus == 0:
            assert "training on" not in text and "Training ran" not in text, text


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_a_practice_named_while_off_would_have_saved_money_this_period(scenarios, name):
    """A tip that names a practice the team does not run recommends it: the engine must
    agree that switching it on would have made this period cheaper, at no cost in points."""
    scenario = scenarios[name]
    for before, record, _after, tip in every_period(scenario):
        d = record.decisions
        for practice, label in PRACTICE_LABELS.items():
            if getattr(d.practices, practice) is not False:
                continue
            # The closing line lists what was tried and did not pay: not a recommendation.
            said = tip.text.split("None of the changes the advisor tried")[0]
            if label.lower() not in said.lower():
                continue
            changed = d.model_copy(
                update={"practices": d.practices.model_copy(update={practice: True})}
            )
            other = resolve_turn(scenario, before, changed)
            net_played = record.value_usd - record.spend_usd
            net_changed = other.record.value_usd - other.record.spend_usd
            assert net_changed > net_played, (record.turn, practice, tip.text)
            assert other.state.score >= resolve_turn(scenario, before, d).state.score


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_a_recommendation_quotes_the_engines_counterfactual(scenarios, name):
    """Re-played with `resolve_turn` (not the advisor's batch): the same figure, a saving."""
    scenario = scenarios[name]
    for before, record, after, tip in every_period(scenario):
        if not tip.change:
            continue
        proposal = next(p for p in proposals(scenario, record.decisions) if p.key == tip.change)
        other = resolve_turn(scenario, before, proposal.decisions)
        saving = round(record.spend_usd - other.record.spend_usd, 2)
        gain = round(other.record.value_usd - record.value_usd, 2)
        assert tip.what_if is not None
        assert tip.what_if.saving_usd == pytest.approx(saving, abs=0.01)
        assert tip.what_if.value_gain_usd == pytest.approx(gain, abs=0.01)
        assert saving + gain >= 1, tip.text  # it would have paid
        assert other.state.score >= after.score, tip.text  # and cost no points
        if saving >= 1:
            assert f"would have cost {usd(saving)} less" in tip.text
        else:
            assert f"delivered {usd(gain)} more value" in tip.text


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_the_advisor_reads_the_same_period_as_the_report(scenarios, name):
    """Its facts are the record's: the same bill, budget, value and events."""
    scenario = scenarios[name]
    for plan in PLANS:
        state = new_game(scenario, 1)
        for decisions in plan_decisions(scenario, scenario.level.plans[plan]):
            before = state_before(scenario, 1, state.decisions)
            batch = resolve_variants(scenario, before, decisions, [])
            facts = turn_facts(scenario, decisions, before, batch.out, 0)
            result = resolve_turn(scenario, state, decisions)
            record, state = result.record, result.state
            assert facts.turn == record.turn
            assert facts.spend_usd == record.spend_usd
            assert facts.budget_usd == record.budget_usd
            assert facts.value_usd == record.value_usd
            assert sorted(e.kind for e in facts.events) == sorted(e.kind for e in record.events)
            for kind in ("runaway_job", "safety_incident"):
                assert facts.event_cost(kind) == pytest.approx(
                    sum(e.cost_usd for e in record.events if e.kind == kind)
                )
            unowned = sum(line.effective_usd for line in record.lines if not line.allocated)
            assert facts.untagged_usd == pytest.approx(unowned, abs=0.02)
            # The figures the tips quote are the report's lines.
            merged = merged_lines(record.lines)

            def billed(prefix: str, merged=merged) -> float:
                return sum(m.cost_usd for m in merged if m.description.startswith(prefix))

            dev_waste = sum(m.wasted_usd for m in merged if m.description.startswith("Dev"))
            assert facts.dev_waste_usd == pytest.approx(dev_waste, abs=0.02)
            assert facts.unused_commitment_usd == pytest.approx(billed("Unused"), abs=0.02)
            assert facts.training_cost_usd == pytest.approx(billed("Training:"), abs=0.02)


def test_a_period_not_of_this_game_is_refused(scenarios):
    scenario = scenarios["tutorial"]
    state = new_game(scenario, 0)
    decisions = plan_decisions(scenario, scenario.level.plans["par"])
    later = resolve_turn(scenario, resolve_turn(scenario, state, decisions[0]).state, decisions[1])
    with pytest.raises(ValueError, match="not a period of this game"):
        advise(scenario, state, later.record)

"""The advisor without an app: the bill's big lines, its breakdowns, and one tip a period."""

from __future__ import annotations

import pytest

from finops_tui.engine import physics
from finops_tui.engine.game import plan_decisions
from finops_tui.gameplay.advisor import (
    ROLE_FRAMES,
    Tip,
    advise,
    breakdown,
    frame_tip,
    large_lines,
    merged_lines,
    tokens_for_loss,
)
from finops_tui.gameplay.codex import codex
from finops_tui.gameplay.format import usd
from finops_tui.gameplay.roles import ROLES
from finops_tui.gameplay.session import GameSession
from tests.conftest import SHIPPED_LEVELS


def records(scenario, plan: str, seed: int = 3):
    session = GameSession.start(scenario, seed=seed)
    for decisions in plan_decisions(scenario, scenario.level.plans[plan]):
        yield session.resolve(decisions)


def tips(scenario, plan: str, seed: int = 3):
    """Each period of a plan with the advisor's tip on it."""
    session = GameSession.start(scenario, seed=seed)
    for decisions in plan_decisions(scenario, scenario.level.plans[plan]):
        record = session.resolve(decisions)
        yield record, advise(scenario, session.state, record)


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
@pytest.mark.parametrize("plan", ["par", "naive"])
def test_every_tip_names_a_codex_concept_and_fits_the_level(scenarios, name, plan):
    scenario = scenarios[name]
    level = scenario.level
    for _record, tip in tips(scenario, plan):
        assert tip.concept in codex(), tip.concept
        assert tip.text.strip()
        if level.training is None:  # never suggests a decision the level does not offer
            assert tip.concept not in ("spot", "training-compute", "chinchilla")


def test_the_tutorial_points_an_on_demand_run_at_spot(scenarios):
    scenario = scenarios["tutorial"]
    first, tip = next(tips(scenario, "naive"))
    assert first.decisions.training.pricing == "on-demand"
    assert tip.concept == "spot"
    assert "spot" in tip.text.lower()
    # ...with the engine's figure for this very month, which is a saving.
    assert tip.change == "training.pricing" and tip.what_if is not None
    assert tip.what_if.saving_usd > 0
    assert f"would have cost {usd(tip.what_if.saving_usd)} less" in tip.text


def test_a_calm_par_period_gets_the_finops_loop(scenarios):
    calm = [
        (record, tip)
        for name in SHIPPED_LEVELS
        for record, tip in tips(scenarios[name], "par")
        if tip.concept == "finops-phases"
    ]
    assert calm, "some par period in the shipped levels has nothing to fix"
    for record, tip in calm:
        assert "FinOps is a loop" in tip.text
        if tip.text.startswith("A calm"):
            assert not record.events and record.spend_usd <= record.budget_usd


def test_merged_lines_add_up_to_the_bill_largest_first(scenarios):
    for record in records(scenarios["sandbox"], "naive"):
        merged = merged_lines(record.lines)
        assert sum(m.cost_usd for m in merged) == pytest.approx(record.spend_usd, abs=0.01)
        costs = [m.cost_usd for m in merged]
        assert costs == sorted(costs, reverse=True)
        assert len({(m.description, m.cause) for m in merged}) == len(merged)


@pytest.mark.parametrize("share", [0.1, 0.3])
def test_large_lines_keep_the_top_few_and_every_big_one(scenarios, share):
    for record in records(scenarios["sandbox"], "naive"):
        merged = [m for m in merged_lines(record.lines) if m.cost_usd >= 0.5]
        total = sum(m.cost_usd for m in merged)
        shown = large_lines(record, share=share, at_least=2)
        assert shown[:2] == merged[:2]
        assert [m for m in merged if m.cost_usd >= share * total] == [
            m for m in shown if m.cost_usd >= share * total
        ]
        assert all(m.cost_usd >= 0.5 for m in shown)  # cents are not a line of the bill


def test_breakdowns_each_add_up_to_the_bill(scenarios):
    for record in records(scenarios["spot-or-reserved"], "par"):
        groups = breakdown(record.lines)
        assert list(groups) == ["Service", "Pricing", "Owner"]
        total = sum(line.effective_usd for line in record.lines)
        for name, rows in groups.items():
            assert sum(v for _, v in rows) == pytest.approx(total), name
        assert [label for label, _ in groups["Owner"]] == ["Allocated (tagged)", "Unallocated"]
        service = [v for _, v in groups["Service"]]
        assert service == sorted(service, reverse=True)


def test_an_empty_bill_breaks_down_to_nothing():
    groups = breakdown(())
    assert groups == {
        "Service": [],
        "Pricing": [],
        "Owner": [("Allocated (tagged)", 0), ("Unallocated", 0)],
    }


def test_tokens_for_loss_inverts_the_chinchilla_fit():
    params = 7e9
    tokens = tokens_for_loss(params, 2.5)
    assert tokens is not None
    loss = (
        physics.LOSS_E
        + physics.LOSS_A / params**physics.LOSS_ALPHA
        + physics.LOSS_B / tokens**physics.LOSS_BETA
    )
    assert loss == pytest.approx(2.5)
    assert tokens_for_loss(params, 1.0) is None  # below what any amount of data reaches
    assert tokens_for_loss(params, physics.LOSS_E) is None


def test_a_lens_frames_the_same_tip_in_its_terms():
    tip = Tip("Move training to spot: [b]$1,000[/b] less.", "spot")
    assert frame_tip(tip, None) is tip
    assert frame_tip(tip, "ceo") is tip
    for role_id, found in ROLES.items():
        framed = frame_tip(tip, role_id)
        assert framed.concept == tip.concept
        assert framed.text.startswith(f"{found.name} lens: ")
        assert framed.text.endswith("\n\n" + tip.text)  # the facts are unchanged
    odd = frame_tip(Tip("text", "no-such-concept"), "it")
    assert odd.text == f"IT lens: What matters to you: {ROLES['it'].cares}.\n\ntext"


def test_every_role_frame_names_a_codex_concept():
    assert set(ROLE_FRAMES) == set(ROLES)
    for frames in ROLE_FRAMES.values():
        assert set(frames) <= set(codex())

"""A whole level played through the UI reaches the debrief with the engine's score."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from finops_tui.content.levels import load_scenario
from finops_tui.engine import plan_decisions, play
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.briefing import BriefingScreen
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.turn import TurnScreen

from ..conftest import SHIPPED_LEVELS
from .conftest import play_turn

SEED = 7


@pytest.mark.parametrize("plan", ["par", "naive"])
async def test_tutorial_played_through_the_ui_scores_like_simulate(plan: str) -> None:
    scenario = load_scenario("tutorial")
    decisions = plan_decisions(scenario, scenario.level.plans[plan])
    expected = play(scenario, SEED, decisions)

    app = create_app(level="tutorial", seed=SEED, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        await pilot.press("enter")
        await pilot.pause()
        for turn, turn_decisions in enumerate(decisions, start=1):
            assert isinstance(app.screen, TurnScreen), f"turn {turn}"
            await play_turn(pilot, turn_decisions)
            assert isinstance(app.screen, ReportScreen), f"no report after turn {turn}"
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()

        state = app.session.state
        assert state.decisions == tuple(decisions)
        assert state.score == expected.score
        assert state.stars == expected.stars
        summary = str(app.screen.query_one("#debrief-summary", Static).content)
        assert f"Score {expected.score:.1f} / 100" in summary
        assert set(app.screen.runs) == {"par", "naive"}
        par = play(scenario, SEED, plan_decisions(scenario, scenario.level.plans["par"]))
        assert app.screen.runs["par"].score == par.score


async def test_sandbox_par_through_the_ui(scenarios) -> None:
    """Every kind of control (training, serving, practices, forecast) drives the engine."""
    scenario = scenarios["sandbox"]
    decisions = plan_decisions(scenario, scenario.level.plans["par"])[:3]
    expected = play(scenario, 3, decisions)
    app = create_app(level="sandbox", seed=3, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        for turn_decisions in decisions:
            await play_turn(pilot, turn_decisions)
            assert isinstance(app.screen, ReportScreen)
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, TurnScreen)
        assert app.session.state.score == expected.score
        assert app.session.state.history[-1].spend_usd == expected.history[-1].spend_usd


@pytest.mark.parametrize("level_id", SHIPPED_LEVELS)
async def test_every_shipped_level_plays_through_the_ui(level_id: str, scenarios) -> None:
    """The turn screen adapts to whatever a level enables: two turns of par, as simulate."""
    scenario = scenarios[level_id]
    decisions = plan_decisions(scenario, scenario.level.plans["par"])[:2]
    expected = play(scenario, 11, decisions)
    app = create_app(level=level_id, seed=11, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        for turn_decisions in decisions:
            await play_turn(pilot, turn_decisions)
            assert isinstance(app.screen, ReportScreen)
            await pilot.press("enter")
            await pilot.pause()
        assert app.session.state.decisions == expected.decisions
        assert app.session.state.score == expected.score

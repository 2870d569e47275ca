"""On screen: the forecast field's estimate is for the period it names, and the turn
report says why the score moved."""

from __future__ import annotations

from textual.widgets import Markdown

from finops_tui.engine.what_if import next_period_estimate
from finops_tui.gameplay.format import period_name, usd
from finops_tui.gameplay.score_moves import score_moves
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.widgets.estimate import EstimatePanel

from .waiting import settle_turn, wait_for


async def test_the_forecast_estimate_is_for_the_next_period_and_the_report_explains_the_score():
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")  # past the briefing
        await wait_for(lambda: isinstance(app.screen, TurnScreen), what="the turn screen")
        await settle_turn(pilot)
        screen, session = app.screen, app.session
        assert screen.asks_forecast
        expected = next_period_estimate(session.scenario, session.state.batch, screen.draft)
        assert expected is not None
        panel = str(screen.query_one(EstimatePanel).content)
        period = period_name(session.level)
        assert f"Your forecast is for {period} 2: about {usd(expected)}" in panel
        # This period's estimate is another number: the forecast is not graded against it.
        assert screen.estimate is not None

        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, ReportScreen), what="the report")
        report = app.screen
        record = session.state.history[-1]
        moves = score_moves(session.scenario, session.state, record)
        text = report.query_one(Markdown).source
        assert "## Why the score moved" in text
        for m in moves:
            assert f"**{m.component.label or m.component.kpi}**" in text

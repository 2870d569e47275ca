"""The forecast fan on the turn screen: the engine's P10/P50/P90 for the decisions shown."""

from __future__ import annotations

import os
import signal

import pytest
from textual.widgets import Input, RadioButton

from finops_tui.engine import plan_decisions
from finops_tui.engine.batch import forecast_fan
from finops_tui.gameplay.fan_process import FanProcess
from finops_tui.gameplay.format import usd
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.widgets.fan_chart import FanSummary
from finops_tui.ui.widgets.spend_chart import SpendChart

from .conftest import play_turn
from .waiting import settle_turn


async def start(pilot) -> TurnScreen:
    await pilot.press("enter")  # past the briefing
    await settle(pilot)
    assert isinstance(pilot.app.screen, TurnScreen)
    return pilot.app.screen


async def settle(pilot) -> None:
    # Past the estimate's debounce, which starts the fan's worker, and the fan it drew.
    await settle_turn(pilot)


def expected_fan(app, decisions):
    session = app.session
    return forecast_fan(session.scenario, session.state.batch, decisions, futures=1000)


def assert_fan_shown(screen: TurnScreen, fan) -> None:
    assert screen.fan == fan
    assert screen.query_one(SpendChart).series.fan == fan
    assert screen.query_one(FanSummary).fan == fan
    for low, mid, high in zip(fan.p10, fan.p50, fan.p90, strict=True):
        assert low <= mid <= high
    assert fan.total_p10 <= fan.total_p50 <= fan.total_p90


async def test_the_fan_is_the_engines_forecast_and_follows_the_decisions() -> None:
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(pilot)
        first = expected_fan(app, screen.draft)
        assert first.turns == tuple(range(1, 13)) and first.futures == 1000
        assert first.total_p10 < first.total_p90  # the sandbox's events make futures differ
        assert_fan_shown(screen, first)
        summary = screen.query_one(FanSummary)
        assert summary.summary_line() == (
            f"rest of game: P10 {usd(first.total_p10)} / P50 {usd(first.total_p50)} / "
            f"P90 {usd(first.total_p90)} over 1,000 futures"
        )
        svg = app.export_screenshot()
        for amount in (first.p50[0], first.total_p10, first.total_p50, first.total_p90):
            assert usd(amount) in svg, usd(amount)

        # Buy training on spot: a new fan, for the new decisions.
        for button in screen.query_one("#training--pricing").query(RadioButton):
            if button.name == "spot":
                button.value = True
        await settle(pilot)
        assert screen.draft.training.pricing == "spot"
        second = expected_fan(app, screen.draft)
        assert second != first
        assert_fan_shown(screen, second)
        assert not summary.stale


async def test_decisions_that_cannot_be_played_keep_the_last_fan_and_say_so() -> None:
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot)
        fan = expected_fan(app, screen.draft)
        assert_fan_shown(screen, fan)
        gpus = screen.query_one("#training--gpus", Input)
        gpus.focus()
        gpus.value = ""
        await pilot.press("9", "9", "9")  # more GPUs than the level allows
        await settle(pilot)
        assert screen.estimate is None
        assert screen.fan == fan
        assert screen.query_one(FanSummary).stale  # "Last valid plan"
        await pilot.press("z")  # undo: playable again, and up to date
        await settle(pilot)
        assert not screen.query_one(FanSummary).stale
        assert_fan_shown(screen, expected_fan(app, screen.draft))


async def test_each_new_period_forecasts_the_periods_left(scenarios) -> None:
    scenario = scenarios["tutorial"]
    app = create_app(level="tutorial", seed=2, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot)
        assert screen.fan.turns == (1, 2, 3)
        await play_turn(pilot, plan_decisions(scenario, scenario.level.plans["par"])[0])
        await pilot.press("enter")  # past the report
        await settle(pilot)
        assert app.session.state.turn == 1
        assert screen.fan.turns == (2, 3)
        assert_fan_shown(screen, expected_fan(app, screen.draft))


async def test_a_draft_is_drawn_with_its_fan_in_one_pass() -> None:
    """The chart is not drawn with the old fan and then again with the new one."""
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(pilot)
        chart = screen.query_one(SpendChart)
        shown = []
        original = chart.show
        chart.show = lambda series: (shown.append(series), original(series))[1]
        old = screen.fan
        for button in screen.query_one("#training--pricing").query(RadioButton):
            if button.name == "spot":
                button.value = True
        await pilot.app.workers.wait_for_complete()
        for _ in range(200):  # the fan's message, then its drawing
            if screen.fan is not old:
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert [s.fan for s in shown] == [screen.fan]
        assert shown[0].estimate == screen.estimate.spend_usd


async def test_a_new_fans_frame_is_the_dashboard_alone() -> None:
    """The unchanged status line is not rewritten, and the footer's keys wait for the
    frame that brings the fan: Textual repaints the box around all of a frame's changes,
    and the top and bottom lines made it the whole screen, every decision row in it."""
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(pilot)
        events: list[str] = []
        status = screen.query_one("#status")
        status.update = lambda *a, **k: events.append("status")
        chart = screen.query_one(SpendChart)
        show_chart = chart.show
        chart.show = lambda series: (events.append("chart"), show_chart(series))[1]
        refresh_bindings = screen.refresh_bindings
        screen.refresh_bindings = lambda: (events.append("footer"), refresh_bindings())[1]
        painted = screen.frame_painted
        screen.frame_painted = lambda at: (events.append("painted"), painted(at))[1]
        old = screen.fan
        for button in screen.query_one("#training--pricing").query(RadioButton):
            if button.name == "spot":
                button.value = True
        await pilot.app.workers.wait_for_complete()
        for _ in range(200):  # the fan's message, then its drawing
            if screen.fan is not old and "footer" in events:
                break
            await pilot.pause(0.01)
        assert "status" not in events
        after_chart = events[events.index("chart") :]
        assert "footer" in after_chart
        assert after_chart.index("painted") < after_chart.index("footer")


async def test_a_focus_move_repaints_what_it_restyles_not_the_whole_screen() -> None:
    """Textual's Screen.focused repaints the whole screen (a full 120x40 frame on each
    Tab, typed while the fan computes); the turn screen leaves that to the widgets."""
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start(pilot)
        whole: list[bool] = []
        refresh = screen.refresh

        def spy(*regions, **kwargs):
            whole.append(not regions and kwargs.get("repaint", True))
            return refresh(*regions, **kwargs)

        screen.refresh = spy
        before = screen.focused
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is not before
        assert not any(whole)


class CountingFanProcess(FanProcess):
    """A fan process that counts the fans its helper gave."""

    answered = 0

    def ask(self, *args, **kwargs):
        fan = super().ask(*args, **kwargs)
        self.answered += 1
        return fan


async def test_a_fan_from_the_helper_process_is_the_engines_and_survives_its_death() -> None:
    app = create_app(level="sandbox", seed=1, animate=False)
    helper = CountingFanProcess.fork()
    if helper is None:
        pytest.skip("one core: no helper process")
    app.fan_process = helper
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await start(pilot)
            assert_fan_shown(screen, expected_fan(app, screen.draft))
            assert helper.answered == 1

            for button in screen.query_one("#training--pricing").query(RadioButton):
                if button.name == "spot":
                    button.value = True
            await settle(pilot)
            assert screen.draft.training.pricing == "spot"
            assert_fan_shown(screen, expected_fan(app, screen.draft))
            assert helper.answered == 2

            os.kill(helper.pid, signal.SIGKILL)  # the helper dies: fans are computed here
            for button in screen.query_one("#training--pricing").query(RadioButton):
                if button.name == "on-demand":
                    button.value = True
            await settle(pilot)
            assert screen.draft.training.pricing == "on-demand"
            assert_fan_shown(screen, expected_fan(app, screen.draft))
            assert helper.failed and helper.answered == 2
    finally:
        helper.close()

"""What a newcomer tripped on (issue 18), each played as a learner would meet it."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Input, Static, TabbedContent, Tabs
from textual.widgets._footer import FooterKey

from finops_tui.engine import plan_decisions
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.calculator import CalculatorScreen
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.quiz import QuizScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.widgets.decision_form import DecisionForm

from .conftest import enter_decisions

WAIT_STEP = 0.05  # seconds between looks at a condition
WAIT_STEPS = 100  # five seconds at most


async def wait_for(pilot, condition, what: str) -> None:
    """Pause until `condition()` holds; fail naming `what` after WAIT_STEPS looks."""
    for _ in range(WAIT_STEPS):
        if condition():
            return
        await pilot.pause(WAIT_STEP)
    raise AssertionError(f"timed out waiting for {what}")


async def turn_screen(pilot) -> TurnScreen:
    await pilot.press("enter")  # past the briefing
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TurnScreen), "the turn screen")
    return pilot.app.screen


# -- the side panel's help ---------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_fields_help_shows_whole(size) -> None:
    """Each field's help fits the panel under the form, all of it (it was cut to one line)."""
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=size) as pilot:
        screen = await turn_screen(pilot)
        form = screen.query_one(DecisionForm)
        help_panel = screen.query_one("#field-help", Static)
        shown = []
        for spec in form.fields:
            form.focus_field(spec.key)
            await pilot.pause()
            if form.spec_for(app.focused) is not spec:
                continue  # a row this level's other choices hide (a self-hosted model's)
            shown.append(spec.key)
            assert str(help_panel.content) == spec.help
            region = help_panel.content_region
            lines = Text(spec.help).wrap(app.console, region.width)
            assert len(lines) <= region.height, f"{spec.key}: {spec.help!r} cut to {region}"
        assert "forecast_usd" in shown  # the help that was cut mid-sentence
        assert len(shown) >= 10


# -- the debrief's Lessons tab takes page down --------------------------------------------


async def debrief_screen(pilot) -> DebriefScreen:
    """The debrief of the tutorial played at par (three turns, as a learner would)."""
    app = pilot.app
    await turn_screen(pilot)
    scenario = app.start_scenario
    for decisions in plan_decisions(scenario, scenario.level.plans["par"]):
        await enter_decisions(pilot, decisions)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, TurnScreen), "the report")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, TurnScreen | DebriefScreen),
            "the next turn or the debrief",
        )
    assert isinstance(app.screen, DebriefScreen)
    return app.screen


async def test_page_down_scrolls_the_lessons_tab_once_shown() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await debrief_screen(pilot)
        tabs = screen.query_one("#debrief-tabs", TabbedContent)
        while tabs.active != "tab-lessons":
            await pilot.press("d")
            await pilot.pause()
        lessons = screen.query_one("#tab-lessons .reading", VerticalScroll)
        await wait_for(pilot, lambda: lessons.max_scroll_y > 0, "lessons longer than the tab")
        assert lessons.scroll_y == 0
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: lessons.scroll_y > 0, "page down to scroll the lessons")
        # From the tab bar (a click on the tab puts the focus there), page keys page too.
        screen.query_one("#debrief-tabs", TabbedContent).query_one(Tabs).focus()
        await pilot.press("pageup")
        await wait_for(pilot, lambda: lessons.scroll_y == 0, "page up from the tab bar")


async def test_a_tab_with_nothing_to_focus_leaves_the_keys_on_the_tab_bar() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await debrief_screen(pilot)
        tabs = screen.query_one("#debrief-tabs", TabbedContent)
        while tabs.active != "tab-spend":
            await pilot.press("d")
            await pilot.pause()
        assert isinstance(app.focused, Tabs), "focus stayed on a hidden tab's table"


# -- the quiz footer says the real range ---------------------------------------------------


async def test_quiz_footer_offers_the_numbers_the_question_has() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_debrief(app.session)
        await wait_for(pilot, lambda: isinstance(app.screen, DebriefScreen), "the debrief")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen), "the quiz")
        quiz = app.screen
        for _ in range(2):  # two questions: the range follows each one
            choices = len(app.session.level.quiz[quiz.question].choices)
            assert choices < 6
            await wait_for(
                pilot,
                lambda: any(k.action == "answer(0)" for k in quiz.query(FooterKey)),
                "the answer key in the footer",
            )
            shown = [k.key_display for k in quiz.query(FooterKey) if k.action == "answer(0)"]
            assert shown == [f"1-{choices}"]
            await pilot.press("1")
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()


# -- letters typed in the calculator ---------------------------------------------------


@pytest.mark.parametrize("focus", ["#train-table", "#train-params"])
async def test_letters_in_the_calculator_run_only_the_keys_it_shows(focus) -> None:
    """ "lots" typed on a table, or into an amount field that refuses letters, turns nothing."""
    app = create_app(seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_calculator()
        await wait_for(pilot, lambda: isinstance(app.screen, CalculatorScreen), "the calculator")
        calculator = app.screen
        await wait_for(pilot, lambda: isinstance(app.focused, Input), "a field focused on open")
        calculator.query_one(focus).focus()
        await pilot.pause()
        await pilot.press(*"lots", "k", "z")
        await pilot.pause()
        assert app.role == "", "a typed letter turned the lens"
        assert app.screen is calculator
        # The keys its footer shows still work.
        await pilot.press("d")
        await wait_for(
            pilot,
            lambda: calculator.query_one(TabbedContent).active == "calc-serve",
            "d to show serving",
        )

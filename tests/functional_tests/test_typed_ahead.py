"""A key that leaves a screen counts only once the screen was shown (issue 12, item 2).

Enter pressed twice on the last report used to close the report and the debrief with it;
the debrief is the lesson. Keys here are sent the way a terminal delivers a quick double
press: both queued before the app has drawn what the first one opens.
"""

from __future__ import annotations

import pytest
from textual import events

from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.briefing import BriefingScreen
from finops_tui.ui.screens.confirm import ConfirmScreen
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.quiz import QuizScreen
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.saves import SaveMenuScreen
from finops_tui.ui.screens.seen import SeenBeforeLeaving
from finops_tui.ui.screens.title import TitleScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.screens.watch import WatchScreen
from finops_tui.ui.textual_fixes import send_key_as_terminal

from .conftest import play_turn


def type_ahead(app, *keys: str) -> None:
    """Keys queued at once, as a terminal sends a quick double press."""
    for key in keys:
        char = {"enter": "\r", "space": " "}.get(key, key if len(key) == 1 else None)
        send_key_as_terminal(app, events.Key(key, char))


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_enter_twice_on_the_last_report_shows_the_debrief(scenarios) -> None:
    scenario = scenarios["tutorial"]
    app = create_app(level="tutorial", seed=5, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        turns = plan_decisions(scenario, scenario.level.plans["par"])
        for decisions in turns[:-1]:
            await play_turn(pilot, decisions)
            await pilot.press("enter")
            await pilot.pause()
        await play_turn(pilot, turns[-1])
        assert isinstance(app.screen, ReportScreen)
        type_ahead(app, "enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DebriefScreen), "the second enter skipped the debrief"
        # A deliberate enter, once the debrief is on screen, goes on as ever.
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)


async def test_a_key_typed_ahead_never_skips_a_briefing_a_report_or_a_turn(scenarios) -> None:
    scenario = scenarios["tutorial"]
    first = plan_decisions(scenario, scenario.level.plans["par"])[0]
    app = create_app(seed=5, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        type_ahead(app, "enter", "enter", "n")  # title -> briefing, then the rest too soon
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen)
        await pilot.press("enter")
        await pilot.pause()
        await play_turn(pilot, first)
        assert isinstance(app.screen, ReportScreen)
        type_ahead(app, "space", "n")  # the report, then a turn not yet seen
        await settle(pilot)
        assert isinstance(app.screen, TurnScreen)
        assert app.session.state.turn == 1, "n typed ahead ended a turn nobody saw"


async def test_the_quiz_explanation_and_a_delete_are_never_skipped(tmp_path, scenarios) -> None:
    scenario = scenarios["tutorial"]
    state = play(scenario, 1, plan_decisions(scenario, scenario.level.plans["par"]))
    store = SaveStore(tmp_path)
    store.autosave(scenario, state, "solo")
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.resume_game(GameSession(scenario, state, "solo"))
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        first = screen.question
        type_ahead(app, "enter", "enter")  # answer with the choices' enter, then go on
        await settle(pilot)
        assert screen.given is not None and screen.question == first, "explanation skipped"
        type_ahead(app, "enter", "1")  # next question, and an answer to it unseen
        await settle(pilot)
        assert screen.given is None and screen.question != first
        assert len(app.session.quiz_answers()) == 1

        app.show_title()
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, SaveMenuScreen)
        type_ahead(app, "x", "y")  # delete, then yes before the question was shown
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert len(store.list()) == 1


@pytest.mark.parametrize(
    ("screen", "actions"),
    [
        (TitleScreen, ["play"]),
        (BriefingScreen, ["start", "back"]),
        (TurnScreen, ["end_turn"]),
        (ReportScreen, ["continue"]),
        (DebriefScreen, ["title", "again"]),
        (QuizScreen, ["answer", "next", "retake", "justify"]),
        (WatchScreen, ["step"]),
        (SaveMenuScreen, ["load", "delete"]),
        (ConfirmScreen, ["answer"]),
    ],
)
def test_every_key_that_leaves_a_screen_waits_for_it_to_be_shown(screen, actions) -> None:
    assert issubclass(screen, SeenBeforeLeaving)
    for action in actions:
        assert getattr(getattr(screen, f"action_{action}"), "leaves", False), action
    # Each enter, space and n binding of these screens runs one of those actions.
    for binding in screen.BINDINGS:
        keys = set(binding.key.split(","))
        if keys & {"enter", "space", "n"}:
            assert binding.action.split("(")[0] in actions, (screen.__name__, binding.key)

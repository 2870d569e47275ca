"""After the debrief: the adaptive quiz, the written justification and the reflections,
all kept in the game's autosave; none of them forced."""

from __future__ import annotations

import pytest
from textual.widgets import Button, TextArea

from finops_tui.content.quiz import quiz_length
from finops_tui.content.saves import MAX_JUSTIFICATION, SaveStore, verify_replay
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.codex import DEFAULT_ENTRY, entry
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.app import create_app, help_sections
from finops_tui.ui.screens.codex import CodexScreen
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.quiz import QuizScreen
from finops_tui.ui.screens.title import TitleScreen
from finops_tui.ui.screens.written import (
    REFLECTION_PROMPTS,
    JustificationScreen,
    ReflectionScreen,
)
from finops_tui.ui.textual_fixes import app_failure, send_key_as_terminal
from tests.functional_tests.waiting import wait_for

PLAYER = "Team Red"


@pytest.fixture
def chatbot_finished(scenarios):
    """A finished chatbot-at-scale game (its quiz has questions at levels 1, 2 and 3)."""
    scenario = scenarios["chatbot-at-scale"]
    return scenario, play(scenario, 1, plan_decisions(scenario, scenario.level.plans["naive"]))


async def open_debrief(pilot, store, scenario, state) -> DebriefScreen:
    """The debrief of a finished game, as after its last turn (whose autosave exists)."""
    store.autosave(scenario, state, PLAYER)
    pilot.app.resume_game(GameSession(scenario, state, PLAYER))
    await pilot.pause()
    assert isinstance(pilot.app.screen, DebriefScreen)
    return pilot.app.screen


def saved(store, scenario):
    [entry_] = store.list()
    assert entry_.problem is None, entry_.problem
    return store.load(entry_.path)[2]


async def test_the_quiz_adapts_and_every_answer_lands_in_the_autosave(
    tmp_path, chatbot_finished
) -> None:
    scenario, state = chatbot_finished
    quiz = scenario.level.quiz
    store = SaveStore(tmp_path)
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_debrief(pilot, store, scenario, state)
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuizScreen)
        asked, levels = [], []
        # Right, right, then wrong: harder, harder, then back down.
        for right in (True, True, False):
            q = quiz[screen.question]
            asked.append(screen.question)
            levels.append(q.level)
            choice = q.answer if right else (q.answer + 1) % len(q.choices)
            await pilot.press(str(screen.order.index(choice) + 1))  # its place on screen
            await pilot.pause()
            feedback = str(screen.query_one("#quiz-feedback").source)
            assert ("Right" in feedback) == right
            assert q.explanation.strip()[:40] in feedback
            assert f"(codex:{entry(q.concept).id})" in feedback
            # Saved at once: the autosave has every answer so far.
            kept = saved(store, scenario).quiz
            assert [(a.question, a.choice, a.correct) for a in kept][-1] == (
                screen.question,
                choice,
                right,
            )
            await pilot.press("enter")
            await pilot.pause()
        levels.append(quiz[screen.question].level)
        assert levels == [1, 2, 3, 2], levels
        assert "Intermediate" in str(screen.query_one("#quiz-question").content)
        # A wrong answer on the hardest question comes back to an easier one.
        q = quiz[screen.question]
        await pilot.press(str(screen.order.index(q.answer) + 1), "enter")
        await pilot.pause()
        while not screen.done:
            q = quiz[screen.question]
            await pilot.press(str(screen.order.index(q.answer) + 1), "enter")
            await pilot.pause()
        kept = saved(store, scenario)
        assert len(kept.quiz) == quiz_length(scenario.level)
        assert [a.question for a in kept.quiz][:4] == [*asked, kept.quiz[3].question]
        assert sum(a.correct for a in kept.quiz) == len(kept.quiz) - 1
        # The answers change nothing the game claims, and the replay still verifies.
        assert kept.claimed.score == state.score
        assert verify_replay(store.list()[0].path)[1].score == state.score
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        label = str(app.screen.query_one("#learning-quiz", Button).label)
        assert f"Quiz {len(kept.quiz) - 1}/{len(kept.quiz)} ✓" in label


async def test_the_quiz_links_each_concept_to_the_codex(tmp_path, chatbot_finished) -> None:
    scenario, state = chatbot_finished
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_debrief(pilot, app.store, scenario, state)
        await pilot.press("e")
        await pilot.pause()
        q = scenario.level.quiz[app.screen.question]
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CodexScreen)
        assert app.screen.concept == entry(q.concept).id != DEFAULT_ENTRY


async def test_justification_and_reflections_are_kept_and_come_back(
    tmp_path, chatbot_finished
) -> None:
    scenario, state = chatbot_finished
    store = SaveStore(tmp_path)
    app = create_app(store=store, animate=False)
    words = "Spot for training, a cache for serving: ROI up, unit cost down."
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_debrief(pilot, store, scenario, state)
        await pilot.click("#learning-justify")  # the button, as a mouse user would
        await pilot.pause()
        assert isinstance(app.screen, JustificationScreen)
        await pilot.press(*words)
        await pilot.pause(1.3)  # typing stops: the text is saved shortly after
        assert saved(store, scenario).justification == words
        await pilot.press("f2")  # on to the reflections
        await pilot.pause()
        assert isinstance(app.screen, ReflectionScreen)
        await pilot.press(*"Tag from day one", "tab", *"The cache", "escape")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        kept = saved(store, scenario)
        assert kept.reflections == {
            REFLECTION_PROMPTS[0]: "Tag from day one",
            REFLECTION_PROMPTS[1]: "The cache",
        }
        assert kept.justification == words and kept.claimed.score == state.score
        labels = [str(b.label) for b in app.screen.query("#learning-bar Button")]
        assert "Justification ✓ (j)" in labels and "Reflection ✓ (r)" in labels

    # Loaded from the save menu, the game brings its writing back.
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
        await pilot.press("l", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        await pilot.press("j")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == words
        await pilot.press("escape", "r")
        await pilot.pause()
        assert app.screen.query_one("#reflection-1", TextArea).text == "The cache"


async def test_a_justification_too_long_to_save_is_never_lost(tmp_path, chatbot_finished) -> None:
    scenario, state = chatbot_finished
    store = SaveStore(tmp_path)
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_debrief(pilot, store, scenario, state)
        await pilot.press("j")
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        area.text = "x" * (MAX_JUSTIFICATION + 1)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, JustificationScreen), "left with the text unsaved"
        count = str(app.screen.query_one("#written-count").content)
        assert "Too long to save" in count and "4,001 of 4,000" in count
        assert saved(store, scenario).justification == ""
        await pilot.press("end", "backspace", "escape")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        assert saved(store, scenario).justification == "x" * MAX_JUSTIFICATION


async def test_nothing_forces_the_quiz_or_the_writing(tmp_path, chatbot_finished) -> None:
    scenario, state = chatbot_finished
    store = SaveStore(tmp_path)
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_debrief(pilot, store, scenario, state)
        keys = {b.key: b.action for b in type(screen).BINDINGS}
        assert keys["e"] == "quiz" and keys["j"] == "justify" and keys["r"] == "reflect"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TitleScreen)
    save = saved(store, scenario)
    assert save.quiz == [] and save.justification == "" and save.reflections == {}


def test_help_has_the_new_screens() -> None:
    titles = [title for title, _ in help_sections(create_app())]
    for wanted in ("Quiz", "Justification", "Reflection", "Watching a plan"):
        assert wanted in titles


async def test_random_keys_never_crash_the_quiz_the_writing_or_watching(
    tmp_path, chatbot_finished
) -> None:
    """Seeded random keys on each new screen (as test_mash does for the others)."""
    import random

    from .test_mash import KEYS, key_event

    scenario, state = chatbot_finished
    store = SaveStore(tmp_path)
    rng = random.Random(20261128)
    app = create_app(level="tutorial", seed=1, store=store, watch="naive", animate=False)
    quits: list[int] = []

    async def no_quit() -> None:
        quits.append(1)

    app.action_quit = no_quit  # type: ignore[method-assign]

    def debrief_then(action: str):
        def go() -> None:
            app.resume_game(GameSession(scenario, state, PLAYER))
            app.call_after_refresh(app.screen.run_action, action)

        return go

    phases = {
        "watch": lambda: None,  # the app opens on it
        "quiz": debrief_then("quiz"),
        "justify": debrief_then("justify"),
        "reflect": debrief_then("reflect"),
    }
    screens = {
        "watch": "WatchScreen",
        "quiz": "QuizScreen",
        "justify": "JustificationScreen",
        "reflect": "ReflectionScreen",
    }
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for name, go_there in phases.items():
            go_there()
            await wait_for(lambda name=name: type(app.screen).__name__ == screens[name], what=name)
            for i in range(1, 251):
                event = key_event(rng.choice([*KEYS, "o", "e", "j", "r", "a", "1", "2", "f2"]))
                send_key_as_terminal(app, event)
                if i % 10 == 0:
                    await pilot.pause()
            await pilot.pause()
            assert app.is_running and app_failure(app) is None, (name, app_failure(app))
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app_failure(app) is None and app.return_code in (None, 0)


async def test_quitting_mid_sentence_keeps_what_was_typed(tmp_path, chatbot_finished) -> None:
    scenario, state = chatbot_finished
    store = SaveStore(tmp_path)
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_debrief(pilot, store, scenario, state)
        await pilot.press("j", *"Half a thought")
        await pilot.pause()
        # ctrl+q before the text was saved: no pause for the save after typing.
    assert saved(store, scenario).justification == "Half a thought"


async def test_a_choice_can_be_picked_with_the_arrows_and_enter(tmp_path, chatbot_finished) -> None:
    scenario, state = chatbot_finished
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_debrief(pilot, app.store, scenario, state)
        await pilot.press("e")
        await pilot.pause()
        first = app.screen.question
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.session.quiz_answers()[0].question == first
        # The third choice on screen, kept as the choice it is in the level's list.
        assert app.session.quiz_answers()[0].choice == app.screen.order[2]
        await pilot.press("enter")  # now enter goes on to the next question
        await pilot.pause()
        assert app.screen.question not in (None, first)

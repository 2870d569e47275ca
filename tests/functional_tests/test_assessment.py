"""The assessment in the app: the quiz climbs to advanced, offers only the choices on
screen in this learner's order (the same on a replay, new on a retake), runs a clock only
when a facilitator sets one; the justification shows its rubric, then a checklist."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import OptionList, TextArea

from finops_tui.content.classroom import ClassDir, Control
from finops_tui.content.quiz import QuizTiming
from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.rubric import RUBRIC
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.app import create_app
from finops_tui.ui.classroom.link import ClassLink
from finops_tui.ui.screens.debrief import DebriefScreen
from finops_tui.ui.screens.quiz import QuizScreen
from finops_tui.ui.screens.written import JustificationScreen
from finops_tui.ui.textual_fixes import FooterKey
from tests.functional_tests.waiting import wait_for

PLAYER = "Team Red"


@pytest.fixture
def finished(scenarios):
    scenario = scenarios["spot-or-reserved"]
    return scenario, play(scenario, 4, plan_decisions(scenario, scenario.level.plans["par"]))


async def open_quiz(pilot, scenario, state, learning=None) -> QuizScreen:
    app = pilot.app
    app.store.autosave(scenario, state, PLAYER)
    session = GameSession(scenario, state, PLAYER)
    if learning is not None:
        session.learning = learning
    app.resume_game(session)
    await wait_for(lambda: isinstance(app.screen, DebriefScreen), what="the debrief")
    await pilot.press("e")
    await wait_for(lambda: isinstance(app.screen, QuizScreen), what="the quiz")
    return app.screen


async def go_on(pilot, screen: QuizScreen) -> None:
    """Enter once the explanation is on screen (a key typed ahead of it waits), then wait
    for the next question or the summary."""
    await wait_for(lambda: screen._shown_at is not None, what="the explanation drawn")
    await pilot.press("enter")
    await wait_for(lambda: screen.given is None, what="the next question")


def shown_choices(screen: QuizScreen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]


async def test_a_learner_who_answers_well_reaches_advanced(tmp_path, finished) -> None:
    scenario, state = finished
    quiz = scenario.level.quiz
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_quiz(pilot, scenario, state)
        tiers = []
        while not screen.done:
            q = quiz[screen.question]
            heading = str(screen.query_one("#quiz-question").content)
            tiers.append(heading.split(" · ")[0])
            # The right answer, by its place on screen.
            place = screen.order.index(q.answer)
            assert shown_choices(screen)[place] == f"{place + 1}. {q.choices[q.answer]}"
            await pilot.press(str(place + 1))
            await wait_for(lambda: screen.given is not None, what="the answer")
            assert screen.given.correct
            await go_on(pilot, screen)
        assert tiers == ["Basic", "Intermediate", "Advanced", "Advanced", "Advanced"]
        summary = str(screen.query_one("#quiz-feedback").source)
        assert "5 of 5 right" in summary and "**By concept:**" in summary
        saved = SaveStore(tmp_path).load(app.session.save_path)[2]
        assert [r.correct for r in saved.quiz] == [True] * 5
        assert all(r.key for r in saved.quiz)


async def test_the_footer_offers_only_the_choices_on_screen(tmp_path, finished) -> None:
    scenario, state = finished
    # Basic questions of three choices (the answer kept), then the level's own of four.
    level = scenario.level
    quiz = [
        q.model_copy(update={"choices": q.choices[:3]}) if q.level == 1 and q.answer < 3 else q
        for q in level.quiz
    ]
    assert sum(len(q.choices) == 3 for q in quiz) >= 3
    scenario = dataclasses.replace(scenario, level=level.model_copy(update={"quiz": quiz}))
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_quiz(pilot, scenario, state)
        for _ in range(2):
            count = len(scenario.level.quiz[screen.question].choices)
            await wait_for(
                lambda c=count: (
                    [k.key_display for k in screen.query(FooterKey) if k.action == "answer(0)"]
                    == [f"1-{c}"]
                ),
                what="the answer range in the footer",
            )
            assert len(shown_choices(screen)) == count
            # A number past the choices on screen does nothing: no answer, no message.
            assert screen.check_action("answer", (count,)) is False
            await pilot.press(str(count + 1))
            await pilot.pause()
            assert screen.given is None
            right = screen.order.index(scenario.level.quiz[screen.question].answer)
            await pilot.press(str(right + 1))
            await go_on(pilot, screen)
        counts = [len(scenario.level.quiz[a.question].choices) for a in app.session.quiz_answers()]
        assert counts == [3, 4]  # basic, then (right) intermediate


async def test_the_order_is_the_learners_the_same_on_a_replay_and_new_on_a_retake(
    tmp_path, finished
) -> None:
    scenario, state = finished
    store = SaveStore(tmp_path)
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_quiz(pilot, scenario, state)
        first = (screen.question, shown_choices(screen))
        await pilot.press("1")
        await go_on(pilot, screen)
        learning = app.session.learning
    # The save loaded again (another app, another process would do the same): same order.
    again = create_app(store=SaveStore(tmp_path / "other"), animate=False)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        session = GameSession(scenario, state, PLAYER, learning=learning)
        session.restart_quiz()  # a retake draws a new order...
        retake = [session.choice_order(i) for i in range(len(scenario.level.quiz))]
        replay = GameSession(scenario, state, PLAYER, learning=learning)
        assert [replay.choice_order(i) for i in range(len(scenario.level.quiz))] != retake
        # ...and the learner's first attempt, replayed, shows what it showed.
        screen = await open_quiz(pilot, scenario, state, learning.model_copy(update={"quiz": []}))
        assert (screen.question, shown_choices(screen)) == first


async def test_no_clock_by_default_and_a_facilitators_time_runs_out(tmp_path, finished) -> None:
    scenario, state = finished
    app = create_app(store=SaveStore(tmp_path), animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_quiz(pilot, scenario, state)
        assert screen.timing.limit is None and screen.seconds_left is None
        assert "left" not in str(screen.query_one("#quiz-next").content)
    timed = create_app(
        store=SaveStore(tmp_path / "timed"),
        animate=False,
        quiz_timing=QuizTiming(seconds=0.5, extra_seconds=0.5),
    )
    async with timed.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_quiz(pilot, scenario, state)
        assert screen.timing.limit == 1.0
        assert "1 s left" in str(screen.query_one("#quiz-next").content)
        await wait_for(lambda: screen.given is not None, timeout=10, what="time to run out")
        assert screen.given.timed_out and not screen.given.correct
        assert "Time's up" in str(screen.query_one("#quiz-feedback").source)
        saved = SaveStore(tmp_path / "timed").load(timed.session.save_path)[2]
        assert saved.quiz[-1].timed_out is True and saved.quiz[-1].choice is None
        # The next question starts its own clock; it is tier 1 again (time-out is wrong).
        # (Enter counts once the explanation is on screen: a key typed ahead of it waits.)
        await wait_for(lambda: screen._shown_at is not None, what="the explanation drawn")
        await pilot.press("enter")
        await wait_for(lambda: screen.question != saved.quiz[-1].question, what="the next one")
        assert scenario.level.quiz[screen.question].level == 1
        assert screen.timing.limit == 1.0  # its own clock (it may have run out again by now)


async def test_the_rubric_shows_before_writing_and_a_checklist_after(tmp_path, finished) -> None:
    scenario, state = finished
    store = SaveStore(tmp_path)
    app = create_app(store=store, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        store.autosave(scenario, state, PLAYER)
        app.resume_game(GameSession(scenario, state, PLAYER))
        await wait_for(lambda: isinstance(app.screen, DebriefScreen), what="the debrief")
        await pilot.press("j")
        await wait_for(lambda: isinstance(app.screen, JustificationScreen), what="the screen")
        rubric = app.screen.query_one("#written-rubric")
        before = str(rubric.content)
        assert "not a grade" in before
        for item in RUBRIC:
            assert f"□ {item.title}" in before
        words = f"We spent ${state.spend_usd:,.0f}. [b]Spot[/b] with checkpoints saved 40%."
        app.screen.query_one(TextArea).insert(words)
        await wait_for(lambda: "✓" in str(rubric.content), what="the checklist")
        after = str(rubric.content)
        assert "✓ Quotes the game's own figures" in after
        assert "✓ Names a practice and what it saved" in after
        assert "✗ Makes an ask" in after and "□" not in after
        await pilot.press("escape")
        await pilot.pause()
        saved = store.load(app.session.save_path)[2]
        assert saved.justification == words  # markup kept as typed text
        assert saved.rubric == {"figures": True, "practice": True, "value": False, "ask": False}


def test_a_class_game_takes_its_quiz_time_from_the_class(tmp_path):
    class_dir = ClassDir(tmp_path)
    class_dir.write_control(Control(quiz_seconds=45.0, quiz_extra_seconds={"blue": 15.0}))
    app = create_app(class_link=ClassLink(class_dir, "blue"), quiz_timing=QuizTiming(5.0))
    assert app.quiz_timing().limit == 60.0  # the class's, not the command line's
    class_dir.write_control(class_dir.control().model_copy(update={"quiz_seconds": None}))
    assert app.quiz_timing().limit is None  # read again as each quiz opens

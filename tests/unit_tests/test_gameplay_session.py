"""The game session without an app: seeds, turns, the class gate, the quiz and the writing."""

from __future__ import annotations

import pytest

from finops_tui.content.quiz import question_key
from finops_tui.content.saves import Learning, QuizRecord
from finops_tui.engine.game import InvalidDecisions, new_game, resolve_turn, start_decisions
from finops_tui.engine.rng import MAX_SEED
from finops_tui.gameplay import session as session_module
from finops_tui.gameplay.session import GameSession, random_seed


@pytest.fixture()
def tutorial(scenarios):
    return scenarios["tutorial"]


def test_a_new_session_starts_before_turn_one(tutorial):
    session = GameSession.start(tutorial, seed=11, player="ann")
    assert (session.seed, session.turn, session.player) == (11, 1, "ann")
    assert session.level is tutorial.level
    assert session.last_record is None
    assert session.previous_decisions() == start_decisions(tutorial)
    assert (session.state.turn, session.state.history) == (0, ())


def test_without_a_seed_each_game_draws_one_in_range(tutorial, monkeypatch):
    monkeypatch.setattr(session_module.secrets, "randbelow", lambda n: n - 1)
    assert GameSession.start(tutorial).seed == MAX_SEED
    assert all(0 <= random_seed() <= MAX_SEED for _ in range(50))


def test_resolving_plays_the_engines_turn(tutorial):
    session = GameSession.start(tutorial, seed=5)
    decisions = start_decisions(tutorial)
    record = session.resolve(decisions)
    expected = resolve_turn(tutorial, new_game(tutorial, 5), decisions)
    assert record.model_dump() == expected.record.model_dump()
    assert session.state.score == expected.state.score
    assert session.state.spend_usd == expected.state.spend_usd
    assert session.turn == 2
    assert session.last_record == record
    assert session.previous_decisions() == decisions


def test_the_class_gate_holds_a_turn_until_it_opens(tutorial):
    session = GameSession.start(tutorial, seed=5)
    asked: list[int] = []

    def gate(turn: int) -> str | None:
        asked.append(turn)
        return "wait for the facilitator"

    session.gate = gate
    before = session.state
    with pytest.raises(InvalidDecisions) as caught:
        session.resolve(start_decisions(tutorial))
    assert [(p.key, p.message) for p in caught.value.problems] == [
        ("turn", "wait for the facilitator")
    ]
    assert asked == [1]
    assert session.state is before  # nothing was played
    session.resolve(start_decisions(tutorial), force=True)  # the facilitator closed the turn
    assert session.turn == 2
    assert asked == [1]  # a forced turn does not ask the gate


def test_the_quiz_records_answers_and_refuses_a_missing_choice(tutorial):
    session = GameSession.start(tutorial, seed=1)
    question = session.next_quiz_question()
    assert question is not None
    right = tutorial.level.quiz[question].answer
    given = session.answer_quiz(question, right)
    assert given.correct
    assert session.quiz_answers() == [given]
    with pytest.raises(ValueError, match="choice must be between"):
        session.answer_quiz(question, 99)
    assert len(session.learning.quiz) == 1  # the refused answer left no trace


def test_the_quiz_ends_and_can_start_again(tutorial):
    session = GameSession.start(tutorial, seed=1)
    asked = []
    for _ in range(len(tutorial.level.quiz) + 1):  # bounded: one more than there are questions
        question = session.next_quiz_question()
        if question is None:
            break
        asked.append(question)
        session.answer_quiz(question, 0)
    assert session.next_quiz_question() is None
    assert len(set(asked)) == len(asked) >= 1
    session.restart_quiz()
    assert session.quiz_answers() == []
    assert session.next_quiz_question() is not None


def test_answers_to_questions_the_level_lost_are_dropped(tutorial):
    quiz = tutorial.level.quiz
    key = question_key(quiz[0])
    kept = QuizRecord(question=0, key=key, choice=0, correct=quiz[0].answer == 0)
    gone = QuizRecord(question=len(quiz), key="0" * 12, choice=0, correct=True)
    no_choice = QuizRecord(question=0, key=key, choice=9, correct=False)
    session = GameSession.start(tutorial, seed=1)
    session.learning = Learning(quiz=[kept, gone, no_choice])
    assert [(a.question, a.choice) for a in session.quiz_answers()] == [(0, 0)]
    assert session.quiz_set_aside() == 2


def test_answers_from_before_keys_or_to_a_reworded_question_are_set_aside(tutorial):
    """An old save's answer by index alone could name another question now: never misread."""
    quiz = tutorial.level.quiz
    old = QuizRecord(question=0, choice=quiz[0].answer, correct=True)  # no key: an older save
    reworded = QuizRecord(question=1, key=question_key(quiz[0]), choice=0, correct=False)
    session = GameSession.start(tutorial, seed=1)
    session.learning = Learning(quiz=[old, reworded])
    # The second record's key is question 0's: it is read as question 0, wherever it sits.
    assert [(a.question, a.choice) for a in session.quiz_answers()] == [(0, 0)]
    assert session.quiz_set_aside() == 1


def test_a_retake_shows_the_choices_in_a_new_order_and_a_replay_the_same(tutorial):
    session = GameSession.start(tutorial, seed=5, player="ann")
    first = [session.choice_order(i) for i in range(len(tutorial.level.quiz))]
    again = GameSession(tutorial, session.state, "ann", learning=session.learning)
    assert [again.choice_order(i) for i in range(len(tutorial.level.quiz))] == first
    session.restart_quiz()
    assert session.learning.quiz_attempt == 1
    assert [session.choice_order(i) for i in range(len(tutorial.level.quiz))] != first


def test_a_timed_out_answer_is_kept_as_wrong(tutorial):
    session = GameSession.start(tutorial, seed=1)
    question = session.next_quiz_question()
    given = session.answer_quiz(question, None)
    assert given.timed_out and not given.correct
    assert session.learning.quiz[-1].timed_out is True and session.learning.quiz[-1].choice is None
    assert session.quiz_answers() == [given]


def test_writing_keeps_text_and_drops_blank_reflections(tutorial):
    session = GameSession.start(tutorial, seed=1)
    typed = "[b]spot[/b] \x1b[31m because it was cheaper"  # kept as typed: shown without markup
    session.write(justification=typed, reflections={"what": "tag early", "why": "  \n "})
    assert session.learning.justification == typed
    assert session.learning.reflections == {"what": "tag early"}
    session.write(reflections={"what": "alerts"})  # justification untouched when not given
    assert session.learning.justification == typed
    assert session.learning.reflections == {"what": "alerts"}

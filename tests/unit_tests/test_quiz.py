"""The adaptive quiz: harder after a right answer, back to the concept after a wrong one."""

from __future__ import annotations

import pytest

from finops_tui.content.quiz import (
    MIN_PER_TIER,
    answer,
    next_question,
    quiz_length,
    quiz_score,
    tier_counts,
)
from finops_tui.engine.level import QuizQuestion


def _level(scenarios, questions):
    return scenarios["tutorial"].level.model_copy(update={"quiz": questions})


def q(level: int, concept: str, answer_index: int = 0) -> QuizQuestion:
    return QuizQuestion(
        question=f"{concept} at {level}?",
        choices=["a", "b", "c"],
        answer=answer_index,
        explanation="because",
        concept=concept,
        level=level,
        course=["finops"],
    )


def test_it_starts_easy_and_climbs_after_right_answers(scenarios):
    level = _level(scenarios, [q(3, "spot"), q(2, "tags"), q(1, "spot"), q(2, "spot")])
    answers = []
    first = next_question(level, answers)
    assert level.quiz[first].level == 1
    answers.append(answer(level, first, 0))
    second = next_question(level, answers)
    assert level.quiz[second].level == 2
    answers.append(answer(level, second, 0))
    assert level.quiz[next_question(level, answers)].level == 3


def test_a_wrong_answer_returns_to_its_concept_more_gently(scenarios):
    level = _level(scenarios, [q(2, "spot"), q(1, "tags"), q(3, "tags"), q(1, "spot")])
    answers = [answer(level, 0, 2)]  # wrong, on spot, level 2
    nxt = next_question(level, answers)
    assert level.quiz[nxt].concept == "spot" and level.quiz[nxt].level == 1


def test_it_asks_each_question_once_and_stops(scenarios):
    level = _level(scenarios, [q(1, f"c{i}") for i in range(8)])
    answers = []
    while (i := next_question(level, answers)) is not None:
        assert i not in {a.question for a in answers}
        answers.append(answer(level, i, 0))
    assert len(answers) == quiz_length(level) == 5
    assert quiz_score(answers) == 1.0


def test_choices_out_of_range_are_refused(scenarios):
    level = _level(scenarios, [q(1, "spot")])
    with pytest.raises(ValueError):
        answer(level, 0, 3)


def test_every_shipped_quiz_can_be_taken(scenarios):
    for scenario in scenarios.values():
        level = scenario.level
        if level.id == "sandbox":
            continue  # free play: no end-of-level check
        assert min(tier_counts(level.quiz).values()) >= MIN_PER_TIER, level.id
        answers = []
        while (i := next_question(level, answers)) is not None:
            answers.append(
                answer(level, i, (level.quiz[i].answer + 1) % len(level.quiz[i].choices))
            )
        assert quiz_score(answers) == 0.0 and len(answers) == quiz_length(level)

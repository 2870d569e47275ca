"""The end-of-level check: a multiple-choice quiz whose next question adapts.

After a right answer the next question is one step harder; after a wrong one it is
easier, on the same concept when the level has one, so the learner meets the idea
again from another side.
"""

from __future__ import annotations

from dataclasses import dataclass

from finops_tui.engine.level import Level

MAX_QUESTIONS = 5


@dataclass(frozen=True)
class QuizAnswer:
    question: int  # index in level.quiz
    choice: int
    correct: bool


def quiz_length(level: Level) -> int:
    return min(MAX_QUESTIONS, len(level.quiz))


def answer(level: Level, question: int, choice: int) -> QuizAnswer:
    q = level.quiz[question]
    if not 0 <= choice < len(q.choices):
        raise ValueError(f"choice must be between 0 and {len(q.choices) - 1}, got {choice}")
    return QuizAnswer(question, choice, choice == q.answer)


def next_question(level: Level, answers: list[QuizAnswer]) -> int | None:
    """The index of the next question to ask, or None when the quiz is over."""
    asked = {a.question for a in answers}
    if len(asked) >= quiz_length(level):
        return None
    left = [i for i in range(len(level.quiz)) if i not in asked]
    if not left:
        return None
    if not answers:
        target, concept = 1, None
    else:
        last = answers[-1]
        q = level.quiz[last.question]
        target = min(3, q.level + 1) if last.correct else max(1, q.level - 1)
        concept = None if last.correct else q.concept

    def rank(i: int) -> tuple[int, int, int]:
        q = level.quiz[i]
        same_concept = 0 if concept and q.concept == concept else 1
        return (same_concept, abs(q.level - target), i)

    return min(left, key=rank)


def quiz_score(answers: list[QuizAnswer]) -> float:
    """Share of right answers, 0..1 (0 before any answer)."""
    return sum(a.correct for a in answers) / len(answers) if answers else 0.0

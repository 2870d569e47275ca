"""The end-of-level check: a multiple-choice quiz whose next question adapts.

A level's bank has three tiers (basic, intermediate, advanced), at least
MIN_PER_TIER questions in each. The quiz starts basic; a right answer goes up a tier,
a wrong one down, on the same concept when the bank has one, so the learner meets the
idea again from another side. A learner who answers well reaches the advanced tier by
the third question.

Choices are shown in an order of their own for each learner and each retake, drawn
from what the save holds (level, seed, player, attempt): a replay of the save shows
the same order. Answers are always recorded by the choice's place in the level file,
so the order shown never changes what was right.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from finops_tui.engine.level import QUIZ_TIERS, Level, QuizQuestion

MAX_QUESTIONS = 5
MIN_PER_TIER = 3
COURSE_CONCEPTS: dict[str, str] = {
    "finops": "FinOps",
    "ai-lifecycle": "AI project lifecycle",
    "cost-optimization": "Cost optimization",
    "roi": "ROI",
    "resource-allocation": "Resource allocation",
    "scalability": "Scalability",
    "financial-accountability": "Financial accountability",
    "collaboration": "Cross-functional collaboration",
}
# A facilitator may give each question a time; longer than an hour is no limit at all.
MAX_QUIZ_SECONDS = 3600.0


@dataclass(frozen=True)
class QuizAnswer:
    question: int  # index in level.quiz
    choice: int | None  # index in the question's choices as the level lists them; None: timed out
    correct: bool

    @property
    def timed_out(self) -> bool:
        return self.choice is None


# --- the bank ------------------------------------------------------------------------


def tier_counts(quiz: Sequence[QuizQuestion]) -> dict[str, int]:
    """How many questions each tier has: {"basic": n, "intermediate": n, "advanced": n}."""
    counts = dict.fromkeys(QUIZ_TIERS.values(), 0)
    for q in quiz:
        counts[QUIZ_TIERS[q.level]] += 1
    return counts


def bank_problems(quiz: Sequence[QuizQuestion]) -> list[str]:
    """Why a quiz bank cannot be used, as `quiz: ...` messages; [] when it can.

    An empty bank is a level without an end-of-level check (the sandbox, a level made
    from a bill); any other bank needs every tier, so the quiz can climb to advanced.
    """
    if not quiz:
        return []
    counts = tier_counts(quiz)
    short = [f"{tier} has {n}" for tier, n in counts.items() if n < MIN_PER_TIER]
    problems = []
    if short:
        problems.append(
            f"quiz: needs at least {MIN_PER_TIER} questions in each tier (level = 1 basic, "
            f"2 intermediate, 3 advanced); {', '.join(short)}"
        )
    seen: dict[str, int] = {}
    for i, q in enumerate(quiz):
        key = q.question.strip().casefold()
        if key in seen:
            problems.append(f"quiz[{i}].question: the same question as quiz[{seen[key]}]")
        seen.setdefault(key, i)
    return problems


def question_key(q: QuizQuestion) -> str:
    """A short fingerprint of what a question asks and what is right.

    A save records it with each answer: if the level's question is later reworded,
    reordered or its answer changed, the old answer no longer matches and is set aside
    instead of being read as an answer to a different question.
    """
    blob = json.dumps([q.question, q.choices, q.answer], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


class SavedAnswer(Protocol):
    """An answer as a save keeps it (content.saves.QuizRecord)."""

    @property
    def key(self) -> str | None: ...

    @property
    def choice(self) -> int | None: ...


def matched_answers(quiz: Sequence[QuizQuestion], saved: Iterable[SavedAnswer]) -> list[QuizAnswer]:
    """Saved answers matched to the level's questions by their key, in the order given.

    An answer whose question the level no longer has, or has reworded since (its key
    differs), or from a save older than keys, is left out: never read as an answer to
    another question. Right or wrong is read from the level, not from the save.
    """
    keys = {question_key(q): i for i, q in enumerate(quiz)}
    out = []
    for a in saved:
        i = keys.get(a.key or "")
        if i is None or (a.choice is not None and a.choice >= len(quiz[i].choices)):
            continue
        out.append(QuizAnswer(i, a.choice, a.choice is not None and a.choice == quiz[i].answer))
    return out


# --- answering -----------------------------------------------------------------------


def quiz_length(level: Level) -> int:
    return min(MAX_QUESTIONS, len(level.quiz))


def answer(level: Level, question: int, choice: int | None) -> QuizAnswer:
    """A choice (its index as the level lists them), or None when the time ran out."""
    q = level.quiz[question]
    if choice is None:
        return QuizAnswer(question, None, False)
    if not 0 <= choice < len(q.choices):
        raise ValueError(f"choice must be between 0 and {len(q.choices) - 1}, got {choice}")
    return QuizAnswer(question, choice, choice == q.answer)


def _target(level: Level, answers: Sequence[QuizAnswer]) -> tuple[int, bool]:
    """The tier the next question should have, and whether the last answer was right."""
    if not answers:
        return 1, True
    last = answers[-1]
    tier = level.quiz[last.question].level
    return (min(3, tier + 1), True) if last.correct else (max(1, tier - 1), False)


def next_question(
    level: Level, answers: Sequence[QuizAnswer], order: Sequence[int] | None = None
) -> int | None:
    """The index of the next question to ask, or None when the quiz is over.

    The tier comes first (up after a right answer, down after a wrong one, the nearest
    tier when that one is used up); then, after a wrong answer, the same concept (the
    codex's, then the course's); after a right one, a course concept not asked yet.
    `order` (a permutation of the bank, see `question_order`) breaks the remaining ties,
    so a retake need not ask the very same questions.
    """
    quiz = level.quiz
    asked = {a.question for a in answers}
    if len(answers) >= quiz_length(level):
        return None
    left = [i for i in range(len(quiz)) if i not in asked]
    if not left:
        return None
    target, went_up = _target(level, answers)
    place = {i: n for n, i in enumerate(order if order is not None else range(len(quiz)))}
    covered = {c for i in asked for c in quiz[i].course}
    last = quiz[answers[-1].question] if answers else None

    def concept_rank(q: QuizQuestion) -> int:
        if last is None:
            return 0
        if not went_up:
            if last.concept and q.concept == last.concept:
                return 0
            return 1 if set(q.course) & set(last.course) else 2
        return 0 if set(q.course) - covered else 1

    def rank(i: int) -> tuple[int, bool, int, int]:
        q = quiz[i]
        # Equally near tiers: after a right answer the harder one, after a wrong one the easier.
        away = q.level < target if went_up else q.level > target
        return (abs(q.level - target), away, concept_rank(q), place.get(i, len(quiz) + i))

    return min(left, key=rank)


def quiz_score(answers: Sequence[QuizAnswer]) -> float:
    """Share of right answers, 0..1 (0 before any answer)."""
    return sum(a.correct for a in answers) / len(answers) if answers else 0.0


def highest_tier_reached(level: Level, answers: Sequence[QuizAnswer]) -> int:
    """The hardest tier asked so far (0 before any answer)."""
    return max((level.quiz[a.question].level for a in answers), default=0)


# --- per learner and retake: the order of the choices ---------------------------------


def shuffle_salt(level_id: str, seed: int, player: str, attempt: int) -> str:
    """What a learner's order is drawn from: all of it is in the save."""
    return json.dumps([level_id, seed, player, attempt], ensure_ascii=False)


def _draw(salt: str, *parts: object) -> bytes:
    return hashlib.sha256(json.dumps([salt, *parts], ensure_ascii=False).encode()).digest()


def choice_order(q: QuizQuestion, salt: str) -> list[int]:
    """The question's choices as this learner sees them: a list of indices into q.choices.

    A hash, not a random generator: the same save shows the same order in any process,
    on any Python.
    """
    key = question_key(q)
    return sorted(range(len(q.choices)), key=lambda i: _draw(salt, key, i))


def question_order(level: Level, salt: str) -> list[int]:
    """The bank in this learner's order: breaks ties between equally fitting questions."""
    return sorted(
        range(len(level.quiz)), key=lambda i: _draw(salt, "question", question_key(level.quiz[i]))
    )


# --- results by concept --------------------------------------------------------------


def concept_results(
    quiz: Sequence[QuizQuestion], answers: Sequence[QuizAnswer]
) -> dict[str, tuple[int, int]]:
    """For each course concept asked: (answers right, questions asked), in course order."""
    tally = {c: [0, 0] for c in COURSE_CONCEPTS}
    for a in answers:
        for concept in quiz[a.question].course:
            tally[concept][1] += 1
            tally[concept][0] += a.correct
    return {c: (right, asked) for c, (right, asked) in tally.items() if asked}


# --- time ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizTiming:
    """Time per question, set by a facilitator; None (the default) is no time pressure.

    `extra_seconds` is a learner's extra time on every question (an accommodation).
    """

    seconds: float | None = None
    extra_seconds: float = 0.0

    def __post_init__(self) -> None:
        for name in ("seconds", "extra_seconds"):
            value = getattr(self, name)
            if value is None:
                continue
            if not (math.isfinite(value) and 0 <= value <= MAX_QUIZ_SECONDS):
                raise ValueError(f"{name} must be between 0 and {MAX_QUIZ_SECONDS:.0f}")
        if self.seconds is not None and self.seconds <= 0:
            raise ValueError("seconds must be above 0 (leave it out for no time limit)")

    @property
    def limit(self) -> float | None:
        """Seconds this learner has for each question; None for no limit."""
        return None if self.seconds is None else self.seconds + self.extra_seconds

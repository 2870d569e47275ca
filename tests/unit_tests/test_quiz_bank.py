"""Quiz banks: three tiers in every level but the sandbox, mapped to the course, adapting
up to advanced, and shuffled per learner and retake the same way on every replay."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from finops_tui.cli.main import run
from finops_tui.content.errors import ContentError
from finops_tui.content.levels import levels_dir, load_level
from finops_tui.content.quiz import (
    COURSE_CONCEPTS,
    MIN_PER_TIER,
    QuizTiming,
    answer,
    choice_order,
    concept_results,
    highest_tier_reached,
    next_question,
    question_key,
    question_order,
    shuffle_salt,
    tier_counts,
)
from finops_tui.engine.level import QuizQuestion
from finops_tui.gameplay.roles import ROLES

QUIZZED = [
    "tutorial",
    "runaway-fine-tune",
    "spot-or-reserved",
    "public-sector",
    "chatbot-at-scale",
    "foundation-budget",
]


def _write_level(tmp_path: Path, edit) -> Path:
    text = (levels_dir() / "tutorial.toml").read_text(encoding="utf-8")
    path = tmp_path / "tutorial.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


# --- the banks -------------------------------------------------------------------------


@pytest.mark.parametrize("level_id", QUIZZED)
def test_every_level_but_the_sandbox_has_three_tiers_mapped_to_the_course(scenarios, level_id):
    quiz = scenarios[level_id].level.quiz
    assert min(tier_counts(quiz).values()) >= MIN_PER_TIER, tier_counts(quiz)
    for q in quiz:
        assert q.course and set(q.course) <= set(COURSE_CONCEPTS), q.question
        assert set(q.roles) <= set(ROLES), q.question
    # Between them, a level's questions speak to more than one course concept and role.
    assert len({c for q in quiz for c in q.course}) >= 4
    assert {r for q in quiz for r in q.roles} >= {"it", "finance"}


def test_the_shipped_banks_cover_every_course_concept_and_role(scenarios):
    questions = [q for name in QUIZZED for q in scenarios[name].level.quiz]
    assert {c for q in questions for c in q.course} == set(COURSE_CONCEPTS)
    assert {r for q in questions for r in q.roles} == set(ROLES)


def test_the_right_answer_is_not_always_in_the_same_place_or_the_longest(scenarios):
    questions = [q for name in QUIZZED for q in scenarios[name].level.quiz]
    longest = [
        q
        for q in questions
        if len(q.choices[q.answer]) > max(len(c) for c in q.choices if c != q.choices[q.answer])
    ]
    # Shuffling fixes the place; the wording must not give the answer away either.
    assert len(longest) < len(questions) / 4, [q.question for q in longest]


def test_validate_refuses_a_bank_without_every_tier(tmp_path, capsys):
    path = _write_level(tmp_path, lambda t: t.replace("level = 3\n", "level = 2\n"))
    assert run(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}: quiz: needs at least 3 questions in each tier" in out
    assert "advanced has 0" in out and "Traceback" not in out


def test_validate_names_a_question_without_a_course_concept(tmp_path, capsys):
    path = _write_level(tmp_path, lambda t: t.replace('course = ["roi", "ai-lifecycle"]\n', ""))
    assert run(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}: quiz[" in out and ".course: required key is missing" in out


def test_validate_names_an_unknown_course_concept_or_role(tmp_path):
    path = _write_level(tmp_path, lambda t: t.replace('"roi", "ai-lifecycle"', '"vibes"', 1))
    with pytest.raises(ContentError, match=r"quiz\[\d+\]\.course\[0\]: expected 'finops'"):
        load_level(path)
    path = _write_level(tmp_path, lambda t: t.replace('roles = ["finance"]', 'roles = ["ceo"]', 1))
    with pytest.raises(ContentError, match=r"quiz\[\d+\]\.roles\[0\]: expected 'it'"):
        load_level(path)


def test_a_level_without_a_quiz_is_free_play(tmp_path):
    def drop_quiz(text: str) -> str:
        head, _, rest = text.partition("[[quiz]]")
        return head + rest[rest.index("[plans.par]") :]

    assert load_level(_write_level(tmp_path, drop_quiz), check_plans=False).quiz == []


def test_choices_of_a_question_must_differ():
    with pytest.raises(ValueError, match="choices must all differ"):
        QuizQuestion(question="?", choices=["a", "A "], answer=0, explanation="", course=["finops"])


# --- adapting -------------------------------------------------------------------------


def _answers_with(level, right: list[bool], order=None):
    answers, tiers = [], []
    for r in right:
        i = next_question(level, answers, order)
        if i is None:
            break
        q = level.quiz[i]
        tiers.append(q.level)
        answers.append(answer(level, i, q.answer if r else (q.answer + 1) % len(q.choices)))
    return answers, tiers


@pytest.mark.parametrize("level_id", QUIZZED)
def test_a_learner_who_answers_well_reaches_advanced_on_every_order(scenarios, level_id):
    level = scenarios[level_id].level
    for learner in range(40):  # 40 learners' orders
        order = question_order(level, shuffle_salt(level.id, learner, "", 0))
        answers, tiers = _answers_with(level, [True] * 5, order)
        assert tiers == [1, 2, 3, 3, 3], (learner, tiers)
        assert highest_tier_reached(level, answers) == 3


@pytest.mark.parametrize("level_id", QUIZZED)
def test_every_path_goes_up_after_right_and_down_after_wrong(scenarios, level_id):
    level = scenarios[level_id].level
    for pattern in itertools.product([True, False], repeat=5):
        answers, tiers = _answers_with(level, list(pattern))
        assert len(answers) == 5 and len({a.question for a in answers}) == 5
        for n, (before, after, right) in enumerate(zip(tiers, tiers[1:], pattern, strict=False)):
            expected = min(3, before + 1) if right else max(1, before - 1)
            asked = {a.question for a in answers[: n + 1]}
            left = {q.level for i, q in enumerate(level.quiz) if i not in asked}
            # The tier called for, or the nearest one when the bank has none of it left.
            assert abs(after - expected) == min(abs(t - expected) for t in left), (pattern, tiers)
            if expected in left:
                assert after == expected


def test_a_wrong_answer_stays_on_its_course_concept_when_it_can(scenarios):
    level = scenarios["public-sector"].level
    answers, _ = _answers_with(level, [True, False])
    wrong = level.quiz[answers[-1].question]
    nxt = level.quiz[next_question(level, answers)]
    assert nxt.level == wrong.level - 1
    assert nxt.concept == wrong.concept or set(nxt.course) & set(wrong.course)


def test_a_right_answer_moves_on_to_a_concept_not_asked_yet(scenarios):
    level = scenarios["chatbot-at-scale"].level
    answers, _ = _answers_with(level, [True, True])
    asked = {c for a in answers for c in level.quiz[a.question].course}
    nxt = level.quiz[next_question(level, answers)]
    assert set(nxt.course) - asked


def test_results_by_course_concept(scenarios):
    level = scenarios["tutorial"].level
    answers, _ = _answers_with(level, [True, False, True, True, False])
    results = concept_results(level.quiz, answers)
    assert set(results) <= set(COURSE_CONCEPTS)
    for concept, (right, asked) in results.items():
        expected = [a for a in answers if concept in level.quiz[a.question].course]
        assert asked == len(expected) and right == sum(a.correct for a in expected)


def test_a_timed_out_question_counts_as_wrong_and_goes_down(scenarios):
    level = scenarios["tutorial"].level
    answers, _ = _answers_with(level, [True])
    i = next_question(level, answers)
    late = answer(level, i, None)
    assert late.timed_out and not late.correct
    assert level.quiz[next_question(level, [*answers, late])].level == 1


# --- shuffling ------------------------------------------------------------------------


def test_choice_order_is_a_permutation_fixed_by_the_save(scenarios):
    q = scenarios["tutorial"].level.quiz[0]
    salt = shuffle_salt("tutorial", 7, "Team Red", 0)
    order = choice_order(q, salt)
    assert sorted(order) == list(range(len(q.choices)))
    assert choice_order(q, shuffle_salt("tutorial", 7, "Team Red", 0)) == order


def test_choices_differ_between_learners_and_retakes(scenarios):
    questions = [q for name in QUIZZED for q in scenarios[name].level.quiz]
    first = [choice_order(q, shuffle_salt("x", 7, "Team Red", 0)) for q in questions]
    retake = [choice_order(q, shuffle_salt("x", 7, "Team Red", 1)) for q in questions]
    other = [choice_order(q, shuffle_salt("x", 7, "Team Blue", 0)) for q in questions]
    assert first != retake and first != other
    # The right answer lands in every place, not mostly in one.
    places = [o.index(q.answer) for q, o in zip(questions, first, strict=True)]
    assert len(set(places)) == 4 and max(map(places.count, set(places))) < len(places) / 2


def test_choice_order_is_the_same_in_another_process(scenarios):
    import json
    import subprocess
    import sys

    q = scenarios["tutorial"].level.quiz[3]
    salt = shuffle_salt("tutorial", 3, "Ana", 2)
    code = (
        "import json,sys;from finops_tui.content.levels import load_scenario;"
        "from finops_tui.content.quiz import choice_order, shuffle_salt;"
        "q = load_scenario('tutorial').level.quiz[3];"
        "print(json.dumps(choice_order(q, shuffle_salt('tutorial', 3, 'Ana', 2))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PYTHONHASHSEED": "12345", **__import__("os").environ},
    ).stdout
    assert json.loads(out) == choice_order(q, salt)


def test_question_key_changes_when_the_question_or_its_answer_does(scenarios):
    q = scenarios["tutorial"].level.quiz[0]
    assert question_key(q) == question_key(q.model_copy())
    assert question_key(q) != question_key(q.model_copy(update={"answer": 0}))
    assert question_key(q) != question_key(q.model_copy(update={"question": q.question + "?"}))


# --- time ------------------------------------------------------------------------------


def test_no_time_pressure_by_default_and_extra_time_adds_up():
    assert QuizTiming().limit is None
    assert QuizTiming(seconds=60, extra_seconds=30).limit == 90
    assert QuizTiming(extra_seconds=30).limit is None  # extra time alone sets no limit


@pytest.mark.parametrize(
    "seconds,extra",
    [(0, 0), (-1, 0), (float("nan"), 0), (float("inf"), 0), (5000, 0), (30, -1), (30, 1e9)],
)
def test_bad_times_are_refused(seconds, extra):
    with pytest.raises(ValueError):
        QuizTiming(seconds=seconds, extra_seconds=extra)

"""The course file: the shipped 3-hour lesson, and every way a course file can be wrong."""

from __future__ import annotations

import textwrap

import pytest

from finops_tui.cli.main import run
from finops_tui.content.errors import ContentError
from finops_tui.gameplay.course import (
    MAX_COURSE_MINUTES,
    CodexActivity,
    courses_dir,
    load_course,
    resolve_course_path,
    role_example,
)

GOOD = """
[course]
id = "short"
title = "A short course"

[[phase]]
name = "Engage"
minutes = 10

[[phase.activity]]
kind = "watch"
level = "runaway-fine-tune"
plan = "naive"
minutes = 5
"""


def write(tmp_path, text: str, name: str = "course.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_course(path)
    return caught.value.problems


def test_the_shipped_course_is_the_three_hour_lesson():
    course = load_course(resolve_course_path(None))
    assert [(p.name, p.minutes) for p in course.phase] == [
        ("Engage", 30),
        ("Explore", 45),
        ("Explain", 45),
        ("Elaborate", 45),
        ("Evaluate", 15),
    ]
    kinds = [[a.kind for a in p.activity] for p in course.phase]
    assert kinds[0] == ["poll", "watch", "discussion"]
    assert course.phase[0].activity[1].level == "runaway-fine-tune"
    assert course.phase[0].activity[1].plan == "naive"
    assert [a.level for a in course.phase[1].activity if a.kind == "level"] == [
        "tutorial",
        "spot-or-reserved",
    ]
    assert "calculator" in kinds[1]
    assert "codex" in kinds[2] and "quiz" in kinds[2]
    assert "studio" in kinds[3]
    assert {"quiz", "justification", "reflection"} <= set(kinds[4])
    assert course.course.checkin_minutes > 0
    codex = next(a for a in course.phase[2].activity if isinstance(a, CodexActivity))
    for role in ("it", "finance", "data-science"):
        assert role_example(codex, role)


def test_shipped_courses_sit_beside_the_levels_so_the_wheel_carries_them():
    assert courses_dir().name == "courses" and courses_dir().parent.name in ("levels", "_levels")
    assert (courses_dir() / "finops-3h.toml").is_file()


def test_a_good_course_loads(tmp_path):
    course = load_course(write(tmp_path, GOOD))
    assert course.minutes == 10 and len(course.steps()) == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("[course]", "[course]\ncolour = 'red'"), "course.colour: unknown key"),
        (("minutes = 10", "minutes = -5"), "phase[0].minutes: must be greater than 0, got -5"),
        (("minutes = 5", "minutes = 0"), "phase[0].activity[0].minutes: must be greater than 0"),
        (
            ('plan = "naive"', "plan = 'naive'\nspeed = 2"),
            "phase[0].activity[0].speed: unknown key",
        ),
        (('kind = "watch"', "kind = 'dance'"), "phase[0].activity[0].kind: expected one of poll"),
        (
            ("runaway-fine-tune", "no-such-level"),
            "phase[0].activity[0].level: no-such-level: no such level",
        ),
        (
            ("runaway-fine-tune", "../levels/tutorial"),
            "phase[0].activity[0].level: expected an id: lowercase letters",
        ),
        (
            ('plan = "naive"', "plan = 'best'"),
            "phase[0].activity[0].plan: runaway-fine-tune has no plan 'best'",
        ),
        (
            ("minutes = 5", "minutes = 15"),
            "phase[0].activity: the activities take 15 minutes; Engage has 10",
        ),
        (('id = "short"', "id = 'Short Course'"), "course.id: expected an id"),
    ],
)
def test_every_bad_key_is_named(tmp_path, change, expected):
    old, new = change
    problems = problems_of(write(tmp_path, GOOD.replace(old, new, 1)))
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(tmp_path)) for p in problems)


def test_phases_past_a_working_day_are_refused(tmp_path):
    phase = GOOD[GOOD.index("[[phase]]") :].replace("minutes = 10", "minutes = 200")
    problems = problems_of(write(tmp_path, GOOD[: GOOD.index("[[phase]]")] + phase * 3))
    assert any(
        f"add up to 600 minutes; a course is at most {MAX_COURSE_MINUTES:g}" in p for p in problems
    )


def test_unknown_codex_topics_and_missing_role_examples(tmp_path):
    text = GOOD + textwrap.dedent(
        """
        [[phase.activity]]
        kind = "codex"
        topics = ["spot", "../../etc/passwd"]
        minutes = 3
        [phase.activity.examples]
        it = "a"
        finance = "b"
        """
    )
    problems = problems_of(write(tmp_path, text))
    assert any(
        "phase[0].activity[1].examples.data-science: required key is missing" in p for p in problems
    )
    text = text.replace('finance = "b"', 'finance = "b"\ndata-science = "c"')
    problems = problems_of(write(tmp_path, text))
    assert problems == [
        f"{tmp_path / 'course.toml'}: phase[0].activity[1].topics[1]: "
        "no codex entry '../../etc/passwd'"
    ]


def test_a_poll_of_one_choice_and_a_quiz_of_a_level_without_questions(tmp_path):
    text = GOOD.replace(
        'kind = "watch"\nlevel = "runaway-fine-tune"\nplan = "naive"',
        'kind = "poll"\nquestion = "Ready?"\nchoices = ["yes"]',
    )
    assert any("a poll has no choices" in p for p in problems_of(write(tmp_path, text)))


def test_unknown_course_id_names_the_shipped_ones():
    with pytest.raises(ContentError, match=r"no-such: no such course \(shipped courses: finops-3h"):
        resolve_course_path("no-such")


def test_validate_checks_courses_and_levels_alike(tmp_path, capsys):
    good = write(tmp_path, GOOD, "good.toml")
    bad = write(tmp_path, GOOD.replace("minutes = 10", "minutes = -1"), "bad.toml")
    assert run(["validate", str(good), str(courses_dir() / "finops-3h.toml")]) == 0
    assert run(["validate", str(bad)]) == 1
    out = capsys.readouterr()
    assert f"{bad}: phase[0].minutes: must be greater than 0, got -1" in out.out
    assert "Traceback" not in out.out + out.err


def test_a_levels_folder_of_ones_own_still_finds_the_shipped_course(tmp_path, monkeypatch):
    monkeypatch.setenv("FINOPS_TUI_LEVELS", str(tmp_path))
    assert resolve_course_path(None).name == "finops-3h.toml"
    (tmp_path / "courses").mkdir()
    write(tmp_path / "courses", GOOD, "mine.toml")
    assert resolve_course_path("mine") == tmp_path / "courses" / "mine.toml"

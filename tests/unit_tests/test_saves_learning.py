"""What a player writes after the debrief (quiz, justification, reflections) is kept in the
save: bounded, checksummed, never part of the claimed score, and never needed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from finops_tui.cli.main import run
from finops_tui.content import saves
from finops_tui.content.errors import ContentError
from finops_tui.content.levels import load_scenario
from finops_tui.content.saves import (
    MAX_JUSTIFICATION,
    MAX_QUIZ_ANSWERS,
    MAX_REFLECTION,
    MAX_REFLECTION_PROMPT,
    MAX_REFLECTIONS,
    Learning,
    QuizRecord,
    SaveStore,
    load_save,
    save_from_state,
    verify_replay,
    write_save,
)
from finops_tui.content.saves import format as save_format
from finops_tui.engine import plan_decisions, play

EXTRAS = {
    "quiz": [
        {"question": 0, "choice": 1, "correct": True},
        {"question": 2, "choice": 0, "correct": False},
    ],
    "justification": "We trained on spot with hourly checkpoints.\nIt halved the bill.",
    "reflections": {
        "What would you do differently?": "Tag from the first month.",
        "What surprised you?": "How much idle notebooks cost — 20%!",
    },
}


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario("tutorial")


@pytest.fixture(scope="module")
def finished(tutorial):
    return play(tutorial, 3, plan_decisions(tutorial, tutorial.level.plans["par"]))


def edit(path: Path, change) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_save(path)
    return info.value.problems


def test_learning_round_trips_and_changes_no_claim(tmp_path, tutorial, finished):
    path = tmp_path / "game.toml"
    plain = save_from_state(tutorial, finished, "Team Red")
    write_save(path, save_from_state(tutorial, finished, "Team Red", extras=EXTRAS))
    _, state, save = verify_replay(path)
    assert save.learning == Learning.model_validate(EXTRAS)
    assert save.quiz == [QuizRecord(question=0, choice=1, correct=True), save.quiz[1]]
    assert save.justification == EXTRAS["justification"]
    assert save.reflections == EXTRAS["reflections"]
    # The claimed result is the game's alone.
    assert save.claimed == plain.claimed and state.score == finished.score
    assert "quiz" not in save.claimed.model_dump() and save.turns == plain.turns


def test_a_learning_object_is_kept_as_given(tutorial, finished):
    learning = Learning.model_validate(EXTRAS)
    assert save_from_state(tutorial, finished, extras=learning).learning == learning


def test_a_save_without_answers_is_laid_out_and_hashed_as_before(tmp_path, tutorial, finished):
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, finished))
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert not {"quiz", "justification", "reflections"} & set(data)
    # The checksum is the digest of the file's own content: what saves always were.
    body = {k: v for k, v in data.items() if k != "integrity"}
    assert data["integrity"]["checksum"] == save_format._digest(body)
    assert load_save(path)[2].learning == Learning()


def test_an_answered_save_from_before_quiz_keys_still_verifies(tmp_path, tutorial, finished):
    """Answers without the keys added since hash as they always did: older saves verify."""
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, finished, extras=EXTRAS))
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["quiz"] == EXTRAS["quiz"]  # no key, no timed_out: as an older finops-tui wrote
    assert not {"quiz_attempt", "rubric"} & set(data)
    body = {k: v for k, v in data.items() if k != "integrity"}
    assert data["integrity"]["checksum"] == save_format._digest(body)
    assert verify_replay(path)[2].quiz == [QuizRecord.model_validate(q) for q in EXTRAS["quiz"]]


def test_keys_retakes_time_outs_and_the_checklist_round_trip(tmp_path, tutorial, finished):
    path = tmp_path / "game.toml"
    extras = {
        "quiz": [
            {"question": 3, "key": "0123456789ab", "choice": 2, "correct": False},
            {"question": 4, "key": "ba9876543210", "correct": False, "timed_out": True},
        ],
        "quiz_attempt": 2,
        "justification": "We ask for more.",
        "rubric": {"figures": False, "practice": False, "value": False, "ask": True},
    }
    write_save(path, save_from_state(tutorial, finished, extras=extras))
    save = verify_replay(path)[2]
    assert save.learning == Learning.model_validate(extras)
    # A hand edit of any of them shows.
    edit(path, lambda d: d["rubric"].update(value=True))
    assert "integrity.checksum" in problems_of(path)[0]


@pytest.mark.parametrize(
    "record,message",
    [
        ({"question": 0, "correct": False}, "choice: required key is missing"),
        ({"question": 0, "choice": 1, "correct": False, "timed_out": True}, "has no choice"),
        ({"question": 0, "correct": True, "timed_out": True}, "has no choice"),
        ({"question": 0, "key": "XYZ", "choice": 1, "correct": False}, "quiz[0].key"),
    ],
)
def test_bad_quiz_records_are_refused_in_words(tutorial, finished, record, message):
    with pytest.raises(ContentError) as info:
        save_from_state(tutorial, finished, extras={"quiz": [record]})
    assert message in info.value.problems[0] and info.value.problems[0].startswith("save: ")


def test_the_checklist_and_retakes_are_bounded(tutorial, finished):
    with pytest.raises(ContentError):
        save_from_state(tutorial, finished, extras={"quiz_attempt": -1})
    with pytest.raises(ContentError):
        save_from_state(tutorial, finished, extras={"rubric": {"[bold]": True}})
    many = {f"item-{chr(97 + i)}": True for i in range(11)}
    with pytest.raises(ContentError):
        save_from_state(tutorial, finished, extras={"rubric": many})


def test_answers_are_written_before_the_integrity_table(tmp_path, tutorial, finished):
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, finished, extras=EXTRAS))
    text = path.read_text(encoding="utf-8")
    assert text.rstrip().splitlines()[-2] == "[integrity]"
    assert text.index("[reflections]") < text.index("[integrity]")


def test_autosave_rewrites_the_finished_game_with_the_answers(tmp_path, tutorial, finished):
    store = SaveStore(tmp_path)
    path = store.autosave(tutorial, finished, "Team Red")
    assert store.load(path)[2].justification == ""
    again = store.autosave(tutorial, finished, "Team Red", extras=EXTRAS)
    assert again == path and len(list(tmp_path.glob("*.toml"))) == 1
    _, state, save = store.load(path)
    assert save.justification == EXTRAS["justification"] and state.score == finished.score
    [entry] = store.list()
    assert entry.problem is None and entry.finished and entry.score == finished.score
    named = store.save_named("with answers", tutorial, finished, "Team Red", extras=EXTRAS)
    assert store.load(named)[2].reflections == EXTRAS["reflections"]


@pytest.mark.parametrize(
    ("extras", "expected"),
    [
        (
            {"justification": "x" * (MAX_JUSTIFICATION + 1)},
            f"save: justification: at most {MAX_JUSTIFICATION:,} characters, "
            f"got {MAX_JUSTIFICATION + 1:,}",
        ),
        (
            {"reflections": {f"prompt {i}": "a" for i in range(MAX_REFLECTIONS + 1)}},
            "save: reflections: ",
        ),
        (
            {"reflections": {"p" * (MAX_REFLECTION_PROMPT + 1): "a"}},
            f"at most {MAX_REFLECTION_PROMPT} characters",
        ),
        (
            {"reflections": {"Why?": "b" * (MAX_REFLECTION + 1)}},
            f"save: reflections.Why?: at most {MAX_REFLECTION:,} characters",
        ),
        (
            {"quiz": [{"question": 0, "choice": 0, "correct": True}] * (MAX_QUIZ_ANSWERS + 1)},
            "save: quiz: ",
        ),
        ({"quiz": [{"question": 0, "choice": -1, "correct": True}]}, "save: quiz[0].choice: "),
        ({"quiz": [{"question": 0, "choice": 1}]}, "save: quiz[0].correct: required key"),
        ({"justification": "ok\x1b[31mred"}, "control character '\\x1b' is not allowed"),
        ({"mood": "great"}, "save: mood: unknown key"),
    ],
)
def test_answers_out_of_bounds_are_refused_in_words(tutorial, finished, extras, expected):
    with pytest.raises(ContentError) as info:
        save_from_state(tutorial, finished, extras=extras)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_answers_at_their_limits_are_kept(tmp_path, tutorial, finished):
    extras = {
        "quiz": [{"question": i, "choice": 0, "correct": False} for i in range(MAX_QUIZ_ANSWERS)],
        "justification": "é\tx\n" * (MAX_JUSTIFICATION // 4 - 2) + "👩\u200d💻 ok",
        "reflections": {
            f"{i:02d}" + "p" * (MAX_REFLECTION_PROMPT - 2): "r" * MAX_REFLECTION
            for i in range(MAX_REFLECTIONS)
        },
    }
    path = tmp_path / "big.toml"
    write_save(path, save_from_state(tutorial, finished, extras=extras))
    assert path.stat().st_size < saves.MAX_SAVE_BYTES
    assert load_save(path)[2].learning == Learning.model_validate(extras)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(justification=d["justification"] + " (and it was cheap)"),
        lambda d: d.update(justification=""),
        lambda d: d["quiz"][1].update(correct=True),
        lambda d: d["reflections"].update({"What surprised you?": "nothing"}),
        lambda d: d.pop("reflections"),
        lambda d: d.update(justification="A justification nobody wrote"),
    ],
)
def test_tampered_answers_break_the_checksum(tmp_path, tutorial, finished, change):
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, finished, extras=EXTRAS))
    edit(path, change)
    (problem,) = problems_of(path)
    assert problem.startswith(
        f"{path}: integrity.checksum: the file was changed after finops-tui wrote it"
    )


def test_answers_added_to_a_save_without_any_break_the_checksum(tmp_path, tutorial, finished):
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, finished))
    edit(path, lambda d: d.update(justification="Written after the fact"))
    assert "integrity.checksum" in problems_of(path)[0]


def test_a_hand_written_overlong_justification_is_a_message(tmp_path, tutorial, finished):
    path = tmp_path / "game.toml"
    write_save(path, save_from_state(tutorial, finished, extras=EXTRAS))
    edit(path, lambda d: d.update(justification="y" * (MAX_JUSTIFICATION + 5)))
    (problem, *_) = problems_of(path)
    assert problem.startswith(f"{path}: justification: at most {MAX_JUSTIFICATION:,} characters")


def test_the_report_shows_the_saved_justification(tmp_path, capsys, tutorial, finished):
    path = tmp_path / "replay.toml"
    write_save(path, save_from_state(tutorial, finished, "Team Red", extras=EXTRAS))
    report = tmp_path / "report.md"
    assert run(["export", str(path), "--report", str(report)]) == 0
    capsys.readouterr()
    text = report.read_text(encoding="utf-8")
    assert "## The team's justification" in text
    assert "We trained on spot with hourly checkpoints." in text
    assert "_No written justification was saved._" not in text

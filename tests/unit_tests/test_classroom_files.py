"""The class folder: settings, the facilitator's control, team statuses and results."""

from __future__ import annotations

import csv

import pytest

from finops_tui.content.classroom import (
    ClassDir,
    ClassSettings,
    Control,
    TeamStatus,
    check_team_name,
    export_results,
    quiz_concept_totals,
    results_rows,
)
from finops_tui.content.errors import ContentError
from finops_tui.content.quiz import COURSE_CONCEPTS, concept_results, question_key
from finops_tui.content.saves import QuizRecord, SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.session import GameSession


def test_a_class_keeps_its_level_and_seed(tmp_path):
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=4))
    assert class_dir.create(ClassSettings(level="tutorial", seed=4)).seed == 4
    with pytest.raises(ContentError, match="plays 'tutorial' seed 4"):
        class_dir.create(ClassSettings(level="tutorial", seed=5))


def test_control_round_trips_and_counts_versions(tmp_path):
    class_dir = ClassDir(tmp_path)
    assert class_dir.control() == Control()
    written = class_dir.write_control(Control(phase="playing", open_turn=2))
    assert written.version == 1
    assert class_dir.control() == written
    class_dir.control_path.write_text("{not json", encoding="utf-8")
    assert class_dir.control().phase == "lobby"  # unreadable reads as a fresh lobby


def test_turns_close_by_hand_or_by_the_clock():
    control = Control(
        phase="playing", open_turn=3, closed_turn=2, deadline=1000.0, extra_seconds={"slow": 60}
    )
    assert control.must_resolve("a", 2, now=0)  # closed by the facilitator
    assert not control.must_resolve("a", 3, now=999)
    assert control.must_resolve("a", 3, now=1000)
    assert not control.must_resolve("slow", 3, now=1030)  # given extra time
    assert control.must_resolve("slow", 3, now=1060)
    assert not control.must_resolve("a", 4, now=5000)  # never beyond the open turn
    assert control.may_play(3) and not control.may_play(4)
    assert not control.model_copy(update={"phase": "paused"}).may_play(1)


@pytest.mark.parametrize("name", ["team-1", "blue_team", "a"])
def test_good_team_names(name):
    assert check_team_name(name) is None


@pytest.mark.parametrize("name", ["", "../x", "Team", "a b", "facilitator", "projector", "x" * 33])
def test_bad_team_names(name):
    assert check_team_name(name)


def test_a_damaged_status_never_hides_the_others(tmp_path):
    class_dir = ClassDir(tmp_path)
    class_dir.write_status(
        TeamStatus(
            team="a",
            turn=1,
            turns=3,
            spend_usd=10,
            budget_usd=20,
            score=50,
            stars=1,
            finished=False,
            updated=0,
        )
    )
    (tmp_path / "status" / "b.json").write_text("garbage", encoding="utf-8")
    assert [s.team for s in class_dir.statuses()] == ["a"]


def test_results_export_replays_each_teams_save(tmp_path, scenarios):
    scenario = scenarios["tutorial"]
    class_dir = ClassDir(tmp_path)
    class_dir.create(ClassSettings(level="tutorial", seed=2))
    state = play(scenario, 2, plan_decisions(scenario, scenario.level.plans["par"]))
    quiz = scenario.level.quiz
    learning = {
        "quiz": [
            {"question": 0, "key": question_key(quiz[0]), "choice": 1, "correct": True},
            {"question": 1, "key": question_key(quiz[1]), "choice": 0, "correct": False},
        ],
        "justification": "Spot, tagged.",
    }
    SaveStore(class_dir.team_dir("blue")).autosave(scenario, state, "blue", learning)
    class_dir.team_dir("empty").mkdir(parents=True)
    path = tmp_path / "results.csv"
    assert export_results(class_dir, path) == 2
    rows = {r["team"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}
    assert float(rows["blue"]["score"]) == state.score
    assert rows["blue"]["justification"] == "Spot, tagged."
    assert float(rows["blue"]["quiz_score"]) == 0.5
    assert rows["empty"]["problem"] == "no save yet"


def test_results_show_each_learners_quiz_by_concept_and_the_rubric(tmp_path, scenarios):
    scenario = scenarios["tutorial"]
    quiz = scenario.level.quiz
    class_dir = ClassDir(tmp_path)
    class_dir.create(ClassSettings(level="tutorial", seed=2))
    state = play(scenario, 2, plan_decisions(scenario, scenario.level.plans["par"]))
    session = GameSession(scenario, state, "blue")
    right = [i for i, q in enumerate(quiz) if "cost-optimization" in q.course][:2]
    for i in right:
        session.answer_quiz(i, quiz[i].answer)
    wrong = next(i for i, q in enumerate(quiz) if "financial-accountability" in q.course)
    session.answer_quiz(wrong, (quiz[wrong].answer + 1) % len(quiz[wrong].choices))
    session.write(justification="We ask for =cmd|' /C calc'!A0 and spot saved $500.")
    learning = session.learning.model_copy(
        update={"quiz": [*session.learning.quiz, QuizRecord(question=0, choice=0, correct=True)]}
    )
    SaveStore(class_dir.team_dir("blue")).autosave(scenario, state, "blue", learning)
    path = tmp_path / "results.csv"
    export_results(class_dir, path)
    [row] = list(csv.DictReader(path.open(encoding="utf-8")))
    expected = concept_results(quiz, session.quiz_answers())
    for concept in COURSE_CONCEPTS:
        if concept in expected:
            assert row[f"quiz_{concept}"] == "{} of {}".format(*expected[concept])
        else:
            assert row[f"quiz_{concept}"] == ""
    assert row["quiz_cost-optimization"].startswith("2 of")
    assert row["quiz_financial-accountability"].startswith("0 of")
    assert row["quiz_set_aside"] == "1"  # the answer without a key: never misread
    assert float(row["quiz_score"]) == round(2 / 3, 3)
    assert row["quiz_tier"] in ("basic", "intermediate", "advanced")
    assert row["rubric_ask"] == "yes" and row["rubric_value"] == "no"
    assert row["justification"].startswith("We ask")  # text, not a formula
    assert quiz_concept_totals(results_rows(class_dir)) == expected


def test_ids_come_from_one_counter_that_survives_a_restart_and_a_lost_control(tmp_path):
    from finops_tui.content.classroom import Broadcast, Poll

    class_dir = ClassDir(tmp_path)
    control = Control()
    ids = []
    for n in range(3):
        new = class_dir.next_id(control)
        ids.append(new)
        poll = Poll(id=new, question=f"q{n}", choices=["a", "b"])
        control = class_dir.write_control(control.model_copy(update={"poll": poll, "last_id": new}))
        class_dir.write_poll_answer(new, "blue", "a")
        control = class_dir.write_control(control.model_copy(update={"poll": None}))
    new = class_dir.next_id(control)
    message = Broadcast(id=new, text="hi", at=0.0)
    control = class_dir.write_control(
        control.model_copy(update={"broadcasts": [message], "last_id": new})
    )
    ids.append(new)
    assert ids == sorted(set(ids))  # never repeats
    restarted = ClassDir(tmp_path)  # a new host process reads the same folder
    assert restarted.next_id(restarted.control()) == ids[-1] + 1
    class_dir.control_path.unlink()  # even a lost control file cannot reuse a poll's id
    assert class_dir.next_id(class_dir.control()) > ids[2]


def test_a_control_file_from_before_the_counter_still_gives_fresh_ids():
    from finops_tui.content.classroom import Broadcast, Injection, Poll
    from finops_tui.engine.level import Event

    control = Control(
        broadcasts=[Broadcast(id=4, text="x", at=0.0)],
        poll=Poll(id=2, question="q", choices=["a", "b"]),
        injected=[Injection(id=6, event=Event(kind="message", title="t", turn=2))],
    )
    assert control.highest_id() == 6


def test_a_silent_team_is_away_whatever_it_last_said():
    from finops_tui.content.classroom import AWAY_AFTER_SECONDS

    status = TeamStatus(
        team="a",
        turn=1,
        turns=3,
        spend_usd=1,
        budget_usd=2,
        score=0,
        stars=0,
        finished=False,
        updated=1000.0,
    )
    assert not status.away(1000.0 + AWAY_AFTER_SECONDS)
    assert status.away(1000.0 + AWAY_AFTER_SECONDS + 1)
    assert status.model_copy(update={"connected": False}).away(1000.0)


def test_damaged_control_bytes_read_as_a_fresh_lobby():
    from finops_tui.content.classroom import parse_control

    assert parse_control(b"") == Control()
    assert parse_control(b'{"poll": {"id": 0, "question": "q"}}') == Control()
    assert parse_control(Control(version=3).model_dump_json().encode()).version == 3


@pytest.mark.parametrize("bad", ["../x", "a/b", "..", "", "Blue", "root", "x" * 33, "a\n"])
def test_the_class_folder_never_builds_a_path_from_a_bad_team_name(tmp_path, bad):
    class_dir = ClassDir(tmp_path)
    for path_of in (class_dir.team_dir, class_dir.status_path):
        with pytest.raises(ContentError, match="cannot be a team name"):
            path_of(bad)
    with pytest.raises(ContentError):
        class_dir.poll_answer_path(1, bad)


@pytest.mark.parametrize("poll", [0, -1, True, "1"])
def test_poll_folders_are_whole_numbers_from_one(tmp_path, poll):
    with pytest.raises(ContentError):
        ClassDir(tmp_path).poll_answer_path(poll, "blue")


def test_results_csv_neutralises_formulas_and_keeps_numbers(tmp_path, scenarios):
    scenario = scenarios["tutorial"]
    class_dir = ClassDir(tmp_path)
    class_dir.create(ClassSettings(level="tutorial", seed=2))
    state = play(scenario, 2, plan_decisions(scenario, scenario.level.plans["naive"]))
    evil = '=HYPERLINK("http://x","y")'
    SaveStore(class_dir.team_dir("blue")).autosave(
        scenario, state, "blue", {"justification": evil, "reflections": {"0": "+1"}}
    )
    path = tmp_path / "results.csv"
    export_results(class_dir, path)
    (row,) = csv.DictReader(path.open(encoding="utf-8", newline=""))
    assert row["justification"] == "'" + evil
    assert float(row["net_value_usd"]) == state.game_kpis["net_value_usd"]  # a number, maybe < 0


def test_the_facilitator_sets_quiz_time_and_extra_time_per_team(tmp_path):
    class_dir = ClassDir(tmp_path)
    assert class_dir.control().quiz_timing("blue").limit is None  # no clock by default
    control = class_dir.write_control(Control(quiz_seconds=60.0, quiz_extra_seconds={"blue": 30.0}))
    read = ClassDir(tmp_path).control()  # another process reads what was written
    assert read.quiz_timing("blue").limit == 90.0
    assert read.quiz_timing("red").limit == 60.0
    assert control.quiz_timing("blue") == read.quiz_timing("blue")
    for bad in ({"quiz_seconds": 0}, {"quiz_seconds": 1e9}, {"quiz_extra_seconds": {"a": -1}}):
        with pytest.raises(ValueError):
            Control(**bad)

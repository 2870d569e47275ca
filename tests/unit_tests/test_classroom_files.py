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
)
from finops_tui.content.errors import ContentError
from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play


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
    learning = {
        "quiz": [
            {"question": 0, "choice": 1, "correct": True},
            {"question": 1, "choice": 0, "correct": False},
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

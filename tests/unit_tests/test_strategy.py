"""A strategy being written: each turn only what changes, and why; plan files in and out."""

from __future__ import annotations

import json

import numpy as np
import pytest

from finops_tui.cli.main import run
from finops_tui.content.classroom import MAX_STRATEGY_BYTES, ClassDir, ClassSettings
from finops_tui.content.errors import ContentError
from finops_tui.content.levels import load_plan
from finops_tui.content.plans import (
    MAX_PLAN_BYTES,
    list_plans,
    plan_path,
    plan_text,
    played_decisions,
    read_plan,
    write_plan,
)
from finops_tui.content.saves import save_from_state, write_save
from finops_tui.engine import plan_decisions, play
from finops_tui.engine.level import MAX_RATIONALE
from finops_tui.gameplay.class_tournament import run_class_tournament
from finops_tui.gameplay.fields import decision_fields
from finops_tui.gameplay.strategy import (
    edit_description,
    edits_between,
    evaluate,
    flat,
    strategy_from_decisions,
    strategy_from_plan,
)
from finops_tui.ui.classroom.scoreboard import tournament_text


@pytest.fixture
def spot(scenarios):
    return scenarios["spot-or-reserved"]


def test_a_plan_round_trips_through_the_studio(spot):
    par = spot.level.plans["par"]
    strategy = strategy_from_plan(spot, par)
    assert strategy.turns == spot.level.turns
    assert strategy.decisions(spot) == plan_decisions(spot, par)
    assert plan_decisions(spot, strategy.to_plan()) == plan_decisions(spot, par)


def test_a_turn_keeps_only_what_changes(spot):
    decisions = plan_decisions(spot, spot.level.plans["par"])
    strategy = strategy_from_decisions(spot, decisions)
    previous = flat(strategy.decisions(spot)[0])
    for t in range(1, strategy.turns):
        now = flat(decisions[t])
        assert strategy.changes[t] == {k: v for k, v in now.items() if previous[k] != v}
        previous = now


def test_an_edit_carries_on_until_a_turn_sets_it_again(spot):
    strategy = strategy_from_decisions(spot, [])
    edited = strategy.with_decision(spot, 2, "training.gpus", 24)
    edited = edited.with_decision(spot, 6, "training.gpus", 32)
    gpus = [d.training.gpus for d in edited.decisions(spot)]
    start = strategy.decisions(spot)[0].training.gpus
    assert gpus == [start] * 2 + [24] * 4 + [32] * 6
    assert edited.changes[2] == {"training.gpus": 24}
    # An earlier edit carries on to turn 6, which keeps its own setting.
    earlier = edited.with_decision(spot, 0, "training.gpus", 16)
    assert [d.training.gpus for d in earlier.decisions(spot)] == [16] * 2 + [24] * 4 + [32] * 6
    # Setting a turn back to what it inherits removes its change.
    back = edited.with_decision(spot, 2, "training.gpus", start)
    assert back.changes[2] == {}


def test_an_edit_the_engine_refuses_is_said_in_words(spot):
    strategy = strategy_from_decisions(spot, [])
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        strategy.with_decision(spot, 0, "training.gpus", -1)


def test_edit_description_names_the_change(spot):
    fields = decision_fields(spot)
    strategy = strategy_from_decisions(spot, [])
    edited = strategy.with_decision(spot, 1, "training.pricing", "spot")
    assert edit_description(strategy, edited, fields, 1) == ("Buy as Spot",)


def test_edits_that_came_together_are_all_named(spot):
    fields = decision_fields(spot)
    strategy = strategy_from_decisions(spot, []).with_decision(spot, 5, "training.gpus", 24)
    edited = strategy.with_decision(spot, 2, "training.gpus", 24)  # turn 6 now inherits it
    edited = edited.with_decision(spot, 8, "training.pricing", "spot")
    assert edits_between(strategy, edited, fields, 2) == (
        "GPUs 24",
        "turn 6: no longer GPUs 24",
        "turn 9: Buy as Spot",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("x" * (MAX_RATIONALE + 1), f"at most {MAX_RATIONALE} characters"),
        ("two\nlines", "control characters"),
        ("a\x1b[31mred", "control characters"),
    ],
)
def test_a_rationale_is_one_short_line(spot, text, problem):
    strategy = strategy_from_decisions(spot, [])
    with pytest.raises(ValueError, match=problem):
        strategy.with_rationale(0, text)
    assert strategy.with_rationale(0, "x" * MAX_RATIONALE).rationale[0] == "x" * MAX_RATIONALE


def test_the_rationale_is_kept_in_the_plan_file_as_typed(spot, tmp_path):
    why = '[b]Spot[/b] "quoted" \\ and ünïcode'
    strategy = strategy_from_plan(spot, spot.level.plans["par"]).with_rationale(3, why)
    path = write_plan(tmp_path / "mine.toml", spot.level.id, strategy.to_plan())
    plan = load_plan(str(path), spot)  # the loader `simulate` uses accepts it
    assert plan.turn[3].rationale == why
    assert strategy_from_plan(spot, plan) == strategy
    assert run(["validate", str(path)]) == 0  # validate, too
    assert run(["simulate", spot.level.id, "--plan", str(path)]) == 0


def test_validate_names_a_bad_rationale(capsys, tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(
        f'level = "tutorial"\n[[turn]]\nrationale = "{"y" * (MAX_RATIONALE + 1)}"\n',
        encoding="utf-8",
    )
    assert run(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: turn[0].rationale: String should have at most 280 characters")


def test_validate_needs_a_plan_to_name_its_level(capsys, tmp_path):
    path = tmp_path / "nolevel.toml"
    path.write_text("[[turn]]\n", encoding="utf-8")
    assert run(["validate", str(path)]) == 1
    assert "level: required to validate a plan" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["../up", "a/b", "..", ".hidden", "x\x00y", "", "a" * 65])
def test_plan_names_never_leave_the_folder(tmp_path, name):
    with pytest.raises(ContentError, match="plan name"):
        plan_path(tmp_path, name)


def test_plan_names_keep_a_person_s_words(tmp_path):
    assert plan_path(tmp_path, "Team Blue v2") == tmp_path / "Team Blue v2.toml"
    assert plan_path(tmp_path, "mine.toml") == tmp_path / "mine.toml"


def test_a_plan_is_written_whole_or_not_at_all(spot, tmp_path):
    path = tmp_path / "plans" / "mine.toml"
    write_plan(path, spot.level.id, strategy_from_plan(spot, spot.level.plans["par"]).to_plan())
    before = path.read_bytes()
    huge = strategy_from_decisions(spot, [], ["z" * MAX_RATIONALE] * 12).to_plan()
    huge = huge.model_copy(update={"description": "d" * MAX_PLAN_BYTES})
    with pytest.raises(ContentError, match="at most 64 KB"):
        write_plan(path, spot.level.id, huge)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["mine.toml"]  # no temporary left


def test_a_file_too_large_to_be_a_plan_is_refused_unread(spot, tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * MAX_PLAN_BYTES + "\n[[turn]]\n", encoding="utf-8")
    with pytest.raises(ContentError, match="larger than a plan"):
        read_plan(path, spot)


def test_list_plans_of_a_level(spot, tmp_path):
    write_plan(tmp_path / "a.toml", spot.level.id, spot.level.plans["par"])
    write_plan(tmp_path / "b.toml", "tutorial", spot.level.plans["par"])
    (tmp_path / "c.toml").write_text("[[turn\n", encoding="utf-8")
    listed = {p.name: p for p in list_plans(tmp_path, spot.level.id)}
    assert set(listed) == {"a", "c"}
    assert listed["a"].problem is None and "toml" in (listed["c"].problem or "")


def test_what_i_played_comes_back_from_a_save(spot, tmp_path):
    played = plan_decisions(spot, spot.level.plans["naive"])
    state = play(spot, 7, played)
    path = tmp_path / "run.toml"
    write_save(path, save_from_state(spot, state, player="Team Red"))
    decisions = played_decisions(path, spot.level.id)
    assert decisions == played
    strategy = strategy_from_decisions(spot, decisions)
    assert plan_decisions(spot, strategy.to_plan()) == played
    with pytest.raises(ContentError, match="a game of 'spot-or-reserved', not of 'tutorial'"):
        played_decisions(path, "tutorial")


def test_evaluate_names_the_turn_a_strategy_cannot_be_played(scenarios):
    tutorial = scenarios["tutorial"]
    strategy = strategy_from_decisions(tutorial, []).with_decision(
        tutorial, 1, "training.gpu", "h100"
    )
    evaluation = evaluate(tutorial, strategy.decisions(tutorial), np.arange(10))
    assert evaluation.outcome is None
    assert [(p.turn, p.problem.key) for p in evaluation.problems] == [(2, "training.gpu")]


# -- a hosted class --------------------------------------------------------------------


def test_teams_submit_and_the_class_tournament_ranks_them(scenarios, tmp_path):
    tutorial = scenarios["tutorial"]
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=3))
    par_text = plan_text("tutorial", tutorial.level.plans["par"])
    class_dir.submit_strategy("blue", par_text)
    class_dir.submit_strategy("red", plan_text("tutorial", tutorial.level.plans["naive"]))
    class_dir.submit_strategy("green", "[[turn]]\ntraining = { gpus = -1 }\n")
    (class_dir.root / "strategies" / "Not A Team.toml").write_text(par_text, encoding="utf-8")
    result = run_class_tournament(class_dir, seeds=50)
    ranked = [(r["rank"], r["plan"]) for r in result["rows"]]
    assert ranked == [(1, "(par)"), (1, "blue"), (3, "(naive)"), (3, "red")]
    assert (
        len(result["problems"]) == 1
        and "green.toml: turn[0].training.gpus" in result["problems"][0]
    )
    assert result["first_seed"] == 3
    assert class_dir.tournament() == json.loads(class_dir.tournament_path.read_text())
    text = tournament_text(class_dir.tournament())
    assert "P10 risk" in text and "blue" in text and "green" not in text


def test_a_submission_is_bounded_and_named_for_a_team(tmp_path):
    class_dir = ClassDir(tmp_path)
    with pytest.raises(ContentError, match="at most 64 KB"):
        class_dir.submit_strategy("blue", "#" * (MAX_STRATEGY_BYTES + 1))
    assert not class_dir.strategy_path("blue").exists()
    with pytest.raises(ContentError, match="cannot be a team name"):
        class_dir.submit_strategy("../blue", "[[turn]]\n")


def test_no_submission_no_tournament(tmp_path):
    class_dir = ClassDir(tmp_path)
    with pytest.raises(ContentError, match="no class here yet"):
        run_class_tournament(class_dir)
    class_dir.create(ClassSettings(level="tutorial", seed=0))
    with pytest.raises(ContentError, match="no team has submitted"):
        run_class_tournament(class_dir)


def test_a_damaged_tournament_file_shows_nothing(tmp_path):
    class_dir = ClassDir(tmp_path)
    class_dir.tournament_path.write_text("{not json", encoding="utf-8")
    assert class_dir.tournament() is None
    assert tournament_text(None) == ""
    rows = {"seeds": 10, "rows": [{"plan": "a"}, {"plan": "b", "rank": 1, "mean": 2, "p10": 1,
            "p90": 3, "spend_mean": 4}]}  # fmt: skip
    assert tournament_text(rows).count("\n") == 2  # the damaged row left out, the good one shown

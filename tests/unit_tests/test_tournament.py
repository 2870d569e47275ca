"""The tournament: plans on the same seeds, ranked by mean score, bad plans named and left out."""

from __future__ import annotations

import json

import numpy as np

from finops_tui.cli.main import run
from finops_tui.content.levels import levels_dir
from finops_tui.content.plans import entrants
from finops_tui.engine import plan_decisions
from finops_tui.gameplay.tournament import (
    PlanOutcome,
    play_tournament,
    rank_outcomes,
    tournament_seeds,
)

JSON_KEYS = {"plan", "mean", "p10", "p90", "spend_mean", "rank"}
GOOD_PLAN = """level = "tutorial"
[[turn]]
training = { gpu = "a100-80gb", gpus = 8, pricing = "spot", tokens = 20.5e9, checkpoint_hours = 1 }
practices = { tagging = 1.0 }
rationale = "Spot with hourly checkpoints: [b]cheap[/b] and safe"
"""


def outcome(plan: str, mean: float, p10: float, spend: float) -> PlanOutcome:
    return PlanOutcome(plan, 100, mean, p10, mean, mean + 5, spend, 1000.0, 1.0)


def test_ranking_is_by_mean_then_risk_then_spend():
    rows = rank_outcomes(
        [
            outcome("cheap", 70.0, 60.0, 500.0),
            outcome("best", 80.0, 50.0, 900.0),
            outcome("safer", 70.0, 65.0, 800.0),
            outcome("costly", 70.0, 60.0, 700.0),
        ]
    )
    assert [(r.rank, r.outcome.plan) for r in rows] == [
        (1, "best"),
        (2, "safer"),  # the same mean: the higher P10 (less risk) first
        (3, "cheap"),  # the same mean and P10: the lower spend first
        (4, "costly"),
    ]


def test_plans_equal_in_all_three_share_a_rank():
    rows = rank_outcomes(
        [outcome("b", 70.0, 60.0, 500.0), outcome("a", 70.0, 60.0, 500.0), outcome("c", 1, 1, 1)]
    )
    assert [(r.rank, r.outcome.plan) for r in rows] == [(1, "a"), (1, "b"), (3, "c")]


def test_same_seeds_for_every_plan(scenarios):
    scenario = scenarios["spot-or-reserved"]
    par = plan_decisions(scenario, scenario.level.plans["par"])
    naive = plan_decisions(scenario, scenario.level.plans["naive"])
    rows = play_tournament(
        scenario, [("naive", naive), ("par", par), ("again", par)], np.arange(200)
    )
    by_name = {r.outcome.plan: r for r in rows}
    assert by_name["par"].outcome == PlanOutcome(
        **{**vars(by_name["again"].outcome), "plan": "par"}
    )
    assert by_name["par"].rank == by_name["again"].rank == 1
    assert by_name["naive"].rank == 3
    par_outcome = by_name["par"].outcome
    assert par_outcome.p10 <= par_outcome.p50 <= par_outcome.p90


def test_tournament_seeds_stop_at_the_last_seed():
    assert tournament_seeds(2**32 - 2, 10).tolist() == [2**32 - 2, 2**32 - 1]


def test_json_rows(capsys, tmp_path):
    mine, copy = tmp_path / "mine.toml", tmp_path / "copy.toml"
    mine.write_text(GOOD_PLAN, encoding="utf-8")
    copy.write_text(GOOD_PLAN, encoding="utf-8")
    argv = ["tournament", "tutorial", "naive", str(mine), str(copy), "--seeds", "50", "--json"]
    assert run(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [set(r) >= JSON_KEYS for r in rows] == [True] * 3
    assert [r["plan"] for r in rows] == [str(copy), str(mine), "naive"]  # tied: by name
    assert [r["rank"] for r in rows] == [1, 1, 3]
    assert rows[0]["mean"] > rows[2]["mean"]
    assert all(r["p10"] <= r["p90"] and r["spend_mean"] > 0 for r in rows)


def test_table(capsys):
    assert run(["tournament", "tutorial", "par", "naive", "--seeds", "20"]) == 0
    out = capsys.readouterr().out
    assert "2 plans on the same 20 seeds" in out
    assert out.index(" par ") < out.index(" naive ")


def test_bad_plans_are_named_and_left_out(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[turn]]\ntraining = { gpus = -3 }\n", encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[turn]\n", encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text('level = "sandbox"\n[[turn]]\n', encoding="utf-8")
    argv = [
        "tournament", "tutorial", "par", str(bad), str(broken), str(other),
        str(tmp_path / "missing.toml"), "nonsense", "--seeds", "20", "--json",
    ]  # fmt: skip
    assert run(argv) == 0
    out, err = capsys.readouterr()
    assert [r["plan"] for r in json.loads(out)] == ["par"]
    lines = err.splitlines()
    assert f"{bad}: turn[0].training.gpus: must be greater than or equal to 0, got -3" in lines
    assert any(line.startswith(f"{broken}: toml: ") for line in lines)
    assert f"{other}: level: this plan is for 'sandbox', not 'tutorial'" in lines
    assert f"{tmp_path / 'missing.toml'}: file not found" in lines
    assert any(line.startswith("nonsense: no such plan in tutorial") for line in lines)
    assert "Traceback" not in err


def test_a_plan_the_level_refuses_is_left_out(capsys, tmp_path):
    refused = tmp_path / "h100.toml"
    refused.write_text('[[turn]]\ntraining = { gpu = "h200" }\n', encoding="utf-8")
    assert run(["tournament", "tutorial", "naive", str(refused), "--seeds", "5"]) == 0
    assert f"{refused}: turn[0].training.gpu: h200 is not offered here" in capsys.readouterr().err


def test_all_plans_bad_is_an_error(capsys, tmp_path):
    assert run(["tournament", "tutorial", str(tmp_path / "none.toml"), "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "no plan could be played" in err


def test_a_bad_level_is_one_line(capsys):
    assert run(["tournament", "no-such-level", "par"]) == 1
    assert capsys.readouterr().err.startswith("no-such-level: no such level")


def test_any_plan_a_level_ships_can_enter(capsys, tmp_path, monkeypatch):
    """Any plan a level ships (`alt` and the like, not only par and naive) enters by name."""
    folder = tmp_path / "levels"
    folder.mkdir()
    text = (levels_dir() / "tutorial.toml").read_text(encoding="utf-8")
    text += (
        '\n[plans.alt-test]\ntitle = "Spot, no tags"\n[[plans.alt-test.turn]]\n'
        'training = { gpu = "a100-80gb", gpus = 8, pricing = "spot", tokens = 20.5e9, '
        'checkpoint_hours = 1 }\nrationale = "Cheaper, but nobody owns the bill"\n'
    )
    (folder / "tutorial.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("FINOPS_TUI_LEVELS", str(folder))
    argv = ["tournament", "tutorial", "alt-test", "par", "naive", "--seeds", "20", "--json"]
    assert run(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["plan"] for r in rows) == ["alt-test", "naive", "par"]


def test_a_plan_given_twice_plays_once(scenarios):
    found, problems = entrants(scenarios["tutorial"], ["par", "par", "naive"], "tutorial")
    assert [e.name for e in found] == ["par", "naive"] and problems == []


def test_advanced_setting_is_played(capsys):
    argv = ["tournament", "runaway-fine-tune", "par", "--seeds", "30", "--json"]
    budgets = []
    for extra in ([], ["--advanced"]):
        assert run(argv + extra) == 0
        budgets.append(json.loads(capsys.readouterr().out)[0]["budget_mean"])
    assert budgets[1] < budgets[0]  # the advanced setting's tighter budget


def test_seeds_are_bounded(capsys):
    assert run(["tournament", "tutorial", "par", "--seeds", "20001"]) == 2
    err = capsys.readouterr().err
    assert "--seeds: expected at most 20,000 seeds, got 20001" in err
    assert run(["tournament", "tutorial", "par", "--seeds", "0"]) == 2
    assert run(["tournament", "tutorial", "par", "--seeds", "20000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["seeds"] == 20_000

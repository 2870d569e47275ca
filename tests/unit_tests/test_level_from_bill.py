"""`level-from-bill`: a sandbox level calibrated on a bill, that validate accepts and
simulate plays, keeping no resource ids or tag values unless asked."""

from __future__ import annotations

import json
import tomllib

import pytest

from finops_tui.cli.main import run
from finops_tui.content.analyze import analyze_focus
from finops_tui.content.bill_level import bill_level
from finops_tui.content.focus import focus_csv
from finops_tui.engine import plan_decisions, play

from .sample_bill import write_sample_bill


@pytest.fixture()
def game_bill(sandbox, tmp_path):
    """A generated bill: the sandbox's par plan with a 1-year commitment from turn 1."""
    decisions = plan_decisions(sandbox, sandbox.level.plans["par"])
    first = decisions[0].model_copy(
        update={"training": decisions[0].training.model_copy(update={"pricing": "commit-1y"})}
    )
    state = play(sandbox, 3, [first, *decisions[1:]])
    path = tmp_path / "game.csv"
    path.write_text(focus_csv(sandbox.level, state), encoding="utf-8")
    return path


def _write(bill, out, capsys, *extra) -> dict:
    assert run(["level-from-bill", str(bill), "--out", str(out), *extra]) == 0
    capsys.readouterr()
    assert run(["validate", str(out)]) == 0
    scores = {}
    for plan in ("naive", "par"):
        capsys.readouterr()
        assert run(["simulate", str(out), "--plan", plan, "--json"]) == 0
        scores[plan] = json.loads(capsys.readouterr().out)["score"]
    assert scores["par"] > scores["naive"], scores  # the sound plan beats today's habits
    return tomllib.loads(out.read_text(encoding="utf-8"))


def test_a_generated_bill_becomes_a_playable_level(game_bill, tmp_path, capsys):
    level = _write(game_bill, tmp_path / "my-org.toml", capsys)
    summary = analyze_focus(game_bill)
    periods = len(summary.periods)
    assert level["id"] == "my-org" and level["turns"] == periods
    # Budget from its spend: the effective spend of a period, rounded up.
    spend = float(summary.effective) / periods
    assert spend <= level["budget"]["per_period_usd"] < spend * 1.01
    naive = level["plans"]["naive"]["turn"][0]
    # Today's fleet: the GPU the most money goes to, an H100 commitment used at 0.4% here,
    # as many as that money pays for; demand is what the used hours served.
    assert naive["inference"]["gpu"] == "h100" and naive["inference"]["pricing"] == "commit-1y"
    paid = float(sum(v for (g, _), v in summary.gpu_cost.items() if g == "h100")) / periods / 730
    assert naive["inference"]["gpus"] == round(paid / 4.334)  # the 1-year H100 rate
    assert level["plans"]["par"]["turn"][0]["inference"]["gpus"] < naive["inference"]["gpus"]
    assert naive["practices"]["tagging"] == round(summary.allocation_coverage, 2)
    assert "par" in level["plans"]
    text = (tmp_path / "my-org.toml").read_text(encoding="utf-8")
    assert "sandbox/" not in text and "research" not in text  # no resource ids, no tag values


def test_a_bill_in_the_sample_data_shape(tmp_path, capsys):
    bill = write_sample_bill(tmp_path / "sample.csv")
    level = _write(bill, tmp_path / "org.toml", capsys)
    naive = level["plans"]["naive"]["turn"][0]["inference"]
    assert naive["gpu"] == "h100" and naive["pricing"] == "on-demand"  # p5.48xlarge hours
    text = (tmp_path / "org.toml").read_text(encoding="utf-8")
    for secret in ("i-untagged", "123456789012", "ml-team", "cc-42", "sample.csv"):
        assert secret not in text


def test_keep_names_keeps_them(tmp_path, capsys):
    bill = write_sample_bill(tmp_path / "sample.csv")
    _write(bill, tmp_path / "named.toml", capsys, "--keep-names")
    text = (tmp_path / "named.toml").read_text(encoding="utf-8")
    assert "i-untagged" in text and "sample.csv" in text


def test_the_naive_plan_is_today_and_par_beats_it(game_bill, tmp_path):
    summary = analyze_focus(game_bill)
    level = bill_level(summary, "x")
    today = level["plans"]["naive"]["turn"][0]
    assert level["start"] == today
    assert not any(v for k, v in today["practices"].items() if k not in ("tagging", "allocation"))


@pytest.mark.parametrize(
    ("out", "expected"),
    [("level.csv", "--out takes a .toml"), ("..", "--out takes a .toml")],
)
def test_bad_out_is_a_usage_error(game_bill, tmp_path, capsys, out, expected):
    assert run(["level-from-bill", str(game_bill), "--out", out]) == 2
    assert expected in capsys.readouterr().err


def test_dotdot_paths_go_where_they_say_and_writes_are_atomic(game_bill, tmp_path, capsys):
    target = tmp_path / "a" / ".." / "up.toml"
    assert run(["level-from-bill", str(game_bill), "--out", str(target)]) == 0
    assert (tmp_path / "up.toml").exists()
    assert not list(tmp_path.glob(".up.toml.*.tmp"))  # no temporary file left behind
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    assert run(["level-from-bill", str(game_bill), "--out", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(folder) in err


def test_a_broken_bill_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("BilledCost,EffectiveCost,ChargeCategory,ServiceName\n1,x,Usage,VM\n")
    out = tmp_path / "never.toml"
    assert run(["level-from-bill", str(bad), "--out", str(out)]) == 1
    assert "line 2: EffectiveCost" in capsys.readouterr().err
    assert not out.exists()

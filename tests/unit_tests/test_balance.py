"""Balance over many seeds: par beats naive, and luck is measured, not guessed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from finops_tui.cli.main import run
from finops_tui.engine import plan_decisions
from finops_tui.engine.batch import distribution, luck_share, play_batch

from ..conftest import SHIPPED_LEVELS


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_par_beats_naive_on_at_least_95_percent_of_1000_seeds(scenarios, name):
    scenario = scenarios[name]
    seeds = np.arange(1000)
    par = play_batch(scenario, seeds, plan_decisions(scenario, scenario.level.plans["par"]))
    naive = play_batch(scenario, seeds, plan_decisions(scenario, scenario.level.plans["naive"]))
    assert (par.score > naive.score).mean() >= 0.95


def test_luck_share_splits_the_variance():
    rng = np.random.default_rng(0)
    same = rng.normal(50, 5, 10_000)
    assert luck_share([same[:5000], same[5000:]]) == pytest.approx(1.0, abs=0.01)
    assert luck_share([np.full(100, 80.0), np.full(100, 20.0)]) == 0.0
    mixed = luck_share([rng.normal(80, 3, 5000), rng.normal(20, 3, 5000)])
    assert 0 < mixed < 0.01


def test_distribution_figures():
    d = distribution(np.arange(101, dtype=float))
    assert (d["min"], d["p10"], d["p50"], d["p90"], d["max"]) == (0, 10, 50, 90, 100)
    assert d["mean"] == 50


def test_balance_command(capsys):
    assert run(["balance", "tutorial", "--seeds", "200", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seeds"] == 200
    assert report["par_beats_naive"] >= 0.95
    assert 0 <= report["luck_share"] <= 1
    assert report["par"]["mean"] > report["naive"]["mean"]
    assert run(["balance", "tutorial", "--seeds", "50"]) == 0
    assert "luck (the seed) explains" in capsys.readouterr().out


def test_simulate_many_seeds(capsys):
    argv = ["simulate", "sandbox", "--plan", "par", "--seeds", "300", "--seed", "10", "--json"]
    assert run(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seeds"] == 300 and report["first_seed"] == 10
    assert sum(report["stars"].values()) == 300
    assert report["score"]["p10"] <= report["score"]["p50"] <= report["score"]["p90"]


def test_simulate_many_seeds_refuses_a_replay(capsys, tmp_path):
    argv = [
        "simulate",
        "tutorial",
        "--plan",
        "par",
        "--seeds",
        "3",
        "--replay-out",
        str(tmp_path / "r"),
    ]
    assert run(argv) == 2
    assert "--replay-out" in capsys.readouterr().err

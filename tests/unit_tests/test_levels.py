"""Every shipped level is valid, and its par plan clearly beats its naive plan."""

from __future__ import annotations

import numpy as np
import pytest

from finops_tui.content.levels import level_paths, list_levels, load_level
from finops_tui.engine import plan_decisions, play

from ..conftest import SHIPPED_LEVELS

SEEDS = range(25)
CLEAR_MARGIN = 10.0  # points out of 100


def test_there_are_at_least_two_levels():
    assert len(SHIPPED_LEVELS) >= 2
    assert [info.id for info in list_levels()]


@pytest.mark.parametrize("path", level_paths(), ids=lambda p: p.stem)
def test_shipped_level_validates_and_is_named_after_its_file(path):
    level = load_level(path)
    assert level.id == path.stem
    assert level.briefing.strip() and level.debrief.strip() and level.lessons
    assert {"par", "naive"} <= set(level.plans)


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_par_beats_naive_on_every_seed(scenarios, name):
    scenario = scenarios[name]
    par = plan_decisions(scenario, scenario.level.plans["par"])
    naive = plan_decisions(scenario, scenario.level.plans["naive"])
    margins = np.array(
        [play(scenario, s, par).score - play(scenario, s, naive).score for s in SEEDS]
    )
    assert margins.min() >= CLEAR_MARGIN, f"{name}: smallest margin {margins.min():.1f}"


@pytest.mark.parametrize("name", SHIPPED_LEVELS)
def test_the_advanced_setting_is_harder(scenarios, name):
    standard = scenarios[name].level
    advanced = standard.at_setting("advanced")
    assert advanced.setting == "advanced" and advanced.id == standard.id
    assert advanced.budget.per_period_usd < standard.budget.per_period_usd
    for before, after in zip(standard.events.random, advanced.events.random, strict=False):
        assert after.probability >= before.probability
    assert len(advanced.events.random) >= len(standard.events.random)
    assert advanced.at_setting("advanced") is advanced


def test_a_level_file_cannot_choose_its_setting(tmp_path):
    from finops_tui.content.errors import ContentError

    path = tmp_path / "x.toml"
    path.write_text('setting = "advanced"\n' + level_paths()[0].read_text(), encoding="utf-8")
    with pytest.raises(ContentError, match="setting: chosen by the player"):
        load_level(path)

"""Shared fixtures: the shipped levels, compiled once per session."""

from __future__ import annotations

import pytest

from finops_tui.content.levels import level_paths, load_scenario
from finops_tui.engine import Scenario

SHIPPED_LEVELS = [p.stem for p in level_paths()]


@pytest.fixture(scope="session")
def scenarios() -> dict[str, Scenario]:
    return {name: load_scenario(name) for name in SHIPPED_LEVELS}


@pytest.fixture(scope="session")
def sandbox(scenarios) -> Scenario:
    return scenarios["sandbox"]

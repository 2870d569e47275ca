"""What each screen looks like, at a fixed size, seed and level, without animation."""

from __future__ import annotations

from pathlib import Path

import pytest

from finops_tui.engine import plan_decisions

from .conftest import enter_decisions

HERE = Path(__file__).parent
TUTORIAL = HERE / "snapshot_apps" / "tutorial.py"
TITLE = HERE / "snapshot_apps" / "title.py"


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


def test_title(snap_compare, monkeypatch) -> None:
    monkeypatch.setenv("FINOPS_TUI_LEVELS", str(HERE / "levels"))
    assert snap_compare(TITLE, terminal_size=(80, 24), run_before=settle)


def test_briefing(snap_compare) -> None:
    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=settle)


def test_turn(snap_compare) -> None:
    assert snap_compare(TUTORIAL, terminal_size=(80, 24), press=["enter"], run_before=settle)


def test_turn_wide(snap_compare) -> None:
    assert snap_compare(TUTORIAL, terminal_size=(120, 40), press=["enter"], run_before=settle)


async def _par_turns(pilot, turns: int) -> None:
    scenario = pilot.app.start_scenario
    await pilot.pause()  # a key pressed before the first screen is drawn does not count
    await pilot.press("enter")
    await pilot.pause()
    for decisions in plan_decisions(scenario, scenario.level.plans["par"])[:turns]:
        await enter_decisions(pilot, decisions)
        await pilot.press("n")
        await pilot.pause()
        if turns > 1:
            await pilot.press("enter")
            await pilot.pause()
    await settle(pilot)


def test_report(snap_compare) -> None:
    async def one_turn(pilot) -> None:
        scenario = pilot.app.start_scenario
        await pilot.pause()  # a key pressed before the first screen is drawn does not count
        await pilot.press("enter")
        await pilot.pause()
        await enter_decisions(pilot, plan_decisions(scenario, scenario.level.plans["par"])[0])
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=one_turn)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_debrief(snap_compare, size) -> None:
    async def whole_game(pilot) -> None:
        await _par_turns(pilot, 3)

    assert snap_compare(TUTORIAL, terminal_size=size, run_before=whole_game)


WATCH = HERE / "snapshot_apps" / "watch.py"


def test_quiz_answered(snap_compare) -> None:
    """A wrong answer: the right one marked, the explanation, the codex link."""

    async def answered(pilot) -> None:
        await _par_turns(pilot, 3)
        await pilot.press("e", "1")
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=answered)


def test_justification(snap_compare) -> None:
    async def written(pilot) -> None:
        await _par_turns(pilot, 3)
        await pilot.press("j", *"Spot with hourly checkpoints halved the bill.")
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=written)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_watch(snap_compare, size) -> None:
    async def one_period(pilot) -> None:
        await pilot.pause()  # a key pressed before the first screen is drawn does not count
        await pilot.press("space")
        await settle(pilot)

    assert snap_compare(WATCH, terminal_size=size, run_before=one_period)

"""What each screen looks like, at a fixed size, seed and level, without animation."""

from __future__ import annotations

import os
import time as time_module
from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from finops_tui.content.classroom import (
    Broadcast,
    ClassDir,
    ClassSettings,
    Control,
    Poll,
    TeamStatus,
)
from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions
from finops_tui.ui.app import create_app
from finops_tui.ui.classroom import scoreboard as scoreboard_module
from finops_tui.ui.classroom.facilitator import FacilitatorApp
from finops_tui.ui.classroom.link import ClassLink
from finops_tui.ui.classroom.scoreboard import ScoreboardApp
from finops_tui.ui.widgets.decision_form import DecisionForm

from .conftest import enter_decisions

HERE = Path(__file__).parent
TUTORIAL = HERE / "snapshot_apps" / "tutorial.py"
TITLE = HERE / "snapshot_apps" / "title.py"


SETTLE_STEP = 0.05  # seconds between two looks at the screen
SETTLE_STEPS = 100  # five seconds at most, then the snapshot shows what is there
STEADY_LOOKS = 3  # the same screen this many times running, with no worker left


def steady_cursors(app) -> None:
    """No blinking cursor anywhere: a snapshot taken mid-blink would differ by chance."""
    for screen in app.screen_stack:
        for field in screen.query("Input, TextArea"):
            field.cursor_blink = False


async def settle(pilot) -> None:
    """Wait until the screen stops changing (workers done, debounces fired), not a fixed time."""
    app = pilot.app
    steady_cursors(app)
    previous, same = None, 0
    for _ in range(SETTLE_STEPS):
        await app.workers.wait_for_complete()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(SETTLE_STEP)
        shot = app.export_screenshot()
        same = same + 1 if shot == previous else 0
        if same >= STEADY_LOOKS and not any(w.is_running for w in app.workers):
            return
        previous = shot


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
        # Seed 1's learner sees the right answer first (the order is theirs): 2 is wrong.
        await pilot.press("e", "2")
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


# -- the main screens at 120x40 too (80x24 above) -------------------------------------

WIDE = (120, 40)


def test_title_wide(snap_compare, monkeypatch) -> None:
    monkeypatch.setenv("FINOPS_TUI_LEVELS", str(HERE / "levels"))
    assert snap_compare(TITLE, terminal_size=WIDE, run_before=settle)


def test_briefing_wide(snap_compare) -> None:
    assert snap_compare(TUTORIAL, terminal_size=WIDE, run_before=settle)


def test_report_wide(snap_compare) -> None:
    async def one_turn(pilot) -> None:
        await _par_turns(pilot, 1)

    assert snap_compare(TUTORIAL, terminal_size=WIDE, run_before=one_turn)


# -- what a newcomer tripped on (issue 18), at the size where it broke -----------------


def test_turn_forecast_help(snap_compare) -> None:
    """The forecast field's whole help under the form (it was cut mid-sentence)."""

    async def forecast(pilot) -> None:
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one(DecisionForm).focus_field("forecast_usd")
        await settle(pilot)

    app = create_app(level="sandbox", seed=1, animate=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=forecast)


def test_turn_events_at_80(snap_compare) -> None:
    """Five months of events: the "What it did" column wraps instead of being cut."""

    async def five_months(pilot) -> None:
        await pilot.press("enter")
        await settle(pilot)
        for _ in range(5):
            await pilot.press("n")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
        pilot.app.screen.query_one(TabbedContent).active = "tab-events"
        await settle(pilot)

    app = create_app(level="sandbox", seed=1, animate=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=five_months)


def test_turn_kpis_at_80(snap_compare) -> None:
    async def kpis(pilot) -> None:
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one(TabbedContent).active = "tab-kpis"
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=kpis)


def test_debrief_lessons_paged(snap_compare) -> None:
    """d to the Lessons tab, then page down: the lessons scroll."""

    async def paged(pilot) -> None:
        await _par_turns(pilot, 3)
        await pilot.press("d", "d", "d", "d", "pagedown")
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=paged)


def test_quiz_question(snap_compare) -> None:
    """The footer offers 1-4 for a question of four choices."""

    async def asked(pilot) -> None:
        await _par_turns(pilot, 3)
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=asked)


def test_too_small(snap_compare) -> None:
    """60x20: a notice names the size needed; the turn goes on under it."""

    async def turn(pilot) -> None:
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(60, 20), run_before=turn)


def test_no_color(snap_compare, monkeypatch) -> None:
    """NO_COLOR: no colour; the focused row, the active tab and the keys shown by style."""
    monkeypatch.setenv("NO_COLOR", "1")

    async def bill(pilot) -> None:
        await pilot.press("enter")
        await settle(pilot)
        pilot.app.screen.query_one(TabbedContent).active = "tab-bill"
        await settle(pilot)

    app = create_app(level="tutorial", seed=1, animate=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=bill)


# -- the other screens ------------------------------------------------------------------


def test_calculator(snap_compare) -> None:
    async def calculator(pilot) -> None:
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(TITLE, terminal_size=(80, 24), run_before=calculator)


def test_calculator_serving(snap_compare) -> None:
    async def serving(pilot) -> None:
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(TITLE, terminal_size=(80, 24), run_before=serving)


def test_codex(snap_compare) -> None:
    async def codex(pilot) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")  # on the first field: the codex opens at its concept
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=codex)


def test_help(snap_compare) -> None:
    async def help_screen(pilot) -> None:
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(TUTORIAL, terminal_size=(80, 24), run_before=help_screen)


def saving_app(tmp_path, monkeypatch):
    """The tutorial saving into ./saves under a temporary folder (paths read the same)."""
    monkeypatch.chdir(tmp_path)
    return create_app(level="tutorial", seed=1, store=SaveStore(Path("saves")), animate=False)


def test_saves(snap_compare, tmp_path, monkeypatch) -> None:
    app = saving_app(tmp_path, monkeypatch)

    async def saves(pilot) -> None:
        await _par_turns(pilot, 1)
        await pilot.press("enter")  # the report: on to month 2, autosaved
        await settle(pilot)
        session = pilot.app.session
        named = pilot.app.store.save_named("team-blue", session.scenario, session.state)
        os.utime(named, (1_700_000_000, 1_700_000_000))  # older than the autosave
        pilot.app.show_saves()
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=saves)


def test_save_name(snap_compare, tmp_path, monkeypatch) -> None:
    app = saving_app(tmp_path, monkeypatch)

    async def name(pilot) -> None:
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s", *"team-blue")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=name)


def test_export(snap_compare, tmp_path, monkeypatch) -> None:
    app = saving_app(tmp_path, monkeypatch)

    async def export(pilot) -> None:
        await _par_turns(pilot, 3)
        await pilot.press("x")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=export)


# -- the classroom ---------------------------------------------------------------------

CLASS_TIME = 1_700_000_000.0  # a fixed clock for what the class folder records


class ClassClock:
    """The scoreboard's clock, a few seconds after the teams last reported (none is away)."""

    @staticmethod
    def time() -> float:
        return CLASS_TIME + 5

    monotonic = staticmethod(time_module.monotonic)


@pytest.fixture
def class_clock(monkeypatch) -> None:
    monkeypatch.setattr(scoreboard_module, "time", ClassClock)


def a_class(tmp_path) -> ClassDir:
    """Three teams part-way through the tutorial, a broadcast, and a poll half answered."""
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    class_dir.write_control(
        Control(
            phase="playing",
            open_turn=2,
            closed_turn=1,
            broadcasts=[Broadcast(id=1, text="Month 2: look at your bill first.", at=CLASS_TIME)],
            poll=Poll(
                id=1, question="Spot or on-demand for training?", choices=["Spot", "On-demand"]
            ),
        )
    )
    teams = [("blue", 88.5, 3, 2_806.0), ("green", 61.0, 1, 4_225.0), ("red", 40.2, 0, 6_100.0)]
    for team, score, stars, spend in teams:
        class_dir.write_status(
            TeamStatus(
                team=team,
                turn=1,
                turns=3,
                spend_usd=spend,
                budget_usd=4_000.0,
                score=score,
                stars=stars,
                finished=False,
                updated=CLASS_TIME,
                connected=team != "red",
            )
        )
    class_dir.write_poll_answer(1, "blue", "Spot")
    class_dir.write_poll_answer(1, "green", "On-demand")
    return class_dir


def test_lobby(snap_compare, tmp_path) -> None:
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    app = create_app(
        level="tutorial",
        seed=5,
        player="blue",
        store=SaveStore(class_dir.team_dir("blue")),
        animate=False,
        class_link=ClassLink(class_dir, "blue"),
    )
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_scoreboard(snap_compare, tmp_path, class_clock) -> None:
    assert snap_compare(ScoreboardApp(a_class(tmp_path)), terminal_size=(80, 24), run_before=settle)


def test_facilitator_console(snap_compare, tmp_path, class_clock) -> None:
    app = FacilitatorApp(a_class(tmp_path))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)

"""No key sequence crashes the tools or the classroom: seeded random keys on each screen.

The calculator and the exports; a team's game in a hosted class (lobby, scoreboard,
poll); the facilitator's console and its forms; the projector's scoreboard. Together
with test_mash.py, every screen of finops_tui.ui is mashed (the last test checks it).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import random
import time

from textual.app import App
from textual.screen import Screen

import finops_tui.ui
from finops_tui.content.classroom import ClassDir, ClassSettings, Control, Poll
from finops_tui.content.focus import write_focus
from finops_tui.content.saves import SaveStore
from finops_tui.content.seating import SlotFile, TeamSeats
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.app import create_app
from finops_tui.ui.classroom.activities import ActivityNote
from finops_tui.ui.classroom.facilitator import FacilitatorApp
from finops_tui.ui.classroom.link import ClassLink, PollScreen
from finops_tui.ui.classroom.lobby import LobbyScreen
from finops_tui.ui.classroom.scoreboard import ScoreboardApp
from finops_tui.ui.screens.export import open_game_export
from finops_tui.ui.textual_fixes import app_failure, send_key_as_terminal

from .mash import KEYS, KeyLog, key_event, mash, skip_memory_tidying
from .test_mash import SOLO_SCREENS
from .waiting import wait_for

PER_TOOL = 250
PER_CLASS_SCREEN = 60
SHARE = 20
# Amount keys too: the calculator's fields take exponents and unit suffixes.
TOOL_KEYS = [*KEYS, "e", "E", "B", "k", "M", "T", "minus", "plus", "comma", "underscore", "x"]
TOOL_SCREENS = ("CalculatorScreen", "ExportScreen", "AnalysisScreen", "StudioScreen", "PickScreen")
CLASS_SCREENS = ("LobbyScreen", "ScoreboardScreen", "PollScreen", "ActivityNote")
SEAT_SCREENS = ("SeatedTurnScreen", "NoteScreen")
CONSOLE_SCREENS = ("FacilitatorApp", "Form", "ScoreboardApp")


def assert_reached(log: KeyLog, screens: tuple[str, ...]) -> None:
    short = {s: log.by_screen[s] for s in screens if log.by_screen[s] < SHARE}
    assert not short, f"screens the mash did not reach enough: {short}; all: {log.by_screen}"


async def test_random_keys_on_the_calculator_and_the_exports(
    tmp_path, scenarios, monkeypatch
) -> None:
    skip_memory_tidying(monkeypatch)
    monkeypatch.chdir(tmp_path)  # whatever the keys write lands here, not in the checkout
    scenario = scenarios["tutorial"]
    finished = play(scenario, 1, plan_decisions(scenario, scenario.level.plans["par"]))
    bill = tmp_path / "bill.csv"
    write_focus(bill, scenario.level, finished)
    rng = random.Random(20261128)
    app = create_app(store=SaveStore(tmp_path), seed=1, animate=False)
    log = KeyLog(app)

    def export_from_debrief() -> None:
        session = GameSession(scenario, finished)
        app.show_debrief(session)
        app.call_after_refresh(open_game_export, app, session)

    def serving_tab() -> None:
        app.open_calculator()
        app.call_after_refresh(lambda: app.screen.action_next_tab())

    def plan_picker() -> None:
        app.open_studio("tutorial")
        app.call_after_refresh(lambda: app.screen.action_load())

    phases = [
        ("CalculatorScreen", app.open_calculator),
        ("CalculatorScreen", serving_tab),
        ("ExportScreen", export_from_debrief),
        ("AnalysisScreen", lambda: app.open_analysis(str(bill))),
        ("StudioScreen", lambda: app.open_studio("tutorial")),
        ("PickScreen", plan_picker),
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        for screen, go_there in phases:
            app.show_title()
            await mash(pilot, log, rng, screen, go_there, PER_TOOL, TOOL_KEYS, SHARE)
    assert_reached(log, TOOL_SCREENS)
    assert app.return_code in (None, 0)


async def test_random_keys_in_a_hosted_class(tmp_path, scenarios, monkeypatch) -> None:
    skip_memory_tidying(monkeypatch)
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    class_dir.write_control(Control(phase="playing", open_turn=2))
    rng = random.Random(20261129)
    app = create_app(
        level="tutorial",
        seed=5,
        player="blue",
        store=SaveStore(class_dir.team_dir("blue")),
        animate=False,
        class_link=ClassLink(class_dir, "blue"),
    )
    log = KeyLog(app)
    team: list[GameSession] = []  # the team's game, as the app opened it

    def lobby() -> None:
        app.push_screen(LobbyScreen(team[0], app.class_link))

    phases = [
        ("LobbyScreen", lobby),
        ("ScoreboardScreen", app.action_scoreboard),
        (
            "PollScreen",
            lambda: app.push_screen(
                PollScreen(Poll(id=1, question="Who pays?", choices=["IT", "Finance"]))
            ),
        ),
        (
            "ActivityNote",
            lambda: app.push_screen(
                ActivityNote("Codex: [b]who pays?[/b]", "Read these:", ["allocation", "spot"])
            ),
        ),
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        team.append(app.session)
        app.show_title()  # as a mashed escape may: the steering must bring the seat back
        await pilot.pause()
        for screen, go_there in phases:
            await mash(pilot, log, rng, screen, go_there, PER_CLASS_SCREEN, KEYS, SHARE)
    assert_reached(log, CLASS_SCREENS)
    assert app.return_code in (None, 0)


async def test_random_keys_on_a_teams_seat(tmp_path, monkeypatch) -> None:
    """A Finance seat of a team with IT present: the shared turn and its notes."""
    skip_memory_tidying(monkeypatch)
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    class_dir.write_control(Control(phase="playing", open_turn=1))
    TeamSeats(class_dir, "blue", "tutorial").write_slot(
        SlotFile(slot="it", turn=1, alive=time.time())
    )
    rng = random.Random(20261201)
    app = create_app(
        level="tutorial",
        seed=5,
        player="blue",
        store=SaveStore(class_dir.team_dir("blue")),
        animate=False,
        class_link=ClassLink(class_dir, "blue", seat="finance"),
    )
    log = KeyLog(app)
    team: list[GameSession] = []  # the team's game, as the app opened it

    def seated_turn() -> None:
        # Keys may have left the game for the title (app.session is then None).
        app.session = team[0]
        app.begin_turns(team[0])

    def note() -> None:
        seated_turn()
        app.call_after_refresh(lambda: app.screen.action_note())

    phases = [("SeatedTurnScreen", seated_turn), ("NoteScreen", note)]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        team.append(app.session)
        for screen, go_there in phases:
            await mash(pilot, log, rng, screen, go_there, PER_CLASS_SCREEN, TOOL_KEYS, SHARE)
    assert_reached(log, SEAT_SCREENS)
    assert app.return_code in (None, 0)
    log_file = class_dir.root / "logs" / "errors.log"
    assert not log_file.exists(), log_file.read_text(encoding="utf-8")


async def test_random_keys_on_the_facilitator_console_and_the_projector(tmp_path) -> None:
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    rng = random.Random(20261130)
    facilitator = FacilitatorApp(class_dir)
    log = KeyLog(facilitator)
    phases = [
        ("FacilitatorApp", lambda: None),  # its own screen: the keys cannot leave it
        ("Form", facilitator.action_broadcast),
        ("Form", facilitator.action_inject),
    ]
    async with facilitator.run_test(size=(80, 24)) as pilot:
        for screen, go_there in phases:
            await mash(pilot, log, rng, screen, go_there, PER_CLASS_SCREEN, TOOL_KEYS, SHARE)
    assert facilitator.return_code in (None, 0)
    projector = ScoreboardApp(class_dir)
    projector_log = KeyLog(projector)
    async with projector.run_test(size=(80, 24)) as pilot:
        await mash(pilot, projector_log, rng, "ScoreboardApp", lambda: None, PER_CLASS_SCREEN)
    log.by_screen.update(projector_log.by_screen)
    assert_reached(log, CONSOLE_SCREENS)
    assert log.quits + projector_log.quits > 0  # q and ctrl+q: counted, not obeyed
    assert app_failure(projector) is None


def test_every_screen_of_the_ui_is_mashed() -> None:
    """A new screen joins a mash, or this fails: the mash covers what players can reach."""
    found: set[str] = set()
    for module in pkgutil.walk_packages(finops_tui.ui.__path__, "finops_tui.ui."):
        for cls in vars(importlib.import_module(module.name)).values():
            ours = inspect.isclass(cls) and cls.__module__ == module.name
            leaf_screen = ours and issubclass(cls, Screen) and not cls.__subclasses__()
            if leaf_screen or (ours and issubclass(cls, App)):
                found.add(cls.__name__)
    found.discard("FinOpsApp")  # its screens are the game's; it has no screen of its own
    mashed = {*SOLO_SCREENS, *TOOL_SCREENS, *CLASS_SCREENS, *SEAT_SCREENS, *CONSOLE_SCREENS}
    assert found - mashed == set(), "screens no mash reaches"
    assert len(mashed) >= 20


# -- what the mash found: two keys typed together each closed a screen -------------------


async def test_enter_and_escape_together_close_only_the_poll(tmp_path) -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        below = app.screen
        for _ in range(3):
            app.push_screen(PollScreen(Poll(id=1, question="Who pays?", choices=["IT", "Finance"])))
            await pilot.pause()
            for key in ("enter", "escape"):
                send_key_as_terminal(app, key_event(key))
            await pilot.pause()
            await wait_for(lambda: not isinstance(app.screen, PollScreen))
            await pilot.pause()
            assert app.screen is below and app_failure(app) is None


async def test_the_facilitators_form_and_palette_close_once_for_two_keys(tmp_path) -> None:
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    app = FacilitatorApp(class_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        below = app.screen
        for open_it, keys in (
            (app.action_broadcast, ("enter", "escape")),
            (app.action_command_palette, ("k", "enter", "enter")),
        ):
            open_it()
            await pilot.pause()
            assert app.screen is not below
            for key in keys:
                send_key_as_terminal(app, key_event(key))
            await wait_for(lambda: app.screen is below and not app.screen_stack[1:])
            await pilot.pause()
            assert app.is_running and app_failure(app) is None

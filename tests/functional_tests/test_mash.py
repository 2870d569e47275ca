"""No key sequence crashes the app: 2,000 seeded random keys, and every screen gets its share.

Each phase steers to one screen and mashes from there, steering back while the keys
take it away before that screen has had its share. The key log proves which screens
the keys reached; ctrl+q and the quit keys are counted, not obeyed.
"""

from __future__ import annotations

import random

from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.quiz import QuizScreen
from finops_tui.ui.screens.watch import watch_plan
from finops_tui.ui.screens.written import JustificationScreen, ReflectionScreen
from finops_tui.ui.textual_fixes import app_failure

from .mash import BURST, KEYS, KeyLog, key_event, mash, skip_memory_tidying

__all__ = ["BURST", "KEYS", "key_event"]  # shared with the other mash tests

TOTAL = 2000
SHARE = 20  # keys each screen must receive, however quickly the keys leave it
# The screens of a game played alone, each mashed from in turn.
SOLO_SCREENS = (
    "TitleScreen",
    "BriefingScreen",
    "TurnScreen",
    "ReportScreen",
    "DebriefScreen",
    "QuizScreen",
    "JustificationScreen",
    "ReflectionScreen",
    "WatchScreen",
    "HelpScreen",
    "CodexScreen",
    "SaveMenuScreen",
    "SaveNameScreen",
    "ConfirmScreen",
    "GamePalette",
)

WRITTEN = {"JustificationScreen", "ReflectionScreen"}  # f2 moves on from these


async def test_two_thousand_random_keys_across_every_screen(
    tmp_path, scenarios, monkeypatch
) -> None:
    skip_memory_tidying(monkeypatch)
    scenario = scenarios["sandbox"]
    store = SaveStore(tmp_path)
    store.autosave(scenario, play(scenario, 1, []))
    finished = play(scenario, 1, plan_decisions(scenario, scenario.level.plans["par"]))
    rng = random.Random(20261127)
    app = create_app(store=store, seed=1, animate=False)
    log = KeyLog(app)

    def new_session() -> GameSession:
        return GameSession.start(scenario, 1)

    def to_report() -> None:
        session = new_session()
        record = session.resolve(plan_decisions(scenario, scenario.level.plans["par"])[0])
        app.begin_turns(session)
        app.call_after_refresh(app.show_report, session, record, None)

    def over_debrief(screen_class) -> None:
        session = GameSession(scenario, finished)
        app.show_debrief(session)
        app.call_after_refresh(app.push_screen, screen_class(session))

    def over_turn(open_it) -> None:
        session = new_session()
        app.begin_turns(session)
        app.call_after_refresh(open_it, session)

    phases = {
        "TitleScreen": app.show_title,
        "BriefingScreen": lambda: app.start_game(scenario, 1),
        "TurnScreen": lambda: app.begin_turns(new_session()),
        "ReportScreen": to_report,
        "DebriefScreen": lambda: app.show_debrief(GameSession(scenario, finished)),
        "QuizScreen": lambda: over_debrief(QuizScreen),
        "JustificationScreen": lambda: over_debrief(JustificationScreen),
        "ReflectionScreen": lambda: over_debrief(ReflectionScreen),
        "WatchScreen": lambda: app.start_watch(scenario, *watch_plan(scenario, "par", 1)),
        "HelpScreen": app.action_help,
        "CodexScreen": lambda: app.open_codex("spot"),
        "SaveMenuScreen": app.show_saves,
        "SaveNameScreen": lambda: over_turn(app.save_game_as),
        "ConfirmScreen": lambda: over_turn(lambda _session: app.confirm_leave()),
        "GamePalette": app.action_command_palette,
    }
    assert tuple(phases) == SOLO_SCREENS
    per_screen = TOTAL // len(phases)
    pressed = 0
    async with app.run_test(size=(80, 24)) as pilot:
        for number, (screen, go_there) in enumerate(phases.items()):
            count = TOTAL - pressed if number == len(phases) - 1 else per_screen
            keys = [*KEYS, "f2"] if screen in WRITTEN else KEYS
            pressed += await mash(pilot, log, rng, screen, go_there, count, keys, SHARE)
        assert app.is_running
    assert pressed == TOTAL
    short = {s: log.by_screen[s] for s in SOLO_SCREENS if log.by_screen[s] < SHARE}
    assert not short, f"screens the mash did not reach enough: {short}; all: {log.by_screen}"
    assert log.quits > 0  # ctrl+q and q were pressed, and counted instead of obeyed
    assert app_failure(app) is None
    assert app.return_code in (None, 0)

"""No key sequence crashes the app: 2,000 seeded random keys, 250 from each screen."""

from __future__ import annotations

import random
import string

from textual import events

from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.ui.app import create_app
from finops_tui.ui.session import GameSession
from finops_tui.ui.textual_fixes import app_failure, send_key_as_terminal

KEYS = [
    *string.ascii_lowercase,
    *string.digits,
    *["enter"] * 6,
    *["escape"] * 4,
    *["tab"] * 6,
    "shift+tab",
    *["up", "down", "left", "right"] * 3,
    "space",
    "backspace",
    "delete",
    "home",
    "end",
    "pageup",
    "pagedown",
    "full_stop",
    "question_mark",
    "f1",
    "ctrl+p",
    "ctrl+q",
    "ctrl+c",
]
PER_SCREEN = 250
BURST = 10  # keys sent before waiting for the app: a player mashing faster than it draws
CHARACTERS = {"full_stop": ".", "question_mark": "?", "space": " "}


def key_event(key: str) -> events.Key:
    character = key if len(key) == 1 else CHARACTERS.get(key)
    return events.Key(key, character)


async def test_two_thousand_random_keys_across_every_screen(tmp_path, scenarios) -> None:
    scenario = scenarios["sandbox"]
    store = SaveStore(tmp_path)
    store.autosave(scenario, play(scenario, 1, []))
    finished = play(scenario, 1, plan_decisions(scenario, scenario.level.plans["par"]))
    rng = random.Random(20261127)
    app = create_app(store=store, seed=1, animate=False)
    quits: list[int] = []

    async def no_quit() -> None:
        # Quitting is not crashing: count it and keep mashing.
        quits.append(1)

    app.action_quit = no_quit  # type: ignore[method-assign]

    def new_session() -> GameSession:
        return GameSession.start(scenario, 1)

    def to_report() -> None:
        session = new_session()
        record = session.resolve(plan_decisions(scenario, scenario.level.plans["par"])[0])
        app.begin_turns(session)
        app.call_after_refresh(app.show_report, session, record, None)

    phases = {
        "title": app.show_title,
        "briefing": lambda: app.start_game(scenario, 1),
        "turn": lambda: app.begin_turns(new_session()),
        "report": to_report,
        "debrief": lambda: app.show_debrief(GameSession(scenario, finished)),
        "help": app.action_help,
        "codex": lambda: app.open_codex("spot"),
        "saves": app.show_saves,
    }
    pressed = 0
    async with app.run_test(size=(80, 24)) as pilot:
        for name, go_there in phases.items():
            go_there()
            await pilot.pause(0.1)
            keys = [rng.choice(KEYS) for _ in range(PER_SCREEN)]
            for i, key in enumerate(keys, start=1):
                event = key_event(key)
                send_key_as_terminal(app, event)
                pressed += 1
                if i % BURST == 0:
                    await pilot.pause()
            await pilot.pause()
            assert app.is_running, f"the app stopped while mashing from the {name} screen"
            assert app_failure(app) is None, f"{name}: {app_failure(app)!r}"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running
    assert pressed == 2000
    assert app_failure(app) is None
    assert app.return_code in (None, 0)

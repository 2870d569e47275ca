"""No key sequence crashes the calculator or an export: seeded random keys on each."""

from __future__ import annotations

import random

from finops_tui.content.saves import SaveStore
from finops_tui.engine import plan_decisions, play
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.export import open_game_export
from finops_tui.ui.session import GameSession
from finops_tui.ui.textual_fixes import app_failure, send_key_as_terminal

from .test_mash import BURST, KEYS, key_event

PER_SCREEN = 250
# Amount keys too: the calculator's fields take exponents and unit suffixes.
TOOL_KEYS = [*KEYS, "e", "E", "B", "k", "M", "T", "minus", "plus", "comma", "underscore", "x"]


async def test_random_keys_on_the_calculator_and_the_exports(tmp_path, scenarios) -> None:
    scenario = scenarios["tutorial"]
    finished = play(scenario, 1, plan_decisions(scenario, scenario.level.plans["par"]))
    rng = random.Random(20261128)
    app = create_app(store=SaveStore(tmp_path), seed=1, animate=False)

    async def no_quit() -> None:
        pass  # quitting is not crashing: keep mashing

    app.action_quit = no_quit  # type: ignore[method-assign]

    def export_from_debrief() -> None:
        session = GameSession(scenario, finished)
        app.show_debrief(session)
        app.call_after_refresh(open_game_export, app, session)

    phases = {
        "calculator": app.open_calculator,
        "calculator, serving": lambda: (
            app.open_calculator(),
            app.call_after_refresh(app.screen.action_next_tab),
        ),
        "export": export_from_debrief,
    }
    async with app.run_test(size=(80, 24)) as pilot:
        for name, go_there in phases.items():
            app.show_title()
            await pilot.pause()
            go_there()
            await pilot.pause(0.1)
            for i in range(1, PER_SCREEN + 1):
                event = key_event(rng.choice(TOOL_KEYS))
                send_key_as_terminal(app, event)
                if i % BURST == 0:
                    await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.is_running, f"the app stopped while mashing the {name}"
            assert app_failure(app) is None, f"{name}: {app_failure(app)!r}"
    assert app.return_code in (None, 0)

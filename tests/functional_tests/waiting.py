"""Waiting for a condition, with a timeout, instead of sleeping a guessed time.

A fixed sleep races whatever it waits for (a poll interval, a debounce timer, a
worker): on a loaded machine it is too short, on an idle one too long. These wait
exactly until the thing is true, and fail with what was awaited when it never is.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input, RadioSet, Select, Switch

from finops_tui.gameplay.fields import read_decision
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.widgets.decision_form import DecisionForm

STEP = 0.01  # seconds between looks: the event loop runs the app meanwhile
TIMEOUT = 20.0  # generous: only a failing test ever waits this long


async def wait_for(
    condition: Callable[[], object], timeout: float = TIMEOUT, what: str = ""
) -> None:
    """Return as soon as `condition()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what or condition.__qualname__}")
        await asyncio.sleep(STEP)


def form_reached_the_screen(screen: TurnScreen) -> bool:
    """Every control's value has reached the screen's draft (or its input errors)."""
    form = screen.query_one(DecisionForm)
    for spec in form.fields:
        control = form.query_one(f"#{spec.widget_id}")
        if isinstance(control, Select | Switch):
            shown = control.value
        elif isinstance(control, RadioSet):
            pressed = control.pressed_button
            shown = pressed.name if pressed is not None else None
        elif isinstance(control, Input):
            try:
                shown = spec.parse(control.value)
            except ValueError:
                if spec.key in screen.input_errors:
                    continue
                return False
        else:
            continue
        if shown != read_decision(screen.draft, spec.key) and spec.key not in screen.input_errors:
            return False
    return True


async def settle_turn(pilot: Pilot) -> None:
    """Until the turn screen has every change, its estimate, and the fan of it drawn."""
    await wait_for(lambda: isinstance(pilot.app.screen, TurnScreen) and pilot.app.screen.is_mounted)
    screen = pilot.app.screen
    assert isinstance(screen, TurnScreen)
    await pilot.pause()  # the changes already queued
    await wait_for(
        lambda: (
            form_reached_the_screen(screen) and screen._timer is None and not screen._estimate_soon
        ),
        what="the turn screen's estimate of the decisions shown",
    )
    await pilot.app.workers.wait_for_complete()  # the fan, if the estimate asked for one
    await pilot.pause()  # its message

"""Helpers for driving the app through its widgets, as a player would."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton, RadioSet, Select, Switch

from finops_tui.engine import Decisions
from finops_tui.gameplay.fields import read_decision
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.widgets.decision_form import DecisionForm

from .waiting import settle_turn


async def enter_decisions(pilot: Pilot, decisions: Decisions) -> None:
    """Set every control of the turn screen to `decisions`: numbers are typed key by key."""
    screen = pilot.app.screen
    assert isinstance(screen, TurnScreen)
    form = screen.query_one(DecisionForm)
    for spec in form.fields:
        value: Any = read_decision(decisions, spec.key)
        control = form.query_one(f"#{spec.widget_id}")
        if isinstance(control, Select):
            control.value = value
        elif isinstance(control, RadioSet):
            for button in control.query(RadioButton):
                if button.name == value:
                    button.value = True
        elif isinstance(control, Switch):
            control.value = bool(value)
        elif isinstance(control, Input) and spec.parse(control.value) != value:
            control.focus()
            await pilot.pause()
            control.value = ""
            await pilot.press(*spec.shown(value))
        await pilot.pause()
    await settle_turn(pilot)  # let the debounced estimate run


async def play_turn(pilot: Pilot, decisions: Decisions) -> None:
    await enter_decisions(pilot, decisions)
    screen = pilot.app.screen
    assert isinstance(screen, TurnScreen)
    assert screen.draft == decisions, "the UI did not turn the inputs into these decisions"
    await pilot.press("n")  # pressed with a number field focused: it must still end the turn
    await pilot.pause()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"

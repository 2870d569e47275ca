"""What a newcomer tripped on (issue 18), each played as a learner would meet it."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.widgets import Static

from finops_tui.ui.app import create_app
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.widgets.decision_form import DecisionForm

WAIT_STEP = 0.05  # seconds between looks at a condition
WAIT_STEPS = 100  # five seconds at most


async def wait_for(pilot, condition, what: str) -> None:
    """Pause until `condition()` holds; fail naming `what` after WAIT_STEPS looks."""
    for _ in range(WAIT_STEPS):
        if condition():
            return
        await pilot.pause(WAIT_STEP)
    raise AssertionError(f"timed out waiting for {what}")


async def turn_screen(pilot) -> TurnScreen:
    await pilot.press("enter")  # past the briefing
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TurnScreen), "the turn screen")
    return pilot.app.screen


# -- the side panel's help ---------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_fields_help_shows_whole(size) -> None:
    """Each field's help fits the panel under the form, all of it (it was cut to one line)."""
    app = create_app(level="sandbox", seed=1, animate=False)
    async with app.run_test(size=size) as pilot:
        screen = await turn_screen(pilot)
        form = screen.query_one(DecisionForm)
        help_panel = screen.query_one("#field-help", Static)
        shown = []
        for spec in form.fields:
            form.focus_field(spec.key)
            await pilot.pause()
            if form.spec_for(app.focused) is not spec:
                continue  # a row this level's other choices hide (a self-hosted model's)
            shown.append(spec.key)
            assert str(help_panel.content) == spec.help
            region = help_panel.content_region
            lines = Text(spec.help).wrap(app.console, region.width)
            assert len(lines) <= region.height, f"{spec.key}: {spec.help!r} cut to {region}"
        assert "forecast_usd" in shown  # the help that was cut mid-sentence
        assert len(shown) >= 10

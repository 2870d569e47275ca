"""The turn screen explains a decision it cannot play, and will not end the turn until fixed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, RadioButton, Select

from finops_tui.ui.app import create_app
from finops_tui.ui.screens.report import ReportScreen
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.textual_fixes import FooterKey
from finops_tui.ui.widgets.decision_form import DecisionForm
from finops_tui.ui.widgets.estimate import ProblemPanel

from .waiting import settle_turn

SERVING = str(Path(__file__).parent / "levels" / "serving.toml")


async def start_turn(pilot) -> TurnScreen:
    await pilot.press("enter")  # past the briefing
    await pilot.pause()
    assert isinstance(pilot.app.screen, TurnScreen)
    return pilot.app.screen


def choose(screen: TurnScreen, radio_set: str, option: str) -> None:
    """Press one option of a radio set, as the space bar on it does."""
    for button in screen.query_one(radio_set).query(RadioButton):
        if button.name == option:
            button.value = True


async def settle(pilot) -> None:
    await settle_turn(pilot)  # past the estimate's debounce, however long it takes


async def test_a_model_that_does_not_fit_blocks_the_turn_until_fixed() -> None:
    app = create_app(level=SERVING, seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_turn(pilot)
        screen.query_one("#inference--model", Select).value = "llama-70b"
        await settle(pilot)
        panel = screen.query_one(ProblemPanel)
        assert panel.has_class("-shown")
        assert "needs" in str(panel.content) and "GB" in str(panel.content)
        row = screen.query_one("#row-inference--gpus")
        assert row.has_class("-problem")
        assert screen.estimate is None

        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TurnScreen), "the turn ended with an unplayable model"
        assert app.focused is screen.query_one("#inference--gpus", Input)
        assert app.session.state.turn == 0

        # Fix it: int4 and enough GPUs for one replica.
        for button in screen.query_one("#inference--quant").query(RadioButton):
            if button.name == "int4":
                button.value = True
        gpus = screen.query_one("#inference--gpus", Input)
        gpus.value = ""
        await pilot.press("4")
        await settle(pilot)
        assert not panel.has_class("-shown"), str(panel.content)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)
        assert app.session.state.turn == 1


async def test_spend_over_a_hard_cap_cannot_be_played() -> None:
    app = create_app(level=SERVING, seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_turn(pilot)
        screen.query_one("#inference--gpu", Select).value = "h100"
        gpus = screen.query_one("#inference--gpus", Input)
        gpus.focus()
        gpus.value = ""
        await pilot.press("8")
        await settle(pilot)
        assert "hard cap" in str(screen.query_one(ProblemPanel).content)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TurnScreen)
        assert app.session.state.turn == 0


async def test_typed_numbers_are_validated_with_a_reason() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_turn(pilot)
        gpus = screen.query_one("#training--gpus", Input)
        gpus.focus()
        gpus.value = ""
        await pilot.press("9", "9", "9")
        await settle(pilot)
        assert "at most 32" in str(screen.query_one(ProblemPanel).content)
        assert gpus.has_class("-invalid")
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TurnScreen)

        await pilot.press("z")  # undo: back to last period's decisions
        await settle(pilot)
        assert gpus.value == "8"
        assert not screen.query_one(ProblemPanel).has_class("-shown")
        assert screen.draft == app.session.previous_decisions()


async def test_letters_in_a_number_field_reach_the_screen_keys() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_turn(pilot)
        tokens = screen.query_one("#training--tokens", Input)
        tokens.focus()
        await pilot.press("d")  # next dashboard tab, not a "d" in the box
        await pilot.pause()
        assert tokens.value == "20"
        from textual.widgets import TabbedContent

        assert screen.query_one(TabbedContent).active == "tab-bill"
        await pilot.press("question_mark")
        await pilot.pause()
        from finops_tui.ui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)


async def test_the_estimate_follows_the_decisions() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_turn(pilot)
        before = screen.estimate.spend_usd
        choose(screen, "#training--pricing", "spot")
        await settle(pilot)
        assert screen.estimate.spend_usd < before
        form = screen.query_one(DecisionForm)
        assert not form.query(".-problem")
        text = str(screen.query_one("#estimate").content)
        assert "Changed: Buy as: On-demand → Spot" in text


async def test_a_choice_is_estimated_at_once_and_typing_when_it_pauses() -> None:
    """A radio button is one key: its estimate needs no wait. Typed digits wait for a
    pause, so a number is not estimated at every keystroke."""
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_turn(pilot)
        before = screen.estimate.spend_usd
        choose(screen, "#training--pricing", "spot")
        await pilot.pause()  # the messages already queued, no timer
        assert screen.estimate.spend_usd < before
        assert screen._timer is None
        screen.query_one("#training--gpus", Input).value = "16"
        await pilot.pause()
        assert screen._timer is not None  # waiting for the typing to pause
        await settle(pilot)
        assert screen._timer is None and screen.draft.training.gpus == 16


async def test_the_footer_keeps_its_keys_and_dims_undo_until_there_is_something_to_undo() -> None:
    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_turn(pilot)
        await settle(pilot)

        def keys() -> dict[str, FooterKey]:
            return {k.action: k for k in app.screen.query(FooterKey)}

        undo = keys()["undo_changes"]
        assert undo.has_class("-disabled")
        choose(screen, "#training--pricing", "spot")
        await settle(pilot)
        assert keys()["undo_changes"] is undo  # updated where it is, not rebuilt
        assert not undo.has_class("-disabled")
        await pilot.press("z")
        await settle(pilot)
        assert screen.draft.training.pricing == "on-demand"
        assert keys()["undo_changes"] is undo and undo.has_class("-disabled")
        # The palette key needs 100 columns; resizing brings it and takes it away.
        assert "command_palette" not in keys()
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert "command_palette" in keys()
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert "command_palette" not in keys()

"""Each private Textual name we use is still there, shaped and behaving as we rely on.

A Textual upgrade that changes one of them fails here, naming it, before a player
meets it. When one of these fails, read the entry in finops_tui/ui/textual_fixes.py.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from typing import ClassVar

import pytest
import textual
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, RadioSet, TextArea

import finops_tui
import finops_tui.ui.app  # applies the fixes, as running the game does
from finops_tui.ui import textual_fixes
from finops_tui.ui.app import create_app
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.textual_fixes import (
    FooterKey,
    NoMatchesSafePalette,
    RemoveScreensOnceMounted,
    app_failure,
    notification_messages,
    send_key_as_terminal,
    set_footer_key_enabled,
)
from finops_tui.ui.widgets.decision_form import ChoiceButton
from finops_tui.ui.widgets.footer import GameFooter

from .waiting import wait_for

PACKAGE = Path(finops_tui.__file__).parent


def test_textual_is_the_major_version_the_fixes_were_written_for() -> None:
    major, minor = (int(part) for part in textual.__version__.split(".")[:2])
    assert (major, minor) >= (8, 2) and major < 9, textual.__version__


def test_no_private_textual_name_outside_textual_fixes() -> None:
    """No module but textual_fixes imports a private Textual module, or defines, calls or
    reads on a Textual subclass a private name that a Textual base class defines."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "textual_fixes.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if (module or "").startswith("textual") and "._" in (module or ""):
                offenders.append(f"{path.name}:{node.lineno}: from {node.module} import")
        module_name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if not module_name.startswith("finops_tui.ui"):
            continue  # only the ui imports Textual (test_import_hygiene holds the rest)
        for cls in vars(importlib.import_module(module_name)).values():
            if not inspect.isclass(cls) or cls.__module__ != module_name:
                continue
            private = _private_names_of_textual_bases(cls)
            source = inspect.getsource(cls)
            named = re.findall(r"def (_[a-z]\w*)", source) + re.findall(r"\.(_[a-z]\w*)", source)
            used = {name for name in named if name in private}
            offenders += [f"{module_name}.{cls.__name__}: {name}" for name in sorted(used)]
    assert offenders == [], "private Textual names belong in ui/textual_fixes.py"


def test_the_tests_reach_textual_internals_only_through_textual_fixes() -> None:
    private = re.compile(r"\b(app|pilot\.app)\._(driver|exception|notifications)\b|textual\.\w+\._")
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(Path(__file__).parents[1].rglob("test_*.py"))
        if path.name != "test_textual_fixes.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if private.search(line)
    ]
    assert offenders == []


def _private_names_of_textual_bases(cls: type) -> set[str]:
    return {
        name
        for base in cls.__mro__[1:]
        if base.__module__.startswith("textual")
        for name in vars(base)
        if name.startswith("_") and not name.startswith("__")
    }


# -- OptionList._move_page ---------------------------------------------------------------


class Lists(App[None]):
    def compose(self) -> ComposeResult:
        yield OptionList(*[f"option {n}" for n in range(40)], id="laid-out")


def test_option_list_pages_through_move_page_with_a_direction() -> None:
    original = textual_fixes._move_page
    assert list(inspect.signature(original).parameters) == ["self", "direction"]
    # Page keys still go through _move_page, so the patch is on the path they take.
    for action in ("action_page_up", "action_page_down"):
        assert "self._move_page(" in inspect.getsource(getattr(OptionList, action))


async def test_an_option_list_not_laid_out_still_fails_in_textual_and_not_with_the_fix() -> None:
    app = Lists()
    async with app.run_test(size=(40, 10)) as pilot:
        shown = app.query_one("#laid-out", OptionList)
        shown.highlighted = 0
        shown.action_page_down()
        assert shown.highlighted and shown.highlighted > 0  # the fix still pages
        hidden = OptionList(*[f"late {n}" for n in range(5)])
        hidden.highlighted = 0
        with pytest.raises(KeyError):  # Textual's bug: when fixed upstream, drop the fix
            textual_fixes._move_page(hidden, 1)
        hidden.action_page_down()  # patched: nothing to do, no crash
        await pilot.pause()
        assert app_failure(app) is None


# -- Input/TextArea._on_key: editing keys in the order they were typed --------------------


class Fields(App[None]):
    def compose(self) -> ComposeResult:
        yield Input("8", select_on_focus=False, id="number")
        yield TextArea("ab", id="text")


def burst(app: App, keys: list[tuple[str, str | None]]) -> None:
    """Keys as a terminal delivers a burst: all queued before any is handled."""
    for key, character in keys:
        send_key_as_terminal(app, events.Key(key, character))


BURST = [("end", None), ("backspace", "\x7f"), ("1", "1"), ("2", "2"), ("left", None), ("3", "3")]


async def test_a_burst_of_keys_edits_an_input_and_a_text_area_in_the_order_typed() -> None:
    app = Fields()
    async with app.run_test(size=(40, 10)) as pilot:
        field = app.query_one("#number", Input)
        field.focus()
        await pilot.pause()
        burst(app, BURST)
        await wait_for(lambda: field.value == "132", what="8, backspace, 12, left, 3")
        area = app.query_one("#text", TextArea)
        area.focus()
        area.move_cursor((0, 2))
        await pilot.pause()
        burst(app, [("backspace", "\x7f"), ("x", "x"), ("left", None), ("y", "y")])
        await wait_for(lambda: area.text == "ayx", what="ab, backspace, x, left, y")
        assert app_failure(app) is None


async def test_textual_still_reorders_a_burst_without_the_fix(monkeypatch) -> None:
    # Textual issue #6605: when Textual runs a text widget's bindings in order itself,
    # this fails, and the fix can go.
    monkeypatch.setattr(Input, "_on_key", textual_fixes._input_on_key)
    app = Fields()
    async with app.run_test(size=(40, 10)) as pilot:
        field = app.query_one("#number", Input)
        field.focus()
        await pilot.pause()
        burst(app, [("end", None), ("backspace", "\x7f"), ("1", "1"), ("2", "2")])
        for _ in range(20):
            await pilot.pause()
        assert field.value != "12"


async def test_a_burst_into_a_turns_number_field_keeps_every_key() -> None:
    app = create_app(level="tutorial", seed=3, animate=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")  # past the briefing
        await wait_for(lambda: isinstance(app.screen, TurnScreen), what="the turn")
        screen = app.screen
        field = screen.query_one("#training--gpus", Input)
        field.focus()
        await pilot.pause()
        burst(app, [("backspace", "\x7f")] * 3 + [("1", "1"), ("2", "2")])
        await wait_for(lambda: screen.draft.training.gpus == 12, what="12 GPUs in the draft")
        assert field.value == "12" and not screen.input_errors


# -- App._replace_screen -----------------------------------------------------------------


class NeedsItsLabel(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Label("mounted", id="needed")

    def on_mount(self) -> None:
        self.query_one("#needed", Label)  # NoMatches if removed before it mounted


class Hooked(RemoveScreensOnceMounted, App[None]):
    replaced: ClassVar[list[Screen]] = []

    async def _replace_screen(self, screen: Screen) -> Screen:
        self.replaced.append(screen)
        return await super()._replace_screen(screen)


def test_app_replace_screen_is_the_coroutine_popping_calls() -> None:
    hook = App._replace_screen
    assert inspect.iscoroutinefunction(hook)
    assert list(inspect.signature(hook).parameters) == ["self", "screen"]
    for caller in (App.pop_screen, App.switch_screen):
        assert "self._replace_screen(" in inspect.getsource(caller)


async def test_a_screen_closed_before_it_mounted_is_removed_once_it_has() -> None:
    app = Hooked()
    async with app.run_test() as pilot:
        screen = NeedsItsLabel()
        app.push_screen(screen)
        app.pop_screen()  # at once, as a typed-ahead esc does
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and app_failure(app) is None
        assert screen in Hooked.replaced  # Textual still removes it through the hook
        assert screen not in app.screen_stack


# -- CommandPalette._watch__list_visible -------------------------------------------------


async def test_the_palette_list_watcher_tolerates_a_palette_taken_apart() -> None:
    assert "_list_visible" in vars(CommandPalette)
    assert "_watch__list_visible" in vars(CommandPalette)
    app = App()
    async with app.run_test() as pilot:
        palette = NoMatchesSafePalette()
        app.push_screen(palette)
        await pilot.pause()
        palette.query_one("CommandList").remove()
        await pilot.pause()
        with pytest.raises(NoMatches):  # what Textual's own watcher does
            CommandPalette._watch__list_visible(palette)
        palette._list_visible = not palette._list_visible  # the watcher runs: no crash
        await pilot.pause()
        assert app.is_running and app_failure(app) is None


# -- FooterKey._disabled -----------------------------------------------------------------


class Keyed(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "count", "Count", id="test.count")]
    counted = 0
    allowed = True

    def compose(self) -> ComposeResult:
        yield GameFooter()

    def action_count(self) -> None:
        self.counted += 1

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.allowed if action == "count" else True


def test_footer_key_keeps_its_disabled_flag_and_constructor() -> None:
    parameters = inspect.signature(FooterKey.__init__).parameters
    assert list(parameters)[1:6] == ["key", "key_display", "description", "action", "disabled"]
    assert "self._disabled" in inspect.getsource(FooterKey.on_mouse_down)
    assert "self._disabled = disabled" in inspect.getsource(FooterKey.__init__)


async def test_a_footer_key_enabled_in_place_clicks_and_disabled_does_not() -> None:
    app = Keyed()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.press("tab")  # the app has focus: the footer shows its keys
        await pilot.pause()
        (key,) = [k for k in app.query(FooterKey) if k.action == "count"]
        set_footer_key_enabled(key, False)
        assert key.has_class("-disabled")
        await pilot.click(key)
        assert app.counted == 0
        set_footer_key_enabled(key, True)
        assert not key.has_class("-disabled")
        await pilot.click(key)
        await pilot.pause()
        assert app.counted == 1


# -- ChoiceButton: public names only, but the shape of a radio button is relied on --------


class Choices(App[None]):
    def compose(self) -> ComposeResult:
        with RadioSet():
            yield ChoiceButton("spot", value=True)
            yield ChoiceButton("on-demand")


async def test_a_choice_shows_its_dot_only_when_chosen() -> None:
    app = Choices()
    async with app.run_test(size=(30, 6)) as pilot:
        spot, on_demand = app.query(ChoiceButton)
        assert "●" in str(spot.render()) and "●" not in str(on_demand.render())
        on_demand.value = True
        await pilot.pause()
        assert "●" in str(on_demand.render()) and "●" not in str(spot.render())


# -- the helpers for tests and load drivers ----------------------------------------------


async def test_send_key_as_terminal_runs_the_binding_and_failures_are_seen() -> None:
    from textual import events

    app = Keyed()
    async with app.run_test() as pilot:
        send_key_as_terminal(app, events.Key("x", "x"))
        await pilot.pause()
        assert app.counted == 1
        app.notify("Prices are [b]moving")
        await pilot.pause()
        assert notification_messages(app) == ["Prices are [b]moving"]
        assert app_failure(app) is None

    class Breaks(Keyed):
        def action_count(self) -> None:
            raise ZeroDivisionError

    broken = Breaks()
    with pytest.raises(ZeroDivisionError):
        async with broken.run_test() as pilot:
            send_key_as_terminal(broken, events.Key("x", "x"))
            await pilot.pause()
    assert isinstance(app_failure(broken), ZeroDivisionError)


async def test_ctrl_p_under_a_screen_pushed_over_the_palette_opens_no_second_one() -> None:
    """A class poll can open over the palette; ctrl+p in it must not stop the app with a
    second palette of the same id (DuplicateIds)."""
    from finops_tui.content.classroom import Poll
    from finops_tui.ui.app import create_app
    from finops_tui.ui.classroom.link import PollScreen
    from finops_tui.ui.commands import GamePalette

    app = create_app(level="tutorial", seed=1, animate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, GamePalette)
        poll = Poll(id=1, question="Who owns the GPU bill?", choices=["IT", "Finance"])
        app.push_screen(PollScreen(poll))
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.is_running and app_failure(app) is None
        assert sum(isinstance(s, GamePalette) for s in app.screen_stack) == 1


# -- Screen._compositor_refresh and textual._time: when a frame reaches the terminal -----


def test_screens_still_send_their_frames_through_compositor_refresh() -> None:
    assert "_compositor_refresh" in vars(Screen)
    assert list(inspect.signature(Screen._compositor_refresh).parameters) == ["self"]


class Painted(textual_fixes.PaintedScreen):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[float] = []

    def compose(self) -> ComposeResult:
        yield Label("drawn", id="drawn")

    def frame_painted(self, started: float) -> None:
        self.frames.append(started)


class PaintedApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Painted())


async def test_a_painted_screen_is_told_of_each_frame_on_the_key_events_clock() -> None:
    """The typed-ahead guard compares a key's time with the frame's: one clock for both."""
    app = PaintedApp()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, Painted)
        assert screen.frames, "no frame was reported for a screen on the terminal"
        before = len(screen.frames)
        screen.query_one("#drawn", Label).update("drawn again")
        await pilot.pause()
        await pilot.pause()
        assert len(screen.frames) > before, "a changed screen's frame was not reported"
        key = events.Key("x", "x")
        assert screen.frames[-1] <= key.time <= textual_fixes.textual_clock()

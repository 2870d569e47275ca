"""Every use of a private Textual name, in one place (Textual >=8.2,<9).

Each entry says why we need it. tests/functional_tests/test_textual_fixes.py checks,
for each, that the name is still there with the shape we rely on and that the
behaviour we rely on still holds: a Textual upgrade that changes one fails there first,
not in a player's terminal. The rest of finops_tui imports these names from here.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import parse as parse_action
from textual.command import CommandPalette
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList, TextArea

# Textual exports no public name for a footer's key widget; GameFooter updates them in place.
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

__all__ = [
    "FooterKey",
    "NoMatchesSafePalette",
    "RemoveScreensOnceMounted",
    "app_failure",
    "apply",
    "notification_messages",
    "run_own_binding",
    "send_key_as_terminal",
    "set_footer_key_enabled",
]

MOUNT_WAIT_STEP = 0.01  # seconds between looks at a screen that is still mounting
MOUNT_WAIT_STEPS = 300  # three seconds at most; then it closes all the same

# -- OptionList._move_page: page keys on a list not laid out yet -------------------------

_move_page = OptionList._move_page


def _move_page_or_stay(self: OptionList, direction: int) -> None:
    # Textual 8.2: page up/down on an option list that has not been laid out yet (the
    # command palette's list before it shows, a Select's closed overlay) looks up a line
    # map that is still empty and raises KeyError. Textual's own scroll_to_highlight
    # treats the same KeyError as "nothing to do"; so do we.
    with contextlib.suppress(KeyError):
        _move_page(self, direction)


# -- Input/TextArea._on_key: editing keys in the order they were typed --------------------

_input_on_key = Input._on_key
_text_area_on_key = TextArea._on_key
TEXT_AREA_INSERTS = ("enter", "tab", "escape")  # keys TextArea._on_key may handle itself


async def run_own_binding(widget: Widget, event: events.Key) -> bool:
    """Run the focused text widget's own (non-priority) binding for `event` now, as the
    app would once the key had bubbled up to it; True if one ran.

    Textual 8.2 inserts a typed character in the widget's `_on_key`, but runs a bound
    key (backspace, arrows, ctrl+k) only after the key has travelled up to the app. In a
    burst of keys (typing over SSH, a paste, tmux) a character typed after a backspace
    is inserted before the backspace runs: "backspace, 1, 2" in a field holding "8"
    leaves it empty. Textual issue #6605 (open; PR #6631 does this inside Textual).
    The widget is first in the app's binding chain, so the same binding runs.
    """
    for key in event.aliases:
        for binding in widget._bindings.key_to_bindings.get(key, []):
            if binding.priority:
                continue  # the app ran those before the key reached the widget
            _, name, parameters = parse_action(binding.action)
            if widget.check_action(name, parameters) is False:
                continue
            event.stop()
            event.prevent_default()
            await widget.run_action(binding.action)
            return True
    return False


async def _input_on_key_in_order(self: Input, event: events.Key) -> None:
    if not event.is_printable and await run_own_binding(self, event):
        return
    await _input_on_key(self, event)


async def _text_area_on_key_in_order(self: TextArea, event: events.Key) -> None:
    own = not event.is_printable and event.key not in TEXT_AREA_INSERTS and not self.read_only
    if own and await run_own_binding(self, event):
        return
    await _text_area_on_key(self, event)


def apply() -> None:
    """Install the patches on Textual's classes (once, when the app module loads)."""
    OptionList._move_page = _move_page_or_stay  # type: ignore[method-assign]
    Input._on_key = _input_on_key_in_order  # type: ignore[method-assign]
    TextArea._on_key = _text_area_on_key_in_order  # type: ignore[method-assign]


# -- App._replace_screen: a screen closed before it mounted ------------------------------


class RemoveScreensOnceMounted:
    """Mixed into the App: take a closed screen away only once it has mounted.

    App._replace_screen is Textual 8.2's hook for removing a popped or switched-away
    screen. A key typed ahead (esc right after the key that opens help or the
    calculator, easy over a slow SSH link) closes a screen before it has mounted. The
    stack changes at once, as Textual's callers expect; only the removal waits, or the
    screen's on_mount would look for widgets already taken away and stop the app.
    """

    async def _replace_screen(self, screen: Screen) -> Screen:
        for _ in range(MOUNT_WAIT_STEPS):
            if screen.is_mounted:
                break
            await asyncio.sleep(MOUNT_WAIT_STEP)
        return await super()._replace_screen(screen)  # type: ignore[misc]


# -- CommandPalette._watch__list_visible: keys after the palette closed -------------------


class NoMatchesSafePalette(CommandPalette):
    """Textual's palette, whose list watcher tolerates a palette already taken apart.

    A quick double enter selects a command and dismisses the palette; the second key's
    handlers then flip `_list_visible`, whose private watcher queries the palette's
    list, already removed (NoMatches), and the app stops.
    """

    def _watch__list_visible(self) -> None:
        with contextlib.suppress(NoMatches):
            super()._watch__list_visible()


# -- FooterKey._disabled: enable or disable a shown key without rebuilding the footer ----


def set_footer_key_enabled(key: FooterKey, enabled: bool) -> None:
    """As Textual's FooterKey does it: a flag its click handler reads, and a class that
    dims it (not Widget.disabled, which would also stop its tooltip)."""
    key._disabled = not enabled
    key.set_class(not enabled, "-disabled")


# -- Screen._compositor_refresh: when a screen's frame reaches the terminal ---------------


def textual_clock() -> float:
    """The clock Textual stamps events with (`textual._time.get_time`)."""
    from textual._time import get_time

    return get_time()


class PaintedScreen(Screen):
    """A screen told each time its frame is written to the terminal.

    Textual has no public "frame painted" hook; `_compositor_refresh` is where a
    screen's frame is sent to the driver.
    """

    def _compositor_refresh(self) -> None:
        started = textual_clock()  # before the write: a key may answer the frame at once
        super()._compositor_refresh()
        self.frame_painted(started)

    def frame_painted(self, started: float) -> None:
        """A frame of this screen was written, from `started` (Textual's clock) on."""


# -- For tests and load drivers that act as the terminal does ----------------------------


def send_key_as_terminal(app: App[Any], event: events.Key) -> None:
    """Queue a key exactly as the terminal driver does (Pilot.press waits for each key;
    a mashing player does not)."""
    event.set_sender(app)
    app._driver.send_message(event)  # type: ignore[union-attr]


def app_failure(app: App[Any]) -> BaseException | None:
    """The exception that is stopping the app, if any (Textual keeps it private)."""
    return app._exception


def notification_messages(app: App[Any], severity: tuple[str, ...] | None = None) -> list[str]:
    """The text of every notification the app shows now (of these severities, if given)."""
    return [
        str(n.message) for n in app._notifications if severity is None or n.severity in severity
    ]


def notification_titles(app: App[Any]) -> list[str]:
    """The title of every notification the app shows now."""
    return [str(n.title) for n in app._notifications]

"""A key that leaves a screen counts only if it was pressed after the screen was shown.

Keys typed ahead arrive before the next screen is on the terminal: enter pressed twice
on the last report would close the report and then the debrief, and the debrief is the
lesson. A screen that is `SeenBeforeLeaving` notes when it was first drawn (and a screen
that changes what it shows in place, such as the quiz, says so with `mark_unseen`); an
action decorated with `@leaves` ignores a key pressed before that moment and says to
press it again. Clicks and the command palette are never typed ahead, and always act.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual import events

from finops_tui.ui.screens.base import GameScreen
from finops_tui.ui.textual_fixes import PaintedScreen, textual_clock

Action = TypeVar("Action", bound=Callable[..., Any])

NOTICE_SECONDS = 3.0
TYPED_AHEAD = "That key came before this screen was shown: press {key} again to go on."


def leaves(action: Action) -> Action:
    """Mark a screen's action as leaving what is shown: a key typed ahead does not run it."""

    @functools.wraps(action)
    def guarded(self: SeenBeforeLeaving, *args: Any) -> Any:
        if self.typed_ahead():
            return None
        return action(self, *args)

    guarded.__dict__["leaves"] = True  # a function attribute: which actions wait (tests read it)
    return guarded  # type: ignore[return-value]


class SeenBeforeLeaving(PaintedScreen, GameScreen):
    """A screen whose leaving keys need it to have been shown (see `leaves`)."""

    _shown_at: float | None = None
    _showing: object | None = None
    _told_at: float = -1e9
    # Keys that leave what is shown through a focused widget rather than a screen binding.
    LEAVING_KEYS: ClassVar[frozenset[str]] = frozenset()

    def on_screen_resume(self) -> None:
        if self._shown_at is None and self._showing is None:
            self.mark_unseen()

    def mark_unseen(self) -> None:
        """What the screen shows has just changed: keys pressed before it is drawn wait."""
        self._shown_at = None
        showing = self._showing = object()
        self.call_after_refresh(self._drawn, showing)

    def _drawn(self, showing: object) -> None:
        if showing is self._showing:
            self._painted()

    def frame_painted(self, started: float) -> None:
        # The first frame after a change is when the learner can see it, even if some
        # widgets are still filling in. The after-refresh callback is the fallback.
        if self._showing is not None:
            self._painted(started)

    def _painted(self, at: float | None = None) -> None:
        self._showing = None
        if self.is_current:  # drawn under another screen is not shown: resuming marks it
            self._shown_at = _now() if at is None else at

    def on_key(self, event: events.Key) -> None:
        # Keys a focused widget acts on (the quiz's choices take enter) reach the screen
        # on their way to the app's bindings: one typed ahead stops here.
        if event.key in self.LEAVING_KEYS and self.typed_ahead(event.key, event.time):
            event.stop()
            event.prevent_default()

    def typed_ahead(self, key: str | None = None, at: float | None = None) -> bool:
        """Whether a key (by default the one being handled) was pressed before this screen
        was shown.

        Says so (once for a burst of keys) and returns True; False for a key pressed since,
        and for anything that is not a key (a click, the palette, a timer).
        """
        if key is None or at is None:
            pressed = getattr(self.app, "key_pressed", None)
            if pressed is None:
                return False
            key, at = pressed
        if self._shown_at is not None and at >= self._shown_at:
            return False
        if at - self._told_at > NOTICE_SECONDS:
            self._told_at = at
            self.notify(TYPED_AHEAD.format(key=_key_name(key)), timeout=NOTICE_SECONDS)
        return True


def _now() -> float:
    return textual_clock()  # the clock Textual stamps key events with


def _key_name(key: str) -> str:
    return "esc" if key == "escape" else key  # as the footer shows it

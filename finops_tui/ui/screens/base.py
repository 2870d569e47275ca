"""What every screen of the game shares."""

from __future__ import annotations

from typing import Any

from textual.await_complete import AwaitComplete
from textual.screen import Screen

from finops_tui.ui.navigator import Navigator, navigator


class GameScreen(Screen):
    """A screen of the game: `self.game` is its app, typed as a `Navigator`.

    Only for screens shown by `FinOpsApp` (the class console's screens are not).
    """

    @property
    def game(self) -> Navigator:
        return navigator(self.app)


class LateKeySafe(Screen):
    """A screen that ignores a dismiss arriving after it has already gone.

    Textual's `dismiss` pops whatever screen is on top. A second enter or click queued
    before the first one closed this screen would otherwise close the screen below.
    """

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if self.app.screen is not self:
            return AwaitComplete.nothing()
        return super().dismiss(result)

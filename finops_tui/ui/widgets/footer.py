"""The footer: every key of the screen; the palette key too, when there is room for it."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

PALETTE_ROOM = 100  # columns: below this, the screen's own keys need the whole line


class GameFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)

    def on_resize(self, event: events.Resize) -> None:
        wide = event.size.width >= PALETTE_ROOM
        if wide != self.show_command_palette:
            self.show_command_palette = wide

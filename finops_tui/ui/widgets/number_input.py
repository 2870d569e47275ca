"""A numeric Input that lets letter keys through to the screen's bindings."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

DIGITS = set("0123456789")


class NumberInput(Input):
    """Digits (and one decimal point) go in the box; any other key is a command.

    A plain Input swallows every printable key, so `n` (end turn) or `?` (help) would
    do nothing while a number field has focus. Here they bubble up to the bindings.
    """

    def __init__(self, value: str = "", *, integer: bool = False, **kwargs) -> None:
        self.integer = integer
        allowed = r"[0-9]*" if integer else r"[0-9]*\.?[0-9]*"
        super().__init__(value, restrict=allowed, compact=True, select_on_focus=True, **kwargs)

    def on_mount(self) -> None:
        if self.app.animation_level == "none":
            self.cursor_blink = False  # steady screenshots, calmer over slow links

    def _is_ours(self, character: str | None) -> bool:
        return character is not None and (
            character in DIGITS or (character == "." and not self.integer)
        )

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # Tells the binding system which keys this field takes; the rest reach the screen.
        return self._is_ours(character)

    async def on_key(self, event: events.Key) -> None:
        # Runs before Input's own handler (Textual dispatches down the MRO).
        if event.is_printable and not self._is_ours(event.character):
            # Not ours: skip Input's handler but let the key bubble to the bindings.
            event.prevent_default()

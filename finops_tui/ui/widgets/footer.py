"""The footer: every key of the screen; the palette key too, when there is room for it."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from finops_tui.ui.textual_fixes import FooterKey, set_footer_key_enabled

PALETTE_ROOM = 100  # columns: below this, the screen's own keys need the whole line

# One shown key: (key, as shown, action, description, tooltip), then whether it is enabled.
_Shown = tuple[tuple[str, str, str, str, str], bool]


class GameFooter(Footer):
    """Textual's footer, rebuilt only when the keys it shows change.

    Textual rebuilds the footer whenever the bindings may have changed: after every
    focus move and every `refresh_bindings`. That remounts a dozen widgets and lays out
    the whole screen, about 15 ms a time. Here, the same keys are left alone, and a key
    that is only enabled or disabled is updated where it is.
    """

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._composed: list[_Shown] | None = None
        # Footer shows no keys until its first bindings_changed (its own flag is private).
        self._bindings_known = False

    def on_resize(self, event: events.Resize) -> None:
        wide = event.size.width >= PALETTE_ROOM
        if wide != self.show_command_palette:
            self.show_command_palette = wide
            if self._composed is not None:  # already showing keys: show them again
                self.call_after_refresh(self.recompose)

    def _shown(self) -> list[_Shown]:
        shown = [
            ((b.key, self.app.get_key_display(b), b.action, b.description, tooltip or ""), enabled)
            for (_node, b, enabled, tooltip) in self.screen.active_bindings.values()
            if b.show
        ]
        # Whether the palette key is shown changes what is laid out, not what is enabled.
        return [*shown, (("palette", "", str(self.show_command_palette), "", ""), True)]

    def compose(self) -> ComposeResult:
        self._composed = self._shown() if self._bindings_known else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_known = True
        composed = self._composed
        if (
            composed is not None
            and self.is_attached
            and screen is self.screen
            and screen.app.app_focus
        ):
            shown = self._shown()
            if shown == composed:
                return
            if [key for key, _ in shown] == [key for key, _ in composed]:
                enabled = {(key[0], key[2]): on for key, on in shown}
                for footer_key in self.query(FooterKey):
                    on = enabled.get((footer_key.key, footer_key.action))
                    if on is not None:
                        set_footer_key_enabled(footer_key, on)
                self._composed = shown
                return
        super().bindings_changed(screen)

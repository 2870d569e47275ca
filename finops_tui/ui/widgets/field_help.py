"""The help of the focused decision, under the form: every line of it, never cut."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.widgets import Static


class FieldHelp(Static):
    """As tall as the longest help it may show, so moving between fields lays nothing out.

    Sized on resize (its width is known then), not per focus: a height that followed
    each text would make the form above jump as the player tabs through it.
    """

    def __init__(self, texts: Sequence[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.texts = list(texts)

    def lines_needed(self, width: int) -> int:
        """Lines the longest text takes when wrapped at `width` cells."""
        if width <= 0:
            return 1
        console = self.app.console
        return max((len(Text(t).wrap(console, width)) for t in self.texts if t), default=1)

    def on_resize(self, event: events.Resize) -> None:
        height = self.lines_needed(self.content_region.width) + self.styles.gutter.height
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height

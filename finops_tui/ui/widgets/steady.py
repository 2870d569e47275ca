"""Text panels that redraw only themselves when their height stays the same.

`Static.update` lays the whole screen out again by default. On the turn screen that is
about 40 ms a time, and every decision updates three panels. A panel whose new text
has the same height as the old only needs itself repainted.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


class SteadyStatic(Static):
    """A Static whose `show_content` skips unchanged text and layouts that change nothing."""

    _shown: VisualType | None = None

    def show_content(self, content: VisualType) -> None:
        if self._shown is not None and content == self._shown:
            return
        self._shown = content
        width, height = self.content_size
        self.update(content, layout=False)
        if not width or self.visual.get_height(self.styles, width) != height:
            self.refresh(layout=True)

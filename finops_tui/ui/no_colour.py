"""NO_COLOR as https://no-color.org means it: no colour at all, not Textual's greys."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from textual.color import Color
from textual.filter import ANSIToTruecolor, LineFilter, Monochrome


class WithoutColour(LineFilter):
    """Drop every colour from the segments; bold, dim, reverse and underline stay."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text, None if style is None else style.without_color, control)
            for text, style, control in segments
        ]


WITHOUT_COLOUR = WithoutColour()


def no_colour_filters(filters: Sequence[LineFilter]) -> list[LineFilter]:
    """Textual's filters under NO_COLOR, its greys (Monochrome) replaced by no colour."""
    kept = [f for f in filters if not isinstance(f, Monochrome | ANSIToTruecolor)]
    return [*kept, WITHOUT_COLOUR]

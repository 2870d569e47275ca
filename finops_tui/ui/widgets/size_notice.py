"""A line over the screen when the terminal is smaller than the game is laid out for."""

from __future__ import annotations

from textual.app import RenderResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

MIN_SIZE = Size(80, 24)  # every screen is laid out for this at least


def size_problem(size: Size) -> str | None:
    """What to tell a player whose terminal is `size`; None when it is big enough."""
    if size.width >= MIN_SIZE.width and size.height >= MIN_SIZE.height:
        return None
    return (
        f"Terminal {size.width}x{size.height}: the game needs "
        f"{MIN_SIZE.width}x{MIN_SIZE.height}. Enlarge the window or shrink the font; "
        "play goes on below."
    )


class SizeNotice(Widget):
    """Drawn over the top of the screen, taking no room from its layout."""

    DEFAULT_CSS = """
    SizeNotice {
        position: absolute;
        overlay: screen;
        offset: 0 0;
        width: 100%;
        height: auto;
        padding: 0 1;
        background: $warning;
        color: $text;
        text-style: bold reverse;
    }
    SizeNotice:nocolor {
        text-style: bold reverse;
    }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self) -> RenderResult:
        return self.text

    def show(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.refresh(layout=True)


def show_size_notice(screen: Screen, size: Size) -> None:
    """Put the notice on `screen` while the terminal is too small; take it off when not."""
    problem = size_problem(size)
    notices = list(screen.query_children(SizeNotice))
    if problem is None:
        for notice in notices:
            notice.remove()
    elif notices:
        notices[0].show(problem)
    else:
        screen.mount(SizeNotice(problem))

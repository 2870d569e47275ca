"""Pick one of a few things by name (a plan to load, a finished game to import)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.widgets.footer import GameFooter


class PickScreen(LateKeySafe, ModalScreen[Any]):
    """A titled list; enter dismisses with the chosen item's value, esc with None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel", id="pick.cancel"),
    ]

    def __init__(self, title: str, items: list[tuple[str, Any]], empty: str) -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-box", classes="dialog"):
            yield Static(self.title_text, id="pick-title", markup=False)
            # Names come from files and players: shown as text, never as markup.
            yield OptionList(
                *[Option(Text(label), id=str(i)) for i, (label, _) in enumerate(self.items)]
            )
            yield Static(
                "enter chooses · esc cancels" if self.items else self.empty,
                classes="hint",
                markup=False,
            )
        yield GameFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.items[int(event.option.id or 0)][1])

    def action_close(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        return None

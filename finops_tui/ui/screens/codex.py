"""The codex: FinOps and AI-cost concepts, opened at the one that matters here."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from finops_tui.gameplay.codex import codex, concept_from_link, entry
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.widgets.footer import GameFooter


class CodexScreen(LateKeySafe, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="codex.close"),
        Binding("right,l", "read", "Read", id="codex.read", show=False),
        Binding("left,h", "list", "Entries", id="codex.list", show=False),
    ]

    def __init__(self, concept: str | None = None) -> None:
        super().__init__()
        self.concept = entry(concept).id

    def compose(self) -> ComposeResult:
        with Horizontal(id="codex-box", classes="dialog"):
            yield OptionList(
                *[Option(e.title, id=e.id) for e in codex().values()], id="codex-list", markup=False
            )
            with VerticalScroll(id="codex-body", classes="reading"):
                yield Markdown(entry(self.concept).markdown, open_links=False, id="codex-text")
        yield Static(" Codex · up/down choose · right reads · esc closes", classes="hint")
        yield GameFooter()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = options.get_option_index(self.concept)
        options.focus()

    @on(OptionList.OptionHighlighted, "#codex-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.concept:
            self.show_entry(event.option.id)

    @on(OptionList.OptionSelected, "#codex-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#codex-body").focus()

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        concept = concept_from_link(event.href)
        if concept is not None and concept in codex():
            options = self.query_one(OptionList)
            options.highlighted = options.get_option_index(concept)
            self.show_entry(concept)

    def show_entry(self, concept: str) -> None:
        self.concept = concept
        self.query_one("#codex-text", Markdown).update(entry(concept).markdown)
        self.query_one("#codex-body").scroll_home(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_read(self) -> None:
        self.query_one("#codex-body").focus()

    def action_list(self) -> None:
        self.query_one(OptionList).focus()

    def codex_topic(self) -> str | None:
        return None

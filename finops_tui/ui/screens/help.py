"""Help: every key of every screen, and what it does, built from the bindings themselves."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.widgets.footer import GameFooter

KEY_NAMES = {
    "question_mark": "?",
    "escape": "esc",
    "enter": "enter",
    "space": "space",
    "ctrl+p": "ctrl+p",
    "ctrl+q": "ctrl+q",
}

CONTROLS = """
## Moving around

| key | what it does |
|---|---|
| tab / shift+tab | next / previous control |
| up, down | move in a list, a table or a choice |
| enter or space | open a menu, pick a choice, flip a switch |
| digits | type a number; enter moves to the next field |
| ctrl+p | the command palette: every action, by name |
| ctrl+q | quit at once (your game is autosaved after every turn) |

The mouse works too: click a control, a tab or a row; hover a decision for its help.
"""


def _keys(binding: Binding) -> str:
    keys = binding.key_display or binding.key
    return " / ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def help_markdown(sections: list[tuple[str, list[Binding]]]) -> str:
    out = ["# Keys", "", "Every screen shows its keys in the footer at the bottom.", ""]
    for title, bindings in sections:
        shown = [b for b in bindings if b.description]
        if not shown:
            continue
        out += [f"## {title}", "", "| key | what it does |", "|---|---|"]
        out += [f"| {_keys(b)} | {b.tooltip or b.description} |" for b in shown]
        out.append("")
    out.append(CONTROLS)
    return "\n".join(out)


class HelpScreen(LateKeySafe, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")
    ]

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Static(" Help · esc closes", classes="status-bar")
            with VerticalScroll(id="help-body", classes="reading"):
                yield Markdown(help_markdown(self.sections), open_links=False)
        yield GameFooter()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        return "finops-phases"

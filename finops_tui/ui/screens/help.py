"""Help: every key of every screen, and what it does, built from the bindings themselves."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

from finops_tui.ui.keymap import KeymapStatus
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


def _keys(binding: Binding, keymap: dict[str, str]) -> str:
    changed = keymap.get(binding.id or "")
    keys = changed or binding.key_display or binding.key
    shown = " / ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))
    return f"{shown} (yours)" if changed else shown


def _literal(text: str) -> str:
    """A path or a message as code: Markdown and markup in it stay as typed."""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def keymap_markdown(
    status: KeymapStatus | None, sections: list[tuple[str, list[Binding]]]
) -> list[str]:
    """Where the player's keymap file is, what it changed (or why it was set aside), and
    the ids a keymap names keys by."""
    if status is None:
        return []
    out = ["## Your keys", "", f"Keymap file: {_literal(str(status.path))}", ""]
    if status.problem is not None:
        out += [f"Not applied, the default keys are in use: {_literal(status.problem)}", ""]
    elif status.changed:
        out += ["| binding id | your keys |", "|---|---|"]
        out += [f"| {_literal(i)} | {_literal(k)} |" for i, k in status.changed]
        out.append("")
    else:
        out += ["None changed: every key is the game's default.", ""]
    out += [
        'Change a key with a line such as `"turn.end" = "e"` in that file (README:'
        " Changing keys). The ids:",
        "",
    ]
    for title, bindings in sections:
        ids = [b.id for b in bindings if b.id and b.description]
        if ids:
            out.append(f"- {title}: {', '.join(_literal(i) for i in ids)}")
    out.append("")
    return out


def help_markdown(
    sections: list[tuple[str, list[Binding]]], keymap: KeymapStatus | None = None
) -> str:
    applied = keymap.keymap if keymap is not None else {}
    out = ["# Keys", "", "Every screen shows its keys in the footer at the bottom.", ""]
    for title, bindings in sections:
        shown = [b for b in bindings if b.description]
        if not shown:
            continue
        out += [f"## {title}", "", "| key | what it does | id |", "|---|---|---|"]
        out += [
            f"| {_keys(b, applied)} | {b.tooltip or b.description} | {b.id or ''} |" for b in shown
        ]
        out.append("")
    out += keymap_markdown(keymap, sections)
    out.append(CONTROLS)
    return "\n".join(out)


class HelpScreen(LateKeySafe, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")
    ]

    def __init__(
        self, sections: list[tuple[str, list[Binding]]], keymap: KeymapStatus | None = None
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Static(" Help · esc closes", classes="status-bar")
            with VerticalScroll(id="help-body", classes="reading"):
                yield Markdown(help_markdown(self.sections, self.keymap), open_links=False)
        yield GameFooter()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        return "finops-phases"

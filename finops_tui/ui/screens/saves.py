"""Saves: resume an unfinished game, load a named save, keep the current game by name."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from finops_tui.content.errors import ContentError
from finops_tui.gameplay.format import stars
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.screens.seen import SeenBeforeLeaving, leaves
from finops_tui.ui.widgets.footer import GameFooter


def _status(entry: Any) -> str:
    if entry.problem is not None:
        return "cannot be loaded"
    if not entry.finished:
        return f"after turn {entry.turn}"
    # Several finished games of one level are told apart by how they went.
    score = getattr(entry, "score", None)
    return "finished" if score is None else f"finished {score:.1f} {stars(entry.stars or 0)}"


def _delete_question(entry: Any) -> str:
    what = "save" if not getattr(entry, "autosave", False) else "autosave"
    # ConfirmScreen shows markup; a player name is text someone typed.
    who = f", {escape(entry.player)}" if entry.player else ""
    lost = ""
    if entry.finished and entry.problem is None:
        lost = " The finished game goes, with its quiz answers and writing."
    return (
        f"Delete the {what} {escape(repr(entry.path.name))} ({entry.level or '?'}{who}, "
        f"{_status(entry)})?{lost}"
    )


class SaveMenuScreen(LateKeySafe, SeenBeforeLeaving, ModalScreen[Any]):
    """A list of saves; enter loads one (dismisses with its SaveEntry)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "load", "Load", id="saves.load", priority=True),
        Binding("x", "delete", "Delete", id="saves.delete", tooltip="Delete the highlighted save"),
        Binding("escape", "close", "Close", id="saves.close"),
    ]

    def __init__(self, entries: list[Any], title: str = "Saved games") -> None:
        super().__init__()
        self.entries = entries
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(id="saves-box", classes="dialog"):
            yield Static(
                f" {self.heading} · enter loads · esc closes", classes="status-bar", markup=False
            )
            yield DataTable(id="saves-table", cursor_type="row")
            yield Static(id="save-problem", markup=False)
        yield GameFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Name", key="name")
        table.add_column("Level", key="level")
        table.add_column("Player", key="player")
        table.add_column("Status", key="status")
        self._fill()
        table.focus()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for i, e in enumerate(self.entries):
            name = "autosave" if getattr(e, "autosave", False) else e.name
            style = "dim" if e.problem else ""
            table.add_row(
                Text(name, style=style),
                Text(e.level or "?"),
                Text(e.player or "-"),
                Text(_status(e), style=style),
                key=str(i),
            )
        if not self.entries:
            self.query_one("#save-problem", Static).update("No saves yet.")

    def _current(self) -> Any:
        table = self.query_one(DataTable)
        if not self.entries or not table.row_count:
            return None
        return self.entries[table.cursor_row]

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        entry = self._current()
        problem = entry.problem if entry is not None and entry.problem else ""
        self.query_one("#save-problem", Static).update(problem)

    @leaves
    def action_load(self) -> None:
        entry = self._current()
        if entry is None:
            return
        if entry.problem is not None:
            self.notify(entry.problem, title="This save cannot be loaded", severity="error")
            return
        self.dismiss(entry)

    @leaves
    def action_delete(self) -> None:
        entry = self._current()
        store = self.game.store
        if entry is None or store is None:  # no saves folder: the menu lists no save
            return
        from finops_tui.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                store.delete(entry.path)
            except ContentError as exc:
                self.notify("\n".join(exc.problems), severity="error")
                return
            self.entries = [e for e in self.entries if e is not entry]
            self._fill()

        self.app.push_screen(
            ConfirmScreen(_delete_question(entry), "Delete", "Keep"),
            answered,
        )

    def action_close(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        return None


class SaveNameScreen(LateKeySafe, ModalScreen[str | None]):
    """Type a name for the current game; dismisses with the name, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel", id="save-name.cancel"),
    ]

    def __init__(self, check: Any, question: str = "Save this game as:") -> None:
        super().__init__()
        self.check = check  # name -> problem text, or None when it can be saved
        self.question = question
        self._confirmed: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="save-name-box", classes="dialog"):
            yield Static(self.question, id="save-name-question", markup=False)
            yield Input(placeholder="a name, e.g. team-blue", id="save-name", max_length=64)
            yield Static(
                "enter saves · esc cancels", id="save-name-problem", classes="hint", markup=False
            )
        yield GameFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        problem = self.check(name)
        line = self.query_one("#save-name-problem", Static)
        if problem is not None and problem.startswith("exists:") and self._confirmed != name:
            self._confirmed = name
            line.update(f"A save named {name!r} exists: press enter again to replace it.")
            return
        if problem is not None and not problem.startswith("exists:"):
            line.update(problem)
            return
        self.dismiss(name)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._confirmed = None

    def action_close(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        return None

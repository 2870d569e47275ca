"""Export: choose what to write, keep or type its name, and read where it went."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from finops_tui.content.errors import ContentError
from finops_tui.gameplay.exports import (
    ExportKind,
    export_target,
    game_exports,
    kind_for,
    run_export,
    unique_path,
)
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.widgets.footer import GameFooter


def export_folder(app: object) -> Path:
    """The session's saves folder: exports sit beside the saves they come from."""
    from finops_tui.content.saves import saves_dir

    store = getattr(app, "store", None)
    return Path(store.folder) if store is not None else saves_dir()


def exports_confined(app: object) -> bool:
    """A hosted player (an SSH team, a web visitor) writes only into its own folder.

    A game served in a browser is hosted even without a class: its visitor must not name
    files on a machine that is not theirs.
    """
    return getattr(app, "class_link", None) is not None or bool(getattr(app, "is_web", False))


def _prompt(kind: ExportKind, chosen: bool) -> str:
    return f"{'▸' if chosen else ' '} {kind.label}"


class ExportScreen(LateKeySafe, ModalScreen[None]):
    """Enter on a choice writes it under the name below; tab to the name to change it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="export.close"),
    ]

    class Finished(Message):
        """Files written (one line each), or why not (from the worker)."""

        def __init__(self, lines: list[str], problem: str | None) -> None:
            super().__init__()
            self.lines = lines
            self.problem = problem

    def __init__(
        self, title: str, kinds: list[ExportKind], folder: Path, confined: bool = False
    ) -> None:
        super().__init__()
        self.heading = title
        self.kinds = kinds
        self.folder = folder
        self.confined = confined
        self.writing = False
        self.written: list[str] = []
        self._confirmed: Path | None = None
        self._suggested = -1  # the export whose name the field holds

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box", classes="dialog"):
            yield Static(f" {self.heading} · esc closes", classes="status-bar", markup=False)
            yield OptionList(
                *[Option(_prompt(kind, i == 0), id=str(i)) for i, kind in enumerate(self.kinds)],
                id="export-kinds",
                markup=False,
            )
            with Horizontal(id="export-name-row"):
                yield Label("File name", id="export-name-label", markup=False)
                yield Input(id="export-name", max_length=400, compact=True)
            where = (
                f"A name goes into {self.folder}."
                if self.confined
                else f"A name goes into {self.folder}; a path goes where it says."
            )
            yield Static(where, id="export-where", classes="hint", markup=False)
            yield Static("enter writes · tab edits the name", id="export-status", markup=False)
        yield GameFooter()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        self._suggest(self.kinds[0])
        options.focus()

    def chosen(self) -> ExportKind:
        index = self.query_one(OptionList).highlighted
        return self.kinds[index or 0]

    def _suggest(self, kind: ExportKind) -> None:
        self._suggested = self.kinds.index(kind)
        self.query_one("#export-name", Input).value = unique_path(
            self.folder, kind.default_name
        ).name

    @on(OptionList.OptionHighlighted, "#export-kinds")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        options = self.query_one(OptionList)
        for i, kind in enumerate(self.kinds):  # a marker, not only a colour, shows the choice
            options.replace_option_prompt_at_index(i, _prompt(kind, i == event.option_index))
        if event.option_index != self._suggested:
            # The first highlight (on mount) may arrive after the player started typing.
            self._suggest(self.kinds[event.option_index])
        self._confirmed = None

    @on(OptionList.OptionSelected, "#export-kinds")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.export(self.query_one("#export-name", Input).value)

    @on(Input.Submitted, "#export-name")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.export(event.value)

    @on(Input.Changed, "#export-name")
    def _name_changed(self, event: Input.Changed) -> None:
        self._confirmed = None

    def export(self, typed: str) -> None:
        """Check the name, ask before replacing a file, then write in a worker."""
        if self.writing:
            return
        status = self.query_one("#export-status", Static)
        try:
            path = export_target(typed, self.folder, self.kinds, self.confined, self.chosen())
            exists = path.exists()
        except (ValueError, OSError) as exc:
            status.update(Text(f"Not written: {exc}.", style="bold"))
            return
        if exists and self._confirmed != path:
            self._confirmed = path
            status.update(Text(f"{path} exists: press enter again to replace it.", style="bold"))
            return
        self._confirmed = None
        kind = kind_for(path, self.kinds, self.chosen())
        self.writing = True
        status.update(f"Writing {path}…")
        self.refresh_bindings()
        self._write(kind, path)

    @work(thread=True, exclusive=True, group="export")
    def _write(self, kind: ExportKind, path: Path) -> None:
        try:
            confined_to = self.folder if self.confined else None
            lines, problem = run_export(kind, path, confined_to), None
        except ContentError as exc:
            lines, problem = [], "\n".join(exc.problems)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Finished(lines, problem))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        self.writing = False
        self.refresh_bindings()
        status = self.query_one("#export-status", Static)
        if message.problem is not None:
            status.update(Text(f"Not written: {message.problem}", style="bold"))
            self.app.notify(message.problem, title="Not exported", severity="error")
            return
        self.written += message.lines
        text = Text("Wrote:", style="bold")
        for line in message.lines:
            text.append(f"\n  {line}")
        text.append("\nenter writes another · esc closes", style="dim")
        status.update(text)
        self.app.notify("\n".join(message.lines), title="Exported", timeout=6)
        self._suggest(self.chosen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close":
            return not self.writing  # stay until the player has read where the file went
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        return "focus"


def open_game_export(app: App, session: GameSession) -> None:
    """The debrief's export: the same files as `finops-tui export SAVE --focus/--report`."""
    learning = getattr(session, "learning", None)
    justification = str(getattr(learning, "justification", "") or "")
    kinds = game_exports(session.scenario, session.state, session.player, justification)
    app.push_screen(
        ExportScreen("Export this game", kinds, export_folder(app), exports_confined(app))
    )

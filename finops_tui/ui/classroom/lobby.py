"""The first screen of a team in a hosted class: who you are, what you will play, what's next."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from finops_tui.gameplay.session import GameSession
from finops_tui.ui.classroom.scoreboard import phase_line


class LobbyScreen(Screen):
    """Light on purpose: thirty teams open it at once on a two-core host."""

    DEFAULT_CSS = """
    LobbyScreen { align: center middle; }
    LobbyScreen > Vertical { width: 76; max-width: 100%; height: auto; padding: 1 2;
                             border: round $primary; }
    LobbyScreen #lobby-level { text-style: bold; }
    LobbyScreen #lobby-phase { margin-top: 1; color: $warning; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "briefing", "Read the briefing", id="lobby.briefing"),
    ]

    def __init__(self, session: GameSession, link) -> None:
        super().__init__()
        self.session = session
        self.link = link

    def compose(self) -> ComposeResult:
        level = self.session.level
        with Vertical():
            yield Static(f"Connected as team {self.session.player}.", id="lobby-team", markup=False)
            yield Static(level.title, id="lobby-level", markup=False)
            yield Static(level.summary, id="lobby-summary", markup=False)
            yield Static(
                f"{level.turns} {level.period}s, seed {self.session.seed}: every team plays "
                "the same world, so the scoreboard compares strategies, not luck.",
                id="lobby-rules",
                markup=False,
            )
            yield Static("", id="lobby-phase", markup=False)
            yield Static(
                "Enter: read the briefing.  k: the class scoreboard.", id="lobby-keys", markup=False
            )
        yield Footer()

    def on_mount(self) -> None:
        self.show_phase()
        self.set_interval(1.0, self.show_phase)

    def show_phase(self) -> None:
        self.link.read()
        self.query_one("#lobby-phase", Static).update(phase_line(self.link.control))

    def action_briefing(self) -> None:
        from finops_tui.ui.screens.briefing import BriefingScreen

        self.app.switch_screen(BriefingScreen(self.session))

"""The first screen of a team in a hosted class: who you are, what you will play, what's next."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from finops_tui.gameplay.seats import SEATS, TEAM_SLOT, seat_name
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
        Binding("1", "sit('it')", "IT seat", id="lobby.sit-it"),
        Binding("2", "sit('finance')", "Finance seat", id="lobby.sit-finance"),
        Binding("3", "sit('data-science')", "DS seat", id="lobby.sit-data-science"),
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
            if getattr(self.app, "seat_link", None) is not None:
                yield Static("", id="lobby-seat", markup=False)  # a seated team's member
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
        self.show_seat()

    def show_seat(self) -> None:
        seats = getattr(self.app, "seat_link", None)
        if seats is None or not self.query("#lobby-seat"):
            return
        free = ", ".join(
            f"{n} {seat_name(s)}" for n, s in enumerate(SEATS, 1) if s in seats.free_seats()
        )
        if seats.slot is None and seats.requested == TEAM_SLOT:
            text = f"Pick a seat: {free or 'none free'}. Until you do, you watch."
        elif seats.slot is None:
            text = f"Your seat is taken: you watch. Free seats: {free or 'none'}."
        elif seats.slot == TEAM_SLOT:
            text = f"You play every seat nobody sits in. Take a seat: {free or 'none free'}."
        else:
            text = f"Your seat: {seat_name(seats.slot)}." + (f" Free: {free}." if free else "")
        self.query_one("#lobby-seat", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sit":
            seats = getattr(self.app, "seat_link", None)
            return seats is not None and parameters[0] in seats.free_seats()
        return True

    def action_sit(self, seat: str) -> None:
        seats = getattr(self.app, "seat_link", None)
        if seats is None:
            return
        if seats.sit(seat):
            self.notify(f"You sit in the {seat_name(seat)} seat.", timeout=3)
        else:
            self.notify(f"The {seat_name(seat)} seat is taken.", severity="warning", timeout=3)
        self.show_seat()
        self.refresh_bindings()

    def action_briefing(self) -> None:
        from finops_tui.ui.screens.briefing import BriefingScreen

        self.app.switch_screen(BriefingScreen(self.session))

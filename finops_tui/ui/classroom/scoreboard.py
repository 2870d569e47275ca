"""The live scoreboard: every team's turn, spend and score so far, for teams and projector."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from finops_tui.content.classroom import ClassDir, Control, TeamStatus
from finops_tui.gameplay.seats import SEAT_SHORT, SLOTS
from finops_tui.ui.classroom.hosted import HostedApp

REFRESH_SECONDS = 1.0


def ranked(statuses: list[TeamStatus]) -> list[TeamStatus]:
    """Higher score first; then lower spend; then further along; then name."""
    return sorted(statuses, key=lambda s: (-s.score, s.spend_usd, -s.turn, s.team))


def seats_text(slots: list[str]) -> str:
    """The members of a seated team present, shortly: 'IT Fin DS'."""
    return " ".join(SEAT_SHORT.get(slot, "Team") for slot in SLOTS if slot in slots)


def phase_line(control: Control, now: float | None = None) -> str:
    now = time.time() if now is None else now
    if control.phase == "lobby":
        return "Waiting for the facilitator to start the game"
    if control.phase == "paused":
        return "Paused by the facilitator"
    if control.phase == "ended":
        return "The game is over"
    if control.closed_turn >= control.open_turn:
        return f"Turn {control.closed_turn} is closed; waiting for the next turn to open"
    text = f"Turn {control.open_turn} is open"
    if control.deadline is not None:
        left = max(0, int(control.deadline - now))
        text += f" - {left // 60}:{left % 60:02d} left"
    return text


TOURNAMENT_ROWS = 12  # the projector shows the top of the ranking


def tournament_text(result: dict | None) -> str:
    """The strategy tournament's ranking: return (mean score) with risk (P10) beside it."""
    if not result:
        return ""
    lines = [
        f"Strategy tournament: {result.get('seeds', 0):,} seeds, the same for every team",
        f"  {'#':>2}  {'strategy':<20} {'mean':>6} {'P10 risk':>9} {'P90':>6} {'spend':>12}",
    ]
    for row in result["rows"][:TOURNAMENT_ROWS]:
        try:
            lines.append(
                f"  {int(row['rank']):>2}  {str(row['plan'])[:20]:<20} {float(row['mean']):>6.1f}"
                f" {float(row['p10']):>9.1f} {float(row['p90']):>6.1f}"
                f" {'$' + format(float(row['spend_mean']), ',.0f'):>12}"
            )
        except (KeyError, TypeError, ValueError):
            continue  # a damaged row never hides the others
    return "\n".join(lines)


class Scoreboard(Vertical):
    """The teams ranked, the phase, the latest broadcast and any open poll's results."""

    DEFAULT_CSS = """
    Scoreboard { height: 1fr; }
    Scoreboard #phase { text-style: bold; padding: 0 1; }
    Scoreboard #news { padding: 0 1; color: $text-muted; }
    Scoreboard DataTable { height: 1fr; }
    Scoreboard #poll { padding: 0 1; height: auto; }
    Scoreboard #tournament { padding: 0 1; height: auto; }
    """

    def __init__(self, class_dir: ClassDir, **kwargs) -> None:
        super().__init__(**kwargs)
        self.class_dir = class_dir

    def compose(self) -> ComposeResult:
        yield Static("", id="phase", markup=False)
        yield Static("", id="news", markup=False)
        table = DataTable(id="teams", cursor_type="row", zebra_stripes=True)
        table.add_columns("#", "Team", "Turn", "Spend", "Budget", "Score", "Stars", "")
        yield table
        yield Static("", id="poll", markup=False)
        yield Static("", id="tournament", markup=False)

    def on_mount(self) -> None:
        self.refresh_board()
        self.set_interval(REFRESH_SECONDS, self.refresh_board)

    def refresh_board(self) -> None:
        control = self.class_dir.control()
        now = time.time()
        self.query_one("#phase", Static).update(Text(phase_line(control, now)))
        news = control.broadcasts[-1].text if control.broadcasts else ""
        # Typed by the facilitator: shown as typed, never read as markup.
        self.query_one("#news", Static).update(Text(f"Facilitator: {news}" if news else ""))
        table = self.query_one("#teams", DataTable)
        table.clear()
        for rank, s in enumerate(ranked(self.class_dir.statuses()), start=1):
            state = "finished" if s.finished else ("away" if s.away(now) else "")
            if len(s.seats) > 1 and not s.away(now):  # a seated team: who is playing
                state = " ".join(filter(None, [state, seats_text(s.seats)]))
            table.add_row(
                str(rank),
                Text(s.team),
                f"{s.turn}/{s.turns}",
                f"${s.spend_usd:,.0f}",
                f"${s.budget_usd:,.0f}",
                f"{s.score:.1f}",
                "*" * s.stars or "-",
                state,
                key=s.team,
            )
        self.query_one("#poll", Static).update(Text(self._poll_text(control)))
        ranking = tournament_text(self.class_dir.tournament())
        board = self.query_one("#tournament", Static)
        board.display = bool(ranking)  # no tournament yet: the board is as it always was
        board.update(Text(ranking))

    def _poll_text(self, control: Control) -> str:
        poll = control.poll
        if poll is None:
            return ""
        answers = self.class_dir.poll_answers(poll.id)
        counts = {option: 0 for option in poll.options}
        for answer in answers.values():
            if answer in counts:
                counts[answer] += 1
        total = max(1, len(answers))
        lines = [f"Poll: {poll.question} ({len(answers)} answers)"]
        for option, n in counts.items():
            lines.append(f"  {option[:30]:<30} {'#' * round(20 * n / total):<20} {n}")
        return "\n".join(lines)


class ScoreboardApp(HostedApp, App):
    """`finops-tui scoreboard`: what the projector shows (anyone may connect as projector)."""

    TITLE = "finops-tui scoreboard"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, class_dir: ClassDir) -> None:
        super().__init__()
        self.class_dir = class_dir
        self.host_in(class_dir, "scoreboard")

    def action_command_palette(self) -> None:
        from finops_tui.ui.commands import open_palette

        open_palette(self)  # the hardened palette: a quick double enter closes only it

    def compose(self) -> ComposeResult:
        settings = self.class_dir.settings()
        title = f"{settings.level} - seed {settings.seed}" if settings else "no class here yet"
        yield Static(Text(f" Class scoreboard: {title}"), id="title", markup=False)
        yield Scoreboard(self.class_dir)
        yield Footer()

"""A team's game in a hosted class: it follows the facilitator through the class folder.

Twice a second the link reads `control.json` and acts on a new version: a turn the
facilitator closed is resolved with the team's last decisions, an injected event joins
the level, a broadcast is shown, an open poll is asked (also to a team that joins or
comes back while it is open). After every turn, and every HEARTBEAT_SECONDS, the team's
status is written for the scoreboard; a write that fails is said once and play goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList, Static

from finops_tui.content.classroom import (
    HEARTBEAT_SECONDS,
    ClassDir,
    Control,
    Poll,
    TeamStatus,
    parse_control,
    turn_gate,
)
from finops_tui.content.errors import ContentError
from finops_tui.engine.game import InvalidDecisions, start_decisions
from finops_tui.engine.level import Event
from finops_tui.engine.scenario import Scenario
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.classroom.scoreboard import Scoreboard, phase_line
from finops_tui.ui.navigator import navigator
from finops_tui.ui.screens.base import LateKeySafe

POLL_SECONDS = 0.5


def with_injections(scenario: Scenario, injected: list[Event]) -> Scenario:
    """The scenario with every injected event the level does not hold yet."""
    new = [e for e in injected if e not in scenario.level.injected]
    if not new:
        return scenario
    return Scenario.build(scenario.level.with_injected(new), scenario.catalog)


@dataclass
class ClassLink:
    """What ties one team's app to its class."""

    class_dir: ClassDir
    team: str
    seat: str | None = None  # a seated team's member: its slot (team, it, finance...)
    control: Control = field(default_factory=Control)
    on_problem: Callable[[str], None] | None = None  # tells the player (the app sets it)
    _raw: bytes | None = None
    _told: set[str] = field(default_factory=set)

    def read(self) -> bool:
        """Re-read control.json; True when it changed.

        Every write carries the next version number, so any two writes differ in their
        bytes: two writes in one clock tick (which a file's mtime cannot tell apart) are
        both seen. A missing or damaged file reads as a fresh lobby.
        """
        try:
            raw = self.class_dir.control_path.read_bytes()
        except OSError:
            raw = b""
        if raw == self._raw:
            return False
        self._raw = raw
        self.control = parse_control(raw)
        return True

    def gate(self, turn: int) -> str | None:
        self.read()
        return turn_gate(self.control, turn)

    def tell_once(self, kind: str, text: str) -> None:
        """Say a problem to the player the first time only: a full disk is not news each turn."""
        if kind in self._told or self.on_problem is None:
            return
        self._told.add(kind)
        self.on_problem(text)

    def write_status(self, session: GameSession, connected: bool = True) -> bool:
        """Tell the scoreboard where the team is; False (and the player told once) if it cannot."""
        status = TeamStatus.of_game(self.team, session.state, connected)
        try:
            self.class_dir.write_status(status)
        except (OSError, ContentError):
            # A failed write misses a scoreboard update; the game goes on.
            self.tell_once(
                "status",
                "The class folder cannot be written (is the host's disk full?): the scoreboard "
                "will not show your progress until it can. Your game goes on.",
            )
            return False
        return True


class PollScreen(LateKeySafe, ModalScreen[str | None]):
    """The facilitator's quick poll: pick one option. Question and options are shown as typed."""

    DEFAULT_CSS = """
    PollScreen { align: center middle; }
    PollScreen > Vertical { width: 64; max-width: 95%; height: auto; max-height: 90%;
                            border: thick $primary; padding: 1 2; background: $surface; }
    PollScreen OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "skip", "Skip", id="poll.skip")]  # noqa: RUF012

    def __init__(self, poll: Poll) -> None:
        super().__init__()
        self.poll = poll
        self.question = poll.question
        self.options = poll.options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Poll from the facilitator: {self.question}"), markup=False)
            yield OptionList(*[Text(option) for option in self.options], markup=False)
            yield Label("Enter answers, Esc skips.")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.options[event.option_index])

    def action_skip(self) -> None:
        self.dismiss(None)


class ScoreboardScreen(LateKeySafe, ModalScreen[None]):
    """The class's live scoreboard, over the game."""

    DEFAULT_CSS = """
    ScoreboardScreen { align: center middle; }
    ScoreboardScreen > Vertical { width: 90%; height: 80%; border: thick $primary;
                                  background: $surface; }
    """
    BINDINGS = [Binding("escape,k", "close", "Close", id="scoreboard.close")]  # noqa: RUF012

    def __init__(self, class_dir: ClassDir) -> None:
        super().__init__()
        self.class_dir = class_dir

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(" Class scoreboard")
            yield Scoreboard(self.class_dir)
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


class ClassFollower:
    """Runs in the app: applies the facilitator's decisions to the team's game."""

    def __init__(self, app: App, link: ClassLink) -> None:
        self.app = app
        self.link = link
        self._seen_broadcast = 0
        self._handled: Control | None = None  # the control last acted on
        self._done_polls: set[int] = set()  # answered or skipped here: not asked again
        self._warned: set[tuple[int, int]] = set()  # (turn, seconds left) already said
        self._stuck_turn = 0  # a closed turn no decisions can play: said once, not each tick
        self._beat = 0.0
        from finops_tui.ui.classroom.activities import ActivityFollower

        self.activities = ActivityFollower(app, link)  # the run sheet's activity, opened here

    def start(self) -> None:
        self.link.read()
        self._seen_broadcast = max((b.id for b in self.link.control.broadcasts), default=0)
        self._beat = time.monotonic()
        self.app.set_interval(POLL_SECONDS, self.tick)
        # A poll already open when the team joins (or comes back) is asked now.
        self.app.call_after_refresh(self._poll, self.link.control)
        self.app.call_after_refresh(self.activities.follow, self.link.control)

    @property
    def session(self) -> GameSession | None:
        return getattr(self.app, "session", None)

    def tick(self) -> None:
        link = self.link
        link.read()
        control = link.control
        # Another reader (the lobby, the turn gate) may have read the change first: what
        # counts is whether this follower has acted on this control yet.
        if control is not self._handled:
            self._handled = control
            self._broadcasts(control)
            self._injections(control)
        self._poll(control)
        self.activities.follow(control)
        self._countdown(control)
        self._close_turns(control)
        self._heartbeat()

    def _heartbeat(self) -> None:
        """Rewrite the status now and then, so a killed or frozen game shows as away."""
        session = self.session
        now = time.monotonic()
        if getattr(self.app, "seat_link", None) is not None:
            return  # a seated team's writer writes its status
        if session is None or now - self._beat < HEARTBEAT_SECONDS:
            return
        self._beat = now
        self.link.write_status(session)

    def _broadcasts(self, control: Control) -> None:
        for message in control.broadcasts:
            if message.id > self._seen_broadcast:
                self._seen_broadcast = message.id
                self.app.notify(
                    message.text, title="From the facilitator", timeout=12, markup=False
                )

    def _open_poll_screen(self) -> PollScreen | None:
        return next((s for s in self.app.screen_stack if isinstance(s, PollScreen)), None)

    def _poll(self, control: Control) -> None:
        """Ask the open poll once per team; a dialog for a poll that is over is closed."""
        poll = control.poll
        dialog = self._open_poll_screen()
        if dialog is not None and (poll is None or dialog.poll.id != poll.id):
            if self.app.screen is dialog:
                dialog.dismiss(None)
            return  # the new poll is asked on the next tick, once the old dialog is gone
        if poll is None or dialog is not None or poll.id in self._done_polls:
            return
        try:
            answered_before = self.link.team in self.link.class_dir.poll_answers(poll.id)
        except (OSError, ContentError):
            answered_before = False
        if answered_before:
            self._done_polls.add(poll.id)
            return
        self.app.push_screen(PollScreen(poll), lambda choice: self._answered(poll, choice))

    def _answered(self, poll: Poll, choice: str | None) -> None:
        self._done_polls.add(poll.id)
        if choice is None:
            return
        self.link.read()
        current = self.link.control.poll
        if current is None or current.id != poll.id:
            # A dialog left open past its poll: its answer never counts in another one.
            self.app.notify("That poll had closed; your answer was not counted.", timeout=6)
            return
        try:
            self.link.class_dir.write_poll_answer(poll.id, self.link.team, choice)
        except (OSError, ContentError):
            self.app.notify("Your answer could not be saved on the class host.", severity="warning")

    def _injections(self, control: Control) -> None:
        session = self.session
        if session is None or not control.injected:
            return
        scenario = with_injections(session.scenario, [i.event for i in control.injected])
        if scenario is not session.scenario:
            new = [e for e in scenario.level.injected if e not in session.scenario.level.injected]
            session.scenario = scenario
            for event in new:
                self.app.notify(
                    f"Turn {event.turn}: {event.title}", title="The facilitator added an event"
                )

    def _countdown(self, control: Control) -> None:
        session = self.session
        deadline = control.deadline_for(self.link.team)
        if session is None or deadline is None or control.phase != "playing":
            return
        left = deadline - time.time()
        for mark in (60, 10):
            key = (control.open_turn, mark)
            if 0 < left <= mark and key not in self._warned:
                self._warned.add(key)
                self.app.notify(
                    phase_line(control), title=f"Less than {mark} seconds", severity="warning"
                )

    def _close_turns(self, control: Control) -> None:
        """Resolve every turn the facilitator closed, with the team's last decisions."""
        session = self.session
        if session is None or getattr(self.app, "seat_link", None) is not None:
            return  # a seated team's writer closes its turns; the members follow
        resolved = []
        now = time.time()
        while not session.state.finished and control.must_resolve(
            self.link.team, session.turn, now
        ):
            decisions = session.previous_decisions()
            try:
                record = session.resolve(decisions, force=True)
            except InvalidDecisions:
                try:
                    record = session.resolve(start_decisions(session.scenario), force=True)
                except InvalidDecisions as exc:
                    if self._stuck_turn != session.turn:
                        self._stuck_turn = session.turn
                        self.app.notify(
                            f"{exc}. Change your decisions and end the turn yourself.",
                            title=f"Turn {session.turn} could not be closed",
                            severity="error",
                        )
                    return
            resolved.append(record)
        if not resolved:
            return
        autosave = getattr(self.app, "autosave", None)
        if autosave is not None:
            autosave(session)
        turns = ", ".join(str(r.turn) for r in resolved)
        self.app.notify(
            f"Turn {turns} closed: your last decisions were kept.", title="Time is up", timeout=8
        )
        self._refresh_screens(session)

    def _refresh_screens(self, session: GameSession) -> None:
        from finops_tui.ui.screens.turn import TurnScreen

        if session.state.finished:
            navigator(self.app).show_debrief(session)
            return
        for screen in self.app.screen_stack:
            if isinstance(screen, TurnScreen):
                screen.start_turn()


def resume_or_start(app: App, store, scenario: Scenario, seed: int, team: str) -> GameSession:
    """A team's game: its autosave of this class's level if there is one, else a new game."""
    if store is not None:
        try:
            entries = [
                e
                for e in store.list()
                if e.problem is None and e.level == scenario.level.id and e.seed == seed
            ]
        except (OSError, ContentError):
            entries = []
        for entry in sorted(entries, key=lambda e: (-e.turn, not e.autosave)):
            try:
                loaded, state, save = store.load(entry.path)
            except ContentError:
                continue
            # The team's answers after its debrief come back with its game.
            return GameSession(loaded, state, team, learning=save.learning)
    return GameSession.start(scenario, seed, team)

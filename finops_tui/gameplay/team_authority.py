"""The one writer of a seated team's game: resolves its turns, writes its saves and status.

Every member's process runs one of these in a thread; only the one holding the team's
writer lock acts (the others only try the lock now and then). It resolves a turn when
every member present has signed off, or when the facilitator closed it, from the
members' files (content.seating), and records it in turns.json, which every member's
screen follows. A thread, not the app's event loop: a member whose terminal froze (its
app blocked writing to a client that reads nothing) still resolves the team's turns.
No Textual here.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from finops_tui.content.classroom import (
    HEARTBEAT_SECONDS,
    ClassDir,
    Control,
    TeamStatus,
    parse_control,
    turn_gate,
)
from finops_tui.content.errors import ContentError
from finops_tui.content.nudges import nudge
from finops_tui.content.saves import SaveStore
from finops_tui.content.seating import TeamSeats, TurnCredit, present_slots, release
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import InvalidDecisions, start_decisions
from finops_tui.engine.scenario import Scenario
from finops_tui.gameplay.seats import Change, team_draft, turn_ready
from finops_tui.gameplay.session import GameSession

TICK = 0.05  # seconds between looks at the members' files


def slot_changes(slots: dict, turn: int) -> list[Change]:
    """Every member's changes for `turn`, as the pure merge wants them."""
    return [
        Change(key, c.value, c.at, slot)
        for slot, entry in slots.items()
        if entry.turn == turn
        for key, c in entry.changes.items()
    ]


def signed_slots(slots: dict, turn: int) -> set[str]:
    return {slot for slot, entry in slots.items() if entry.turn == turn and entry.signed}


def follow_log(session: GameSession, credits: list[TurnCredit]) -> list:
    """Play the logged turns `session` has not played yet; returns their records."""
    played = []
    for credit in credits:
        if credit.turn != session.turn or session.state.finished:
            continue
        decisions = Decisions.model_validate(credit.decisions)
        played.append(session.resolve(decisions, force=True))
    return played


def latest_autosave(store: SaveStore, level: str, seed: int) -> Path | None:
    try:
        entries = [
            e
            for e in store.list()
            if e.problem is None and e.autosave and e.level == level and e.seed == seed
        ]
    except (OSError, ContentError):
        return None
    best = max(entries, key=lambda e: e.turn, default=None)
    return best.path if best is not None else None


def load_team_game(store: SaveStore, scenario: Scenario, seed: int, team: str) -> GameSession:
    """The team's game as its autosave left it, else a new one."""
    path = latest_autosave(store, scenario.level.id, seed)
    if path is not None:
        try:
            loaded, state, save = store.load(path)
            return GameSession(loaded, state, team, learning=save.learning, save_path=path)
        except ContentError:
            pass
    return GameSession.start(scenario, seed, team)


@dataclass
class TeamAuthority:
    class_dir: ClassDir
    team: str
    scenario: Scenario
    seed: int
    store: SaveStore
    session: GameSession | None = None
    problem: str | None = None  # the last thing that went wrong, for the member's screen
    _fd: int | None = None
    _signature: tuple = ()
    _slots: dict = field(default_factory=dict)
    _beat: float = 0.0
    _draft: tuple | None = None  # (turn, decisions, who set what)
    _control_raw: bytes | None = None
    _control_now: Control = field(default_factory=Control)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.seats = TeamSeats(self.class_dir, self.team, self.scenario.level.id)

    @property
    def is_writer(self) -> bool:
        return self._fd is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"team-{self.team}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        if self.session is not None and self.is_writer:
            self._write_status(connected=False)
        release(self._fd)
        self._fd = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # a bug here must not kill the thread silently
                said = f"{type(exc).__name__}: {exc}"
                if said != self.problem:  # a failure that repeats is logged once
                    self.class_dir.log_error("play", f"team authority: {exc!r}")
                self.problem = said
                self._stop.wait(1.0)
            self._stop.wait(TICK)

    # --- one look

    def tick(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        if self._fd is None:
            self._fd = self.seats.lock_writer()
            if self._fd is None:
                return
            self._take_over()
        session = self.session
        assert session is not None
        control = self._control()
        signature = self.seats.signature()
        if signature != self._signature:
            self._signature = signature
            self._slots = self.seats.slots()
            self._draft = None
        if not session.state.finished:
            turn = session.turn
            if self._draft is None or self._draft[0] != turn:
                # Recomputed only when a member's file or the turn changed.
                base = session.previous_decisions()
                self._draft = (turn, *team_draft(base, slot_changes(self._slots, turn)))
            _, draft, by = self._draft
            present = present_slots(self._slots, now)
            signed = signed_slots(self._slots, turn) & present
            if control.must_resolve(self.team, turn, now):
                self._resolve(draft, by, sorted(signed), "facilitator")
            elif turn_ready(present, signed) and turn_gate(control, turn) is None:
                self._resolve(draft, by, sorted(signed), "team")
        if now - self._beat >= HEARTBEAT_SECONDS:
            self._write_status()

    def _control(self):
        """control.json, parsed again only when its bytes changed (every write differs)."""
        try:
            raw = self.class_dir.control_path.read_bytes()
        except OSError:
            raw = b""
        if raw != self._control_raw:
            self._control_raw = raw
            self._control_now = parse_control(raw)
            self._inject(self._control_now)
        return self._control_now

    def _take_over(self) -> None:
        """Just became the writer: the game from the save, then the turns logged past it."""
        session = load_team_game(self.store, self.scenario, self.seed, self.team)
        behind = session.turn
        self.session = session
        self._control_raw = None
        self._control()  # the facilitator's injected events, before replaying any turn
        follow_log(session, self.seats.log().turns)
        if session.turn != behind:
            self._save()
        self._write_status()

    def _inject(self, control) -> None:
        from finops_tui.engine.scenario import Scenario as _Scenario

        session = self.session
        if session is None or not control.injected:
            return
        events = [i.event for i in control.injected]
        new = [e for e in events if e not in session.scenario.level.injected]
        if new:
            level = session.scenario.level.with_injected(new)
            session.scenario = _Scenario.build(level, session.scenario.catalog)

    def _resolve(self, draft: Decisions, by: dict, signed: list[str], closed_by: str) -> None:
        session = self.session
        assert session is not None
        tried = [draft, session.previous_decisions(), start_decisions(session.scenario)]
        for decisions in tried if closed_by == "facilitator" else tried[:1]:
            try:
                session.resolve(decisions, force=True)
            except InvalidDecisions as exc:
                self.problem = "; ".join(p.message for p in exc.problems)
                continue
            self.problem = None
            self._save()
            try:
                self.seats.record_turn(
                    TurnCredit(
                        turn=session.state.turn,
                        decisions=decisions.model_dump(),
                        signed=signed,
                        closed_by=closed_by,
                        changed_by=by if decisions is draft else {},
                    )
                )
                nudge(self.seats.folder)  # every member, this one too, follows the turn now
            except ContentError as exc:
                self.problem = "; ".join(exc.problems)
            self._write_status()
            return

    def _save(self) -> None:
        session = self.session
        assert session is not None
        path = session.save_path
        if path is None:
            path = self.store.new_autosave_path(session.level.id, self.team, session.level.setting)
        try:
            session.save_path = self.store.autosave(
                session.scenario, session.state, self.team, session.learning, path=path
            )
        except (OSError, ContentError) as exc:
            self.problem = "; ".join(exc.problems) if isinstance(exc, ContentError) else str(exc)

    def _write_status(self, connected: bool = True) -> None:
        session = self.session
        if session is None:
            return
        self._beat = time.time()
        status = TeamStatus.of_game(
            self.team, session.state, connected, sorted(present_slots(self._slots))
        )
        with contextlib.suppress(OSError, ContentError):
            self.class_dir.write_status(status)  # else a missed scoreboard update

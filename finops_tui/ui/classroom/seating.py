"""A member's side of a seated team: its seat, its file, the team's draft, what it follows.

Twenty times a second the link rewrites this member's file if it changed (its changes,
notes and sign-off for the turn; a heartbeat every few seconds), reads the other
members' files when they changed, and plays every turn the team's writer logged in
turns.json. A member that wrote a change nudges the others (content.nudges), who read
at once instead of at their next look. The team's writer is a TeamAuthority thread in
whichever member's process holds the writer lock (maybe this one); this link never
resolves a turn itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from typing import Any

from textual.app import App

from finops_tui.content.classroom import ClassDir
from finops_tui.content.errors import ContentError
from finops_tui.content.nudges import NudgeListener, listen, nudge
from finops_tui.content.saves import SaveStore
from finops_tui.content.seating import (
    HEARTBEAT,
    SeatChange,
    SeatNote,
    SlotFile,
    TeamSeats,
    present_slots,
    release,
    what_members_say,
)
from finops_tui.engine.decisions import Decisions
from finops_tui.gameplay.fields import decision_fields, decision_text
from finops_tui.gameplay.seats import (
    SEATS,
    TEAM_SLOT,
    clean_note,
    editable_keys,
    merged_values,
    seat_name,
    seat_owners,
    seat_tip_text,
    team_draft,
)
from finops_tui.gameplay.team_authority import (
    TeamAuthority,
    follow_log,
    latest_autosave,
    signed_slots,
    slot_changes,
)

SEAT_TICK = 0.05  # a teammate's change reaches this screen within about this
RETRY_SEAT = 1.0  # seconds between a watcher's tries of the seat it asked for


class SeatLink:
    """One member of a seated team, in its app."""

    def __init__(
        self, app: App, class_dir: ClassDir, team: str, requested: str, store: SaveStore
    ) -> None:
        self.app = app
        self.class_dir = class_dir
        self.team = team
        self.requested = requested
        self.store = store
        self.seats: TeamSeats | None = None  # the team's seats for the level it plays
        self.level_id = ""
        self.seed = 0
        self.slot: str | None = None  # None: watching (the seat asked for was taken)
        self.mine: SlotFile | None = None
        self.slots: dict[str, SlotFile] = {}
        self.present: set[str] = set()
        self.draft: Decisions | None = None
        self.by: dict[str, str] = {}
        self.owners: dict[str, str] = {}
        self.authority: TeamAuthority | None = None
        self._fd: int | None = None
        self._dirty = False
        self._written = 0.0
        self._signature: tuple = ()
        self._seen_by: dict[str, tuple[str, Any]] = {}  # key -> (slot, when) already told
        self._told_problem: str | None = None
        self._tried = time.time()
        self._logged = ""  # the last failure logged, so a repeating one is logged once
        self._follow_failed = False
        self._listener: NudgeListener | None = None
        self._seat_moved = False  # sat down or left: what this member may edit changed

    @property
    def session(self):
        return getattr(self.app, "session", None)

    # --- joining

    def start(self, scenario, seed: int) -> None:
        self.seed = seed
        self._bind(scenario)
        self.tick()
        self.app.set_interval(SEAT_TICK, self.tick)

    def _bind(self, scenario) -> None:
        """Play `scenario`'s level as a team: its seats folder, its writer."""
        self.level_id = scenario.level.id
        self.seats = TeamSeats(self.class_dir, self.team, self.level_id)
        self.owners = seat_owners(
            [f.key for f in decision_fields(scenario)], getattr(scenario.level, "seats", None)
        )
        self.authority = TeamAuthority(self.class_dir, self.team, scenario, self.seed, self.store)
        self.authority.start()
        self._listen()
        self.slots, self.present, self.draft, self.by = {}, set(), None, {}
        self._signature = ()
        self._seen_by.clear()
        self.sit(self.requested)

    def _rebind(self, session) -> None:
        """The facilitator started another level (the run sheet): its own seats, its writer."""
        requested, slot = self.requested, self.slot
        self.leave()
        self.requested = slot or requested  # the member keeps the seat it had chosen
        self._bind(session.scenario)

    def sit(self, slot: str) -> bool:
        """Take `slot` if nobody sits there; keep what an earlier member wrote this turn."""
        if slot == self.slot:
            return True
        try:
            fd = self.seats.lock_slot(slot)
        except (OSError, ContentError):
            fd = None
        if fd is None:
            return False
        self._leave_slot()
        self._fd, self.slot = fd, slot
        self._seat_moved = True
        turn = self.session.turn if self.session is not None else 1
        earlier = self.seats.slots().get(slot)
        if earlier is not None and earlier.turn == turn:
            self.mine = earlier.model_copy(update={"signed": False, "connected": True})
        else:
            self.mine = SlotFile(slot=slot, turn=turn)  # type: ignore[arg-type]
        self._dirty = True
        self._write(time.time())
        if slot in SEATS:
            set_lens = getattr(self.app, "set_lens", None)
            if set_lens is not None:
                set_lens(slot)  # the role lens follows the seat
        return True

    def keep_learning(self, learning) -> str | None:
        """This member's quiz and writing, in its seat's own file; why not, if it cannot."""
        if self.slot is None:
            return "you are watching a seat: take a free one to keep what you write here"
        try:
            self.seats.write_learning(self.slot, learning)
        except (OSError, ContentError) as exc:
            return "; ".join(exc.problems) if isinstance(exc, ContentError) else str(exc)
        return None

    def free_seats(self) -> list[str]:
        taken = present_slots(self.slots) | ({self.slot} if self.slot else set())
        return [s for s in SEATS if s not in taken]

    def _leave_slot(self) -> None:
        if self.mine is not None:
            self.mine = self.mine.model_copy(update={"connected": False})
            self._dirty = True
            self._write(time.time())
        release(self._fd)
        self._fd, self.slot, self.mine = None, None, None
        self._seat_moved = True

    def leave(self) -> None:
        """This member goes: its seat is free at once, its writer's role too."""
        self._leave_slot()
        if self.authority is not None:
            self.authority.stop()
        self._unlisten()

    # --- nudges: a teammate's change read at once

    def _listen(self) -> None:
        self._unlisten()
        listener = listen(self.seats.folder)
        if listener is None:
            return  # no socket here: the timer's looks only
        try:
            asyncio.get_running_loop().add_reader(listener.fileno(), self._nudged)
        except (RuntimeError, NotImplementedError, ValueError):
            listener.close()
            return
        self._listener = listener

    def _unlisten(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        with contextlib.suppress(RuntimeError, ValueError):
            asyncio.get_running_loop().remove_reader(listener.fileno())
        listener.close()

    def _nudged(self) -> None:
        if self._listener is not None and self._listener.drain():
            self.tick()

    # --- what this member does

    def editable(self) -> set[str]:
        seats_here = self.present - {TEAM_SLOT}
        return editable_keys(self.slot, self.owners, seats_here)

    def edited(self, key: str, value: Any) -> None:
        if self.mine is None or key not in self.editable():
            return
        changes = dict(self.mine.changes)
        changes[key] = SeatChange(value=value, at=time.time())
        self.mine = self.mine.model_copy(update={"changes": changes, "signed": False})
        self._dirty = True
        now = time.time()
        if now - self._written >= SEAT_TICK:
            self._write(now)  # at once; a burst of typing is written on the next tick
        session = self.session
        if session is not None:
            self._redraft(session)  # this member's own change is in the draft at once

    def note(self, key: str, text: str) -> None:
        if self.mine is None or key not in self.owners:
            return
        notes = dict(self.mine.notes)
        cleaned = clean_note(text)
        if cleaned:
            notes[key] = SeatNote(text=cleaned, at=time.time())
        else:
            notes.pop(key, None)
        self.mine = self.mine.model_copy(update={"notes": notes})
        self._dirty = True
        self._write(time.time())

    def sign_off(self) -> None:
        if self.mine is None:
            return
        self.mine = self.mine.model_copy(update={"signed": True})
        self._dirty = True
        self._write(time.time())

    def signed(self) -> set[str]:
        session = self.session
        return signed_slots(self.slots, session.turn) & self.present if session else set()

    def others_present(self) -> bool:
        return bool(self.present - {self.slot})

    def notes(self) -> list[tuple[str, str, str]]:
        """(slot, decision key, text) of this turn's notes, newest first."""
        session = self.session
        found = [
            (n.at, slot, key, n.text)
            for slot, entry in self.slots.items()
            if session is not None and entry.turn == session.turn
            for key, n in entry.notes.items()
        ]
        return [(slot, key, text) for _, slot, key, text in sorted(found, reverse=True)]

    def tip_for_seat(self, tip):
        """The advisor's tip as this seat hears it: another seat's decision named as theirs."""
        session = self.session
        if session is None:
            return tip
        concepts = {f.key: f.concept for f in decision_fields(session.scenario)}
        # The advisor's tip may name the decision it recommends changing (`change`).
        key = str(getattr(tip, "change", "") or "")
        text = seat_tip_text(tip.text, tip.concept, self.slot, self.owners, concepts, key)
        return dataclasses.replace(tip, text=text)

    def credit_text(self, turn: int) -> str:
        """Who ended `turn` and who changed what, in a line for the member's screen."""
        credit = next((t for t in self.seats.log().turns if t.turn == turn), None)
        if credit is None:
            return ""
        session = self.session
        labels = {f.key: f.label for f in decision_fields(session.scenario)} if session else {}
        if credit.closed_by == "facilitator":
            text = "Closed by the facilitator."
        else:
            text = "Signed off by " + ", ".join(seat_name(s) for s in credit.signed) + "."
        by_seat: dict[str, list[str]] = {}
        for key, slot in credit.changed_by.items():
            by_seat.setdefault(seat_name(slot), []).append(labels.get(key, key))
        for name, keys in sorted(by_seat.items()):
            text += f" {name} changed {', '.join(keys)}."
        return text

    # --- the loop

    def tick(self) -> None:
        """One look at the team; a failure is logged on the host (once) and the next
        look tries again: a member's game never ends over the team's files."""
        try:
            self._tick()
        except Exception as exc:
            said = f"{type(exc).__name__}: {exc}"
            if said != self._logged:
                self._logged = said
                from finops_tui.ui.classroom.hosted import describe_failure

                self.class_dir.log_error("play", describe_failure(exc))

    def _tick(self) -> None:
        session = self.session
        if session is None:
            return
        now = time.time()
        if session.level.id != self.level_id and not session.watched:
            self._rebind(session)
        if self.slot is None and now - self._tried >= RETRY_SEAT:
            # Watching the seat asked for: its member left (or a terminal taken over is
            # still closing), so this member sits there now.
            self._tried = now
            self.sit(self.requested)
        if self.mine is not None and self.mine.turn != session.turn:
            self.mine = SlotFile(slot=self.mine.slot, turn=session.turn)
            self._dirty = True
        if self._dirty or (self.mine is not None and now - self._written >= HEARTBEAT):
            self._write(now)
        said = self._read_team(session)
        present = present_slots(self.slots, now)
        if self.slot is not None:
            present.add(self.slot)
        if said or present != self.present or self._seat_moved:
            # A member taking a freed seat may find the same files and the same seats
            # present as before (only who sits there changed): its screen redraws too.
            self.present = present
            self._seat_moved = False
            self._redraft(session)
        self._say_problem()

    def _read_team(self, session) -> bool:
        """Read the team's files if any was rewritten; True if a member said something
        new (a change, a note, a sign-off), not only that it is still there.

        Each member rewrites its file every couple of seconds to show it is present: a
        class of thirty redrafting each screen for each of those would keep two cores
        busy for nothing. The turns log is followed when it grows (or, after a turn that
        did not replay, at the next rewrite of any file).
        """
        signature = self.seats.signature()
        if signature == self._signature:
            return False
        log_grew = not self._signature or signature[-1] != self._signature[-1]
        self._signature = signature
        slots = self.seats.slots()
        said = what_members_say(slots) != what_members_say(self.slots)
        self.slots = slots
        if log_grew or self._follow_failed:
            self._follow(session)
        return said

    def _write(self, now: float) -> None:
        """Rewrite this member's file; if it says something new (not only a heartbeat),
        nudge the teammates to read it now."""
        if self.mine is None:
            return
        said = self._dirty
        self.mine = self.mine.model_copy(update={"alive": now})
        try:
            self.seats.write_slot(self.mine)
        except ContentError:
            pass  # the next heartbeat writes it again
        else:
            if said:
                nudge(self.seats.folder, self._listener)
        self._dirty = False
        self._written = now

    def _redraft(self, session) -> None:
        base = session.previous_decisions()
        slots = dict(self.slots)
        if self.mine is not None:
            slots[self.mine.slot] = self.mine  # what this member did, even if not yet written
        changes = slot_changes(slots, session.turn)
        self.draft, self.by = team_draft(base, changes)
        self._tell_changes(session, merged_values(changes))
        screen = self._turn_screen()
        if screen is not None:
            screen.team_changed()

    def _tell_changes(self, session, held: dict) -> None:
        """Say each change another member made, once, with who made it (a change back
        to last turn's value too)."""
        if self.draft is None:
            return
        fields = {f.key: f for f in decision_fields(session.scenario)}
        told = []
        for key, change in held.items():
            slot = change.slot
            value = (slot, change.at)
            if slot == self.slot or self._seen_by.get(key) == value or key not in fields:
                self._seen_by[key] = value
                continue
            self._seen_by[key] = value
            spec = fields[key]
            told.append(f"{seat_name(slot)}: {spec.label} → {decision_text(spec, self.draft)}")
        if told:
            self.app.notify("\n".join(told[:4]), title="Your team changed", timeout=4, markup=False)

    def _follow(self, session) -> None:
        """Play the turns the team's writer logged; show their report."""
        from finops_tui.ui.classroom.link import with_injections

        try:
            # The writer played them with every event the facilitator injected so far.
            injected = [i.event for i in self.class_dir.control().injected]
            session.scenario = with_injections(session.scenario, injected)
            played = follow_log(session, self.seats.log().turns)
            self._follow_failed = False
        except Exception as exc:  # a turn that does not replay here: said, never a crash
            self.class_dir.log_error("play", f"following the team: {exc!r}")
            self._follow_failed = True
            played = []
        if not played:
            return
        session.fresh = False
        session.save_path = latest_autosave(self.store, session.level.id, session.seed)
        self._seen_by.clear()
        from finops_tui.ui.navigator import navigator
        from finops_tui.ui.screens.turn import TurnScreen

        on_turn = isinstance(self.app.screen, TurnScreen)
        if session.state.finished:
            if on_turn:  # the last report first, then the debrief, as when playing alone
                self.app.show_report(
                    session, played[-1], after=lambda _: navigator(self.app).show_debrief(session)
                )
            else:
                navigator(self.app).show_debrief(session)
        else:
            for screen in self.app.screen_stack:
                if isinstance(screen, TurnScreen):
                    screen.start_turn()
            if on_turn:
                self.app.show_report(session, played[-1], after=None)
        credit = self.credit_text(played[-1].turn)
        if credit:
            self.app.notify(credit, title=f"Turn {played[-1].turn}", timeout=8, markup=False)

    def _turn_screen(self):
        from finops_tui.ui.classroom.seated_turn import SeatedTurnScreen

        return next((s for s in self.app.screen_stack if isinstance(s, SeatedTurnScreen)), None)

    def _say_problem(self) -> None:
        problem = self.authority.problem if self.authority is not None else None
        if problem and problem != self._told_problem:
            self.app.notify(problem, title="The team's turn", severity="warning", markup=False)
        self._told_problem = problem

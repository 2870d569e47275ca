"""A team's seats in the class folder: what each member wrote, who is present, who writes.

    CLASS_DIR/seats/TEAM/LEVEL/   (one folder per level the team plays)
      SLOT.json     one member's part of the turn: its changes, notes, sign-off, heartbeat
      SLOT.lock     held (flock) by the member sitting in SLOT for as long as it plays
      writer.lock   held by the one member process that resolves turns and writes saves
      turns.json    every turn the team resolved: its decisions, who signed, who changed what
      nudge-*.sock  where each member process listens for "read now" (content.nudges)

Each SLOT.json has a single writer (the member holding SLOT.lock), turns.json too (the
holder of writer.lock), and every write is atomic: so no two processes ever write one
file, and a killed member leaves whole files behind. A lock dies with its process, so a
killed member frees its seat and its writer's role at once; a member that froze is
seen as away when its heartbeat stops.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finops_tui.content.classroom import ClassDir, valid_team
from finops_tui.content.errors import ContentError
from finops_tui.content.files import atomic_write_text
from finops_tui.content.saves.format import Learning

Slot = Literal["team", "it", "finance", "data-science"]
DecisionKey = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}(\.[a-z_]{1,32})?$")]
Scalar = bool | int | float | str
LEVEL_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # as engine.level.Level.id
HEARTBEAT = 2.0  # seconds between a member's rewrites of its file while it plays
AWAY_AFTER = 8.0  # a member silent this long is away: its seat is free
MAX_KEYS = 64


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeatChange(Model):
    value: Scalar
    at: float


class SeatNote(Model):
    text: Annotated[str, StringConstraints(max_length=120)]
    at: float


class SlotFile(Model):
    """One member's part of the team's turn (written only by that member)."""

    slot: Slot
    turn: int = Field(ge=1)
    changes: dict[DecisionKey, SeatChange] = Field(default_factory=dict, max_length=MAX_KEYS)
    notes: dict[DecisionKey, SeatNote] = Field(default_factory=dict, max_length=MAX_KEYS)
    signed: bool = False
    alive: float = 0.0
    connected: bool = True

    def present(self, now: float) -> bool:
        return self.connected and now - self.alive < AWAY_AFTER


class TurnCredit(Model):
    """A resolved turn, and whom it is owed to."""

    turn: int = Field(ge=1)
    decisions: dict
    signed: list[Slot] = Field(default_factory=list)
    closed_by: Literal["team", "facilitator"] = "team"
    changed_by: dict[DecisionKey, Slot] = Field(default_factory=dict)


class TeamLog(Model):
    turns: list[TurnCredit] = Field(default_factory=list)


def _try_lock(path: Path) -> int | None:
    """An exclusive lock on `path` held through the returned descriptor; None if taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)  # closing the descriptor drops its lock


class TeamSeats:
    """One team's seats folder."""

    def __init__(self, class_dir: ClassDir, team: str, level: str) -> None:
        self.team = valid_team(team)
        if not LEVEL_ID.fullmatch(level):
            raise ContentError([f"{class_dir.root}: {level[:40]!r} is not a level id"])
        self.level = level
        self.folder = class_dir.root / "seats" / self.team / level

    def slot_path(self, slot: str) -> Path:
        if slot not in ("team", "it", "finance", "data-science"):
            raise ContentError([f"{self.folder}: {slot!r} is not a seat"])
        return self.folder / f"{slot}.json"

    @property
    def log_path(self) -> Path:
        return self.folder / "turns.json"

    # --- locks: who sits where, who writes
    def lock_slot(self, slot: str) -> int | None:
        """Sit in `slot`: a descriptor to keep while playing; None if someone sits there."""
        return _try_lock(self.slot_path(slot).with_suffix(".lock"))

    def lock_writer(self) -> int | None:
        """Become the team's writer (resolves turns, writes saves); None if another is."""
        return _try_lock(self.folder / "writer.lock")

    # --- the members' files
    def write_slot(self, entry: SlotFile) -> None:
        atomic_write_text(self.slot_path(entry.slot), entry.model_dump_json())

    def slots(self) -> dict[str, SlotFile]:
        """Every member's file that reads whole (a damaged one is skipped, never fatal)."""
        out = {}
        for slot in ("team", "it", "finance", "data-science"):
            try:
                entry = SlotFile.model_validate_json(self.slot_path(slot).read_bytes())
            except (OSError, ValueError):
                continue
            if entry.slot == slot:
                out[slot] = entry
        return out

    def signature(self) -> tuple:
        """Changes whenever a member's file or the turns log is rewritten: their bytes
        (a few KB). Not their inodes and times: an inode is reused and a file time is as
        coarse as the kernel's tick, so two quick writes could look the same."""
        marks = []
        for name in ("team", "it", "finance", "data-science", "turns"):
            try:
                marks.append((self.folder / f"{name}.json").read_bytes())
            except OSError:
                marks.append(None)
        return tuple(marks)

    # --- what each member wrote after the debrief
    def learning_path(self, slot: str) -> Path:
        return self.slot_path(slot).with_suffix(".learning.json")

    def write_learning(self, slot: str, learning: Learning) -> None:
        """A member's quiz, justification and reflections, written by that member only:
        the team's save has one writer, so whatever another seat writes is kept here."""
        atomic_write_text(self.learning_path(slot), learning.model_dump_json())

    def learnings(self) -> dict[str, Learning]:
        """Every member's writing that reads whole (a damaged file is skipped)."""
        out = {}
        for slot in ("team", "it", "finance", "data-science"):
            try:
                out[slot] = Learning.model_validate_json(self.learning_path(slot).read_bytes())
            except (OSError, ValueError):
                continue
        return out

    # --- the resolved turns
    def log(self) -> TeamLog:
        try:
            return TeamLog.model_validate_json(self.log_path.read_bytes())
        except (OSError, ValueError):
            return TeamLog()

    def record_turn(self, credit: TurnCredit) -> None:
        """Add a resolved turn to the log (only the writer calls this)."""
        kept = [t for t in self.log().turns if t.turn < credit.turn]
        atomic_write_text(self.log_path, TeamLog(turns=[*kept, credit]).model_dump_json(indent=1))


def what_members_say(slots: dict[str, SlotFile]) -> dict[str, SlotFile]:
    """The members' files without their heartbeat: what they decided, noted and signed."""
    return {slot: entry.model_copy(update={"alive": 0.0}) for slot, entry in slots.items()}


def present_slots(slots: dict[str, SlotFile], now: float | None = None) -> set[str]:
    now = time.time() if now is None else now
    return {slot for slot, entry in slots.items() if entry.present(now)}


def seat_credits(class_dir: ClassDir, team: str, level: str) -> dict[str, str]:
    """For the results: who signed each turn and who changed what, as short text."""
    try:
        turns = TeamSeats(class_dir, team, level).log().turns
    except ContentError:
        turns = []
    signed = "; ".join(f"{t.turn}: {'+'.join(t.signed) or t.closed_by}" for t in turns)
    counts: dict[str, int] = {}
    for t in turns:
        for slot in t.changed_by.values():
            counts[slot] = counts.get(slot, 0) + 1
    changed = "; ".join(f"{slot} {n}" for slot, n in sorted(counts.items()))
    return {"seats_signed": signed, "seats_changed": changed}


def seat_changes(class_dir: ClassDir, team: str, level: str) -> str:
    """Who changed what, turn by turn, as short text: '1: it training.pricing; 2: ...'."""
    try:
        turns = TeamSeats(class_dir, team, level).log().turns
    except ContentError:
        turns = []
    parts = []
    for t in turns:
        by_slot: dict[str, list[str]] = {}
        for key, slot in sorted(t.changed_by.items()):
            by_slot.setdefault(slot, []).append(key)
        if by_slot:
            who = ", ".join(f"{slot} {' '.join(keys)}" for slot, keys in sorted(by_slot.items()))
            parts.append(f"{t.turn}: {who}")
    return "; ".join(parts)


def seated_levels(class_dir: ClassDir, team: str) -> list[str]:
    """The levels `team` played in seats (its folders under seats/TEAM that name a level)."""
    try:
        folder = class_dir.root / "seats" / valid_team(team)
    except ContentError:
        return []
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if LEVEL_ID.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
    )

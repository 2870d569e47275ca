"""Team seats: IT, Finance and Data Science share one team's game. No Textual, no I/O.

A level's decisions are partitioned among the seats (each decision key has exactly one
owner); a member in a seat edits its own decisions and the decisions of seats nobody
sits in, and may leave a short note on any decision. The team's draft for a turn is
what every member wrote for it, the latest change of each decision winning; the turn
ends when every member present has signed off.

Pure functions over plain data, so every member's process computes the same draft from
the same files, and the rules are tested without an app.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finops_tui.gameplay.fields import read_decision, with_decision

# The seats, in the order they are listed; their ids are the role lenses' ids.
SEATS: tuple[str, ...] = ("it", "finance", "data-science")
SEAT_NAMES: dict[str, str] = {"it": "IT", "finance": "Finance", "data-science": "Data Science"}
SEAT_SHORT: dict[str, str] = {"it": "IT", "finance": "Fin", "data-science": "DS"}
# A member who joined as the team, without a seat: it plays every seat nobody sits in
# (a team of one plays every seat, as in solo play).
TEAM_SLOT = "team"
SLOTS: tuple[str, ...] = (TEAM_SLOT, *SEATS)
SEAT_ALIASES: dict[str, str] = {
    "it": "it",
    "finance": "finance",
    "fin": "finance",
    "data-science": "data-science",
    "datascience": "data-science",
    "data_science": "data-science",
    "ds": "data-science",
}
MAX_MEMBERS = 4  # per team: three seats and one more (a second person in a seat watches)
NOTE_CHARS = 120  # a note is a line beside a decision, not an essay
SEAT_TEXT_CHARS = 24  # past this, a typed seat name is not a seat (and is not echoed whole)

# Who owns what by default, as the course's roles own it in real life.
DEFAULT_OWNERS: dict[str, str] = {
    # IT: the hardware, how it is bought, keeping it lean.
    "training.gpu": "it",
    "training.gpus": "it",
    "training.pricing": "it",
    "inference.mode": "it",
    "inference.gpu": "it",
    "inference.gpus": "it",
    "inference.batching": "it",
    "inference.caching": "it",
    "practices.shutdown_schedule": "it",
    "practices.schedule_scope": "it",
    "practices.rightsizing": "it",
    # Finance: the money: alerts, who pays, the forecast, commitments.
    "inference.pricing": "finance",  # steady serving is where commitments are bought
    "practices.budget_alerts": "finance",
    "practices.anomaly_detection": "finance",
    "practices.tagging": "finance",
    "practices.allocation": "finance",
    "forecast_usd": "finance",
    # Data Science: the model, its data, its checkpoints, its evaluation.
    "training.params": "data-science",
    "training.tokens": "data-science",
    "training.checkpoint_hours": "data-science",
    "inference.model": "data-science",
    "inference.api_model": "data-science",
    "inference.quant": "data-science",
    "practices.safety_evaluation": "data-science",
}
# A decision this table does not name yet still has an owner: by its section.
SECTION_OWNERS: dict[str, str] = {
    "training": "data-science",
    "inference": "it",
    "practices": "finance",
}


def seat_name(slot: str) -> str:
    """The seat as people read it: 'Finance'; the team slot is 'Team'."""
    return SEAT_NAMES.get(slot, "Team")


def parse_seat(text: str) -> str | None:
    """The seat `text` names ('finance', 'FINANCE', 'ds'...), or None if it names none."""
    if not isinstance(text, str) or len(text) > SEAT_TEXT_CHARS:
        return None
    return SEAT_ALIASES.get(text.strip().lower())


def split_login(user: str) -> tuple[str, str | None]:
    """An SSH user name as (team, typed seat): 'blue+finance' -> ('blue', 'finance')."""
    team, plus, seat = user.partition("+")
    return team, (seat if plus else None)


def seat_problem(text: str) -> str:
    """Why `text` is not a seat, in words (the typed text shortened and escaped)."""
    shown = repr(text[:SEAT_TEXT_CHARS] + ("..." if len(text) > SEAT_TEXT_CHARS else ""))
    return f"{shown} is not a seat: the seats are {', '.join(SEATS)}"


def seat_owners(
    keys: Iterable[str], overrides: Mapping[str, Sequence[str]] | None = None
) -> dict[str, str]:
    """Each decision key's owning seat: the level's overrides, then the defaults, then
    the key's section. Every key gets exactly one owner."""
    given = {key: seat for seat, owned in (overrides or {}).items() for key in owned}
    owners = {}
    for key in keys:
        section = key.partition(".")[0]
        owners[key] = (
            given.get(key) or DEFAULT_OWNERS.get(key) or SECTION_OWNERS.get(section, "finance")
        )
    return owners


def override_problems(overrides: Mapping[str, Sequence[str]], keys: Iterable[str]) -> list[str]:
    """What is wrong with a level's `[seats]` table: unknown seats, unknown or twice-given keys."""
    known = set(keys)
    problems = []
    seen: dict[str, str] = {}
    for seat, owned in overrides.items():
        if seat not in SEATS:
            problems.append(f"seats.{seat}: not a seat; the seats are {', '.join(SEATS)}")
            continue
        for key in owned:
            if key not in known:
                problems.append(f"seats.{seat}: {key!r} is not a decision of this level")
            elif key in seen:
                problems.append(f"seats.{seat}: {key!r} is already given to {seen[key]}")
            else:
                seen[key] = seat
    return problems


def owned_keys(seat: str, owners: Mapping[str, str]) -> set[str]:
    return {key for key, owner in owners.items() if owner == seat}


def editable_keys(slot: str | None, owners: Mapping[str, str], present: Iterable[str]) -> set[str]:
    """What a member may change: its seat's decisions and those of every empty seat.
    A watcher (no slot) changes nothing."""
    if slot is None:
        return set()
    here = set(present)
    return {key for key, owner in owners.items() if owner == slot or owner not in here}


def clean_note(text: str) -> str:
    """A note as it is kept: one line, no control characters, at most NOTE_CHARS."""
    kept = []
    for char in str(text):
        category = unicodedata.category(char)
        if category.startswith("C") or category in ("Zl", "Zp"):
            kept.append(" ")  # a newline, an escape, a bidi override: a plain space
        else:
            kept.append(char)
    return " ".join("".join(kept).split())[:NOTE_CHARS]


@dataclass(frozen=True)
class Change:
    """One decision set by one seat (or the team slot) at one moment, for one turn."""

    key: str
    value: Any
    at: float
    slot: str


def merged_values(changes: Iterable[Change]) -> dict[str, Change]:
    """The change that holds for each decision: the latest (ties: the seats' order)."""
    order = {slot: i for i, slot in enumerate(SLOTS)}
    held: dict[str, Change] = {}
    for change in changes:
        current = held.get(change.key)
        rank = (change.at, -order.get(change.slot, len(SLOTS)))
        if current is None or rank > (current.at, -order.get(current.slot, len(SLOTS))):
            held[change.key] = change
    return held


def still_deciding(present: Iterable[str], signed: Iterable[str]) -> list[str]:
    """The members present who have not signed off, in the seats' order."""
    done = set(signed)
    here = set(present)
    return [slot for slot in SLOTS if slot in here and slot not in done]


def turn_ready(present: Iterable[str], signed: Iterable[str]) -> bool:
    """A turn ends when someone is present and every member present has signed off."""
    here = set(present)
    return bool(here) and not still_deciding(here, signed)


def deciding_text(present: Iterable[str], signed: Iterable[str]) -> str:
    """'Fin, DS deciding' for the footer; '' when nobody is."""
    waiting = still_deciding(present, signed)
    if not waiting:
        return ""
    return ", ".join(SEAT_SHORT.get(s, "Team") for s in waiting) + " deciding"


def team_draft(base: Any, changes: Iterable[Change]) -> tuple[Any, dict[str, str]]:
    """The team's decisions: `base` (last turn's) with each decision's holding change;
    a change the engine refuses is left out. Returns (decisions, who set each changed key)."""
    draft, by = base, {}
    for key, change in sorted(merged_values(changes).items()):
        try:
            if read_decision(draft, key) == change.value:
                continue
            draft = with_decision(draft, key, change.value)
        except (ValueError, AttributeError, KeyError, TypeError):
            continue  # a key this game has no such decision for, or a refused value
        by[key] = change.slot
    return draft, by


def seat_tip_text(
    text: str,
    concept: str,
    slot: str | None,
    owners: Mapping[str, str],
    concepts: Mapping[str, str],
    key: str = "",
) -> str:
    """The advisor's tip spoken to a seat: its own decision as it is; another seat's
    decision named as theirs (so each seat hears about what it owns).

    `key` is the decision the tip recommends changing, when it names one; else the
    decisions of the tip's codex concept (`concepts`: each key's concept) are meant."""
    if slot is None or slot == TEAM_SLOT:
        return text
    if key in owners:
        whose = [owners[key]]
    else:
        whose = sorted({owners[k] for k, c in concepts.items() if c == concept and k in owners})
    if not whose or slot in whose:
        return text
    return f"For {' and '.join(seat_name(s) for s in whose)}: {text}"

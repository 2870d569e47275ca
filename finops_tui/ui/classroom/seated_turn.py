"""The turn screen of a seated team: the shared draft, each seat's own fields, sign-off.

Every member sees the team's draft as it changes, and who changed what; a seat edits
its own decisions (and those of empty seats), the others' are read-only; `m` leaves a
note beside any decision; `n` signs off, and the turn ends when every member present
has (or when the facilitator closes it).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from finops_tui.gameplay.fields import read_decision
from finops_tui.gameplay.seats import (
    NOTE_CHARS,
    SEAT_SHORT,
    SLOTS,
    clean_note,
    deciding_text,
    seat_name,
)
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.screens.seen import leaves
from finops_tui.ui.screens.turn import TurnScreen
from finops_tui.ui.widgets.decision_form import DecisionForm
from finops_tui.ui.widgets.field_help import FieldHelp


class NoteScreen(LateKeySafe, ModalScreen[tuple[str, str] | None]):
    """A short note beside a decision, for the whole team to read."""

    DEFAULT_CSS = """
    NoteScreen { align: center middle; }
    NoteScreen > Vertical { width: 70; max-width: 95%; height: auto; border: thick $primary;
                            padding: 1 2; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="note.cancel")
    ]

    def __init__(self, choices: list[tuple[str, str]], key: str | None) -> None:
        super().__init__()
        self.choices = choices
        self.key = key if key in dict((k, k) for _, k in choices) else choices[0][1]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("A note beside a decision, for your team (Enter keeps it):")
            yield Select(self.choices, value=self.key, allow_blank=False, id="note-key")
            yield Input(max_length=NOTE_CHARS, placeholder="e.g. too many GPUs?", id="note-text")

    def on_mount(self) -> None:
        self.query_one("#note-text", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        key = self.query_one("#note-key", Select).value
        self.dismiss((str(key), clean_note(event.value)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class SeatedTurnScreen(TurnScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "note", "Note", id="turn.note", tooltip="A note beside a decision"),
    ]
    DEFAULT_CSS = """
    SeatedTurnScreen #seat-panel { height: auto; max-height: 4; color: $text-muted; }
    """

    def __init__(self, session: GameSession, link) -> None:
        super().__init__(session)
        self.link = link
        self._end_label = ""
        self._panel_text = ""
        self._locks_shown: tuple[frozenset[str], str | None] | None = None

    def on_mount(self) -> None:
        # TurnScreen.on_mount runs too (Textual calls each class's handler).
        help_line = self.query_one("#field-help", FieldHelp)
        self.query_one("#decisions-pane").mount(
            Static("", id="seat-panel", markup=False), before=help_line
        )
        self.call_after_refresh(self.team_changed)

    # -- the team's draft

    def start_turn(self) -> None:
        super().start_turn()
        if self.is_mounted:
            self.call_after_refresh(self.team_changed)

    def team_changed(self) -> None:
        """Another member changed something, came or went: show the team's draft."""
        link = self.link
        forms = self.query(DecisionForm)
        if not self.is_attached or link.draft is None or not forms:
            return
        form = forms.first()
        if len(form.query(".field")) != len(self.fields):
            return  # the form is being built or torn down (the app closing): not now
        if link.draft != self.draft:
            changed = {
                f.key
                for f in self.fields
                if read_decision(link.draft, f.key) != read_decision(self.draft, f.key)
            }
            self.draft = link.draft
            # Only what the team changed: a field this member is typing in is left alone.
            form.show(self.draft, keys=changed - set(self.input_errors))
            # After a pause, as for typing: the change and who made it are drawn first,
            # and a burst of the team's changes is estimated once.
            self._schedule_estimate(typed=True)
        editable = link.editable()
        if (frozenset(editable), link.slot) != self._locks_shown:
            self._show_locks(form, editable)
        focused = self.focused
        if focused is None or focused.disabled or not focused.focusable:
            # Start where this seat decides (another seat's fields cannot be focused).
            own = [f.key for f in self.fields if link.owners.get(f.key) == link.slot]
            first = next(iter(own), None) or next(
                (f.key for f in self.fields if f.key in editable), None
            )
            if first is not None:
                form.focus_field(first)
        self._show_seats()

    def _show_locks(self, form: DecisionForm, editable: set[str]) -> None:
        """Which fields this seat may edit, and whose each one is (in its tooltip)."""
        link = self.link
        for spec in self.fields:
            controls = form.query(f"#{spec.widget_id}")
            rows = form.query(f"#row-{spec.widget_id}")
            if not controls or not rows:
                return  # the form is incomplete: shown at the next change
            controls.first().disabled = spec.key not in editable
            owner = link.owners.get(spec.key, "")
            rows.first().tooltip = f"{spec.help}\n{seat_name(owner)} decides this."
        # Set once until the seats change: a teammate's heartbeat or change leaves them be.
        self._locks_shown = (frozenset(editable), link.slot)

    def _show_seats(self) -> None:
        link = self.link
        signed = link.signed()
        parts = []
        for slot in SLOTS:
            if slot not in link.present:
                continue
            name = SEAT_SHORT.get(slot, "Team")
            mark = "signed" if slot in signed else "deciding"
            you = " (you)" if slot == link.slot else ""
            parts.append(f"{name}{you} {mark}")
        first = " · ".join(parts) if parts else "nobody seated"
        if link.slot is None:
            first = "Watching. " + first
        notes = link.notes()
        second = ""
        if notes:
            slot, key, text = notes[0]
            label = next((f.label for f in self.fields if f.key == key), key)
            second = f"{seat_name(slot)} on {label}: {text}"
        panel = self.query("#seat-panel")
        text = f"{first}\n{second}"
        if panel and text != self._panel_text:
            self._panel_text = text  # unchanged, it is not repainted
            panel.first(Static).update(Text(text))
        waiting = deciding_text(link.present, signed)
        if link.slot is None:
            label = "Watching"
        elif not link.others_present():
            label = "End turn"
        elif link.slot in signed:
            label = f"Signed · {waiting}" if waiting else "Signed"
        else:
            label = f"Sign off · {waiting}" if waiting else "Sign off"
        self._set_end_label(label)

    def _set_end_label(self, label: str) -> None:
        """`n` says what it does now: end the turn, or sign off (and who still decides)."""
        if label == self._end_label:
            return
        self._end_label = label
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                dataclasses.replace(b, description=label) if b.id == "turn.end" else b
                for b in bindings
            ]
        self.refresh_bindings()

    def draft_edited(self, key: str) -> None:
        self.link.edited(key, read_decision(self.draft, key))

    # -- ending the turn together

    @leaves
    def action_end_turn(self) -> None:
        link = self.link
        if self.session.state.finished:
            return
        if link.slot is None:
            self.notify("You are watching this seat: its member signs off.", timeout=4)
            return
        if self._timer is not None:
            self._timer.stop()
        self.update_estimate()
        lines = self.problem_lines()
        if lines:
            self.notify("\n".join(lines), title="Fix these to end the turn", severity="error")
            self._focus_first_problem()
            return
        link.sign_off()
        self._show_seats()
        reason = self.session.gate(self.session.turn) if self.session.gate else None
        waiting = deciding_text(link.present, link.signed() | {link.slot})
        said = "Signed off."
        if waiting:
            said += f" Waiting: {waiting}."
        if reason:
            said += f" Then: {reason}."
        self.notify(said, timeout=4, markup=False)

    def palette_commands(self):
        """The turn's commands, and a free seat to sit in."""
        yield from super().palette_commands()
        for seat in self.link.free_seats():
            yield (
                f"Sit: {seat_name(seat)}",
                f"Play the {seat_name(seat)} seat of your team (it is free)",
                lambda seat=seat: self.sit(seat),
            )

    def sit(self, seat: str) -> None:
        if self.link.sit(seat):
            self.notify(f"You sit in the {seat_name(seat)} seat.", timeout=3)
            self.link.tick()
        else:
            self.notify(f"The {seat_name(seat)} seat is taken.", severity="warning", timeout=3)

    def action_note(self) -> None:
        owners = self.link.owners
        choices = [(f"{f.label} ({seat_name(owners.get(f.key, ''))})", f.key) for f in self.fields]
        if not choices or self.link.slot is None:
            return
        spec = self.query_one(DecisionForm).spec_for(self.focused)

        def kept(result: tuple[str, str] | None) -> None:
            if result is not None:
                self.link.note(*result)
                self._show_seats()

        self.app.push_screen(NoteScreen(choices, spec.key if spec else None), kept)

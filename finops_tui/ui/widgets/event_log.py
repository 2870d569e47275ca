"""Everything that happened so far, newest first: events and what they did."""

from __future__ import annotations

from rich.text import Text

from finops_tui.engine.state import EventRecord
from finops_tui.gameplay.format import usd
from finops_tui.ui.widgets.fitted_table import FittedTable


class EventLog(FittedTable):
    WRAP_COLUMNS = ("event", "effect")
    DEFAULT_CSS = """
    EventLog {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)

    def on_mount(self) -> None:
        self.add_column("Turn", key="turn")
        self.add_column("Event", key="event")
        self.add_column("What it did", key="effect")

    def show(self, events: list[EventRecord]) -> None:
        self.clear()
        if not events:
            self.add_row("", Text("No events yet: a calm start.", style="italic"), "")
            return
        for event in reversed(events):
            effect = event.effect or (usd(event.cost_usd) if event.cost_usd else "")
            self.add_row(str(event.turn), Text(event.title), Text(effect))

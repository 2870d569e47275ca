"""The turn report: what happened this period, what the bill says and why, one tip."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState, TurnRecord
from finops_tui.gameplay.advisor import Tip, advise, frame_tip, large_lines
from finops_tui.gameplay.codex import entry
from finops_tui.gameplay.format import period_name, stars, usd
from finops_tui.gameplay.score_moves import KpiMove, score_moves, score_moves_markdown
from finops_tui.ui.screens.base import LateKeySafe
from finops_tui.ui.screens.seen import SeenBeforeLeaving, leaves
from finops_tui.ui.widgets.footer import GameFooter


def report_summary(state: GameState, record: TurnRecord, period: str = "period") -> str:
    share = record.spend_usd / max(record.budget_usd, 1e-9)
    if record.spend_usd > record.budget_usd:
        verdict = f"OVER budget by {usd(record.spend_usd - record.budget_usd)}"
    else:
        verdict = "within budget"
    text = (
        f"Spent {usd(record.spend_usd)} of a {usd(record.budget_usd)} budget ({share:.0%}, "
        f"{verdict}). Value delivered: {usd(record.value_usd)}."
    )
    if record.turn <= len(state.history):
        scored = state.history[record.turn - 1]
        was = state.history[record.turn - 2].score if record.turn > 1 else 0.0
        moved = scored.score - was
        text += (
            f"\nScore so far: {scored.score:.1f} / 100 {stars(scored.stars)} "
            f"({'+' if moved >= 0 else '-'}{abs(moved):.1f} this {period})"
        )
    return text


def report_markdown(
    scenario: Scenario, record: TurnRecord, moves: list[KpiMove] | None = None
) -> str:
    """Each event and what it did; why the score moved; each large cost line and why."""
    period = period_name(scenario.level)
    lines = ["## What happened", ""]
    if record.events:
        for event in record.events:
            effect = event.effect or (usd(event.cost_usd) if event.cost_usd else "")
            more = f" {event.text}" if event.text else ""
            lines.append(f"- **{event.title}**: {effect}.{more}")
    else:
        lines.append(f"A calm {period}: no events.")
    if moves:
        lines += ["", "## Why the score moved", "", score_moves_markdown(moves, period)]
    lines += ["", "## Where the money went", ""]
    for line in large_lines(record):
        waste = f" ({usd(line.wasted_usd)} of it wasted)" if line.wasted_usd >= 1 else ""
        lines.append(f"- **{usd(line.cost_usd)}** {line.description}{waste}  ")
        lines.append(f"  because: *{line.cause}*")
    return "\n".join(lines)


def tip_text(tip: Tip) -> str:
    concept = entry(tip.concept)
    return f'{tip.text}\n\nc: read "{concept.title}" in the codex'


class ReportScreen(LateKeySafe, SeenBeforeLeaving):
    """Read after every turn, and again from the turn screen with `r`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "continue", "Continue", id="report.continue", priority=True),
        Binding("escape", "continue", "Back", id="report.back", show=False),
    ]

    def __init__(self, scenario: Scenario, state: GameState, record: TurnRecord) -> None:
        super().__init__()
        self.scenario = scenario
        self.state = state
        self.record = record
        self.tip = advise(scenario, state, record)
        self.moves = score_moves(scenario, state, record)

    def compose(self) -> ComposeResult:
        level = self.scenario.level
        finished = self.record.turn >= level.turns and self.state.finished
        title = (
            f" Report · {period_name(level).capitalize()} {self.record.turn} of {level.turns}"
            f" · {level.title}"
        )
        yield Static(title, classes="status-bar", markup=False)
        with VerticalScroll(id="report-body", classes="reading"):
            yield Static(
                report_summary(self.state, self.record, period_name(level)),
                id="report-summary",
                markup=False,
            )
            advisor = Static(tip_text(self.framed_tip()), id="advisor", markup=False)
            advisor.border_title = "Advisor"
            yield advisor
            yield Markdown(
                report_markdown(self.scenario, self.record, self.moves), open_links=False
            )
            if finished:
                yield Static(
                    "That was the last period. Press enter for the debrief.", classes="next"
                )
        yield GameFooter()

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()
        self.watch(self.app, "role", self._lens_changed, init=False)

    def framed_tip(self) -> Tip:
        """The advisor's tip, in the terms of the role lens (if one is chosen)."""
        tip = frame_tip(self.tip, getattr(self.app, "role", ""))
        seats = getattr(self.app, "seat_link", None)  # a seat hears about its own decisions
        return seats.tip_for_seat(tip) if seats is not None else tip

    def _lens_changed(self, _role: str) -> None:
        self.query_one("#advisor", Static).update(tip_text(self.framed_tip()))

    @leaves
    def action_continue(self) -> None:
        self.dismiss(None)

    def codex_topic(self) -> str | None:
        return self.tip.concept

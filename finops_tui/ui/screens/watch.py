"""Watch a plan play: each period's decisions, bill, events and report, then the debrief.

`finops-tui play LEVEL --watch naive` opens here: how a facilitator starts the course
with the failure case, one period per key press (or on a timer).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Markdown, Static, TabbedContent, TabPane

from finops_tui.content.levels import load_plan, plan_to_decisions, play_plan
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import InvalidDecisions, start_decisions
from finops_tui.engine.level import Plan
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import TurnRecord
from finops_tui.gameplay.advisor import advise, breakdown, frame_tip
from finops_tui.gameplay.fields import changes, decision_fields, decision_text
from finops_tui.gameplay.format import period_name, stars, usd
from finops_tui.gameplay.roles import lead_metrics
from finops_tui.gameplay.score_moves import score_moves
from finops_tui.gameplay.session import GameSession, random_seed
from finops_tui.ui.screens.report import report_markdown, report_summary, tip_text
from finops_tui.ui.screens.seen import SeenBeforeLeaving, leaves
from finops_tui.ui.widgets.bill_table import BillTable
from finops_tui.ui.widgets.footer import GameFooter
from finops_tui.ui.widgets.kpi_table import KpiTable
from finops_tui.ui.widgets.spend_chart import SpendChart, SpendSeries

AUTO_SECONDS = 4.0  # between periods when the plan plays itself
WATCH_TABS = ("watch-spend", "watch-bill", "watch-kpis")


def watch_plan(
    scenario: Scenario, name: str, seed: int | None = None
) -> tuple[str, Plan, list[Decisions], int]:
    """A plan to watch (a shipped name or a plan file), checked to play through on `seed`.

    Returns (its name, the plan, its decisions, the seed); ContentError with the plan's
    problems, each naming its turn and key, before anything is shown.
    """
    seed = random_seed() if seed is None else seed
    plan = load_plan(name, scenario)
    if name in scenario.level.plans:
        where, prefix, shown = f"level {scenario.level.id}", f"plans.{name}.", name
    else:
        where, prefix, shown = name, "", Path(name).stem
    decisions = plan_to_decisions(scenario, plan, where, prefix)
    play_plan(scenario, plan, seed, where, prefix)  # names any period the engine refuses
    return shown, plan, decisions, seed


def decisions_markdown(session: GameSession, before: Decisions, now: Decisions, turn: int) -> str:
    """What the plan decided for a period, as changes from the period before."""
    period = period_name(session.level)
    fields = decision_fields(session.scenario)
    moved = changes(before, now, fields)
    if turn == 1:
        head = f"## {period.capitalize()} 1: the plan starts with"
        body = [f"{spec.label}: {decision_text(spec, now)}" for spec in fields]
    else:
        head = f"## {period.capitalize()} {turn}: the plan decides"
        body = moved or [f"the same as last {period}"]
    return head + "\n\n" + "\n".join(f"- {line}" for line in body) + "\n"


class WatchScreen(SeenBeforeLeaving):
    """A plan plays one period per key press; the last one leads to the debrief."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space,enter",
            "step",
            "Next",
            id="watch.next",
            priority=True,
            tooltip="Play the next period (after the last: the debrief)",
        ),
        Binding(
            "a", "auto", "Auto", id="watch.auto", tooltip=f"Play a period every {AUTO_SECONDS:g} s"
        ),
        Binding("d", "next_tab", "Tabs", id="watch.dashboard", tooltip="Next dashboard tab"),
        Binding("b", "briefing", "Brief", id="watch.briefing", tooltip="The case study"),
        Binding("escape", "leave", "Leave", id="watch.leave", tooltip="Stop watching"),
    ]

    def __init__(self, session: GameSession, plan: Plan, decisions: list[Decisions]) -> None:
        super().__init__()
        self.session = session
        self.plan = plan
        self.decisions = decisions
        self.record: TurnRecord | None = None
        self.stuck: list[str] = []  # why the plan cannot play the next period
        self._auto: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="watch-status", classes="status-bar", markup=False)
        with Horizontal(id="watch-body"):
            with VerticalScroll(id="watch-report", classes="reading"):
                yield Markdown(id="watch-decisions", open_links=False)
                yield Static(id="report-summary", markup=False)
                advisor = Static(id="advisor", markup=False)
                advisor.border_title = "Advisor"
                yield advisor
                yield Markdown(id="watch-what", open_links=False)
                yield Static(id="watch-next", classes="next", markup=False)
            with Vertical(id="watch-dashboard"), TabbedContent(id="watch-tabs"):
                with TabPane("Spend", id="watch-spend"):
                    yield SpendChart(id="watch-chart")
                with TabPane("Bill", id="watch-bill"):
                    yield BillTable(id="watch-bill-table")
                with TabPane("KPIs", id="watch-kpis"):
                    yield KpiTable(id="watch-kpi-table")
        yield GameFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "role", self._lens_changed, init=False)
        self.show()
        self.query_one("#watch-report").focus()

    # -- playing --------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.session.state.finished

    @leaves
    def action_step(self) -> None:
        """The next period of the plan; after the last one, the debrief."""
        if self.stuck:
            return
        if self.finished:
            self._stop_auto()
            self.game.show_debrief(self.session)
            return
        turn = self.session.turn
        decisions = self.decisions[turn - 1]
        try:
            self.record = self.session.resolve(decisions)
        except InvalidDecisions as exc:
            self._stop_auto()
            self.stuck = [f"{p.key}: {p.message}" for p in exc.problems]
        self.show()

    def action_auto(self) -> None:
        if self._auto is not None:
            self._stop_auto()
        elif not self.stuck:
            self._auto = self.set_interval(AUTO_SECONDS, self.action_step)
            self.action_step()
        self._show_status()
        self.refresh_bindings()

    def _stop_auto(self) -> None:
        if self._auto is not None:
            self._auto.stop()
            self._auto = None

    # -- what is on screen ----------------------------------------------------------------

    def show(self) -> None:
        self.mark_unseen()  # a new period: space typed ahead must not skip it
        session, level, record = self.session, self.session.level, self.record
        period = period_name(level)
        decisions = self.query_one("#watch-decisions", Markdown)
        summary = self.query_one("#report-summary", Static)
        advisor = self.query_one("#advisor", Static)
        what = self.query_one("#watch-what", Markdown)
        if record is None:
            title = self.plan.title or f"the {session.watched} plan"
            decisions.update(
                f"## Watching {session.watched}: {title}\n\n{self.plan.description.strip()}\n"
            )
            summary.update(
                f"{level.turns} {period}s, {usd(level.budget.per_period_usd)} a {period}, "
                f"seed {session.seed}."
            )
            advisor.display = False
            what.update("")
        else:
            history = session.state.history
            before = (
                history[-2].decisions if len(history) > 1 else start_decisions(session.scenario)
            )
            decisions.update(decisions_markdown(session, before, record.decisions, record.turn))
            summary.update(report_summary(session.state, record, period))
            advisor.display = True
            role = getattr(self.app, "role", "")
            advisor.update(
                tip_text(frame_tip(advise(session.scenario, session.state, record), role))
            )
            what.update(
                report_markdown(
                    session.scenario, record, score_moves(session.scenario, session.state, record)
                )
            )
        self.query_one("#watch-next", Static).update(self._next_line())
        self._show_status()
        self._show_dashboard()
        self.query_one("#watch-report").scroll_home(animate=False)
        self.refresh_bindings()

    def _next_line(self) -> str:
        if self.stuck:
            lines = "\n".join(f"  {p}" for p in self.stuck)
            return (
                f"The plan cannot play {period_name(self.session.level)} {self.session.turn}:"
                f"\n{lines}\nesc stops watching."
            )
        if self.finished:
            return "That was the last period. Space or enter: the debrief."
        return (
            f"Space or enter: play {period_name(self.session.level)} {self.session.turn}. "
            "a: let it play itself."
        )

    def _show_status(self) -> None:
        session, level, state = self.session, self.session.level, self.session.state
        period = period_name(level).capitalize()
        where = f"{period} {state.turn} of {level.turns}" if state.history else "Ready"
        score = f" · score {state.score:.1f} {stars(state.stars)}" if state.history else ""
        auto = " · auto" if self._auto is not None else ""
        self.query_one("#watch-status", Static).update(
            f" Watching {session.watched}{auto} · {where}{score} · {level.title} · "
            f"seed {session.seed}"
        )

    def _show_dashboard(self) -> None:
        level, state = self.session.level, self.session.state
        self.query_one(SpendChart).show(
            SpendSeries(
                periods=level.turns,
                spent=[r.spend_usd for r in state.history],
                budgets=[r.budget_usd for r in state.history]
                + [level.budget_for(t) for t in range(state.turn + 1, level.turns + 1)],
            )
        )
        bill = self.query_one(BillTable)
        if self.record is not None:
            last = f"{period_name(level)} {self.record.turn}"
            bill.show({"Total": [(last, self.record.spend_usd)]} | breakdown(self.record.lines))
        else:
            bill.show({})
        role = getattr(self.app, "role", "")
        self.query_one(KpiTable).show(
            level.scoring.components,
            state.game_kpis if state.history else None,
            lead_metrics(role, level, state),
        )

    def _lens_changed(self, _role: str) -> None:
        self.show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("step", "auto"):
            return not self.stuck
        return True

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        current = WATCH_TABS.index(tabs.active) if tabs.active in WATCH_TABS else -1
        tabs.active = WATCH_TABS[(current + 1) % len(WATCH_TABS)]

    def action_briefing(self) -> None:
        self.game.show_briefing(self.session, playing=True)

    def action_leave(self) -> None:
        self._stop_auto()
        self.game.confirm_leave()

    def on_screen_suspend(self) -> None:
        # A briefing or the codex over the screen pauses the auto-play.
        if self._auto is not None:
            self._stop_auto()
            self._show_status()
            self.refresh_bindings()

    def codex_topic(self) -> str | None:
        if self.record is not None:
            return advise(self.session.scenario, self.session.state, self.record).concept
        return "finops-phases"

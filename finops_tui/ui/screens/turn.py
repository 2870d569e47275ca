"""The turn: the decisions on the left, the live estimate and the dashboard on the right."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from finops_tui.engine.batch import Fan, forecast_fan
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.game import InvalidDecisions, check_decisions, preview_turn_and_state
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import GameState, Problem, TurnRecord
from finops_tui.engine.what_if import estimate_after_calm_period
from finops_tui.gameplay.advisor import breakdown
from finops_tui.gameplay.fields import FieldSpec, changes, decision_fields, with_decision
from finops_tui.gameplay.format import period_name, stars
from finops_tui.gameplay.roles import lead_metrics, lens_name, metric_concept
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.messages import FanForecast
from finops_tui.ui.screens.seen import SeenBeforeLeaving, leaves
from finops_tui.ui.widgets.bill_table import BillTable
from finops_tui.ui.widgets.decision_form import DecisionForm
from finops_tui.ui.widgets.estimate import EstimatePanel, EstimateView, ProblemPanel
from finops_tui.ui.widgets.event_log import EventLog
from finops_tui.ui.widgets.fan_chart import FanSummary
from finops_tui.ui.widgets.field_help import FieldHelp
from finops_tui.ui.widgets.footer import GameFooter
from finops_tui.ui.widgets.kpi_table import KpiTable
from finops_tui.ui.widgets.spend_chart import SpendChart, SpendSeries

PREVIEW_DELAY = 0.06  # seconds of quiet typing before the estimate is recomputed
# A choice (a radio button, a list, a switch) is estimated at once: it is one key.
FAN_FUTURES = 1000  # futures in the forecast fan (about 20 ms of batch engine)
TABLE_HELP = "Arrows move; c opens the codex on what is highlighted."
# A new draft is drawn with its new fan, in one pass, when the fan comes within this
# many seconds; else the estimate goes first and the chart follows with the fan.
FAN_WAIT = 0.05
FOOTER_AT_LATEST = 0.1  # seconds: the footer's keys follow a draft even with no frame
DASHBOARD_TABS = ("tab-spend", "tab-bill", "tab-kpis", "tab-events")
TAB_CONCEPTS = {
    "tab-spend": "budgets-alerts",
    "tab-bill": "focus",
    "tab-kpis": "unit-economics",
    "tab-events": "anomaly-detection",
}


class TurnScreen(SeenBeforeLeaving):
    """Decide this period; the turn ends only when every decision can be played."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "end_turn", "End turn", id="turn.end", tooltip="Play this period"),
        Binding(
            "z", "undo_changes", "Undo", id="turn.undo", tooltip="Back to last period's decisions"
        ),
        Binding("r", "last_report", "Report", id="turn.report", tooltip="Last period's report"),
        Binding("d", "next_tab", "Tabs", id="turn.dashboard", tooltip="Next dashboard tab"),
        Binding("b", "briefing", "Brief", id="turn.briefing", tooltip="The case study again"),
        Binding("s", "save", "Save", id="turn.save", tooltip="Keep this game under a name"),
        Binding("escape", "leave", "Leave", id="turn.leave", tooltip="Leave this game"),
    ]

    # Textual repaints the whole screen when focus moves (10 ms at 120x40, in the middle
    # of a fan's redraw); the widgets that gain and lose focus restyle and repaint
    # themselves, and the screen's watcher still refreshes the bindings.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    def __init__(self, session: GameSession) -> None:
        super().__init__()
        self.session = session
        self.fields: list[FieldSpec] = decision_fields(session.scenario)
        self.draft = session.previous_decisions()
        self.input_errors: dict[str, str] = {}
        self.problems: list[Problem] = []
        self.estimate: TurnRecord | None = None
        # What a forecast made now is graded against: next period's spend, if kept.
        self.next_estimate: float | None = None
        self.asks_forecast = any(
            c.kpi == "forecast_accuracy" for c in session.level.scoring.components
        )
        self._timer: Timer | None = None
        self._estimate_soon = False  # an estimate is queued behind the pending messages
        self.fan: Fan | None = None  # the spread of spend under the last playable draft
        self._fan_asked: tuple[int, Decisions] | None = None
        self._waiting_for_fan: Timer | None = None  # a draft drawn once its fan is here
        self._status_text: str | None = None  # what the status line shows
        self._footer_due = False  # the footer is refreshed after the next frame

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status", classes="status-bar", markup=False)
        with Horizontal(id="turn-body"):
            with Vertical(id="decisions-pane"):
                yield DecisionForm(self.fields, self.draft, id="decisions")
                yield FieldHelp(
                    [f.help for f in self.fields] + [TABLE_HELP], id="field-help", markup=False
                )
            with Vertical(id="dashboard-pane"):
                yield ProblemPanel(id="problems")
                yield EstimatePanel(id="estimate")
                with TabbedContent(id="dashboard"):
                    with TabPane("Spend", id="tab-spend"):
                        yield SpendChart(id="spend-chart")
                        yield FanSummary(id="fan-summary")
                    with TabPane("Bill", id="tab-bill"):
                        yield BillTable(id="bill")
                    with TabPane("KPIs", id="tab-kpis"):
                        yield KpiTable(id="kpis")
                    with TabPane("Events", id="tab-events"):
                        yield EventLog(id="events")
        yield GameFooter()

    def on_mount(self) -> None:
        self.start_turn()
        self.watch(self.app, "role", self._lens_changed, init=False)
        if self.fields:
            self.query_one(DecisionForm).focus_field(self.fields[0].key)

    # -- the turn -----------------------------------------------------------------------

    def start_turn(self) -> None:
        """A new period: decisions start from last period's, the dashboard shows the past."""
        self.mark_unseen()  # a new period: `n` typed ahead on the report must not end it
        self.fan = None
        self.draft = self.session.previous_decisions()
        self.input_errors.clear()
        self.query_one(DecisionForm).show(self.draft)
        state = self.session.state
        self._show_kpis()
        self.query_one(EventLog).show([e for r in state.history for e in r.events])
        self.update_estimate()

    def _show_kpis(self) -> None:
        """The scored KPIs so far, the role lens's measures first."""
        level, state = self.session.level, self.session.state
        role = getattr(self.app, "role", "")
        self.query_one(KpiTable).show(
            level.scoring.components,
            state.game_kpis if state.history else None,
            lead_metrics(role, level, state),
        )

    def _lens_changed(self, _role: str) -> None:
        self._show_kpis()
        self._show_estimate()

    def update_estimate(self) -> None:
        """Ask the engine whether the draft can be played, and what it would cost."""
        self._timer = None
        self._estimate_soon = False
        scenario, state = self.session.scenario, self.session.state
        if state.finished:
            return
        problems: list[Problem] = []
        estimate = calm = None
        if not self.input_errors:
            problems = check_decisions(scenario, state, self.draft)
            if not [p for p in problems if p.key != "budget"]:
                estimate, calm = preview_turn_and_state(scenario, state, self.draft)
        fan_coming = estimate is not None and (state.turn, self.draft) != self._fan_asked
        if fan_coming:
            self._fan_asked = (state.turn, self.draft)
            self.forecast(scenario, state, self.draft)  # first: it runs while we redraw
        self.next_estimate = None
        if calm is not None and self.asks_forecast:  # what the forecast field is graded against
            self.next_estimate = estimate_after_calm_period(scenario, calm, self.draft)
        self.problems = problems
        self.estimate = estimate
        self._stop_waiting_for_fan()
        if fan_coming and self.game.fan_process is not None:
            # The fan is computed on the other core: the draft is drawn meanwhile.
            self._show_draft(chart=False)
        elif fan_coming:
            # Drawn now, the draft would be drawn twice (now, and with its fan) and the
            # first drawing would hold up the fan's worker, which needs the interpreter too.
            self._waiting_for_fan = self.set_timer(FAN_WAIT, self._show_draft_before_fan)
        else:
            self._show_draft()

    def _show_draft(self, chart: bool = True) -> None:
        """The draft's problems, estimate and dashboard (and its chart, unless its fan is
        still to come), and the keys it allows."""
        self._show_problems()
        self._show_estimate()
        self._show_dashboard(chart=chart)
        if chart:
            self._footer_after_frame()

    def _show_draft_before_fan(self) -> None:
        self._waiting_for_fan = None
        self._show_draft(chart=False)  # the chart follows with the fan

    def _stop_waiting_for_fan(self) -> bool:
        """Stop waiting to draw the draft with its fan; True if it was waiting."""
        if self._waiting_for_fan is None:
            return False
        self._waiting_for_fan.stop()
        self._waiting_for_fan = None
        return True

    def _schedule_estimate(self, typed: bool) -> None:
        """Estimate once typing pauses, or right after the messages already queued."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if typed:
            self._estimate_soon = False
            self._timer = self.set_timer(PREVIEW_DELAY, self.update_estimate)
        elif not self._estimate_soon:
            self._estimate_soon = True
            self.call_later(self._estimate_if_queued)

    def _estimate_if_queued(self) -> None:
        if self._estimate_soon:  # not already done by ending the turn or by typing
            self.update_estimate()

    @work(thread=True, exclusive=True, group="fan", exit_on_error=False)
    def forecast(self, scenario: Scenario, state: GameState, decisions: Decisions) -> None:
        """Spend over 1,000 futures under these decisions, off the event loop (and off
        this process, when the app has a fan process)."""
        helper = self.game.fan_process
        forecast = forecast_fan if helper is None else helper.forecast
        fan = forecast(scenario, state.batch, decisions, futures=FAN_FUTURES)
        if not get_current_worker().is_cancelled:
            self.post_message(FanForecast(fan, state.turn, decisions))

    @on(FanForecast)
    def _fan_ready(self, message: FanForecast) -> None:
        if message.turn != self.session.state.turn:
            return  # the fan of a period already played
        self.fan = message.fan
        self._show_fan()

    @on(Worker.StateChanged)
    def _fan_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "fan" and event.state == WorkerState.ERROR:
            self._show_fan()  # no new fan: the chart shows the estimate and the last fan

    def _show_fan(self) -> None:
        if self._stop_waiting_for_fan():
            self._show_draft()  # the draft and its fan in one pass
            return
        self._show_spend()
        self._footer_after_frame()

    def _footer_after_frame(self) -> None:
        """The keys the footer offers, once the draft's frame is painted: in the same
        frame, the footer's bottom line and the dashboard would be repainted as one box,
        with every decision row in between."""
        self._footer_due = True
        # In case nothing on screen changed, so no frame comes.
        self.set_timer(FOOTER_AT_LATEST, self._refresh_footer)

    def frame_painted(self, started: float) -> None:
        super().frame_painted(started)
        self._refresh_footer()

    def _refresh_footer(self) -> None:
        if self._footer_due:
            self._footer_due = False
            self.refresh_bindings()

    def problem_lines(self) -> list[str]:
        labels = {spec.key: f"{spec.label} ({spec.group.lower()})" for spec in self.fields}
        lines = [f"{labels.get(k, k)}: {m}" for k, m in self.input_errors.items()]
        for p in self.problems:
            where = "Budget" if p.key == "budget" else labels.get(p.key, p.key)
            lines.append(f"{where}: {p.message}")
        return lines

    def _show_problems(self) -> None:
        self.query_one(ProblemPanel).show(self.problem_lines())
        keys = set(self.input_errors) | {p.key for p in self.problems}
        self.query_one(DecisionForm).mark_problems(keys)

    def _show_estimate(self) -> None:
        session, level = self.session, self.session.level
        last = session.last_record
        before = last.decisions if last is not None else session.previous_decisions()
        e = self.estimate
        budget = e.budget_usd if e is not None else self._budget_guess(session.turn)
        notes = self._estimate_notes(e) if e is not None else []
        self.query_one(EstimatePanel).show(
            EstimateView(
                period=period_name(level),
                budget=budget,
                spend=e.spend_usd if e is not None else None,
                last_spend=last.spend_usd if last is not None else None,
                changes=changes(before, self.draft, self.fields),
                notes=notes,
                forecast_for=self._forecast_for(),
                forecast_estimate=self.next_estimate,
            )
        )
        state = session.state
        score = f" · score {state.score:.1f} {stars(state.stars)}" if state.history else ""
        role = getattr(self.app, "role", "")
        lens = f" · {lens_name(role)} lens" if role else ""
        self._show_status(
            f" {level.title} · {period_name(level).capitalize()} {session.turn} of "
            f"{level.turns} · seed {session.seed}{score}{lens}"
        )

    def _forecast_for(self) -> str:
        """The period the forecast field names, once there is an estimate to show for it."""
        if not self.asks_forecast or self.estimate is None:
            return ""
        return f"{period_name(self.session.level)} {self.session.turn + 1}"

    def _show_status(self, text: str) -> None:
        # Unchanged, it is left alone: a repaint of this top line would widen the frame's
        # update to the whole screen (Textual repaints the box around all changed regions).
        if text != self._status_text:
            self._status_text = text
            self.query_one("#status", Static).update(text, layout=False)  # one line, fixed

    def _estimate_notes(self, e: TurnRecord) -> list[str]:
        level, d, k = self.session.level, self.draft, e.kpis
        notes = []
        tr = level.training
        if tr is not None and d.training.gpus > 0:
            hours = sum(
                line.pricing_quantity
                for line in e.lines
                if line.charge_description.startswith("Training:")
            )
            loss = k.get("loss")
            wall = hours / d.training.gpus
            note = f"Training: {hours:,.0f} GPU-h ({wall:,.0f} h on {d.training.gpus} GPUs)"
            if loss is not None:
                mark = "ships" if loss <= tr.target_loss else f"target {tr.target_loss:.3f}"
                note += f", loss {loss:.3f} ({mark})"
            notes.append(note)
        if level.inference is not None and k.get("requests"):
            miss = k.get("sla_miss_rate") or 0.0
            unit = k.get("unit_cost_per_1k_requests") or 0.0
            notes.append(
                f"Serving: {k['requests']:,.0f} requests, ${unit:.2f} per 1k, "
                f"{miss:.1%} over the latency SLA"
            )
        return notes

    def _budget_guess(self, turn: int) -> float:
        level, history = self.session.level, self.session.state.history
        base = level.budget_for(min(turn, level.turns))
        if history:
            last = history[-1]
            return base * last.budget_usd / max(level.budget_for(last.turn), 1e-9)
        return base

    def _show_spend(self) -> None:
        """The spend chart and the fan's summary: spend so far, the estimate, the fan."""
        session, level = self.session, self.session.level
        history = session.state.history
        spent = [r.spend_usd for r in history]
        budgets = [r.budget_usd for r in history]
        e = self.estimate
        budgets.append(e.budget_usd if e is not None else self._budget_guess(session.turn))
        budgets += [self._budget_guess(t) for t in range(session.turn + 1, level.turns + 1)]
        self.query_one(SpendChart).show(
            SpendSeries(
                periods=level.turns,
                spent=spent,
                budgets=budgets,
                estimate=e.spend_usd if e is not None else None,
                fan=self.fan,
            )
        )
        self.query_one(FanSummary).show(self.fan, period_name(level), stale=e is None)

    def _show_dashboard(self, chart: bool = True) -> None:
        session, level = self.session, self.session.level
        e = self.estimate
        if chart:
            self._show_spend()
        last = session.last_record
        bill = self.query_one(BillTable)
        if last is not None:
            bill.show(
                {"Total": [(f"last {period_name(level)}", last.spend_usd)]} | breakdown(last.lines)
            )
        elif e is not None:
            bill.show({"Total": [("estimate, no bill yet", e.spend_usd)]} | breakdown(e.lines))
        else:
            bill.show({})

    # -- what the player does -----------------------------------------------------------

    @on(DecisionForm.Changed)
    def _decision_changed(self, event: DecisionForm.Changed) -> None:
        try:
            draft = with_decision(self.draft, event.key, event.value)
        except ValueError as exc:
            self.input_errors[event.key] = str(exc)
        else:
            had_error = self.input_errors.pop(event.key, None) is not None
            if draft == self.draft and not had_error:
                return  # the form showing the draft it already has: nothing to estimate
            if draft != self.draft:
                self.draft = draft
                self.query_one(DecisionForm).show_rows(draft)
                self.draft_edited(event.key)
        self._schedule_estimate(typed=event.typed)

    def draft_edited(self, key: str) -> None:
        """The player changed `key` in the draft (a seated team shares it)."""

    @on(DecisionForm.Invalid)
    def _decision_invalid(self, event: DecisionForm.Invalid) -> None:
        if event.message is None:
            self.input_errors.pop(event.key, None)
        else:
            self.input_errors[event.key] = event.message
        self._schedule_estimate(typed=True)

    def on_descendant_focus(self, event) -> None:
        form = self.query_one(DecisionForm)
        spec = form.spec_for(event.widget)
        # A class on one row, not :focus-within, which restyles the whole form per key.
        form.highlight_row(spec)
        help_line = self.query_one("#field-help", FieldHelp)
        # Tall enough for the longest help already: a new help text needs no layout.
        if spec is not None:
            help_line.update(spec.help, layout=False)
        elif isinstance(event.widget, DataTable):
            help_line.update(TABLE_HELP, layout=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo_changes":
            # Dimmed, not hidden, when there is nothing to undo: the footer keeps its place.
            undo = self.draft != self.session.previous_decisions() or bool(self.input_errors)
            return True if undo else None
        if action == "last_report":
            return self.session.last_record is not None
        if action == "save":
            return self.game.store is not None
        return True

    @leaves
    def action_end_turn(self) -> None:
        if self.session.state.finished:
            return
        if self._timer is not None:
            self._timer.stop()
        self.update_estimate()
        lines = self.problem_lines()
        if lines:
            self.notify("\n".join(lines), title="Fix these to end the turn", severity="error")
            self._focus_first_problem()
            return
        try:
            record = self.session.resolve(self.draft)
        except InvalidDecisions as exc:  # the engine has the last word
            self.problems = list(exc.problems)
            self._show_problems()
            self._focus_first_problem()
            return
        self.game.autosave(self.session)
        self.game.show_report(self.session, record, after=self._after_report)

    def _after_report(self, _result: object = None) -> None:
        if self.session.state.finished:
            self.game.show_debrief(self.session)
        else:
            self.start_turn()

    def _focus_first_problem(self) -> None:
        keys = list(self.input_errors) + [p.key for p in self.problems]
        form = self.query_one(DecisionForm)
        for key in keys:
            if form.focus_field(key):
                return

    def action_undo_changes(self) -> None:
        self.draft = self.session.previous_decisions()
        self.input_errors.clear()
        form = self.query_one(DecisionForm)
        form.show(self.draft)
        for control in form.query(".-invalid"):
            control.remove_class("-invalid")
        self.update_estimate()
        self.notify(f"Back to last {period_name(self.session.level)}'s decisions.", timeout=2)

    def action_last_report(self) -> None:
        record = self.session.last_record
        if record is not None:
            self.game.show_report(self.session, record, after=None)

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        current = DASHBOARD_TABS.index(tabs.active) if tabs.active in DASHBOARD_TABS else -1
        tabs.active = DASHBOARD_TABS[(current + 1) % len(DASHBOARD_TABS)]

    def action_briefing(self) -> None:
        self.game.show_briefing(self.session, playing=True)

    def action_save(self) -> None:
        self.game.save_game_as(self.session)

    def action_leave(self) -> None:
        self.game.confirm_leave()

    def codex_topic(self) -> str | None:
        focused: Widget | None = self.focused
        spec = self.query_one(DecisionForm).spec_for(focused)
        if spec is not None:
            return spec.concept
        if isinstance(focused, KpiTable) and focused.row_count:
            row = focused.coordinate_to_cell_key(focused.cursor_coordinate).row_key.value
            return metric_concept(row or "")
        active = self.query_one(TabbedContent).active
        if focused is not None and self.query_one(TabbedContent) in focused.ancestors:
            return TAB_CONCEPTS.get(active)
        return "finops-phases"

    def palette_commands(self):
        """Extra commands for the palette: jump to any decision."""
        form = self.query_one(DecisionForm)
        for spec in self.fields:
            yield (
                f"Go to: {spec.label} ({spec.group.lower()})",
                spec.help,
                lambda key=spec.key: form.focus_field(key),
            )
        for tab, name in zip(DASHBOARD_TABS, ("Spend", "Bill", "KPIs", "Events"), strict=True):
            yield (
                f"Dashboard: {name}",
                "Show this dashboard tab",
                lambda tab=tab: setattr(self.query_one(TabbedContent), "active", tab),
            )

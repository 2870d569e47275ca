"""The strategy studio: write a whole-game strategy, and watch it play 1,000 seeds as you go.

The decisions of each turn use the turn screen's form; a turn keeps only what it
changes. Each change plays the strategy over the same seeds as par and naive, in a
worker, and the right side shows the three side by side, and what the edit did.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from pydantic import ValidationError
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, RadioSet, Select, Static, Switch
from textual.worker import get_current_worker

from finops_tui.content.errors import ContentError
from finops_tui.content.plans import (
    PlanFile,
    list_plans,
    plan_path,
    plan_text,
    plans_dir,
    played_decisions,
    read_plan,
    write_plan,
)
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.level import MAX_RATIONALE
from finops_tui.engine.scenario import Scenario
from finops_tui.gameplay.fields import FieldSpec, decision_fields
from finops_tui.gameplay.format import kpi_label, kpi_value, usd_delta
from finops_tui.gameplay.strategy import (
    EditEffect,
    Strategy,
    TurnProblem,
    edits_between,
    evaluate,
    strategy_from_decisions,
    strategy_from_plan,
)
from finops_tui.gameplay.tournament import PlanOutcome, play_outcome, tournament_seeds
from finops_tui.ui.messages import StrategyPlayed
from finops_tui.ui.screens.base import GameScreen
from finops_tui.ui.widgets.decision_form import DecisionForm
from finops_tui.ui.widgets.footer import GameFooter

SEEDS = 1000  # the same seeds for the strategy, par and naive: 0 to 999
PREVIEW_DELAY = 0.06  # seconds of quiet typing before the strategy is played again
YARDSTICKS = ("par", "naive")
WIDE = 110  # columns: the app's -wide breakpoint
REDRAWS_KEPT = 200  # change -> numbers on screen, in ms, for `finops-tui bench`


def short_usd(value: float) -> str:
    """$840, $12.4k, $363k, $1.10M: money in six characters, three columns at 80 wide."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}${value / 1e6:.2f}M"
    if value >= 1e5:
        return f"{sign}${value / 1e3:.0f}k"
    if value >= 1e4:
        return f"{sign}${value / 1e3:.1f}k"
    return f"{sign}${value:,.0f}"


class StudioScreen(GameScreen):
    """Write a strategy for a level, turn by turn, and see it played over many seeds."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the form scrolls a page on these keys, which would swallow them.
        Binding(
            "pagedown",
            "turn(1)",
            "Next",
            id="studio.next_turn",
            key_display="pgdn",
            priority=True,
            tooltip="The next turn's decisions",
        ),
        Binding(
            "pageup",
            "turn(-1)",
            "Prev",
            id="studio.previous_turn",
            key_display="pgup",
            priority=True,
            tooltip="The previous turn's decisions",
        ),
        Binding(
            "right_square_bracket",
            "turn(1)",
            "Next turn",
            id="studio.next_turn_bracket",
            show=False,
            tooltip="The next turn's decisions",
        ),
        Binding(
            "left_square_bracket",
            "turn(-1)",
            "Previous turn",
            id="studio.previous_turn_bracket",
            show=False,
            tooltip="The previous turn's decisions",
        ),
        Binding("w", "why", "Why", id="studio.why", tooltip="Say why, for this turn"),
        Binding("s", "save", "Save", id="studio.save", tooltip="Keep the strategy as a plan"),
        Binding("l", "load", "Load", id="studio.load", tooltip="Open a plan: the level's or yours"),
        Binding(
            "i",
            "import_game",
            "Import",
            id="studio.import",
            tooltip="Start from what you played in a finished game",
        ),
        Binding(
            "u",
            "submit",
            "Submit",
            id="studio.submit",
            tooltip="Hand this strategy in to the class's tournament",
        ),
        Binding("escape", "leave", "Back", id="studio.leave", tooltip="Leave the studio"),
    ]

    def __init__(
        self,
        scenario: Scenario,
        strategy: Strategy | None = None,
        origin: str = "",
        prompt: str = "",
    ) -> None:
        super().__init__()
        self.prompt = prompt  # what a facilitator asks of the team (a class's Elaborate phase)
        self.scenario = scenario
        self.fields: list[FieldSpec] = decision_fields(scenario)
        if strategy is None:
            strategy = strategy_from_decisions(scenario, [])
        self.strategy = strategy
        self.origin = origin  # what the strategy started from, for the status line
        self.turn = 0  # 0-based: the turn the form shows
        self.seeds = tournament_seeds(0, SEEDS)
        self.version = 0  # one per evaluation asked; an older answer is dropped
        self.shown_version = 0  # the evaluation on screen (tests and the bench wait on it)
        self.input_errors: dict[str, str] = {}
        self.why_error: str | None = None
        self.problems: list[TurnProblem] = []
        self.evaluated: tuple[Strategy, PlanOutcome] | None = None
        self.effect: EditEffect | None = None
        self.yardsticks: dict[str, PlanOutcome] = {}
        self.redraw_ms: list[float] = []
        self._pending_what: tuple[str, ...] | None = None  # says what a load or import did
        self._edit_turn = 0
        self._changed_at: float | None = None
        self._timer: Timer | None = None
        self._saved_text = plan_text(scenario.level.id, strategy.to_plan())
        self._status_text: str | None = None
        self._table_drawn = False

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="status", classes="status-bar", markup=False)
        with Horizontal(id="studio-body"):
            with Vertical(id="studio-plan"):
                yield Static(id="studio-turn", markup=False)
                yield Input(
                    placeholder="Why? One line, for the team",
                    max_length=MAX_RATIONALE,
                    id="studio-why",
                    compact=True,
                )
                yield DecisionForm(self.fields, self._decisions()[0], id="decisions")
            with VerticalScroll(id="studio-results"):
                if self.prompt:  # typed by a facilitator: shown as typed
                    yield Static(Text(self.prompt), id="studio-prompt", markup=False)
                yield Static(id="studio-problems", markup=False)
                yield Static(id="studio-table", markup=False)
                yield Static(id="studio-edit", markup=False)
                yield Static(id="studio-turns", markup=False)
        yield GameFooter()

    def on_mount(self) -> None:
        self.query_one("#studio-plan").border_title = "Your strategy"
        if self.app.animation_level == "none":
            self.query_one("#studio-why", Input).cursor_blink = False
        self.show_turn(0)
        self._show_status()
        self.play_now(with_yardsticks=True)
        if self.fields:
            self.query_one(DecisionForm).focus_field(self.fields[0].key)

    def _decisions(self) -> list[Decisions]:
        return self.strategy.decisions(self.scenario)

    # -- the turn shown -------------------------------------------------------------------

    def show_turn(self, turn: int) -> None:
        """Show turn `turn`'s decisions in the form, and its rationale."""
        self.turn = max(0, min(turn, self.strategy.turns - 1))
        form = self.query_one(DecisionForm)
        self.input_errors.clear()
        for control in form.query(".-invalid"):
            control.remove_class("-invalid")
        form.show(self._decisions()[self.turn])
        why = self.query_one("#studio-why", Input)
        why.value = self.strategy.rationale[self.turn]
        self.why_error = None
        self._show_turn_line()
        self._show_problems()
        self._show_plan_outline()

    def _show_turn_line(self) -> None:
        level = self.scenario.level
        lines = self.strategy.change_lines(self.fields, self.turn)
        if lines:
            changed = "; ".join(lines)
        elif self.turn == 0:
            changed = "none: the level's starting decisions"
        else:
            changed = "none: last turn's decisions go on"
        text = Text(f"{level.period.capitalize()} {self.turn + 1} of {level.turns}", style="bold")
        text.append(f" (pgup/pgdn)\nChanges: {changed}")
        self.query_one("#studio-turn", Static).update(text)

    def _show_status(self) -> None:
        level = self.scenario.level
        setting = " (advanced)" if level.setting == "advanced" else ""
        saved = "" if self._is_saved() else " · not saved"
        origin = f" · from {self.origin}" if self.origin else ""
        text = f" Strategy studio · {level.title}{setting}{origin}{saved}"
        if text != self._status_text:
            # One line, always: no layout (that would lay out the whole screen again).
            self._status_text = text
            self.query_one("#status", Static).update(Text(text, no_wrap=True), layout=False)

    def _is_saved(self) -> bool:
        return plan_text(self.scenario.level.id, self.strategy.to_plan()) == self._saved_text

    # -- playing the strategy ------------------------------------------------------------

    def play_now(self, with_yardsticks: bool = False) -> None:
        """Play the strategy over the seeds, off the event loop."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.input_errors:
            self._show_problems()
            return
        self.version += 1
        self.play(self.version, self.strategy, with_yardsticks or not self.yardsticks)

    def _play_soon(self, typed: bool) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if typed:
            self._timer = self.set_timer(PREVIEW_DELAY, self.play_now)
        else:
            self.play_now()

    @work(thread=True, exclusive=True, group="studio", exit_on_error=False)
    def play(self, version: int, strategy: Strategy, with_yardsticks: bool) -> None:
        scenario = self.scenario
        evaluation = evaluate(scenario, strategy.decisions(scenario), self.seeds)
        yardsticks = None
        if with_yardsticks:
            yardsticks = {
                name: play_outcome(
                    scenario,
                    name,
                    strategy_from_plan(scenario, scenario.level.plans[name]).decisions(scenario),
                    self.seeds,
                )
                for name in YARDSTICKS
            }
        if not get_current_worker().is_cancelled:
            self.post_message(StrategyPlayed(version, strategy, evaluation, yardsticks))

    @on(StrategyPlayed)
    def _played(self, message: StrategyPlayed) -> None:
        if message.yardsticks:
            self.yardsticks = message.yardsticks
        if message.version != self.version:
            return  # an edit came since: its own answer is on the way
        strategy, evaluation = message.strategy, message.evaluation
        self.problems = evaluation.problems
        if evaluation.outcome is not None:
            self._note_effect(strategy, evaluation.outcome)
            self.evaluated = (strategy, evaluation.outcome)
        else:
            self._pending_what = None  # a plan that cannot be played opened: no effect to say
        self.shown_version = message.version
        self._show_problems()
        self._show_results()
        if self._changed_at is not None:
            self.call_after_refresh(self._redrawn, self._changed_at)
            self._changed_at = None

    def _redrawn(self, changed_at: float) -> None:
        self.redraw_ms = [
            *self.redraw_ms[-REDRAWS_KEPT + 1 :],
            (time.perf_counter() - changed_at) * 1000,
        ]

    def _note_effect(self, strategy: Strategy, outcome: PlanOutcome) -> None:
        """What the edit did: the strategy before and after it, on the same seeds."""
        pending, self._pending_what = self._pending_what, None  # said once, or never
        if self.evaluated is None:
            return
        before, before_outcome = self.evaluated
        if pending is not None:
            what = pending
        elif before.changes != strategy.changes:
            what = edits_between(before, strategy, self.fields, self._edit_turn)
            what = what or ("a decision carried over from an earlier turn",)
        else:
            return
        self.effect = EditEffect(
            turn=self._edit_turn + 1,
            what=what,
            why=strategy.rationale[self._edit_turn],
            before=before_outcome,
            after=outcome,
        )

    # -- showing the numbers ----------------------------------------------------------------

    def _show_problems(self) -> None:
        labels = {spec.key: spec.label.split("  ")[0] for spec in self.fields}
        lines = [f"{labels.get(k, k)}: {m}" for k, m in self.input_errors.items()]
        period = (self.scenario.level.period or "turn").capitalize()
        for p in self.problems:
            where = (
                "Budget" if p.problem.key == "budget" else labels.get(p.problem.key, p.problem.key)
            )
            lines.append(f"{period} {p.turn}: {where}: {p.problem.message}")
        if self.why_error:
            lines.append(f"Why: {self.why_error}")
        box = self.query_one("#studio-problems", Static)
        box.display = bool(lines)
        box.update(Text("\n".join(lines), style="bold"))
        self.query_one(DecisionForm).mark_problems(
            set(self.input_errors)
            | {p.problem.key for p in self.problems if p.turn == self.turn + 1}
        )

    def _show_results(self) -> None:
        table = self.query_one("#studio-table", Static)
        # The same rows every time: only the first drawing changes the layout.
        table.update(self.results_table(), layout=not self._table_drawn)
        self._table_drawn = True
        self.query_one("#studio-edit", Static).update(self.effect_text())
        self._show_plan_outline()
        self._show_status()

    def _columns(self) -> list[tuple[str, PlanOutcome | None]]:
        mine = self.evaluated[1] if self.evaluated else None
        label = "yours" if not self.problems else "last ok"
        return [(label, mine)] + [(name, self.yardsticks.get(name)) for name in YARDSTICKS]

    def results_table(self) -> Table:
        """Yours beside par and naive, on the same seeds."""
        columns = self._columns()
        table = Table(box=None, padding=(0, 1), pad_edge=False, expand=False)
        # At 80 columns a long KPI name gives way to the numbers; wider, it is whole.
        label_width = 14 if self.app.size.width < WIDE else 30
        table.add_column(
            f"{SEEDS:,} seeds", no_wrap=True, max_width=label_width, overflow="ellipsis"
        )
        for name, _ in columns:
            table.add_column(name, justify="right", no_wrap=True)

        def row(label: str, show) -> None:
            table.add_row(label, *[("-" if o is None else show(o)) for _, o in columns])

        row("Mean score", lambda o: f"{o.mean:.1f}")
        row("P10 (risk)", lambda o: f"{o.p10:.1f}")
        row("P90", lambda o: f"{o.p90:.1f}")
        row("Spend", lambda o: short_usd(o.spend_mean))
        row("of budget", lambda o: f"{o.spend_mean / o.budget_mean:.0%}" if o.budget_mean else "-")
        row("ROI", lambda o: f"{o.roi_mean:.2f}")
        for kpi in self._kpis():
            row(kpi_label(kpi), lambda o, k=kpi: kpi_value(k, o.kpis.get(k)))
        return table

    def _kpis(self) -> list[str]:
        """The KPIs the level scores (ROI has its own row)."""
        seen: list[str] = []
        for component in self.scenario.level.scoring.components:
            if component.kpi != "roi" and component.kpi not in seen:
                seen.append(component.kpi)
        return seen

    def effect_text(self) -> Text:
        """The counterfactual of the last edit: mean score and spend, before and after."""
        e = self.effect
        if e is None:
            return Text(
                "Change a decision: its effect over the same seeds shows here.", style="dim"
            )
        text = Text()
        text.append(f"Last edit, turn {e.turn}: ", style="bold")
        text.append("; ".join(e.what), style="bold")  # labels and values, never markup
        text.append(
            f"\n  mean score {e.before.mean:.1f} → {e.after.mean:.1f} ({e.mean_delta:+.1f})"
            f"\n  spend {short_usd(e.before.spend_mean)} → {short_usd(e.after.spend_mean)}"
            f" ({usd_delta(e.spend_delta)})"
            f"\n  P10 {e.before.p10:.1f} → {e.after.p10:.1f}"
        )
        why = self.strategy.rationale[e.turn - 1]  # as the team words it now
        if why:
            text.append("\n  why: ")
            text.append(why)  # typed by the team: shown as typed
        return text

    def _show_plan_outline(self) -> None:
        text = Text("The plan, turn by turn", style="bold")
        for t in range(self.strategy.turns):
            lines = self.strategy.change_lines(self.fields, t)
            why = self.strategy.rationale[t]
            if not lines and not why and t != self.turn:
                continue
            mark = "▶" if t == self.turn else " "
            text.append(f"\n{mark}{t + 1:>2} ")
            text.append("; ".join(lines) or "(no change)")
            if why:
                text.append(f" · “{why}”", style="italic")
        self.query_one("#studio-turns", Static).update(text)

    # -- what the team does ----------------------------------------------------------------

    @on(DecisionForm.Changed)
    def _decision_changed(self, event: DecisionForm.Changed) -> None:
        event.stop()
        spec = next((s for s in self.fields if s.key == event.key), None)
        if spec is None or not self._form_shows(spec, event.value):
            return  # a value shown for another turn, arriving late: not an edit
        had_error = self.input_errors.pop(event.key, None) is not None
        try:
            strategy = self.strategy.with_decision(self.scenario, self.turn, event.key, event.value)
        except ValueError as exc:
            self.input_errors[event.key] = str(exc)
            self._show_problems()
            return
        if strategy == self.strategy and not had_error:
            return
        self.strategy = strategy
        self._edit_turn = self.turn
        self._changed_at = time.perf_counter()
        self._play_soon(typed=event.typed)  # first: the worker plays while this redraws
        self.query_one(DecisionForm).show_rows(self._decisions()[self.turn])
        self._show_turn_line()
        self._show_status()

    def _form_shows(self, spec: FieldSpec, value: Any) -> bool:
        """Whether the form's control for `spec` shows `value` now."""
        control = self.query_one(DecisionForm).query_one(f"#{spec.widget_id}")
        if isinstance(control, Select | Switch):
            return control.value == value
        if isinstance(control, RadioSet):
            pressed = control.pressed_button
            return pressed is not None and pressed.name == value
        if isinstance(control, Input):
            try:
                return spec.parse(control.value) == value
            except ValueError:
                return False
        return True

    @on(DecisionForm.Invalid)
    def _decision_invalid(self, event: DecisionForm.Invalid) -> None:
        event.stop()
        if event.message is None:
            self.input_errors.pop(event.key, None)
        else:
            self.input_errors[event.key] = event.message
        self._show_problems()

    @on(Input.Changed, "#studio-why")
    def _why_changed(self, event: Input.Changed) -> None:
        event.stop()
        try:
            self.strategy = self.strategy.with_rationale(self.turn, event.value)
            self.why_error = None
        except ValueError as exc:
            self.why_error = str(exc)
        self._show_problems()
        self._show_plan_outline()
        if self.effect is not None and self.effect.turn == self.turn + 1:
            self.query_one("#studio-edit", Static).update(self.effect_text())
        self._show_status()

    @on(Input.Submitted, "#studio-why")
    def _why_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.fields:  # enter: back to the decisions
            self.query_one(DecisionForm).focus_field(self.fields[0].key)

    def action_turn(self, step: int) -> None:
        self.show_turn(self.turn + step)

    def action_why(self) -> None:
        self.query_one("#studio-why", Input).focus()

    def replace_strategy(self, strategy: Strategy, what: str) -> None:
        """Start over from another strategy (a plan, a game): an edit like any other."""
        self._pending_what = (what,)
        self.strategy = strategy
        self._edit_turn = 0
        self._changed_at = time.perf_counter()
        self.show_turn(0)
        self._show_status()
        self.play_now()

    # -- plans in and out ------------------------------------------------------------------

    def _plans_folder(self):
        store = self.game.store
        return plans_dir(store.folder) if store is not None else None

    def action_save(self) -> None:
        from finops_tui.ui.screens.saves import SaveNameScreen

        folder = self._plans_folder()
        if folder is None:
            self.notify("Saving is off in this session.", severity="warning")
            return

        def check(name: str) -> str | None:
            try:
                path = plan_path(folder, name)
            except ContentError as exc:
                return "\n".join(exc.problems)
            return f"exists: {path}" if path.exists() else None

        def named(name: str | None) -> None:
            if not name:
                return
            try:
                path = write_plan(
                    plan_path(folder, name), self.scenario.level.id, self.strategy.to_plan()
                )
            except ContentError as exc:
                self.notify(
                    "\n".join(exc.problems), title="Not saved", severity="error", markup=False
                )
                return
            self._saved_text = path.read_text(encoding="utf-8")
            self._show_status()
            self.notify(f"Saved as {path}", timeout=4, markup=False)

        self.app.push_screen(SaveNameScreen(check, "Save this strategy as:"), named)

    def action_load(self) -> None:
        from finops_tui.ui.screens.plan_picker import PickScreen

        level = self.scenario.level
        items: list[tuple[str, Any]] = [
            (f"{name}: {plan.title}" if plan.title else name, ("level", name))
            for name, plan in level.plans.items()
        ]
        folder = self._plans_folder()
        for found in list_plans(folder, level.id) if folder is not None else []:
            label = (
                f"{found.name} (yours)"
                if found.problem is None
                else f"{found.name} (cannot be read)"
            )
            items.append((label, ("file", found)))
        link = getattr(self.app, "class_link", None)
        if link is not None and link.class_dir.strategy_path(link.team).is_file():
            submitted = PlanFile("submitted", link.class_dir.strategy_path(link.team), level.id)
            items.append(("what your team submitted to the class", ("file", submitted)))
        self.app.push_screen(
            PickScreen(f"Open a plan for {level.title}", items, "No plans."), self._load_chosen
        )

    def _load_chosen(self, chosen: Any) -> None:
        if chosen is None:
            return
        kind, item = chosen
        try:
            if kind == "level":
                plan, name = self.scenario.level.plans[item], item
            else:
                if item.problem is not None:
                    raise ContentError([item.problem])
                plan, name = read_plan(item.path, self.scenario), item.name
            strategy = strategy_from_plan(self.scenario, plan)
        except ContentError as exc:
            self.notify(
                "\n".join(exc.problems), title="Cannot open", severity="error", markup=False
            )
            return
        except ValidationError as exc:
            self.notify(
                str(exc.errors()[0]["msg"]), title="Cannot open", severity="error", markup=False
            )
            return
        self.origin = name
        if kind == "file":
            self._saved_text = plan_text(self.scenario.level.id, strategy.to_plan())
        self.replace_strategy(strategy, f"opened {name}")

    def action_import_game(self) -> None:
        from finops_tui.ui.screens.plan_picker import PickScreen

        store = self.game.store
        level = self.scenario.level
        entries = []
        if store is not None:
            try:
                entries = [
                    e
                    for e in store.list()
                    if e.problem is None and e.finished and e.level == level.id
                ]
            except (OSError, ContentError):
                entries = []
        items = [
            (
                f"{'autosave' if e.autosave else e.name} · {e.player or 'no name'} · "
                f"score {e.score or 0:.1f} · seed {e.seed}",
                e,
            )
            for e in entries
        ]
        self.app.push_screen(
            PickScreen(
                f"What you played: finished games of {level.title}",
                items,
                "No finished game of this level in the saves folder yet.",
            ),
            self._import_chosen,
        )

    def _import_chosen(self, entry: Any) -> None:
        if entry is None:
            return
        try:
            decisions = played_decisions(entry.path, self.scenario.level.id)
        except ContentError as exc:
            self.notify(
                "\n".join(exc.problems), title="Cannot import", severity="error", markup=False
            )
            return
        self.import_decisions(decisions, "what you played")

    def import_decisions(self, decisions: list[Decisions], what: str) -> None:
        self.origin = what
        self.replace_strategy(strategy_from_decisions(self.scenario, decisions), f"imported {what}")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return getattr(self.app, "class_link", None) is not None
        if action == "turn":
            step = parameters[0] if parameters else 0
            can = 0 <= self.turn + int(step) < self.strategy.turns  # type: ignore[call-overload]
            return True if can else None
        return True

    def action_submit(self) -> None:
        link = getattr(self.app, "class_link", None)
        if link is None:
            return
        if self.problems or self.input_errors:
            self.notify(
                "Fix the problems first: a strategy that cannot be played is left out.",
                severity="warning",
            )
            return
        text = plan_text(self.scenario.level.id, self.strategy.to_plan())
        try:
            link.class_dir.submit_strategy(link.team, text)
        except ContentError as exc:
            self.notify(
                "\n".join(exc.problems), title="Not submitted", severity="error", markup=False
            )
            return
        self.notify("Submitted: the facilitator's tournament will play it.", timeout=4)

    def action_leave(self) -> None:
        if self._is_saved() or self.game.store is None:
            self.app.pop_screen()
            return
        from finops_tui.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes and self.app.screen is self:
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmScreen(
                "Leave the studio? This strategy is not saved (s saves it).", "Leave", "Stay"
            ),
            answered,
        )

    def codex_topic(self) -> str | None:
        spec = self.query_one(DecisionForm).spec_for(self.focused)
        return spec.concept if spec is not None else "finops-phases"

"""The debrief: the score and stars, the KPIs over the game, par and naive on the same seed."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Markdown,
    Static,
    TabbedContent,
    TabPane,
    Tabs,
)

from finops_tui.content.targets import target_met
from finops_tui.engine.game import InvalidDecisions, counterfactual, plan_decisions, play
from finops_tui.engine.level import ScoreComponent
from finops_tui.engine.state import GameState
from finops_tui.gameplay.format import (
    KPI_INFO,
    kpi_against_target,
    kpi_concept,
    kpi_value,
    met_mark,
    period_name,
    stars,
    target,
    usd,
)
from finops_tui.gameplay.roles import (
    lead_first,
    lead_keys,
    metric_concept,
    metric_label,
    metric_text,
)
from finops_tui.gameplay.roles import metric_value as lens_value
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.messages import PlansSimulated
from finops_tui.ui.screens.seen import SeenBeforeLeaving, leaves
from finops_tui.ui.widgets.fitted_table import FittedTable
from finops_tui.ui.widgets.footer import GameFooter
from finops_tui.ui.widgets.spend_chart import SpendChart, SpendSeries

PLANS = ("par", "naive")
DEBRIEF_TABS = ("tab-result", "tab-turns", "tab-spend", "tab-what-if", "tab-lessons")


def relevant_kpis(session: GameSession) -> list[str]:
    """The game KPIs that mean something in this level, scored ones first."""
    level = session.level
    scored = [c.kpi for c in level.scoring.components]
    skip = set(scored)
    if level.training is None:
        skip |= {"on_time", "model_quality"}
    if level.inference is None:
        skip |= {"sla_attainment", "unit_cost_per_1k_requests"}
    pricing = set(level.training.pricing if level.training else [])
    pricing |= set(level.inference.pricing if level.inference else [])
    if not pricing & {"commit-1y", "commit-3y"}:
        skip |= {"commitment_utilization", "commitment_obligation_usd"}
    if "safety_evaluation" not in level.practices.enabled:
        skip.add("safety")
    if not any(c.kpi == "forecast_accuracy" for c in level.scoring.components):
        skip.add("forecast_accuracy")
    return scored + [k for k in KPI_INFO if k not in skip]


def against_target(kpi: str, c: ScoreComponent | None, value: float | None) -> str:
    """A KPI of a run; a scored one precise enough to read as missed when it is, ✓ if met."""
    if c is None:
        return metric_text(kpi, value)
    return kpi_against_target(c, value) + met_mark(c, value)


def verdict(score: float, thresholds: tuple[float, float, float], missed: int = 0) -> str:
    """The debrief's one-line judgement; never "Excellent" beside a missed target."""
    if score >= thresholds[2]:
        if missed:
            return (
                f"Three stars, with {missed} target{'s' if missed > 1 else ''} missed: "
                "the rows without ✓ below."
            )
        return "Excellent: a sound FinOps strategy."
    if score >= thresholds[1]:
        return "Good: a few habits away from three stars."
    if score >= thresholds[0]:
        return "A start: the debrief shows where the money went."
    return "A hard lesson: compare your run with par below."


class DebriefScreen(SeenBeforeLeaving):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "title", "Title screen", id="debrief.title", priority=True),
        Binding("a", "again", "Play again", id="debrief.again", tooltip="Same level, same seed"),
        Binding("d", "next_tab", "Next tab", id="debrief.tab"),
        Binding("pagedown", "page(True)", show=False, id="debrief.page_down"),
        Binding("pageup", "page(False)", show=False, id="debrief.page_up"),
        Binding(
            "x",
            "export",
            "Export",
            id="debrief.export",
            tooltip="The bill as FOCUS CSV, or a report in Markdown or HTML",
        ),
        Binding(
            "s",
            "studio",
            "Studio",
            id="debrief.studio",
            show=False,
            tooltip="Improve on what you played in the strategy studio",
        ),
        Binding("q", "app.quit", "Quit", id="debrief.quit"),
        Binding(
            "e",
            "quiz",
            "Quiz",
            id="debrief.quiz",
            tooltip="Check what you learned: a short quiz that adapts to your answers",
        ),
        Binding(
            "j",
            "justify",
            "Justify",
            id="debrief.justify",
            show=False,
            tooltip="Justify your strategy in writing, for an executive audience",
        ),
        Binding(
            "r",
            "reflect",
            "Reflect",
            id="debrief.reflect",
            show=False,
            tooltip="Three short reflection prompts",
        ),
    ]

    def __init__(self, session: GameSession) -> None:
        super().__init__()
        self.session = session
        self.runs: dict[str, GameState] = {}
        self.what_ifs: dict[str, GameState] = {}
        self._tab_by_key = False  # `d` moved the tab: its content takes the focus

    def compose(self) -> ComposeResult:
        session, level, state = self.session, self.session.level, self.session.state
        yield Static(
            f" Debrief · {level.title} · seed {session.seed}"
            + (f" · {session.player}" if session.player else "")
            + (f" · watched: {session.watched}" if session.watched else ""),
            classes="status-bar",
            markup=False,
        )
        summary = Text()
        summary.append(f"Score {state.score:.1f} / 100  ", style="bold")
        summary.append(stars(state.stars), style="bold")
        missed = sum(
            not target_met(c, state.game_kpis.get(c.kpi)) for c in level.scoring.components
        )
        summary.append(f"   {verdict(state.score, level.scoring.stars, missed)}\n")
        owed = state.game_kpis.get("commitment_obligation_usd") or 0.0
        summary.append(
            f"You spent {usd(state.spend_usd)} over {level.turns} {period_name(level)}s "
            + (f"(and owe {usd(owed)} of commitments still running) " if owed >= 0.5 else "")
            + f"for {usd(sum(r.value_usd for r in state.history))} of value."
        )
        yield Static(summary, id="debrief-summary", markup=False)
        with Horizontal(id="learning-bar"):
            yield Static("After the debrief (optional):", id="learning-label", markup=False)
            for name, label in self._learning_labels().items():
                button = Button(label, id=f"learning-{name}", compact=True)
                button.can_focus = False  # enter belongs to the debrief; these are for the mouse
                yield button
        with TabbedContent(id="debrief-tabs"):
            with TabPane("Result", id="tab-result"):
                yield DataTable(id="compare", cursor_type="row")
            with TabPane("Turns", id="tab-turns"):
                yield FittedTable(id="turns", cursor_type="row", wrap_columns=("events",))
            with TabPane("Spend", id="tab-spend"):
                yield SpendChart(id="debrief-chart")
            with TabPane("What if", id="tab-what-if"):
                yield FittedTable(id="what-if", cursor_type="row", wrap_columns=("what", "lesson"))
            with TabPane("Lessons", id="tab-lessons"), VerticalScroll(classes="reading"):
                yield Markdown(self._lessons_markdown(), open_links=False)
        yield GameFooter()

    def on_mount(self) -> None:
        self._fill_compare()
        self._fill_turns()
        self._fill_chart()
        self.query_one("#compare").focus()
        self.simulate_plans()
        self._show_learning()
        self.watch(self.app, "role", lambda _role: self._fill_compare(), init=False)

    def on_screen_resume(self) -> None:
        self._show_learning()

    def _learning_labels(self) -> dict[str, str]:
        learning, answers = self.session.learning, self.session.quiz_answers()
        right = sum(a.correct for a in answers)
        done = answers and self.session.next_quiz_question() is None
        return {
            "quiz": f"Quiz {right}/{len(answers)} ✓ (e)" if done else "Quiz (e)",
            "justify": "Justification ✓ (j)" if learning.justification else "Justification (j)",
            "reflect": "Reflection ✓ (r)" if learning.reflections else "Reflection (r)",
        }

    def _show_learning(self) -> None:
        """The quiz, justification and reflection buttons, with how far each has gone."""
        for name, label in self._learning_labels().items():
            button = self.query_one(f"#learning-{name}", Button)
            button.label = label
            button.refresh(layout=True)  # a label's width is not a layout change to Textual
        self.query_one("#learning-quiz", Button).display = bool(self.session.level.quiz)

    @work(thread=True, exclusive=True, group="plans")
    def simulate_plans(self) -> None:
        """Play par and naive on the player's seed, off the event loop."""
        scenario, seed = self.session.scenario, self.session.seed
        runs = {}
        for name in PLANS:
            if name not in scenario.level.plans:
                continue
            try:
                runs[name] = play(
                    scenario, seed, plan_decisions(scenario, scenario.level.plans[name])
                )
            except InvalidDecisions:
                # A plan this world refuses (a hard cap after an injected price rise, say)
                # is left out of the comparison; the player's own run stands.
                continue
        own = self.session.state.decisions
        for i, what_if in enumerate(scenario.level.counterfactuals):
            runs[f"what-if-{i}"] = counterfactual(scenario, seed, own, what_if.change)
        self.post_message(PlansSimulated(runs))

    @on(PlansSimulated)
    def _plans_simulated(self, message: PlansSimulated) -> None:
        self.runs = {k: v for k, v in message.runs.items() if k in PLANS}
        self.what_ifs = {k: v for k, v in message.runs.items() if k not in PLANS}
        self._fill_compare()
        self._fill_chart()
        self._fill_what_if()

    def _fill_what_if(self) -> None:
        """Your own decisions with one change each, on the same seed (the level's what-ifs)."""
        table = self.query_one("#what-if", DataTable)
        table.clear(columns=True)
        table.add_column("Your decisions…", key="what")
        table.add_column(Text("Score", justify="right"), key="score")
        table.add_column(Text("Spend", justify="right"), key="spend")
        table.add_column("Why", key="lesson")
        you = self.session.state
        table.add_row(
            "as you played",
            Text(f"{you.score:.1f}", justify="right"),
            Text(usd(you.spend_usd), justify="right"),
            "",
        )
        for i, what_if in enumerate(self.session.level.counterfactuals):
            run = self.what_ifs.get(f"what-if-{i}")
            if run is None:
                continue
            table.add_row(
                Text(what_if.label),
                Text(f"{run.score:.1f}", justify="right"),
                Text(usd(run.spend_usd), justify="right"),
                Text(what_if.lesson),
            )
        if not self.session.level.counterfactuals:
            table.add_row("(this level has no what-ifs)", "", "", "")

    def _fill_compare(self) -> None:
        table = self.query_one("#compare", DataTable)
        table.clear(columns=True)
        table.add_column("", key="what")
        table.add_column(Text("Target", justify="right"), key="target")
        table.add_column(Text("You", justify="right"), key="you")
        for name in PLANS:
            table.add_column(Text(name.capitalize(), justify="right"), key=name)
        level, you = self.session.level, self.session.state

        def cell(run: GameState | None, fmt) -> Text:
            return Text("…" if run is None else fmt(run), justify="right")

        def row(label: str, goal: str, fmt, key: str) -> None:
            runs = [cell(self.runs.get(name), fmt) for name in PLANS]
            table.add_row(Text(label), Text(goal, justify="right"), cell(you, fmt), *runs, key=key)

        row("Score", "", lambda s: f"{s.score:.1f}", "score")
        row("Stars", "", lambda s: stars(s.stars), "stars")
        row("Spend", "", lambda s: usd(s.spend_usd), "spend")
        components: dict[str, ScoreComponent] = {c.kpi: c for c in level.scoring.components}
        role = getattr(self.app, "role", "")
        lens = lead_keys(role, level)
        for kpi in lead_first(relevant_kpis(self.session), role, level):
            c = components.get(kpi)
            label = (c.label if c is not None and c.label else metric_label(kpi)) + (
                "" if c is not None else " (not scored)"
            )
            row(
                ("▸ " if kpi in lens else "") + label,
                target(c) if c is not None else "",
                lambda s, kpi=kpi, c=c: against_target(kpi, c, lens_value(kpi, s)),
                kpi,
            )

    def _fill_turns(self) -> None:
        table = self.query_one("#turns", DataTable)
        table.add_column("#", key="turn")
        for name in ("Spend", "Budget", "Value", "Waste"):
            table.add_column(Text(name, justify="right"), key=name.lower())
        table.add_column(Text("Owned", justify="right"), key="owned")
        table.add_column("Events", key="events")
        for r in self.session.state.history:
            table.add_row(
                str(r.turn),
                Text(usd(r.spend_usd), justify="right"),
                Text(usd(r.budget_usd), justify="right"),
                Text(usd(r.value_usd), justify="right"),
                Text(usd(r.kpis.get("waste_usd") or 0), justify="right"),
                Text(
                    kpi_value("allocation_coverage", r.kpis.get("allocation_coverage")),
                    justify="right",
                ),
                Text("; ".join(e.title for e in r.events) or "-"),
            )

    def _fill_chart(self) -> None:
        state = self.session.state
        self.query_one(SpendChart).show(
            SpendSeries(
                periods=self.session.level.turns,
                spent=[r.spend_usd for r in state.history],
                budgets=[r.budget_usd for r in state.history],
                others={
                    name: [r.spend_usd for r in run.history] for name, run in self.runs.items()
                },
            )
        )

    def _lessons_markdown(self) -> str:
        level = self.session.level
        plans = "\n".join(
            f"- **{name.capitalize()}**: {level.plans[name].title}. {level.plans[name].description}"
            for name in PLANS
            if name in level.plans
        )
        lessons = "\n".join(f"- {lesson}" for lesson in level.lessons)
        return (
            f"{level.debrief.strip()}\n\n## Lessons\n\n{lessons}\n\n"
            f"## The runs you are compared with\n\n{plans}\n"
        )

    @leaves
    def action_title(self) -> None:
        self.game.show_title()

    @leaves
    def action_again(self) -> None:
        self.game.start_game(self.session.scenario, self.session.seed, self.session.player)

    def action_studio(self) -> None:
        played = [record.decisions for record in self.session.state.history]
        self.game.open_studio(self.session.level.id, played)

    def action_export(self) -> None:
        from finops_tui.ui.screens.export import open_game_export

        open_game_export(self.app, self.session)

    def action_quiz(self) -> None:
        from finops_tui.ui.screens.quiz import QuizScreen

        self.app.push_screen(QuizScreen(self.session))

    def action_justify(self) -> None:
        from finops_tui.ui.screens.written import JustificationScreen

        self.app.push_screen(JustificationScreen(self.session))

    def action_reflect(self) -> None:
        from finops_tui.ui.screens.written import ReflectionScreen

        self.app.push_screen(ReflectionScreen(self.session))

    @on(Button.Pressed, "#learning-bar Button")
    def _learning_pressed(self, event: Button.Pressed) -> None:
        actions = {
            "learning-quiz": self.action_quiz,
            "learning-justify": self.action_justify,
            "learning-reflect": self.action_reflect,
        }
        actions[event.button.id or "learning-quiz"]()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quiz":
            return bool(self.session.level.quiz)
        return True

    def palette_commands(self):
        yield ("Justify", "Justify your strategy in writing, for executives", self.action_justify)
        yield ("Reflect", "Three short reflection prompts", self.action_reflect)

    def action_next_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        current = DEBRIEF_TABS.index(tabs.active) if tabs.active in DEBRIEF_TABS else -1
        self._tab_by_key = True
        tabs.active = DEBRIEF_TABS[(current + 1) % len(DEBRIEF_TABS)]

    @on(TabbedContent.TabActivated, "#debrief-tabs")
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        """The shown tab's content takes the keys (page down, arrows), not a hidden one."""
        by_key, self._tab_by_key = self._tab_by_key, False
        focused, pane = self.focused, event.pane
        if focused is not None and (focused is pane or pane in focused.ancestors):
            return
        if isinstance(focused, Tabs) and not by_key:
            return  # moving along the tab bar (arrows, a click): the focus stays there
        target = next((w for w in pane.query("*") if w.focusable), None)
        # A pane with nothing to focus (the chart): the tab bar, so arrows still do something.
        (target or self.query_one("#debrief-tabs", TabbedContent).query_one(Tabs)).focus()

    def action_page(self, down: bool) -> None:
        """Page through the shown tab from the tab bar too (the content does it when focused)."""
        pane = self.query_one("#debrief-tabs", TabbedContent).active_pane
        if pane is None:
            return
        scrollable = next((w for w in pane.query("*") if w.allow_vertical_scroll), None)
        if scrollable is not None:
            scrollable.scroll_page_down() if down else scrollable.scroll_page_up()

    def codex_topic(self) -> str | None:
        table = self.query_one("#compare", DataTable)
        if self.focused is table and table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
            if key in KPI_INFO:
                return kpi_concept(key)
            if key in lead_keys(getattr(self.app, "role", ""), self.session.level):
                return metric_concept(key)
        return "roi"

"""The title screen: pick a level (difficulty, turns, best score), or resume a game."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from finops_tui.content.levels import LevelInfo
from finops_tui.gameplay.format import stars
from finops_tui.gameplay.roles import lens_name
from finops_tui.ui.messages import BestScoresLoaded
from finops_tui.ui.screens.seen import SeenBeforeLeaving, leaves
from finops_tui.ui.widgets.footer import GameFooter

TAGLINE = (
    "Run an AI project through its budget periods. Buy compute well, adopt FinOps "
    "practices, and read the bill line by line. The keys are at the bottom; ? explains "
    "them all, and ctrl+p finds any command by name."
)


BEST_WIDEST = f"100.0 {stars(3)}"


class TitleScreen(SeenBeforeLeaving):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "play", "Play", id="title.play", priority=True),
        Binding("r", "resume", "Resume", id="title.resume", tooltip="Continue an unfinished game"),
        Binding("l", "saves", "Saves", id="title.saves", tooltip="Load a saved game"),
        Binding(
            "v", "setting", "Setting", id="title.setting", tooltip="Standard or advanced setting"
        ),
        Binding(
            "a,dollar_sign",
            "calculator",
            "Calculator",
            id="title.calculator",
            key_display="a",
            tooltip="The AI project cost calculator: training and serving on every GPU",
        ),
        Binding(
            "f",
            "analysis",
            "Analyse a bill",
            id="title.analysis",
            tooltip="Open a FOCUS cost export and walk through what it says",
        ),
        Binding(
            "s",
            "studio",
            "Studio",
            id="title.studio",
            tooltip="The strategy studio: write a whole-game strategy for this level",
        ),
        Binding("q", "app.quit", "Quit", id="title.quit"),
    ]

    def __init__(self, levels: list[LevelInfo], summaries: dict[str, str]) -> None:
        super().__init__()
        self.levels = levels
        self.summaries = summaries
        self.best: dict[str, tuple[float, int]] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="title-box"):
            yield Static("FinOps TUI", id="title-name", markup=False)
            yield Static("A game about the cost of AI projects", id="title-sub", markup=False)
            yield Static(TAGLINE, id="title-tagline", markup=False)
            yield DataTable(id="levels", cursor_type="row")
            yield Static(id="level-summary", markup=False)
        yield GameFooter()

    def on_mount(self) -> None:
        table = self.query_one("#levels", DataTable)
        table.add_column("Level", key="level")
        table.add_column("Difficulty", key="difficulty")
        table.add_column(Text("Turns", justify="right"), key="turns")
        # Wide enough for the best there is: measured from what rows hold, the column
        # could be left at the width of "-" and cut "100.0 ★★★" to "100.".
        table.add_column(Text("Best", justify="right"), key="best", width=cell_len(BEST_WIDEST))
        self._fill()
        table.focus()
        self.game.load_best_scores(self)
        self.watch(self.app, "role", lambda _role: self._show_summary(), init=False)
        self.call_after_refresh(self.game.offer_resume, True)

    def _fill(self) -> None:
        table = self.query_one("#levels", DataTable)
        row = table.cursor_row
        table.clear()
        for info in self.levels:
            best = self.best.get(info.id)
            shown = f"{best[0]:.1f} {stars(best[1])}" if best else "-"
            table.add_row(
                escape(info.title),  # a level file's text: shown as written, never as markup
                escape(info.difficulty),
                Text(str(info.turns), justify="right"),
                Text(shown, justify="right"),
                key=info.id,
            )
        if self.levels:
            table.move_cursor(row=min(row, len(self.levels) - 1))
        else:
            self.query_one("#level-summary", Static).update(
                "No levels found. Set FINOPS_TUI_LEVELS to a folder of level files."
            )

    @on(BestScoresLoaded)
    def _best_loaded(self, message: BestScoresLoaded) -> None:
        self.best = message.best
        self._fill()

    @on(DataTable.RowHighlighted, "#levels")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_summary()

    def _show_summary(self) -> None:
        level_id = self.selected_level() or ""
        setting = self.game.setting
        seed = self.game.fixed_seed
        text = Text(self.summaries.get(level_id, ""))
        text.append(f"\n\nSetting: {setting} (v switches)", style="dim")
        text.append(f" · lens: {lens_name(getattr(self.app, 'role', ''))} (o)", style="dim")
        text.append(
            f" · seed {seed}" if seed is not None else " · a new seed each game", style="dim"
        )
        self.query_one("#level-summary", Static).update(text)

    def action_setting(self) -> None:
        game = self.game
        game.setting = "advanced" if game.setting == "standard" else "standard"
        self._show_summary()

    @on(DataTable.RowSelected, "#levels")
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.game.choose_level(event.row_key.value)

    def selected_level(self) -> str | None:
        table = self.query_one("#levels", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    @leaves
    def action_play(self) -> None:
        level_id = self.selected_level()
        if level_id:
            self.game.choose_level(level_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("resume", "saves"):
            return self.game.has_saves(unfinished=action == "resume")
        return True

    def action_resume(self) -> None:
        self.game.offer_resume()

    def action_saves(self) -> None:
        self.game.show_saves()

    def action_calculator(self) -> None:
        self.game.open_calculator()

    def action_analysis(self) -> None:
        self.game.open_analysis()

    def action_studio(self) -> None:
        self.game.open_studio(self.selected_level())

    def codex_topic(self) -> str | None:
        return "finops-phases"

    def palette_commands(self):
        for info in self.levels:
            yield (
                f"Play: {info.title}",
                f"{info.difficulty}, {info.turns} turns",
                lambda level_id=info.id: self.game.choose_level(level_id),
            )

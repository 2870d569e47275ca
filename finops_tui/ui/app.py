"""The Textual app: screens for each mode of play, one session, the command palette."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Markdown

from finops_tui.content.errors import ContentError
from finops_tui.content.files import read_toml
from finops_tui.content.levels import LevelInfo, list_levels, load_scenario
from finops_tui.content.quiz import QuizTiming
from finops_tui.engine.decisions import Decisions
from finops_tui.engine.level import Plan
from finops_tui.engine.scenario import Scenario
from finops_tui.engine.state import TurnRecord
from finops_tui.gameplay.codex import concept_from_link
from finops_tui.gameplay.fan_process import FanProcess
from finops_tui.gameplay.roles import ROLES, lead_keys, lens_name, metric_label, next_lens
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.classroom.hosted import HostedApp
from finops_tui.ui.commands import GameCommands, open_palette
from finops_tui.ui.keymap import KeymapStatus
from finops_tui.ui.messages import BestScoresLoaded, OpenCodex
from finops_tui.ui.no_colour import no_colour_filters
from finops_tui.ui.textual_fixes import RemoveScreensOnceMounted
from finops_tui.ui.textual_fixes import apply as apply_textual_fixes
from finops_tui.ui.widgets.size_notice import show_size_notice

apply_textual_fixes()


def tidy_memory() -> None:
    """Collect what was made since the last freeze, at a pause in play; freeze the rest.

    A full collection walks every object the app holds: 20 to 85 ms mid-turn, long
    enough to stall a key or a forecast. Done here, at a screen change, and with the
    survivors frozen, the collections during a turn only walk what the turn made.

    What is already frozen is not walked again: in a hosted class each game is forked
    from a warm process, and walking the heap it shares with it would copy those pages
    into each game (about 90 ms and megabytes of memory per learner, thirty learners
    reaching their turn screen at once). What died among the frozen is freed when the
    game is over, by `release_memory`.
    """
    gc.collect()
    gc.freeze()


def release_memory() -> None:
    """At the end of a game: unfreeze and collect everything, so the game's screens,
    reports and what else died since the last release are freed; freeze the rest."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class FinOpsApp(HostedApp, RemoveScreensOnceMounted, App[None]):
    """A learner plays a level from the title screen (or straight in) to the debrief."""

    CSS_PATH = "app.tcss"
    TITLE = "FinOps TUI"
    COMMANDS = App.COMMANDS | {GameCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (110, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark,f1",
            "help",
            "Help",
            id="app.help",
            key_display="?",
            tooltip="Every key, and what it does",
        ),
        Binding(
            "c", "codex", "Codex", id="app.codex", tooltip="The concept behind what you are on"
        ),
        Binding(
            "o",
            "lens",
            "Lens",
            id="app.lens",
            show=False,  # footers are full at 80 columns; the title and briefing name the key
            tooltip="See the game as IT, Finance or Data Science (o again for the next)",
        ),
        Binding(
            "k",
            "scoreboard",
            "Scores",
            id="app.scoreboard",
            tooltip="The class's live scoreboard (in a hosted class)",
        ),
    ]
    # The role lens (IT, Finance, Data Science; "" for none): kept for the whole session.
    role: reactive[str] = reactive("")

    def __init__(
        self,
        scenario: Scenario | None = None,
        seed: int | None = None,
        player: str = "",
        store: Any = None,
        animate: bool = True,
        setting: str = "standard",
        class_link: Any = None,
        watch: tuple[str, Plan, list[Decisions], int] | None = None,
        keymap: KeymapStatus | None = None,
        quiz_timing: QuizTiming | None = None,
    ) -> None:
        super().__init__()
        self.quiz_timing_setting = quiz_timing or QuizTiming()  # `play --quiz-seconds`
        self.keymap_status = keymap  # the player's keymap file: applied on mount, shown in help
        self.watch_plan = watch  # (name, plan, its decisions, seed): `play --watch`
        self.class_link = class_link
        if class_link is not None:
            # A team's game runs on the class host: failures are logged there, not shown.
            self.host_in(class_link.class_dir, "play")
            class_link.on_problem = self._class_problem
        self.setting = setting
        self.start_scenario = scenario
        self.fixed_seed = seed
        self.player = player
        self.store = store
        # Set by the launcher, which forks it before Textual starts a thread.
        self.fan_process: FanProcess | None = None
        self.session: GameSession | None = None
        self.seat_link: Any = None  # a member of a seated team (ui.classroom.seating)
        self._offered_resume = False
        self.key_pressed: tuple[str, float] | None = None
        if not animate:
            self.animation_level = "none"

    async def on_event(self, event: events.Event) -> None:
        # The key being handled, and when it was pressed: a screen's leaving keys ignore
        # keys typed before it was shown (ui.screens.seen).
        if not isinstance(event, events.Key):
            await super().on_event(event)
            return
        self.key_pressed = (event.key, event.time)
        try:
            await super().on_event(event)
        finally:
            self.key_pressed = None

    # -- start --------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(self, lambda _screen: self._check_size())
        self.apply_keymap()
        if self.class_link is not None and self.start_scenario is not None:
            self.start_class_game(self.start_scenario)
            return
        if self.start_scenario is not None and self.watch_plan is not None:
            self.start_watch(self.start_scenario, *self.watch_plan)
        elif self.start_scenario is not None:
            self.start_game(self.start_scenario, self.fixed_seed, self.player)
        else:
            self.show_title()

    def apply_keymap(self) -> None:
        """The player's keys over the defaults; a file set aside is said once, in words."""
        status = self.keymap_status
        if status is None:
            return
        if status.problem is not None:
            self.notify(
                status.problem,
                title="Keymap not applied",
                severity="error",
                timeout=20,
                markup=False,
            )
        elif status.keymap:
            self.set_keymap(status.keymap)

    def title_screen(self) -> Screen:
        from finops_tui.ui.screens.title import TitleScreen

        levels = list_levels()
        return TitleScreen(levels, _summaries(levels))

    def show_title(self) -> None:
        """Back to the title screen, whatever was open."""
        self.session = None
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if len(self.screen_stack) > 1:
            self.switch_screen(self.title_screen())
        else:
            self.push_screen(self.title_screen())
        self.call_after_refresh(release_memory)  # a game left halfway is gone too

    def choose_level(self, level_id: str) -> None:
        try:
            scenario = load_scenario(level_id, setting=self.setting)
        except ContentError as exc:
            self.notify(
                "\n".join(exc.problems), title="This level cannot be played", severity="error"
            )
            return
        self.start_game(scenario, self.fixed_seed, self.player)

    def start_game(self, scenario: Scenario, seed: int | None, player: str = "") -> None:
        """A new game of `scenario`; it opens on the briefing."""
        from finops_tui.ui.screens.briefing import BriefingScreen

        self.session = GameSession.start(scenario, seed, player)
        self._replace_game_screen(BriefingScreen(self.session))

    def start_watch(
        self, scenario: Scenario, name: str, plan: Plan, decisions: list[Decisions], seed: int
    ) -> None:
        """Watch a plan play `scenario` period by period (never saved: nobody played it)."""
        from finops_tui.ui.screens.watch import WatchScreen

        self.session = GameSession.start(scenario, seed, self.player)
        self.session.watched = name
        self._replace_game_screen(WatchScreen(self.session, plan, decisions))

    def start_class_game(self, scenario: Scenario) -> None:
        """A team in a hosted class: its saved game (or a new one), following the facilitator."""
        from finops_tui.ui.classroom.link import ClassFollower, resume_or_start, with_injections
        from finops_tui.ui.classroom.lobby import LobbyScreen

        link = self.class_link
        link.read()
        session = resume_or_start(self, self.store, scenario, self.fixed_seed or 0, self.player)
        # Events injected while the team was away join its (new or saved) game now.
        session.scenario = with_injections(
            session.scenario, [i.event for i in link.control.injected]
        )
        session.gate = link.gate
        self.session = session
        if getattr(link, "seat", None) is not None:
            from finops_tui.ui.classroom.seating import SeatLink

            # A seated team: the team's writer (maybe in another member's process)
            # resolves turns and writes saves and status; this app follows it.
            self.seat_link = SeatLink(self, link.class_dir, link.team, link.seat, self.store)
            self.seat_link.start(scenario, self.fixed_seed or 0)
        else:
            link.write_status(session)
        if session.state.history:
            self.resume_game(session)
        else:
            self._replace_game_screen(LobbyScreen(session, link))
        self.class_follower = ClassFollower(self, link)
        self.class_follower.start()

    def _class_problem(self, text: str) -> None:
        self.notify(text, title="The class host", severity="warning", timeout=12)

    def on_unmount(self) -> None:
        if self.seat_link is not None:
            self.seat_link.leave()
        elif self.class_link is not None and self.session is not None:
            self.class_link.write_status(self.session, connected=False)

    def action_scoreboard(self) -> None:
        from finops_tui.ui.classroom.link import ScoreboardScreen

        if self.class_link is not None and not isinstance(self.screen, ScoreboardScreen):
            self.push_screen(ScoreboardScreen(self.class_link.class_dir))

    def resume_game(self, session: GameSession) -> None:
        self.session = session
        if session.state.finished:
            self.show_debrief(session)
        else:
            self.begin_turns(session)

    def _replace_game_screen(self, screen: Screen) -> None:
        """Show `screen` above the title (if any), dropping the screens of a game."""
        from finops_tui.ui.screens.title import TitleScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, TitleScreen):
            if len(self.screen_stack) == 2:
                self.switch_screen(screen)
                return
            self.pop_screen()
        self.push_screen(screen)

    # -- the game's screens -------------------------------------------------------------

    def begin_turns(self, session: GameSession) -> None:
        from finops_tui.ui.screens.turn import TurnScreen

        if self.seat_link is not None:
            from finops_tui.ui.classroom.seated_turn import SeatedTurnScreen

            self._replace_game_screen(SeatedTurnScreen(session, self.seat_link))
        else:
            self._replace_game_screen(TurnScreen(session))
        self.call_after_refresh(tidy_memory)  # the turn screen's widgets last the game

    def show_briefing(self, session: GameSession, playing: bool = False) -> None:
        from finops_tui.ui.screens.briefing import BriefingScreen

        self.push_screen(BriefingScreen(session, playing=playing))

    def show_report(
        self, session: GameSession, record: TurnRecord, after: Callable[[Any], None] | None
    ) -> None:
        from finops_tui.ui.screens.report import ReportScreen

        self.push_screen(ReportScreen(session.scenario, session.state, record), after)
        self.call_after_refresh(tidy_memory)  # while the player reads the report

    def show_debrief(self, session: GameSession) -> None:
        from finops_tui.ui.screens.debrief import DebriefScreen

        self._replace_game_screen(DebriefScreen(session))
        self.call_after_refresh(release_memory)  # the turn screen and reports are gone

    def confirm_leave(self) -> None:
        from finops_tui.ui.screens.confirm import ConfirmScreen

        saved = " It is saved after every turn." if self.store is not None else ""
        if self.session is not None and self.session.watched:
            saved = ""
        question = f"Leave this game and go back to the title screen?{saved}"

        def answered(yes: bool | None) -> None:
            if yes:
                self.show_title()

        self.push_screen(ConfirmScreen(question, yes="Leave", no="Stay"), answered)

    # -- help, codex, palette -----------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._check_size)

    def _check_size(self) -> None:
        """Under 80x24, a notice over the screen says so; play goes on below it."""
        if self.screen_stack:
            show_size_notice(self.screen, self.size)

    def get_line_filters(self) -> Sequence[LineFilter]:
        # Textual turns NO_COLOR into 256-colour greys; the app sends no colour at all.
        filters = super().get_line_filters()
        return no_colour_filters(filters) if self.no_color else filters

    def get_key_display(self, binding: Binding) -> str:
        """A binding's keys as the footer shows them; a screen may say what they are now."""
        for_screen = getattr(self.screen, "key_display_for", None)
        shown = for_screen(binding) if callable(for_screen) else None
        return shown or super().get_key_display(binding)

    def action_help(self) -> None:
        from finops_tui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(help_sections(self), self.keymap_status))

    def action_codex(self) -> None:
        topic = getattr(self.screen, "codex_topic", lambda: None)()
        self.open_codex(topic)

    def open_calculator(self) -> None:
        """The AI project cost calculator, over whatever is on screen (esc comes back)."""
        from finops_tui.ui.screens.calculator import CalculatorScreen

        if not isinstance(self.screen, CalculatorScreen):
            self.push_screen(CalculatorScreen())

    def open_analysis(self, path: str = "") -> None:
        """Open a FOCUS bill and walk through its findings (esc comes back)."""
        from finops_tui.ui.screens.analysis import AnalysisScreen

        if not isinstance(self.screen, AnalysisScreen):
            self.push_screen(AnalysisScreen(path))

    def open_studio(
        self,
        level_id: str | None = None,
        decisions: list[Decisions] | None = None,
        prompt: str = "",
    ) -> None:
        """The strategy studio over what is on screen (esc comes back).

        For `level_id`, else the game's level, else the level highlighted on the title;
        `decisions` (what was played) is the strategy it starts from; `prompt`, what a
        facilitator asks of the team, is shown above the numbers.
        """
        from finops_tui.gameplay.strategy import strategy_from_decisions
        from finops_tui.ui.screens.studio import StudioScreen

        if isinstance(self.screen, StudioScreen):
            return
        scenario = self._studio_scenario(level_id)
        if scenario is None:
            return
        strategy = strategy_from_decisions(scenario, decisions) if decisions else None
        origin = "what you played" if decisions else ""
        self.push_screen(StudioScreen(scenario, strategy, origin, prompt))

    def _studio_scenario(self, level_id: str | None) -> Scenario | None:
        session = self.session
        if session is not None and level_id in (None, session.level.id):
            return session.scenario
        if level_id is None:
            level_id = getattr(self.screen, "selected_level", lambda: None)()
        if level_id is None:
            levels = list_levels()
            level_id = levels[0].id if levels else "tutorial"
        try:
            return load_scenario(level_id, setting=self.setting)
        except ContentError as exc:
            self.notify("\n".join(exc.problems), title="No studio for this level", severity="error")
            return None

    def open_codex(self, concept: str | None) -> None:
        from finops_tui.ui.screens.codex import CodexScreen

        if isinstance(self.screen, CodexScreen):
            if concept:
                self.screen.show_entry(concept)
            return
        self.push_screen(CodexScreen(concept))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        from finops_tui.ui.screens.codex import CodexScreen
        from finops_tui.ui.screens.help import HelpScreen

        if action == "codex":
            return not isinstance(self.screen, CodexScreen)
        if action == "help":
            return not isinstance(self.screen, HelpScreen)
        if action == "scoreboard":
            return self.class_link is not None
        return True

    @on(OpenCodex)
    def _open_codex(self, message: OpenCodex) -> None:
        self.open_codex(message.concept)

    @on(Markdown.LinkClicked)
    def _markdown_link(self, event: Markdown.LinkClicked) -> None:
        concept = concept_from_link(event.href)
        if concept is not None:
            self.open_codex(concept)

    def action_command_palette(self) -> None:
        open_palette(self)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # No screenshots from the palette: a classroom machine's folder is not ours to fill.
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        for role in ROLES.values():
            yield SystemCommand(
                f"Lens: {role.name}",
                f"Dashboards and advisor for {role.name}: {role.cares}",
                lambda role_id=role.id: self.set_lens(role_id),
            )
        yield SystemCommand("Lens: none", "The level's own order", lambda: self.set_lens(""))

    # -- the role lens ------------------------------------------------------------------

    def action_lens(self) -> None:
        self.set_lens(next_lens(self.role))

    def set_lens(self, role_id: str) -> None:
        """See the game as a role: its measures lead the dashboards, the advisor speaks to it."""
        self.role = role_id
        if not role_id:
            self.notify("Lens: none. Dashboards follow the level's scoring.", timeout=2.5)
            return
        level = self.session.level if self.session is not None else None
        shown = [metric_label(k) for k in lead_keys(role_id, level)] if level else []
        first = f" Leading: {', '.join(shown)}." if shown else ""
        self.notify(f"Lens: {lens_name(role_id)}.{first}", timeout=2.5)

    # -- saves --------------------------------------------------------------------------

    def autosave(self, session: GameSession) -> None:
        """Save after every resolved turn; a failed save is reported, never fatal."""
        if self.store is None or session.watched or self.seat_link is not None:
            return  # a seated team's saves are written by its writer (gameplay.team_authority)
        problem = self.save_learning(session)
        if problem is not None and self.class_link is not None:
            # A full class disk fails every turn: the team hears it once, the game goes on.
            self.class_link.tell_once(
                "autosave",
                f"Could not autosave on the class host: {problem}. Play on; your "
                "facilitator can free some space.",
            )
        elif problem is not None:
            self.notify(f"Could not autosave: {problem}", severity="warning")
        if self.class_link is not None:
            self.class_link.write_status(session)

    def save_problem(self, session: GameSession) -> str | None:
        """Why this game cannot be saved at all (None when it can)."""
        if session.watched:
            return "watching a plan saves nothing"
        if self.store is None:
            return "saving is off in this session"
        return None

    def save_learning(self, session: GameSession) -> str | None:
        """Rewrite the game's autosave with what the player wrote; why not, if it cannot be.

        In a seated team every member's writing is kept in its seat's file; the team's
        save has one writer (the member whose process holds the writer lock), and only
        that member's writing goes into it as well.
        """
        problem = self.save_problem(session)
        if problem is not None:
            return problem
        seats = self.seat_link
        if seats is not None:
            problem = seats.keep_learning(session.learning)
            if problem is not None or not (seats.authority and seats.authority.is_writer):
                return problem
        path = session.save_path
        if path is None and session.fresh:
            # A new game gets a file of its own: never the autosave of a game played before.
            path = self.store.new_autosave_path(
                session.level.id, session.player, session.level.setting
            )
        try:
            session.save_path = self.store.autosave(
                session.scenario, session.state, session.player, session.learning, path=path
            )
        except (OSError, ContentError) as exc:
            problems = exc.problems if isinstance(exc, ContentError) else [str(exc)]
            return "; ".join(problems)
        return None

    def quiz_timing(self) -> QuizTiming:
        """Time per quiz question: the class's, as its facilitator set it, else this
        session's (`play --quiz-seconds`); no limit unless one of them set one."""
        if self.class_link is not None:
            self.class_link.read()
            return self.class_link.control.quiz_timing(self.class_link.team)
        return self.quiz_timing_setting

    def has_saves(self, unfinished: bool = False) -> bool:
        if self.store is None:
            return False
        try:
            entries = self.store.unfinished() if unfinished else self.store.list()
        except (OSError, ContentError):
            return False
        return bool(entries)

    def _entries(self, unfinished: bool = False) -> list[Any]:
        if self.store is None:
            return []
        try:
            return self.store.unfinished() if unfinished else self.store.list()
        except (OSError, ContentError):
            return []

    def offer_resume(self, first_time: bool = False) -> None:
        """Offer the unfinished games (on launch, and the title screen's `r`)."""
        from finops_tui.ui.screens.saves import SaveMenuScreen

        if first_time and self._offered_resume:
            return
        self._offered_resume = True
        entries = self._entries(unfinished=True)
        if entries:
            title = "Resume an unfinished game?" if first_time else "Unfinished games"
            self.push_screen(SaveMenuScreen(entries, title), self._load_entry)

    def show_saves(self) -> None:
        """The save menu: every save in the folder (the title screen's `l`)."""
        from finops_tui.ui.screens.saves import SaveMenuScreen

        self.push_screen(SaveMenuScreen(self._entries()), self._load_entry)

    def _load_entry(self, entry: Any) -> None:
        if entry is None:
            return
        try:
            scenario, state, save = self.store.load(entry.path)
        except ContentError as exc:
            self.notify("\n".join(exc.problems), title="Cannot load", severity="error")
            return
        # An autosave goes on being the game's; a named save is a snapshot the player
        # kept, so a game loaded from one autosaves in a new file of its own.
        own = entry.path if entry.autosave else None
        session = GameSession(
            scenario, state, save.player, learning=save.learning, save_path=own, fresh=own is None
        )
        self.resume_game(session)

    def save_game_as(self, session: GameSession) -> None:
        """Ask for a name, then keep the game under it (the turn screen's `s`)."""
        from finops_tui.ui.screens.saves import SaveNameScreen

        if self.store is None:
            self.notify("Saving is off in this session.", severity="warning")
            return
        store = self.store

        def check(name: str) -> str | None:
            try:
                path = store.path_for(name)
            except ContentError as exc:
                return "\n".join(exc.problems)
            return f"exists: {path}" if path.exists() else None

        def named(name: str | None) -> None:
            if not name:
                return
            try:
                path = store.save_named(name, session.scenario, session.state, session.player)
            except (OSError, ContentError) as exc:
                problems = exc.problems if isinstance(exc, ContentError) else [str(exc)]
                self.notify("\n".join(problems), title="Not saved", severity="error")
                return
            self.notify(f"Saved as {path.name} in {path.parent}", timeout=3)

        self.push_screen(SaveNameScreen(check), named)

    def load_best_scores(self, screen: Screen) -> None:
        if self.store is not None:
            self._best_scores(screen)

    @work(thread=True, exclusive=True, group="best-scores")
    def _best_scores(self, screen: Screen) -> None:
        """Each level's best finished game, as the listing replayed it (never trusted as typed)."""
        best: dict[str, tuple[float, int]] = {}
        for entry in self._entries():
            if entry.problem is not None or not entry.finished or entry.score is None:
                continue
            if entry.level not in best or entry.score > best[entry.level][0]:
                best[entry.level] = (entry.score, entry.stars or 0)
        screen.post_message(BestScoresLoaded(best))


def help_sections(app: App) -> list[tuple[str, list[Binding]]]:
    """Every screen's keys, from the bindings the screens really have."""
    from finops_tui.ui.screens.briefing import BriefingScreen
    from finops_tui.ui.screens.calculator import CalculatorScreen
    from finops_tui.ui.screens.codex import CodexScreen
    from finops_tui.ui.screens.debrief import DebriefScreen
    from finops_tui.ui.screens.quiz import QuizScreen
    from finops_tui.ui.screens.report import ReportScreen
    from finops_tui.ui.screens.studio import StudioScreen
    from finops_tui.ui.screens.title import TitleScreen
    from finops_tui.ui.screens.turn import TurnScreen
    from finops_tui.ui.screens.watch import WatchScreen
    from finops_tui.ui.screens.written import JustificationScreen, ReflectionScreen

    def bindings(cls: type) -> list[Binding]:
        return [b for b in cls.BINDINGS if isinstance(b, Binding)]

    return [
        (
            "Everywhere",
            [*bindings(FinOpsApp), *[b for b in App.BINDINGS if isinstance(b, Binding)]],
        ),
        ("Title screen", bindings(TitleScreen)),
        ("Briefing", bindings(BriefingScreen)),
        ("Turn", bindings(TurnScreen)),
        ("Turn report", bindings(ReportScreen)),
        ("Debrief", bindings(DebriefScreen)),
        ("Quiz", bindings(QuizScreen)),
        ("Justification", bindings(JustificationScreen)),
        ("Reflection", bindings(ReflectionScreen)),
        ("Watching a plan", bindings(WatchScreen)),
        ("Strategy studio", bindings(StudioScreen)),
        ("Codex", bindings(CodexScreen)),
        ("Cost calculator", bindings(CalculatorScreen)),
    ]


def _summaries(levels: list[LevelInfo]) -> dict[str, str]:
    out = {}
    for info in levels:
        try:
            out[info.id] = str(read_toml(Path(info.path)).get("summary", ""))
        except ContentError:
            out[info.id] = ""
    return out


def create_app(
    level: str | None = None,
    seed: int | None = None,
    player: str = "",
    store: Any = None,
    animate: bool = True,
    setting: str = "standard",
    class_link: Any = None,
    watch: str | None = None,
    keymap: KeymapStatus | None = None,
    quiz_timing: QuizTiming | None = None,
) -> FinOpsApp:
    """The app, on the title screen, or straight into `level` (an id or a path).

    `watch` names a plan (`par`, `naive` or a plan file) to watch play `level`.
    Raises ContentError (with readable problems) for a level or plan that cannot be loaded.
    """
    scenario = load_scenario(level, setting=setting) if level is not None else None
    watching = None
    if watch is not None:
        from finops_tui.ui.screens.watch import watch_plan

        if scenario is None:
            raise ContentError(
                [f"--watch {watch}: name the level to watch, as in: play tutorial --watch naive"]
            )
        watching = watch_plan(scenario, watch, seed)
    return FinOpsApp(
        scenario,
        seed=seed,
        player=player,
        store=store,
        animate=animate,
        setting=setting,
        class_link=class_link,
        watch=watching,
        keymap=keymap,
        quiz_timing=quiz_timing,
    )

"""The run sheet on a team's screen: the activity the facilitator starts, opened for the team.

The facilitator's console publishes the current activity in control.json; each team's game
opens it once (a team that joins or comes back mid-activity gets it too): a level to play,
a plan to watch, the calculator, codex topics with an example for each role, a quiz, the
strategy studio, a prompt to discuss, the written justification, the reflection questions.
A poll needs nothing here: the poll dialog asks it. Everything shown is text as typed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from finops_tui.content.classroom import Control, LiveActivity
from finops_tui.content.errors import ContentError
from finops_tui.gameplay.codex import entry
from finops_tui.gameplay.course import (
    Activity,
    CodexActivity,
    activity_from_spec,
    role_example,
)
from finops_tui.gameplay.roles import ROLES
from finops_tui.gameplay.session import GameSession
from finops_tui.ui.navigator import navigator
from finops_tui.ui.screens.base import LateKeySafe

if TYPE_CHECKING:
    from finops_tui.ui.app import FinOpsApp

WARN_AT = (60, 0)  # seconds left when the team is told
now = time.time  # the clock (tests set their own)


class ActivityNote(LateKeySafe, ModalScreen[None]):
    """What the facilitator asks of the team now: a prompt, questions, codex topics by number."""

    DEFAULT_CSS = """
    ActivityNote { align: center middle; }
    ActivityNote > VerticalScroll { width: 84; max-width: 96%; height: auto; max-height: 90%;
                                    border: thick $primary; padding: 1 2; background: $surface; }
    ActivityNote #note-title { text-style: bold; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="activity.close"),
    ]

    def __init__(self, title: str, body: str, topics: list[str] | None = None) -> None:
        super().__init__()
        self.note_title = title
        self.body = body
        self.topics = topics or []

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(self.note_title), id="note-title", markup=False)
            yield Static(Text(self.body), id="note-body", markup=False)
            hint = "Enter or Esc closes."
            if self.topics:
                hint = f"1-{len(self.topics)} opens a topic in the codex. " + hint
            yield Static(Text(hint), id="note-hint", markup=False)
        yield Footer()

    def on_key(self, event) -> None:
        if self.topics and event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.topics):
                event.stop()
                navigator(self.app).open_codex(self.topics[index])

    def action_close(self) -> None:
        self.dismiss(None)


def codex_note(activity: CodexActivity, role: str) -> str:
    """The topics, numbered, then an example per role (the team's lens first)."""
    lines = ["Read in the codex:"]
    lines += [f"  {n}. {entry(topic).title}" for n, topic in enumerate(activity.topics, start=1)]
    order = [role] if role in ROLES else []
    order += [r for r in ROLES if r not in order]
    for role_id in order:
        lines += ["", f"{ROLES[role_id].name}: {role_example(activity, role_id)}"]
    return "\n".join(lines)


class ActivityFollower:
    """Opens each new activity on the team's screen, once; warns as its time runs out."""

    def __init__(self, app: App, link) -> None:
        self.app = cast("FinOpsApp", app)  # a team's game: the only app a class link is in
        self.link = link
        self.seen = 0  # the id of the activity last opened here
        self._warned: set[tuple[int, int]] = set()

    @property
    def team(self) -> str:
        return self.link.team

    @property
    def learner(self) -> str:
        return getattr(self.link, "seat", "") or ""

    def follow(self, control: Control) -> None:
        live = control.activity
        if live is None:
            return
        if live.id != self.seen:
            self.seen = live.id
            self.open(live)
        self._countdown(live)

    def open(self, live: LiveActivity) -> None:
        activity = activity_from_spec(live.spec)
        if activity is None:
            self.app.notify(
                f"{live.title}: this version cannot show it; ask your facilitator.",
                title=f"{live.phase}: a new activity",
                severity="warning",
            )
            return
        self.app.notify(live.title, title=f"{live.phase}: a new activity", timeout=8)
        while isinstance(self.app.screen, ActivityNote):
            self.app.pop_screen()  # the last activity's prompt gives way to this one
        try:
            OPENERS[activity.kind](self, activity)
        except ContentError as exc:
            self.app.notify("\n".join(exc.problems), title=live.title, severity="error")

    def _countdown(self, live: LiveActivity) -> None:
        ends = live.ends_for(self.team, self.learner)
        if ends is None:
            return
        left = ends - now()
        for mark in WARN_AT:
            key = (live.id, mark)
            if left <= mark and key not in self._warned:
                self._warned.add(key)
                if mark == 0:
                    self.app.notify(f"{live.title}: time is up.", title="Time", timeout=8)
                elif left > 0:
                    self.app.notify(
                        f"{live.title}: about a minute left.", title="Time", severity="warning"
                    )

    # --- the team's games
    def session_for(self, level_id: str) -> GameSession:
        """The team's game of a level: the one open, its save, or a new one on the class seed."""
        from finops_tui.content.levels import load_scenario
        from finops_tui.ui.classroom.link import resume_or_start

        current = getattr(self.app, "session", None)
        if current is not None and current.level.id == level_id and not current.watched:
            return current
        settings = self.link.class_dir.settings()
        setting = settings.setting if settings else "standard"
        seed = settings.seed if settings else 0
        scenario = load_scenario(level_id, setting=setting)
        store = getattr(self.app, "store", None)
        return resume_or_start(self.app, store, scenario, seed, self.team)

    def play_level(self, level_id: str) -> None:
        from finops_tui.ui.classroom.lobby import LobbyScreen
        from finops_tui.ui.screens.briefing import BriefingScreen

        app = self.app
        current = app.session
        if current is not None and current.level.id == level_id and not current.watched:
            playing = [s for s in app.screen_stack if not isinstance(s, LobbyScreen)]
            if any(getattr(s, "session", None) is current for s in playing):
                return  # already on its screens: nothing to interrupt (a draft stays a draft)
        session = self.session_for(level_id)
        session.gate = self.link.gate
        app.session = session
        self.link.write_status(session)
        if session.state.history:
            app.resume_game(session)
        else:
            app._replace_game_screen(BriefingScreen(session))


def _note(follower: ActivityFollower, activity: Activity, body: str, topics=None) -> None:
    follower.app.push_screen(ActivityNote(activity.heading, body, topics))


def _open_watch(follower: ActivityFollower, activity) -> None:
    from finops_tui.content.levels import load_scenario, plan_to_decisions
    from finops_tui.ui.screens.watch import WatchScreen

    settings = follower.link.class_dir.settings()
    scenario = load_scenario(activity.level, setting=settings.setting if settings else "standard")
    plan = scenario.level.plans[activity.plan]
    decisions = plan_to_decisions(scenario, plan, activity.level)
    watched = GameSession.start(scenario, settings.seed if settings else 0, follower.team)
    watched.watched = activity.plan
    # The team's own game stays the app's session: its status and saves are untouched.
    follower.app._replace_game_screen(WatchScreen(watched, plan, decisions))


def _open_level(follower: ActivityFollower, activity) -> None:
    follower.play_level(activity.level)


def _open_calculator(follower: ActivityFollower, activity) -> None:
    follower.app.open_calculator()
    if activity.prompt:
        follower.app.notify(activity.prompt, title=activity.heading, timeout=20)


def _open_codex(follower: ActivityFollower, activity) -> None:
    role = getattr(follower.app, "role", "")
    _note(follower, activity, codex_note(activity, role), list(activity.topics))


def _open_quiz(follower: ActivityFollower, activity) -> None:
    from finops_tui.ui.screens.quiz import QuizScreen

    follower.app.push_screen(QuizScreen(follower.session_for(activity.level)))


def _open_studio(follower: ActivityFollower, activity) -> None:
    """The strategy studio on the activity's level, the facilitator's prompt above it."""
    navigator(follower.app).open_studio(activity.level, prompt=activity.prompt or "")


def _open_discussion(follower: ActivityFollower, activity) -> None:
    _note(follower, activity, activity.prompt)


def _open_justification(follower: ActivityFollower, activity) -> None:
    from finops_tui.ui.screens.written import JustificationScreen

    follower.app.push_screen(JustificationScreen(follower.session_for(activity.level)))
    if activity.prompt:
        follower.app.notify(activity.prompt, title=activity.heading, timeout=20)


def _open_reflection(follower: ActivityFollower, activity) -> None:
    body = "\n".join(f"{n}. {q}" for n, q in enumerate(activity.learners, start=1))
    _note(follower, activity, body)


OPENERS = {
    "poll": lambda follower, activity: None,  # the poll dialog asks it
    "watch": _open_watch,
    "level": _open_level,
    "calculator": _open_calculator,
    "codex": _open_codex,
    "quiz": _open_quiz,
    "studio": _open_studio,
    "discussion": _open_discussion,
    "justification": _open_justification,
    "reflection": _open_reflection,
}

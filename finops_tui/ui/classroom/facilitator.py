"""`finops-tui facilitate`: the facilitator's console, the only writer of control.json."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from finops_tui.content.classroom import Broadcast, ClassDir, Control, Injection, Poll
from finops_tui.content.errors import ContentError
from finops_tui.engine.level import MAGNITUDE, Event
from finops_tui.ui.classroom.hosted import HostedApp
from finops_tui.ui.classroom.runsheet_panel import RunSheetConsole, RunSheetPanel
from finops_tui.ui.classroom.scoreboard import Scoreboard
from finops_tui.ui.screens.base import LateKeySafe

# Every kind of event a level can schedule, but harm: that is the teams' own risk to run.
INJECTABLE = tuple(kind for kind in MAGNITUDE if kind != "safety_incident")


class Form(LateKeySafe, ModalScreen[dict | None]):
    """A few labelled fields; Enter submits, Escape cancels (the first of the two typed
    quickly: the second would close the console)."""

    DEFAULT_CSS = """
    Form { align: center middle; }
    Form > Vertical { width: 70; height: auto; border: thick $primary; padding: 1 2;
                      background: $surface; }
    Form #error { color: $error; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, title: str, fields: list[tuple[str, str, object]]) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields  # (key, label, default or list of options)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.form_title), markup=False)
            for key, label, default in self.fields:
                yield Label(Text(label), markup=False)
                if isinstance(default, list):
                    yield Select(
                        [(Text(o), o) for o in default], value=default[0], id=key, allow_blank=False
                    )
                else:
                    yield Input(str(default), id=key)
            yield Static("", id="error", markup=False)
            yield Button("OK", variant="primary", id="ok")

    def on_mount(self) -> None:
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def submit(self) -> None:
        values = {}
        for key, _, default in self.fields:
            widget = self.query_one(f"#{key}")
            values[key] = widget.value if isinstance(default, list) else widget.value.strip()
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FacilitatorApp(RunSheetConsole, HostedApp, App):
    TITLE = "finops-tui facilitator"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start", id="start"),
        Binding("o", "open_turn", "Open turn", id="open_turn"),
        Binding("c", "close_turn", "Close turn", id="close_turn"),
        Binding("t", "countdown", "Countdown", id="countdown"),
        Binding("x", "extra_time", "Extra time", id="extra_time"),
        Binding("p", "poll", "Poll", id="poll"),
        Binding("P", "end_poll", "End poll", id="end_poll", show=False),
        Binding("space", "pause", "Pause", id="pause"),
        Binding("i", "inject", "Inject event", id="inject"),
        Binding("b", "broadcast", "Broadcast", id="broadcast"),
        Binding("n", "next_activity", "Next activity", id="next_activity"),
        Binding("k", "checkin", "Check-in", id="checkin"),
        Binding("R", "class_report", "Class report", id="class_report"),
        Binding("r", "export", "Export CSV", id="export"),
        Binding("g", "tournament", "Tournament", id="tournament"),
        Binding("e", "end_game", "End game", id="end_game"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(self, class_dir: ClassDir, course=None, clock=time.time) -> None:
        super().__init__()
        self.class_dir = class_dir
        self.follow_course(course, clock)
        self.host_in(class_dir, "facilitate")
        self._write_problem: tuple[str, int] | None = None
        settings = class_dir.settings()
        self.level_id = settings.level if settings else "?"
        self.turns = self._turns(settings.level) if settings else 1

    @staticmethod
    def _turns(level: str) -> int:
        from finops_tui.content.levels import load_scenario

        return load_scenario(level).level.turns

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f" Facilitating {self.level_id} ({self.turns} turns)"), id="title", markup=False
        )
        yield RunSheetPanel()
        yield Scoreboard(self.class_dir)
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1.0, self._enforce_deadline)
        self.show_runsheet()
        self.set_interval(1.0, self.tick_runsheet)

    def action_command_palette(self) -> None:
        from finops_tui.ui.commands import open_palette

        open_palette(self)  # the hardened palette: a quick double enter closes only it

    # --- writing the single source of truth
    def _update(self, **changes: object) -> Control | None:
        """Write the change for every team; None (and the facilitator told) if it cannot be."""
        control = self.class_dir.control().model_copy(update=changes)
        try:
            control = self.class_dir.write_control(Control.model_validate(control.model_dump()))
        except (OSError, ContentError) as exc:
            problems = exc.problems if isinstance(exc, ContentError) else [str(exc)]
            problem = "; ".join(problems)
            # The deadline check retries every second: say a lasting problem once a minute.
            if (problem, int(time.monotonic() // 60)) != self._write_problem:
                self._write_problem = (problem, int(time.monotonic() // 60))
                self.notify(
                    f"{problem}. Nothing changed for the teams; free some space and try again.",
                    title="Not sent",
                    severity="error",
                    timeout=12,
                )
            return None
        self.query_one(Scoreboard).refresh_board()
        return control

    def _enforce_deadline(self) -> None:
        control = self.class_dir.control()
        if control.phase != "playing" or control.deadline is None:
            return
        latest = control.deadline + max(control.extra_seconds.values(), default=0.0)
        if time.time() >= latest and self._update(
            closed_turn=control.open_turn, deadline=None, extra_seconds={}
        ):
            self.notify(f"Turn {control.open_turn} closed: time is up.")

    # --- actions
    def action_start(self) -> None:
        control = self.class_dir.control()
        if control.phase != "lobby":
            self.notify("The game has already started.", severity="warning")
            return
        if self._update(phase="playing", open_turn=1):
            self.notify("Game started: turn 1 is open.")

    def action_open_turn(self) -> None:
        control = self.class_dir.control()
        if control.phase == "lobby":
            self.notify("Start the game first (s).", severity="warning")
            return
        if control.open_turn >= self.turns:
            self.notify("Every turn is already open.", severity="warning")
            return
        self.push_screen(
            Form(
                f"Open turn {control.open_turn + 1}",
                [("seconds", "Countdown in seconds (blank: none)", "")],
            ),
            self._opened,
        )

    def _opened(self, values: dict | None) -> None:
        if values is None:
            return
        seconds = self._seconds(values["seconds"], allow_blank=True)
        if seconds is False:
            return
        control = self.class_dir.control()
        turn = control.open_turn + 1
        deadline = time.time() + seconds if seconds else None
        if self._update(open_turn=turn, closed_turn=turn - 1, deadline=deadline, extra_seconds={}):
            self.notify(f"Turn {turn} is open.")

    def action_close_turn(self) -> None:
        control = self.class_dir.control()
        if self._update(closed_turn=control.open_turn, deadline=None, extra_seconds={}):
            self.notify(
                f"Turn {control.open_turn} closed: teams that had not decided keep "
                "last period's decisions."
            )

    def action_countdown(self) -> None:
        self.push_screen(
            Form("Countdown for the open turn", [("seconds", "Seconds", "120")]), self._counted
        )

    def _counted(self, values: dict | None) -> None:
        if values is None:
            return
        seconds = self._seconds(values["seconds"])
        if seconds:
            self._update(deadline=time.time() + seconds)

    def action_extra_time(self) -> None:
        teams = self.class_dir.teams()
        if not teams:
            self.notify("No team has joined yet.", severity="warning")
            return
        self.push_screen(
            Form(
                "Extra time for a team, or one learner of it",
                [
                    ("team", "Team", teams),
                    ("learner", "Learner or seat (blank: the whole team)", ""),
                    ("seconds", "Extra seconds", "60"),
                ],
            ),
            self._extra,
        )

    def _extra(self, values: dict | None) -> None:
        if values is None:
            return
        seconds = self._seconds(values["seconds"])
        if seconds:
            control = self.class_dir.control()
            extra = dict(control.extra_seconds)
            if not values.get("learner"):  # a turn's countdown is the whole team's
                extra[values["team"]] = extra.get(values["team"], 0.0) + seconds
            self._update(extra_seconds=extra, **self.activity_extra(values, seconds))

    def action_poll(self) -> None:
        self.push_screen(
            Form(
                "A quick poll for every team",
                [
                    ("question", "Question", ""),
                    ("kind", "Kind", ["choice", "scale"]),
                    ("choices", "Choices, separated by ';' (for a choice poll)", ""),
                ],
            ),
            self._polled,
        )

    def _polled(self, values: dict | None) -> None:
        if values is None or not values["question"]:
            return
        choices = [c.strip()[:80] for c in values["choices"].split(";") if c.strip()][:12]
        if values["kind"] == "choice" and len(choices) < 2:
            self.notify("A choice poll needs at least two choices.", severity="error")
            return
        control = self.class_dir.control()
        poll_id = self.class_dir.next_id(control)
        question = values["question"][:300]
        poll = Poll(id=poll_id, question=question, kind=values["kind"], choices=choices)
        if self._update(poll=poll, last_id=poll_id):
            self.notify(f"Poll {poll_id} is open: {question}")

    def action_end_poll(self) -> None:
        self._update(poll=None)

    def action_pause(self) -> None:
        control = self.class_dir.control()
        if control.phase == "playing":
            self._update(phase="paused")
        elif control.phase == "paused":
            self._update(phase="playing")

    def action_inject(self) -> None:
        control = self.class_dir.control()
        if control.open_turn >= self.turns:
            self.notify("No turn is left to inject into.", severity="warning")
            return
        self.push_screen(
            Form(
                f"Inject an event at turn {control.open_turn + 1}, for every team",
                [
                    ("kind", "Kind", list(INJECTABLE)),
                    ("magnitude", "Magnitude (GPUs, multiplier or share, by kind)", "1.5"),
                    ("title", "Title the teams will read", "A surprise from the facilitator"),
                ],
            ),
            self._injected,
        )

    def _injected(self, values: dict | None) -> None:
        if values is None:
            return
        control = self.class_dir.control()
        try:
            magnitude = float(values["magnitude"]) if values["kind"] != "message" else 0.0
            event = Event(
                kind=values["kind"],
                title=values["title"] or values["kind"],
                turn=control.open_turn + 1,
                magnitude=magnitude,
            )
        except ValueError as exc:
            meaning, low, high = MAGNITUDE[values["kind"]]
            self.notify(
                f"Magnitude is the {meaning}, between {low:g} and {high:g}: {exc}", severity="error"
            )
            return
        injection_id = self.class_dir.next_id(control)
        injection = Injection(id=injection_id, event=event)
        if self._update(injected=[*control.injected, injection], last_id=injection_id):
            self.notify(f"Injected for turn {event.turn}: {event.title}")

    def action_broadcast(self) -> None:
        self.push_screen(
            Form("A message for every team", [("text", "Message", "")]), self._broadcast
        )

    def _broadcast(self, values: dict | None) -> None:
        if values is None or not values["text"]:
            return
        control = self.class_dir.control()
        message_id = self.class_dir.next_id(control)
        message = Broadcast(id=message_id, text=values["text"][:300], at=time.time())
        self._update(broadcasts=[*control.broadcasts, message], last_id=message_id)

    def action_end_game(self) -> None:
        if self._update(phase="ended", closed_turn=self.turns, open_turn=self.turns, deadline=None):
            self.notify("The game is over; teams see their debrief.")

    def action_export(self) -> None:
        from finops_tui.content.classroom import export_results

        path = self.class_dir.root / "results.csv"
        try:
            count = export_results(self.class_dir, path)
        except (OSError, ContentError) as exc:
            problems = exc.problems if isinstance(exc, ContentError) else [f"{path}: {exc}"]
            self.notify("; ".join(problems), title="Not exported", severity="error")
            return
        self.notify(f"Wrote {path}: {count} teams.")

    def action_tournament(self) -> None:
        """The teams' submitted strategies on the same seeds; the projector shows the ranking."""
        self.run_worker(self._tournament, thread=True, exclusive=True, group="tournament")

    def _tournament(self) -> None:
        from finops_tui.gameplay.class_tournament import run_class_tournament

        try:
            result = run_class_tournament(self.class_dir)
        except ContentError as exc:
            self.call_from_thread(
                self.notify,
                "; ".join(exc.problems),
                title="No tournament",
                severity="error",
                markup=False,
            )
            return
        left_out = f" Left out: {'; '.join(result['problems'])}" if result["problems"] else ""
        self.call_from_thread(
            self.notify,
            f"{len(result['rows']) - 2} strategies ranked on {result['seeds']:,} seeds; "
            f"the scoreboard shows them.{left_out}",
            markup=False,
        )
        self.call_from_thread(self.query_one(Scoreboard).refresh_board)

    def _seconds(self, text: str, allow_blank: bool = False) -> float | bool:
        if not text and allow_blank:
            return 0.0
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 < value <= 24 * 3600:
            self.notify("Give a number of seconds, like 120.", severity="error")
            return False
        return value

"""The facilitator's run sheet: phase, timer and next activity; `n` starts it on every team's
screen. The console's clock is injected: the tests move it instead of sleeping."""

from __future__ import annotations

from finops_tui.content.classroom import ClassDir, ClassSettings, Control, LiveActivity
from finops_tui.gameplay.course import load_course, resolve_course_path
from finops_tui.gameplay.runsheet import course_path, install_course
from finops_tui.ui.classroom.activities import ActivityNote
from finops_tui.ui.classroom.facilitator import FacilitatorApp, Form
from finops_tui.ui.classroom.runsheet_panel import RunSheetPanel
from finops_tui.ui.screens.briefing import BriefingScreen
from finops_tui.ui.screens.quiz import QuizScreen
from finops_tui.ui.screens.studio import StudioScreen
from finops_tui.ui.screens.watch import WatchScreen
from finops_tui.ui.textual_fixes import notification_messages, notification_titles

from .test_classroom import team_app
from .waiting import wait_for

T0 = 1_800_000_000.0
HOSTILE = "[/b]Spend [b]less[/] now[/] <script>"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def a_class(tmp_path, teams=("blue", "green")) -> ClassDir:
    class_dir = ClassDir(tmp_path / "class")
    class_dir.create(ClassSettings(level="tutorial", seed=5))
    for team in teams:
        class_dir.team_dir(team).mkdir(parents=True)
    return class_dir


def note_open(app) -> bool:
    screen = app.screen
    return isinstance(screen, ActivityNote) and bool(screen.query("#note-body"))


def note_body(app) -> str:
    return str(app.screen.query_one("#note-body").render())


def panel(app) -> str:
    return str(app.query_one(RunSheetPanel).render())


async def next_activity(app, pilot, kind: str) -> None:
    await pilot.press("n")
    await wait_for(
        lambda: (
            app.class_dir.control().activity is not None
            and app.class_dir.control().activity.kind == kind
        ),
        what=f"the {kind} activity in control.json",
    )


async def test_the_console_shows_the_phase_its_timer_and_what_comes_next(tmp_path):
    class_dir = a_class(tmp_path)
    clock = Clock()
    app = FacilitatorApp(class_dir, clock=clock)
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.pause()
        assert "FinOps for AI projects: a 3-hour lesson · 180 min · not started" in panel(app)
        assert "Next (n): Opening poll [poll, 5 min] · Engage" in panel(app)
        await next_activity(app, pilot, "poll")
        control = class_dir.control()
        assert control.poll is not None and control.poll.id == control.activity.id
        assert control.poll.question == "How important is FinOps to your AI projects?"
        await wait_for(lambda: "Now: Opening poll" in panel(app), what="the panel's now line")
        assert "Engage (phase 1/5) · 30:00 left of 30 min" in panel(app)
        assert "Next (n): The failure case" in panel(app)
        clock.now += 5 * 60 + 1  # the poll's five minutes are up
        await wait_for(lambda: "time is up (0:01 over)" in panel(app), what="the timer")
        await wait_for(
            lambda: any("Time is up for Opening poll" in m for m in notification_messages(app)),
            what="time is up, said once",
        )
        assert "Engage (phase 1/5) · 24:59 left" in panel(app)
        await next_activity(app, pilot, "watch")
        assert class_dir.control().poll is None  # the poll's activity is over
        assert class_dir.control().activity.spec["plan"] == "naive"
        await next_activity(app, pilot, "discussion")
        clock.now += 25 * 60
        await next_activity(app, pilot, "level")
        control = class_dir.control()
        assert (control.phase, control.open_turn, control.closed_turn) == ("playing", 3, 0)
        assert control.activity.ends == clock.now + 10 * 60  # a timed activity
        await wait_for(lambda: "Explore (phase 2/5) · 45:00 left" in panel(app), what="phase 2")


async def test_a_checkin_goes_out_every_n_minutes_and_on_k(tmp_path):
    class_dir = a_class(tmp_path)
    clock = Clock()
    app = FacilitatorApp(class_dir, clock=clock)
    async with app.run_test(size=(110, 36)) as pilot:
        await pilot.press("k")
        await wait_for(
            lambda: any("Start the course first" in m for m in notification_messages(app))
        )
        await next_activity(app, pilot, "poll")
        await next_activity(app, pilot, "watch")  # the opening poll closes
        assert class_dir.control().poll is None
        await wait_for(lambda: "Check-in in 20:00" in panel(app), what="the check-in clock")
        clock.now += 20 * 60
        await wait_for(lambda: class_dir.control().poll is not None, what="the automatic pulse")
        pulse = class_dir.control().poll
        assert pulse.kind == "scale" and pulse.question.startswith("How is your team doing")
        assert app.sheet.checkins[-1].poll_id == pulse.id
        await pilot.press("P")  # the facilitator ends it
        await wait_for(lambda: class_dir.control().poll is None)
        await pilot.press("k")  # one more, now
        await wait_for(lambda: len(app.sheet.checkins) == 2, what="a check-in on k")
        assert class_dir.control().poll.id > pulse.id


async def test_extra_time_for_one_learner_or_a_team_on_a_timed_activity(tmp_path):
    class_dir = a_class(tmp_path)
    app = FacilitatorApp(class_dir, clock=Clock())
    async with app.run_test(size=(110, 36)) as pilot:
        for kind in ("poll", "watch", "discussion", "level"):
            await next_activity(app, pilot, kind)
        for learner, seconds in (("Finance", "90"), ("", "60"), ("../x", "30")):
            await pilot.press("x")
            await wait_for(lambda: isinstance(app.screen, Form), what="the extra time form")
            app.screen.query_one("#learner").value = learner
            app.screen.query_one("#seconds").value = seconds
            app.screen.query_one("#seconds").focus()
            await pilot.press("enter")
            await wait_for(lambda: not isinstance(app.screen, Form), what="the form to close")
            await pilot.pause()
        live: LiveActivity = class_dir.control().activity
        assert live.extra_seconds == {"blue+finance": 90, "blue": 60}
        assert live.ends_for("blue", "finance") == live.ends + 150
        assert live.ends_for("green") == live.ends
        assert class_dir.control().extra_seconds == {"blue": 60}  # the turn's: whole teams only
        assert any("named like a seat" in m for m in notification_messages(app))


async def test_the_run_sheet_survives_a_console_restart(tmp_path):
    class_dir = a_class(tmp_path)
    first = FacilitatorApp(class_dir, clock=Clock())
    async with first.run_test(size=(110, 36)) as pilot:
        for kind in ("poll", "watch"):
            await next_activity(first, pilot, kind)
    again = FacilitatorApp(class_dir, clock=Clock())
    async with again.run_test(size=(110, 36)) as pilot:
        await wait_for(lambda: "Now: The failure case" in panel(again), what="the same step")
        await next_activity(again, pilot, "discussion")
        assert [e.kind for e in again.sheet.log] == ["poll", "watch", "discussion"]


async def test_the_studio_starts_for_every_team_and_the_report_key_writes(tmp_path):
    class_dir = a_class(tmp_path)
    install_course(class_dir, None)
    course = load_course(course_path(class_dir))
    app = FacilitatorApp(class_dir, clock=Clock())
    async with app.run_test(size=(110, 36)) as pilot:
        kinds = [a.kind for _, _, a in course.steps()]
        for kind in kinds[: kinds.index("studio") + 1]:
            await next_activity(app, pilot, kind)
        await wait_for(
            lambda: (
                class_dir.control().activity is not None
                and class_dir.control().activity.kind == "studio"
            ),
            what="the studio started for the teams",
        )
        await pilot.press("R")
        await wait_for(lambda: (class_dir.root / "report" / "report.html").is_file())
        assert "Class report" in notification_titles(app)
        for _ in kinds[kinds.index("studio") + 1 :]:
            await pilot.press("n")
        await wait_for(lambda: app.sheet.step == len(kinds) - 1, what="the last step")
        await pilot.press("n")
        await wait_for(lambda: any("The course is over" in m for m in notification_messages(app)))


async def test_every_activity_opens_on_a_teams_screen(tmp_path):
    class_dir = a_class(tmp_path, teams=())
    course = load_course(resolve_course_path(None))
    steps = {a.kind: a for _, _, a in course.steps()}
    app = team_app(class_dir, "blue")
    next_id = iter(range(1, 100))

    def start(kind: str, **changes) -> None:
        activity = steps[kind].model_copy(update=changes)
        spec = activity.model_dump(mode="json", by_alias=True)
        live = LiveActivity(
            id=next(next_id), phase="Test", kind=kind, title=activity.heading, started=T0, spec=spec
        )
        control = class_dir.control()
        class_dir.write_control(Control(**{**control.model_dump(), "activity": live}))

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        own = app.session
        start("watch")
        await wait_for(lambda: isinstance(app.screen, WatchScreen), what="the watched plan")
        assert app.screen.session.watched == "naive"
        assert app.screen.session.level.id == "runaway-fine-tune"
        assert app.session is own  # the team's own game is untouched
        start("discussion", prompt=HOSTILE)
        await wait_for(lambda: note_open(app), what="the prompt")
        assert note_body(app) == HOSTILE  # as typed
        await pilot.press("escape")
        app.role = "finance"  # the team's lens: its role's example comes first
        start("codex")
        await wait_for(lambda: note_open(app), what="the codex note")
        body = note_body(app)
        assert "1. Cost allocation" in body
        examples = [line.split(":")[0] for line in body.splitlines() if ": " in line]
        assert examples == ["Finance", "IT", "Data Science"]
        await pilot.press("escape")
        start("level", level="spot-or-reserved")
        await wait_for(
            lambda: (
                app.session.level.id == "spot-or-reserved"
                and isinstance(app.screen, BriefingScreen)
            ),
            what="spot-or-reserved's briefing",
        )
        start("studio", prompt=HOSTILE)
        await wait_for(lambda: isinstance(app.screen, StudioScreen), what="the studio")
        assert app.screen.prompt == HOSTILE  # the facilitator's words, as typed
        assert app.screen.scenario.level.id == steps["studio"].level
        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, StudioScreen), what="back to the game")
        start("quiz")
        await wait_for(lambda: isinstance(app.screen, QuizScreen), what="the quiz")
        assert app.screen.session.level.id == "spot-or-reserved"


async def test_the_class_level_after_a_watch_brings_the_team_back_to_its_own_game(tmp_path):
    class_dir = a_class(tmp_path, teams=())
    course = load_course(resolve_course_path(None))
    steps = [a for _, _, a in course.steps()]
    app = team_app(class_dir, "blue")

    def start(n: int, activity_id: int = 0) -> None:
        activity = steps[n]
        live = LiveActivity(
            id=activity_id or n + 1,
            phase="Test",
            kind=activity.kind,
            title=activity.heading,
            started=T0,
            spec=activity.model_dump(mode="json", by_alias=True),
        )
        class_dir.write_control(class_dir.control().model_copy(update={"activity": live}))

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        own = app.session
        assert own.level.id == "tutorial"  # the class's level, in the lobby
        start(1)  # the watch
        await wait_for(lambda: isinstance(app.screen, WatchScreen), what="the watch")
        start(2)  # the discussion prompt, over the watch
        await wait_for(lambda: note_open(app), what="the prompt")
        start(3)  # the tutorial: the team's own game, back on screen, the prompt closed
        await wait_for(
            lambda: isinstance(app.screen, BriefingScreen) and app.screen.session is own,
            what="the team's own tutorial",
        )
        assert not any(isinstance(s, ActivityNote | WatchScreen) for s in app.screen_stack)
        await pilot.pause()
        await pilot.press("enter")  # briefing -> turn
        await wait_for(lambda: type(app.screen).__name__ == "TurnScreen", what="the turn")
        turn_screen = app.screen
        start(3, activity_id=50)  # the tutorial again (started twice): the turn goes on
        await wait_for(lambda: app.class_follower.activities.seen == 50, what="the new id")
        await pilot.pause()
        assert app.screen is turn_screen


async def test_a_team_is_warned_as_its_time_runs_out_and_extra_time_moves_it(tmp_path, monkeypatch):
    from finops_tui.ui.classroom import activities

    clock = Clock()
    monkeypatch.setattr(activities, "now", clock)
    class_dir = a_class(tmp_path, teams=())
    course = load_course(resolve_course_path(None))
    calculator = next(a for _, _, a in course.steps() if a.kind == "calculator")
    live = LiveActivity(
        id=1,
        phase="Explore",
        kind="calculator",
        title="Price it",
        started=T0,
        ends=T0 + 600,
        extra_seconds={"green": 300},
        spec=calculator.model_dump(mode="json", by_alias=True),
    )
    class_dir.write_control(Control(activity=live))
    blue, green = team_app(class_dir, "blue"), team_app(class_dir, "green")

    def said(app, text: str) -> bool:
        return any(text in m for m in notification_messages(app))

    async with blue.run_test(size=(100, 30)), green.run_test(size=(100, 30)):
        await wait_for(lambda: said(blue, "Price it") and said(green, "Price it"))
        clock.now = T0 + 545  # under a minute left for blue; green has five minutes more
        await wait_for(lambda: said(blue, "about a minute left"), what="blue's warning")
        clock.now = T0 + 600
        await wait_for(lambda: said(blue, "Price it: time is up"), what="blue's time")
        assert not said(green, "about a minute left") and not said(green, "time is up")
        clock.now = T0 + 900
        await wait_for(lambda: said(green, "Price it: time is up"), what="green's, later")


async def test_a_course_with_markup_in_its_words_is_shown_as_typed(tmp_path):
    class_dir = a_class(tmp_path)
    course = tmp_path / "hostile.toml"
    course.write_text(
        "[course]\n"
        f"id = 'hostile'\ntitle = '{HOSTILE}'\n"
        f"[[phase]]\nname = '{HOSTILE}'\nminutes = 10\n"
        "[[phase.activity]]\nkind = 'poll'\n"
        f"title = '{HOSTILE}'\nquestion = '{HOSTILE}'\nchoices = ['[b]', '[/]']\nminutes = 5\n",
        encoding="utf-8",
    )
    install_course(class_dir, str(course))
    app = FacilitatorApp(class_dir, clock=Clock())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert f"{HOSTILE} · 10 min · not started" in panel(app)
        await next_activity(app, pilot, "poll")
        await wait_for(lambda: f"Now: {HOSTILE} [poll, 5 min]" in panel(app))
        assert f"{HOSTILE} (phase 1/1)" in panel(app)
        assert class_dir.control().poll.choices == ["[b]", "[/]"]
        assert app.is_running

"""The run sheet: where a class is in its course, what is running, and what comes next.

Pure functions of (course, run sheet, now): the clock is always passed in, so a test
drives the three hours in microseconds. The facilitator's console is the only writer of
`CLASS_DIR/runsheet.json` (atomically, like control.json), so a restarted host finds the
class where it was.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from finops_tui.content.classroom import ClassDir, Control, LiveActivity, Poll
from finops_tui.content.errors import ContentError
from finops_tui.content.files import atomic_write_text
from finops_tui.gameplay.course import (
    DEFAULT_COURSE,
    TIMED_KINDS,
    Activity,
    Course,
    LevelActivity,
    PollActivity,
    load_course,
    resolve_course_path,
)

RUNSHEET_FILE = "runsheet.json"
COURSE_FILE = "course.toml"
MAX_EXTRA_SECONDS = 3600.0  # per team or learner and activity: an hour is past any lesson


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogEntry(Strict):
    """One activity as it ran: which, when it started and when the next one replaced it."""

    step: int = Field(ge=0)
    activity_id: int = Field(ge=1)
    phase: str
    kind: str
    title: str
    started: float
    ended: float | None = None
    level: str | None = None


class CheckIn(Strict):
    poll_id: int = Field(ge=1)
    at: float
    question: str


class RunSheet(Strict):
    course_id: str
    step: int = Field(-1, ge=-1, description="The activity running (-1: the course has not begun).")
    course_started: float | None = None
    phase_started: float | None = None
    log: list[LogEntry] = Field(default_factory=list)
    checkins: list[CheckIn] = Field(default_factory=list)

    @property
    def started(self) -> float | None:
        return self.log[-1].started if self.log else None


Step = tuple[int, int, Activity]


def current_step(course: Course, sheet: RunSheet) -> Step | None:
    steps = course.steps()
    return steps[sheet.step] if 0 <= sheet.step < len(steps) else None


def next_step(course: Course, sheet: RunSheet) -> Step | None:
    steps = course.steps()
    return steps[sheet.step + 1] if sheet.step + 1 < len(steps) else None


def finished(course: Course, sheet: RunSheet) -> bool:
    return sheet.step >= len(course.steps()) - 1 and sheet.step >= 0


def advance(course: Course, sheet: RunSheet, activity_id: int, now: float) -> RunSheet:
    """The next activity starts now (the one running ends); unchanged at the course's end."""
    following = next_step(course, sheet)
    if following is None:
        return sheet
    phase_index, _, activity = following
    current = current_step(course, sheet)
    log = list(sheet.log)
    if log and log[-1].ended is None:
        log[-1] = log[-1].model_copy(update={"ended": now})
    log.append(
        LogEntry(
            step=sheet.step + 1,
            activity_id=activity_id,
            phase=course.phase[phase_index].name,
            kind=activity.kind,
            title=activity.heading,
            started=now,
            level=getattr(activity, "level", None),
        )
    )
    new_phase = current is None or current[0] != phase_index
    return sheet.model_copy(
        update={
            "step": sheet.step + 1,
            "log": log,
            "course_started": sheet.course_started if sheet.course_started else now,
            "phase_started": now if new_phase else sheet.phase_started,
        }
    )


def activity_ends(course: Course, sheet: RunSheet) -> float | None:
    step = current_step(course, sheet)
    if step is None or sheet.started is None:
        return None
    return sheet.started + step[2].minutes * 60.0


def phase_left(course: Course, sheet: RunSheet, now: float) -> float | None:
    """Seconds left in the current phase (negative when it runs over)."""
    step = current_step(course, sheet)
    if step is None or sheet.phase_started is None:
        return None
    return sheet.phase_started + course.phase[step[0]].minutes * 60.0 - now


def activity_left(course: Course, sheet: RunSheet, now: float) -> float | None:
    ends = activity_ends(course, sheet)
    return None if ends is None else ends - now


def checkin_due(course: Course, sheet: RunSheet, now: float) -> bool:
    """A pulse is due every `checkin_minutes` of a running course (never after it ends)."""
    every = course.course.checkin_minutes * 60.0
    if every <= 0 or sheet.course_started is None or finished(course, sheet):
        return False
    last = sheet.checkins[-1].at if sheet.checkins else sheet.course_started
    return now - last >= every


def record_checkin(sheet: RunSheet, poll_id: int, question: str, now: float) -> RunSheet:
    return sheet.model_copy(
        update={"checkins": [*sheet.checkins, CheckIn(poll_id=poll_id, at=now, question=question)]}
    )


def clock(seconds: float | None) -> str:
    """`12:05`, or `-1:30` when over time; `-` when there is no clock."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    whole = int(abs(seconds) + (0.999 if seconds > 0 else 0))  # 0.2 s left still reads 0:01
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def describe(activity: Activity) -> str:
    """An activity in a few words, for the console's "now" and "next" lines."""
    what = {
        "watch": lambda a: f"watch {a.level} ({a.plan})",
        "level": lambda a: f"play {a.level}",
        "quiz": lambda a: f"{'check-in ' if a.check_in else ''}quiz on {a.level}",
        "studio": lambda a: f"strategy studio on {a.level}",
        "justification": lambda a: f"justify the {a.level} game",
        "codex": lambda a: "codex: " + ", ".join(a.topics),
    }.get(activity.kind, lambda a: a.kind)(activity)
    return f"{activity.heading} [{what}, {activity.minutes:g} min]"


# --- the control change that starts an activity on every team's screen


def live_activity(
    course: Course, sheet: RunSheet, activity_id: int, now: float
) -> LiveActivity | None:
    step = current_step(course, sheet)
    if step is None:
        return None
    phase_index, _, activity = step
    timed = activity.kind in TIMED_KINDS
    return LiveActivity(
        id=activity_id,
        phase=course.phase[phase_index].name,
        kind=activity.kind,
        title=activity.heading,
        started=now,
        ends=now + activity.minutes * 60.0 if timed else None,
        spec=activity.model_dump(mode="json", by_alias=True),
    )


def control_for(
    control: Control, live: LiveActivity, activity: Activity, level_turns: int | None
) -> dict:
    """The changes to control.json that put `live` on every team's screen."""
    changes: dict = {"activity": live, "last_id": max(control.last_id, live.id)}
    previous = control.activity
    if control.poll is not None and previous is not None and control.poll.id == previous.id:
        changes["poll"] = None  # the last activity's poll gives way to this one
    if isinstance(activity, PollActivity):
        kind = "choice" if activity.choices else "scale"
        changes["poll"] = Poll(
            id=live.id, question=activity.question, kind=kind, choices=list(activity.choices)
        )
    if isinstance(activity, LevelActivity) and level_turns is not None:
        # Teams play the level at their own pace: every turn open, nothing closed for them.
        changes.update(
            phase="playing", open_turn=level_turns, closed_turn=0, deadline=None, extra_seconds={}
        )
    return changes


def with_extra(live: LiveActivity, who: str, seconds: float) -> LiveActivity:
    """`seconds` more for a team (`blue`) or a learner (`blue+finance`), capped."""
    extra = dict(live.extra_seconds)
    extra[who] = min(MAX_EXTRA_SECONDS, extra.get(who, 0.0) + seconds)
    return live.model_copy(update={"extra_seconds": extra})


# --- files in the class folder


def runsheet_path(class_dir: ClassDir) -> Path:
    return class_dir.root / RUNSHEET_FILE


def course_path(class_dir: ClassDir) -> Path:
    return class_dir.root / COURSE_FILE


def install_course(class_dir: ClassDir, name: str | None) -> Course:
    """Check a course (id, path, or None: the shipped default) and copy it into the class.

    The console runs in its own process and reads the class folder's copy, so the course
    the host was started with is the one the facilitator follows, even after a restart.
    """
    path = resolve_course_path(name)
    course = load_course(path)
    text = path.read_text(encoding="utf-8")
    target = course_path(class_dir)
    try:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            class_dir.root.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, text)
    except OSError as exc:
        raise ContentError([f"{target}: cannot save: {exc.strerror or exc}"]) from None
    return course


def class_course(class_dir: ClassDir) -> Course:
    """The class's course: its copy in the class folder, else the shipped default."""
    path = course_path(class_dir)
    if path.exists():
        return load_course(path)
    return load_course(resolve_course_path(DEFAULT_COURSE))


def read_runsheet(class_dir: ClassDir, course: Course) -> RunSheet:
    """Where the class is; a missing, damaged or other course's file starts the course afresh."""
    fresh = RunSheet(course_id=course.course.id)
    try:
        sheet = RunSheet.model_validate_json(runsheet_path(class_dir).read_bytes())
    except (OSError, ValueError):
        return fresh
    if sheet.course_id != course.course.id or sheet.step >= len(course.steps()):
        return fresh
    return sheet


def write_runsheet(class_dir: ClassDir, sheet: RunSheet) -> None:
    atomic_write_text(runsheet_path(class_dir), sheet.model_dump_json(indent=2))
